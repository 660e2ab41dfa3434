"""forms.validate: clean forms pass; each bad value, blank, error cell and rule gives one finding at its cell."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adtools.errors import ERROR, WARNING, Finding, SchemaError
from adtools.forms import validate as validate_mod
from adtools.forms.catalog import FORMS
from adtools.forms.schema import Field, Form, RawCell, RawWorkbook, RowRule, TableRule, Violation
from adtools.forms.validate import validate_raw
from tests.raw_forms import CFG, TABLE_HEADER_ROW, clean, column_address, header_address, raw_workbook

D = datetime


def run(form_id: str, header: dict, rows: list[dict], known_jobs=None, **kw):
    return validate_raw(raw_workbook(form_id, header, rows, **kw), CFG, known_jobs=known_jobs)


def only(findings: list[Finding], severity: str = ERROR) -> list[Finding]:
    return [f for f in findings if f.severity == severity]


# --------------------------------------------------------------------------- clean forms
@pytest.mark.parametrize("form_id", list(FORMS))
def test_clean_form_validates_without_findings(form_id):
    header, rows = clean(form_id)
    result = run(form_id, header, rows)
    assert result.findings == []
    assert result.ok and result.form_id == form_id
    assert result.document_key
    assert len(result.rows) == len(rows)
    form = FORMS[form_id]
    for rec, row in zip(result.rows, rows):
        assert set(rec.values) == {f.key for f in form.columns}
        for key, value in row.items():
            assert rec.cells[key] == column_address(form_id, key, result.rows.index(rec))
            assert rec.raw[key] == value
    assert result.header.cells == {k: header_address(form_id, k) for k in header}


def test_clean_values_are_typed():
    result = run("media_schedule", *clean("media_schedule"))
    first, second, third = result.rows
    assert first.values["discount"] == Decimal("0.35") and first.values["net"] == Decimal("195000.00")
    assert second.values["gross"] == Decimal("80000.00") and second.values["net"] == Decimal("52000.00")
    assert third.values["discount"] == 0 and third.values["net"] == Decimal("12345.67")  # default 0, net computed
    assert third.values["date"] == date(2026, 11, 5)
    assert first.values["status"] == "booked" and second.values["colour"] == "bw"
    assert result.header.values["flight_start"] == date(2026, 11, 1)
    assert result.document_key == "双十一|第一波|1"
    assert first.row == TABLE_HEADER_ROW + 1


def test_document_keys():
    assert run("timesheet", *clean("timesheet")).document_key == "张伟|2026-11-02"
    assert run("minutes", *clean("minutes")).document_key == "2026-11-05T14:00|创意提案会"
    assert run("quote", *clean("quote")).document_key == "HRFR-2026-001|creative|1"


def test_defaults_for_blank_optional_fields():
    wo = run("work_order", *clean("work_order"))
    assert wo.rows[1].values["quantity"] == 1
    h, r = clean("work_order")
    h["rush"] = None
    assert run("work_order", h, r).header.values["rush"] is False
    costs = run("costs", *clean("costs"))
    assert costs.rows[0].values["billable"] is True and costs.rows[0].values["invoice_no"] == "12345678"
    mon = run("monitoring", *clean("monitoring"))
    assert mon.rows[0].values["new_creative"] is True and mon.rows[1].values["new_creative"] is False


# --------------------------------------------------------------------------- bad values, blanks, error cells
BAD_BY_TYPE = {
    "int": [("abc", "not_a_number"), ("2.5", "not_a_whole_number")],
    "decimal": [("abc", "not_a_number"), ("12,5", "ambiguous_number")],
    "money": [("12.345", "too_many_decimals"), ("abc", "not_a_number"), ("35%", "percent_not_allowed")],
    "date": [("03/04/2026", "ambiguous_date"), ("2026-02-30", "bad_date"), ("下周", "not_a_date")],
    "datetime": [("明天下午", "not_a_datetime"), ("2026-11-05", "missing_time")],
    "bool": [("maybe", "not_yes_no")],
    "enum": [("不存在 Nonexistent", "not_a_choice")],
    "month": [("2026-13", "not_a_month")],
}


def _places():
    """(form_id, field, where) for every field: the header, or the first table row."""
    for form in FORMS.values():
        for f in form.header:
            yield form.form_id, f, "header"
        for f in form.columns:
            yield form.form_id, f, 0


BAD_CASES = [
    pytest.param(fid, f.key, where, bad, code, id=f"{fid}.{f.key}={bad}")
    for fid, f, where in _places()
    for bad, code in (BAD_BY_TYPE.get(f.type, []) + ([("bad job 1", "pattern")] if f.pattern else []))
]


def _set(form_id: str, where, key: str, value: Any):
    header, rows = clean(form_id)
    if where == "header":
        header[key] = value
        cell = header_address(form_id, key)
    else:
        rows[where][key] = value
        cell = column_address(form_id, key, where)
    return header, rows, cell


@pytest.mark.parametrize("form_id, key, where, bad, code", BAD_CASES)
def test_each_bad_value_gives_one_finding_at_its_cell(form_id, key, where, bad, code):
    header, rows, cell = _set(form_id, where, key, bad)
    result = run(form_id, header, rows)
    errors = only(result.findings)
    assert [(f.rule, f.cell, f.field, f.value) for f in errors] == [(code, cell, key, bad)]
    f = errors[0]
    assert f.sheet == FORMS[form_id].sheet_name and f.where == f"{FORMS[form_id].sheet_name}!{cell}"
    assert f.file == result.path.name  # the file's name, as the reader's findings give it
    assert {x.file for x in result.findings} == {result.path.name}
    assert bad in f.message_zh and bad in f.message_en  # the message names what was found
    assert not result.ok


REQUIRED_CASES = [
    pytest.param(fid, f.key, where, id=f"{fid}.{f.key}")
    for fid, f, where in _places() if f.required
]


@pytest.mark.parametrize("form_id, key, where", REQUIRED_CASES)
@pytest.mark.parametrize("blank", [None, "  "])
def test_blank_required_field_is_one_finding(form_id, key, where, blank):
    header, rows, cell = _set(form_id, where, key, blank)
    errors = only(run(form_id, header, rows).findings)
    assert [(f.rule, f.cell, f.field) for f in errors] == [("required", cell, key)]
    assert "必填" in errors[0].message_zh and "required" in errors[0].message_en


ERROR_CELL_CASES = [pytest.param(fid, f.key, where, id=f"{fid}.{f.key}") for fid, f, where in _places()]


@pytest.mark.parametrize("form_id, key, where", ERROR_CELL_CASES)
def test_error_cell_is_a_finding_at_its_cell(form_id, key, where):
    tag = key if where == "header" else f"{key}@{where}"
    header, rows = clean(form_id)
    result = validate_raw(raw_workbook(form_id, header, rows, errors={tag: "#N/A"}), CFG)
    cell = header_address(form_id, key) if where == "header" else column_address(form_id, key, where)
    errors = only(result.findings)
    assert [(f.rule, f.cell, f.field, f.value) for f in errors] == [("error_cell", cell, key, "#N/A")]
    assert "#N/A" in errors[0].message_zh and "#N/A" in errors[0].message_en


# --------------------------------------------------------------------------- rules
NEW_ROW = "append"  # a change that appends a copy of row 0 with the given changes

RULE_CASES = [
    # form, where, changes, rule code, field, row index of the marked cell ("header" for header), severity
    ("work_order", "header", {"signed_on": D(2026, 11, 1)}, "before_issued_at", "signed_on", "header", ERROR),
    ("sign_off", 0, {"decided_on": None}, "required_when_decided_on", "decided_on", 0, ERROR),
    ("sign_off", 0, {"decided_on": D(2026, 11, 2)}, "before_submitted_on", "decided_on", 0, ERROR),
    ("sign_off", 0, {"signed_by": None}, "required_when_signed_by", "signed_by", 0, ERROR),
    ("sign_off", 2, {"comments": None}, "required_when_comments", "comments", 2, ERROR),
    ("sign_off", 0, {"amount": None}, "required_when_amount", "amount", 0, ERROR),
    ("sign_off", NEW_ROW, {}, "unique_version", "version", 3, ERROR),
    ("minutes", "header", {"meeting_end": D(2026, 11, 5, 13, 0)}, "before_meeting_start", "meeting_end", "header", ERROR),
    ("minutes", "header", {"sent_at": "2026-11-05 15:00"}, "before_meeting_end", "sent_at", "header", ERROR),
    ("timesheet", "header", {"week_start": "2026-11-04"}, "not_monday", "week_start", "header", ERROR),
    ("timesheet", "header", {"staff": "王五"}, "unknown_staff", "staff", "header", ERROR),
    ("timesheet", 0, {"date": D(2026, 11, 9)}, "outside_week", "date", 0, ERROR),
    ("timesheet", 0, {"job_no": None}, "required_when_job_no", "job_no", 0, ERROR),
    ("timesheet", 1, {"hours": 20}, "daily_hours", "hours", 2, ERROR),
    ("timesheet", 1, {"hours": "6"}, "daily_hours", "hours", 2, WARNING),
    ("quote", 0, {"category": None}, "required_when_category", "category", 0, ERROR),
    ("quote", 0, {"category": "photography"}, "bad_category", "category", 0, ERROR),
    ("quote", 2, {"category": "print_creative"}, "bad_category", "category", 2, ERROR),
    ("quote", 0, {"hours": None}, "required_when_hours", "hours", 0, ERROR),
    ("quote", 2, {"width_cm": None}, "required_when_width_cm", "width_cm", 2, ERROR),
    ("quote", 2, {"height_cm": None}, "required_when_height_cm", "height_cm", 2, ERROR),
    ("quote", 1, {"amount": None}, "required_when_amount", "amount", 1, ERROR),
    ("quote", 0, {"amount": 100.0}, "amount_priced", "amount", 0, WARNING),
    ("costs", 1, {"film_kind": None}, "required_when_film_kind", "film_kind", 1, ERROR),
    ("costs", 1, {"width_cm": None}, "required_when_width_cm", "width_cm", 1, ERROR),
    ("costs", 1, {"height_cm": None}, "required_when_height_cm", "height_cm", 1, ERROR),
    ("costs", 0, {"amount": None}, "required_when_amount", "amount", 0, ERROR),
    ("media_schedule", "header", {"flight_end": D(2026, 10, 31)}, "before_flight_start", "flight_end", "header", ERROR),
    ("media_schedule", 0, {"date": D(2026, 11, 20)}, "outside_flight", "date", 0, ERROR),
    ("media_schedule", 1, {"net": 52000.02}, "net_mismatch", "net", 1, ERROR),
    ("media_schedule", 0, {"net": "0"}, "net_mismatch", "net", 0, ERROR),
    ("media_schedule", 0, {"booking_ref": None}, "required_when_booking_ref", "booking_ref", 0, ERROR),
    ("media_schedule", 0, {"media": "南方都市报"}, "unknown_media", "media", 0, WARNING),
    ("monitoring", 0, {"date": D(2026, 12, 1)}, "outside_month", "date", 0, ERROR),
    ("archive", 0, {"rights_end": None}, "required_when_rights_end", "rights_end", 0, ERROR),
    ("archive", 0, {"rights_end": D(2026, 10, 1)}, "before_rights_start", "rights_end", 0, ERROR),
    ("archive", 1, {"doc_id": "A-001"}, "unique_doc_id", "doc_id", 1, ERROR),
    ("brand_aliases", 2, {"alias": "美 菱", "brand": "美菱集团"}, "alias_conflict", "brand", 2, ERROR),
]


def _apply(form_id: str, where, changes: dict):
    header, rows = clean(form_id)
    if where == "header":
        header.update(changes)
    elif where == NEW_ROW:
        rows.append({**rows[0], **changes})
    else:
        rows[where].update(changes)
    return header, rows


@pytest.mark.parametrize("form_id, where, changes, code, key, at, severity", RULE_CASES,
                         ids=[f"{c[0]}.{c[3]}.{c[6]}" for c in RULE_CASES])
def test_each_rule_marks_its_cell(form_id, where, changes, code, key, at, severity):
    header, rows = _apply(form_id, where, changes)
    result = run(form_id, header, rows)
    cell = header_address(form_id, key) if at == "header" else column_address(form_id, key, at)
    hits = [f for f in result.findings if f.rule == code]
    assert [(f.cell, f.field, f.severity) for f in hits] == [(cell, key, severity)], result.findings
    f = hits[0]
    fld = FORMS[form_id].field(key)
    assert f.message_zh.startswith(fld.zh) and f.message_en.startswith(fld.en)
    assert result.ok is (not any(x.severity == ERROR for x in result.findings))
    if severity == WARNING:
        assert result.ok


def test_every_rule_of_the_catalog_has_a_case():
    declared = {(fid, r.code) for fid, form in FORMS.items() for r in (*form.rules, *form.table_rules)}
    covered = {(c[0], c[3]) for c in RULE_CASES}
    assert declared - covered == set()


def test_net_within_a_fen_is_accepted_and_blank_net_is_computed():
    header, rows = clean("media_schedule")
    rows[1]["net"] = "52,000.01"
    result = run("media_schedule", header, rows)
    assert result.findings == [] and result.rows[1].values["net"] == Decimal("52000.01")
    rows[1]["net"] = None
    rows[1]["discount"] = "12.5%"
    assert run("media_schedule", header, rows).rows[1].values["net"] == Decimal("70000.00")


def test_net_mismatch_message_names_the_typed_value():
    header, rows = _apply("media_schedule", 1, {"net": 50000.0})
    (f,) = [f for f in run("media_schedule", header, rows).findings if f.rule == "net_mismatch"]
    assert f.value == "50000" and "50000" in f.message_en and "0.01" in f.message_en


def test_no_cascade_when_a_needed_field_is_bad():
    # gross unreadable: no net computed, no net_mismatch, just the one finding
    header, rows = _apply("media_schedule", 1, {"gross": "八万"})
    result = run("media_schedule", header, rows)
    assert [(f.rule, f.field) for f in result.findings] == [("not_a_number", "gross")]
    assert result.rows[1].values["gross"] is None
    # the week start unreadable: no not_monday and no outside_week on the rows
    header, rows = _apply("timesheet", "header", {"week_start": "下周一"})
    assert [(f.rule, f.field) for f in run("timesheet", header, rows).findings] == [("not_a_date", "week_start")]


def test_table_rule_messages_name_excel_rows():
    header, rows = _apply("archive", 1, {"doc_id": "A-001"})
    (f,) = [f for f in run("archive", header, rows).findings if f.rule == "unique_doc_id"]
    assert f"row {TABLE_HEADER_ROW + 1}" in f.message_en and f"第 {TABLE_HEADER_ROW + 1} 行" in f.message_zh


def test_field_unique_without_its_own_table_rule(monkeypatch):
    from dataclasses import replace

    import adtools.forms.validate as v

    form = FORMS["payments"]
    cols = tuple(replace(c, unique=True) if c.key == "reference" else c for c in form.columns)
    patched = replace(form, columns=cols)
    monkeypatch.setattr(v, "FORMS", {**FORMS, "payments": patched})
    header, rows = clean("payments")
    rows[1]["reference"] = "PZ-01"
    hits = [f for f in run("payments", header, rows).findings if f.rule == "unique_reference"]
    assert [(f.cell, f.severity) for f in hits] == [(column_address("payments", "reference", 1), ERROR)]


# --------------------------------------------------------------------------- job numbers, structure
def test_unknown_job_numbers_are_warnings_only_when_known_jobs_given():
    header, rows = clean("timesheet")
    assert run("timesheet", header, rows).findings == []
    result = run("timesheet", header, rows, known_jobs={"HRFR-2026-002"})
    assert result.ok
    assert [(f.rule, f.cell, f.severity) for f in result.findings] == [
        ("unknown_job", column_address("timesheet", "job_no", 0), WARNING),
        ("unknown_job", column_address("timesheet", "job_no", 2), WARNING),
    ]
    assert run("timesheet", header, rows, known_jobs={"HRFR-2026-001"}).findings == []
    h, r = clean("quote")
    (f,) = run("quote", h, r, known_jobs=set()).findings
    assert (f.rule, f.cell, f.field) == ("unknown_job", header_address("quote", "job_no"), "job_no")
    assert "HRFR-2026-001" in f.message_zh and "HRFR-2026-001" in f.message_en


def test_a_work_order_brings_its_job_number():
    assert run("work_order", *clean("work_order"), known_jobs=set()).findings == []


def test_blank_rows_are_skipped():
    header, rows = clean("payments")
    rows.insert(1, {k: None for k in rows[0]})
    rows.insert(1, {k: "  " for k in rows[0]})
    result = run("payments", header, rows)
    assert result.findings == [] and len(result.rows) == 2
    assert [r.row for r in result.rows] == [TABLE_HEADER_ROW + 1, TABLE_HEADER_ROW + 4]


def test_cells_the_reader_left_out_still_get_their_address():
    header, rows = clean("payments")
    raw = raw_workbook("payments", header, rows)
    del raw.rows[0][1]["amount"]  # a reader that omits blank cells
    (f,) = validate_raw(raw, CFG).findings
    assert (f.rule, f.cell) == ("required", column_address("payments", "amount", 0))


def test_missing_column_and_missing_header_cell_are_reported_once():
    header, rows = clean("payments")
    for r in rows:
        del r["amount"]
    del header["register_id"]
    result = run("payments", header, rows)
    assert sorted((f.rule, f.field, f.cell) for f in result.findings) == [
        ("missing_column", "amount", ""), ("missing_field", "register_id", ""),
    ]
    assert result.document_key is None


def test_reader_findings_are_kept_and_not_repeated():
    header, rows = clean("payments")
    for r in rows:
        del r["amount"]
    reader_says = Finding(ERROR, "missing_column", "缺少列 金额", "column Amount is missing", file="x", sheet="收付款登记", field="amount")
    result = run("payments", header, rows, findings=[reader_says])
    assert result.findings == [reader_says]


def test_unknown_or_refused_form():
    refused = Finding(ERROR, "not_a_workbook", "不是 Excel 文件", "not an Excel file", file="a.txt")
    result = validate_raw(RawWorkbook(path=Path("a.txt"), findings=[refused]), CFG)
    assert result.findings == [refused] and not result.ok and result.document_key is None
    result = validate_raw(RawWorkbook(path=Path("b.xlsx"), form_id="holiday_request"), CFG)
    assert [f.rule for f in result.findings] == ["unknown_form"] and result.form_id is None


def test_newer_template_version_is_a_warning():
    header, rows = clean("flight_notes")
    raw = raw_workbook("flight_notes", header, rows)
    raw.form_version = FORMS["flight_notes"].version + 1
    result = validate_raw(raw, CFG)
    assert [(f.rule, f.severity) for f in result.findings] == [("newer_form_version", WARNING)] and result.ok


def test_empty_table_is_a_warning():
    header, _rows = clean("flight_notes")
    result = run("flight_notes", header, [])
    assert [(f.rule, f.severity) for f in result.findings] == [("empty_table", WARNING)]


def test_date1904_workbooks():
    header, rows = clean("payments")
    rows[0]["date"] = (date(2026, 11, 10) - date(1904, 1, 1)).days
    result = validate_raw(raw_workbook("payments", header, rows, date1904=True), CFG)
    assert result.findings == [] and result.rows[0].values["date"] == date(2026, 11, 10)


# --------------------------------------------------------------------------- garbage never raises
garbage = st.one_of(
    st.none(), st.text(max_size=20), st.integers(), st.floats(), st.decimals(), st.booleans(), st.dates(),
    st.datetimes(), st.times(), st.binary(max_size=5), st.lists(st.integers(), max_size=2),
    st.sampled_from(["#N/A", "#DIV/0!", "=SUM(A1)", "\u3000", "03/04/2026", "1,23", "✓", "¥", "%"]),
)
cells = st.builds(
    RawCell, garbage,
    st.one_of(st.sampled_from(["D7", "A1", "", "ZZZ99", "$B$3", "1A", "工时表!D7"]), st.text(max_size=6)),
    st.one_of(st.none(), st.sampled_from(["#N/A", "#DIV/0!", "#REF!", ""])),
)


@st.composite
def garbage_workbooks(draw):
    form_id = draw(st.one_of(st.sampled_from(list(FORMS)), st.none(), st.text(max_size=8)))
    form = FORMS.get(form_id) if form_id else None
    keys = [f.key for f in form.fields] if form else []
    key = st.one_of(st.sampled_from(keys), st.text(max_size=6)) if keys else st.text(max_size=6)
    header = draw(st.dictionaries(key, cells, max_size=12))
    rows = draw(st.lists(st.tuples(st.integers(-5, 10**6), st.dictionaries(key, cells, max_size=14)), max_size=6))
    return RawWorkbook(
        path=Path(draw(st.text(min_size=1, max_size=10).filter(lambda s: "\x00" not in s))),
        form_id=form_id, sheet=draw(st.text(max_size=8)), header=header, rows=rows,
        date1904=draw(st.booleans()), form_version=draw(st.one_of(st.none(), st.integers(-3, 5))),
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(garbage_workbooks(), st.one_of(st.none(), st.sets(st.text(max_size=5), max_size=3)))
def test_garbage_of_every_kind_never_raises(raw, known_jobs):
    result = validate_raw(raw, CFG, known_jobs=known_jobs)
    assert all(isinstance(f, Finding) for f in result.findings)
    assert not any(f.rule in ("internal_error", "rule_not_checked", "unreadable") for f in result.findings), \
        [f for f in result.findings if f.rule in ("internal_error", "rule_not_checked", "unreadable")]
    for f in result.findings:
        assert f.message_zh and f.message_en and f.severity in (ERROR, WARNING)
    _ = result.document_key, result.ok


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(list(FORMS)), st.data())
def test_garbage_in_a_clean_form_never_raises(form_id, data):
    header, rows = clean(form_id)
    form = FORMS[form_id]
    for f in form.header:
        if data.draw(st.booleans()):
            header[f.key] = data.draw(garbage)
    for row in rows:
        for f in form.columns:
            if data.draw(st.integers(0, 3)) == 0:
                row[f.key] = data.draw(garbage)
    result = run(form_id, header, rows)
    assert not any(f.rule in ("internal_error", "rule_not_checked", "unreadable") for f in result.findings)


def test_duplicate_version_names_the_other_excel_row():
    header, rows = clean("sign_off")
    rows.append(dict(rows[0]))
    (f,) = [f for f in run("sign_off", header, rows).findings if f.rule == "unique_version"]
    assert f"see also row {TABLE_HEADER_ROW + 1}" in f.message_en and f"另见第 {TABLE_HEADER_ROW + 1} 行" in f.message_zh
    assert f.cell.endswith(str(TABLE_HEADER_ROW + len(rows)))


@pytest.mark.parametrize("typed", ["张伟", " 张 伟 ", "Zhang Wei", "zhang  wei"])
def test_staff_is_kept_as_the_people_name_so_resubmissions_share_a_document_key(typed):
    """A timesheet typed with an alias or stray spaces is the same document as one with the [[people]] name:
    otherwise a corrected resubmission would not supersede the first and its hours would count twice."""
    from adtools.config import config_from_dict

    cfg = config_from_dict({"people": [{"name": "张伟", "email": "zhang.wei@agency.example",
                                        "department": "account", "aliases": ["Zhang Wei"]}]}, base_dir=Path("."))
    header, rows = clean("timesheet")
    header["staff"] = typed
    result = validate_raw(raw_workbook("timesheet", header, rows), cfg)
    assert result.findings == []
    assert result.header.values["staff"] == "张伟"
    assert result.header.raw["staff"] == typed  # what was typed stays visible
    assert result.document_key == "张伟|2026-11-02"


@pytest.mark.parametrize("form_id, where, changes, code, zh, en", [
    ("timesheet", 0, {"date": D(2026, 11, 9)}, "outside_week", "2026-11-02 至 2026-11-08", "2026-11-02 to 2026-11-08"),
    ("media_schedule", 0, {"date": D(2026, 11, 20)}, "outside_flight", "2026-11-01 至 2026-11-15",
     "2026-11-01 to 2026-11-15"),
    ("monitoring", 0, {"date": D(2026, 12, 1)}, "outside_month", "2026-11-01 至 2026-11-30", "2026-11-01 to 2026-11-30"),
    ("work_order", "header", {"signed_on": D(2026, 11, 1)}, "before_issued_at", "2026-11-02 10:30", "2026-11-02 10:30"),
    ("sign_off", 0, {"decided_on": D(2026, 11, 2)}, "before_submitted_on", "2026-11-03", "2026-11-03"),
    ("timesheet", "header", {"week_start": "2026-11-04"}, "not_monday", "星期一是 2026-11-02", "Monday is 2026-11-02"),
    ("timesheet", "header", {"staff": "王五"}, "unknown_staff", "张伟", "张伟"),
    ("media_schedule", 1, {"net": 52000.02}, "net_mismatch", "52000.00", "52000.00"),
])
def test_a_rule_message_names_what_the_value_was_compared_with(form_id, where, changes, code, zh, en):
    """"Not within the week" helps only when it says which week: the message names the bounds."""
    result = run(form_id, *_apply(form_id, where, changes))
    (f,) = [f for f in result.findings if f.rule == code]
    assert zh in f.message_zh and en in f.message_en, f


def test_a_week_start_that_is_no_monday_is_one_finding_not_one_per_row():
    header, rows = clean("timesheet")
    header["week_start"] = "2026-11-04"
    result = run("timesheet", header, rows)
    assert [f.rule for f in result.findings] == ["not_monday"]


# --------------------------------------------------------------------------- the catalog's own code failing
def _unit_price(row):
    return row["amount"] / row["quantity"]


UNIT = Form(
    "unit", "单价表", "Unit prices",
    header=(Field("register_id", "登记表编号", "Register ID", required=True),),
    columns=(
        Field("amount", "金额", "Amount", "money", required=True),
        Field("quantity", "数量", "Quantity", "int", required=True, min=Decimal(0)),
        Field("unit_price", "单价", "Unit price", "decimal", compute=_unit_price, computed_from=("amount", "quantity")),
    ),
    key=("register_id",),
    rules=(RowRule("unit_price_positive", "unit_price", "单价须大于 0", "the unit price must be above 0",
                   lambda row, header, cfg: row.get("unit_price") is None or row["unit_price"] > 0,
                   needs=("unit_price",)),),
)


def _unit_raw(*rows: tuple) -> RawWorkbook:
    cells = [(4 + i, {k: RawCell(v, f"{col}{4 + i}") for k, v, col in zip(("amount", "quantity", "unit_price"), row, "ABC")})
             for i, row in enumerate(rows)]
    return RawWorkbook(path=Path("inbox/单价表.xlsx"), form_id="unit", sheet="单价表",
                       header={"register_id": RawCell("U-1", "C3")}, rows=cells, engine="test")


@pytest.fixture
def unit_form(monkeypatch):
    """The form UNIT, known to the validator as FORMS is."""
    def with_unit(form: Form = UNIT) -> Form:
        monkeypatch.setattr(validate_mod, "FORMS", {**FORMS, form.form_id: form})
        return form
    return with_unit


def test_a_computed_value_the_row_cannot_give_is_a_finding_at_its_cell(unit_form):
    """Zero pieces: no unit price.  The person can fix the quantity or type the price; the row's rules stay quiet."""
    unit_form()
    result = validate_raw(_unit_raw((100, 4, None), (100, 0, None), (0, 0, None)), CFG)
    assert result.rows[0].values["unit_price"] == Decimal(25)
    assert [(f.severity, f.rule, f.cell, f.field) for f in result.findings] == [
        (ERROR, "not_computed", "C5", "unit_price"), (ERROR, "not_computed", "C6", "unit_price")]
    f = result.findings[0]
    assert f.message_zh == "单价：无法由金额、数量计算出结果；请核对这些单元格，或直接填写单价"
    assert f.message_en == "Unit price: cannot be computed from Amount, Quantity; check those cells, or type the Unit price yourself"
    assert result.rows[1].values["unit_price"] is None


