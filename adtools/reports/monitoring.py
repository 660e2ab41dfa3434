"""The monthly media monitoring report (媒体监测报告) in three parts: workbook, mail body and JSON.

Every figure comes from `adtools.monitoring` (brand normalisation and the monthly
analysis); this module renders it.  A part (`placements`, `industry`,
`competitors`) is one workbook and one mail; without a part the workbook holds all
three.  Charts are native XlsxWriter charts with their numbers in a table beside
each.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..money import fmt_money, from_fen
from ..monitoring import (OTHER, PARTS, MonitoringMonth, brand_map, classify, month_add, monitoring_month,
                          months_read)
from ..monitoring.brands import unmapped as unmapped_of
from ._charts import chart, data_table
from ._text import file_part
from .base import ReportResult, report_subject
from .html import Figure, figures_html, figures_text, html_document, paragraph, rows_html
from .xlsx import Column, ReportWorkbook

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..ledger.store import Ledger

KEY = "monitoring"  # this report's key in adtools.registry (its command, recipients and folder)

__all__ = ["KEY", "PART_TITLES", "build_monitoring", "render_monitoring", "monitoring_path", "due", "show", "headline"]

log = logging.getLogger("adtools.reports.monitoring")

PART_TITLES = {
    "placements": ("刊登与新广告", "Placements and new clippings"),
    "industry": ("行业投放量", "Industry ad volume"),
    "competitors": ("竞争对手", "Competitors"),
}
_YES = {True: "是 Yes", False: ""}

PLACEMENT_COLUMNS = (
    Column("new_label", "新广告", "New creative", width=9),
    Column("date", "日期", "Date", "date", 11),
    Column("media", "媒体", "Media", width=11),
    Column("advertiser", "广告主", "Advertiser", width=14),
    Column("brand", "品牌", "Brand", width=12),
    Column("product", "产品/型号", "Product / model", width=20),
    Column("size", "规格", "Size", width=8),
    Column("position", "版位", "Position", width=8),
    Column("theme", "广告主题", "Theme / headline", width=26),
    Column("spend", "估算费用", "Est. cost", "money", 13),
    Column("clipping_ref", "剪报编号", "Clipping ref", width=15),
)
BRAND_COLUMNS = (
    Column("rank", "排名", "Rank", "int", 6),
    Column("rank_change_text", "名次变化", "Rank change", width=9),
    Column("advertiser", "广告主", "Advertiser", width=18),
    Column("insertions", "投放次数", "Insertions", "int", 10),
    Column("spend", "刊例费用", "Rate-card spend", "money", 14),
    Column("sov_spend", "费用份额", "SOV (spend)", "percent", 10),
    Column("sov_insertions", "次数份额", "SOV (insertions)", "percent", 10),
    Column("change_insertions", "次数环比", "Insertions MoM", "percent", 10),
    Column("change_spend", "费用环比", "Spend MoM", "percent", 10),
    Column("yoy_change_insertions", "次数同比", "Insertions YoY", "percent", 10),
    Column("yoy_change_spend", "费用同比", "Spend YoY", "percent", 10),
)
MEDIA_COLUMNS = (
    Column("media", "媒体", "Media", width=12),
    Column("advertiser", "广告主", "Advertiser", width=18),
    Column("insertions", "投放次数", "Insertions", "int", 10),
    Column("spend", "刊例费用", "Rate-card spend", "money", 14),
    Column("sov_spend", "该媒体内费用份额", "SOV in this title (spend)", "percent", 14),
)
COMPETITOR_COLUMNS = (
    Column("advertiser", "广告主", "Advertiser", width=16),
    Column("insertions", "投放次数", "Insertions", "int", 9),
    Column("spend", "刊例费用", "Rate-card spend", "money", 13),
    Column("change_insertions", "次数环比", "Insertions MoM", "percent", 9),
    Column("change_spend", "费用环比", "Spend MoM", "percent", 9),
    Column("yoy_change_insertions", "次数同比", "Insertions YoY", "percent", 9),
    Column("yoy_change_spend", "费用同比", "Spend YoY", "percent", 9),
    Column("top_media", "主要媒体", "Top media", width=22),
    Column("size_mix", "规格构成", "Size mix", width=18),
    Column("new_themes", "新广告主题", "New themes", width=30),
)
LIST_COLUMNS = (Column("kind", "类别", "Kind", width=22), Column("advertiser", "广告主", "Advertiser", width=30))
UNMAPPED_COLUMNS = (Column("advertiser", "剪报中的写法", "As written in the clippings", width=30),
                    Column("clippings", "剪报数", "Clippings", "int", 10))


# --------------------------------------------------------------------------- names
def monitoring_path(cfg: "Config", month: str, part: str | None = None, out_dir: Path | None = None) -> Path:
    """`<reports>/monitoring/媒体监测_monitoring_2026-10[_industry].xlsx`."""
    folder = Path(out_dir) if out_dir is not None else cfg.reports_dir / KEY
    suffix = f"_{file_part(part, 'part')}" if part else ""
    return folder / f"媒体监测_monitoring_{month}{suffix}.xlsx"


def _money(fen: Any):
    return from_fen(int(fen))


def _rank_change(v: Any) -> str:
    if v is None or pd.isna(v):
        return "新 New"
    v = int(v)
    return f"↑{v}" if v > 0 else f"↓{-v}" if v < 0 else "—"


def _brand_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for r in df.to_dict("records"):
        rows.append({**r, "spend": _money(r["fen"]), "rank": None if pd.isna(r["rank"]) else int(r["rank"]),
                     "rank_change_text": "" if r["advertiser"] == OTHER else _rank_change(r["rank_change"])})
    return rows


# --------------------------------------------------------------------------- the parts
def _summary_pairs(m: MonitoringMonth) -> list[tuple[str, Any, str]]:
    client = m.by_brand[m.by_brand["advertiser"] == m.client]
    c = client.iloc[0] if not client.empty else None
    pairs = [
        ("监测月份 Month", m.month, "text"),
        ("剪报总数 Clippings", m.clippings, "int"),
        ("新广告 New creatives", m.new_creatives, "int"),
        (f"{m.client} 投放次数 Insertions", int(c["insertions"]) if c is not None else 0, "int"),
        (f"{m.client} 刊例费用 Rate-card spend", _money(c["fen"]) if c is not None else _money(0), "money"),
        (f"{m.client} 费用份额 Share of voice (spend)", c["sov_spend"] if c is not None else None, "percent"),
        (f"{m.client} 排名 Rank", int(c["rank"]) if c is not None and not pd.isna(c["rank"]) else None, "int"),
        ("未归类广告主 Unmapped advertisers", len(m.unmapped), "int"),
    ]
    if m.gap:
        pairs.append(("第一名与第二名之差 Gap between first and second",
                      f"{m.gap['first']} − {m.gap['second']}: {fmt_money(_money(m.gap['fen']))}, "
                      f"{m.gap['insertions']:+d} 次 insertions", "text"))
    for note in m.notes:
        pairs.append(("注意 Note", note, "text"))
    return pairs


def _placements(wb: ReportWorkbook, m: MonitoringMonth) -> None:
    rows = [{**r, "new_label": _YES[bool(r.get("new_creative"))], "spend": r.get("est_cost")}
            for r in m.placements.to_dict("records")]
    wb.table("刊登明细 Placements", PLACEMENT_COLUMNS, rows,
             title=f"客户及竞争对手刊登 {m.month} Placements of the client and competitors",
             subtitle="新广告在前，其后按日期 / new creatives first, then by date")
    counts = m.placement_counts
    media = [str(c) for c in counts.columns]
    cols = (Column("brand", "品牌", "Brand", width=18), *(Column(f"m{i}", md, "", "int", 12) for i, md in enumerate(media)),
            Column("total", "合计", "Total", "int", 8))
    crow = [{"brand": b, **{f"m{i}": int(counts.loc[b].iloc[i]) for i in range(len(media))},
             "total": int(counts.loc[b].sum())} for b in counts.index]
    wb.table("品牌×媒体 Brand x media", cols, crow, title="刊登次数：品牌 × 媒体 Insertions by brand and media")


def _industry(wb: ReportWorkbook, m: MonitoringMonth, top_n: int) -> None:
    ws, first, n = wb.table("行业 Industry", BRAND_COLUMNS, _brand_rows(m.by_brand),
                            title=f"行业投放量 {m.month} Industry ad volume",
                            subtitle=f"份额合计为 1（含「{OTHER}」）；环比对比 {month_add(m.month, -1)}，同比对比 "
                                     f"{month_add(m.month, -12)} / shares sum to 1 including other; MoM against "
                                     f"{month_add(m.month, -1)}, YoY against {month_add(m.month, -12)}")
    r = first + max(n, 1) + 1
    if m.gap:
        ws.write_string(r, 0, f"第一名与第二名之差 Gap between first and second: {m.gap['first']} − {m.gap['second']} = "
                              f"{fmt_money(_money(m.gap['fen']))}, {m.gap['insertions']:+d} 次 insertions", wb.label_fmt)
    wb.table(f"前{top_n}名 TOP {top_n}", BRAND_COLUMNS[:6], _brand_rows(m.top),
             title=f"前 {top_n} 名广告主（按刊例费用）TOP {top_n} advertisers by rate-card spend",
             subtitle="名次变化对比上月；「新」= 上月未投放 / rank change against last month; New = not advertising last month")

    # trailing 12 months: spend by advertiser x month (stacked columns), share of voice (lines)
    months = list(m.spend_series.columns)
    ws = wb.sheet("近12个月 Trailing 12 months")
    ws.set_column(0, 0, 20)
    ws.set_column(1, len(months), 11)
    wb.write_title(ws, 0, f"近 12 个月 {months[0]} – {months[-1]} Trailing 12 months")
    head = ["广告主 Advertiser", *months]
    spend_rows = [[a, *(_money(v) for v in m.spend_series.loc[a])] for a in m.spend_series.index]
    h, d0, d1 = data_table(wb, ws, 2, 0, "刊例费用（元）Rate-card spend (RMB)", head, spend_rows,
                           ["text", *["money"] * len(months)])
    name = "近12个月 Trailing 12 months"
    col = chart(wb, "column", "月度刊例费用（按广告主）Monthly spend by advertiser", subtype="stacked",
                y_title="元 RMB", y_format="#,##0")
    for i in range(d0, d0 + len(spend_rows)):
        col.add_series({"name": [name, i, 0], "categories": [name, h, 1, h, len(months)],
                        "values": [name, i, 1, i, len(months)], "gap": 60})
    if spend_rows:
        ws.insert_chart(d1 + 2, 0, col)
    top = d1 + 2 + 19
    ws.set_h_pagebreaks([top])  # each chart on a printed page with its table
    sov_rows = [[a, *m.sov_series.loc[a].tolist()] for a in m.sov_series.index]
    h, d0, d1 = data_table(wb, ws, top, 0, "费用份额 Share of voice (spend)", head, sov_rows,
                           ["text", *["percent"] * len(months)])
    line = chart(wb, "line", "费用份额走势 Share of voice by month", y_title="份额 Share", y_format="0%")
    for i in range(d0, d0 + len(sov_rows)):
        line.add_series({"name": [name, i, 0], "categories": [name, h, 1, h, len(months)],
                         "values": [name, i, 1, i, len(months)], "marker": {"type": "circle", "size": 5}})
    if sov_rows:
        ws.insert_chart(d1 + 2, 0, line)
    trailing = [{**r, "spend": _money(r["fen"])} for r in m.trailing.to_dict("records")]
    wb.table("12个月合计 12-month totals", (BRAND_COLUMNS[2], BRAND_COLUMNS[3], BRAND_COLUMNS[4], BRAND_COLUMNS[5]),
             trailing, title=f"近 12 个月合计 {months[0]} – {months[-1]} Trailing 12 months, totals")
    wb.table("按媒体 By media", MEDIA_COLUMNS, [{**r, "spend": _money(r["fen"])} for r in m.by_media.to_dict("records")],
             title=f"按媒体 {m.month} By media")
    lists = ([{"kind": "本月新增 New this month", "advertiser": a} for a in m.new_advertisers]
             + [{"kind": "本月停投 Stopped this month", "advertiser": a} for a in m.stopped_advertisers])
    wb.table("新增与停投 New and stopped", LIST_COLUMNS, lists, title="新增与停投的广告主 New and stopped advertisers",
             subtitle=f"对比上月 {month_add(m.month, -1)} / against the month before")


def _competitors(wb: ReportWorkbook, m: MonitoringMonth) -> None:
    rows = [{**r, "spend": _money(r["fen"])} for r in m.competitors.to_dict("records")]
    wb.table("竞争对手 Competitors", COMPETITOR_COLUMNS, rows, title=f"竞争对手 {m.month} Competitors",
             subtitle=f"第一行为客户；环比对比上月，同比对比去年同月 / the first row is the client; MoM against last "
                      f"month, YoY against {month_add(m.month, -12)}")
    name = "份额图 Charts"
    ws = wb.sheet(name)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 3, 14)
    wb.write_title(ws, 0, f"竞争对手对比 {m.month} Competitors against the client")
    share_rows = [[r["advertiser"], _money(r["fen"]), r["share"]] for r in m.group_share.to_dict("records")]
    h, d0, d1 = data_table(wb, ws, 2, 0, "费用份额 Share of spend", ["广告主 Advertiser", "刊例费用 Spend", "份额 Share"],
                           share_rows, ["text", "money", "percent"])
    pie = chart(wb, "pie", "刊例费用份额 Share of rate-card spend", legend="right")
    pie.add_series({"name": "份额 Share", "categories": [name, d0, 0, d1, 0], "values": [name, d0, 1, d1, 1],
                    "data_labels": {"percentage": True, "leader_lines": True}})
    ws.insert_chart(2, 4, pie)
    top = max(d1 + 2, 21)
    ws.set_h_pagebreaks([top])
    bar_rows = [[r["advertiser"], int(r["insertions"]), _money(r["fen"])] for r in m.competitors.to_dict("records")]
    h, d0, d1 = data_table(wb, ws, top, 0, "与客户对比 Against the client",
                           ["广告主 Advertiser", "投放次数 Insertions", "刊例费用 Spend"], bar_rows, ["text", "int", "money"])
    bar = chart(wb, "bar", "刊例费用：竞争对手与客户 Spend, competitors against the client", y_title="元 RMB",
                y_format="#,##0")
    bar.add_series({"name": [name, h, 2], "categories": [name, d0, 0, d1, 0], "values": [name, d0, 2, d1, 2],
                    "data_labels": {"value": True, "num_format": "#,##0"}})
    ws.insert_chart(top, 4, bar)
    ins = chart(wb, "bar", "投放次数：竞争对手与客户 Insertions, competitors against the client", y_title="次 Insertions")
    ins.add_series({"name": [name, h, 1], "categories": [name, d0, 0, d1, 0], "values": [name, d0, 1, d1, 1],
                    "data_labels": {"value": True}, "fill": {"color": "#ED7D31"}})
    ws.insert_chart(top + 17, 4, ins)


def _write_workbook(cfg: "Config", m: MonitoringMonth, part: str | None, path: Path, title_zh: str, title_en: str) -> None:
    with ReportWorkbook(path, title=f"{title_zh} / {title_en}", author=cfg.agency.name) as wb:
        wb.key_values("概要 Summary", f"{title_zh} / {title_en}", _summary_pairs(m),
                      subtitle=f"{cfg.agency.name} → {cfg.client.name}；刊例价估算 / rate-card estimates")
        if part in (None, "placements"):
            _placements(wb, m)
        if part in (None, "industry"):
            _industry(wb, m, cfg.monitoring.top_advertisers)
        if part in (None, "competitors"):
            _competitors(wb, m)
        wb.table("未归类 Unmapped", UNMAPPED_COLUMNS, m.unmapped, title="未归类的广告主 Unmapped advertisers",
                 subtitle="计入「其他」；请在品牌别名登记表中登记 / counted as other; add them to the brand-alias register")


# --------------------------------------------------------------------------- the mail body
def _pct(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else f"{float(v) * 100:.1f}%"


def _mail_body(m: MonitoringMonth, part: str | None, title_zh: str, title_en: str) -> tuple[str, str]:
    client = m.by_brand[m.by_brand["advertiser"] == m.client]
    c = client.iloc[0] if not client.empty else None
    figures = [
        Figure("监测月份", "Month", m.month),
        Figure("剪报总数", "Clippings", m.clippings),
        Figure("新广告", "New creatives", m.new_creatives),
        Figure(f"{m.client} 费用份额", "Client's share of voice (spend)", _pct(c["sov_spend"]) if c is not None else ""),
        Figure(f"{m.client} 排名", "Client's rank", "" if c is None or pd.isna(c["rank"]) else int(c["rank"])),
        Figure("未归类广告主", "Unmapped advertisers", len(m.unmapped), "、".join(u["advertiser"] for u in m.unmapped[:5])),
    ]
    blocks = [figures_html(figures, caption_zh="本月概况", caption_en="This month")]
    lines = [f"{title_zh} / {title_en}", "", figures_text(figures)]
    if part in (None, "industry"):
        top = [{"rank": str(r["rank"] or ""), "advertiser": r["advertiser"], "spend": fmt_money(r["spend"]),
                "sov": _pct(r["sov_spend"]), "change": _rank_change_text(r)} for r in _brand_rows(m.top)]
        blocks.append(rows_html([("rank", "排名", "Rank"), ("advertiser", "广告主", "Advertiser"),
                                 ("spend", "刊例费用", "Spend"), ("sov", "份额", "SOV"), ("change", "名次变化", "Rank change")],
                                top, caption_zh="排行榜", caption_en="TOP advertisers"))
        lines += ["", "排行榜 TOP:", *(f"  {t['rank']}. {t['advertiser']} {t['spend']} {t['sov']} {t['change']}" for t in top)]
        if m.new_advertisers or m.stopped_advertisers:
            blocks.append(paragraph(f"新增 New: {'、'.join(m.new_advertisers) or '—'}；停投 Stopped: "
                                    f"{'、'.join(m.stopped_advertisers) or '—'}"))
    if part in (None, "competitors"):
        comp = [{"advertiser": r["advertiser"], "insertions": str(int(r["insertions"])), "spend": fmt_money(_money(r["fen"])),
                 "mom": _pct(r["change_spend"]), "yoy": _pct(r["yoy_change_spend"])} for r in m.competitors.to_dict("records")]
        blocks.append(rows_html([("advertiser", "广告主", "Advertiser"), ("insertions", "次数", "Insertions"),
                                 ("spend", "刊例费用", "Spend"), ("mom", "费用环比", "Spend MoM"), ("yoy", "费用同比", "Spend YoY")],
                                comp, caption_zh="竞争对手", caption_en="Competitors"))
        lines += ["", "竞争对手 Competitors:", *(f"  {c_['advertiser']}: {c_['insertions']} · {c_['spend']}" for c_ in comp)]
    if part in (None, "placements"):
        new = m.placements[m.placements["new_creative"].fillna(False).astype(bool)]
        rows = [{"date": r["date"].date().isoformat() if hasattr(r["date"], "date") else str(r["date"]),
                 "advertiser": r["brand"], "media": r["media"], "theme": r.get("theme") or ""} for r in new.to_dict("records")]
        blocks.append(rows_html([("date", "日期", "Date"), ("advertiser", "品牌", "Brand"), ("media", "媒体", "Media"),
                                 ("theme", "主题", "Theme")], rows, caption_zh="新广告", caption_en="New creatives"))
        lines += ["", "新广告 New creatives:", *(f"  {r['date']} {r['advertiser']} {r['media']} {r['theme']}" for r in rows)]
    return html_document(title_zh, title_en, *blocks), "\n".join(lines)


def _rank_change_text(r: dict[str, Any]) -> str:
    return r["rank_change_text"]


# --------------------------------------------------------------------------- entry points
def render_monitoring(cfg: "Config", m: MonitoringMonth, part: str | None = None, out_dir: Path | None = None) -> ReportResult:
    """Write the workbook of a computed month (one part, or all three) and return the ReportResult (key KEY)."""
    zh, en = PART_TITLES[part] if part else ("", "")
    title_zh = f"{cfg.client.product} 媒体监测报告{f'（{zh}）' if zh else ''} {m.month}"
    title_en = f"Media monitoring{f', {en}' if en else ''}, {cfg.client.name}, {m.month}"
    path = monitoring_path(cfg, m.month, part, out_dir)
    _write_workbook(cfg, m, part, path, title_zh, title_en)
    html, text = _mail_body(m, part, title_zh, title_en)
    period = f"{m.month} {part}" if part else m.month
    log.info("monitoring report %s written to %s", period, path)
    topic = f"媒体监测报告{f' {zh}' if zh else ''}"
    return ReportResult(key=KEY, period=period, title_zh=title_zh, title_en=title_en,
                        subject=report_subject(cfg, KEY, period, topic), data=m.to_json(), html=html, text=text,
                        files=(path,), warnings=tuple(m.notes))


def build_monitoring(cfg: "Config", ledger: "Ledger", month: str, *, part: str | None = None,
                     out_dir: Path | None = None) -> ReportResult:
    """The monitoring report of `month` (one part or all three) from the ledger's clippings and brand aliases."""
    from ..errors import InputError
    from ..ledger import frames

    month_add(month, 0)  # a bad month is refused before the ledger is read
    if part is not None and part not in PARTS:
        raise InputError(f"没有这个部分 / No part {part!r}. Fix: use one of {', '.join(PARTS)}.")
    bmap = brand_map(cfg, frames.rows(ledger, "brand_aliases"))
    # the clippings of the months the report shows (the month, the 11 before it, the same month a year ago)
    clips = classify(frames.rows(ledger, "monitoring", period={"date": months_read(month)}), bmap,
                     spellings=frames.rows(ledger, "monitoring", fields=("advertiser",))["advertiser"])
    this = clips[clips["month"] == month]
    m = monitoring_month(clips, month, client=bmap.client, competitors=bmap.competitors, unmapped=unmapped_of(this),
                         top_n=cfg.monitoring.top_advertisers, notes=bmap.notes)
    return render_monitoring(cfg, m, part, out_dir)


