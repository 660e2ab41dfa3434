"""The reconciliation report (对账报告): workbook, mail body and JSON of a computed Reconciliation.

Every figure comes from `adtools.reconcile.reconcile`; this module renders it: a
one-page summary the client's finance can sign, the prepayment statement with a
native waterfall chart (its numbers in a table beside it), the insertion list with
its status colours and filters, the exceptions, the payment reconciliation list
with ageing, the media invoices ready to pay, every row naming its source cells.
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pandas as pd

from .. import clock
from ..money import fmt_money, from_fen
from ..reconcile import (EXCEPTION_TYPES, FIELDS_READ, STATUSES, Reconciliation, bucket_keys, bucket_labels, reconcile,
                         waterfall)
from ._text import file_part
from .base import ReportResult, report_subject
from .html import Figure, figures_html, figures_text, html_document, paragraph, rows_html
from .xlsx import AMBER, RED, Column, ReportWorkbook

if TYPE_CHECKING:
    from ..config import Config
    from ..ledger.store import Ledger

KEY = "reconciliation"  # this report's key in adtools.registry (its command, recipients, folder and job)

__all__ = ["KEY", "FORMS_READ", "render_reconciliation", "build_reconciliation", "reconciliation_path", "show", "headline"]

log = logging.getLogger("adtools.reports.reconciliation")

#: the forms whose current rows the reconciliation reads
FORMS_READ = ("media_schedule", "monitoring", "media_invoice", "payments", "sign_off", "work_order", "timesheet", "costs")

GREEN = {"bg_color": "#C6EFCE"}
LIGHT_GREEN = {"bg_color": "#E2F0D9"}
GREY = {"bg_color": "#EDEDED"}
_STATUS_COLOURS = {
    "matched": GREEN, "within_tolerance": LIGHT_GREEN, "amount_differs": RED, "invoiced_cancelled": RED,
    "invoiced_not_seen": RED, "ran_not_invoiced": AMBER, "booked_not_seen": AMBER, "cancelled": GREY,
    "not_yet_run": GREY, "seen_not_booked": AMBER, "invoiced_not_booked": RED, "duplicate_invoice": RED,
}
_SIDES = {"receivable": "应收 Receivable", "payable": "应付 Payable"}
_PAY_STATUS = {
    "ready": "可付款 Ready to pay", "on_hold": "暂缓（有异常）On hold (exception)",
    "awaiting_client": "待客户付款 Awaiting the client's money",
}

CAMPAIGN_COLUMNS = (
    Column("campaign", "广告活动", "Campaign", width=26),
    Column("received", "已收预付款", "Received", "money", 14),
    Column("approved", "已确认金额", "Approved", "money", 14),
    Column("booked", "已订位净价", "Booked net", "money", 14),
    Column("ran", "已刊登净价", "Ran net", "money", 14),
    Column("invoiced", "媒体发票", "Invoiced media", "money", 14),
    Column("paid_out", "已付媒体", "Paid to media", "money", 14),
    Column("fees", "服务费及成本", "Fees and costs", "money", 14),
    Column("balance", "余额", "Balance", "money", 14),
)
INSERTION_COLUMNS = (
    Column("status_label", "核对结果", "Status", width=20),
    Column("campaign", "广告活动", "Campaign", width=20),
    Column("flight", "波次", "Flight", width=8),
    Column("media", "媒体", "Media", width=10),
    Column("date", "刊登日期", "Run date", "date", 11),
    Column("size", "规格", "Size", width=9),
    Column("booking_ref", "订位号", "Booking ref", width=15),
    Column("net", "订位净价", "Booked net", "money", 15),
    Column("clipping_ref", "剪报编号", "Clipping ref", width=14),
    Column("invoice_no", "发票号", "Invoice No.", width=12),
    Column("invoiced", "发票金额", "Invoiced", "money", 15),
    Column("difference", "差额", "Difference", "money", 13),
    Column("note", "说明", "Note", width=36),
    Column("source", "订位来源", "Booking source", width=30),
    Column("other_source", "剪报/发票来源", "Clipping / invoice source", width=34),
)
EXCEPTION_COLUMNS = (
    Column("type_label", "异常类型", "Exception", width=20),
    Column("campaign", "广告活动", "Campaign", width=20),
    Column("media", "媒体", "Media", width=10),
    Column("date", "刊登日期", "Run date", "date", 11),
    Column("size", "规格", "Size", width=9),
    Column("booking_ref", "订位号", "Booking ref", width=15),
    Column("clipping_ref", "剪报编号", "Clipping ref", width=14),
    Column("invoice_no", "发票号", "Invoice No.", width=12),
    Column("booked", "订位净价", "Booked net", "money", 13),
    Column("invoiced", "发票金额", "Invoiced", "money", 13),
    Column("difference", "差额", "Difference", "money", 12),
    Column("booking_source", "订位来源", "Booking source", width=30),
    Column("other_source", "剪报/发票来源", "Clipping / invoice source", width=34),
    Column("note", "说明", "Note", width=40),
)
BILL_COLUMNS = (
    Column("party", "往来单位", "Counterparty", width=16),
    Column("side_label", "方向", "Side", width=14),
    Column("bill_date", "开票日期", "Billed on", "date", 11),
    Column("ref", "发票号/项目", "Invoice / item", width=20),
    Column("amount", "金额", "Amount", "money", 13),
    Column("due", "到期日", "Due", "date", 11),
    Column("open", "未结金额", "Open", "money", 13),
    Column("days_past_due", "逾期天数", "Days past due", "int", 9),
    Column("bucket_label", "账龄", "Ageing bucket", width=18),
    Column("source", "来源", "Source", width=36),
)
PAY_COLUMNS = (
    Column("pay_label", "付款建议", "Payment", width=24),
    Column("campaign", "广告活动", "Campaign", width=20),
    Column("counterparty", "媒体", "Media", width=10),
    Column("bill_date", "刊登日期", "Run date", "date", 11),
    Column("ref", "发票号", "Invoice No.", width=12),
    Column("booking_ref", "订位号", "Booking ref", width=15),
    Column("status_label", "核对结果", "Status", width=20),
    Column("open", "未付金额", "Open", "money", 13),
    Column("due", "到期日", "Due", "date", 11),
    Column("source", "来源", "Source", width=36),
)


# --------------------------------------------------------------------------- names
def reconciliation_path(cfg: "Config", as_of: date, campaign: str | None = None, out_dir: Path | None = None) -> Path:
    """`<reports>/reconciliation/对账报告_reconciliation_2026-11-30[_<campaign>].xlsx`."""
    folder = Path(out_dir) if out_dir is not None else cfg.reports_dir / KEY
    suffix = f"_{file_part(campaign, 'campaign')}" if campaign else ""
    return folder / f"对账报告_reconciliation_{as_of.isoformat()}{suffix}.xlsx"


# --------------------------------------------------------------------------- rows
def _m(value: Any):
    """fen -> Decimal yuan for a money cell; None stays blank."""
    return None if value is None or value is pd.NA or pd.isna(value) else from_fen(int(value))


def _label(table: dict[str, tuple[str, str]], key: Any) -> str:
    zh, en = table.get(key, (str(key), str(key)))
    return f"{zh} {en}"


def _records(df: pd.DataFrame, columns: Sequence[Column], *also: str) -> list[dict[str, Any]]:
    """The rows of `df` as dicts of only what a sheet reads: its columns' keys and the fields `also` named."""
    wanted = dict.fromkeys([*(c.key for c in columns), *also])
    return df[[c for c in wanted if c in df.columns]].to_dict("records")


