"""Templates: every FORMS.md convention checked on the built file, with openpyxl."""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter, range_boundaries

from adtools.cli import main
from adtools.config import config_from_dict, load_config
from adtools.forms.catalog import FORMS
from adtools.forms.template import (
    LISTS_SHEET,
    META_SHEET,
    RATES_SHEET,
    TABLE_ROWS,
    build_template,
    build_templates,
    yes_no_choices,
)
from golden_xlsx import check_golden

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbooks" / "templates"
REBUILD = "python -m adtools --config config.toml templates build --out workbooks/templates"


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.toml")


@pytest.fixture(scope="module")
def books(cfg):
    return {fid: openpyxl.load_workbook(io.BytesIO(build_template(f, cfg))) for fid, f in FORMS.items()}


def _cells(ref: str):
    """('客户工作布置单', 'B5') from a defined name's text."""
    sheet, cell = ref.rsplit("!", 1)
    return sheet.strip("'"), cell.replace("$", "")


def _validations(ws):
    """cell address -> DataValidation, for the first cell of every range."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0]] = dv
    return out


def _width(ws, col: int) -> float:
    """A column's width; writers store runs of equal columns as one <col min max>."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= dim.max:
            return dim.width
    raise AssertionError(f"column {get_column_letter(col)} has no width")


def _list_values(wb, formula: str) -> list[str]:
    sheet, rng = formula.lstrip("=").rsplit("!", 1)
    assert sheet.strip("'") == LISTS_SHEET
    ws = wb[LISTS_SHEET]
    return [c.value for row in ws[rng.replace("$", "")] for c in row]


@pytest.mark.parametrize("form_id", list(FORMS))
def test_sheets_meta_and_protection(books, form_id):
    form = FORMS[form_id]
    wb = books[form_id]
    rates = [RATES_SHEET] if any(t.prices for t in form.tallies) else []  # the numbers a priced tally looks up
    assert wb.sheetnames == [form.sheet_name, LISTS_SHEET, META_SHEET, *rates]
    assert [ws.sheet_state for ws in wb] == ["visible", "hidden", "hidden", *("hidden" for _ in rates)]
    meta = {k: v for k, v in wb[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)}
    assert meta["form_id"] == form_id
    assert meta["form_version"] == form.version
    assert meta["sheet"] == form.sheet_name and meta["table"] == form.table_name
    ws = wb[form.sheet_name]
    assert ws.protection.sheet is True
    assert not ws.protection.password  # guided, not blocked
    # False means "not protected": staff may sort, filter, format and insert rows
    assert ws.protection.sort is False and ws.protection.autoFilter is False
    assert ws.protection.formatColumns is False and ws.protection.insertRows is False
    assert wb.properties.creator in (None, "")  # the reader takes the author from who saved it


@pytest.mark.parametrize("form_id", list(FORMS))
def test_header_fields_have_names_labels_and_prompts(books, form_id, cfg):
    form = FORMS[form_id]
    wb = books[form_id]
    ws = wb[form.sheet_name]
    dvs = _validations(ws)
    names = {n for n in wb.defined_names if n.startswith("f_")}
    assert names == {f"f_{f.key}" for f in form.header}
    label_texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for f in form.header:
        sheet, cell = _cells(wb.defined_names[f"f_{f.key}"].attr_text)
        assert sheet == form.sheet_name
        assert ws[cell].value is None
        assert ws[cell].protection.locked is False, f"{f.key} input must be unlocked"
        assert f.label in label_texts
        dv = dvs[cell]
        assert dv.promptTitle and dv.prompt and dv.showInputMessage
        assert (f.help_zh in dv.prompt and f.help_en in dv.prompt) or dv.prompt.endswith("…")
        assert ("必填" in dv.prompt) == f.required
        assert dv.errorStyle == "warning"
        if f.type == "enum":
            assert _list_values(wb, dv.formula1) == [c.label for c in f.choices_for(cfg)]
        elif f.type == "bool":
            assert _list_values(wb, dv.formula1) == [c.label for c in yes_no_choices()]
        elif f.type in ("date", "datetime"):
            assert dv.type == "date"
        elif f.type == "int":
            assert dv.type == "whole"
        if f.type in ("date", "datetime"):
            assert "yy" in ws[cell].number_format
        if f.type in ("text", "month"):
            assert ws[cell].number_format == "@"  # 2026-11 stays text, 00123 keeps its zeros
    # labels are locked
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                assert c.protection.locked is True, c.coordinate


@pytest.mark.parametrize("form_id", list(FORMS))
def test_table_columns_rows_and_validation(books, form_id, cfg):
    form = FORMS[form_id]
    wb = books[form_id]
    ws = wb[form.sheet_name]
    assert list(ws.tables) == [form.table_name]
    table = ws.tables[form.table_name]
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    assert max_col - min_col + 1 == len(form.columns)
    assert max_row - min_row >= TABLE_ROWS
    assert [c.name for c in table.tableColumns] == [f.label for f in form.columns]
    header = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    assert header == [f.label for f in form.columns]
    assert ws.freeze_panes == ws.cell(min_row + 1, 1).coordinate
    dvs = _validations(ws)
    for i, f in enumerate(form.columns):
        col = min_col + i
        for r in (min_row + 1, max_row):
            assert ws.cell(r, col).protection.locked is False
        first = ws.cell(min_row + 1, col).coordinate
        dv = dvs[first]
        assert dv.prompt and dv.promptTitle
        assert (f.help_zh in dv.prompt and f.help_en in dv.prompt) or dv.prompt.endswith("…")
        # guidance continues under the table, where the reader also looks
        assert any(rng.max_row > max_row + 100 for rng in dv.sqref.ranges if rng.min_col == col)
        if f.type == "enum":
            assert _list_values(wb, dv.formula1) == [c.label for c in f.choices_for(cfg)]
        assert _width(ws, col) == pytest.approx(f.width, abs=1)


