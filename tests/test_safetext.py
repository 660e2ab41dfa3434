"""Names and text from outside are data everywhere: the helpers, and a property test of the whole path.

The property test generates file names and cell texts and drives ingest -> feedback copy ->
rejection notice -> mail (file transport): nothing crashes, no formula is written and no raw
control character reaches a workbook or a mail header.
"""
from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from adtools.safetext import cell_text, display_name, header_text, put_text
from adtools.tasks import ingest
from tests._ledger_support import make_config, write_timesheet
from tests.hostile import deliver_all

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SH)
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def test_display_name_shows_undecodable_bytes_as_their_escape():
    assert display_name("工时表.xlsx") == "工时表.xlsx"
    assert display_name(os.fsdecode(b"\xff\xfeab.xlsx")) == "\\xff\\xfeab.xlsx"
    assert display_name("\ud800x") == "\\xed\\xa0\\x80x"  # a lone surrogate from elsewhere: still text
    assert display_name(None) == ""


def test_cell_text_escapes_what_xml_cannot_hold_and_keeps_lines():
    assert cell_text("a\x07b\x00c") == "a\\x07b\\x00c"
    assert cell_text("line1\nline2\tx") == "line1\nline2\tx"
    assert cell_text("\ufffe") == "\\ufffe"


def test_put_text_never_writes_a_formula(tmp_path):
    wb = Workbook()
    ws = wb.active
    for i, text in enumerate(["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "=HYPERLINK(\"http://x\")", "bell\x07"], 1):
        put_text(ws.cell(i, 1), text)
    put_text(ws.cell(7, 1), None)
    wb.save(tmp_path / "t.xlsx")
    back = load_workbook(tmp_path / "t.xlsx").active
    assert [back.cell(i, 1).data_type for i in range(1, 7)] == ["s"] * 6
    assert back.cell(1, 1).value == "=1+1" and back.cell(6, 1).value == "bell\\x07" and back.cell(7, 1).value is None


def test_header_text_is_one_line():
    assert header_text("a\r\nBcc: x@evil.example") == "a Bcc: x@evil.example"
    assert header_text("a\u2028b\u2029c\x85d\x0be\x0cf\x1cg") == "a b c d e f g"
    assert header_text("x" * 50, limit=10) == "xxxxxxxxx…"


# ---------------------------------------------------------------------------------------------- the whole path
_name_chars = st.characters(blacklist_characters="/\\\x00", blacklist_categories=("Cs",))
names = st.text(_name_chars, min_size=1, max_size=40).filter(
    lambda s: not s.startswith((".", "~$")) and len(os.fsencode(s)) < 200 and s.strip() == s and s.strip())
texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)


def _with_text_in_hours(path: Path, text: str) -> None:
    """The hours cell of the one table row typed as `text` (a finding: its value reaches every output)."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == 7.25)
    put_text(cell, text)
    wb.save(path)


def _no_formula_no_control(path: Path) -> None:
    """No formula but the template's own totals (locked columns right of the table), no raw control character."""
    from openpyxl.utils import range_boundaries

    wb = load_workbook(path)
    for ws in wb.worksheets:
        right_of_table = max((range_boundaries(t.ref)[2] for t in ws.tables.values()), default=None)
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":  # our day and week totals (forms.schema.Tally) only: never on user text
                    assert right_of_table is not None and c.column > right_of_table and c.protection.locked, \
                        (ws.title, c.coordinate, c.value)
                elif isinstance(c.value, str):
                    assert c.data_type == "s" and not _RAW_CONTROL.search(c.value)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, text=texts)
def test_any_name_and_cell_text_go_through_ingest_feedback_notice_and_mail(name, text):
    with tempfile.TemporaryDirectory() as tmp:
        cfg = make_config(Path(tmp))
        path = write_timesheet(cfg, "ts.xlsx", hours=("7.25",))
        _with_text_in_hours(path, text)
        target = cfg.watch_dirs[0] / f"{name}.xlsx"
        os.replace(path, target)
        s = ingest(cfg, now=NOW)
        assert s.rejected + s.ingested == 1 and s.notices_pending == 0, s.to_json()
        for copy in cfg.feedback_dir.rglob("*.xlsx"):
            _no_formula_no_control(copy)
        deliver_all(cfg, NOW + timedelta(minutes=5))
        again = ingest(cfg, now=NOW + timedelta(hours=1))
        assert (again.ingested, again.rejected, again.notices_queued) == (0, 0, 0)
