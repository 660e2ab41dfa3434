"""Mail: the message model, the outbox in the ledger database, and the transports (exchange, graph, smtp, file).

`mail` sends what it is given; it knows no report beyond `queue_report`, which
reads a `ReportResult`'s key, period, subject, bodies and files.
"""
from __future__ import annotations

from .message import Figure, Message, TOKEN_HEADER, figures_html, figures_text, html_document, report_subject
from .outbox import (
    FlushOutcome,
    FlushResult,
    MailKey,
    OutboxEntry,
    QueueResult,
    flush,
    list_messages,
    message_bytes,
    open_outbox,
    queue,
    queue_report,
    requeue,
)
from .transport import DeliveryError, open_transport, test_connection

__all__ = [
    "Message",
    "Figure",
    "TOKEN_HEADER",
    "figures_html",
    "figures_text",
    "html_document",
    "report_subject",
    "MailKey",
    "QueueResult",
    "OutboxEntry",
    "FlushOutcome",
    "FlushResult",
    "queue",
    "queue_report",
    "flush",
    "list_messages",
    "message_bytes",
    "requeue",
    "open_outbox",
    "DeliveryError",
    "open_transport",
    "test_connection",
]
