"""Feedback workbook: a marked copy of a filled-in template, checked with openpyxl."""
from __future__ import annotations

import hashlib
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from adtools.config import load_config
from adtools.errors import ERROR, WARNING, Finding
from adtools.forms.catalog import FORMS
from adtools.forms.feedback import (
    ERROR_FILL,
    ERRORS_SHEET,
    WARNING_FILL,
    feedback_filename,
    write_feedback,
)
from adtools.forms.schema import FormResult
from adtools.forms.template import build_template

ROOT = Path(__file__).resolve().parents[1]
SHEET = "工时表"
INPUT_FILL = "FFFFF8DC"
VBA_SAMPLE = Path("/work/shared/corpus/xlsx-real/calamine/vba.xlsm")


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.toml")


def _name_cell(wb, key: str) -> str:
    return wb.defined_names[f"f_{key}"].attr_text.rsplit("!", 1)[1].replace("$", "")


def _table_first_row(ws, form) -> int:
    _, min_row, _, _ = range_boundaries(ws.tables[form.table_name].ref)
    return min_row + 1


@pytest.fixture
def filled(cfg, tmp_path) -> Path:
    """A timesheet template filled in with openpyxl, as a person would."""
    form = FORMS["timesheet"]
    src = tmp_path / "blank.xlsx"
    src.write_bytes(build_template(form, cfg))
    wb = openpyxl.load_workbook(src)
    ws = wb[SHEET]
    ws[_name_cell(wb, "staff")] = "张伟"
    ws[_name_cell(wb, "department")] = "客户部 Account"
    ws[_name_cell(wb, "week_start")] = date(2026, 11, 3)  # a Tuesday: a finding
    r = _table_first_row(ws, form)
    rows = [
        (date(2026, 11, 3), "HRFR-2026-001", "平面创意 Print creative", 3.5, "layout"),
        (date(2026, 11, 4), "HRFR-2026-001", "平面完稿 Print finished art", "三", "=SUM(1,2)"),
        (date(2026, 11, 5), None, "平面创意 Print creative", 13, "long day"),
    ]
    for i, row in enumerate(rows):
        for c, v in enumerate(row, start=1):
            ws.cell(r + i, c, v)
    ws.cell(r + 2, 5).comment = openpyxl.comments.Comment("客户要求加班 overtime asked by the client", "李娜")
    path = tmp_path / "inbox" / "张伟 工时表.xlsx"
    path.parent.mkdir()
    wb.save(path)
    return path


def _result(path: Path, wb_first_row: int) -> FormResult:
    r = wb_first_row
    findings = [
        Finding(WARNING, "daily_hours", "2026-11-05 当日合计 13 小时，超过 12 小时，请核对",
                "2026-11-05: 13 hours in one day, more than 12; please check",
                file=str(path), sheet=SHEET, cell=f"D{r + 2}", field="hours", value="13"),
        Finding(ERROR, "not_a_number", "“三”不是数字，请填写如 3.5", "'三' is not a number; write e.g. 3.5",
                file=str(path), sheet=SHEET, cell=f"D{r + 1}", field="hours", value="三"),
        Finding(ERROR, "not_monday", "周起始日必须是星期一", "the week must start on a Monday",
                file=str(path), sheet=SHEET, cell="B6", field="week_start", value="2026-11-03"),
        Finding(ERROR, "required_when_job_no", "计费工时时必须填写", "required when the category is billable",
                file=str(path), sheet=SHEET, cell=f"B{r + 2}", field="job_no", value=None),
        Finding(WARNING, "formula_text", "说明以 = 开头", "the description starts with =",
                file=str(path), sheet=SHEET, cell=f"E{r + 1}", field="description", value="=SUM(1,2)"),
        Finding(WARNING, "unknown_job", "工作编号 HRFR-2026-001 尚未登记", "job HRFR-2026-001 is not known yet",
                file=str(path), sheet=SHEET, cell=f"B{r + 1}", field="job_no", value="HRFR-2026-001"),
        Finding(ERROR, "no_meta", "缺少 _meta 表", "the _meta sheet is missing", file=str(path)),
    ]
    return FormResult(path=path, form_id="timesheet", sheet=SHEET, findings=findings)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _errors_rows(ws):
    header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "严重程度\nSeverity")
    return header_row, list(ws.iter_rows(min_row=header_row + 1, max_col=7))


def _rule(result: FormResult, row) -> str:
    """The rule of a listed finding (the sheet shows its message, never the internal rule code)."""
    return next(f.rule for f in result.findings if f.message_zh == row[5].value)


