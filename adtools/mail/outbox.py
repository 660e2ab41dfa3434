"""The outbox: mail queued in the ledger database and delivered once, surviving crashes and outages.

Every message has an idempotency key (report, period, recipients): queuing a key
that is already in the outbox does nothing unless forced.  The stored row keeps
the whole message as .eml bytes, so nothing is lost even if the report files are
deleted later.  A flush claims each due message (`queued` -> `sending`, counting
the attempt) before handing it to the transport, then records `sent`, or on a
transient failure puts it back to `queued` with an exponential back-off
(`[mail] retry_base_seconds` doubling, or longer when the server asked for it
with Retry-After) until `[mail] max_attempts`, after which it is `failed` (but never
while the server itself is down or busy: then it waits at the longest step); a
permanent failure (a refused login, a refused recipient) fails at once.

Crash recovery: a row still `sending` after the transport's lease (the longest
one send can take) was left by a process that died mid-send.  Before sending it
again, the flush asks the transport whether it went out: Exchange and Graph
search Sent Items for the message's token, the file transport looks for its
.eml; SMTP cannot tell and sends again (see adtools.mail.smtp for why that is
the safe side).

A refused login fails every due message at once and stops the flush, rather
than trying the same bad password once per message (which locks a service
account in Active Directory); after fixing the account, `requeue` (CLI
`adtools mail retry`) puts them back.  A busy or unreachable server stops the
flush without touching the messages not yet tried.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..errors import InputError, LedgerError
from .. import clock
from ..ledger.db import migrate, open_engine, refuse_vanished
from ..ledger.tables import mail_messages as messages
from .message import Message
from .redact import redact
from .transport import DeliveryError, Outgoing, Transport, open_transport, transport_class

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = [
    "STATES",
    "MailKey",
    "QueueResult",
    "OutboxEntry",
    "FlushOutcome",
    "FlushResult",
    "messages",
    "queue",
    "is_queued",
    "flush",
    "list_messages",
    "message_bytes",
    "requeue",
    "open_outbox",
]

log = logging.getLogger("adtools.mail.outbox")

STATES = ("queued", "sending", "sent", "failed")


def open_outbox(config: "Config") -> Engine:
    """The ledger database with the outbox tables in place (runs pending migrations).

    A ledger that vanished while the workspace has history is refused, not recreated empty.
    """
    refuse_vanished(config)
    engine = open_engine(config.ledger_url)
    migrate(engine)
    return engine


# --------------------------------------------------------------------------- values
@dataclass(frozen=True)
class MailKey:
    """The idempotency key of a message: which report, which period, to whom."""

    report: str
    period: str
    recipients: tuple[str, ...]

    @classmethod
    def of(cls, report: str, period: str, recipients: Iterable[str]) -> "MailKey":
        """Recipients compared without case, order or repeats."""
        return cls(report, period, tuple(sorted({r.strip().lower() for r in recipients})))

    def __str__(self) -> str:
        return f"{self.report}|{self.period}|{','.join(self.recipients)}"


@dataclass(frozen=True)
class QueueResult:
    """What `queue` did: `queued` is False when the key was already in the outbox and nothing was added."""

    id: int
    key: str
    queued: bool
    state: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "queued": self.queued, "state": self.state}


@dataclass(frozen=True)
class OutboxEntry:
    """One message in the outbox as `adtools mail list` shows it (times in the config's time zone)."""

    id: int
    key: str
    report: str
    period: str
    subject: str
    recipients: tuple[str, ...]
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    transport: str | None
    provider_id: str | None
    token: str
    message_id: str
    created_at: datetime
    sent_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "report": self.report,
            "period": self.period,
            "subject": self.subject,
            "recipients": list(self.recipients),
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.state == "queued" else None,
            "last_error": self.last_error,
            "transport": self.transport,
            "provider_id": self.provider_id,
            "token": self.token,
            "message_id": self.message_id,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


@dataclass(frozen=True)
class FlushOutcome:
    """What happened to one message in a flush: sent, recovered (found already sent), retrying, failed, or still sending."""

    id: int
    key: str
    subject: str
    outcome: str
    attempts: int
    error: str | None = None
    next_attempt_at: datetime | None = None
    provider_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "subject": self.subject,
            "outcome": self.outcome,
            "attempts": self.attempts,
            "error": self.error,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "provider_id": self.provider_id,
        }


