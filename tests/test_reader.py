"""The reader on filled-in forms: every form, both engines, and each convention broken one at a time."""
from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.comments import Comment

from adtools.errors import ERROR, WARNING, InputError
from adtools.forms.catalog import FORMS
from adtools.forms.engines import normalise
from adtools.forms.reader import column_matcher, label_key, read_workbook
from reader_kit import build_workbook, rewrite_zip, sample_header, sample_rows

ENGINES = ("calamine", "openpyxl")


def rules(raw, severity=None):
    return [f.rule for f in raw.findings if severity is None or f.severity == severity]


def values(raw):
    """Records as plain data: [(row, {key: (value, address, error)})] and the header likewise."""
    head = {k: (c.value, c.address, c.error) for k, c in raw.header.items()}
    rows = [(r, {k: (c.value, c.address, c.error) for k, c in cells.items()}) for r, cells in raw.rows]
    return head, rows


def both(path, cfg):
    a, b = (read_workbook(path, cfg, engine=e) for e in ENGINES)
    assert a.engine == "calamine" and b.engine == "openpyxl"
    assert values(a) == values(b)
    assert a.findings == b.findings
    assert (a.form_id, a.sheet, a.author, a.date1904, a.form_version) == (b.form_id, b.sheet, b.author, b.date1904, b.form_version)
    return a


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_every_form_reads_the_same_with_both_engines(tmp_path, cfg, form_id):
    form = FORMS[form_id]
    rows = sample_rows(form, cfg, 4)
    path = tmp_path / f"{form_id}.xlsx"
    where = build_workbook(form, cfg, path, rows=rows)
    raw = both(path, cfg)
    assert raw.form_id == form_id and raw.sheet == form.sheet_name
    assert raw.findings == []
    assert raw.form_version == form.version
    assert raw.author == "李娜"
    header = sample_header(form, cfg)
    for f in form.header:
        cell = raw.header[f.key]
        assert cell.address == where["header"][f.key]
        assert cell.value == normalise(header[f.key])
    assert [r for r, _ in raw.rows] == where["rows"]
    for (excel_row, cells), written in zip(raw.rows, rows):
        assert set(cells) == {f.key for f in form.columns}
        for key, value in written.items():
            col = openpyxl.utils.get_column_letter(where["columns"][key])
            assert cells[key].address == f"{col}{excel_row}"
            assert cells[key].value == normalise(value), key


def test_engine_auto_is_calamine(tmp_path, cfg):
    path = tmp_path / "t.xlsx"
    build_workbook(FORMS["timesheet"], cfg, path)
    assert read_workbook(path, cfg).engine == "calamine"


def test_unknown_engine_is_an_argument_error(tmp_path, cfg):
    with pytest.raises(InputError, match="fastest"):
        read_workbook(tmp_path / "x.xlsx", cfg, engine="fastest")


def test_rows_below_the_table_range_and_blank_rows(tmp_path, cfg):
    form = FORMS["timesheet"]
    rows = sample_rows(form, cfg, 8)
    path = tmp_path / "t.xlsx"
    # the table covers 3 rows; 5 more were pasted below it, after 2 empty rows; one blank row every 3
    where = build_workbook(form, cfg, path, rows=rows, table_rows=3, blank_every=3, row_gap_after_table=2)
    raw = both(path, cfg)
    assert [r for r, _ in raw.rows] == where["rows"]
    assert len(raw.rows) == 8
    assert raw.rows[-1][1]["description"].value == rows[-1]["description"]


def test_a_row_with_only_spaces_is_blank(tmp_path, cfg):
    form = FORMS["flight_notes"]
    rows = sample_rows(form, cfg, 2) + [{"section": "  ", "text": "\u3000"}] + sample_rows(form, cfg, 1)
    path = tmp_path / "t.xlsx"
    where = build_workbook(form, cfg, path, rows=rows)
    raw = both(path, cfg)
    assert [r for r, _ in raw.rows] == [where["rows"][i] for i in (0, 1, 3)]