def test_feedback_marks_cells_lists_findings_and_keeps_the_form(filled, tmp_path):
    wb0 = openpyxl.load_workbook(filled)
    first = _table_first_row(wb0[SHEET], FORMS["timesheet"])
    week_cell = _name_cell(wb0, "week_start")
    result = _result(filled, first)
    result.findings[2] = Finding(**{**result.findings[2].__dict__, "cell": week_cell})
    before = _digest(filled)

    out = write_feedback(result, tmp_path / "feedback")

    assert _digest(filled) == before, "the original file must never change"
    assert out == tmp_path / "feedback" / "张伟 工时表.反馈 feedback.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [ERRORS_SHEET, SHEET, "_lists", "_meta", "_feedback"]
    assert wb.active.title == ERRORS_SHEET
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [True, False, False, False, False]

    # still a valid form: _meta, names, table, validation, protection kept
    assert [wb[s].sheet_state for s in ("_lists", "_meta")] == ["hidden", "hidden"]
    meta = dict(wb["_meta"].iter_rows(min_col=1, max_col=2, values_only=True))
    assert meta["form_id"] == "timesheet" and meta["sheet"] == SHEET
    assert {n for n in wb.defined_names if n.startswith("f_")} == {f"f_{f.key}" for f in FORMS["timesheet"].header}
    ws = wb[SHEET]
    assert list(ws.tables) == ["t_timesheet"]
    assert len(ws.data_validations.dataValidation) == len(wb0[SHEET].data_validations.dataValidation)
    assert ws.protection.sheet and not ws.protection.password
    assert ws[f"D{first + 1}"].value == "三" and ws[f"E{first + 1}"].value == "=SUM(1,2)"

    # marked cells: red wins over amber on the same cell, comments carry zh and en
    def fill(addr):
        c = ws[addr]
        return c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None

    assert fill(f"D{first + 1}") == ERROR_FILL
    assert fill(f"D{first + 2}") == WARNING_FILL
    assert fill(week_cell) == ERROR_FILL
    assert fill(f"B{first + 2}") == ERROR_FILL
    assert fill(f"B{first + 1}") == WARNING_FILL
    assert fill(f"D{first}") == INPUT_FILL  # a good cell keeps its colour
    c = ws[f"D{first + 1}"].comment
    assert c.author == "adtools" and "不是数字" in c.text and "is not a number" in c.text
    assert "please check" in ws[f"D{first + 2}"].comment.text
    kept = ws[f"E{first + 2}"].comment  # a staff comment on an unmarked cell is left alone
    assert kept.author == "李娜"

    # the Errors sheet: errors first, then warnings, each in sheet order; links to the cell
    es = wb[ERRORS_SHEET]
    header_row, rows = _errors_rows(es)
    assert "4 个错误" in es["A1"].value and "3 warning(s)" in es["A1"].value
    listed = [(r[0].value, r[1].value, r[2].value, _rule(result, r)) for r in rows]
    assert listed == [
        ("错误 Error", SHEET, week_cell, "not_monday"),
        ("错误 Error", SHEET, f"D{first + 1}", "not_a_number"),
        ("错误 Error", SHEET, f"B{first + 2}", "required_when_job_no"),
        ("错误 Error", None, None, "no_meta"),
        ("警告 Warning", SHEET, f"B{first + 1}", "unknown_job"),
        ("警告 Warning", SHEET, f"E{first + 1}", "formula_text"),
        ("警告 Warning", SHEET, f"D{first + 2}", "daily_hours"),
    ]
    by_rule = {_rule(result, r): r for r in rows}
    link = by_rule["not_a_number"][2].hyperlink
    assert link.location == f"'{SHEET}'!D{first + 1}" and not link.target
    assert by_rule["no_meta"][2].hyperlink is None
    assert by_rule["not_a_number"][3].value == "小时 Hours"  # the label staff see, no internal key
    assert by_rule["not_a_number"][4].value == "三"
    assert by_rule["not_a_number"][5].value.startswith("“三”不是数字")
    assert by_rule["not_a_number"][6].value == "'三' is not a number; write e.g. 3.5"
    formula_value = by_rule["formula_text"][4]
    assert formula_value.value == "=SUM(1,2)" and formula_value.data_type == "s"  # shown, never calculated
    assert es.freeze_panes == f"A{header_row + 1}"
    # nothing internal in what staff read: no rule codes, field keys or fill codes
    shown = " ".join(str(c.value) for row in es.iter_rows() for c in row if c.value is not None)
    for internal in ("not_a_number", "unknown_job", "(hours)", "(job_no)", "solid:", "FFF8DC"):
        assert internal not in shown
    assert wb["_feedback"].sheet_state == "veryHidden"
    assert WARNING_FILL != INPUT_FILL and WARNING_FILL[2:4] == "FF" and int(WARNING_FILL[6:], 16) < 0x80  # orange, not pale