@dataclass(frozen=True)
class FlushResult:
    """The outcome of one flush; `error` says why it stopped early (messages not tried stay as they were)."""

    transport: str
    as_of: datetime
    outcomes: tuple[FlushOutcome, ...] = ()
    error: str | None = None

    def ids(self, outcome: str) -> tuple[int, ...]:
        return tuple(o.id for o in self.outcomes if o.outcome == outcome)

    @property
    def sent(self) -> tuple[int, ...]:
        return self.ids("sent")

    @property
    def recovered(self) -> tuple[int, ...]:
        return self.ids("recovered")

    @property
    def retrying(self) -> tuple[int, ...]:
        return self.ids("retrying")

    @property
    def failed(self) -> tuple[int, ...]:
        return self.ids("failed")

    @property
    def ok(self) -> bool:
        """Nothing failed and the flush was not stopped."""
        return self.error is None and not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "transport": self.transport,
            "as_of": self.as_of.isoformat(),
            "ok": self.ok,
            "sent": len(self.sent),
            "recovered": len(self.recovered),
            "retrying": len(self.retrying),
            "failed": len(self.failed),
            "error": self.error,
            "messages": [o.to_dict() for o in self.outcomes],
        }


# --------------------------------------------------------------------------- helpers
def _now(config: "Config", now: datetime | None) -> datetime:
    if now is None:
        return clock.now(config.tz)
    if now.tzinfo is None:
        raise InputError(f"时间须带时区 / The time {now} has no time zone. Fix: pass an aware datetime (config tz {config.tz}).")
    return now.astimezone(config.tz)


def _db(what: str, exc: SQLAlchemyError) -> LedgerError:
    return LedgerError(f"发件箱数据库出错 / The outbox in the ledger database cannot {what}: {exc}. Fix: check [paths] ledger.")


def _entry(row: Any, tz: Any) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        key=row.key,
        report=row.report,
        period=row.period,
        subject=row.subject,
        recipients=tuple(r for r in row.recipients.split(",") if r),
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at.astimezone(tz),
        last_error=row.last_error,
        transport=row.transport,
        provider_id=row.provider_id,
        token=row.token,
        message_id=row.message_id,
        created_at=row.created_at.astimezone(tz),
        sent_at=row.sent_at.astimezone(tz) if row.sent_at else None,
    )


def _last(conn: Connection, key_text: str) -> Any:
    """The newest row (id, seq, state) queued under a key, or None."""
    t = messages
    return conn.execute(select(t.c.id, t.c.seq, t.c.state).where(t.c.key == key_text).order_by(t.c.seq.desc()).limit(1)).first()


def _outgoing(row: Any, engine: Engine | None = None) -> Outgoing:
    """The row as the transport sees it; with `engine`, a transport that makes a draft (Graph) can record its id."""
    record = None
    if engine is not None:
        def record(draft_id: str | None) -> None:
            # only while this flush still holds the row: a draft id is written before the draft is sent
            if not _set(engine, (messages.c.id == row.id, messages.c.state == "sending"), draft_id=draft_id):
                raise DeliveryError(f"outbox message {row.id} is no longer being sent by this flush; its draft is not sent",
                                    transient=True)
    return Outgoing(id=row.id, key=row.key, report=row.report, period=row.period, token=row.token, eml=row.eml,
                    draft_id=row.draft_id, record_draft=record)


# --------------------------------------------------------------------------- queue
def is_queued(engine: Engine, key: MailKey | str) -> bool:
    """Whether a message was ever queued under `key` (whatever became of it): what `queue` would not add again."""
    try:
        with engine.connect() as conn:
            return _last(conn, str(key)) is not None
    except SQLAlchemyError as exc:
        raise _db("be read", exc) from None