def _insertion_rows(rec: Reconciliation) -> list[dict[str, Any]]:
    rows = []
    for r in _records(rec.insertions, INSERTION_COLUMNS, "status", "net_fen", "invoiced_fen", "difference_fen",
                      "clipping_source", "invoice_sources", "clipping_note", "invoice_note"):
        other = [s for s in (r.get("clipping_source"), *r.get("invoice_sources", ())) if s]
        rows.append({
            **r, "status_label": _label(STATUSES, r["status"]), "net": _m(r["net_fen"]), "invoiced": _m(r["invoiced_fen"]),
            "difference": _m(r["difference_fen"]), "other_source": "\n".join(other),
            "note": "\n".join(n for n in (r.get("clipping_note"), r.get("invoice_note")) if n),
        })
    return rows


def _exception_rows(rec: Reconciliation) -> list[dict[str, Any]]:
    return [{**r, "type_label": _label(EXCEPTION_TYPES, r["type"]), "booked": _m(r["booked_fen"]),
             "invoiced": _m(r["invoiced_fen"]), "difference": _m(r["difference_fen"]),
             "other_source": (r["other_source"] or "").replace("; ", "\n")}
            for r in _records(rec.exceptions, EXCEPTION_COLUMNS, "type", "booked_fen", "invoiced_fen", "difference_fen")]


