"""The execution report of a flight (执行报告): workbook, mail body and JSON.

Every figure comes from `adtools.monitoring.flight_execution` over the reconciliation's
matching (`adtools.reconcile.match`); this module renders it.  It is one of the flight
reports (mailed to `[mail.recipients] flight` by the job `flight_reports`, `[sla]
execution_report_days` after the flight's end).
"""
from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..money import from_fen
from ..monitoring import EXECUTION_STATUSES, FlightExecution, flight_execution
from ..monitoring.execution import NOTE_SECTIONS
from ._charts import chart, data_table
from ._text import file_part
from .base import ReportResult, report_subject
from .html import Figure, figures_html, figures_text, html_document, paragraph, rows_html
from .xlsx import RED, Column, ReportWorkbook

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..ledger.store import Ledger

KEY = "flight"  # this report's key in adtools.registry (its command and folder; recipients: flight)

__all__ = ["KEY", "build_flight", "render_flight", "flight_path", "due", "show", "headline"]

log = logging.getLogger("adtools.reports.flight")

GREEN = {"bg_color": "#C6EFCE"}
GREY = {"bg_color": "#E7E6E6", "font_color": "#595959"}
_STATUS_FORMAT = {"ran": GREEN, "not_seen": RED, "cancelled": GREY}
_STATUS_LABEL = {k: f"{zh} {en}" for k, zh, en in EXECUTION_STATUSES}
_SECTION_LABEL = {k: f"{zh} {en}" for k, zh, en in NOTE_SECTIONS}

INSERTION_COLUMNS = (
    Column("date", "刊登日期", "Run date", "date", 11),
    Column("media", "媒体", "Media", width=11),
    Column("city", "城市", "City", width=8),
    Column("size", "规格", "Size", width=9),
    Column("position", "版位", "Position", width=10),
    Column("booking_ref", "订位号", "Booking ref", width=13),
    Column("net", "净价", "Net cost", "money", 13),
    Column("status_label", "执行", "Execution", width=12),
    Column("clipping_ref", "剪报编号（刊样）", "Tear sheet (clipping ref)", width=16),
    Column("clipping_date", "见刊日期", "Seen on", "date", 11),
    Column("invoiced_label", "已开票", "Invoiced", width=9),
    Column("invoice_no", "发票号", "Invoice No.", width=13),
    Column("invoiced", "发票金额", "Invoiced amount", "money", 13),
    Column("source", "来源（净价）", "Source (net cost)", width=30),
    Column("clipping_source", "来源（剪报）", "Source (clipping)", width=30),
    Column("note", "说明", "Note", width=40),
)
NOTE_COLUMNS = (Column("section", "部分", "Section", width=18), Column("text", "内容", "Text", width=90))


def flight_path(cfg: "Config", campaign: str, flight: str, out_dir: Path | None = None) -> Path:
    """`<reports>/flight/执行报告_flight_<campaign>_<flight>.xlsx` (reserved characters replaced)."""
    folder = Path(out_dir) if out_dir is not None else cfg.reports_dir / KEY
    return folder / f"执行报告_flight_{file_part(campaign, 'campaign')}_{file_part(flight, 'flight')}.xlsx"


def _money(fen: Any) -> Decimal | None:
    return None if fen is None else from_fen(int(fen))