def queue(
    config: "Config",
    engine: Engine,
    message: Message,
    key: MailKey | str,
    force: bool = False,
    *,
    now: datetime | None = None,
) -> QueueResult:
    """Put a message in the outbox under its idempotency key; nothing happens when the key is already there.

    `force` queues it again even so (a corrected report): a copy of the key still
    waiting (`queued`) is replaced by this message; otherwise a new row is added.
    The message is serialised now (attachments read), with a new token.
    """
    now = _now(config, now)
    key_text = str(key)
    report, period = (key.report, key.period) if isinstance(key, MailKey) else ("", "")
    t = messages
    try:
        with engine.connect() as conn:
            last = _last(conn, key_text)
    except SQLAlchemyError as exc:
        raise _db("be read", exc) from None
    if last is not None and not force:
        log.info("mail %s already in the outbox (message %s, %s): not queued again", key_text, last.id, last.state)
        return QueueResult(last.id, key_text, False, last.state)

    token = uuid.uuid4().hex
    email = message.to_email(token=token, date=now)
    values = {
        "subject": message.subject,
        "sender": message.sender,
        "recipients": ",".join(message.recipients),
        "token": token,
        "message_id": str(email["Message-ID"]),
        "state": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "sending_since": None,
        "last_error": None,
        "draft_id": None,
        "eml": email.as_bytes(),
    }
    try:
        with engine.begin() as conn:
            last = _last(conn, key_text)
            if last is not None and not force:  # queued by someone else meanwhile
                return QueueResult(last.id, key_text, False, last.state)
            if last is not None and last.state == "queued":
                conn.execute(update(t).where(t.c.id == last.id, t.c.state == "queued").values(**values))
                log.info("mail %s re-queued by force: message %s replaced before it was sent", key_text, last.id)
                return QueueResult(last.id, key_text, True, "queued")
            seq = last.seq + 1 if last is not None else 1
            new_id = conn.execute(
                t.insert().values(key=key_text, seq=seq, report=report, period=period, created_at=now, **values)
            ).inserted_primary_key[0]
    except IntegrityError:  # another process queued the same key at the same moment
        with engine.connect() as conn:
            last = _last(conn, key_text)
        return QueueResult(last.id, key_text, False, last.state)
    except SQLAlchemyError as exc:
        raise _db("be written", exc) from None
    log.info("mail %s queued as message %s: %s", key_text, new_id, message.subject)
    return QueueResult(new_id, key_text, True, "queued")


# --------------------------------------------------------------------------- flush
def _set(engine: Engine, where: Sequence[Any], **values: Any) -> int:
    try:
        with engine.begin() as conn:
            return conn.execute(update(messages).where(*where).values(**values)).rowcount
    except SQLAlchemyError as exc:
        raise _db("be updated", exc) from None


def _claim(engine: Engine, row: Any, now: datetime, stale: bool) -> int | None:
    """Take a row for this flush (atomically, so two flushes never send it twice); the attempt number, or None."""
    t = messages
    if stale:  # a crashed send: take it over only if nobody else did since we read it
        where = (t.c.id == row.id, t.c.state == "sending", t.c.sending_since == row.sending_since)
        values: dict[str, Any] = {"sending_since": now}
    else:
        where = (t.c.id == row.id, t.c.state == "queued")
        values = {"state": "sending", "sending_since": now, "attempts": t.c.attempts + 1}
    if _set(engine, where, **values) != 1:
        return None
    return row.attempts if stale else row.attempts + 1