def _campaign_rows(rec: Reconciliation) -> list[dict[str, Any]]:
    return [{"campaign": r["campaign"], **{k: _m(v) for k, v in r.items() if k != "campaign"}}
            for r in rec.campaigns.to_dict("records")]


def _ageing_columns(rec: Reconciliation) -> tuple[Column, ...]:
    return (
        Column("counterparty", "往来单位", "Counterparty", width=18),
        Column("side_label", "方向", "Side", width=14),
        Column("billed", "应结金额", "Billed", "money", 14),
        Column("settled", "已收/已付", "Received / paid", "money", 14),
        *(Column(k, zh, en, "money", 13) for k, (zh, en) in zip(bucket_keys(rec.buckets), bucket_labels(rec.buckets))),
        Column("outstanding", "未结余额", "Outstanding", "money", 14),
    )


def _ageing_rows(rec: Reconciliation) -> list[dict[str, Any]]:
    keys = bucket_keys(rec.buckets)
    return [{"counterparty": r["counterparty"], "side_label": _SIDES.get(r["side"], r["side"]),
             **{k: _m(r[k]) for k in ("billed", "settled", "outstanding", *keys)}}
            for r in rec.ageing.to_dict("records")]


def _bill_rows(rec: Reconciliation) -> list[dict[str, Any]]:
    labels = dict(zip(bucket_keys(rec.buckets), (f"{zh} {en}" for zh, en in bucket_labels(rec.buckets))))
    bills = rec.bills.sort_values(["side", "party", "due"], ascending=[False, True, True], kind="stable")
    return [{**r, "side_label": _SIDES.get(r["side"], r["side"]), "amount": _m(r["amount_fen"]), "open": _m(r["open_fen"]),
             "bucket_label": labels.get(r["bucket"], "") if r["open_fen"] else "", "source": r.get("source") or "",
             "days_past_due": None if pd.isna(r["days_past_due"]) else int(r["days_past_due"])}
            for r in _records(bills, BILL_COLUMNS, "side", "amount_fen", "open_fen", "bucket")]


def _pay_rows(rec: Reconciliation) -> list[dict[str, Any]]:
    return [{**r, "pay_label": _PAY_STATUS.get(r["pay_status"], r["pay_status"]), "open": _m(r["open_fen"]),
             "status_label": _label(STATUSES, r["status"]) if isinstance(r["status"], str)
             else _label(EXCEPTION_TYPES, "invoiced_not_booked")}
            for r in _records(rec.pay_when_paid, PAY_COLUMNS, "pay_status", "open_fen", "status")]