def _pct(v: Decimal | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _summary_pairs(e: FlightExecution) -> list[tuple[str, Any, str]]:
    t, a = e.totals, e.approved
    less = (lambda fen: None if a["fen"] is None else _money(fen - a["fen"]))
    approved_on = None if _isnat(a["decided_on"]) else pd.Timestamp(a["decided_on"]).date()
    return [
        ("广告活动 Campaign", e.campaign, "text"),
        ("波次 Flight", e.flight, "text"),
        ("波次日期 Flight dates", f"{e.flight_start} – {e.flight_end}", "text"),
        ("工作编号 Job No.", e.job_no, "text"),
        ("当前排期版本 Current schedule version", e.version, "int"),
        ("已订位刊登 Booked insertions", t["booked"], "int"),
        ("已刊出 Ran (a tear sheet in the monitoring log)", t["ran"], "int"),
        ("未见刊 Not seen", t["not_seen"], "int"),
        ("已取消 Cancelled (not counted as booked)", t["cancelled"], "int"),
        ("已开票 Invoiced (booked insertions)", t["invoiced"], "int"),
        ("到刊率（按次数）Delivery rate by count (ran ÷ booked)", t["rate"], "percent"),
        ("到刊率（按净价）Delivery rate by net cost", t["rate_net"], "percent"),
        ("客户确认排期金额 Approved schedule amount", _money(a["fen"]), "money"),
        ("确认版本 Approved version", a["version"], "int"),
        ("确认日期 Approved on", approved_on, "date"),
        ("来源（确认金额）Source (approved amount)", a["source"], "text"),
        ("已订位净价 Booked net", _money(t["booked_fen"]), "money"),
        ("已刊出净价 Ran net", _money(t["ran_fen"]), "money"),
        ("未见刊净价 Not-seen net", _money(t["not_seen_fen"]), "money"),
        ("发票金额 Invoiced", _money(t["invoiced_fen"]), "money"),
        ("订位较确认 Booked less approved", less(t["booked_fen"]), "money"),
        ("发票较确认 Invoiced less approved", less(t["invoiced_fen"]), "money"),
        *((f"说明 Remark {i}", r, "text") for i, r in enumerate(e.remarks, 1)),
    ]


def _isnat(v: Any) -> bool:
    return v is None or bool(pd.isna(v))


def _insertion_rows(e: FlightExecution) -> list[dict[str, Any]]:
    rows = []
    for r in e.insertions.to_dict("records"):
        rows.append({**r, "net": _money(None if _isnat(r["net_fen"]) else r["net_fen"]),
                     "status_label": _STATUS_LABEL[r["execution"]],
                     "invoiced_label": "是 Yes" if r["invoiced"] else "否 No",
                     "invoiced": _money(None if _isnat(r["invoiced_fen"]) else r["invoiced_fen"]),
                     "date": None if _isnat(r["date"]) else r["date"],
                     "clipping_date": None if _isnat(r["clipping_date"]) else r["clipping_date"]})
    return rows


def _notes(e: FlightExecution) -> list[dict[str, str]]:
    return [{"section": _SECTION_LABEL[s], "text": t} for s, _, _ in NOTE_SECTIONS for t in e.notes.get(s, [])]


def _write_workbook(cfg: "Config", e: FlightExecution, path: Path, title_zh: str, title_en: str) -> None:
    with ReportWorkbook(path, title=f"{title_zh} / {title_en}", author=cfg.agency.name) as wb:
        wb.key_values("概要 Summary", f"{title_zh} / {title_en}", _summary_pairs(e),
                      subtitle="刊出 = 监测记录中有匹配的客户剪报（对账的三方匹配）/ ran = a client clipping in the "
                               "monitoring log matched it (the reconciliation's three-way match)")
        rows = _insertion_rows(e)
        wb.table("排期执行 Insertions", INSERTION_COLUMNS, rows,
                 title=f"{e.campaign} {e.flight}：第 {e.version} 版排期的每条刊登 Each insertion of schedule version {e.version}",
                 subtitle="绿 green = 已刊出 ran；红 red = 未见刊 not seen；灰 grey = 已取消 cancelled",
                 row_formats=[_STATUS_FORMAT[r["execution"]] for r in rows])
        name = "图表 Charts"
        ws = wb.sheet(name)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 6, 12)
        wb.write_title(ws, 0, f"{e.campaign} {e.flight}：各媒体到刊 Delivery by media")
        head = ["媒体 Media", "订位 Booked", "刊出 Ran", "到刊率 Rate", "订位净价 Booked net", "刊出净价 Ran net",
                "到刊率（净价）Rate by net"]
        table = [[r["media"], int(r["booked"]), int(r["ran"]), r["rate"], _money(r["booked_fen"]), _money(r["ran_fen"]),
                  r["rate_net"]] for r in e.by_media.to_dict("records")]
        h, d0, d1 = data_table(wb, ws, 2, 0, "各媒体到刊 Delivery by media", head, table,
                               ["text", "int", "int", "percent", "money", "money", "percent"])
        ws.set_row(h, 45)
        col = chart(wb, "column", "各媒体订位与刊出次数 Booked and ran insertions by media", y_title="次 Insertions")
        col.set_y_axis({"name": "次 Insertions", "min": 0, "major_unit": 1, "num_format": "0",
                        "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})  # whole insertions
        for c in (1, 2):
            col.add_series({"name": [name, h, c], "categories": [name, d0, 0, d1, 0], "values": [name, d0, c, d1, c],
                            "data_labels": {"value": True}})
        ws.insert_chart(max(d1 + 2, 8), 0, col)
        wb.table("总结 Notes", NOTE_COLUMNS, _notes(e), title="投放总结：效果与下步建议 Flight notes: effect and next steps")


def _mail_body(e: FlightExecution, title_zh: str, title_en: str) -> tuple[str, str]:
    t, a = e.totals, e.approved
    figures = [
        Figure("波次", "Flight", f"{e.flight_start} – {e.flight_end}"),
        Figure("已订位", "Booked", t["booked"]),
        Figure("已刊出", "Ran", t["ran"]),
        Figure("未见刊", "Not seen", t["not_seen"]),
        Figure("已取消", "Cancelled", t["cancelled"]),
        Figure("到刊率（次数）", "Delivery rate by count", _pct(t["rate"])),
        Figure("到刊率（净价）", "Delivery rate by net", _pct(t["rate_net"])),
        Figure("客户确认金额", "Approved", "—" if a["fen"] is None else f"¥{_money(a['fen']):,.2f}",
               note=f"v{a['version']}" if a["version"] is not None else ""),
        Figure("已订位净价", "Booked net", f"¥{_money(t['booked_fen']):,.2f}"),
        Figure("已刊出净价", "Ran net", f"¥{_money(t['ran_fen']):,.2f}"),
        Figure("发票金额", "Invoiced", f"¥{_money(t['invoiced_fen']):,.2f}"),
    ]
    media = [{"media": r["media"], "booked": str(int(r["booked"])), "ran": str(int(r["ran"])), "rate": _pct(r["rate"]),
              "rate_net": _pct(r["rate_net"])} for r in e.by_media.to_dict("records")]
    unseen = [{"date": str(r["date"].date()) if not _isnat(r["date"]) else "", "media": r["media"], "size": r["size"],
               "booking_ref": r["booking_ref"] or "", "net": f"¥{_money(r['net_fen']):,.2f}" if not _isnat(r["net_fen"]) else ""}
              for r in e.insertions.to_dict("records") if r["execution"] == "not_seen"]
    blocks = [figures_html(figures, caption_zh="波次执行", caption_en="The flight's execution"),
              rows_html([("media", "媒体", "Media"), ("booked", "订位", "Booked"), ("ran", "刊出", "Ran"),
                         ("rate", "到刊率", "Rate"), ("rate_net", "到刊率（净价）", "Rate by net")], media,
                        caption_zh="各媒体到刊", caption_en="Delivery by media")]
    if unseen:
        blocks.append(rows_html([("date", "刊登日期", "Run date"), ("media", "媒体", "Media"), ("size", "规格", "Size"),
                                 ("booking_ref", "订位号", "Booking ref"), ("net", "净价", "Net")], unseen,
                                caption_zh="未见刊的刊登", caption_en="Insertions not seen"))
    notes = _notes(e)
    if notes:
        blocks.append(rows_html([("section", "部分", "Section"), ("text", "内容", "Text")], notes,
                                caption_zh="效果与下步建议", caption_en="Effect and next steps"))
    if e.remarks:
        blocks.append(paragraph(*e.remarks))
    lines = [f"{title_zh} / {title_en}", "", figures_text(figures), "",
             *(f"  {m['media']}: {m['ran']}/{m['booked']} ({m['rate']}, {m['rate_net']} by net)" for m in media), "",
             *(f"未见刊 Not seen: {u['date']} {u['media']} {u['size']} {u['booking_ref']} {u['net']}" for u in unseen),
             *(f"{n['section']}: {n['text']}" for n in notes), *e.remarks]
    return html_document(title_zh, title_en, *blocks), "\n".join(lines)


def render_flight(cfg: "Config", e: FlightExecution, out_dir: Path | None = None) -> ReportResult:
    """Write the execution report's workbook and return the ReportResult (key KEY)."""
    title_zh = f"{cfg.client.product} 执行报告 {e.campaign} {e.flight}"
    title_en = f"Flight execution report, {cfg.client.name}, {e.campaign} {e.flight}"
    path = flight_path(cfg, e.campaign, e.flight, out_dir)
    _write_workbook(cfg, e, path, title_zh, title_en)
    html, text = _mail_body(e, title_zh, title_en)
    period = f"{e.campaign} {e.flight}"
    log.info("flight execution report %s written to %s", period, path)
    return ReportResult(key=KEY, period=period, title_zh=title_zh, title_en=title_en,
                        subject=report_subject(cfg, KEY, period), data=e.to_json(), html=html, text=text, files=(path,))


def build_flight(cfg: "Config", ledger: "Ledger", campaign: str, flight: str, *, out_dir: Path | None = None) -> ReportResult:
    """The execution report of a flight from the ledger: the reconciliation's matching, sign-offs and flight notes."""
    from ..ledger import frames
    from ..monitoring import register_client_aliases
    from ..reconcile import client_aliases, match

    aliases = client_aliases(cfg, extra=register_client_aliases(frames.rows(ledger, "brand_aliases")))
    m = match(frames.rows(ledger, "media_schedule"), frames.rows(ledger, "monitoring"),
              frames.rows(ledger, "media_invoice"), cfg, aliases=aliases)
    e = flight_execution(m.insertions, frames.documents(ledger, "media_schedule"), frames.rows(ledger, "sign_off"),
                         frames.rows(ledger, "flight_notes"), campaign, flight)
    return render_flight(cfg, e, out_dir)


def due(cfg: "Config", ledger: "Ledger", now: datetime) -> list[dict[str, Any]]:
    """Each flight whose execution report is due at `now`: [sla] execution_report_days after its end, or later."""
    from ._flights import flights_due_options

    return flights_due_options(cfg, ledger, now, cfg.sla.execution_report_days)


def show(result: ReportResult) -> list:
    """The flight's delivery for the terminal: by media, the totals, the insertions not seen, the notes."""
    from rich.table import Table
    from rich.text import Text

    data = result.data
    pct = lambda v: "—" if v is None else f"{Decimal(v) * 100:.1f}%"  # noqa: E731
    table = Table(title=f"{result.title_zh} / {result.title_en}")
    for head in ("媒体 Media", "订位 Booked", "刊出 Ran", "到刊率 Rate", "到刊率（净价）Rate by net"):
        table.add_column(head, justify="left" if head.startswith("媒体") else "right")
    for m in data["by_media"]:
        table.add_row(Text(m["media"]), str(m["booked"]), str(m["ran"]), pct(m["delivery_rate"]), pct(m["delivery_rate_net"]))
    s = data["spend"]
    shown: list = [table, Text(
        f"订位 booked {data['booked']}, 刊出 ran {data['ran']}, 未见刊 not seen {data['not_seen']}, 已取消 cancelled "
        f"{data['cancelled']}; 到刊率 delivery {pct(data['delivery_rate'])} (净价 by net {pct(data['delivery_rate_net'])}); "
        f"确认 approved {s['approved'] or '—'}, 订位 booked {s['booked_net']}, 发票 invoiced {s['invoiced']}")]
    shown += [Text(f"未见刊 Not seen: {i['date']} {i['media']} {i['size']} {i['booking_ref'] or ''}")
              for i in data["insertions"] if i["status"] == "not_seen"]
    for section, texts in data["notes"].items():
        shown += [Text(f"{_SECTION_LABEL[section]}: {t}") for t in texts]
    shown += [Text(r) for r in data["remarks"]]
    return shown


def headline(data: dict[str, Any]) -> str:
    """One line of the flight's delivery (the demo's table)."""
    rate = data.get("delivery_rate")
    shown = "—" if rate is None else f"{Decimal(rate) * 100:.1f}%"
    return (f"{data.get('campaign', '')} {data.get('flight', '')}: 刊出 ran {data.get('ran', 0)}/{data.get('booked', 0)}, "
            f"到刊率 delivery {shown}")
