"""The client's Monday progress list (工作进展周报): open, due, delivered, awaiting approval; a timeline.

Figures come from `adtools.workflow.weekly_summary`; this module only renders
them: a one-page summary, the open deliverables on a timeline (a Gantt of
conditional formats), what was delivered and what awaits the client, and a mail
body that greets, says what is attached and signs.  What the client receives
names no source cell, file, gate violation or minutes: those are the account
team's version (`weekly_internal`).  It also owns the weekly JSON shape of
issue 5 (`weekly_data`, the internal report's `--json`; `client_data`, this one's).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..forms.catalog import DELIVERABLE_LABELS
from .. import clock
from ..money import fmt2
from ..workflow import DOCUMENT_LABELS, WeeklySummary, weekly_summary
from ._labels import _missing, label
from .base import ReportResult, report_subject
from .html import (Figure, figures_html, figures_text, html_document, paragraph, rows_html, signature_html,
                   signature_text)
from .xlsx import AMBER, RED, Column, ReportWorkbook

if TYPE_CHECKING:
    from ..calendar import WorkCalendar
    from ..config import Config

KEY = "weekly"  # this report's key in adtools.registry (its command, recipients and folder)

__all__ = ["KEY", "build_weekly", "render_weekly", "weekly_data", "client_data", "summary_of", "show", "headline"]

_STATUS = {
    "overdue": ("逾期", "overdue"),
    "due_soon": ("即将到期", "due soon"),
    "open": ("进行中", "open"),
    "delivered": ("已交付", "delivered"),
    "delivered_late": ("延迟交付", "delivered late"),
    "on_time": ("按时", "on time"),
    "late": ("延迟", "late"),
    "missing": ("未发出", "missing"),
    "pending": ("未到期", "not yet due"),
}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [] if df is None or df.empty else df.to_dict("records")


def _iso_date(v: Any) -> str | None:
    """`2026-10-16` from a date or Timestamp (an aware one by its own clock); None when missing."""
    return None if _missing(v) else pd.Timestamp(v).date().isoformat()


def _iso_datetime(v: Any) -> str | None:
    return None if _missing(v) else pd.Timestamp(v).isoformat()


def weekly_data(summary: WeeklySummary) -> dict[str, Any]:
    """The JSON shape of issue 5 (`adtools report weekly --json`), JSON conventions of CONTRACTS.md."""
    return {
        "as_of": summary.as_of.isoformat(),
        "jobs": summary.jobs,
        "open_deliverables": summary.open_deliverables,
        "overdue": [
            {"job_no": r["job_no"], "deliverable": r["deliverable"], "due": _iso_date(r["target"]),
             "working_days_late": int(r["working_days_late"])}
            for r in _records(summary.overdue)
        ],
        "due_soon": [
            {"job_no": r["job_no"], "deliverable": r["deliverable"], "due": _iso_date(r["target"]),
             "working_days_left": int(r["working_days_left"])}
            for r in _records(summary.due_soon)
        ],
        "awaiting_client": [
            {"job_no": r["job_no"], "document": r["document"], "version": int(r["version"]),
             "submitted_on": _iso_date(r["submitted_on"]), "working_days_waiting": int(r["working_days_waiting"])}
            for r in _records(summary.awaiting_client)
        ],
        "gate_violations": [
            {"job_no": r["job_no"], "stage": r["stage"], "done_on": _iso_date(r["done_on"]), "missing": list(r["missing"])}
            for r in _records(summary.gate_violations)
        ],
        "minutes": [
            {"title": r["title"], "meeting_end": _iso_datetime(r["meeting_end"]), "sent_at": _iso_datetime(r["sent_at"]),
             "status": r["status"], "hours_late": None if _missing(r["hours_late"]) else fmt2(r["hours_late"])}
            for r in _records(summary.minutes)
        ],
        "warnings": list(summary.warnings),
    }  # fmt: skip


def _deliverable_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in _records(df):
        out.append({
            **r,
            "deliverable_label": label(DELIVERABLE_LABELS, r.get("deliverable")),
            "status_label": label(_STATUS, r.get("status")),
            "rush_label": "加急 rush" if r.get("rush") else None,
        })
    return out


DELIVERABLE_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("order_no", "布置单", "Order No.", width=14),
    Column("deliverable_label", "工作项目", "Deliverable", width=28),
    Column("received_by", "负责人", "Owner", width=10),
    Column("received", "收到日期", "Received", "date", 12),
    Column("target", "目标日期", "Due", "date", 12),
    Column("rush_label", "加急", "Rush", width=9),
    Column("delivered_on", "交付日期", "Delivered", "date", 12),
    Column("status_label", "状态", "Status", width=16),
    Column("working_days_late", "逾期工作日", "Working days late", "int", 13),
    Column("working_days_left", "剩余工作日", "Working days left", "int", 13),
    Column("source", "来源", "Source", width=40),
)
DELIVERED_COLUMNS = (
    *DELIVERABLE_COLUMNS,
    Column("delivered_source", "交付记录来源", "Delivery recorded at", width=40),  # the progress-log row
)
AWAITING_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("document_label", "确认文件", "Document", width=32),
    Column("version", "版本", "Version", "int", 8),
    Column("submitted_on", "提交日期", "Submitted on", "date", 12),
    Column("response_due", "应答日期", "Response due", "date", 12),
    Column("working_days_waiting", "等待工作日", "Working days waiting", "int", 12),
    Column("source", "来源", "Source", width=40),
)
GATE_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("stage_label", "工作环节", "Stage", width=34),
    Column("done_on", "完成日期", "Done on", "date", 12),
    Column("owner_label", "负责方", "Owner", width=12),
    Column("missing_label", "缺少的客户确认", "Missing client approval", width=36),
    Column("detail", "说明", "Detail", width=40),
    Column("source", "来源", "Source", width=40),
)
MINUTES_COLUMNS = (
    Column("title", "会议主题", "Title", width=28),
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("meeting_end", "结束时间", "Meeting end", "datetime", 17),
    Column("deadline", "应发出时间", "Due by", "datetime", 17),
    Column("sent_at", "发出时间", "Sent at", "datetime", 17),
    Column("status_label", "状态", "Status", width=14),
    Column("hours_late", "延迟小时", "Hours late", "hours", 10),
    Column("prepared_by", "记录人", "Prepared by", width=10),
    Column("source", "来源", "Source", width=40),
)


CLIENT_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=15),
    Column("deliverable_label", "工作项目", "Deliverable", width=26),
    Column("received_by", "负责人", "Owner", width=9),
    Column("received", "收到日期", "Received", "date", 11),
    Column("target", "目标日期", "Due", "date", 11),
    Column("status_label", "状态", "Status", width=13),
    Column("working_days_late", "逾期工作日", "Working days late", "int", 9),
    Column("working_days_left", "剩余工作日", "Working days left", "int", 9),
)
CLIENT_DELIVERED_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=15),
    Column("deliverable_label", "工作项目", "Deliverable", width=28),
    Column("received", "收到日期", "Received", "date", 12),
    Column("target", "目标日期", "Due", "date", 12),
    Column("delivered_on", "交付日期", "Delivered", "date", 12),
    Column("status_label", "状态", "Status", width=16),
)
CLIENT_AWAITING_COLUMNS = tuple(c for c in AWAITING_COLUMNS if c.key != "source")
_CLIENT_KEYS = ("as_of", "jobs", "open_deliverables", "overdue", "due_soon", "awaiting_client", "warnings")


def client_data(summary: WeeklySummary) -> dict[str, Any]:
    """The client's share of `weekly_data`: what is open, due, delivered and awaiting approval (no gates, no minutes)."""
    full = weekly_data(summary)
    data = {k: full[k] for k in _CLIENT_KEYS}
    done = summary.deadlines[summary.deadlines["status"].isin(["delivered", "delivered_late"])]
    data["delivered"] = [
        {"job_no": r["job_no"], "deliverable": r["deliverable"], "due": _iso_date(r["target"]),
         "delivered_on": _iso_date(r["delivered_on"]), "on_time": r["status"] == "delivered"}
        for r in _records(done)
    ]
    return data


