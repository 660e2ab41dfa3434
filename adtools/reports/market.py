"""The market analysis of a flight (市场分析): workbook, mail body and JSON.

Every figure comes from `adtools.monitoring.market_analysis`; this module renders
it.  It is one of the flight reports (mailed to `[mail.recipients] flight` by the
job `flight_reports`, `[sla] market_analysis_days` after the flight's end).
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..money import from_fen
from ..monitoring import MarketAnalysis, brand_map, classify, market_analysis
from ..monitoring.market import PHASES
from ._charts import chart, data_table
from ._text import file_part
from .base import ReportResult, report_subject
from .html import Figure, figures_html, figures_text, html_document, rows_html
from .xlsx import Column, ReportWorkbook

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..ledger.store import Ledger

KEY = "market"  # this report's key in adtools.registry (its command and folder; recipients: flight)

__all__ = ["KEY", "build_market", "render_market", "market_path", "due", "show", "headline"]

log = logging.getLogger("adtools.reports.market")

BRAND_COLUMNS = (
    Column("advertiser", "广告主", "Advertiser", width=18),
    *(Column(f"{p}_insertions", f"{zh}次数", f"Insertions {en.lower()}", "int", 10) for p, zh, en in PHASES),
    *(Column(f"{p}_spend", f"{zh}费用", f"Spend {en.lower()}", "money", 13) for p, zh, en in PHASES),
    Column("sov_before", "波次前同期份额", "SOV, same days before", "percent", 12),
    Column("sov_during", "波次期间份额", "SOV during the flight", "percent", 12),
)
CLIP_COLUMNS = (
    Column("phase_label", "阶段", "Phase", width=12),
    Column("date", "日期", "Date", "date", 11),
    Column("media", "媒体", "Media", width=11),
    Column("advertiser", "广告主", "Advertiser", width=16),
    Column("size", "规格", "Size", width=8),
    Column("theme", "广告主题", "Theme / headline", width=28),
    Column("spend", "估算费用", "Est. cost", "money", 13),
    Column("clipping_ref", "剪报编号", "Clipping ref", width=15),
)
NOTE_COLUMNS = (Column("section", "部分", "Section", width=18), Column("text", "内容", "Text", width=90))
_SECTIONS = {"competitors": "竞争对手 Competitors", "response": "对策 Response"}
_PHASE_LABELS = {p: f"{zh} {en}" for p, zh, en in PHASES}


def market_path(cfg: "Config", campaign: str, flight: str, out_dir: Path | None = None) -> Path:
    """`<reports>/market/市场分析_market_<campaign>_<flight>.xlsx` (reserved characters replaced)."""
    folder = Path(out_dir) if out_dir is not None else cfg.reports_dir / KEY
    return folder / f"市场分析_market_{file_part(campaign, 'campaign')}_{file_part(flight, 'flight')}.xlsx"


def _rows(a: MarketAnalysis) -> list[dict[str, Any]]:
    return [{**r, **{f"{p}_spend": from_fen(int(r[f"{p}_fen"])) for p, _, _ in PHASES}} for r in a.by_brand.to_dict("records")]


def _write_workbook(cfg: "Config", a: MarketAnalysis, path: Path, title_zh: str, title_en: str) -> None:
    rows = _rows(a)
    with ReportWorkbook(path, title=f"{title_zh} / {title_en}", author=cfg.agency.name) as wb:
        wb.table("对比 Activity", BRAND_COLUMNS, rows, title=f"{title_zh} / {title_en}",
                 subtitle=f"波次 Flight {a.flight_start} – {a.flight_end}；观察期 window {a.window_start} – {a.window_end}；"
                          f"同期对比 SOV before: {a.sov_start} – {a.flight_start} 前一日 the day before")
        name = "图表 Charts"
        ws = wb.sheet(name)
        ws.set_column(0, 0, 20)
        ws.set_column(1, 3, 17)
        wb.write_title(ws, 0, f"{a.campaign} {a.flight}：竞争对手与客户 Competitors against the client")
        head = ["广告主 Advertiser", *(f"{zh} {en}" for _, zh, en in PHASES)]
        act = [[r["advertiser"], *(int(r[f"{p}_insertions"]) for p, _, _ in PHASES)] for r in rows]
        h, d0, d1 = data_table(wb, ws, 2, 0, "投放次数 Insertions", head, act, ["text", "int", "int", "int"])
        col = chart(wb, "column", "波次前后投放次数 Insertions before, during and after the flight", y_title="次 Insertions")
        for c in range(1, 4):
            col.add_series({"name": [name, h, c], "categories": [name, d0, 0, d1, 0], "values": [name, d0, c, d1, c],
                            "data_labels": {"value": True}})
        ws.insert_chart(2, 5, col)
        top = max(d1 + 2, 21)
        sov = [[r["advertiser"], r["sov_before"], r["sov_during"]] for r in rows]
        h, d0, d1 = data_table(wb, ws, top, 0, "费用份额 Share of voice (spend)",
                               ["广告主 Advertiser", "波次前同期 Same days before", "波次期间 During"], sov,
                               ["text", "percent", "percent"])
        bar = chart(wb, "column", "费用份额：波次期间与此前同期 SOV during the flight against the days before",
                    y_title="份额 Share", y_format="0%")
        for c in (1, 2):
            bar.add_series({"name": [name, h, c], "categories": [name, d0, 0, d1, 0], "values": [name, d0, c, d1, c],
                            "data_labels": {"value": True, "num_format": "0%"}})
        ws.insert_chart(top, 5, bar)
        clips = [{**r, "phase_label": _PHASE_LABELS.get(r["phase"], ""), "spend": r.get("est_cost")}
                 for r in a.clippings.to_dict("records")]
        wb.table("剪报 Clippings", CLIP_COLUMNS, clips, title="观察期内客户及竞争对手的剪报 Clippings in the window")
        notes = [{"section": _SECTIONS[s], "text": t} for s in _SECTIONS for t in a.notes.get(s, [])]
        wb.table("总结 Notes", NOTE_COLUMNS, notes, title="投放总结：竞争对手与对策 Flight notes: competitors and response")


def _mail_body(a: MarketAnalysis, title_zh: str, title_en: str) -> tuple[str, str]:
    figures = [
        Figure("波次", "Flight", f"{a.flight_start} – {a.flight_end}"),
        Figure("观察期", "Window", f"{a.window_start} – {a.window_end}"),
        Figure("观察期剪报", "Clippings in the window", len(a.clippings)),
    ]
    pct = lambda v: "" if v is None else f"{float(v) * 100:.1f}%"  # noqa: E731
    rows = [{"advertiser": r["advertiser"], **{p: str(int(r[f"{p}_insertions"])) for p, _, _ in PHASES},
             "sov_before": pct(r["sov_before"]), "sov_during": pct(r["sov_during"])} for r in a.by_brand.to_dict("records")]
    blocks = [figures_html(figures, caption_zh="波次", caption_en="The flight"),
              rows_html([("advertiser", "广告主", "Advertiser"), ("before", "波次前", "Before"), ("during", "期间", "During"),
                         ("after", "波次后", "After"), ("sov_before", "此前同期份额", "SOV before"),
                         ("sov_during", "期间份额", "SOV during")], rows,
                        caption_zh="投放次数与份额", caption_en="Insertions and share of voice")]
    notes = [{"section": _SECTIONS[s], "text": t} for s in _SECTIONS for t in a.notes.get(s, [])]
    if notes:
        blocks.append(rows_html([("section", "部分", "Section"), ("text", "内容", "Text")], notes,
                                caption_zh="竞争对手与对策", caption_en="Competitors and response"))
    lines = [f"{title_zh} / {title_en}", "", figures_text(figures), "",
             *(f"  {r['advertiser']}: {r['before']} / {r['during']} / {r['after']}, SOV {r['sov_before']} → {r['sov_during']}"
               for r in rows), "", *(f"{n['section']}: {n['text']}" for n in notes)]
    return html_document(title_zh, title_en, *blocks), "\n".join(lines)


def render_market(cfg: "Config", a: MarketAnalysis, out_dir: Path | None = None) -> ReportResult:
    """Write the market analysis workbook and return the ReportResult (key KEY)."""
    title_zh = f"{cfg.client.product} 市场分析 {a.campaign} {a.flight}"
    title_en = f"Market analysis, {cfg.client.name}, {a.campaign} {a.flight}"
    path = market_path(cfg, a.campaign, a.flight, out_dir)
    _write_workbook(cfg, a, path, title_zh, title_en)
    html, text = _mail_body(a, title_zh, title_en)
    period = f"{a.campaign} {a.flight}"
    log.info("market analysis %s written to %s", period, path)
    return ReportResult(key=KEY, period=period, title_zh=title_zh, title_en=title_en,
                        subject=report_subject(cfg, KEY, period), data=a.to_json(), html=html, text=text, files=(path,))


def build_market(cfg: "Config", ledger: "Ledger", campaign: str, flight: str, *, out_dir: Path | None = None) -> ReportResult:
    """The market analysis of a flight from the ledger's media schedules, clippings, brand aliases and flight notes."""
    from ..ledger import frames

    bmap = brand_map(cfg, frames.rows(ledger, "brand_aliases"))
    clips = classify(frames.rows(ledger, "monitoring"), bmap)
    a = market_analysis(clips, frames.documents(ledger, "media_schedule"), frames.rows(ledger, "flight_notes"),
                        campaign, flight, client=bmap.client, competitors=bmap.competitors,
                        margin_days=cfg.monitoring.market_window_days)
    return render_market(cfg, a, out_dir)