# --------------------------------------------------------------------------- the workbook
def _summary_sheet(wb: ReportWorkbook, cfg: "Config", rec: Reconciliation, title: str) -> None:
    ws = wb.sheet("汇总 Summary", landscape=False)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 3, 17)
    wb.write_title(ws, 0, title)
    ws.write_string(1, 0, f"{cfg.agency.name} → {cfg.client.name} · 截至 As of {rec.as_of.isoformat()} · 人民币 CNY",
                    wb.subtitle_fmt)
    head = wb.fmt(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, valign="top")
    money = wb.kind_fmt("money", border=1)
    r = 3
    totals = {k: int(rec.campaigns[k].sum()) if len(rec.campaigns) else 0
              for k in ("received", "approved", "booked", "ran", "invoiced", "paid_out", "fees", "balance")}
    ws.write_string(r, 0, "预付款报表（全部广告活动）Prepayment statement (all campaigns)", wb.label_fmt)
    r += 1
    for zh_en, key in (("已收预付款 Prepayments received", "received"), ("已确认金额 Approved", "approved"),
                       ("已订位净价 Booked net", "booked"), ("已刊登净价 Ran net", "ran"),
                       ("媒体发票 Invoiced media", "invoiced"), ("已付媒体 Paid to media", "paid_out"),
                       ("服务费及成本（含税）Fees and costs billed (incl. tax)", "fees"),
                       ("余额 = 已收 − (媒体发票 + 服务费) / Balance = received − (invoiced + fees)", "balance")):
        ws.write_string(r, 0, zh_en, wb.fmt(border=1, text_wrap=True, valign="top", bold=key == "balance"))
        wb.write(ws, r, 1, _m(totals[key]), "money", money if key != "balance" else wb.kind_fmt("money", border=1, bold=True))
        r += 1
    r += 1
    ws.write_string(r, 0, "刊登核对 Insertions", head)
    ws.write_string(r, 1, "笔数 Count", head)
    r += 1
    counts = rec.status_counts
    for code in STATUSES:
        ws.write_string(r, 0, _label(STATUSES, code), wb.fmt(border=1, **_STATUS_COLOURS.get(code, {})))
        ws.write_number(r, 1, counts.get(code, 0), wb.kind_fmt("int", border=1))
        r += 1
    r += 1
    ws.write_string(r, 0, "异常 Exceptions", head)
    ws.write_string(r, 1, "笔数 Count", head)
    ws.write_string(r, 2, "差额合计 Difference", head)
    r += 1
    exc = rec.exceptions
    for code in EXCEPTION_TYPES:
        part = exc[exc["type"].eq(code)]
        ws.write_string(r, 0, _label(EXCEPTION_TYPES, code), wb.fmt(border=1))
        ws.write_number(r, 1, len(part), wb.kind_fmt("int", border=1))
        wb.write(ws, r, 2, _m(int(part["difference_fen"].fillna(0).sum())), "money", money)
        r += 1
    r += 1
    ws.write_string(r, 0, "付款对账 Payment reconciliation", head)
    ws.write_string(r, 1, "未结余额 Outstanding", head)
    ws.write_string(r, 2, "逾期 Past due", head)
    r += 1
    keys = bucket_keys(rec.buckets)
    for row in rec.ageing.to_dict("records"):
        ws.write_string(r, 0, f"{row['counterparty']}（{_SIDES.get(row['side'], row['side'])}）", wb.fmt(border=1, text_wrap=True))
        wb.write(ws, r, 1, _m(row["outstanding"]), "money", money)
        wb.write(ws, r, 2, _m(sum(int(row[k]) for k in keys[1:])), "money", money)
        r += 1
    r += 2
    ws.write_string(r, 0, "负数余额 = 客户欠款；负数未结 = 预付/多付。 / A negative balance: the client owes; a negative "
                    "outstanding: paid ahead.", wb.subtitle_fmt)
    r += 2
    sign = wb.fmt(top=1, valign="top", text_wrap=True)
    ws.write_string(r, 0, "代理商财务 Agency finance\n签字 Signature / 日期 Date", sign)
    ws.set_row(r, 34)
    ws.merge_range(r, 2, r, 3, "客户财务 Client finance\n签字 Signature / 日期 Date", sign)
    ws.print_area(0, 0, r, 3)