def timeline_days(summary: WeeklySummary, *, before: int = 7, after: int = 7, most: int = 42) -> list[date]:
    """The calendar days the timeline shows: a week before as_of to a week past the latest open due date, at most `most`."""
    as_of = summary.as_of
    dues = [pd.Timestamp(t).date() for t in summary.open_lines["target"] if not _missing(t)]
    last = max([as_of, *dues]) + timedelta(days=after)
    first = as_of - timedelta(days=before)
    span = min((last - first).days + 1, most)
    return [first + timedelta(days=i) for i in range(span)]


def deadline_blocks(data: dict[str, Any], *, awaiting: tuple[str, str]) -> list[str]:
    """The mail body's tables of what is overdue, due soon and awaiting approval (both weekly versions)."""
    blocks = []
    if data["overdue"]:
        blocks.append(rows_html(
            [("job_no", "工作编号", "Job No."), ("deliverable", "工作项目", "Deliverable"), ("due", "目标日期", "Due"),
             ("working_days_late", "逾期工作日", "Working days late")],
            [{**o, "deliverable": label(DELIVERABLE_LABELS, o["deliverable"])} for o in data["overdue"]],
            caption_zh="逾期", caption_en="Overdue"))
    if data["due_soon"]:
        blocks.append(rows_html(
            [("job_no", "工作编号", "Job No."), ("deliverable", "工作项目", "Deliverable"), ("due", "目标日期", "Due"),
             ("working_days_left", "剩余工作日", "Working days left")],
            [{**o, "deliverable": label(DELIVERABLE_LABELS, o["deliverable"])} for o in data["due_soon"]],
            caption_zh="两个工作日内到期", caption_en="Due within 2 working days"))
    if data["awaiting_client"]:
        blocks.append(rows_html(
            [("job_no", "工作编号", "Job No."), ("document", "确认文件", "Document"), ("version", "版本", "Version"),
             ("submitted_on", "提交日期", "Submitted on"), ("working_days_waiting", "等待工作日", "Working days waiting")],
            [{**a, "document": label(DOCUMENT_LABELS, a["document"])} for a in data["awaiting_client"]],
            caption_zh=awaiting[0], caption_en=awaiting[1]))
    return blocks