def test_a_computed_value_typed_in_is_kept(unit_form):
    unit_form()
    result = validate_raw(_unit_raw((100, 0, 12.5)), CFG)
    assert result.findings == [] and result.rows[0].values["unit_price"] == Decimal("12.5")


def test_a_compute_that_breaks_on_clean_values_is_a_bug_and_raises(unit_form):
    unit_form(dataclasses.replace(UNIT, columns=tuple(
        dataclasses.replace(f, compute=lambda row: row["amount"] + "元") if f.key == "unit_price" else f for f in UNIT.columns)))
    with pytest.raises(SchemaError, match=r"form 'unit': computing 'unit_price' from amount, quantity failed on row 4 "
                                          r"\(TypeError: .*\); fix its compute in the catalog"):
        validate_raw(_unit_raw((100, 4, None)), CFG)


def test_a_rule_that_breaks_on_clean_values_is_a_bug_and_raises(unit_form):
    broken = RowRule("broken", "amount", "坏", "broken", lambda row, header, cfg: row["amount"] > "0", needs=("amount",))
    unit_form(dataclasses.replace(UNIT, rules=(broken,)))
    with pytest.raises(SchemaError, match=r"form 'unit': rule 'broken' failed on row 4 \(TypeError: .*\); fix the rule"):
        validate_raw(_unit_raw((100, 4, None)), CFG)