def _deliver(config: "Config", engine: Engine, transport: Transport, row: Any, attempts: int, now: datetime, *,
             looked_up: bool = False) -> tuple[FlushOutcome, DeliveryError | None]:
    """Send one claimed message and record the result (`looked_up`: Sent Items was searched just before)."""
    t = messages
    item = _outgoing(row, engine)
    found = None
    try:
        # a retry after a failed attempt (a time-out the server may have completed anyway): a transport
        # that can look in Sent Items does so first, so a message delivered late is never sent twice
        if attempts > 1 and transport.can_find_sent and not looked_up:
            found = transport.find_sent(item)
        provider_id = found or transport.send(item)
    except DeliveryError as exc:
        error = redact(str(exc))
        # a server that is down or busy (`stop`: it is no fault of this message) never makes a message give up:
        # it is tried at the back-off's longest step until the server is back (the admins are told the job fails)
        if exc.transient and (attempts < config.mail.max_attempts or exc.stop):
            # the back-off, or longer when the server said how long to wait (Retry-After)
            longest = config.mail.retry_base_seconds * 2 ** (config.mail.max_attempts - 1)
            wait = max(min(config.mail.retry_base_seconds * 2 ** (attempts - 1), longest), exc.retry_after or 0)
            next_at = now + timedelta(seconds=wait)
            _set(engine, (t.c.id == row.id,), state="queued", next_attempt_at=next_at, sending_since=None, last_error=error)
            log.warning("mail %s (message %s) attempt %s failed; next try at %s: %s", row.key, row.id, attempts, next_at.isoformat(), error)
            return FlushOutcome(row.id, row.key, row.subject, "retrying", attempts, error, next_at), exc
        if exc.transient:
            error = f"{error} (gave up after {attempts} attempts, [mail] max_attempts = {config.mail.max_attempts})"
        _set(engine, (t.c.id == row.id,), state="failed", sending_since=None, last_error=error)
        log.error("mail %s (message %s) failed: %s", row.key, row.id, error)
        return FlushOutcome(row.id, row.key, row.subject, "failed", attempts, error), exc
    _set(
        engine,
        (t.c.id == row.id,),
        state="sent",
        sent_at=now,
        sending_since=None,
        provider_id=provider_id,
        transport=transport.name,
        last_error=None,
    )
    if found:
        log.warning("mail %s (message %s) was delivered by an earlier attempt (found among sent mail): not sent again",
                    row.key, row.id)
        return FlushOutcome(row.id, row.key, row.subject, "recovered", attempts, provider_id=provider_id), None
    log.info("mail %s (message %s) sent by %s", row.key, row.id, transport.name)
    return FlushOutcome(row.id, row.key, row.subject, "sent", attempts, provider_id=provider_id), None


def flush(
    config: "Config",
    engine: Engine,
    now: datetime | None = None,
    *,
    transport: Transport | None = None,
    limit: int | None = None,
) -> FlushResult:
    """Deliver every due message through the configured transport, first recovering sends cut short by a crash.

    `transport` overrides the configured one (it is then not closed here);
    `limit` caps the number of queued messages tried in this flush.
    """
    now = _now(config, now)
    cls = type(transport) if transport is not None else transport_class(config)
    lease = timedelta(seconds=cls.lease_seconds(config))
    t = messages
    try:
        with engine.connect() as conn:
            stale = conn.execute(
                select(t).where(t.c.state == "sending", t.c.sending_since <= now - lease).order_by(t.c.id)
            ).all()
            q = select(t).where(t.c.state == "queued", t.c.next_attempt_at <= now).order_by(t.c.next_attempt_at, t.c.id)
            due = conn.execute(q.limit(limit) if limit else q).all()
    except SQLAlchemyError as exc:
        raise _db("be read", exc) from None
    if not stale and not due:
        return FlushResult(cls.name, now)

    own = transport is None
    tr = transport or open_transport(config, now=lambda: now)
    outcomes: list[FlushOutcome] = []
    stop: DeliveryError | None = None
    try:
        for row in stale:
            attempts = _claim(engine, row, now, stale=True)
            if attempts is None:
                continue
            item = _outgoing(row)
            try:
                found = tr.find_sent(item)
            except DeliveryError as exc:
                error = redact(str(exc))
                # give the row back as it was, so the next flush tries the lookup again
                _set(engine, (t.c.id == row.id, t.c.state == "sending"), sending_since=row.sending_since, last_error=error)
                outcomes.append(FlushOutcome(row.id, row.key, row.subject, "sending", attempts, error))
                stop = exc
                break
            if found is not None:
                _set(
                    engine,
                    (t.c.id == row.id,),
                    state="sent",
                    sent_at=now,
                    sending_since=None,
                    provider_id=found,
                    transport=tr.name,
                    last_error="interrupted while sending; found already sent, not sent again",
                )
                log.warning("mail %s (message %s) was interrupted while sending and had gone out: not sent again", row.key, row.id)
                outcomes.append(FlushOutcome(row.id, row.key, row.subject, "recovered", attempts, provider_id=found))
                continue
            how = "not found among sent mail" if tr.can_find_sent else f"{tr.name} cannot tell whether it went out"
            log.warning("mail %s (message %s) was interrupted while sending, %s: sending it again", row.key, row.id, how)
            if not _set(engine, (t.c.id == row.id, t.c.state == "sending"), attempts=attempts + 1):
                continue
            outcome, exc = _deliver(config, engine, tr, row, attempts + 1, now, looked_up=True)
            outcomes.append(outcome)
            if exc is not None and exc.stop:
                stop = exc
                break
        if stop is None:
            for i, row in enumerate(due):
                attempts = _claim(engine, row, now, stale=False)
                if attempts is None:
                    continue  # another flush took it
                outcome, exc = _deliver(config, engine, tr, row, attempts, now)
                outcomes.append(outcome)
                if exc is not None and exc.stop:
                    stop = exc
                    if not exc.transient:
                        outcomes.extend(_fail_untried(engine, due[i + 1 :], redact(str(exc))))
                    break
    finally:
        if own:
            tr.close()
    return FlushResult(tr.name, now, tuple(outcomes), redact(str(stop)) if stop else None)


