"""Report workbooks print readably on A4: no text is clipped by its neighbour or spills past the table.

(`text_lines` is the estimate the writer sizes rows with; the check is that every
wrapped cell got a row that tall, and that no unwrapped text is longer than its room.)

A text longer than its column either runs into the next cell (where, on the last
column, it widens the print area so fit-to-width shrinks the whole page to an
unreadable size) or is cut off by the next cell's value.  So every text cell
below the title lines either fits its column or wraps inside it.
"""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from adtools.calendar import WorkCalendar
from adtools.fees import fee_statement
from adtools.reports.fees import render_fees
from adtools.reports.weekly import render_weekly
from adtools.reports.weekly_internal import render_weekly_internal
from adtools.reports.xlsx import text_lines
from adtools.workflow import weekly_summary
from handmade_frames import at, d, minutes_docs, progress, sign_offs, work_orders
from tests.test_fees import JOB_A, cost_frame, make_cfg, ts_frame
from tests.test_report_fees import statement_frames


def _shown(text: str) -> int:
    """Columns a text needs on one line (a CJK or full-width character takes two)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def overflowing(path) -> list[str]:
    """Text cells (below each sheet's title lines) wider than their column and not wrapped."""
    wb = openpyxl.load_workbook(path)
    bad = []
    for ws in wb.worksheets:
        merged = {rng.start_cell.coordinate for rng in ws.merged_cells.ranges}  # laid out by hand (the quote)
        last = ws.max_column  # text may run on into empty cells, never past the table
        widths = [8.43] * last
        for dim in ws.column_dimensions.values():  # a <col> may cover a range of columns of one width
            for i in range(dim.min or 1, min(dim.max or 0, last) + 1):
                widths[i - 1] = dim.width or 8.43
        for row in ws.iter_rows(min_row=3):
            for c in row:
                if not isinstance(c.value, str):
                    continue
                if c.alignment.wrap_text:  # wrapped: the row must be tall enough (Excel and WPS do not grow it)
                    lines = text_lines(c.value, widths[c.column - 1])
                    height = ws.row_dimensions[c.row].height or 15
                    if c.coordinate not in merged and height < 15 * lines:
                        bad.append(f"{ws.title}!{c.coordinate} row {height:.0f} pt < {lines} lines: {c.value[:60]}")
                    continue
                room = widths[c.column - 1]
                for nxt in range(c.column + 1, last + 1):
                    if row[nxt - 1].value is not None:
                        break
                    room += widths[nxt - 1]
                if max(_shown(line) for line in c.value.split("\n")) > room + 1:
                    bad.append(f"{ws.title}!{c.coordinate} ({room:.0f}): {c.value[:60]}")
    return bad


@pytest.fixture
def cfg(tmp_path):
    return make_cfg(tmp_path)


def test_fee_statement_text_fits_or_wraps(cfg, tmp_path):
    ts, costs, so = statement_frames()
    many = ts_frame([("张伟", f"2026-11-{n:02d}", JOB_A, "pop_artwork", "0.5") for n in range(2, 28) for _ in range(3)],
                    file="creative/工时表_张伟_2026-11-02.xlsx")
    costs = cost_frame([{"date": "2026-11-05", "cost_type": "retouching", "amount": "10.00",
                         "vendor": "北京华彩印刷制版有限公司第二分公司"}])
    s = fee_statement(pd.concat([ts, many], ignore_index=True), costs, so, cfg, "2026-11")
    (path,) = render_fees(cfg, s, tmp_path).files
    assert overflowing(path) == []


def test_fee_statement_line_sources_stay_short_and_point_to_the_detail(cfg, tmp_path):
    rows = [("张伟", f"2026-11-{n:02d}", JOB_A, "print_creative", "0.25") for n in range(2, 28) for _ in range(4)]
    s = fee_statement(ts_frame(rows), None, None, cfg, "2026-11")
    wb = openpyxl.load_workbook(render_fees(cfg, s, tmp_path).files[0])
    ws = wb["收费明细 Lines"]
    text = ws["O5"].value
    assert text.count("[timesheets/") <= 10  # a printable cell, not hundreds of references
    assert "see Hours detail, line 1" in text and f"+{len(rows) - text.count('[timesheets/')}" in text


def test_weekly_text_fits_or_wraps_also_with_a_calendar_warning(tmp_path):
    from adtools.config import config_from_dict

    cfg = config_from_dict({}, base_dir=tmp_path)
    wo = work_orders(
        {"order_no": "BZD-2026-101", "job_no": "HRFR-2026-002", "issued_at": at("2026-12-24 10:00"), "received_by": "李娜",
         "lines": [{"deliverable": "schedule_local"}, {"deliverable": "tv_radio_creative"}]},
        {"order_no": "BZD-2026-102", "job_no": "HRFR-2026-002", "issued_at": at("2026-12-01 10:00"), "received_by": "李娜",
         "lines": [{"deliverable": "colour_proof"}], "_file": "account/工作布置单_BZD-2026-102_客户修改版.xlsx"},
    )
    prog = progress({"job_no": "HRFR-2026-002", "stage": "media_booking", "done_on": d("2026-12-28"), "owner": "media"})
    signs = sign_offs({"job_no": "HRFR-2026-002", "document": "artwork_production_quote", "version": 1,
                       "submitted_on": d("2026-12-21")})
    mins = minutes_docs({"title": "第二波投放媒体策略及排期调整讨论会", "meeting_start": at("2026-12-28 14:00"),
                         "meeting_end": at("2026-12-28 17:00"), "important": True, "prepared_by": "李娜"})
    s = weekly_summary(cfg, work_orders=wo, progress=prog, sign_offs=signs, minutes_docs=mins, as_of=d("2026-12-31"),
                       cal=WorkCalendar.from_config(cfg))
    assert s.warnings and s.gate_violations.shape[0] == 1
    for render in (render_weekly, render_weekly_internal):
        (path,) = render(cfg, s, tmp_path).files
        assert overflowing(path) == [], render.__name__