def test_a_table_rule_that_breaks_or_marks_an_undeclared_field_is_a_bug_and_raises(unit_form):
    unit_form(dataclasses.replace(UNIT, table_rules=(TableRule("total", lambda rows, header, cfg: [1 / 0], ("amount",)),)))
    with pytest.raises(SchemaError, match=r"form 'unit': table rule 'total' failed \(ZeroDivisionError: "):
        validate_raw(_unit_raw((100, 4, None)), CFG)
    marks_quantity = TableRule("total", lambda rows, header, cfg: [Violation("quantity", "多", "too many")], ("amount",))
    unit_form(dataclasses.replace(UNIT, table_rules=(marks_quantity,)))
    with pytest.raises(SchemaError, match=r"table rule 'total' marks field 'quantity', which is not among its fields \(amount\)"):
        validate_raw(_unit_raw((100, 4, None)), CFG)


# --------------------------------------------------------------------------- the memo kept between workbooks
def _memo_cases() -> list[tuple[RawWorkbook, Any]]:
    """Workbooks whose equal cell values mean different things: the same serial number in the
    1900 and 1904 date systems, under two configs; bad and blank cells among them."""
    cases = []
    serial = (date(2026, 11, 10) - date(1904, 1, 1)).days
    other_cfg = CFG.with_overrides(intake=dataclasses.replace(CFG.intake, max_rows=CFG.intake.max_rows + 1))
    for cfg in (CFG, other_cfg):
        for date1904 in (False, True, False):
            header, rows = clean("payments")
            rows[0]["date"] = serial
            rows[1]["amount"] = "abc"
            rows[1]["date"] = None
            cases.append((raw_workbook("payments", header, rows, date1904=date1904), cfg))
    for form_id in FORMS:
        header, rows = clean(form_id)
        cases.append((raw_workbook(form_id, header, rows), CFG))
    return cases


