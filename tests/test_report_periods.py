"""Reports read only their period: `frames.rows/documents(period=..., fields=...)` select in SQL exactly the rows
a pandas filter of every row would keep; the monitoring report's window gives the figures of the whole ledger;
row heights are counted as the word-by-word layout counts them."""
from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import inspect

from adtools.errors import InputError
from adtools.ledger import frames
from adtools.ledger.store import Ledger
from adtools.monitoring import brand_map, classify, monitoring_month, months_read
from adtools.monitoring.brands import unmapped
from adtools.reports.xlsx import text_lines
from tests._ledger_support import archive, make_config, source_for, timesheet

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 3, 9, 0, tzinfo=SH)
WEEKS = [date(2026, 10, 19) + timedelta(weeks=i) for i in range(4)]  # Mondays around the turn of the month


@pytest.fixture()
def ledger(tmp_path):
    cfg = make_config(tmp_path)
    with Ledger.open(cfg) as led:
        for i, week in enumerate(WEEKS):
            for staff in ("张伟", "李娜"):
                src = source_for(cfg, f"ts/{staff}-{week}.xlsx", f"{staff}{week}".encode())
                result = timesheet(staff=staff, week=week, hours=[str(1 + i), "2.5", "8"])
                for k, rec in enumerate(result.rows):  # a row on each day of the week, so a period cuts weeks
                    rec.values["date"] = week + timedelta(days=2 * k)
                led.store_version(result, src, now=T0, archive_path=archive(cfg, src))
        yield led


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True))


@pytest.mark.parametrize("first, last", [(date(2026, 11, 1), date(2026, 11, 30)), (None, date(2026, 10, 31)),
                                         (date(2026, 11, 4), None), (date(2026, 12, 1), date(2026, 12, 31))])
def test_rows_of_a_period_are_the_rows_a_filter_of_every_row_keeps(ledger, first, last):
    every = frames.rows(ledger, "timesheet")
    keep = pd.Series(True, index=every.index)
    if first is not None:
        keep &= every["date"] >= pd.Timestamp(first)
    if last is not None:
        keep &= every["date"] <= pd.Timestamp(last)
    got = frames.rows(ledger, "timesheet", period={"date": (first, last)})
    _same(got, every[keep])
    assert 0 < len(every[keep]) < len(every) or first == date(2026, 12, 1)


def test_periods_on_header_fields_several_fields_and_as_of(ledger):
    docs = frames.documents(ledger, "timesheet", as_of=date(2026, 11, 3))
    got = frames.documents(ledger, "timesheet", as_of=date(2026, 11, 3), period={"week_start": ("2026-10-26", "2026-11-02")})
    _same(got, docs[docs["week_start"].between(pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-02"))])
    every = frames.rows(ledger, "timesheet")
    both = frames.rows(ledger, "timesheet", period={"week_start": (WEEKS[1], None), "date": (None, date(2026, 11, 1))})
    _same(both, every[(every["week_start"] >= pd.Timestamp(WEEKS[1])) & (every["date"] <= pd.Timestamp("2026-11-01"))])


def test_a_period_by_a_field_that_is_no_date_is_refused_with_the_fields_that_are(ledger):
    with pytest.raises(InputError, match="week_start, date"):
        frames.rows(ledger, "timesheet", period={"hours": (1, 2)})
    with pytest.raises(InputError, match="week_start"):
        frames.documents(ledger, "timesheet", period={"date": (None, None)})  # a table column, not a header field


def test_fields_reads_only_those_columns_with_their_provenance(ledger):
    every = frames.rows(ledger, "timesheet")
    got = frames.rows(ledger, "timesheet", fields=("hours", "staff"))
    keep = ["staff", "hours", *frames.PROVENANCE_COLUMNS, "_cell_staff", "_cell_hours"]
    _same(got, every[keep])
    with pytest.raises(InputError, match="nothing"):
        frames.rows(ledger, "timesheet", fields=("nothing",))


def test_the_monitoring_date_is_indexed(ledger):
    names = {ix["name"] for ix in inspect(ledger.engine).get_indexes("f_monitoring")}
    assert "ix_f_monitoring_date" in names


# --------------------------------------------------------------------------- monitoring: the window, exact
def _clip(day: date, advertiser: str, cost: int, media: str) -> dict:
    return {"date": pd.Timestamp(day), "media": media, "advertiser": advertiser, "est_cost": Decimal(cost),
            "new_creative": cost % 3 == 0, "size": "整版", "theme": None, "product": None, "position": None,
            "clipping_ref": None, "colour": "colour"}


def test_the_monitoring_window_gives_the_figures_of_every_clipping(cfg):
    rng = random.Random(16)
    # an unmapped advertiser first spelt one way two years ago, another way since: the ledger's first spelling stays
    names = ["美的", "西门子", "容声", "海尔", "某某电器", "某某 电器", "ＸＹＺ家电", "xyz家电"]
    start = date(2024, 9, 1)
    clips = pd.DataFrame([_clip(start + timedelta(days=rng.randrange(820)), rng.choice(names), rng.randrange(1, 90),
                                rng.choice(["人民日报", "新民晚报"])) for _ in range(1500)])
    clips.loc[0, ["date", "advertiser"]] = [pd.Timestamp("2024-09-02"), "某某  电器"]
    bmap = brand_map(cfg)
    month = "2026-10"
    first, last = months_read(month)
    assert (first, last) == (date(2025, 10, 1), date(2026, 10, 31))
    window = clips[clips["date"].between(pd.Timestamp(first), pd.Timestamp(last))].reset_index(drop=True)
    assert 0 < len(window) < len(clips)

    def figures(classified):
        m = monitoring_month(classified, month, client=bmap.client, competitors=bmap.competitors,
                             unmapped=unmapped(classified[classified["month"] == month]))
        return m.to_json()

    whole = classify(clips, bmap)
    part = classify(window, bmap, spellings=clips["advertiser"])
    assert figures(part) == figures(whole)
    assert "某某  电器" in set(part["brand"])  # the spelling of 2024, as with every clipping
    assert figures(classify(window, bmap)) != figures(whole)  # without the ledger's spellings it would differ


# --------------------------------------------------------------------------- row heights
_TOKENS = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+|\s+")


def _reference_lines(text, width) -> int:
    """The word-by-word count, character by character (the layout rule, before its shortcuts)."""
    if text is None or text == "":
        return 1
    room = max(width - 1, 1)
    total = 0
    for paragraph in str(text).split("\n"):
        lines, used = 1, 0
        for token in _TOKENS.findall(paragraph):
            size = sum(2 if ord(ch) > 0x2E7F else 1 for ch in token)
            if token.isspace():
                used += size if used else 0
                continue
            if used and used + size > room:
                lines, used = lines + 1, 0
            while size > room:
                lines, size = lines + 1, size - room
            used += size
        total += lines
    return total


def test_text_lines_counts_as_the_word_by_word_layout():
    rng = random.Random(7)
    alphabet = ["a", "B", "7", " ", " ", "\u3000", "\n", "中", "文", "，", "Ｗ", "é", "😀", "-", "/"]
    texts = ["", "x", "中" * 40, "word " * 30, "\u3000\u3000lead", "😀" * 9]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 120))) for _ in range(3000)]
    for text in texts:
        for width in (2, 6, 9.5, 14, 30, 60):
            assert text_lines(text, width) == _reference_lines(text, width), (text, width)
    assert text_lines(12345, 3) == _reference_lines(12345, 3)