def render_weekly(cfg: "Config", summary: WeeklySummary, out_dir: Path | None = None) -> ReportResult:
    """Write the client's weekly progress list and return the ReportResult.

    What the client receives: a one-page summary, then the open deliverables with
    a timeline against their due dates, what was delivered, and what awaits the
    client's approval.  No source cells, file names, gate violations or minutes
    (those are the account team's, `adtools.reports.weekly_internal`).
    """
    as_of = summary.as_of
    out_dir = Path(out_dir) if out_dir is not None else cfg.reports_dir / KEY
    path = out_dir / f"周报_weekly_{as_of.isoformat()}.xlsx"
    data = client_data(summary)
    figures = [
        Figure("截至", "As of", as_of.isoformat()),
        Figure("工作数", "Jobs", data["jobs"]),
        Figure("未完成交付", "Open deliverables", data["open_deliverables"]),
        Figure("逾期", "Overdue", len(data["overdue"])),
        Figure("两个工作日内到期", "Due within 2 working days", len(data["due_soon"])),
        Figure("已交付", "Delivered", len(data["delivered"])),
        Figure("待贵方确认（超时）", "Awaiting your approval (past the agreed time)", len(data["awaiting_client"])),
    ]
    title_zh = f"{cfg.client.product} 工作进展周报"
    title_en = f"Weekly progress, {cfg.client.name}, as of {as_of.isoformat()}"

    with ReportWorkbook(path, title=f"{title_zh} / {title_en}", author=cfg.agency.name) as wb:
        pairs = [(f"{f.label_zh} {f.label_en}", f.value, "int" if isinstance(f.value, int) else "text") for f in figures]
        for o in data["overdue"]:
            pairs.append(("逾期 Overdue", f"{o['job_no']} {label(DELIVERABLE_LABELS, o['deliverable'])}，"
                          f"目标 due {o['due']}，逾期 {o['working_days_late']} 个工作日 working days late", "text"))
        for o in data["due_soon"]:
            pairs.append(("即将到期 Due soon", f"{o['job_no']} {label(DELIVERABLE_LABELS, o['deliverable'])}，"
                          f"目标 due {o['due']}，剩余 {o['working_days_left']} 个工作日 working days left", "text"))
        for w in summary.warnings:
            pairs.append(("注意 Warning", w, "text"))
        ws, _ = wb.key_values("摘要 Summary", f"{title_zh} / Weekly progress", pairs,
                              subtitle=f"{cfg.agency.name} → {cfg.client.name}")
        ws.fit_to_pages(1, 1)  # the summary is one page

        rows = _deliverable_rows(summary.open_lines.sort_values(["target", "job_no"], kind="stable"))
        fmts = [RED if r["status"] == "overdue" else AMBER if r["status"] == "due_soon" else None for r in rows]
        ws, first, n = wb.table("进度 Timeline", CLIENT_COLUMNS, rows,
                                title="未完成交付及时间线 Open deliverables against their due dates",
                                subtitle="红色 = 逾期 overdue；黄色 = 两个工作日内到期 due within 2 working days；"
                                         "蓝条 = 收到至目标日期 blue bar = received to due；粗框 = 截至日 bold = as of",
                                row_formats=fmts)
        wb.timeline(ws, header_row=first - 1, first_row=first, rows=n, col=len(CLIENT_COLUMNS),
                    start_col=3, end_col=4, days=timeline_days(summary), today=as_of)

        done = summary.deadlines[summary.deadlines["status"].isin(["delivered", "delivered_late"])]
        done_rows = _deliverable_rows(done)
        wb.table("已交付 Delivered", CLIENT_DELIVERED_COLUMNS, done_rows, title="已交付 Delivered",
                 row_formats=[AMBER if r["status"] == "delivered_late" else None for r in done_rows])
        awaiting = [{**r, "document_label": label(DOCUMENT_LABELS, r.get("document"))} for r in _records(summary.awaiting_client)]
        wb.table("待确认 Awaiting approval", CLIENT_AWAITING_COLUMNS, awaiting,
                 title=f"待贵方确认（超过 {cfg.sla.client_response_days} 个工作日）"
                       f"Awaiting your approval (more than {cfg.sla.client_response_days} working days)",
                 row_formats=[AMBER] * len(awaiting))

    blocks = [
        paragraph("您好，", "Dear colleagues,"),
        paragraph(f"附件是截至 {as_of.isoformat()} 的工作进展周报（{path.name}）：未完成、即将到期、已交付及待贵方确认的工作。",
                  f"Attached is the weekly progress list as of {as_of.isoformat()} ({path.name}): what is open, "
                  "due, delivered and awaiting your approval."),
        figures_html(figures, caption_zh="本周概况", caption_en="This week"),
    ]
    blocks += deadline_blocks(data, awaiting=("待贵方确认", "Awaiting your approval"))
    if summary.warnings:
        blocks.append(rows_html([("w", "注意", "Warning")], [{"w": w} for w in summary.warnings]))
    blocks.append(signature_html(cfg))
    html = html_document(title_zh, title_en, *blocks)
    text = "\n".join([f"{title_zh} / {title_en}", "", figures_text(figures), *summary.warnings, "",
                      signature_text(cfg)])
    return ReportResult(
        key=KEY,
        period=as_of.isoformat(),
        title_zh=title_zh,
        title_en=title_en,
        subject=report_subject(cfg, KEY, as_of.isoformat()),
        data=data,
        html=html,
        text=text,
        files=(path,),
        warnings=tuple(summary.warnings),
    )