def _seen(result) -> tuple:
    return (repr(result.header), [repr(r) for r in result.rows], [repr(f) for f in result.findings])


def test_values_parsed_for_an_earlier_workbook_give_what_a_fresh_parse_gives(monkeypatch):
    cases = _memo_cases()
    fresh = []
    for raw, cfg in cases:
        monkeypatch.setattr(validate_mod, "_shared", None)
        fresh.append(_seen(validate_raw(raw, cfg)))
    monkeypatch.setattr(validate_mod, "_shared", None)
    kept = [_seen(validate_raw(raw, cfg)) for raw, cfg in cases]
    assert kept == fresh
    assert fresh[0] != fresh[1]  # the 1904 workbook's date is another day: the cases can tell a wrong memo
    assert fresh[1][1][0].count("2026, 11, 10") == 1


def test_the_memo_is_emptied_when_full(monkeypatch):
    monkeypatch.setattr(validate_mod, "_MEMO_MAX", 5)
    monkeypatch.setattr(validate_mod, "_shared", None)
    header, rows = clean("timesheet")
    for _ in range(3):
        validate_raw(raw_workbook("timesheet", header, rows), CFG)
        assert len(validate_mod._shared[2]) <= 5 + len(rows) * len(FORMS["timesheet"].fields)


def test_a_value_kept_as_found_is_the_object_found():
    """Sent to the ingest once, not twice (the results are pickled back from the reading processes)."""
    header, rows = clean("timesheet")
    result = validate_raw(raw_workbook("timesheet", header, rows), CFG)
    first = result.rows[0]
    shared = [k for k in first.values if first.values[k] is first.raw[k]]
    assert shared == ["job_no", "description"]  # the date is a datetime made a date, the hours a Decimal
    assert all(first.values[k] == first.raw[k] for k in shared)
