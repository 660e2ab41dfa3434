"""End to end: a workbook written with openpyxl -> forms.reader -> validate_file, on both engines."""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from adtools.forms.catalog import FORMS
from adtools.forms.parse import fold
from adtools.forms.template import build_template
from adtools.forms.validate import validate_file, validate_raw
from tests.raw_forms import CFG, clean, column_address, raw_workbook, write_xlsx

ENGINES = ["openpyxl", "calamine"]


def fill_template(form_id: str, header: dict[str, Any], rows: list[dict[str, Any]], path: Path,
                  errors: dict[str, str] | None = None) -> tuple[Path, dict[str, str]]:
    """Fill the built template as a person would (openpyxl): inputs by defined name, rows by header text.

    Returns the path and where each value went ("key" / "key@i" -> "D7").
    """
    form = FORMS[form_id]
    errors = errors or {}
    wb = load_workbook(io.BytesIO(build_template(form, CFG)))
    where: dict[str, str] = {}
    for f in form.header:
        sheet, ref = list(wb.defined_names[f"f_{f.key}"].destinations)[0]
        ref = ref.replace("$", "").split(":")[0]
        wb[sheet][ref] = errors.get(f.key, header.get(f.key))
        where[f.key] = ref
    ws = wb[form.sheet_name]
    min_col, top, max_col, _bottom = range_boundaries(ws.tables[form.table_name].ref)
    by_label = {fold(str(ws.cell(row=top, column=c).value)): c for c in range(min_col, max_col + 1)}
    for i, row in enumerate(rows):
        for f in form.columns:
            col = by_label[fold(f.label)]
            cell = ws.cell(row=top + 1 + i, column=col)
            cell.value = errors.get(f"{f.key}@{i}", row.get(f.key))
            where[f"{f.key}@{i}"] = cell.coordinate
    wb.save(path)
    return path, where


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("form_id", list(FORMS))
def test_filled_template_validates_clean(form_id, engine, tmp_path):
    header, rows = clean(form_id)
    path, where = fill_template(form_id, header, rows, tmp_path / f"{form_id}.xlsx")
    result = validate_file(path, CFG, engine=engine)
    assert result.findings == []
    assert result.form_id == form_id and result.ok and len(result.rows) == len(rows)
    expected = validate_raw(raw_workbook(form_id, header, rows), CFG)
    assert result.document_key == expected.document_key
    assert result.header.values == expected.header.values
    for i, (got, want) in enumerate(zip(result.rows, expected.rows)):
        assert got.values == want.values, (engine, i)
        assert {k: got.cells[k] for k in rows[i]} == {k: where[f"{k}@{i}"] for k in rows[i]}


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_cells_are_found_at_their_address(engine, tmp_path):
    header, rows = clean("timesheet")
    rows[0]["hours"] = "7.3"
    rows[1]["date"] = "03/04/2026"
    path, where = fill_template("timesheet", header, rows, tmp_path / "工时表.xlsx",
                                errors={"category@2": "#N/A", "department": "#DIV/0!"})
    result = validate_file(path, CFG, engine=engine)
    got = {(f.rule, f.sheet, f.cell, f.field, f.value) for f in result.errors}
    assert got == {
        ("not_multiple", "工时表", where["hours@0"], "hours", "7.3"),
        ("ambiguous_date", "工时表", where["date@1"], "date", "03/04/2026"),
        ("error_cell", "工时表", where["category@2"], "category", "#N/A"),
        ("error_cell", "工时表", where["department"], "department", "#DIV/0!"),
    }
    assert not result.ok


@pytest.mark.parametrize("engine", ENGINES)
def test_dates_typed_as_dates_numbers_and_text(engine, tmp_path):
    header, rows = clean("payments")
    rows[0]["date"] = "2026年11月10日"
    rows[1]["date"] = datetime(2026, 11, 12)
    path, _ = fill_template("payments", header, rows, tmp_path / "p.xlsx")
    result = validate_file(path, CFG, engine=engine)
    assert result.ok, result.findings
    assert [str(r.values["date"]) for r in result.rows] == ["2026-11-10", "2026-11-12"]


@pytest.mark.parametrize("engine", ENGINES)
def test_plain_openpyxl_workbook_same_as_raw(engine, tmp_path):
    header, rows = clean("media_schedule")
    rows[1]["net"] = 52000.02  # off by more than a fen
    path = write_xlsx(tmp_path / "排期.xlsx", "media_schedule", header, rows, errors={"gross@2": "#N/A"})
    result = validate_file(path, CFG, engine=engine)
    want = validate_raw(raw_workbook("media_schedule", header, rows, errors={"gross@2": "#N/A"}), CFG)
    strip = lambda fs: sorted((f.severity, f.rule, f.cell, f.field, f.value) for f in fs if f.severity == "error")
    assert strip(result.findings) == strip(want.findings)
    assert ("net_mismatch", column_address("media_schedule", "net", 1)) in {(f.rule, f.cell) for f in result.errors}


def test_cli_end_to_end(tmp_path, monkeypatch, repo):
    import shutil

    from adtools.cli import main

    shutil.copy(repo / "config.toml", tmp_path / "config.toml")
    monkeypatch.chdir(tmp_path)
    header, rows = clean("costs")
    rows[0]["amount"] = "8,000.005"
    fill_template("costs", header, rows, tmp_path / "成本.xlsx")
    fill_template("archive", *clean("archive"), tmp_path / "存档.xlsx")
    result = CliRunner().invoke(main, ["validate", "--json", "成本.xlsx", "存档.xlsx"], catch_exceptions=False)
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    assert [(f["form_id"], f["ok"]) for f in files] == [("costs", False), ("archive", True)]
    (bad,) = [x for x in files[0]["findings"] if x["severity"] == "error"]
    assert (bad["rule"], bad["sheet"], bad["field"], bad["value"]) == ("too_many_decimals", "外付成本登记", "amount", "8,000.005")