def _fail_untried(engine: Engine, rows: Sequence[Any], error: str) -> list[FlushOutcome]:
    """The account was refused: fail the rest without trying the same login again (see the module docstring)."""
    t = messages
    out = []
    note = f"not tried: {error}"
    for row in rows:
        if _set(engine, (t.c.id == row.id, t.c.state == "queued"), state="failed", last_error=note):
            out.append(FlushOutcome(row.id, row.key, row.subject, "failed", row.attempts, note))
    return out


# --------------------------------------------------------------------------- read, retry
def list_messages(config: "Config", engine: Engine, *, state: str | None = None, limit: int | None = 100) -> list[OutboxEntry]:
    """The outbox, newest first; `state` one of queued, sending, sent, failed."""
    if state is not None and state not in STATES:
        raise InputError(f"未知的状态 / Unknown state {state!r}. Fix: use one of {', '.join(STATES)}.")
    t = messages
    cols = [c for c in t.c if c.name != "eml"]
    q = select(*cols).order_by(t.c.id.desc())
    if state:
        q = q.where(t.c.state == state)
    if limit:
        q = q.limit(limit)
    try:
        with engine.connect() as conn:
            rows = conn.execute(q).all()
    except SQLAlchemyError as exc:
        raise _db("be read", exc) from None
    return [_entry(r, config.tz) for r in rows]


def message_bytes(engine: Engine, message_id: int) -> bytes:
    """The stored .eml of one message, exactly as it was queued."""
    try:
        with engine.connect() as conn:
            eml = conn.execute(select(messages.c.eml).where(messages.c.id == message_id)).scalar()
    except SQLAlchemyError as exc:
        raise _db("be read", exc) from None
    if eml is None:
        raise InputError(f"发件箱中没有此邮件 / There is no message {message_id} in the outbox. Fix: see `adtools mail list`.")
    return bytes(eml)


def requeue(config: "Config", engine: Engine, ids: Iterable[int] | None = None, *, now: datetime | None = None) -> list[int]:
    """Put failed messages (all of them, or the given ids) back in the queue with a fresh count of attempts."""
    now = _now(config, now)
    t = messages
    where = [t.c.state == "failed"]
    wanted = None if ids is None else sorted(set(ids))
    if wanted is not None:
        where.append(t.c.id.in_(wanted))
    try:
        with engine.begin() as conn:
            found = list(conn.execute(select(t.c.id).where(*where).order_by(t.c.id)).scalars())
            missing = [i for i in wanted if i not in found] if wanted is not None else []
            if missing:
                raise InputError(
                    f"这些邮件不是失败状态 / Messages {', '.join(map(str, missing))} are not failed (or do not exist); "
                    "nothing was requeued. Fix: see `adtools mail list --state failed`."
                )
            if found:
                conn.execute(
                    update(t).where(t.c.id.in_(found), t.c.state == "failed").values(state="queued", attempts=0, next_attempt_at=now)
                )
    except SQLAlchemyError as exc:
        raise _db("be updated", exc) from None
    log.info("requeued failed mail: %s", ", ".join(map(str, found)) or "none")
    return found