@pytest.mark.parametrize("form_id", list(FORMS))
def test_print_setup(books, form_id):
    form = FORMS[form_id]
    ws = books[form_id][form.sheet_name]
    table = ws.tables[form.table_name]
    _, min_row, _, max_row = range_boundaries(table.ref)
    assert int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth absent means 1 (the OOXML default); fitToHeight 0 means "as many pages as needed"
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == f"${min_row}:${min_row}"
    assert ws.print_area.endswith(f"${max_row}")


def test_wide_forms_print_landscape(books):
    assert books["media_schedule"]["媒体排期表"].page_setup.orientation == "landscape"
    assert books["flight_notes"]["投放总结"].page_setup.orientation == "portrait"


def test_build_is_byte_identical(cfg):
    for form in FORMS.values():
        assert build_template(form, cfg) == build_template(form, cfg), form.form_id


def test_dropdowns_follow_config(tmp_path):
    cfg = config_from_dict({"turnaround": {"poster": 4}, "rates": {"video_edit": 500}}, base_dir=tmp_path)
    wb = openpyxl.load_workbook(io.BytesIO(build_template(FORMS["work_order"], cfg)))
    lists = [c.value for c in next(wb[LISTS_SHEET].iter_cols(min_col=3, max_col=3))]
    assert lists[0] == "deliverable" and lists[-1] == "poster Poster"
    wb = openpyxl.load_workbook(io.BytesIO(build_template(FORMS["timesheet"], cfg)))
    cats = [c for col in wb[LISTS_SHEET].iter_cols(values_only=True) if col[0] == "category" for c in col if c]
    assert "video_edit Video edit" in cats and cats[-1] == "非计费 Non-billable"


@pytest.mark.parametrize("form_id", list(FORMS))
def test_golden_template(cfg, form_id):
    """What a person sees and prints in each template (tests/golden/template_<form>.json); review its diff."""
    check_golden(build_template(FORMS[form_id], cfg), f"template_{form_id}")


def test_committed_templates_equal_a_fresh_build(cfg):
    """Determinism check only: the committed files are exactly this build (what they contain is the golden test's)."""
    stale = []
    for form in FORMS.values():
        path = COMMITTED / f"{form.form_id}.xlsx"
        if not path.is_file() or path.read_bytes() != build_template(form, cfg):
            stale.append(path.name)
    extra = sorted(p.name for p in COMMITTED.glob("*.xlsx") if p.stem not in FORMS)
    assert not stale and not extra, (
        f"workbooks/templates is out of date (stale: {stale}, not a form: {extra}). "
        f"Rebuild from the repository root with `{REBUILD}` and commit the result."
    )


def test_build_templates_writes_every_form(cfg, tmp_path):
    paths = build_templates(cfg, tmp_path / "t")
    assert sorted(p.name for p in paths) == sorted(f"{fid}.xlsx" for fid in FORMS)
    assert all(p.read_bytes()[:2] == b"PK" for p in paths)


def test_cli_templates_build(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    runner = CliRunner()
    result = runner.invoke(main, ["templates", "build"])
    assert result.exit_code == 0, result.output
    built = sorted(p.name for p in (tmp_path / "workbooks" / "templates").glob("*.xlsx"))
    assert built == sorted(f"{fid}.xlsx" for fid in FORMS)
    result = runner.invoke(main, ["templates", "build", "--out", "elsewhere"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "elsewhere" / "timesheet.xlsx").read_bytes() == (
        tmp_path / "workbooks" / "templates" / "timesheet.xlsx").read_bytes()
    # the committed set is this build
    assert (tmp_path / "elsewhere" / "timesheet.xlsx").read_bytes() == (COMMITTED / "timesheet.xlsx").read_bytes()


def test_cli_help_has_examples():
    runner = CliRunner()
    for args in (["templates", "--help"], ["templates", "build", "--help"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and "Example:" in result.output


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.libreoffice
@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_and_keeps_the_contract(cfg, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    build_templates(cfg, src)
    out = tmp_path / "out"
    files = [str(src / "timesheet.xlsx"), str(src / "media_schedule.xlsx")]
    subprocess.run(
        [_soffice(), "-env:UserInstallation=" + (tmp_path / "profile").as_uri(), "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *files],
        check=True, capture_output=True, timeout=120,
    )
    for fid in ("timesheet", "media_schedule"):
        form = FORMS[fid]
        wb = openpyxl.load_workbook(out / f"{fid}.xlsx")
        assert wb.sheetnames[0] == form.sheet_name
        assert {n for n in wb.defined_names if n.startswith("f_")} == {f"f_{f.key}" for f in form.header}
        ws = wb[form.sheet_name]
        assert [c.name for c in ws.tables[form.table_name].tableColumns] == [f.label for f in form.columns]
        meta = dict(wb[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True))
        assert meta["form_id"] == fid and meta["form_version"] == form.version
        assert len(ws.data_validations.dataValidation) >= len(form.fields)
