"""The account team's weekly report (内部周报): the client's list plus sources, gate violations and minutes.

The client's progress list (`adtools.reports.weekly`) leaves out what is the
agency's own business: the cells each figure came from, the steps started
without the client's written approval, the minutes SLA.  This version keeps
them, for the account team.  Figures from `adtools.workflow.weekly_summary`,
as for the client's list; the weekly job sends both.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from ..workflow import DOCUMENT_LABELS, WeeklySummary
from ._labels import OWNER_LABELS, STAGE_LABELS, label
from .base import ReportResult, report_subject
from .html import Figure, figures_html, figures_text, html_document, rows_html
from .weekly import (AWAITING_COLUMNS, DELIVERABLE_COLUMNS, DELIVERED_COLUMNS, GATE_COLUMNS, MINUTES_COLUMNS, _STATUS,
                     _deliverable_rows, _records, deadline_blocks, summary_of, weekly_data)
from .xlsx import AMBER, RED, ReportWorkbook

if TYPE_CHECKING:
    from ..calendar import WorkCalendar
    from ..config import Config

KEY = "weekly_internal"  # this report's key in adtools.registry (its command, recipients and folder)

__all__ = ["KEY", "build_weekly_internal", "render_weekly_internal", "show", "headline"]


def render_weekly_internal(cfg: "Config", summary: WeeklySummary, out_dir: Path | None = None,
                           rights: Mapping[str, int] | None = None) -> ReportResult:
    """Write the account team's weekly workbook (sources, gate violations, minutes) and return the ReportResult.

    `rights` (`adtools.rights.rights_counts`): the rights expiring and the ads booked after their
    rights ended, shown among the key figures (the archive report has the detail).
    """
    as_of = summary.as_of
    out_dir = Path(out_dir) if out_dir is not None else cfg.reports_dir / KEY
    path = out_dir / f"内部周报_weekly_internal_{as_of.isoformat()}.xlsx"
    data = weekly_data(summary)
    figures = [
        Figure("截至", "As of", as_of.isoformat()),
        Figure("工作数", "Jobs", data["jobs"]),
        Figure("未完成交付", "Open deliverables", data["open_deliverables"]),
        Figure("逾期", "Overdue", len(data["overdue"])),
        Figure("两个工作日内到期", "Due within 2 working days", len(data["due_soon"])),
        Figure("待客户确认（超时）", "Awaiting client (past SLA)", len(data["awaiting_client"])),
        Figure("流程违规（未获客户确认即开始）", "Gate violations", len(data["gate_violations"])),
        Figure("会议纪要延迟或未发", f"Minutes late or missing (SLA {cfg.sla.minutes_hours} h)", summary.minutes_late),
    ]
    if rights is not None:
        data = {**data, "rights": dict(rights)}
        figures += [
            Figure("授权即将到期", f"Rights ending within {cfg.sla.rights_alert_days} days", rights["expiring"]),
            Figure("授权到期后仍排期刊登", "Insertions booked after their rights ended", rights["expired_in_use"]),
        ]
    title_zh = f"{cfg.client.product} 工作进展周报（内部）"
    title_en = f"Weekly progress, internal, {cfg.client.name}, as of {as_of.isoformat()}"

    with ReportWorkbook(path, title=f"{title_zh} / {title_en}", author=cfg.agency.name) as wb:
        pairs = [(f"{f.label_zh} {f.label_en}", f.value, "int" if isinstance(f.value, int) else "text") for f in figures]
        for w in summary.warnings:
            pairs.append(("注意 Warning", w, "text"))
        wb.key_values("摘要 Summary", f"{title_zh} / Weekly progress, internal", pairs,
                      subtitle=f"{cfg.agency.name} 客户组内部 / account team only: not for the client")

        rows = _deliverable_rows(summary.open_lines)
        fmts = [RED if r["status"] == "overdue" else AMBER if r["status"] == "due_soon" else None for r in rows]
        wb.table("未完成 Open", DELIVERABLE_COLUMNS, rows, title="未完成交付 Open deliverables",
                 subtitle="红色 = 逾期 overdue；黄色 = 两个工作日内到期 due within 2 working days", row_formats=fmts)
        overdue = _deliverable_rows(summary.overdue)
        wb.table("逾期 Overdue", DELIVERABLE_COLUMNS, overdue, title="逾期 Overdue", row_formats=[RED] * len(overdue))
        due_soon = _deliverable_rows(summary.due_soon)
        wb.table("即将到期 Due soon", DELIVERABLE_COLUMNS, due_soon,
                 title="两个工作日内到期 Due within 2 working days", row_formats=[AMBER] * len(due_soon))
        lines = summary.deadlines
        done = lines[lines["status"].isin(["delivered", "delivered_late"])]
        done_rows = _deliverable_rows(done)
        wb.table("已交付 Delivered", DELIVERED_COLUMNS, done_rows, title="已交付 Delivered",
                 row_formats=[AMBER if r["status"] == "delivered_late" else None for r in done_rows])

        awaiting = [{**r, "document_label": label(DOCUMENT_LABELS, r.get("document"))} for r in _records(summary.awaiting_client)]
        wb.table("待客户确认 Awaiting client", AWAITING_COLUMNS, awaiting,
                 title=f"待客户确认（超过 {cfg.sla.client_response_days} 个工作日）Awaiting client (more than {cfg.sla.client_response_days} working days)",
                 row_formats=[AMBER] * len(awaiting))
        gates = [
            {**r, "stage_label": label(STAGE_LABELS, r.get("stage")), "owner_label": label(OWNER_LABELS, r.get("owner")),
             "missing_label": "、".join(label(DOCUMENT_LABELS, m) for m in (r.get("missing") or [])),
             "detail": "\n".join(r.get("detail") or [])}  # one line per missing approval
            for r in _records(summary.gate_violations)
        ]
        wb.table("流程违规 Gate violations", GATE_COLUMNS, gates,
                 title="未获客户书面确认即开始的环节 Steps started without the client's written approval",
                 row_formats=[RED] * len(gates))
        mins = [{**r, "status_label": label(_STATUS, r.get("status"))} for r in _records(summary.minutes)]  # aware times: written as local wall-clock time
        wb.table("会议纪要 Minutes", MINUTES_COLUMNS, mins,
                 title=f"重要会议纪要（会后 {cfg.sla.minutes_hours} 小时内发出）Minutes of important meetings (within {cfg.sla.minutes_hours} h)",
                 row_formats=[RED if r["status"] in ("late", "missing") else None for r in mins])

    blocks = [figures_html(figures, caption_zh="本周概况", caption_en="This week")]
    blocks += deadline_blocks(data, awaiting=("待客户确认", "Awaiting the client's approval"))
    if data["gate_violations"]:
        blocks.append(rows_html(
            [("job_no", "工作编号", "Job No."), ("stage", "工作环节", "Stage"), ("done_on", "完成日期", "Done on"),
             ("missing", "缺少的客户确认", "Missing approval")],
            [{**g, "stage": label(STAGE_LABELS, g["stage"]),
              "missing": "、".join(label(DOCUMENT_LABELS, m) for m in g["missing"])} for g in data["gate_violations"]],
            caption_zh="流程违规", caption_en="Gate violations"))
    if summary.warnings:
        blocks.append(rows_html([("w", "注意", "Warning")], [{"w": w} for w in summary.warnings]))
    html = html_document(title_zh, title_en, *blocks)
    text = "\n".join([f"{title_zh} / {title_en}", "", figures_text(figures), *summary.warnings])
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


def build_weekly_internal(
    cfg: "Config",
    ledger,
    *,
    as_of: date | None = None,
    today: date | None = None,
    cal: "WorkCalendar | None" = None,
    out_dir: Path | None = None,
) -> ReportResult:
    """The account team's weekly report up to the end of `as_of` (default: the last Friday), from the ledger."""
    from ..ledger.frames import rows
    from ..rights import rights_counts

    summary = summary_of(cfg, ledger, as_of=as_of, today=today, cal=cal)
    rights = rights_counts(cfg, archive=rows(ledger, "archive"), media_schedule=rows(ledger, "media_schedule"),
                           as_of=summary.as_of)
    return render_weekly_internal(cfg, summary, out_dir, rights=rights)


# --------------------------------------------------------------------------- the terminal and the demo
def show(result: ReportResult) -> list:
    """The figures for the terminal (`adtools report weekly_internal`): the weekly table, violations in red."""
    from . import weekly

    return weekly.show(result)


def headline(data: dict) -> str:
    """One line of the week's key figures, gate violations and late minutes included (the demo's table)."""
    from . import weekly

    return weekly.headline(data)
