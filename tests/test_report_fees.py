"""The fee statement workbook: sheets, exact figures, source cells, budget colours, mail body, same bytes twice."""
from __future__ import annotations

import re

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from adtools.fees import fee_statement
from adtools.ledger import frames
from adtools.reports.fees import build_fees, render_fees
from golden_xlsx import check_golden

from tests.test_fees import JOB_A, JOB_B, cost_frame, make_cfg, sign_off_frame, ts_frame

D = Decimal
JOB_C = "HRFR-2026-003"
SHEETS = ["汇总 Summary", "收费明细 Lines", "工时明细 Hours detail", "员工工时 Hours by staff",
          "预算对比 Estimate vs actual", "缺交工时表 Missing timesheets", "注意 Warnings"]
AMBER, RED = "FFFFE699", "FFF8CBAD"


def statement_frames():
    zhang = ts_frame([
        ("张伟", "2026-11-02", JOB_A, "print_creative", "2.5"),   # D7: 2.5 x 800 = 2000.00
        ("张伟", "2026-11-03", JOB_A, "print_artwork", "4"),      # D8: 4 x 300 = 1200.00
        ("张伟", "2026-11-04", None, "non_billable", "3"),        # D9: never charged
    ])
    wang = ts_frame([
        ("王芳", "2026-11-04", JOB_B, "tv_radio_creative", "0.75"),  # D7: 750.00
        ("王芳", "2026-11-10", JOB_C, "pop_artwork", "0.5"),        # D8: 125.00
    ], file="timesheets/王芳_2026-11-02.xlsx")
    costs = cost_frame([
        {"date": "2026-11-05", "cost_type": "photography", "amount": "1234.56", "vendor": "=HYPERLINK(\"http://x\",\"y\")"},
        {"date": "2026-11-06", "cost_type": "postage", "amount": "45.00"},
        # colour proof at twice the base area: 380 x 2 x 2 pieces = 1520.00
        {"date": "2026-11-10", "cost_type": "film", "film_kind": "colour_proof", "width_cm": "42", "height_cm": "29.7",
         "quantity": 2},
    ])
    sign_offs = sign_off_frame([
        (JOB_A, "design_quote", 1, "approved", "2026-10-01", "7000.00"),  # 6359.53 / 7000 = 90.85 %: amber
        (JOB_B, "design_quote", 1, "approved", "2026-10-01", "500.00"),   # 795.00 > 500: red
        (JOB_C, "design_quote", 1, "approved", "2026-10-01", "1000.00"),  # 13.25 %: ok
    ])
    return pd.concat([zhang, wang], ignore_index=True), costs, sign_offs


@pytest.fixture
def cfg(tmp_path):
    return make_cfg(tmp_path)


@pytest.fixture
def statement(cfg):
    ts, costs, so = statement_frames()
    return fee_statement(ts, costs, so, cfg, "2026-11")


@pytest.fixture
def report(cfg, statement, tmp_path):
    return render_fees(cfg, statement, tmp_path / "out")


@pytest.fixture
def statement_path(report):
    return report.files[0]


@pytest.fixture
def book(report):
    return openpyxl.load_workbook(report.files[0])


def dec(value) -> Decimal | None:
    """A number cell back as Decimal to the fen (the workbook stores a double for display)."""
    return None if value is None else D(str(value)).quantize(D("0.01"))


def header_row(ws) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if isinstance(row[0].value, str) and "\n" in row[0].value:
            return row[0].row
    raise AssertionError(f"no header row on {ws.title}")


def table(ws) -> tuple[list[str], list[dict]]:
    """Header keys (the English half of each header) and the data rows below until an empty first cell."""
    h = header_row(ws)
    heads = [c.value.split("\n")[1] for c in ws[h] if c.value]
    rows = []
    for r in ws.iter_rows(min_row=h + 1, max_col=len(heads)):
        if r[0].value is None:
            break
        rows.append({head: c for head, c in zip(heads, r)})
    return heads, rows


