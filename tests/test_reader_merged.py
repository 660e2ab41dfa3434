"""A value merged down several table rows is read for each row (as staff see it), with a warning."""
from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from adtools.forms.validate import validate_file
from tests._ledger_support import make_config, write_timesheet


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_job_number_merged_across_three_rows_is_read_for_each_row(tmp_path, engine):
    cfg = make_config(tmp_path)
    path = write_timesheet(cfg, "ts.xlsx", hours=("7.5", "8", "4"), job_no="HRFR-2026-001")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "HRFR-2026-001"]
    assert len(cells) == 3 and len({c.column for c in cells}) == 1
    first, last = cells[0], cells[-1]
    for c in cells[1:]:
        c.value = None
    ws.merge_cells(f"{first.coordinate}:{last.coordinate}")
    wb.save(path)

    result = validate_file(path, cfg, engine=engine)
    assert result.ok, [f.message_en for f in result.errors]
    assert [r.values["job_no"] for r in result.rows] == ["HRFR-2026-001"] * 3
    merged = [f for f in result.findings if f.rule == "merged_cells"]
    assert len(merged) == 1 and merged[0].cell == first.coordinate and merged[0].severity == "warning"
    assert "3 rows" in merged[0].message_en
    assert result.rows[0].values["date"] == date(2026, 11, 2)