def test_columns_found_by_header_text_in_any_order_and_spelling(tmp_path, cfg):
    form = FORMS["costs"]
    order = ["amount", "job_no", "date", "vendor", "cost_type", "quantity"]
    labels = {
        "amount": "  AMOUNT ",  # English only, case and spaces
        "job_no": "job_no",  # the key
        "date": "日期",  # Chinese only
        "vendor": "供应商 Vendor",  # one line
        "cost_type": "费用类型\r\nCost\ntype",  # line breaks inside the English
        "quantity": "数量(Quantity)",
    }
    rows = sample_rows(form, cfg, 2)
    path = tmp_path / "c.xlsx"
    where = build_workbook(form, cfg, path, rows=rows, columns=order, column_labels=labels)
    raw = both(path, cfg)
    cells = raw.rows[0][1]
    assert set(cells) == set(order)
    assert cells["amount"].address == f"A{where['rows'][0]}" and cells["amount"].value == normalise(rows[0]["amount"])
    assert cells["date"].value == rows[0]["date"]
    # the optional columns left out are warnings, none is an error
    missing = [f for f in raw.findings if f.rule == "missing_column"]
    assert {f.field for f in missing} == {"film_kind", "width_cm", "height_cm", "invoice_no", "billable"}
    assert all(f.severity == WARNING for f in missing)


def test_missing_required_column_is_an_error_naming_it(tmp_path, cfg):
    form = FORMS["timesheet"]
    path = tmp_path / "t.xlsx"
    build_workbook(form, cfg, path, columns=["date", "job_no", "hours", "description"])
    raw = both(path, cfg)
    errors = [f for f in raw.findings if f.severity == ERROR]
    assert [(f.rule, f.field, f.sheet) for f in errors] == [("missing_column", "category", "工时表")]
    assert "工作类别 Category" in errors[0].message_zh and "工作类别 Category" in errors[0].message_en
    assert len(raw.rows) == 3 and "category" not in raw.rows[0][1]


def test_unknown_columns_are_ignored_with_a_warning(tmp_path, cfg):
    form = FORMS["flight_notes"]
    path = tmp_path / "t.xlsx"
    where = build_workbook(form, cfg, path, extra_columns=("备注 Remarks",))
    raw = both(path, cfg)
    unknown = [f for f in raw.findings if f.rule == "unknown_column"]
    assert [(f.severity, f.cell, f.value) for f in unknown] == [(WARNING, f"C{where['header_row']}", "备注 Remarks")]
    assert set(raw.rows[0][1]) == {"section", "text"}


def test_doubled_column_reads_the_first(tmp_path, cfg):
    form = FORMS["flight_notes"]
    path = tmp_path / "t.xlsx"
    build_workbook(form, cfg, path, columns=["section", "text"], extra_columns=("内容\nText",))
    raw = both(path, cfg)
    assert rules(raw) == ["duplicate_column"]
    assert raw.rows[0][1]["text"].address.startswith("B")


def test_without_meta_recognised_by_table_with_a_warning(tmp_path, cfg):
    path = tmp_path / "t.xlsx"
    build_workbook(FORMS["payments"], cfg, path, meta=False)
    raw = both(path, cfg)
    assert raw.form_id == "payments" and raw.form_version is None
    assert rules(raw) == ["no_meta"]
    assert "recognised by its table as" in raw.findings[0].message_en and "_meta" not in raw.findings[0].message_en


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_without_meta_or_table_recognised_by_headers(tmp_path, cfg, form_id):
    """A sheet copied into a new file (no _meta, table lost): sheet name and header labels."""
    path = tmp_path / "t.xlsx"
    build_workbook(FORMS[form_id], cfg, path, meta=False, table=False)
    raw = both(path, cfg)
    assert raw.form_id == form_id
    assert rules(raw) == ["no_meta"]
    assert "recognised by its headers" in raw.findings[0].message_en
    assert len(raw.rows) == 3


def test_renamed_sheet_without_meta_recognised_by_headers_alone(tmp_path, cfg):
    path = tmp_path / "t.xlsx"
    build_workbook(FORMS["media_schedule"], cfg, path, meta=False, table=False, sheet_name="Sheet1")
    raw = both(path, cfg)
    assert raw.form_id == "media_schedule" and raw.sheet == "Sheet1"


