"""The mail that tells a submitter their workbook was rejected, queued once per file version.

The ingest records, with each rejected version, whom to tell (`notify_to`); after
the scan, every rejected version not yet told is turned into a message here and
handed to the mail outbox under the idempotency key `ingest-rejected:<sha256>`.
A notice that cannot be queued stays pending and is tried again on the next run.
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from ..config import Config
from ..errors import AdtoolsError, Finding
from .db import migrate
from .store import DocumentVersion, Ledger

__all__ = ["RejectionNotice", "recipients_for", "rejection_notice", "queue_rejection_notice", "send_pending_notices"]

log = logging.getLogger("adtools.ledger.notices")

_MAX_LISTED = 30


@dataclass(frozen=True)
class RejectionNotice:
    """A rejection mail, ready for the outbox."""

    key: str  # idempotency key: one notice per file version
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    attachments: tuple[Path, ...]


def recipients_for(cfg: Config, author: str | None) -> list[str]:
    """The [[people]] entry matching the workbook's author, else the account team (else [mail] sender)."""
    person = cfg.person(author) if author else None
    if person is not None and person.email:
        return [person.email]
    team = [p.email for p in cfg.people if p.department == "account" and p.email]
    return team or [cfg.mail.sender]


def rejection_notice(cfg: Config, doc: DocumentVersion, findings: Sequence[Finding], to: Sequence[str]) -> RejectionNotice:
    """Subject, text and HTML (Chinese with English) listing what to fix, the feedback workbook attached."""
    name = Path(doc.rel_path).name
    subject = f"表格未被接收，请修改后重新保存 / Workbook not accepted, please correct and save again: {name}"
    errors = [f for f in findings if f.is_error]
    listed = errors[:_MAX_LISTED]
    intro_zh = f"您提交的表格 {doc.rel_path} 有 {len(errors)} 处错误，未被读入台账；之前的有效版本（如有）仍然有效。"
    intro_en = (
        f"The workbook {doc.rel_path} has {len(errors)} error(s) and was not entered into the ledger; "
        "the previous valid version, if any, still counts."
    )
    fix_zh = "请按下列说明修改原文件并保存，下次读入时会自动重新检查。"
    fix_en = "Please correct the file where it is and save it; the next scan checks it again automatically."
    fb = f"批注的反馈表格 / annotated feedback workbook: {doc.feedback_path}" if doc.feedback_path else ""
    # doc.reason (the one-line summary in `adtools ingest`) repeats the first finding: each problem is listed once
    lines = [intro_zh, intro_en, "", fix_zh, fix_en, ""]
    for f in listed:
        lines.append(f"- {f.where or name}: {f.message_zh} / {f.message_en}" + (f" ({f.value})" if f.value not in (None, "") else ""))
    if len(errors) > len(listed):
        lines.append(f"… 另有 {len(errors) - len(listed)} 处 / and {len(errors) - len(listed)} more (see the feedback workbook)")
    if fb:
        lines += ["", fb]
    text = "\n".join(lines) + "\n"

    from ..mail.message import html_document, rows_html  # the Outlook-safe layout every mail of ours uses

    def para(*texts: str) -> str:
        return "<p style=\"margin:0;font-size:14px;line-height:20px;\">" + "<br>".join(html.escape(t) for t in texts) + "</p>"

    table = rows_html(
        [("where", "位置", "Where"), ("value", "填写值", "Value"), ("problem", "问题", "Problem")],
        [{"where": f.where or name, "value": "" if f.value is None else str(f.value),
          "problem": f"{f.message_zh} / {f.message_en}"} for f in listed],
    )
    blocks = [para(intro_zh, intro_en), para(fix_zh, fix_en), table]
    if len(errors) > len(listed):
        blocks.append(para(f"另有 {len(errors) - len(listed)} 处，见反馈表格 / and {len(errors) - len(listed)} more: see the feedback workbook"))
    if fb:
        blocks.append(para(fb))
    body = html_document("表格未被接收", f"Workbook not accepted: {name}", *blocks)
    attachments = (Path(doc.feedback_path),) if doc.feedback_path and Path(doc.feedback_path).is_file() else ()
    return RejectionNotice(
        key=f"ingest-rejected:{doc.sha256}",
        to=tuple(to),
        subject=subject,
        text=text,
        html=body,
        attachments=attachments,
    )


def queue_rejection_notice(cfg: Config, ledger: Ledger, notice: RejectionNotice, *, now: datetime) -> bool:
    """Hand a notice to the mail outbox (adtools.mail.queue, idempotent by key); False when it could not be queued.

    The one place the ledger reaches up to the mail part (lazily): the outbox lives
    in the ledger database (its tables made by `send_pending_notices`), and a
    notice not queued stays pending for the next run.
    """
    from ..mail import Message, queue

    try:
        message = Message(
            sender=cfg.mail.sender,
            to=notice.to,
            subject=notice.subject,
            html=notice.html,
            text=notice.text,
            attachments=notice.attachments,
        )
        queue(cfg, ledger.engine, message, notice.key, now=now)
    except AdtoolsError as exc:
        log.warning("rejection notice %s not queued (stays pending): %s", notice.key, exc)
        return False
    return True


def send_pending_notices(cfg: Config, ledger: Ledger, *, now: datetime) -> tuple[int, int]:
    """Queue the mail of every rejected version not told yet; (queued, still pending)."""
    todo = ledger.pending_notices()
    if not todo:
        return 0, 0
    try:
        from .. import mail  # noqa: F401  (registers the outbox's migrations)

        migrate(ledger.engine)
    except AdtoolsError as exc:
        log.warning("rejection notices not queued (stay pending): %s", exc)
        return 0, len(todo)
    queued = pending = 0
    for doc in todo:
        notice = rejection_notice(cfg, doc, ledger.findings_of(doc.id), ledger.notify_to(doc.id))
        if queue_rejection_notice(cfg, ledger, notice, now=now):
            ledger.mark_notified(doc.id, now=now)
            queued += 1
        else:
            pending += 1
    return queued, pending
