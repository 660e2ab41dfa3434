"""The client-facing priced quote: figures to the fen, signature block, A4 portrait, refusal of bad workbooks."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from adtools.errors import ERROR, WARNING, Finding, InputError
from adtools import clock
from adtools.fees import price_quote
from adtools.forms.catalog import FORMS
from adtools.forms.fill import fill_workbook
from adtools.reports.quote import InvalidQuoteError, price_quote_file, price_quote_result, quote_path, render_quote
from golden_xlsx import check_golden

from tests._ledger_support import form_result
from tests.test_fees import JOB_A, make_cfg

D = Decimal
HEADER = {"job_no": JOB_A, "quote_type": "production", "version": 2, "prepared_by": "李娜", "quote_date": date(2026, 11, 20)}
LINES = [
    {"line_type": "hours", "category": "print_creative", "hours": D("10.5"), "quantity": 1, "description": "主视觉 Key visual"},
    {"line_type": "film", "category": "colour_proof", "width_cm": D("21"), "height_cm": D("29.7"), "quantity": 4},
    {"line_type": "cost", "category": "photography", "amount": D("3000.05"), "description": '=HYPERLINK("http://x","棚拍")'},
    {"line_type": "postage", "category": None, "amount": D("60.00")},
]


@pytest.fixture
def cfg(tmp_path):
    return make_cfg(tmp_path, fees={"oop_markup": D("0.1")})


@pytest.fixture
def priced(cfg):
    return price_quote(HEADER, LINES, cfg)


@pytest.fixture
def sheet(cfg, priced, tmp_path):
    path = render_quote(cfg, priced, tmp_path / "quote.xlsx")
    return openpyxl.load_workbook(path).active


def dec(value) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


def find(ws, text: str):
    """The first cell whose text starts with `text`."""
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith(text):
                return c
    raise AssertionError(f"{text!r} not on the sheet")


def right_of(ws, cell, cols: int = 1):
    return ws.cell(cell.row, cell.column + cols)


def test_title_agency_client_and_header_fields(sheet, cfg):
    assert sheet.title == "报价单 Quote"
    assert sheet["A1"].value == cfg.agency.name and sheet["A2"].value == "报价单 Quote"
    assert right_of(sheet, find(sheet, "客户 Client"), 2).value == "海尔 Haier"
    assert right_of(sheet, find(sheet, "工作编号 Job No."), 2).value == JOB_A
    assert right_of(sheet, find(sheet, "报价类型 Quote type"), 2).value == "制作报价 Production quote"
    assert right_of(sheet, find(sheet, "版本 Version")).value == 2
    assert right_of(sheet, find(sheet, "报价日期 Date")).value.date() == date(2026, 11, 20)
    assert right_of(sheet, find(sheet, "制表人 Prepared by")).value == "李娜"


def test_lines_and_totals_exact(sheet):
    head = find(sheet, "序号\nNo.")
    rows = [[c.value for c in sheet[head.row + i]][:7] for i in range(1, 5)]
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert [r[1] for r in rows] == ["工时 Hours", "软片 Film", "外付成本 Out-of-pocket cost", "邮寄费 Postage"]
    assert [r[2] for r in rows] == ["平面创意 Print creative", "彩色打样 Colour proof", "摄影 Photography", None]
    assert [r[4] for r in rows] == ["10.50 小时 h", "21 × 29.7 cm × 4 张 pcs", None, None]
    assert [None if r[5] is None else dec(r[5]) for r in rows] == [D("800.00"), D("380.00"), None, None]
    # 10.5 x 800; 380 x 4 at the base size; 3000.05 x 1.1 = 3300.055 -> 3300.06; postage at cost
    assert [dec(r[6]) for r in rows] == [D("8400.00"), D("1520.00"), D("3300.06"), D("60.00")]
    assert right_of(sheet, find(sheet, "小计 Subtotal"), 3).value is not None
    figures = {label: dec(sheet.cell(find(sheet, label).row, 7).value) for label in ("小计 Subtotal", "税金 Tax", "合计 Total")}
    assert figures == {"小计 Subtotal": D("13280.06"), "税金 Tax": D("796.80"), "合计 Total": D("14076.86")}  # 796.8036
    assert find(sheet, "税金 Tax").value == "税金 Tax (6%)"
    total = sheet.cell(find(sheet, "合计 Total").row, 7)
    assert total.font.b and total.number_format == '"¥"#,##0.00' and total.data_type == "n"


def test_user_text_is_never_a_formula(sheet):
    cell = find(sheet, "=HYPERLINK")
    assert cell.data_type == "s"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_pricing_notes(sheet):
    assert "pro rata by area" in find(sheet, "软片单价").value
    assert find(sheet, "外付成本按实际成本加 10%").value.endswith("plus 10%.")


def test_signature_and_seal_boxes(sheet):
    """The client signs and seals in a framed box; the agency beside it; each with a line for name and date."""
    client = find(sheet, "客户签字及盖章 Client's signature and seal")
    assert "written approval" in find(sheet, "经客户书面确认后方可进行下一步工作").value
    merged = {str(r) for r in sheet.merged_cells.ranges}
    r = client.row
    assert {f"A{r}:C{r}", f"A{r + 1}:C{r + 3}", f"A{r + 4}:C{r + 4}"} <= merged  # label, the box, name and date
    assert sheet.cell(r + 1, 1).border.left.style == "thin" and sheet.cell(r + 4, 1).border.bottom.style == "thin"
    assert sum(sheet.row_dimensions[r + k].height for k in (1, 2, 3)) >= 80  # room for a company seal
    assert sheet.cell(r + 4, 1).value.startswith("签字人 Name")
    agency = sheet.cell(r, 5)
    assert agency.value.startswith("代理公司签字及盖章 Agency's signature and seal") and "恒美广告 DDB" in agency.value


def test_quote_number_validity_and_payment_terms(sheet, priced):
    assert find(sheet, "报价单号 Quote No.").offset(0, 2).value == "QT-HRFR-2026-001-PRODUCTION-V2" == priced.number
    valid = find(sheet, "有效期至 Valid until")
    assert valid.offset(0, 1).value.date() == priced.quote_date + timedelta(days=30)
    assert "valid for 30 days" in find(sheet, "本报价自报价日起 30 天内有效").value
    assert "within 30 days of the invoice" in find(sheet, "付款条件").value


def test_a4_portrait_fit_to_width_print_area_margins(sheet):
    ps = sheet.page_setup
    assert ps.paperSize == 9 and ps.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and ps.fitToHeight == 0 and ps.fitToWidth in (None, 1)
    last = find(sheet, "客户签字及盖章 Client's signature and seal").row + 4
    assert sheet.print_area == f"'报价单 Quote'!$A$1:$G${last + 1}"
    assert sheet.print_title_rows == f"${find(sheet, '序号').row}:${find(sheet, '序号').row}"
    assert sheet.print_options.horizontalCentered
    assert sheet.page_margins.left == 0.5 and sheet.page_margins.bottom == 0.7


def test_golden_priced_quote(cfg, tmp_path):
    """The quote above filled into the template, read, validated and priced as `adtools quote price` does."""
    lines = [dict(line, description="棚拍 Studio shoot") if line["line_type"] == "cost" else line for line in LINES]
    src = fill_workbook(FORMS["quote"], cfg, HEADER, lines, tmp_path / "报价单.xlsx", author="李娜",
                        saved_at=datetime(2026, 11, 20, 9, 30))
    with clock.pinned(datetime(2026, 11, 20, 10, 0, tzinfo=cfg.tz)):
        priced, path = price_quote_file(cfg, src, out=tmp_path / "out" / "quote.xlsx")
    check_golden(path, "quote_HRFR-2026-001_production_v2")
    assert priced.total == D("14076.86")  # a regenerated golden holds the figures checked above


def test_same_quote_same_bytes(cfg, priced, tmp_path):
    a = render_quote(cfg, priced, tmp_path / "a.xlsx").read_bytes()
    b = render_quote(cfg, priced, tmp_path / "b.xlsx").read_bytes()
    assert a == b


# --------------------------------------------------------------------------- from a validated workbook
def quote_result(rows=LINES, findings=(), form_id="quote"):
    result = form_result("quote", HEADER, [{k: v for k, v in r.items() if v is not None} for r in rows],
                         path=Path("inbox/报价单.xlsx"))
    result.findings.extend(findings)
    if form_id != "quote":
        result.form_id = form_id
    return result


def test_price_quote_result_writes_the_default_path(cfg):
    warn = Finding(WARNING, "amount_priced", "工时和软片行的金额由系统计算，请留空", "hours and film lines are priced by the toolkit",
                   file="报价单.xlsx", sheet="报价单", cell="H9", field="amount")
    priced, path = price_quote_result(cfg, quote_result(findings=[warn]))
    assert path == quote_path(cfg, priced) == cfg.reports_dir / "quotes" / f"报价单_quote_{JOB_A}_production_v2.xlsx"
    assert path.is_file()
    assert priced.total == D("14076.86")
    assert any(w.startswith("报价单!H9: ") and "priced by the toolkit" in w for w in priced.warnings)
    out = cfg.base_dir / "mine.xlsx"
    assert price_quote_result(cfg, quote_result(), out=out)[1] == out and out.is_file()


def test_a_quote_with_errors_is_refused_with_its_findings(cfg):
    bad = Finding(ERROR, "required", "缺少小时", "hours are required", file="报价单.xlsx", sheet="报价单", cell="D9", field="hours")
    with pytest.raises(InvalidQuoteError) as info:
        price_quote_result(cfg, quote_result(findings=[bad]))
    assert isinstance(info.value, InputError)
    assert info.value.findings == (bad,)
    assert "1 error(s)" in str(info.value) and "报价单.xlsx" in str(info.value)
    assert not (cfg.reports_dir / "quotes").exists()


def test_a_workbook_that_is_not_a_quote_is_refused(cfg):
    with pytest.raises(InvalidQuoteError, match="is not a quote \\(found: timesheet\\)"):
        price_quote_result(cfg, quote_result(form_id="timesheet"))


def test_a_film_line_shows_the_price_of_one_piece_at_its_size(cfg, tmp_path):
    """42 × 29.7 cm is twice the base size: one piece costs twice the base price, and unit × quantity = amount."""
    film = {"line_type": "film", "category": "bw", "width_cm": D("42"), "height_cm": D("29.7"), "quantity": 2}
    priced = price_quote(HEADER, [film], cfg)
    (line,) = priced.lines
    assert (line.unit_price, line.amount) == (D("240.00"), D("480.00"))
    ws = openpyxl.load_workbook(render_quote(cfg, priced, tmp_path / "q.xlsx")).active
    row = find(ws, "42 × 29.7 cm × 2 张").row
    assert (dec(ws.cell(row, 6).value), dec(ws.cell(row, 7).value)) == (D("240.00"), D("480.00"))
