"""The mail to `[mail] admins` when a scheduled job starts failing (once per failure streak)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .html import Figure, figures_html, figures_text, html_document, paragraph

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["JobAlert", "job_failure_alert"]


@dataclass(frozen=True)
class JobAlert:
    """A rendered alert: its subject, HTML body and plain-text alternative."""

    subject: str
    html: str
    text: str


def job_failure_alert(cfg: "Config", job: str, period: str, error: str, first_at: datetime, host: str) -> JobAlert:
    """`【任务失败 Job failed】weekly_progress 2026-11-27`: what failed, since when, the error, what happens next."""
    subject = f"【任务失败 Job failed】{cfg.client.product} {job} {period}"
    figures = [
        Figure("任务", "Job", job),
        Figure("周期", "Period", period),
        Figure("首次失败", "Failing since", first_at.astimezone(cfg.tz).isoformat(timespec="minutes")),
        Figure("服务器", "Host", host),
    ]
    next_zh = "调度程序会在下一次检查时重试；在成功之前不会再发此提醒。"
    next_en = "The scheduler retries it at its next tick; this alert is not sent again until the job has succeeded."
    how = "查看 / See: adtools jobs status; the scheduler's log ([scheduler] log)."
    html = html_document(
        "定时任务失败", "A scheduled job failed",
        figures_html(figures),
        paragraph("错误 Error:", error or "(none given)"),
        paragraph(next_zh, next_en, how),
    )
    text = "\n".join(["定时任务失败 / A scheduled job failed", "", figures_text(figures), "",
                      f"错误 Error: {error or '(none given)'}", "", next_zh, next_en, how])
    return JobAlert(subject, html, text)