def due(cfg: "Config", ledger: "Ledger", now: datetime) -> list[dict[str, Any]]:
    """The parts of the previous month due at `now`: each on or after its [sla] monitoring_<part>_day."""
    from .. import clock
    from ..monitoring.due import parts_due

    day = now.astimezone(cfg.tz).date()
    days = {p: getattr(cfg.sla, f"monitoring_{p}_day") for p in PARTS}
    return [{"month": clock.previous_month(day), "part": p} for p in parts_due(days, day)]


# --------------------------------------------------------------------------- the terminal and the demo
def show(result: ReportResult) -> list:
    """The month's figures for the terminal: advertisers with their share of voice and rank, then the unmapped."""
    from rich.table import Table
    from rich.text import Text

    data = result.data
    table = Table(title=f"{result.title_zh} / {result.title_en}")
    for head, justify in (("排名 Rank", "right"), ("广告主 Advertiser", "left"), ("次数 Insertions", "right"),
                          ("费用 Spend", "right"), ("份额 SOV", "right"), ("名次变化 Rank change", "right")):
        table.add_column(head, justify=justify)
    for b in data["by_brand"]:
        rc = b["rank_change"]
        table.add_row("" if b["rank"] is None else str(b["rank"]), Text(b["brand"]), str(b["insertions"]),
                      fmt_money(b["spend"]), _pct(b["sov_spend"]), "" if rc is None else f"{rc:+d}")
    shown: list = [table, f"剪报 Clippings {data['clippings']}, 新广告 new creatives {data['new_creatives']}"]
    for u in data["unmapped"]:
        shown.append(Text(f"未归类 Unmapped: {u['advertiser']} ({u['clippings']})", style="yellow"))
    return shown


def headline(data: dict[str, Any]) -> str:
    """One line of the month's key figures (the demo's table)."""
    return (f"{data.get('month', '')}: 剪报 clippings {data.get('clippings', 0)}, 新广告 new {data.get('new_creatives', 0)}, "
            f"广告主 advertisers {len(data.get('by_brand', []))}, 未归类 unmapped {len(data.get('unmapped', []))}")
