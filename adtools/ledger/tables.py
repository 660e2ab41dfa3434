"""The ledger's tables, declared once with exact, portable column types.

Money is stored as integer fen, decimals (hours, sizes, discounts) as text on
SQLite and NUMERIC on PostgreSQL, date-times as UTC: every value read back equals
the value stored, on both databases.  One table per form (`f_<form_id>`) is
generated from the form's schema, so adding a field to the catalog adds a column.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

from ..forms.catalog import FORMS
from ..forms.schema import Form
from ..money import from_fen, to_fen
from .db import metadata

__all__ = [
    "Fen",
    "ExactDecimal",
    "UTCDateTime",
    "documents",
    "files",
    "findings",
    "job_runs",
    "mail_messages",
    "form_table",
    "FORM_TABLES",
    "CURRENT",
    "SUPERSEDED",
    "REJECTED",
    "cell_column",
]

CURRENT = "current"
SUPERSEDED = "superseded"
REJECTED = "rejected"


# --------------------------------------------------------------------------- exact types
class Fen(TypeDecorator):
    """Money: Decimal yuan in Python, integer fen in the database (exact everywhere)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> int | None:  # noqa: ANN001
        return None if value is None else to_fen(value)

    def process_result_value(self, value: Any, dialect) -> Decimal | None:  # noqa: ANN001
        return None if value is None else from_fen(int(value))


def canonical_decimal(value: Decimal) -> Decimal:
    """The same number with trailing fractional zeros dropped (7.50 -> 7.5, 8.00 -> 8)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class ExactDecimal(TypeDecorator):
    """Hours, sizes, discounts: Decimal in Python; text on SQLite (its NUMERIC is a float), NUMERIC elsewhere."""

    impl = Numeric(24, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect):  # noqa: ANN001
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(24, 8, asdecimal=True))

    def process_bind_param(self, value: Any, dialect):  # noqa: ANN001
        if value is None:
            return None
        if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"an exact decimal is needed, got {value!r}")
        d = canonical_decimal(Decimal(value))
        return str(d) if dialect.name == "sqlite" else d

    def process_result_value(self, value: Any, dialect):  # noqa: ANN001
        if value is None:
            return None
        return canonical_decimal(Decimal(str(value)))


class UTCDateTime(TypeDecorator):
    """An aware datetime, stored as UTC; read back aware in UTC.  Naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect):  # noqa: ANN001
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise TypeError(f"an aware datetime is needed, got {value!r}")
        utc = value.astimezone(timezone.utc)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect):  # noqa: ANN001
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - defensive, SQLAlchemy parses for us
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# --------------------------------------------------------------------------- core tables
documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("form_id", String(40), nullable=True),  # None: a file that is not a known form
    Column("document_key", String(400), nullable=True),
    Column("version", Integer, nullable=True),  # 1, 2, 3 ... per form + key, rejected attempts included
    Column("source_path", Text, nullable=False),  # absolute, as found
    Column("watch_dir", Text, nullable=False),
    Column("rel_path", Text, nullable=False),  # relative to its watch folder, POSIX separators
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mtime", UTCDateTime, nullable=False),
    Column("submitter", String(200), nullable=True),  # the workbook's last author
    Column("ingested_at", UTCDateTime, nullable=False),
    Column("status", String(12), nullable=False),  # current | superseded | rejected
    Column("superseded_by", Integer, ForeignKey("documents.id"), nullable=True),
    Column("superseded_at", UTCDateTime, nullable=True),
    Column("archive_path", Text, nullable=True),  # relative to [paths] archive, POSIX
    Column("feedback_path", Text, nullable=True),  # absolute path of the feedback workbook
    Column("form_version", Integer, nullable=True),
    Column("rows", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("reason", Text, nullable=True),  # why a version was rejected, in Chinese and English
    Column("notify_to", Text, nullable=True),  # rejected: addresses told, comma-separated
    Column("notified_at", UTCDateTime, nullable=True),  # rejected: when the mail was queued
    Column("run_id", Integer, nullable=True),
    UniqueConstraint("form_id", "document_key", "version", name="uq_documents_version"),
    Index("ix_documents_key", "form_id", "document_key"),
    Index("ix_documents_sha", "sha256"),
    Index(
        "uq_documents_current",
        "form_id",
        "document_key",
        unique=True,
        sqlite_where=text("status = 'current'"),
        postgresql_where=text("status = 'current'"),
    ),
)

