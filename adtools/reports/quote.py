"""The client-facing priced quote (报价单): one A4 page to print, sign and return.

The manual lets the next step start only after the client's written approval of
every quote, so the page ends with a signature block (客户确认签字 / Client
approval, 日期 / Date).  Figures come from `adtools.fees.price_quote`; this
module only lays them out.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import Finding, InputError
from ..fees import PricedLine, PricedQuote, price_quote
from ..money import fmt2
from ._labels import LINE_TYPE_LABELS, QUOTE_TYPE_LABELS, category_label, label
from ._text import file_part, percent, plain
from .xlsx import ReportWorkbook, row_points, text_lines

if TYPE_CHECKING:
    from ..config import Config
    from ..forms.schema import FormResult

__all__ = ["InvalidQuoteError", "render_quote", "price_quote_file", "price_quote_result", "quote_path"]

log = logging.getLogger("adtools.reports.quote")

_WIDTHS = (5, 12, 22, 28, 22, 14, 15)  # A..G: No, type, category, description, quantity, unit price, amount
_LAST_COL = len(_WIDTHS) - 1


class InvalidQuoteError(InputError):
    """A quote workbook that cannot be priced: not a quote, or with errors; `findings` says where."""

    def __init__(self, message: str, findings: Sequence[Finding] = (), path: Path | None = None):
        super().__init__(message)
        self.findings = tuple(findings)
        self.path = path


def quote_path(cfg: "Config", priced: PricedQuote, out_dir: Path | None = None) -> Path:
    """`<reports>/quotes/报价单_quote_HRFR-2026-001_production_v2.xlsx`."""
    folder = Path(out_dir) if out_dir is not None else cfg.reports_dir / "quotes"
    job = file_part(priced.job_no, "quote")
    return folder / f"报价单_quote_{job}_{priced.quote_type}_v{priced.version}.xlsx"


def _quantity_text(line: PricedLine) -> str:
    if line.line_type == "hours":
        return f"{fmt2(line.hours)} 小时 h" if line.hours is not None else ""
    if line.line_type == "film":
        return f"{plain(line.width_cm)} × {plain(line.height_cm)} cm × {line.quantity} 张 pcs"
    return ""


def render_quote(cfg: "Config", priced: PricedQuote, out_path: Path) -> Path:
    """Write the priced quote as a one-page A4 portrait workbook ready to print and sign; return its path."""
    out_path = Path(out_path)
    title = f"报价单 Quote {priced.job_no} v{priced.version}"
    with ReportWorkbook(out_path, title=title, author=cfg.agency.name) as wb:
        ws = wb.sheet("报价单 Quote", landscape=False)
        for c, w in enumerate(_WIDTHS):
            ws.set_column(c, c, w)
        thin = {"border": 1, "valign": "vcenter", "text_wrap": True}
        f_agency = wb.fmt(bold=True, font_size=16, align="center", valign="vcenter")
        f_title = wb.fmt(bold=True, font_size=20, align="center", valign="vcenter")
        f_label = wb.fmt(bold=True, valign="vcenter")
        f_value = wb.fmt(valign="vcenter", bottom=1)
        f_date = wb.kind_fmt("date", valign="vcenter", bottom=1, align="left")
        f_int = wb.kind_fmt("int", valign="vcenter", bottom=1, align="left")
        f_head = wb.fmt(bold=True, text_wrap=True, valign="vcenter", align="center", bg_color="#DDEBF7", border=1)
        f_cell = wb.fmt(**thin)
        f_int_cell = wb.kind_fmt("int", **thin, align="center")
        f_money = wb.kind_fmt("money", **thin)
        f_sum_label = wb.fmt(bold=True, align="right", valign="vcenter")
        f_sum = wb.kind_fmt("money", border=1, valign="vcenter")
        f_total = wb.kind_fmt("money", bold=True, top=1, bottom=6, left=1, right=1, valign="vcenter")
        f_note = wb.fmt(italic=True, font_color="#555555", text_wrap=True, valign="top")

        def cell(row: int, col: int, value: Any, kind: str, fmt) -> None:  # noqa: ANN001
            wb.write(ws, row, col, None if value == "" else value, kind, fmt)  # user text as a string, never a formula

        def merged(row: int, first: int, last: int, value: Any, kind: str, fmt) -> None:  # noqa: ANN001
            ws.merge_range(row, first, row, last, None, fmt)
            cell(row, first, value, kind, fmt)

        r = 0
        merged(r, 0, _LAST_COL, cfg.agency.name, "text", f_agency)
        ws.set_row(r, 26)
        r += 1
        merged(r, 0, _LAST_COL, "报价单 Quote", "text", f_title)
        ws.set_row(r, 32)
        r += 2
        valid_until = priced.quote_date + timedelta(days=cfg.fees.quote_valid_days)
        info = (
            (("报价单号 Quote No.", priced.number, "text", f_value), ("报价日期 Date", priced.quote_date, "date", f_date)),
            (("客户 Client", cfg.client.name, "text", f_value), ("有效期至 Valid until", valid_until, "date", f_date)),
            (("工作编号 Job No.", priced.job_no, "text", f_value), ("版本 Version", priced.version, "int", f_int)),
            (("报价类型 Quote type", label(QUOTE_TYPE_LABELS, priced.quote_type), "text", f_value),
             ("制表人 Prepared by", priced.prepared_by, "text", f_value)),
            (("代理公司 Agency", cfg.agency.name, "text", f_value), ("币种 Currency", "人民币 RMB (CNY)", "text", f_value)),
        )
        for left, right in info:
            merged(r, 0, 1, left[0], "text", f_label)
            merged(r, 2, 3, left[1], left[2], left[3])
            wb.write(ws, r, 4, right[0], "text", f_label)
            merged(r, 5, 6, right[1], right[2], right[3])
            ws.set_row(r, 20)
            r += 1
        r += 1

        header_row = r
        headers = ("序号\nNo.", "类型\nType", "类别\nCategory", "说明\nDescription", "小时/尺寸/数量\nHours / size / qty",
                   "单价\nUnit price", "金额\nAmount")
        for c, h in enumerate(headers):
            ws.write_string(r, c, h, f_head)
        ws.set_row(r, 32)
        r += 1
        for i, line in enumerate(priced.lines, 1):
            cell(r, 0, i, "int", f_int_cell)
            texts = (label(LINE_TYPE_LABELS, line.line_type), category_label(line.line_type, line.category),
                     line.description, _quantity_text(line))
            for c, text in enumerate(texts, 1):
                cell(r, c, text, "text", f_cell)
            cell(r, 5, line.unit_price, "money", f_money)
            cell(r, 6, line.amount, "money", f_money)
            tall = max(text_lines(t, _WIDTHS[c]) for c, t in enumerate(texts, 1))
            if tall > 1:  # wrapped text: Excel and WPS do not grow a row written by a program
                ws.set_row(r, row_points(tall))
            r += 1
        if not priced.lines:
            merged(r, 0, _LAST_COL, "（无 None）", "text", f_cell)
            r += 1

        for text, value, fmt in (
            ("小计 Subtotal", priced.subtotal, f_sum),
            (f"税金 Tax ({percent(cfg.fees.tax_rate)})", priced.tax, f_sum),
            ("合计 Total", priced.total, f_total),
        ):
            merged(r, 3, 5, text, "text", f_sum_label)
            wb.write(ws, r, 6, value, "money", fmt)
            ws.set_row(r, 20)
            r += 1
        r += 1

        notes = []
        kinds = {ln.line_type for ln in priced.lines}
        if "hours" in kinds:
            notes.append("工时按报价日有效的费率计算。 / Hours are priced at the rates in force on the quote date.")
        if "film" in kinds:
            notes.append(
                f"软片单价为该尺寸每张价格：基准尺寸 {plain(cfg.film.base_width_cm)} × {plain(cfg.film.base_height_cm)} cm "
                f"每张按收费标准，其他尺寸按面积折算。 / Film unit price is per piece at the line's size: the fee standard's "
                f"price at the base size {plain(cfg.film.base_width_cm)} × {plain(cfg.film.base_height_cm)} cm, "
                "pro rata by area."
            )
        if "cost" in kinds:
            if cfg.fees.oop_markup:
                notes.append(f"外付成本按实际成本加 {percent(cfg.fees.oop_markup)} 计。 / Out-of-pocket costs at actual cost "
                             f"plus {percent(cfg.fees.oop_markup)}.")
            else:
                notes.append("外付成本按实际成本计。 / Out-of-pocket costs at actual cost.")
        if "postage" in kinds:
            notes.append("邮寄费按实际发生计。 / Postage at cost.")
        notes.append(f"本报价自报价日起 {cfg.fees.quote_valid_days} 天内有效（至 {valid_until.isoformat()}）。 / This quote "
                     f"is valid for {cfg.fees.quote_valid_days} days from its date (until {valid_until.isoformat()}).")
        notes.append(f"付款条件：收到发票后 {cfg.fees.quote_payment_days} 天内付款。 / Payment terms: within "
                     f"{cfg.fees.quote_payment_days} days of the invoice.")
        for n in notes:
            merged(r, 0, _LAST_COL, n, "text", f_note)
            ws.set_row(r, max(30, row_points(text_lines(n, sum(_WIDTHS) - 4) + 1)))  # a wrapped note keeps clear of the next
            r += 1
        r += 1

        merged(r, 0, _LAST_COL, "客户确认 Client approval", "text", wb.fmt(bold=True, font_size=12))
        r += 1
        merged(r, 0, _LAST_COL,
               "经客户书面确认后方可进行下一步工作。请签字确认后交回。 / The next step starts only after the client's "
               "written approval. Please sign and return.", "text", f_note)
        ws.set_row(r, 30)
        r += 2
        f_box_label = wb.fmt(bold=True, valign="top", align="left", text_wrap=True, top=1, left=1, right=1)
        f_box = wb.fmt(left=1, right=1, bottom=1)
        f_box_line = wb.fmt(valign="bottom", left=1, right=1, bottom=1, font_color="#555555", text_wrap=True)
        top = r
        for first, last, who in ((0, 2, "客户签字及盖章 Client's signature and seal"),
                                 (4, 6, f"代理公司签字及盖章 Agency's signature and seal\n{cfg.agency.name}")):
            ws.merge_range(top, first, top, last, "", f_box_label)
            cell(top, first, who, "text", f_box_label)
            ws.merge_range(top + 1, first, top + 3, last, "", f_box)  # room for the signature and the company seal
            ws.merge_range(top + 4, first, top + 4, last, "", f_box_line)
            cell(top + 4, first, "签字人 Name：            日期 Date：", "text", f_box_line)
        ws.set_row(top, 32)
        for k in range(1, 4):
            ws.set_row(top + k, 28)
        ws.set_row(top + 4, 22)
        r = top + 6

        ws.print_area(0, 0, r - 1, _LAST_COL)
        ws.repeat_rows(header_row)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        ws.set_footer(f"&L{_footer_text(f'{cfg.agency.name} · {priced.job_no} v{priced.version}')}&R&P / &N")
    log.info("priced quote %s v%s written to %s", priced.job_no, priced.version, out_path)
    return out_path


def _footer_text(text: str) -> str:
    """Header/footer codes start with &: a literal ampersand is doubled."""
    return text.replace("&", "&&")


def price_quote_result(cfg: "Config", result: "FormResult", *, out: Path | None = None) -> tuple[PricedQuote, Path]:
    """Price a validated quote workbook's FormResult and write the client-facing quote.

    Raises InvalidQuoteError (an InputError) carrying the findings when the workbook
    is not a quote or has errors; its warnings are added to the PricedQuote's.
    """
    path = Path(result.path)
    if result.form_id != "quote":
        what = result.form_id or "不是已知表格 not a known form"
        raise InvalidQuoteError(
            f"不是报价单 / {path.name} is not a quote (found: {what}). Rule: only a filled-in 报价单 Quote "
            "workbook can be priced. Fix: use the quote template (workbooks/templates/quote.xlsx).",
            result.findings, path,
        )
    if not result.ok or result.header is None:
        n = len(result.errors)
        raise InvalidQuoteError(
            f"报价单有 {n} 处错误，未计价 / {path.name} has {n} error(s) and was not priced. "
            "Fix: correct the cells listed and run it again.",
            result.findings, path,
        )
    priced = price_quote(result.header.values, [rec.values for rec in result.rows], cfg)
    extra = tuple(f"{f.where}: {f.message_zh} / {f.message_en}" for f in result.warnings)
    if extra:
        priced = replace(priced, warnings=priced.warnings + extra)
    target = Path(out) if out is not None else quote_path(cfg, priced)
    return priced, render_quote(cfg, priced, target)


def price_quote_file(cfg: "Config", path: Path, *, out: Path | None = None) -> tuple[PricedQuote, Path]:
    """Validate a filled-in quote workbook, price it and write the client-facing quote (see price_quote_result)."""
    from ..forms.validate import validate_file

    return price_quote_result(cfg, validate_file(Path(path), cfg), out=out)
