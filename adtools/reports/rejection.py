"""The mail that tells a submitter their workbook was rejected: what to fix, where, the feedback workbook attached.

Rendered here like every report's body (Outlook-safe HTML and a text
alternative); `adtools.tasks` hands it to the outbox once per file version,
under the idempotency key `ingest-rejected:<sha256>`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..errors import Finding
from .html import html_document, paragraph, rows_html

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..ledger.store import DocumentVersion

__all__ = ["RejectionNotice", "rejection_notice"]

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


def rejection_notice(cfg: "Config", doc: "DocumentVersion", findings: Sequence[Finding], to: Sequence[str]) -> RejectionNotice:
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

    table = rows_html(
        [("where", "位置", "Where"), ("value", "填写值", "Value"), ("problem", "问题", "Problem")],
        [{"where": f.where or name, "value": "" if f.value is None else str(f.value),
          "problem": f"{f.message_zh} / {f.message_en}"} for f in listed],
    )
    blocks = [paragraph(intro_zh, intro_en), paragraph(fix_zh, fix_en), table]
    if len(errors) > len(listed):
        blocks.append(paragraph(f"另有 {len(errors) - len(listed)} 处，见反馈表格 / and {len(errors) - len(listed)} more: see the feedback workbook"))
    if fb:
        blocks.append(paragraph(fb))
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
