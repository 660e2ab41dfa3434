"""The mail message model: what a report sends, built into a standard e-mail that Outlook renders.

A `Message` is plain data (sender, recipients, subject, an HTML body with inline
styles only and its plain-text alternative, attachments as paths).  `to_email`
turns it into an `email.message.EmailMessage` carrying a unique token header
(`X-Adtools-Token`) by which the outbox finds it again after a crash.  The HTML
helpers draw tables the way Outlook's Word engine needs them: table layout,
inline styles, no <style> block, no classes, every text escaped.
"""
from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from ..errors import FileError, InputError
from ..safetext import header_text

__all__ = [
    "Message",
    "TOKEN_HEADER",
    "parse_eml",
    "content_type",
    "ascii_filename",
]

TOKEN_HEADER = "X-Adtools-Token"
_ADDRESS_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")

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
        # text from outside (a file name in a rejection notice) may hold other line breaks (U+2028, VT, ...)
        object.__setattr__(self, "subject", header_text(self.subject))

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
            name = header_text(path.name) or "attachment"  # a file name is data: never a header break
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)  # RFC 2231 filename*
            # older clients (Outlook 2007, Lotus Notes) that do not read RFC 2231 take Content-Type's name
            msg.get_payload()[-1].set_param("name", ascii_filename(name))
        return msg


def ascii_filename(name: str) -> str:
    """The attachment's name for a client that reads only ASCII: `周报_weekly_2026-11-20.xlsx` -> `weekly_2026-11-20.xlsx`.

    Letters with accents lose them, other characters are dropped, runs of `_ -.` and
    spaces are tidied; a name left with no letters becomes `attachment<suffix>`.
    """
    path = Path(name)
    stem = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r'[^A-Za-z0-9._ -]+', "_", stem)
    stem = re.sub(r"[_ ]*([_ -])[_ ]*", r"\1", stem).strip("_ -.")
    suffix = re.sub(r"[^A-Za-z0-9.]", "", path.suffix)
    return f"{stem or 'attachment'}{suffix}"


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