def summary_of(
    cfg: "Config", ledger, *, as_of: date | None = None, today: date | None = None, cal: "WorkCalendar | None" = None,
) -> WeeklySummary:
    """The weekly summary up to the end of `as_of` (default: the last Friday of `today`), from the ledger's frames.

    The documents read are the current ones (a progress log saved on Saturday with
    Friday's deliveries counts for the Monday report); the business dates in them
    are cut at the end of `as_of` by the calculators.
    """
    from ..ledger import frames

    as_of = as_of or clock.last_friday(today or clock.today(cfg.tz))
    return weekly_summary(
        cfg,
        work_orders=frames.rows(ledger, "work_order"),
        progress=frames.rows(ledger, "progress"),
        sign_offs=frames.rows(ledger, "sign_off"),
        minutes_docs=frames.documents(ledger, "minutes"),
        as_of=as_of,
        cal=cal,
    )


def build_weekly(
    cfg: "Config",
    ledger,
    *,
    as_of: date | None = None,
    today: date | None = None,
    cal: "WorkCalendar | None" = None,
    out_dir: Path | None = None,
) -> ReportResult:
    """The client's weekly progress list: what happened up to the end of `as_of`, from the latest workbook versions."""
    return render_weekly(cfg, summary_of(cfg, ledger, as_of=as_of, today=today, cal=cal), out_dir)


