"""Mail: the message model, the outbox in the ledger database, and the transports (exchange, graph, smtp, file).

`mail` sends what it is given: a `Message` and an idempotency key (`queue`),
delivered once by `flush`.  It knows no report; composing a report into a
message is `adtools.tasks`' work.
"""
from __future__ import annotations

from .message import Message, TOKEN_HEADER
from .outbox import (
    FlushOutcome,
    FlushResult,
    MailKey,
    OutboxEntry,
    QueueResult,
    flush,
    is_queued,
    list_messages,
    message_bytes,
    open_outbox,
    queue,
    requeue,
)
from .transport import DeliveryError, open_transport, test_connection

__all__ = [
    "Message",
    "TOKEN_HEADER",
    "MailKey",
    "QueueResult",
    "OutboxEntry",
    "FlushOutcome",
    "FlushResult",
    "queue",
    "is_queued",
    "flush",
    "list_messages",
    "message_bytes",
    "requeue",
    "open_outbox",
    "DeliveryError",
    "open_transport",
    "test_connection",
]
