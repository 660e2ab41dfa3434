"""The timesheet's day and week totals: formulas of ours beside the table, shown as staff type, never read."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest

from adtools.config import config_from_dict
from adtools.errors import SchemaError
from adtools.forms.catalog import FORMS
from adtools.forms.fill import fill_workbook
from adtools.forms.schema import Field, Form, Tally
from adtools.forms.template import build_template
from adtools.forms.validate import validate_file

TS = FORMS["timesheet"]
ROWS = [
    {"date": date(2026, 11, 23), "job_no": "HRFR-2026-001", "category": "pop_artwork", "hours": D("8")},
    {"date": date(2026, 11, 23), "job_no": "HRFR-2026-001", "category": "print_creative", "hours": D("10")},
    {"date": date(2026, 11, 23), "job_no": "HRFR-2026-001", "category": "pop_artwork", "hours": D("8")},
    {"date": date(2026, 11, 24), "job_no": "HRFR-2026-001", "category": "print_artwork", "hours": D("7.5")},
]


@pytest.fixture
def cfg(tmp_path):
    return config_from_dict({"people": [{"name": "张伟", "email": "zhang.wei@agency.example", "department": "creative"}]},
                            base_dir=tmp_path)


@pytest.fixture
def filled(cfg, tmp_path):
    return fill_workbook(TS, cfg, {"staff": "张伟", "department": "creative", "week_start": date(2026, 11, 23)}, ROWS,
                         tmp_path / "工时表_张伟.xlsx")


def test_the_totals_are_locked_formulas_right_of_the_table(cfg, tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(build_template(TS, cfg))
    ws = openpyxl.load_workbook(path)["工时表"]
    (table,) = ws.tables.values()
    assert table.ref == "A9:E59"  # the totals are outside the table: not input
    assert (ws["F9"].value, ws["G9"].value) == ("当日合计\nDay total", "本周合计\nWeek total")
    assert ws["F10"].value == '=IF(OR($A10="",COUNTIF($A$10:$A10,$A10)>1),"",SUMIF($A$10:$A$2000,$A10,$D$10:$D$2000))'
    assert ws["G10"].value == "=SUM($D$10:$D$2000)" and ws["G11"].value is None
    assert ws["F10"].protection.locked and ws["G10"].protection.locked and ws.protection.sheet
    rules = [r.formula[0] for rng in ws.conditional_formatting for r in rng.rules]
    # on numbers only (a blank day's "" is text, which compares above any number); [sla], not a constant
    assert rules == ["AND(ISNUMBER(F10),F10>24)", f"AND(ISNUMBER(F10),F10>={cfg.sla.daily_hours_warning})"]


def test_long_dropdown_labels_wrap_inside_taller_rows(cfg, tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(build_template(TS, cfg))
    ws = openpyxl.load_workbook(path)["工时表"]
    assert ws.column_dimensions["C"].width >= 28 and ws.row_dimensions[10].height >= 32  # two lines of a long label


def test_the_reader_never_reads_the_totals(cfg, filled):
    result = validate_file(filled, cfg)
    assert not [f for f in result.findings if f.rule in ("unknown_column", "formula_input")]
    assert [r.values["hours"] for r in result.rows] == [D("8"), D("10"), D("8"), D("7.5")]
    assert all(set(r.values) == {f.key for f in TS.columns} for r in result.rows)
    assert {f.rule for f in result.findings} == {"daily_hours"}  # the 26-hour day, as the sheet showed it in red


def test_a_file_that_lost_its_table_still_skips_the_totals(cfg, filled):
    wb = openpyxl.load_workbook(filled)
    ws = wb["工时表"]
    del ws.tables["t_timesheet"]
    wb.save(filled)
    result = validate_file(filled, cfg)
    assert not [f for f in result.findings if f.rule == "unknown_column"], result.findings


@pytest.mark.libreoffice
def test_libreoffice_shows_the_day_and_week_totals(filled, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")
    out = tmp_path / "out"
    subprocess.run([soffice, "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(filled)],
                   check=True, capture_output=True, timeout=180)
    ws = openpyxl.load_workbook(out / filled.name, data_only=True)["工时表"]
    assert [ws.cell(r, 6).value for r in range(10, 14)] == [26, None, None, 7.5]  # once per day, on its first row
    assert ws["G10"].value == 33.5


def test_a_tally_naming_a_field_the_table_lacks_is_refused():
    with pytest.raises(SchemaError, match="tally 'day_total' sums 'minutes'"):
        Form("x", "表", "X", header=(Field("k", "键", "Key"),), columns=(Field("hours", "小时", "Hours", "decimal"),),
             key=("k",), tallies=(Tally("day_total", "合计", "Total", of="minutes"),))


def test_rows_filled_below_the_styled_table_keep_its_row_height(cfg, tmp_path):
    rows = [{"date": date(2026, 11, 23), "job_no": "HRFR-2026-001", "category": "pop_artwork", "hours": D("0.25")}] * 55
    path = fill_workbook(TS, cfg, {"staff": "张伟", "department": "creative", "week_start": date(2026, 11, 23)}, rows,
                         tmp_path / "long.xlsx")
    ws = openpyxl.load_workbook(path)["工时表"]
    assert ws.row_dimensions[64].height == ws.row_dimensions[10].height >= 32