# --------------------------------------------------------------------------- the terminal and the demo
def show(result: ReportResult) -> list:
    """The report's figures for the terminal (`adtools report weekly`): a table, then each overdue row and violation."""
    from rich.table import Table
    from rich.text import Text

    data = result.data
    table = Table(title=f"{result.title_zh} / {result.title_en}")
    table.add_column("项目 Item")
    table.add_column("数值 Value", justify="right")
    for item, value in (
        ("工作数 Jobs", data["jobs"]),
        ("未完成交付 Open deliverables", data["open_deliverables"]),
        ("逾期 Overdue", len(data["overdue"])),
        ("两个工作日内到期 Due soon", len(data["due_soon"])),
        ("待客户确认 Awaiting client", len(data["awaiting_client"])),
        ("流程违规 Gate violations", len(data["gate_violations"]) if "gate_violations" in data else None),
        ("纪要延迟或未发 Minutes late/missing",
         sum(m["status"] in ("late", "missing") for m in data["minutes"]) if "minutes" in data else None),
    ):
        if value is None:  # the client's list has no gates or minutes
            continue
        table.add_row(item, str(value))
    shown: list = [table]
    for o in data["overdue"]:
        shown.append(Text(f"逾期 Overdue: {o['job_no']} {o['deliverable']} due {o['due']} "
                          f"({o['working_days_late']} working days late)", style="red"))
    for g in data.get("gate_violations", []):
        shown.append(Text(f"流程违规 Gate violation: {g['job_no']} {g['stage']} on {g['done_on']} "
                          f"without {', '.join(g['missing'])}", style="red"))
    return shown


def headline(data: dict[str, Any]) -> str:
    """One line of the week's key figures (the demo's table)."""
    line = (f"逾期 overdue {len(data.get('overdue', []))}, 即将到期 due soon {len(data.get('due_soon', []))}, "
            f"待客户确认 awaiting client {len(data.get('awaiting_client', []))}")
    if "gate_violations" in data:  # the account team's version
        late = sum(m["status"] in ("late", "missing") for m in data.get("minutes", []))
        line += f", 流程违规 gate violations {len(data['gate_violations'])}, 纪要延迟 minutes late {late}"
    return line