def due(cfg: "Config", ledger: "Ledger", now: datetime) -> list[dict[str, Any]]:
    """Each flight whose market analysis is due at `now`: [sla] market_analysis_days after its end, or later."""
    from ._flights import flights_due_options

    return flights_due_options(cfg, ledger, now, cfg.sla.market_analysis_days)


def show(result: ReportResult) -> list:
    """The flight's figures for the terminal: insertions before, during and after, and share of voice."""
    from rich.table import Table
    from rich.text import Text

    data = result.data
    table = Table(title=f"{result.title_zh} / {result.title_en}")
    for head in ("广告主 Advertiser", "波次前 Before", "期间 During", "波次后 After", "此前份额 SOV before", "期间份额 SOV during"):
        table.add_column(head, justify="left" if head.startswith("广告主") else "right")
    pct = lambda v: "" if v is None else f"{float(v) * 100:.1f}%"  # noqa: E731
    for b in data["by_brand"]:
        table.add_row(Text(b["brand"]), str(b["before_insertions"]), str(b["during_insertions"]), str(b["after_insertions"]),
                      pct(b["sov_before"]), pct(b["sov_during"]))
    shown: list = [table, f"波次 Flight {data['flight_start']} – {data['flight_end']}, 观察期 window "
                          f"{data['window_start']} – {data['window_end']}"]
    for section, texts in data["notes"].items():
        shown += [Text(f"{_SECTIONS[section]}: {t}") for t in texts]
    return shown


def headline(data: dict[str, Any]) -> str:
    """One line of the flight's key figures (the demo's table)."""
    ours = next((b for b in data.get("by_brand", []) if b.get("side") == "client"), None)
    sov = "" if not ours or ours["sov_during"] is None else f", 期间份额 SOV during {float(ours['sov_during']) * 100:.1f}%"
    return f"{data.get('campaign', '')} {data.get('flight', '')}: 观察期剪报 clippings {data.get('clippings', 0)}{sov}"
