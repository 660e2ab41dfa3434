"""The personal morning digest (sla_watch): one mail per person with something to act on, Chinese with English.

Renders a `workflow.digest.Digest`; computes nothing.  An empty digest is never
rendered into a mail: `adtools.tasks.sla_watch_task` sends none.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..forms.catalog import DELIVERABLE_LABELS, FORMS
from ._labels import label
from .html import Figure, figures_html, figures_text, html_document, paragraph, rows_html

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..workflow.digest import Digest

__all__ = ["DigestMail", "render_digest"]

_STATUS = {
    "overdue": ("已逾期", "overdue"), "due_soon": ("即将到期", "due soon"), "open": ("进行中", "open"),
    "missing": ("未发出", "not sent, overdue"), "pending": ("待发出", "due soon"),
}
_DOCUMENTS = {c.key: (c.zh, c.en) for c in FORMS["sign_off"].field("document").choices}
_FORMS = {f.form_id: (f.zh, f.en) for f in FORMS.values()}


@dataclass(frozen=True)
class DigestMail:
    """One person's digest, ready for the outbox."""

    to: str
    subject: str
    html: str
    text: str


def _day(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d")
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _num(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(int(v))


def render_digest(cfg: "Config", digest: "Digest") -> DigestMail:
    """Subject `【待办 To do】海尔冰箱 张伟 2026-11-30`, key figures, then one table per kind of item."""
    d = digest
    subject = f"【待办 To do】{cfg.client.product} {d.name} {d.as_of.isoformat()}"
    figures = [
        Figure("到期/逾期交付", "Deliverables due or overdue", len(d.deliverables)),
        Figure("未发会议纪要", "Minutes owed", len(d.minutes)),
        Figure("待客户确认", "Awaiting the client", len(d.approvals)),
        Figure("上周工时表", "Last week's timesheet", "缺 missing" if d.timesheet_week else "已交 in"),
        Figure("被退回的表格", "Workbooks to fix", len(d.rejected)),
    ]
    blocks = [paragraph(f"{d.name}，早上好。以下事项需要您今天处理。",
                        f"Good morning, {d.name}. These need your action today."), figures_html(figures)]
    lines = [f"{d.name}，早上好。以下事项需要您今天处理。", f"Good morning, {d.name}. These need your action today.", "",
             figures_text(figures)]
    if d.deliverables:
        rows = [{"job_no": r["job_no"], "what": label(DELIVERABLE_LABELS, r["deliverable"]), "target": _day(r["target"]),
                 "status": " ".join(_STATUS.get(r["status"], (r["status"], ""))),
                 "days": _num(r["working_days_late"]) if r["status"] == "overdue" else _num(r["working_days_left"]),
                 "source": r["source"] or ""} for r in d.deliverables]
        blocks.append(rows_html((("job_no", "工作编号", "Job No."), ("what", "交付项目", "Deliverable"),
                                 ("target", "交付期限", "Due"), ("status", "状态", "Status"),
                                 ("days", "逾期/剩余工作日", "Working days late / left"), ("source", "来源", "Source")),
                                rows, caption_zh="到期或逾期的交付", caption_en="Deliverables due within one working day or overdue"))
        lines += ["", "到期或逾期的交付 / Deliverables due or overdue:"]
        lines += [f"- {r['job_no']} {r['what']}: {r['target']} {r['status']} ({r['source']})" for r in rows]
    if d.minutes:
        rows = [{"title": r["title"], "job_no": r["job_no"] or "", "deadline": _day(r["deadline"]),
                 "status": " ".join(_STATUS.get(r["status"], (r["status"], ""))), "source": r["source"] or ""}
                for r in d.minutes]
        blocks.append(rows_html((("title", "会议主题", "Meeting"), ("job_no", "工作编号", "Job No."),
                                 ("deadline", "纪要期限", "Minutes due"), ("status", "状态", "Status"),
                                 ("source", "来源", "Source")),
                                rows, caption_zh="应发的会议纪要", caption_en="Minutes you owe"))
        lines += ["", "应发的会议纪要 / Minutes you owe:"]
        lines += [f"- {r['title']} ({r['job_no']}): due {r['deadline']}, {r['status']}" for r in rows]
    if d.approvals:
        rows = [{"job_no": r["job_no"], "document": label(_DOCUMENTS, r["document"]), "submitted_on": _day(r["submitted_on"]),
                 "response_due": _day(r["response_due"]), "waiting": _num(r["working_days_waiting"]),
                 "source": r["source"] or ""} for r in d.approvals]
        blocks.append(rows_html((("job_no", "工作编号", "Job No."), ("document", "确认文件", "Document"),
                                 ("submitted_on", "提交日", "Submitted"), ("response_due", "客户应答期限", "Client due"),
                                 ("waiting", "已等工作日", "Working days waiting"), ("source", "来源", "Source")),
                                rows, caption_zh="等待客户确认（您的工作）", caption_en="Awaiting the client's approval (your jobs)"))
        lines += ["", "等待客户确认 / Awaiting the client:"]
        lines += [f"- {r['job_no']} {r['document']}: submitted {r['submitted_on']}, waiting {r['waiting']} working days"
                  for r in rows]
    if d.timesheet_week:
        week = d.timesheet_week.isoformat()
        blocks.append(paragraph(f"您 {week} 这一周的工时表还没有交。", f"Your timesheet for the week of {week} is missing."))
        lines += ["", f"您 {week} 这一周的工时表还没有交。 / Your timesheet for the week of {week} is missing."]
    if d.rejected:
        rows = [{"file": r["file"], "form": label(_FORMS, r["form_id"]) if r["form_id"] else "", "when": _day(pd.Timestamp(r["ingested_at"]).tz_convert(cfg.tz)) if r["ingested_at"] is not None else "",
                 "reason": r["reason"] or ""} for r in d.rejected]
        blocks.append(rows_html((("file", "文件", "File"), ("form", "表格", "Form"), ("when", "退回时间", "Rejected at"),
                                 ("reason", "原因", "Reason")),
                                rows, caption_zh="被退回、尚未改正的表格", caption_en="Your workbooks rejected and not yet fixed"))
        lines += ["", "被退回、尚未改正的表格 / Workbooks rejected and not yet fixed:"]
        lines += [f"- {r['file']} ({r['when']}): {r['reason']}" for r in rows]
    blocks.append(paragraph("此邮件由系统每个工作日早上自动发出；没有待办事项时不发。",
                            "Sent each working morning by adtools; no mail when there is nothing to act on."))
    return DigestMail(d.email, subject, html_document("今日待办", "Your actions today", *blocks),
                      "\n".join(lines) + "\n")
