"""What every mail transport offers the outbox, how it reports failure, and how one is chosen.

A transport sends one stored message (`Outgoing`), can look a message up by its
token after a crash (`find_sent`), and can test its connection without sending.
It turns every failure of its library into a `DeliveryError` saying whether a
later try may help (`transient`) and whether the rest of this flush should stop
(`stop`: the server is unwell, or the account itself is refused).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Callable, Protocol

from ..errors import MailError
from .message import TOKEN_HEADER, parse_eml

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["Outgoing", "MessageParts", "message_parts", "DeliveryError", "Transport", "transport_class", "open_transport", "test_connection"]

log = logging.getLogger("adtools.mail")


@dataclass(frozen=True)
class Outgoing:
    """A message taken from the outbox to be delivered: its row id, key, token and stored bytes."""

    id: int
    key: str
    report: str
    period: str
    token: str
    eml: bytes
    # Graph: the draft recorded for this message by an earlier attempt, and how to record a new one
    # (the outbox writes it to its row before the draft is sent; see adtools.mail.graph)
    draft_id: str | None = None
    record_draft: Callable[[str | None], None] | None = field(default=None, compare=False, repr=False)

    def email(self) -> EmailMessage:
        msg = parse_eml(self.eml)
        if msg.get(TOKEN_HEADER) != self.token:  # the stored bytes and the row must agree
            raise MailError(f"outbox message {self.id}: its {TOKEN_HEADER} header does not match the outbox row")
        return msg

    def parts(self) -> "MessageParts":
        return message_parts(self.email())


@dataclass(frozen=True)
class MessageParts:
    """A stored message taken apart for the APIs that want fields, not MIME (EWS, Graph)."""

    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    html: str | None  # None when the message has no HTML part
    text: str
    attachments: tuple[tuple[str, str, bytes], ...]  # (file name, content type, bytes)


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")  # the .eml is stored with CRLF, as SMTP wants


def message_parts(msg: EmailMessage) -> MessageParts:
    """Subject, addresses, bodies (LF line ends) and attachments of an e-mail."""
    html_part = msg.get_body(preferencelist=("html",))
    text_part = msg.get_body(preferencelist=("plain",))

    def addresses(header: str) -> tuple[str, ...]:
        h = msg[header]
        return tuple(a.addr_spec for a in h.addresses) if h else ()

    return MessageParts(
        subject=str(msg["Subject"]),
        to=addresses("To"),
        cc=addresses("Cc"),
        html=_lf(html_part.get_content()) if html_part is not None else None,
        text=_lf(text_part.get_content()) if text_part is not None else "",
        attachments=tuple(
            (part.get_filename() or "attachment", part.get_content_type(), part.get_content())
            for part in msg.iter_attachments()
        ),
    )


class DeliveryError(MailError):
    """A transport could not deliver a message; says whether retrying later may help and whether to stop the flush.

    `retry_after` (seconds) is how long the server asked us to wait (HTTP Retry-After): the outbox
    does not try the message again sooner, even when its back-off would.
    """

    def __init__(self, message: str, *, transient: bool, stop: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.transient = transient
        self.stop = stop
        self.retry_after = retry_after


class Transport(Protocol):
    """The interface the outbox uses; one module per transport implements it."""

    name: str
    can_find_sent: bool  # whether find_sent really looks (exchange, graph, file) or cannot (smtp)

    @classmethod
    def lease_seconds(cls, config: "Config") -> int:
        """The longest one send may take; a `sending` row older than this was left by a crash."""

    def send(self, item: Outgoing) -> str | None:
        """Deliver the message; return the provider's id for it when there is one."""

    def find_sent(self, item: Outgoing) -> str | None:
        """After a crash: the provider id (or "found") if it was sent, None if not (or if it cannot tell)."""

    def test(self) -> dict[str, Any]:
        """Connect and authenticate without sending; describe the server."""

    def close(self) -> None:
        """Release connections."""


def transport_class(config: "Config") -> type:
    """The class of the transport named by `[mail] transport` (not yet connected, no secret read)."""
    name = config.mail.transport
    if name == "file":
        from .file import FileTransport

        return FileTransport
    if name == "smtp":
        from .smtp import SmtpTransport

        return SmtpTransport
    if name == "exchange":
        from .exchange import ExchangeTransport

        return ExchangeTransport
    if name == "graph":
        from .graph import GraphTransport

        return GraphTransport
    raise MailError(f"未知的发信方式 / Unknown [mail] transport {name!r}. Fix: use exchange, graph, smtp or file.")


def open_transport(config: "Config", *, now: Callable[[], datetime] | None = None, sleep: Callable[[float], None] | None = None) -> Transport:
    """The transport named by `[mail] transport`, configured from its section.

    `now` gives the time for file names (default: the wall clock in the config's
    time zone); `sleep` is how the Graph transport waits on Retry-After (tests
    pass a recorder).
    """
    cls = transport_class(config)
    if cls.name == "file":
        return cls(config, now=now)
    if cls.name == "graph":
        return cls(config, sleep=sleep)
    return cls(config)


def test_connection(config: "Config") -> dict[str, Any]:
    """Connect and authenticate with the configured transport without sending; describe the server."""
    transport = open_transport(config)
    try:
        return transport.test()
    finally:
        transport.close()


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported into one
