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
from ..forms.feedback import HOW_TO_FIX_EN, HOW_TO_FIX_ZH
from ..safetext import header_text
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


def _severity(f: Finding) -> str:
    return "错误 Error" if f.is_error else "警告 Warning"


def rejection_notice(cfg: "Config", doc: "DocumentVersion", findings: Sequence[Finding], to: Sequence[str]) -> RejectionNotice:
    """Subject, text and HTML (Chinese with English) listing every finding, the feedback workbook attached.

    Errors first, then warnings, each with its cell and the value found; the instruction is the
    feedback workbook's and the README's (`forms.feedback.HOW_TO_FIX_*`).  No server path is named:
    staff know their own file (its path in the shared folder) and the attachment.
    """
    name = Path(doc.rel_path).name
    subject = f"表格未被接收，请修改后重新保存 / Workbook not accepted, please correct and save again: {header_text(name)}"
    ordered = sorted(findings, key=lambda f: 0 if f.is_error else 1)
    n_err = sum(1 for f in ordered if f.is_error)
    n_warn = len(ordered) - n_err
    listed = ordered[:_MAX_LISTED]
    more = len(ordered) - len(listed)
    attachments = (Path(doc.feedback_path),) if doc.feedback_path and Path(doc.feedback_path).is_file() else ()
    intro_zh = (f"您提交的表格 {doc.rel_path} 有 {n_err} 处错误、{n_warn} 处警告，未被读入台账；"
                "之前的有效版本（如有）仍然有效。")
    intro_en = (
        f"The workbook {doc.rel_path} has {n_err} error(s) and {n_warn} warning(s) and was not entered into "
        "the ledger; the previous valid version, if any, still counts."
    )
    if attachments:
        att_zh = f"附件“{attachments[0].name}”是标好了问题的副本：红色为错误，橙色为警告，每个单元格的批注说明如何修改。"
        att_en = (f"The attached '{attachments[0].name}' is a copy with the problems marked: red for errors, "
                  "orange for warnings, each cell's comment saying how to fix it.")
        fix_zh, fix_en = HOW_TO_FIX_ZH, HOW_TO_FIX_EN
    else:
        att_zh = att_en = ""
        fix_zh = "请按下列说明修改原文件并保存，下次读入时会自动重新检查。"
        fix_en = "Please correct the file where it is and save it; the next scan checks it again automatically."
    # doc.reason (the one-line summary in `adtools ingest`) repeats the first finding: each problem is listed once
    lines = [intro_zh, intro_en, ""]
    if att_zh:
        lines += [att_zh, att_en, ""]
    lines += [fix_zh, fix_en, ""]
    for f in listed:
        lines.append(f"- {_severity(f)} {f.where or name}: {f.message_zh} / {f.message_en}"
                     + (f" ({f.value})" if f.value not in (None, "") else ""))
    if more:
        lines.append(f"… 另有 {more} 处 / and {more} more (see the feedback workbook)")
    text = "\n".join(lines) + "\n"

    table = rows_html(
        [("severity", "类别", "Kind"), ("where", "位置", "Where"), ("value", "填写值", "Value"),
         ("problem", "问题", "Problem")],
        [{"severity": _severity(f), "where": f.where or name, "value": "" if f.value is None else str(f.value),
          "problem": f"{f.message_zh} / {f.message_en}"} for f in listed],
    )
    blocks = [paragraph(intro_zh, intro_en)]
    if att_zh:
        blocks.append(paragraph(att_zh, att_en))
    blocks += [paragraph(fix_zh, fix_en), table]
    if more:
        blocks.append(paragraph(f"另有 {more} 处，见反馈表格 / and {more} more: see the feedback workbook"))
    body = html_document("表格未被接收", f"Workbook not accepted: {name}", *blocks)
    return RejectionNotice(
        key=f"ingest-rejected:{doc.sha256}",
        to=tuple(to),
        subject=subject,
        text=text,
        html=body,
        attachments=attachments,
    )