def test_a_workbook_that_is_not_ours_is_unknown_form(tmp_path, cfg):
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Date", "Amount"])
    wb.active.append(["x", date(2026, 1, 1), 3])
    path = tmp_path / "other.xlsx"
    wb.save(path)
    raw = both(path, cfg)
    assert raw.form_id is None and rules(raw) == ["unknown_form"]
    assert "not a recognised adtools form" in raw.findings[0].message_en.lower()
    assert "不是可识别的 adtools 表单" in raw.findings[0].message_zh


def test_meta_naming_an_unknown_form(tmp_path, cfg):
    path = tmp_path / "t.xlsx"
    build_workbook(FORMS["archive"], cfg, path)
    wb = openpyxl.load_workbook(path)
    wb["_meta"]["B1"] = "holiday_plan"
    wb.save(path)
    raw = both(path, cfg)
    assert raw.form_id is None and rules(raw) == ["unknown_form"]
    assert "holiday_plan" in raw.findings[0].message_en


def test_header_fields_by_label_when_defined_names_are_missing(tmp_path, cfg):
    form = FORMS["work_order"]
    path = tmp_path / "w.xlsx"
    where = build_workbook(form, cfg, path, names=False)
    raw = both(path, cfg)
    header = sample_header(form, cfg)
    for f in form.header:
        assert raw.header[f.key].address == where["header"][f.key]
        assert raw.header[f.key].value == normalise(header[f.key])
    by_label = [f for f in raw.findings if f.rule == "field_by_label"]
    assert len(by_label) == len(form.header) and all(f.severity == WARNING for f in by_label)
    assert by_label[0].cell == where["header"]["order_no"] and "f_order_no" in by_label[0].message_en


def test_label_beside_an_empty_input_and_a_merged_label(tmp_path, cfg):
    form = FORMS["minutes"]
    header = sample_header(form, cfg)
    header["job_no"] = None  # optional and left empty: the next label must not be taken for its value
    path = tmp_path / "m.xlsx"
    where = build_workbook(form, cfg, path, header=header, names=False)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    # move one pair so that its label spans two merged cells: label D3:E3, input F3
    ws["D3"], ws["F3"] = "参加人员 Attendees", "张伟、李娜"
    ws.merge_cells("D3:E3")
    r = int(where["header"]["attendees"][1:])
    ws.cell(row=r, column=1, value=None)
    ws.cell(row=r, column=2, value=None)
    wb.save(path)
    raw = both(path, cfg)
    assert raw.header["job_no"].value is None and raw.header["job_no"].address == where["header"]["job_no"]
    assert (raw.header["attendees"].address, raw.header["attendees"].value) == ("F3", "张伟、李娜")


def test_header_field_not_found_at_all(tmp_path, cfg):
    form = FORMS["timesheet"]
    path = tmp_path / "t.xlsx"
    build_workbook(form, cfg, path, names=False)
    wb = openpyxl.load_workbook(path)
    wb.active["A4"] = "随便 Whatever"  # the department label is gone
    wb.save(path)
    raw = both(path, cfg)
    missing = [f for f in raw.findings if f.rule == "missing_field"]
    assert [(f.field, f.severity) for f in missing] == [("department", ERROR)]
    assert "department" not in raw.header


def test_sheet_level_defined_names_and_ranges_also_work(tmp_path, cfg):
    form = FORMS["quote"]
    path = tmp_path / "q.xlsx"
    where = build_workbook(form, cfg, path, names=False)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for f in form.header:
        r = where["header"][f.key][1:]
        # a sheet-scoped name pointing at a merged input B:C
        ws.defined_names[f"f_{f.key}"] = openpyxl.workbook.defined_name.DefinedName(
            f"f_{f.key}", attr_text=f"'{ws.title}'!$B${r}:$C${r}")
    wb.save(path)
    raw = both(path, cfg)
    assert "field_by_label" not in rules(raw)
    assert {k: c.address for k, c in raw.header.items()} == where["header"]