files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False, unique=True),  # absolute
    Column("watch_dir", Text, nullable=False),
    Column("rel_path", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("status", String(12), nullable=False),  # ingested | duplicate | rejected | conflict
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=True),
    Column("form_id", String(40), nullable=True),
    Column("document_key", String(400), nullable=True),
    Column("rows", Integer, nullable=True),
    Column("errors", Integer, nullable=True),
    Column("warnings", Integer, nullable=True),
    Column("reason", Text, nullable=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("missing_since", UTCDateTime, nullable=True),  # set while the file is gone
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False, index=True),
    Column("severity", String(10), nullable=False),
    Column("rule", String(60), nullable=False),
    Column("sheet", String(100), nullable=True),
    Column("cell", String(20), nullable=True),
    Column("field", String(60), nullable=True),
    Column("value", Text, nullable=True),
    Column("message_zh", Text, nullable=False),
    Column("message_en", Text, nullable=False),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(60), nullable=False),
    Column("period", String(60), nullable=False),  # the period the run covers: "2026-11", "2026-W47", a timestamp
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("status", String(12), nullable=False),  # running | ok | failed
    Column("summary", Text, nullable=True),  # JSON
    Index("ix_job_runs_job_period", "job", "period"),
)


# The mail outbox (adtools.mail.outbox reads and writes it): every queued message, kept whole as .eml
mail_messages = Table(
    "mail_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(1000), nullable=False),  # idempotency key: report|period|recipients
    Column("seq", Integer, nullable=False),  # 1, then 2, 3 ... for each forced re-send of the key
    Column("report", String(50), nullable=False),
    Column("period", String(50), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("sender", String(320), nullable=False),
    Column("recipients", Text, nullable=False),  # To and Cc, comma-separated
    Column("token", String(64), nullable=False, unique=True),  # X-Adtools-Token
    Column("message_id", String(500), nullable=False),  # the Message-ID header
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("sending_since", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("transport", String(20), nullable=True),  # the transport that delivered it
    Column("provider_id", String(500), nullable=True),
    Column("draft_id", String(500), nullable=True),  # Graph: the draft made for it, recorded before it is sent (migration 101)
    Column("eml", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    UniqueConstraint("key", "seq", name="uq_mail_messages_key_seq"),
    Index("ix_mail_messages_due", "state", "next_attempt_at"),
)


# --------------------------------------------------------------------------- form tables
def cell_column(key: str) -> str:
    """The provenance column holding the cell address a field's value came from."""
    return f"_cell_{key}"


def _column_type(field_type: str):
    return {
        "text": Text,
        "enum": String(60),
        "month": String(7),
        "int": BigInteger,
        "decimal": ExactDecimal,
        "money": Fen,
        "date": Date,
        "datetime": UTCDateTime,
        "bool": Boolean,
    }[field_type]


def _form_table(form: Form) -> Table:
    header_keys = {f.key for f in form.header}
    clash = header_keys & {f.key for f in form.columns}
    if clash:
        raise RuntimeError(f"form {form.form_id}: {sorted(clash)} are both header fields and table columns")
    cols: list[Column] = [
        Column("_id", Integer, primary_key=True, autoincrement=True),
        Column("_document_id", Integer, ForeignKey("documents.id"), nullable=False),
        Column("_line", Integer, nullable=False),  # 0: the header block; 1..n: table rows in order
        Column("_sheet", String(100), nullable=False),
        Column("_row", Integer, nullable=True),  # Excel row number of a table row
    ]
    for f in form.fields:
        cols.append(Column(f.key, _column_type(f.type), nullable=True))
    for f in form.fields:
        cols.append(Column(cell_column(f.key), String(20), nullable=True))
    name = f"f_{form.form_id}"
    return Table(
        name,
        metadata,
        *cols,
        UniqueConstraint("_document_id", "_line", name=f"uq_{name}_line"),
    )


FORM_TABLES: dict[str, Table] = {fid: _form_table(form) for fid, form in FORMS.items()}


def form_table(form_id: str) -> Table:
    """The `f_<form_id>` table of a form."""
    return FORM_TABLES[form_id]