# --------------------------------------------------------------------------- sheets and layout
def test_sheets_bilingual_headers_filters_frozen_a4_landscape(book):
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        h = header_row(ws)
        assert ws.freeze_panes == f"A{h + 1}", ws.title
        # a filter on the header: the sheet's own, or its Excel table's (the long lists are tables)
        filters = [ws.auto_filter.ref] + [t.ref for t in ws.tables.values() if t.autoFilter is not None]
        assert any(ref and ref.startswith(f"A{h}:") for ref in filters), ws.title
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        for cell in ws[h]:
            if cell.value is not None:
                zh, en = cell.value.split("\n")
                assert zh and en.isascii(), (ws.title, cell.value)


def test_no_formula_anywhere_user_text_stays_text(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
    _, lines = table(book["收费明细 Lines"])
    vendor = [r["Vendor / description"] for r in lines if r["Category"].value == "摄影 Photography"][0]
    assert vendor.value == '=HYPERLINK("http://x","y")' and vendor.data_type == "s"


# --------------------------------------------------------------------------- figures to the fen
def test_summary_by_job_and_totals_exact(book):
    ws = book["汇总 Summary"]
    _, rows = table(ws)
    got = {r["Job No."].value: [dec(r[k].value) for k in
                                ("Billable hours", "Hours fee", "Film", "Out-of-pocket costs", "Postage", "Subtotal", "Tax", "Total")]
           for r in rows if r["Job No."].value != "合计 Total"}
    assert got == {
        # 5999.56 x 0.06 = 359.9736 -> 359.97
        JOB_A: [D("6.50"), D("3200.00"), D("1520.00"), D("1234.56"), D("45.00"), D("5999.56"), D("359.97"), D("6359.53")],
        JOB_B: [D("0.75"), D("750.00"), D("0.00"), D("0.00"), D("0.00"), D("750.00"), D("45.00"), D("795.00")],
        JOB_C: [D("0.50"), D("125.00"), D("0.00"), D("0.00"), D("0.00"), D("125.00"), D("7.50"), D("132.50")],
    }
    total = rows[-1]
    assert total["Job No."].value == "合计 Total"
    assert [dec(total[k].value) for k in ("Billable hours", "Hours fee", "Subtotal", "Tax", "Total")] == [
        D("7.75"), D("4075.00"), D("6874.56"), D("412.47"), D("7287.03")]
    assert all(total[k].data_type == "n" for k in ("Subtotal", "Tax", "Total"))
    assert total["Total"].font.b
    assert total["Total"].number_format == '"¥"#,##0.00'
    # the autofilter stops above the totals row, so sorting leaves the totals where they are
    assert ws.auto_filter.ref.endswith(str(total["Total"].row - 1))


def test_summary_key_figures(book):
    ws = book["汇总 Summary"]
    # 5 weeks x 2 people, less 张伟 and 王芳 in the week of 11-02 and 王芳 in the week of 11-09
    figures = {r[0].value: r[-1].value for r in ws.iter_rows(max_col=9) if r[0].value and r[-1].value is not None
               and isinstance(r[0].value, str) and r[0].value[:2] in ("非计", "缺交", "超出")}
    assert figures == {"非计费工时 Non-billable hours": 3, "缺交工时表（人·周）Missing timesheets (person-weeks)": 7,
                       "超出确认报价的工作 Jobs over their approved quote": 1}
    assert "税率 Tax rate 6%" in ws["A2"].value


def test_every_line_with_its_source_cells(book, statement):
    _, rows = table(book["收费明细 Lines"])
    lines = [r for r in rows if r["Line"].value != "合计 Total"]
    assert len(lines) == len(statement.lines) == 7
    for r in lines:
        assert r["Source cells"].value, f"line {r['Line'].value} has no source"
    by = {(r["Job No."].value, r["Category"].value): r for r in lines}
    pc = by[(JOB_A, "平面创意 Print creative")]
    assert (dec(pc["Hours"].value), dec(pc["Rate (RMB/h)"].value), dec(pc["Charged"].value)) == (D("2.50"), D("800.00"), D("2000.00"))
    assert pc["Source cells"].value == "[timesheets/张伟_2026-11-02.xlsx]工时表!D7"
    assert pc["Line type"].value == "工时 Hours"
    photo = by[(JOB_A, "摄影 Photography")]
    assert photo["Source cells"].value == "[costs/成本2026.xlsx]外付成本登记!I5"
    assert photo["Date"].value.date() == date(2026, 11, 5)
    assert dec(photo["Actual amount"].value) == D("1234.56")
    film = by[(JOB_A, "彩色打样 Colour proof")]
    assert (dec(film["Charged"].value), film["Qty"].value) == (D("1520.00"), 2)
    assert film["Source cells"].value == "[costs/成本2026.xlsx]外付成本登记!F7"
    assert by[(JOB_C, "POP及促销品完稿 POP / promotional finished art")]["Source cells"].value == \
        "[timesheets/王芳_2026-11-02.xlsx]工时表!D8"
    total = rows[-1]
    assert total["Line"].value == "合计 Total"
    assert dec(total["Charged"].value) == D("6874.56") == statement.totals["subtotal"]
    assert sum(dec(r["Charged"].value) for r in lines) == D("6874.56")


def test_hours_detail_every_timesheet_row(book):
    _, rows = table(book["工时明细 Hours detail"])
    assert len(rows) == 5
    sources = {r["Source"].value: r for r in rows}
    nb = sources["[timesheets/张伟_2026-11-02.xlsx]工时表!D9"]
    assert nb["Category"].value == "非计费 Non-billable" and nb["Billable"].value == "否 No"
    assert nb["Charged on line"].value is None and nb["Rate (RMB/h)"].value is None
    tv = sources["[timesheets/王芳_2026-11-02.xlsx]工时表!D7"]
    assert (tv["Staff"].value, dec(tv["Hours"].value), tv["Billable"].value) == ("王芳", D("0.75"), "是 Yes")
    _, lines = table(book["收费明细 Lines"])
    line_of = {r["Line"].value: r for r in lines}
    assert line_of[tv["Charged on line"].value]["Category"].value == "电视及广播创意 TV / radio creative"


def test_hours_by_staff_with_billable_share(book):
    heads, rows = table(book["员工工时 Hours by staff"])
    assert heads[0] == "Staff" and heads[-3:] == ["Total hours", "Billable hours", "Billable share"]
    assert "Non-billable" in heads and "Print creative" in heads
    staff = {r["Staff"].value: r for r in rows}
    z = staff["张伟"]
    assert (dec(z["Print creative"].value), dec(z["Non-billable"].value), dec(z["Total hours"].value),
            dec(z["Billable hours"].value)) == (D("2.50"), D("3.00"), D("9.50"), D("6.50"))
    assert D(str(z["Billable share"].value)) == D("0.6842")  # 6.5 / 9.5
    assert z["Billable share"].number_format == "0.0%"
    assert D(str(staff["王芳"]["Billable share"].value)) == D("1")


def test_estimate_against_actual_amber_and_red(book):
    _, rows = table(book["预算对比 Estimate vs actual"])
    by = {r["Job No."].value: r for r in rows}
    a, b, c = by[JOB_A], by[JOB_B], by[JOB_C]
    assert (dec(a["Approved quote"].value), dec(a["Billed to date (incl. tax)"].value)) == (D("7000.00"), D("6359.53"))
    assert D(str(a["Share used"].value)) == D("0.9085")
    assert a["Status"].value == "接近报价 Near the approved quote"
    assert b["Status"].value == "超出报价 Over the approved quote" and D(str(b["Share used"].value)) == D("1.59")
    assert c["Status"].value == "正常 OK"
    for row, colour in ((a, AMBER), (b, RED)):
        for cell in row.values():
            assert cell.fill.fgColor.rgb == colour, (cell.coordinate, cell.fill.fgColor.rgb)
    assert all(cell.fill.fill_type is None for cell in c.values())


def test_missing_timesheets_and_warnings_sheets(book, statement):
    _, rows = table(book["缺交工时表 Missing timesheets"])
    got = [(r["Staff"].value, r["Week starting"].value.date(), r["Week ending"].value.date()) for r in rows]
    assert got == [(s, w, date.fromordinal(w.toordinal() + 6)) for s, w in statement.missing_timesheets]
    assert ("张伟", date(2026, 11, 9), date(2026, 11, 15)) in got
    assert rows[0]["Department"].value in ("客户部 Account", "创意部 Creative")
    _, warnings = table(book["注意 Warnings"])
    assert [r["Warning"].value for r in warnings] == list(statement.warnings)
    assert any(JOB_B in r["Warning"].value and "over its approved quote" in r["Warning"].value for r in warnings)


# --------------------------------------------------------------------------- the report result and mail body
def test_report_result(cfg, statement, report):
    assert report.key == "fees" and report.period == "2026-11"
    assert report.subject == "【收费清单 Fees】海尔冰箱 收费清单 2026-11"
    assert report.data == statement.to_json()
    assert report.data["totals"]["total"] == "7287.03"
    assert report.files[0].name == "收费清单_fees_2026-11.xlsx"
    assert report.warnings == statement.warnings


def test_mail_body_key_figures(report):
    html, text = report.html, report.text
    assert "style=" in html and "<style" not in html  # inline styles only (Outlook)
    for needle in ("¥7,287.03", "¥412.47", "Non-billable hours", "3.00", "Jobs over their approved quote",
                   "Missing timesheets", JOB_B, "超出报价 Over the approved quote", "接近报价 Near the approved quote"):
        assert needle in html, needle
    assert "正常 OK" not in html  # the estimate block lists only jobs near or over their quote (not JOB_C)
    assert "合计（含税） Total incl. tax: ¥7,287.03" in text
    assert "收费工作数 Jobs charged: 3" in text
    assert "缺交工时表（人·周） Missing timesheets (person-weeks): 7" in text
    assert f"超出确认报价的工作 Jobs over their approved quote: 1 ({JOB_B})" in text
    assert "=HYPERLINK" not in html  # vendors are not in the mail body; nothing from a cell is unescaped


def test_default_folder_and_job_statement(cfg):
    ts, costs, so = statement_frames()
    s = fee_statement(ts, costs, so, cfg, "2026-11", job=JOB_B)
    r = render_fees(cfg, s)
    assert r.files[0] == cfg.reports_dir / "fees" / f"收费清单_fees_2026-11_{JOB_B}.xlsx"
    assert r.files[0].is_file()
    assert r.period == f"2026-11 {JOB_B}"  # not the whole month's idempotency key
    assert JOB_B in r.subject and r.subject.endswith("2026-11")
    _, rows = table(openpyxl.load_workbook(r.files[0])["汇总 Summary"])
    assert [x["Job No."].value for x in rows] == [JOB_B, "合计 Total"]
    assert dec(rows[-1]["Total"].value) == D("795.00")


def test_golden_fee_statement(cfg, tmp_path, monkeypatch):
    """The hand-computed November above, written by build_fees as `adtools report fees` does, as of 2026-12-03."""
    ts, costs, so = statement_frames()
    current = {"timesheet": ts, "costs": costs, "sign_off": so}
    monkeypatch.setattr(frames, "rows", lambda ledger, form_id: current[form_id])  # the ledger's current rows
    report = build_fees(cfg, ledger=None, month="2026-11", as_of=date(2026, 12, 3), out_dir=tmp_path)
    check_golden(report.files[0], "fees_2026-11")
    assert report.data["totals"]["total"] == "7287.03"  # a regenerated golden holds the figures checked above


def test_same_figures_same_bytes(cfg, statement, tmp_path):
    one = render_fees(cfg, statement, tmp_path / "one").files[0].read_bytes()
    two = render_fees(cfg, statement, tmp_path / "two").files[0].read_bytes()
    assert one == two


def test_empty_month(cfg, tmp_path):
    r = render_fees(cfg, fee_statement(None, None, None, cfg, "2026-11"), tmp_path)
    ws = openpyxl.load_workbook(r.files[0])["汇总 Summary"]
    h = header_row(ws)
    assert ws.cell(h + 1, 1).value == "（无 None）"
    assert ws.cell(h + 2, 1).value == "合计 Total" and ws.cell(h + 2, 9).value == 0
    assert r.data["totals"]["total"] == "0.00"


def test_a_long_source_list_is_cut_and_points_to_the_detail(cfg, tmp_path):
    rows = [("张伟", f"2026-11-{d:02d}", JOB_A, "print_creative", "0.25") for d in range(2, 28) for _ in range(12)]
    s = fee_statement(ts_frame(rows), None, None, cfg, "2026-11")
    book = openpyxl.load_workbook(render_fees(cfg, s, tmp_path).files[0])
    _, lines = table(book["收费明细 Lines"])
    text = lines[0]["Source cells"].value
    assert len(text) < 32767 and "see Hours detail" in text
    assert lines[0]["Source rows"].value == len(rows)
    _, detail = table(book["工时明细 Hours detail"])
    assert len(detail) == len(rows)


def test_month_path_name(cfg):
    from adtools.reports.fees import fees_path

    assert fees_path(cfg, "2026-11", "A/B:1") == cfg.reports_dir / "fees" / "收费清单_fees_2026-11_A_B_1.xlsx"
    assert fees_path(cfg, "2026-11", out_dir=Path("x")) == Path("x") / "收费清单_fees_2026-11.xlsx"


# --------------------------------------------------------------------------- pictures
def test_long_lists_are_excel_tables_with_bilingual_headers(book):
    for name in ("收费明细 Lines", "工时明细 Hours detail"):
        ws = book[name]
        (table,) = ws.tables.values()
        h = header_row(ws)
        assert table.ref.startswith(f"A{h}:") and table.autoFilter is not None
        assert [c.name for c in table.tableColumns][:2] == [ws.cell(h, 1).value, ws.cell(h, 2).value]


def test_hours_by_staff_and_by_category_are_native_bar_charts(statement_path):
    from zipfile import ZipFile

    with ZipFile(statement_path) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        xml = [z.read(n).decode("utf-8") for n in charts]
    assert len(charts) == 2
    staff, category = xml
    assert 'barDir val="bar"' in staff and "员工工时 Hours by staff" in staff and 'grouping val="stacked"' in staff
    assert 'barDir val="bar"' in category and "按类别 Hours by category" in category
    # the charts read the table on the same sheet: no numbers of their own
    assert "'员工工时 Hours by staff'!$B$" in staff and "'员工工时 Hours by staff'!$A$" in category


def test_budget_share_has_data_bars_in_the_status_colour(statement_path, statement):
    from zipfile import ZipFile

    with ZipFile(statement_path) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    bars = [x for x in sheets if "<dataBar" in x]
    assert len(bars) == 1
    colours = {"ok": "FF5B9BD5", "warning": "FFFFC000", "over": "FFE06666"}
    want = [colours[s] for s, share in zip(statement.budget["status"], statement.budget["share"]) if share is not None]
    assert want and re.findall(r'<color rgb="(FF[0-9A-F]{6})"/></dataBar>', bars[0]) == want


def test_mail_body_greets_says_what_is_attached_and_signs_with_money_right_aligned(cfg, report):
    html, text = report.html, report.text
    assert "您好" in html and "Dear colleagues" in html
    assert "收费清单_fees_2026-11.xlsx" in html and "Attached is the fee statement for 2026-11" in text
    assert cfg.mail.sender in html and cfg.mail.sender in text and "reply to this mail" in html
    from adtools.money import fmt_money

    total = fmt_money(report_total(report))
    assert re.search(rf'<td align="right"[^>]*text-align:right;[^>]*>{re.escape(total)}</td>', html)


def report_total(report):
    return D(report.data["totals"]["total"])