def test_error_cells_are_marked_with_their_text(tmp_path, cfg):
    form = FORMS["media_schedule"]
    path = tmp_path / "m.xlsx"
    where = build_workbook(form, cfg, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    r1, r2 = where["rows"][0], where["rows"][1]
    col = {k: openpyxl.utils.get_column_letter(c) for k, c in where["columns"].items()}
    errors = {f"{col['gross']}{r1}": "#DIV/0!", f"{col['net']}{r1}": "#N/A", f"{col['discount']}{r2}": "#VALUE!",
              f"{col['date']}{r2}": "#REF!", f"{col['size']}{r2}": "#NAME?", f"{col['position']}{r2}": "#NUM!",
              where["header"]["version"]: "#NULL!"}
    for addr, text in errors.items():
        ws[addr].value = text
        ws[addr].data_type = "e"
    # and a whole row of nothing but an error, below the table
    last = where["rows"][-1] + 2
    ws[f"{col['media']}{last}"].value = "#N/A"
    ws[f"{col['media']}{last}"].data_type = "e"
    wb.save(path)
    raw = both(path, cfg)
    found = {c.address: c.error for _r, cells in raw.rows for c in cells.values() if c.error}
    found.update({c.address: c.error for c in raw.header.values() if c.error})
    assert found == dict(errors, **{f"{col['media']}{last}": "#N/A"})
    assert all(c.value is None for _r, cells in raw.rows for c in cells.values() if c.error)
    assert raw.rows[-1][0] == last


def test_formula_inputs_openpyxl_written_have_no_cached_value(tmp_path, cfg):
    form = FORMS["media_schedule"]
    path = tmp_path / "m.xlsx"
    where = build_workbook(form, cfg, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    col = {k: openpyxl.utils.get_column_letter(c) for k, c in where["columns"].items()}
    r = where["rows"][0]
    ws[f"{col['net']}{r}"] = f"={col['gross']}{r}*(1-{col['discount']}{r})"
    ws[where["header"]["version"]] = "=1+1"
    wb.save(path)
    raw = both(path, cfg)
    net = raw.rows[0][1]["net"]
    assert net.value is None and net.error is None
    warns = {(f.cell, f.field) for f in raw.findings if f.rule == "formula_input"}
    # net is a computed column: its formula is dropped silently and the validator recomputes it
    assert warns == {(where["header"]["version"], "version")}
    assert all(f.severity == WARNING for f in raw.findings)
    assert "no saved result" in next(f for f in raw.findings if f.rule == "formula_input").message_en


def test_a_computed_column_formula_is_recomputed_not_trusted(tmp_path, cfg):
    """XlsxWriter caches 0 as a formula's result: net must come from gross and discount, not that 0."""
    from decimal import Decimal

    from adtools.forms.validate import validate_file

    form = FORMS["media_schedule"]
    path = tmp_path / "m.xlsx"
    where = build_workbook(form, cfg, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    col = {k: openpyxl.utils.get_column_letter(c) for k, c in where["columns"].items()}
    r = where["rows"][0]
    ws[f"{col['gross']}{r}"] = 10000
    ws[f"{col['discount']}{r}"] = 0.35
    ws[f"{col['net']}{r}"] = f"={col['gross']}{r}*(1-{col['discount']}{r})"
    wb.save(path)
    _cache_formula_results_as_zero(path)  # as XlsxWriter writes them
    assert read_workbook(path, cfg, engine="openpyxl").rows[0][1]["net"].value is None
    result = validate_file(path, cfg)
    assert not [f for f in result.findings if f.field == "net"], result.findings
    assert result.rows[0].values["net"] == Decimal("6500.00")


def test_formula_inputs_xlsxwriter_written_carry_a_zero(tmp_path, cfg):
    """XlsxWriter stores 0 as every formula's result: read it, but warn (the validator recomputes)."""
    import xlsxwriter

    form = FORMS["flight_notes"]
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(form.sheet_name)
    for i, f in enumerate(form.header):
        ws.write(2 + i, 0, f.label)
        ws.write(2 + i, 1, "=\"a\"&\"b\"" if f.key == "author" else f"{f.zh}1")
        wb.define_name(f"f_{f.key}", f"='{form.sheet_name}'!$B${3 + i}")
    top = 2 + len(form.header) + 1
    ws.add_table(top, 0, top + 2, 1, {"name": form.table_name,
                                      "columns": [{"header": f.label} for f in form.columns],
                                      "data": [["效果", "=1+2"], ["对策", "写好了"]]})
    meta = wb.add_worksheet("_meta")
    meta.write_row(0, 0, ["form_id", form.form_id])
    meta.hide()
    wb.set_properties({"author": "王芳"})
    wb.close()
    raw = both(path, cfg)
    assert raw.form_id == "flight_notes" and raw.author == "王芳"
    assert raw.header["author"].value == 0  # XlsxWriter's stand-in result
    assert raw.rows[0][1]["text"].value == 0
    assert [(f.rule, f.cell) for f in raw.findings] == [("formula_input", "B5"), ("formula_input", f"B{top + 2}")]
    assert "last calculated result" in raw.findings[0].message_en


@pytest.mark.parametrize("date1904", [False, True])
def test_date_systems(tmp_path, cfg, date1904):
    form = FORMS["timesheet"]
    rows = sample_rows(form, cfg, 3)
    path = tmp_path / "t.xlsx"
    build_workbook(form, cfg, path, rows=rows, date1904=date1904)
    raw = both(path, cfg)
    assert raw.date1904 is date1904
    assert [cells["date"].value for _r, cells in raw.rows] == [r["date"] for r in rows]
    assert raw.header["week_start"].value == date(2026, 11, 2)


def test_datetimes_keep_their_time_and_round_to_the_second(tmp_path, cfg):
    form = FORMS["minutes"]
    header = sample_header(form, cfg)
    header["meeting_start"] = datetime(2026, 11, 3, 14, 0, 0, 400_000)
    header["meeting_end"] = datetime(2026, 11, 3, 0, 0)  # midnight: reads as a date
    path = tmp_path / "m.xlsx"
    build_workbook(form, cfg, path, header=header)
    raw = both(path, cfg)
    assert raw.header["meeting_start"].value == datetime(2026, 11, 3, 14, 0)
    assert raw.header["meeting_end"].value == date(2026, 11, 3)


def test_author_is_last_modified_by_else_creator(tmp_path, cfg):
    path = tmp_path / "t.xlsx"
    build_workbook(FORMS["progress"], cfg, path, author=None, creator="陈静")
    assert both(path, cfg).author == "陈静"
    build_workbook(FORMS["progress"], cfg, path, author="赵磊", creator="陈静")
    assert both(path, cfg).author == "赵磊"


def test_xlsm_is_read_and_its_macros_never_run(tmp_path, cfg):
    path = tmp_path / "t.xlsm"
    build_workbook(FORMS["archive"], cfg, path)

    def add_vba(name, data):
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
        return data

    rewrite_zip(path, add_vba)
    with __import__("zipfile").ZipFile(path, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really a macro")
    raw = both(path, cfg)
    assert raw.form_id == "archive" and raw.findings == []


def test_too_many_rows_is_an_error_and_reading_stops(tmp_path, cfg):
    small = cfg.with_overrides(intake=dataclasses.replace(cfg.intake, max_rows=10))
    form = FORMS["flight_notes"]
    path = tmp_path / "t.xlsx"
    where = build_workbook(form, cfg, path, rows=sample_rows(form, cfg, 14))
    for engine in ENGINES:
        raw = read_workbook(path, small, engine=engine)
        assert len(raw.rows) == 10
        assert rules(raw) == ["too_many_rows"]
        assert raw.findings[0].cell == f"A{where['header_row'] + 11}"


def test_cells_without_references_are_located_in_order(tmp_path, cfg):
    """Some writers leave out `r` on cells; errors and formulas must still land on the right cell."""
    form = FORMS["flight_notes"]
    path = tmp_path / "t.xlsx"
    where = build_workbook(form, cfg, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    r = where["rows"][1]
    ws[f"B{r}"].value = "#N/A"
    ws[f"B{r}"].data_type = "e"
    ws[f"A{r}"] = "=A1"
    wb.save(path)

    def strip_refs(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb'(<c) r="[A-Z]+[0-9]+"', rb"\1", data)
        return data

    rewrite_zip(path, strip_refs)
    raw = both(path, cfg)
    cells = dict(raw.rows)[r]
    assert cells["text"].error == "#N/A" and cells["text"].address == f"B{r}"
    assert [(f.rule, f.cell) for f in raw.findings] == [("formula_input", f"A{r}")]


def test_comments_and_styles_do_not_disturb_reading(tmp_path, cfg):
    form = FORMS["sign_off"]
    path = tmp_path / "s.xlsx"
    where = build_workbook(form, cfg, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws["B3"].comment = Comment("请核对 please check", "张伟")
    for row in ws.iter_rows(min_row=where["rows"][-1] + 1, max_row=where["rows"][-1] + 200, max_col=9):
        for c in row:
            c.fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")  # styled empty rows
    wb.save(path)
    raw = both(path, cfg)
    assert raw.findings == [] and len(raw.rows) == 3


def test_far_apart_values_fall_back_to_streaming(tmp_path, cfg):
    """python-calamine would allocate the whole rectangle between A1 and ZZ200000: use openpyxl."""
    path = tmp_path / "far.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.active["ZZ200000"] = "y"
    wb.save(path)
    raw = read_workbook(path, cfg)
    assert raw.engine == "openpyxl" and rules(raw) == ["unknown_form"]
    # asked for calamine alone, the reader refuses rather than allocate gigabytes
    raw = read_workbook(path, cfg, engine="calamine")
    assert rules(raw) == ["unsafe_file"] and "200000 x 702" in raw.findings[0].message_en


# ----------------------------------------------------------------------------- label matching
def test_label_key_ignores_case_spaces_breaks_and_width():
    assert label_key("  Job\nNo. ") == "jobno."
    assert label_key("ＡＭＯＵＮＴ：") == "amount"
    assert label_key("工作编号 *") == "工作编号"


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_every_column_label_identifies_one_field(form_id):
    form = FORMS[form_id]
    for fields in (form.columns, form.header):
        matcher = column_matcher(fields)
        for f in fields:
            for text in (f.label, f.zh, f.en, f.key, f"{f.zh} {f.en}"):
                assert matcher.get(label_key(text)) == f.key, (form_id, text)


def _cache_formula_results_as_zero(path):
    """Give every formula of the first sheet a stored result of 0, as XlsxWriter does."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = re.sub(rb"(<f>[^<]*</f>)(<v>[^<]*</v>|<v\s*/>)?", rb"\1<v>0</v>", parts[name])
    assert b"<v>0</v>" in parts[name]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_a_second_filled_in_copy_of_the_form_in_the_workbook_is_an_error_not_lost(tmp_path, cfg):
    """Staff copy the sheet tab for a second week: that copy is never read, so the file is refused, not half-read."""
    form = FORMS["timesheet"]
    path = tmp_path / "two.xlsx"
    build_workbook(form, cfg, path, rows=sample_rows(form, cfg, 2))
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb[form.sheet_name])
    copy.title = "工时表 (2)"
    notes = wb.create_sheet("备注")  # other sheets with content are the author's business
    notes["A1"] = "下周请假"
    blank = wb.copy_worksheet(wb[form.sheet_name])  # a copy whose rows are all cleared is harmless
    blank.title = "空白"
    for row in blank.iter_rows(min_row=blank.max_row - 1):
        for c in row:
            c.value = None
    wb.save(path)
    raw = both(path, cfg)
    hits = [f for f in raw.findings if f.rule == "second_form_sheet"]
    assert [(f.severity, f.sheet) for f in hits] == [(ERROR, "工时表 (2)")]
    assert "工时表 (2)" in hits[0].message_zh and "one file per form" in hits[0].message_en
    assert len(raw.rows) == 2  # the input sheet is still read