def test_a_resubmitted_copy_is_marked_afresh(filled, tmp_path):
    wb0 = openpyxl.load_workbook(filled)
    first = _table_first_row(wb0[SHEET], FORMS["timesheet"])
    round1 = write_feedback(_result(filled, first), tmp_path / "fb1")

    # staff fix the hours in the copy, keep everything else, and submit it again
    wb = openpyxl.load_workbook(round1)
    wb[SHEET][f"D{first + 1}"] = 2.5
    resubmitted = tmp_path / "inbox2" / round1.name
    resubmitted.parent.mkdir()
    wb.save(resubmitted)
    still = Finding(ERROR, "required_when_job_no", "计费工时时必须填写", "required when the category is billable",
                    sheet=SHEET, cell=f"B{first + 2}", field="job_no")
    round2 = write_feedback(FormResult(path=resubmitted, form_id="timesheet", sheet=SHEET, findings=[still]),
                            tmp_path / "fb2")

    assert round2.name == "张伟 工时表.反馈 feedback.xlsx"  # no ".反馈 feedback.反馈 feedback"
    wb = openpyxl.load_workbook(round2)
    assert wb.sheetnames.count(ERRORS_SHEET) == 1 and wb.sheetnames[0] == ERRORS_SHEET
    ws = wb[SHEET]
    fixed = ws[f"D{first + 1}"]
    assert fixed.fill.fgColor.rgb == INPUT_FILL and fixed.comment is None
    assert ws[f"D{first + 2}"].fill.fgColor.rgb == INPUT_FILL  # last round's warning is gone too
    assert ws[f"B{first + 2}"].fill.fgColor.rgb == ERROR_FILL
    _, rows = _errors_rows(wb[ERRORS_SHEET])
    assert [r[5].value for r in rows] == ["计费工时时必须填写"]


def test_feedback_into_the_source_folder_never_overwrites(filled, tmp_path):
    first = _table_first_row(openpyxl.load_workbook(filled)[SHEET], FORMS["timesheet"])
    copy = write_feedback(_result(filled, first), filled.parent)
    before = _digest(copy)
    again = write_feedback(FormResult(path=copy, form_id="timesheet", sheet=SHEET,
                                      findings=_result(copy, first).findings), filled.parent)
    assert _digest(copy) == before
    assert again != copy and again.parent == filled.parent


def test_unreadable_file_gets_a_findings_only_workbook(tmp_path):
    bad = tmp_path / "old.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    f = Finding(ERROR, "xls", "请另存为 .xlsx", "save it as .xlsx", file=str(bad))
    out = write_feedback(FormResult(path=bad, findings=[f]), tmp_path / "fb")
    assert out.name == "old.反馈 feedback.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [ERRORS_SHEET]
    _, rows = _errors_rows(wb[ERRORS_SHEET])
    assert [(r[5].value, r[6].value) for r in rows] == [("请另存为 .xlsx", "save it as .xlsx")]


def test_feedback_filename():
    assert feedback_filename(Path("a/工时表.xlsx")) == "工时表.反馈 feedback.xlsx"
    assert feedback_filename(Path("工时表.反馈 feedback.xlsx")) == "工时表.反馈 feedback.xlsx"
    assert feedback_filename(Path("macro.XLSM")) == "macro.反馈 feedback.xlsm"


@pytest.mark.skipif(not VBA_SAMPLE.is_file(), reason="the shared xlsx-real corpus is not present")
def test_xlsm_keeps_its_macros(tmp_path):
    src = tmp_path / "vba.xlsm"
    shutil.copy(VBA_SAMPLE, src)
    sheet = openpyxl.load_workbook(src).sheetnames[0]
    f = Finding(ERROR, "required", "必须填写", "required", sheet=sheet, cell="A1")
    out = write_feedback(FormResult(path=src, sheet=sheet, findings=[f]), tmp_path / "fb")
    assert out.suffix == ".xlsm"
    with zipfile.ZipFile(out) as z:
        assert "xl/vbaProject.bin" in z.namelist()
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb.sheetnames[0] == ERRORS_SHEET and wb[sheet]["A1"].fill.fgColor.rgb == ERROR_FILL


def test_a_finding_inside_a_merged_input_marks_its_first_cell(cfg, tmp_path):
    form = FORMS["work_order"]
    path = tmp_path / "order.xlsx"
    path.write_bytes(build_template(form, cfg))
    wb = openpyxl.load_workbook(path)
    ws = wb[form.sheet_name]
    cell = _name_cell(wb, "order_no")
    merged = next(r for r in ws.merged_cells.ranges if cell in r)
    assert merged.max_col > merged.min_col  # the template merges the order number's input
    inner = ws.cell(merged.min_row, merged.max_col).coordinate
    f = Finding(ERROR, "required", "必须填写", "required", sheet=form.sheet_name, cell=inner, field="order_no")
    out = write_feedback(FormResult(path=path, form_id="work_order", sheet=form.sheet_name, findings=[f]), tmp_path / "fb")
    wb = openpyxl.load_workbook(out)
    assert wb[form.sheet_name][cell].fill.fgColor.rgb == ERROR_FILL
    assert wb[form.sheet_name][cell].comment.text.startswith("错误 Error: 必须填写")
    _, rows = _errors_rows(wb[ERRORS_SHEET])
    assert rows[0][2].hyperlink.location == f"'{form.sheet_name}'!{cell}"
    assert rows[0][3].value == "布置单编号 Order No."
