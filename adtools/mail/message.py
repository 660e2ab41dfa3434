"""The mail message model: what a report sends, built into a standard e-mail that Outlook renders.

A `Message` is plain data (sender, recipients, subject, an HTML body with inline
styles only and its plain-text alternative, attachments as paths).  `to_email`
turns it into an `email.message.EmailMessage` carrying a unique token header
(`X-Adtools-Token`) by which the outbox finds it again after a crash.  The HTML
helpers draw tables the way Outlook's Word engine needs them: table layout,
inline styles, no <style> block, no classes, every text escaped.
"""
from __future__ import annotations

import html
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, NamedTuple, Sequence

from ..errors import FileError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = [
    "Message",
    "Figure",
    "TOKEN_HEADER",
    "figures_html",
    "figures_text",
    "rows_html",
    "html_document",
    "report_subject",
    "REPORT_SUBJECTS",
    "parse_eml",
    "content_type",
]

TOKEN_HEADER = "X-Adtools-Token"
_ADDRESS_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")

# report key -> (tag in 【】, topic): the subject reads 【tag】<product> <topic> <period>
REPORT_SUBJECTS = {
    "weekly": ("周报 Weekly", "工作进展"),
    "monitoring": ("监测月报 Monitoring", "媒体监测"),
    "fees": ("收费清单 Fees", "收费清单"),
    "reconciliation": ("对账 Reconciliation", "付款对账"),
    "flight": ("波次报告 Flight", "执行报告"),
    "archive": ("存档 Archive", "存档与授权"),
}


def _check_address(addr: str, what: str) -> str:
    a = addr.strip()
    if not _ADDRESS_RE.match(a):
        raise InputError(
            f"邮件地址无效 / {what} {addr!r} is not an e-mail address. "
            f"Fix: write it as name@example.com (check [mail] sender and [mail.recipients])."
        )
    return a


@dataclass(frozen=True)
class Message:
    """One e-mail to send: its addresses, subject, HTML body + text alternative and attached files."""

    sender: str
    to: tuple[str, ...]
    subject: str
    html: str
    text: str
    cc: tuple[str, ...] = ()
    attachments: tuple[Path, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        # accept lists for convenience, keep tuples (the dataclass is frozen and hashable)
        object.__setattr__(self, "to", tuple(self.to))
        object.__setattr__(self, "cc", tuple(self.cc))
        object.__setattr__(self, "attachments", tuple(Path(p) for p in self.attachments))
        _check_address(self.sender, "发件人 sender")
        if not self.to:
            raise InputError(
                f"没有收件人 / The message {self.subject!r} has no recipient. "
                "Fix: list the addresses in [mail.recipients] for this report."
            )
        for a in (*self.to, *self.cc):
            _check_address(a, "收件人 recipient")
        if not self.subject.strip() or "\n" in self.subject or "\r" in self.subject:
            raise InputError(f"邮件主题无效 / The subject {self.subject!r} must be one non-empty line. Fix: give a one-line subject.")

    @property
    def recipients(self) -> tuple[str, ...]:
        """To and Cc, in order (the addresses the message is delivered to)."""
        return (*self.to, *self.cc)

    def to_email(self, *, token: str, date: datetime, message_id: str | None = None) -> EmailMessage:
        """The standard e-mail: multipart/alternative (text, HTML) plus attachments, with the token header.

        Attachments are read now, so the result (and the .eml stored in the outbox)
        no longer depends on the report files still existing.
        """
        if date.tzinfo is None:
            raise InputError("date must carry a time zone / 日期须带时区. Fix: pass an aware datetime.")
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        if self.cc:
            msg["Cc"] = ", ".join(self.cc)
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(date)
        domain = self.sender.rsplit("@", 1)[1]
        msg["Message-ID"] = message_id or f"<adtools.{token}@{domain}>"
        msg[TOKEN_HEADER] = token
        msg.set_content(self.text or " ", subtype="plain", charset="utf-8")
        msg.add_alternative(self.html, subtype="html", charset="utf-8")
        for path in self.attachments:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise FileError(
                    f"附件无法读取 / Cannot read the attachment {path}: {exc.strerror or exc}. "
                    "Fix: check that the report was written and the file still exists."
                ) from None
            ctype = content_type(path.name)
            maintype, subtype = ctype.split("/", 1)
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
        return msg


# fixed here because on Windows `mimetypes` reads the registry, which varies by machine
_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv",
    ".pdf": "application/pdf",
    ".json": "application/json",
    ".html": "text/html",
    ".zip": "application/zip",
}


def content_type(filename: str) -> str:
    """The MIME type of an attachment by its name (spreadsheets fixed, others guessed)."""
    suffix = Path(filename).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


def parse_eml(data: bytes) -> EmailMessage:
    """An e-mail from its bytes (as stored in the outbox), with the modern API."""
    from email import message_from_bytes

    return message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


def report_subject(config: "Config", key: str, period: str, topic: str | None = None) -> str:
    """`【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27`: report tag, `[client] product`, topic and period.

    A period that is a date (YYYY-MM-DD) reads 截至 <date> ("as of"); any other
    period (a month `2026-11`, a flight name) is printed as given.
    """
    if key not in REPORT_SUBJECTS:
        raise InputError(
            f"未知的报告 / Unknown report key {key!r}. Fix: use one of {', '.join(REPORT_SUBJECTS)}."
        )
    tag, default_topic = REPORT_SUBJECTS[key]
    when = f"截至 {period}" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", period) else period
    return f"【{tag}】{config.client.product} {topic or default_topic} {when}".strip()