def _prepayment_sheet(wb: ReportWorkbook, rec: Reconciliation, rows: list[dict[str, Any]]) -> None:
    ws, first, n = wb.table(
        "预付款 Prepayment", CAMPAIGN_COLUMNS, rows, title="预付款报表 Prepayment statement",
        subtitle="余额 = 已收预付款 − (媒体发票 + 服务费及成本)；下方每个广告活动的瀑布图，数字在图左表中。 / Balance = received − "
                 "(invoiced media + fees and costs); each campaign's waterfall below, its numbers in the table at its left.")
    r = first + max(n, 1) + 2
    ws.set_column(9, 9, 14)  # the waterfall table's last helper column, beyond the statement's columns
    head = wb.fmt(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, valign="top")
    helper = wb.fmt(italic=True, font_color="#777777", text_wrap=True, valign="top")
    for row in rec.campaigns.to_dict("records"):
        steps = waterfall(row)
        ws.write_string(r, 0, f"{row['campaign']} · 余额瀑布 Balance waterfall", wb.label_fmt)
        r += 1
        heads = ["步骤 Step", "起 From", "止 To", "变动 Change", "底 base*", "增 rise*", "增(负) rise<0*", "减 fall*",
                 "减(负) fall<0*", "合计 total*"]
        for c, h in enumerate(heads):
            ws.write_string(r, c, h, head)
        ws.set_row(r, 32)
        top = r + 1
        for i, (key, zh, en, start, end) in enumerate(steps):
            rr = top + i
            ws.write_string(rr, 0, f"{zh} {en}", wb.fmt(border=1))
            for c, v in enumerate((start, end, end - start), 1):
                wb.write(ws, rr, c, from_fen(v), "money", wb.kind_fmt("money", border=1))
            for c, v in enumerate(_bars(key in ("received", "balance"), start, end), 4):
                wb.write(ws, rr, c, from_fen(v), "money", wb.kind_fmt("money", font_color="#777777"))
        last = top + len(steps) - 1
        chart = wb.wb.add_chart({"type": "column", "subtype": "stacked"})
        sheet = ws.get_name()
        cats = [sheet, top, 0, last, 0]
        for c, (name, fill) in enumerate((("base", None), ("增 Rise", "#70AD47"), ("rise<0", "#70AD47"),
                                          ("减 Fall", "#C00000"), ("fall<0", "#C00000"), ("合计 Total", "#4472C4")), 4):
            series = {"name": name, "categories": cats, "values": [sheet, top, c, last, c], "gap": 60}
            series.update({"fill": {"none": True}, "border": {"none": True}} if fill is None else
                          {"fill": {"color": fill}, "border": {"none": True}})
            chart.add_series(series)
        chart.set_title({"name": f"余额瀑布 Balance waterfall · {row['campaign']}", "name_font": {"size": 11}})
        chart.set_legend({"position": "bottom", "delete_series": [0, 2, 4]})
        chart.set_y_axis({"num_format": '"¥"#,##0', "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_size({"width": 620, "height": 300})
        ws.insert_chart(last + 3, 0, chart)
        ws.write_string(last + 1, 0, "* 图表辅助列：每步的柱高 / chart helper columns: each step's bars", helper)
        r = last + 20


def _bars(total: bool, start: int, end: int) -> tuple[int, int, int, int, int, int]:
    """The stacked pieces of one waterfall step: (invisible base, rise, rise below 0, fall, fall below 0, total).

    Excel stacks positive values up from 0 and negative ones down from 0, so a step
    that crosses zero is drawn as its part above and its part below.
    """
    if total:
        return 0, 0, 0, 0, 0, end
    lo, hi = min(start, end), max(start, end)
    up = end >= start
    if lo >= 0:
        base, above, below = lo, hi - lo, 0
    elif hi <= 0:
        base, above, below = hi, 0, lo - hi
    else:
        base, above, below = 0, hi, lo
    return (base, above, below, 0, 0, 0) if up else (base, 0, 0, above, below, 0)


def _write_workbook(cfg: "Config", rec: Reconciliation, path: Path, title_zh: str, title_en: str) -> None:
    with ReportWorkbook(path, title=f"{title_zh} / {title_en}", author=cfg.agency.name) as wb:
        _summary_sheet(wb, cfg, rec, f"{title_zh} / {title_en}")
        _prepayment_sheet(wb, rec, _campaign_rows(rec))
        ins = _insertion_rows(rec)
        wb.table("刊登核对 Insertions", INSERTION_COLUMNS, ins, title="刊登核对 Insertions: booked · ran · invoiced",
                 subtitle="每笔订位（当前排期版本）与监测剪报、媒体发票核对；颜色见核对结果，可筛选。 / Every booking of the current "
                          "schedule versions against the clippings and the media invoices; coloured by status, filterable.",
                 row_formats=[_STATUS_COLOURS.get(r["status"]) for r in ins])
        exc = _exception_rows(rec)
        wb.table("异常 Exceptions", EXCEPTION_COLUMNS, exc, title="异常 Exceptions",
                 subtitle="差额 = 发票 − 订位净价；无订位的发票全额计差额。 / Difference = invoiced − booked net; an invoice "
                          "no booking explains counts in full.",
                 row_formats=[_STATUS_COLOURS.get(r["type"]) for r in exc])
        wb.table("付款对账 Payments", _ageing_columns(rec), _ageing_rows(rec),
                 title="付款对账清单 Payment reconciliation list",
                 subtitle=f"到期日 = 开票/刊登日 + {cfg.reconcile.payment_terms_days} 天；款项先冲最早的账单。 / Due = billed "
                          f"or run date + {cfg.reconcile.payment_terms_days} days; money settles the oldest bills first.")
        wb.table("账龄明细 Ageing detail", BILL_COLUMNS, _bill_rows(rec), title="账龄明细 Every bill, aged",
                 subtitle=f"截至 As of {rec.as_of.isoformat()}")
        pay = _pay_rows(rec)
        wb.table("待付媒体款 Pay when paid", PAY_COLUMNS, pay, title="待付媒体款 Pay when paid",
                 subtitle="客户媒体预付款已覆盖且核对无异常的发票可付。 / Invoices covered by the client's media prepayments "
                          "and free of exceptions are ready to pay.",
                 row_formats=[GREEN if p["pay_status"] == "ready" else RED if p["pay_status"] == "on_hold" else None
                              for p in pay])


# --------------------------------------------------------------------------- the mail body
def _figures(rec: Reconciliation) -> list[Figure]:
    counts = rec.status_counts
    exc = rec.exceptions
    ready = rec.pay_when_paid[rec.pay_when_paid["pay_status"].eq("ready")]
    return [
        Figure("截至", "As of", rec.as_of.isoformat()),
        Figure("订位笔数", "Insertions", len(rec.insertions)),
        Figure("已核对（含容差内）", "Matched (incl. within tolerance)",
               counts.get("matched", 0) + counts.get("within_tolerance", 0)),
        Figure("异常", "Exceptions", len(exc), "、".join(
            f"{EXCEPTION_TYPES[k][0]} {int(v)}" for k, v in exc["type"].value_counts().sort_index().items())),
        Figure("可付媒体发票", "Media invoices ready to pay", len(ready),
               fmt_money(from_fen(int(ready["open_fen"].sum()))) if len(ready) else ""),
    ]


def _mail_body(rec: Reconciliation, title_zh: str, title_en: str) -> tuple[str, str]:
    figures = _figures(rec)
    blocks = [figures_html(figures, caption_zh="概况", caption_en="Overview")]
    camp = [{"campaign": r["campaign"], **{k: fmt_money(from_fen(int(r[k]))) for k in
                                           ("received", "invoiced", "fees", "balance")}}
            for r in rec.campaigns.to_dict("records")]
    if camp:
        blocks.append(rows_html([("campaign", "广告活动", "Campaign"), ("received", "已收", "Received"),
                                 ("invoiced", "媒体发票", "Invoiced"), ("fees", "服务费", "Fees"), ("balance", "余额", "Balance")],
                                camp, caption_zh="预付款报表", caption_en="Prepayment statement"))
    exc = [{"type": _label(EXCEPTION_TYPES, r["type"]), "media": r["media"] or "", "date": _iso(r["date"]),
            "ref": r["booking_ref"] or r["invoice_no"] or r["clipping_ref"] or "",
            "difference": "" if pd.isna(r["difference_fen"]) else fmt_money(from_fen(int(r["difference_fen"])))}
           for r in rec.exceptions.to_dict("records")]
    if exc:
        blocks.append(rows_html([("type", "异常", "Exception"), ("media", "媒体", "Media"), ("date", "日期", "Date"),
                                 ("ref", "订位号/发票号", "Ref"), ("difference", "差额", "Difference")],
                                exc, caption_zh="异常", caption_en="Exceptions"))
    ageing = [{"party": r["counterparty"], "outstanding": fmt_money(from_fen(int(r["outstanding"])))}
              for r in rec.ageing.to_dict("records")]
    if ageing:
        blocks.append(rows_html([("party", "往来单位", "Counterparty"), ("outstanding", "未结余额", "Outstanding")],
                                ageing, caption_zh="付款对账", caption_en="Payment reconciliation"))
    blocks.append(paragraph("明细、来源单元格与签字页见附件工作簿。",
                            "Every insertion, its source cells and the page to sign are in the attached workbook."))
    html = html_document(title_zh, title_en, *blocks)
    lines = [f"{title_zh} / {title_en}", "", figures_text(figures)]
    if exc:
        lines += ["", "异常 Exceptions:", *(f"  - {e['type']} {e['media']} {e['date']} {e['ref']} {e['difference']}"
                                            for e in exc)]
    return html, "\n".join(lines)


def _iso(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


# --------------------------------------------------------------------------- entry points
def render_reconciliation(cfg: "Config", rec: Reconciliation, out_dir: Path | None = None) -> ReportResult:
    """Write the reconciliation workbook of a computed Reconciliation and return the ReportResult (key KEY)."""
    path = reconciliation_path(cfg, rec.as_of, rec.campaign, out_dir)
    scope = f" {rec.campaign}" if rec.campaign else ""
    title_zh = f"{cfg.client.product} 对账报告{scope} 截至 {rec.as_of.isoformat()}"
    title_en = f"Reconciliation{f' of {rec.campaign}' if rec.campaign else ''}, {cfg.client.name}, as of {rec.as_of.isoformat()}"
    _write_workbook(cfg, rec, path, title_zh, title_en)
    html, text = _mail_body(rec, title_zh, title_en)
    period = rec.as_of.isoformat() + (f" {rec.campaign}" if rec.campaign else "")
    log.info("reconciliation as of %s written to %s", period, path)
    return ReportResult(
        key=KEY, period=period, title_zh=title_zh, title_en=title_en,
        subject=report_subject(cfg, KEY, rec.as_of.isoformat(), f"媒体核对及付款对账{scope}" if scope else None),
        data=rec.to_json(), html=html, text=text, files=(path,),
    )


def build_reconciliation(
    cfg: "Config",
    ledger: "Ledger",
    *,
    as_of: date | None = None,
    campaign: str | None = None,
    out_dir: Path | None = None,
) -> ReportResult:
    """The reconciliation as of the end of `as_of` (default: today) from the ledger's current records."""
    from ..ledger import frames

    as_of = as_of or clock.today(cfg.tz)
    data = {form_id: frames.rows(ledger, form_id, fields=FIELDS_READ.get(form_id)) for form_id in FORMS_READ}
    return render_reconciliation(cfg, reconcile(data, cfg, as_of, campaign=campaign), out_dir)


# --------------------------------------------------------------------------- the terminal and the demo
def show(result: ReportResult) -> list:
    """The campaigns' balances and the exceptions for the terminal (`adtools report reconciliation`)."""
    from rich.table import Table
    from rich.text import Text

    data = result.data
    table = Table(title=f"{result.title_zh} / {result.title_en}")
    table.add_column("广告活动 Campaign")
    for head in ("已收 Received", "媒体发票 Invoiced", "服务费 Fees", "余额 Balance"):
        table.add_column(head, justify="right", no_wrap=True)
    for c in data["campaigns"]:
        table.add_row(Text(c["campaign"]), *(fmt_money(c[k]) for k in ("received", "invoiced", "fees", "balance")))
    shown: list = [table]
    for e in data["exceptions"]:
        zh, en = EXCEPTION_TYPES.get(e["type"], (e["type"], e["type"]))
        shown.append(Text(f"{zh} {en}: {e['media'] or ''} {e['date'] or ''} {e['booking_ref'] or e['invoice_no'] or ''} "
                          f"{e['difference'] or ''}", style="red"))
    return shown


def headline(data: dict[str, Any]) -> str:
    """One line: insertions, exceptions by type."""
    exc = data.get("exceptions", [])
    kinds: dict[str, int] = {}
    for e in exc:
        kinds[e["type"]] = kinds.get(e["type"], 0) + 1
    listed = ", ".join(f"{k} {v}" for k, v in kinds.items())
    return (f"{len(data.get('insertions', []))} 笔订位 insertions, 异常 exceptions {len(exc)}"
            + (f" ({listed})" if listed else ""))