# --------------------------------------------------------------------------- HTML for Outlook
class Figure(NamedTuple):
    """One key figure of a report: its label in Chinese and English and its value as shown."""

    label_zh: str
    label_en: str
    value: str | int | Decimal
    note: str = ""


_FONT = "font-family:'Microsoft YaHei','微软雅黑','PingFang SC',Arial,sans-serif;"
_CELL = _FONT + "font-size:14px;line-height:20px;color:#1f2328;padding:6px 10px;border:1px solid #d0d7de;"
_HEAD = _CELL + "font-weight:bold;background-color:#f0f3f6;"
_TABLE = "border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt;"


def _table_open(width: int) -> str:
    """The opening tag of every table of ours: fixed width, no spacing, Outlook's table gaps off."""
    return (
        f'<table role="presentation" width="{width}" cellpadding="0" cellspacing="0" border="0" '
        f'style="{_TABLE}width:{width}px;">'
    )


def _caption(caption_zh: str, caption_en: str, colspan: int) -> str:
    """A caption row above a table's head (nothing when both texts are empty)."""
    if not (caption_zh or caption_en):
        return ""
    e = html.escape
    return (
        f'<tr><td colspan="{colspan}" style="{_FONT}font-size:15px;font-weight:bold;color:#1f2328;'
        f'padding:12px 0 6px 0;">{e(caption_zh)} {e(caption_en)}</td></tr>'
    )


def _shown(value: str | int | Decimal) -> str:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"a figure is text, an int or a Decimal, not {type(value).__name__} ({value!r})")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


def figures_html(figures: Iterable[Figure], *, caption_zh: str = "", caption_en: str = "", width: int = 640) -> str:
    """A two-column table of key figures (label zh / en, value), with inline styles only."""
    e = html.escape
    rows = []
    for f in figures:
        label = f'{e(f.label_zh)}<br><span style="{_FONT}font-size:12px;color:#57606a;">{e(f.label_en)}</span>'
        value = e(_shown(f.value))
        if f.note:
            value += f'<br><span style="{_FONT}font-size:12px;color:#57606a;">{e(f.note)}</span>'
        rows.append(
            f'<tr><td valign="top" style="{_CELL}">{label}</td>'
            f'<td align="right" valign="top" style="{_CELL}text-align:right;">{value}</td></tr>'
        )
    return (
        _table_open(width)
        + _caption(caption_zh, caption_en, 2)
        + f'<tr><th align="left" bgcolor="#f0f3f6" style="{_HEAD}text-align:left;">项目 Item</th>'
        f'<th align="right" bgcolor="#f0f3f6" style="{_HEAD}text-align:right;">数值 Value</th></tr>'
        + "".join(rows)
        + "</table>"
    )


def rows_html(
    columns: Sequence[tuple[str, str, str]],
    rows: Iterable[Mapping[str, object]],
    *,
    caption_zh: str = "",
    caption_en: str = "",
    width: int = 640,
) -> str:
    """A table of rows for the mail body: columns are (key, 中文, English); inline styles only, text escaped."""
    e = html.escape
    head = "".join(
        f'<th align="left" bgcolor="#f0f3f6" style="{_HEAD}text-align:left;">{e(zh)}<br>'
        f'<span style="{_FONT}font-size:12px;font-weight:normal;color:#57606a;">{e(en)}</span></th>'
        for _, zh, en in columns
    )
    body = []
    for r in rows:
        cells = []
        for key, _, _ in columns:
            v = r.get(key)
            shown = "" if v is None else _shown(v) if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else str(v)
            cells.append(f'<td valign="top" style="{_CELL}">{e(shown)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return _table_open(width) + _caption(caption_zh, caption_en, len(columns)) + f"<tr>{head}</tr>" + "".join(body) + "</table>"


def figures_text(figures: Sequence[Figure]) -> str:
    """The same figures for the plain-text alternative: `label_zh label_en: value`, one a line."""
    lines = []
    for f in figures:
        line = f"{f.label_zh} {f.label_en}: {_shown(f.value)}"
        if f.note:
            line += f" ({f.note})"
        lines.append(line)
    return "\n".join(lines)


def html_document(title_zh: str, title_en: str, *blocks: str, width: int = 640) -> str:
    """A whole HTML mail body: a heading in Chinese and English above the given blocks (already HTML)."""
    e = html.escape
    body = "".join(f'<tr><td style="padding:0 0 12px 0;">{b}</td></tr>' for b in blocks)
    return (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{e(title_zh)} {e(title_en)}</title></head>"
        f'<body style="margin:0;padding:16px;background-color:#ffffff;{_FONT}">'
        + _table_open(width)
        + f'<tr><td style="{_FONT}font-size:20px;font-weight:bold;color:#1f2328;padding:0 0 4px 0;">{e(title_zh)}</td></tr>'
        f'<tr><td style="{_FONT}font-size:14px;color:#57606a;padding:0 0 16px 0;">{e(title_en)}</td></tr>'
        f"{body}</table></body></html>"
    )
