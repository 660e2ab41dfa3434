"""The ledger store: every file version, its records and its history, written in whole transactions.

`Ledger.open(cfg)` owns the engine (SQLite by default, any SQLAlchemy URL works)
and brings the schema up to date.  A valid workbook is stored by `store_version`
in one transaction (its rows, the superseding of the previous version, the file's
fingerprint), a rejected one by `reject_version` (its findings, nothing else), so
a process killed at any moment leaves either all of a version or none of it.
"""
from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import bindparam, func, inspect, or_, select, text, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..config import Config
from ..errors import ERROR, Finding, LedgerError, LockedError
from ..forms.catalog import FORMS
from ..forms.schema import Field, Form, FormResult, Record
from .db import database_error, migrate, migration, open_engine, refuse_vanished, sqlite_path, stored_text
from .tables import (
    CURRENT,
    FORM_TABLES,
    REJECTED,
    SUPERSEDED,
    cell_column,
    documents,
    files,
    findings,
    form_table,
    job_runs,
    mail_messages,
)

__all__ = [
    "Ledger",
    "SourceFile",
    "FileState",
    "DocumentVersion",
    "StoredVersion",
    "ToStore",
    "ledger_lock_path",
    "known_jobs_in_ledger",
    "write_lock",
    "to_db_value",
]

log = logging.getLogger("adtools.ledger.store")


# --------------------------------------------------------------------------- migrations (1-99 are the ledger's)
@migration(1, "ledger core: documents, files, findings, job_runs")
def _m1_core(conn: Connection) -> None:
    for table in (documents, files, findings, job_runs):
        table.create(conn, checkfirst=True)


@migration(2, "one table per form (f_<form_id>) from the catalog")
def _m2_forms(conn: Connection) -> None:
    for table in FORM_TABLES.values():
        table.create(conn, checkfirst=True)


# 100 and up belong to the other parts' tables; declared here too, so that the ledger makes
# every table whichever part opens it first
@migration(100, "mail outbox: mail_messages")
def _m100_outbox(conn: Connection) -> None:
    mail_messages.create(conn, checkfirst=True)


@migration(101, "mail outbox: mail_messages.draft_id (Graph sends a recorded draft, exactly once)")
def _m101_outbox_draft(conn: Connection) -> None:
    if "draft_id" not in {c["name"] for c in inspect(conn).get_columns("mail_messages")}:  # 100 made it on a new ledger
        conn.execute(text("ALTER TABLE mail_messages ADD COLUMN draft_id VARCHAR(500)"))


from . import runs as _runs  # noqa: E402,F401  (declares the scheduler's migration, 15)
from . import indexes as _indexes  # noqa: E402,F401  (declares the read-side indexes' migration, 40)


def _columns_of_tables(conn: Connection, names: list[str]) -> dict[str, set[str]]:
    """The column names of those of these tables that exist (on SQLite one query for all, as every open does it)."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table'"
        ).all()
        out: dict[str, set[str]] = {}
        for table, column in rows:
            out.setdefault(table, set()).add(column)
        return {n: out[n] for n in names if n in out}
    insp = inspect(conn)
    return {n: {c["name"] for c in insp.get_columns(n)} for n in names if insp.has_table(n)}


def _sync_form_columns(engine: Engine) -> list[str]:
    """Add the columns of fields added to the catalog since a form table was created."""
    added: list[str] = []
    prep = engine.dialect.identifier_preparer
    with engine.begin() as conn:
        existing = _columns_of_tables(conn, [t.name for t in FORM_TABLES.values()])
        for table in FORM_TABLES.values():
            if table.name not in existing:
                table.create(conn)
                added.append(table.name)
                continue
            have = existing[table.name]
            for col in table.columns:
                if col.name in have:
                    continue
                ddl = f"ALTER TABLE {prep.quote(table.name)} ADD COLUMN {prep.quote(col.name)} {col.type.compile(dialect=engine.dialect)}"
                conn.exec_driver_sql(ddl)
                added.append(f"{table.name}.{col.name}")
    for a in added:
        log.info("ledger: added %s (a field new in the catalog)", a)
    return added


# --------------------------------------------------------------------------- values
@dataclass(frozen=True)
class SourceFile:
    """A file found in a watch folder, fingerprinted."""

    path: Path  # absolute
    watch_dir: Path
    rel_path: str  # POSIX, relative to watch_dir
    size: int
    mtime_ns: int
    sha256: str

    @property
    def mtime(self) -> datetime:
        return datetime.fromtimestamp(self.mtime_ns / 1_000_000_000, tz=timezone.utc)


@dataclass(frozen=True)
class FileState:
    """What the ledger remembers of a path from the last scan."""

    path: str
    watch_dir: str
    rel_path: str
    size: int
    mtime_ns: int
    sha256: str
    status: str  # ingested | duplicate | rejected | conflict (the last outcome; missing_since says it is gone)
    document_id: int | None
    form_id: str | None
    document_key: str | None
    rows: int | None
    errors: int | None
    warnings: int | None
    reason: str | None
    missing_since: datetime | None


@dataclass(frozen=True)
class DocumentVersion:
    """One version of a document as the ledger keeps it (a row of `documents`)."""

    id: int
    form_id: str | None
    document_key: str | None
    version: int | None
    status: str
    source_path: str
    watch_dir: str
    rel_path: str
    sha256: str
    size: int
    mtime: datetime
    submitter: str | None
    ingested_at: datetime
    superseded_by: int | None
    superseded_at: datetime | None
    archive_path: str | None
    feedback_path: str | None
    rows: int
    errors: int
    warnings: int
    reason: str | None

    def to_json(self, tz=timezone.utc) -> dict[str, Any]:  # noqa: ANN001
        d = asdict(self)
        for k in ("mtime", "ingested_at", "superseded_at"):
            if d[k] is not None:
                d[k] = d[k].astimezone(tz).isoformat(timespec="seconds")
        return d


@dataclass(frozen=True)
class StoredVersion:
    document_id: int
    version: int
    superseded_id: int | None  # the version this one replaced
    superseded_version: int | None = None  # its version number


@dataclass(frozen=True)
class ToStore:
    """A valid workbook to store, with its archive copy (relative to [paths] archive)."""

    result: FormResult
    source: SourceFile
    archive_path: str | None


_DOC_COLUMNS = [c.name for c in documents.columns if c.name in DocumentVersion.__dataclass_fields__]


def _doc(row: Row) -> DocumentVersion:
    m = row._mapping
    return DocumentVersion(**{k: m[k] for k in _DOC_COLUMNS})


def _state(row: Row) -> FileState:
    m = row._mapping
    return FileState(**{k: m[k] for k in FileState.__dataclass_fields__})


def _db_datetime(value: Any, tz) -> Any:  # noqa: ANN001
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return value


def _db_date(value: Any, tz) -> Any:  # noqa: ANN001
    return value.date() if isinstance(value, datetime) else value


def _db_decimal(value: Any, tz) -> Any:  # noqa: ANN001
    return Decimal(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value


def _db_int(value: Any, tz) -> Any:  # noqa: ANN001
    return int(value) if isinstance(value, Decimal) and value == value.to_integral_value() else value


def _db_same(value: Any, tz) -> Any:  # noqa: ANN001
    return value


# how a parsed workbook value of each field type becomes what its ledger column expects
_TO_DB: dict[str, Callable[[Any, Any], Any]] = {
    "datetime": _db_datetime,
    "date": _db_date,
    "decimal": _db_decimal,
    "money": _db_decimal,
    "int": _db_int,
    "bool": lambda value, tz: bool(value),
    "text": lambda value, tz: str(value),
    "enum": lambda value, tz: str(value),
    "month": lambda value, tz: str(value),
}


def to_db_value(field_type: str, value: Any, tz) -> Any:  # noqa: ANN001
    """A parsed workbook value as its ledger column expects it (naive date-times are local time in `tz`)."""
    if value is None or value == "":
        return None
    return _TO_DB.get(field_type, _db_same)(value, tz)


def ledger_lock_path(cfg: Config) -> Path | None:
    """The lock file beside a SQLite ledger (None for a server database: it uses an advisory lock)."""
    path = sqlite_path(cfg.ledger_url)
    return None if path is None else Path(f"{path}.lock")


def _locked_message(what: str) -> str:
    return (
        f"台账正被另一个读入任务写入（{what}），本次未运行。请等它结束后再试；定时任务会在下次自动运行。"
        f" / The ledger is being written by another ingest ({what}); this run did nothing. "
        "Fix: wait for the other run to finish and try again (the scheduled ingest will simply run next time). "
        "If no adtools process is running, the lock is released by the operating system; try again."
    )


def known_jobs_in_ledger(cfg: Config) -> set[str] | None:
    """The job numbers of the ledger's current work orders, or None when there is no ledger (yet).

    For checks outside ingest (`adtools validate`): an existing ledger is read, a
    missing SQLite file is not created.
    """
    path = sqlite_path(cfg.ledger_url)
    if path is not None and not path.is_file():
        return None
    with Ledger.open(cfg) as ledger:
        return ledger.known_jobs()


# --------------------------------------------------------------------------- the ledger
class Ledger:
    """The ledger database of one configuration: open it, read it, write versions to it."""

    def __init__(self, cfg: Config, engine: Engine):
        self.cfg = cfg
        self.engine = engine

    # ---- lifecycle
    @classmethod
    def open(cls, cfg: Config) -> "Ledger":
        """Open (creating if needed) the ledger of `cfg` and bring its schema up to date.

        A ledger file that vanished while the workspace has history is refused (`refuse_vanished`).
        """
        return cls.from_engine(cfg, open_engine(cfg.ledger_url))

    @classmethod
    def from_engine(cls, cfg: Config, engine: Engine, *, rebuilding: bool = False) -> "Ledger":
        """A Ledger on an engine already open (e.g. after taking the write lock), schema brought up to date.

        Every way into the ledger comes through here, so a ledger file that vanished while the
        workspace has history is refused here (`refuse_vanished`) before the migrations would
        quietly make a new one; only `adtools ledger rebuild` (`rebuilding`) starts one on purpose.
        """
        if not rebuilding:
            refuse_vanished(cfg)
        migrate(engine)
        try:
            _sync_form_columns(engine)
        except SQLAlchemyError as exc:
            raise LedgerError(f"台账表格无法更新 / The ledger's form tables cannot be updated: {exc}") from None
        return cls(cfg, engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def lock(self, name: str = "ingest") -> Iterator[None]:
        """Hold the ledger's write lock for `name`; raise LockedError at once if another process holds it."""
        with write_lock(self.cfg, self.engine, name):
            yield

    # ---- reading
    def file_states(self) -> dict[str, FileState]:
        """What the last scan remembered of every path (read at the start of every ingest: kept lean)."""
        cols = [files.c[k] for k in FileState.__dataclass_fields__ if k != "missing_since"]
        with self.engine.connect() as conn:
            gone = dict(conn.execute(select(files.c.path, files.c.missing_since)
                                     .where(files.c.missing_since.is_not(None))).all())
            rows = conn.execute(select(*cols)).all()
        return {r[0]: FileState(*r, missing_since=gone.get(r[0])) for r in rows}

    def document(self, document_id: int) -> DocumentVersion | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(documents).where(documents.c.id == document_id)).first()
        return _doc(row) if row else None

    def documents_with_shas(self, shas: set[str]) -> dict[str, list[DocumentVersion]]:
        """Every version holding each of these contents (sha256), oldest first; one query per 500."""
        out: dict[str, list[DocumentVersion]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(shas)):
                rows = conn.execute(select(documents).where(documents.c.sha256.in_(chunk)).order_by(documents.c.id))
                for r in rows:
                    out.setdefault(r.sha256, []).append(_doc(r))
        return out

    def history(self, document_key: str, form_id: str | None = None) -> list[DocumentVersion]:
        """Every version of a document (all forms unless `form_id`), oldest first."""
        q = select(documents).where(documents.c.document_key == document_key)
        if form_id is not None:
            q = q.where(documents.c.form_id == form_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(documents.c.form_id, documents.c.version, documents.c.id))
            return [_doc(r) for r in rows]

    def similar_keys(self, text_: str, limit: int = 5) -> list[str]:
        """Document keys containing `text_` (for a helpful 'not found')."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(documents.c.document_key)
                .where(documents.c.document_key.contains(text_, autoescape=True))
                .distinct()
                .order_by(documents.c.document_key)
                .limit(limit)
            )
            return [r[0] for r in rows]

    def findings_of(self, document_id: int) -> list[Finding]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(findings).where(findings.c.document_id == document_id).order_by(findings.c.id))
            return [
                Finding(
                    severity=r.severity, rule=r.rule, message_zh=r.message_zh, message_en=r.message_en,
                    sheet=r.sheet or "", cell=r.cell or "", field=r.field or "", value=r.value,
                )
                for r in rows
            ]

    def known_jobs(self) -> set[str] | None:
        """Job numbers of the current work orders; None when the ledger holds no work order yet."""
        t = form_table("work_order")
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.job_no)
                .join(documents, documents.c.id == t.c._document_id)
                .where(documents.c.status == CURRENT, t.c._line == 0)
            ).all()
        if not rows:
            return None
        return {r[0] for r in rows if r[0]}

    # ---- writing
    def store_version(
        self,
        result: FormResult,
        source: SourceFile,
        *,
        now: datetime,
        archive_path: str | None,
        run_id: int | None = None,
        pause=None,  # noqa: ANN001 - test hook called inside the transaction
    ) -> StoredVersion:
        """Store a valid workbook in one transaction; its predecessor (same form + key) becomes superseded."""
        return self.store_versions([ToStore(result, source, archive_path)], now=now, run_id=run_id, pause=pause)[0]

    def store_versions(
        self,
        items: Sequence["ToStore"],
        *,
        now: datetime,
        run_id: int | None = None,
        pause=None,  # noqa: ANN001 - test hook called inside the transaction
    ) -> list[StoredVersion]:
        """Store a batch of valid workbooks in ONE transaction (all of them or none); each predecessor
        (same form + key) becomes superseded.

        The statements are per batch, not per file: one look-up of the current and highest
        versions, one insert of the documents (ids returned in order), one insert per form
        table, one of the findings, one of the files' fingerprints.  Two items of one batch
        must not share a form + key (ingest refuses both as a conflict before storing).
        """
        if not items:
            return []
        seen: set[tuple[str, str]] = set()
        for it in items:
            r = it.result
            if r.form_id not in FORMS or r.document_key is None or not r.ok or r.header is None:
                raise LedgerError(f"internal: only a valid workbook with a document key can be stored ({it.source.path})")
            if (r.form_id, r.document_key) in seen:
                raise LedgerError(f"internal: {r.form_id} {r.document_key} twice in one batch ({it.source.path})")
            seen.add((r.form_id, r.document_key))
        try:
            with self.engine.begin() as conn:
                current, highest = _versions_of(conn, seen)
                olds = [current[k][0] for k in seen if k in current]
                for chunk in _chunks(olds):
                    conn.execute(update(documents).where(documents.c.id.in_(chunk))
                                 .values(status=SUPERSEDED, superseded_at=now))
                rows_ = []
                for it in items:
                    r = it.result
                    rows_.append({
                        **_doc_values(r, it.source, now, run_id),
                        "version": highest.get((r.form_id, r.document_key), 0) + 1,
                        "status": CURRENT, "archive_path": it.archive_path, "rows": len(r.rows),
                        "superseded_by": None, "superseded_at": None, "reason": None, "feedback_path": None,
                        "notify_to": None, "notified_at": None,
                    })
                ids = _insert_returning_ids(conn, rows_)
                links = [{"b_old": current[(it.result.form_id, it.result.document_key)][0], "b_new": doc_id}
                         for it, doc_id in zip(items, ids) if (it.result.form_id, it.result.document_key) in current]
                if links:
                    conn.execute(update(documents).where(documents.c.id == bindparam("b_old"))
                                 .values(superseded_by=bindparam("b_new")), links)
                _insert_records_many(conn, [(FORMS[it.result.form_id], doc_id, it.result) for it, doc_id in zip(items, ids)],
                                     self.cfg.tz)
                _insert_findings_many(conn, [(doc_id, it.result.findings) for it, doc_id in zip(items, ids)])
                if pause is not None:
                    pause()
                _upsert_files(conn, now, [
                    (it.source, {"status": "ingested", "document_id": doc_id, "form_id": it.result.form_id,
                                 "document_key": it.result.document_key, "rows": len(it.result.rows), "errors": 0,
                                 "warnings": len(it.result.warnings), "reason": None})
                    for it, doc_id in zip(items, ids)
                ])
        except SQLAlchemyError as exc:
            what = items[0].source.path if len(items) == 1 else f"{len(items)} files ({items[0].source.path} …)"
            raise LedgerError(f"无法写入台账 / Cannot write {what} to the ledger: {exc}") from None
        out = []
        for it, doc_id, row in zip(items, ids, rows_):
            prev = current.get((it.result.form_id, it.result.document_key))
            out.append(StoredVersion(doc_id, row["version"], prev[0] if prev else None, prev[1] if prev else None))
        return out

    def reject_version(
        self,
        result: FormResult | None,
        source: SourceFile,
        *,
        now: datetime,
        reason: str,
        extra_findings: Sequence[Finding] = (),
        feedback_path: str | None = None,
        notify_to: Sequence[str] = (),
        file_status: str = "rejected",
        run_id: int | None = None,
    ) -> int:
        """Record a rejected file version (its findings, nothing of its data) in one transaction."""
        form_id = result.form_id if result is not None and result.form_id in FORMS else None
        key = result.document_key if result is not None and form_id else None
        all_findings = [*(result.findings if result is not None else ()), *extra_findings]
        n_err = sum(1 for f in all_findings if f.severity == ERROR)
        try:
            with self.engine.begin() as conn:
                existing = conn.execute(
                    select(documents.c.id).where(
                        documents.c.source_path == str(source.path),
                        documents.c.sha256 == source.sha256,
                        documents.c.status == REJECTED,
                    )
                ).scalar()
                if existing is not None:  # the same file version rejected again (a conflict still open)
                    doc_id = existing
                    conn.execute(update(documents).where(documents.c.id == doc_id).values(reason=reason))
                else:
                    version = _versions_of(conn, {(form_id, key)})[1].get((form_id, key), 0) + 1 if key is not None else None
                    values = _doc_values(result, source, now, run_id) if result is not None else _bare_doc_values(source, now, run_id)
                    values.update(
                        form_id=form_id,
                        document_key=key,
                        version=version,
                        status=REJECTED,
                        rows=len(result.rows) if result is not None else 0,
                        errors=n_err,
                        warnings=len(all_findings) - n_err,
                        reason=reason,
                        feedback_path=feedback_path,
                        notify_to=",".join(notify_to) or None,
                    )
                    doc_id = conn.execute(documents.insert().values(**values)).inserted_primary_key[0]
                    _insert_findings(conn, doc_id, all_findings)
                _upsert_file(
                    conn, source, now, status=file_status, document_id=doc_id, form_id=form_id, document_key=key,
                    rows=len(result.rows) if result is not None else None, errors=n_err,
                    warnings=len(all_findings) - n_err, reason=reason,
                )
        except SQLAlchemyError as exc:
            raise LedgerError(f"无法写入台账 / Cannot record the rejection of {source.path}: {exc}") from None
        return doc_id

    def note_file(
        self,
        source: SourceFile,
        *,
        now: datetime,
        status: str,
        document_id: int | None = None,
        form_id: str | None = None,
        document_key: str | None = None,
        rows: int | None = None,
        errors: int | None = None,
        warnings: int | None = None,
        reason: str | None = None,
    ) -> None:
        """Remember a file's fingerprint and outcome (a duplicate, or an unchanged file touched)."""
        with self.engine.begin() as conn:
            _upsert_file(
                conn, source, now, status=status, document_id=document_id, form_id=form_id,
                document_key=document_key, rows=rows, errors=errors, warnings=warnings, reason=reason,
            )

    def adopt_source(self, document_id: int, source: SourceFile) -> None:
        """A version read back from its archive copy (`adtools ledger rebuild`) found again in a watch folder:
        the document names its original file again."""
        with self.engine.begin() as conn:
            conn.execute(update(documents).where(documents.c.id == document_id).values(
                source_path=str(source.path), watch_dir=str(source.watch_dir), rel_path=source.rel_path))

    def touch_file(self, path: str, *, mtime_ns: int, now: datetime) -> None:
        """An unchanged file whose modified time moved: remember the new time so the next scan skips it cheaply."""
        with self.engine.begin() as conn:
            conn.execute(
                update(files).where(files.c.path == path).values(mtime_ns=mtime_ns, last_seen=now, missing_since=None)
            )

    def mark_missing(self, paths: Sequence[str], *, now: datetime) -> None:
        """Files gone from their folder: remembered as missing; their documents keep their data."""
        if not paths:
            return
        with self.engine.begin() as conn:
            for chunk in range(0, len(paths), 500):
                conn.execute(
                    update(files).where(files.c.path.in_(list(paths[chunk:chunk + 500]))).values(missing_since=now)
                )

    # ---- rejection notices
    def pending_notices(self) -> list[DocumentVersion]:
        """Rejected versions whose mail to the submitter is not queued yet."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(documents)
                .where(documents.c.status == REJECTED, documents.c.notify_to.is_not(None), documents.c.notified_at.is_(None))
                .order_by(documents.c.id)
            )
            return [_doc(r) for r in rows]

    def notify_to(self, document_id: int) -> list[str]:
        with self.engine.connect() as conn:
            v = conn.execute(select(documents.c.notify_to).where(documents.c.id == document_id)).scalar()
        return [a for a in (v or "").split(",") if a]

    def mark_notified(self, document_id: int, *, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(documents).where(documents.c.id == document_id).values(notified_at=now))

    # ---- job runs
    def start_run(self, job: str, period: str, *, now: datetime) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                job_runs.insert().values(job=job, period=period, started_at=now, status="running")
            ).inserted_primary_key[0]

    def finish_run(self, run_id: int, *, status: str, summary: Any, now: datetime) -> str:
        """Close a run; the status recorded (`repeat` when its period already has an ok run: the unique index)."""
        values = {"finished_at": now, "summary": json.dumps(summary, ensure_ascii=False, default=str)}
        try:
            with self.engine.begin() as conn:
                conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(status=status, **values))
            return status
        except IntegrityError:
            log.warning("job run %s: its period was completed by another run; recorded as a repeat", run_id)
            with self.engine.begin() as conn:
                conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(status=_runs.REPEAT, **values))
            return _runs.REPEAT

    def close_interrupted_runs(self, job: str, *, now: datetime) -> int:
        """Runs of `job` still marked running: called with the job's lock held, so their process is gone."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(job_runs)
                .where(job_runs.c.job == job, job_runs.c.status == "running")
                .values(status="interrupted", finished_at=now)
            ).rowcount

    def last_run(self, job: str, *, status: str | None = "ok") -> dict[str, Any] | None:
        q = select(job_runs).where(job_runs.c.job == job)
        if status is not None:
            q = q.where(job_runs.c.status == status)
        with self.engine.connect() as conn:
            row = conn.execute(q.order_by(job_runs.c.id.desc()).limit(1)).first()
        return dict(row._mapping) if row else None

    # ---- consistency
    def verify(self) -> list[str]:
        """Problems found in the ledger's invariants (empty when consistent)."""
        problems: list[str] = []
        with self.engine.connect() as conn:
            dup_current = conn.execute(
                select(documents.c.form_id, documents.c.document_key, func.count())
                .where(documents.c.status == CURRENT)
                .group_by(documents.c.form_id, documents.c.document_key)
                .having(func.count() > 1)
            ).all()
            for f, k, n in dup_current:
                problems.append(f"{f} {k}: {n} current versions")
            bad_sup = conn.execute(
                select(documents.c.id).where(
                    documents.c.status == SUPERSEDED,
                    or_(documents.c.superseded_by.is_(None), documents.c.superseded_at.is_(None)),
                )
            ).scalars().all()
            for i in bad_sup:
                problems.append(f"document {i}: superseded without a successor")
            docs = {
                r.id: r
                for r in conn.execute(
                    select(documents.c.id, documents.c.form_id, documents.c.status, documents.c.rows, documents.c.archive_path)
                )
            }
            for form_id, table in FORM_TABLES.items():
                counts = dict(
                    conn.execute(
                        select(table.c._document_id, func.count()).group_by(table.c._document_id)
                    ).all()
                )
                for doc_id, n in counts.items():
                    d = docs.get(doc_id)
                    if d is None:
                        problems.append(f"{table.name}: {n} rows of a document {doc_id} that does not exist")
                    elif d.status == REJECTED or d.form_id != form_id:
                        problems.append(f"{table.name}: rows of document {doc_id} ({d.status}, {d.form_id})")
                    elif n != d.rows + 1:
                        problems.append(f"{table.name}: document {doc_id} has {n - 1} rows, expected {d.rows}")
                for doc_id, d in docs.items():
                    if d.form_id == form_id and d.status != REJECTED and doc_id not in counts:
                        problems.append(f"document {doc_id} ({form_id}) has no records")
            for d in docs.values():
                if d.status != REJECTED:
                    if not d.archive_path:
                        problems.append(f"document {d.id}: no archive copy recorded")
                    elif not (self.cfg.archive_dir / d.archive_path).is_file():
                        problems.append(f"document {d.id}: archive copy {d.archive_path} is missing")
            orphan_files = conn.execute(
                select(files.c.path).where(
                    files.c.document_id.is_not(None), files.c.document_id.not_in(select(documents.c.id))
                )
            ).scalars().all()
            for p in orphan_files:
                problems.append(f"file {p}: points to a document that does not exist")
        return problems


# --------------------------------------------------------------------------- helpers
def _bare_doc_values(source: SourceFile, now: datetime, run_id: int | None) -> dict[str, Any]:
    return {
        "source_path": str(source.path),
        "watch_dir": str(source.watch_dir),
        "rel_path": source.rel_path,
        "sha256": source.sha256,
        "size": source.size,
        "mtime": source.mtime,
        "ingested_at": now,
        "run_id": run_id,
    }


def _doc_values(result: FormResult, source: SourceFile, now: datetime, run_id: int | None) -> dict[str, Any]:
    values = _bare_doc_values(source, now, run_id)
    values.update(
        form_id=result.form_id,
        document_key=result.document_key,
        submitter=(result.author or None),
        form_version=result.form_version,
        errors=len(result.errors),
        warnings=len(result.warnings),
    )
    return values


def _chunks(seq: Sequence[Any], n: int = 500) -> Iterator[list[Any]]:
    """`seq` in lists of at most `n` (the bound parameters of one IN stay under every database's limit)."""
    for i in range(0, len(seq), n):
        yield list(seq[i:i + n])


def _versions_of(conn: Connection, keys: set[tuple[str, str]]) -> tuple[dict[tuple[str, str], tuple[int, int]],
                                                                        dict[tuple[str, str], int]]:
    """For these (form, key): the current version's (id, version), and the highest version number of any status."""
    current: dict[tuple[str, str], tuple[int, int]] = {}
    highest: dict[tuple[str, str], int] = {}
    by_form: dict[str, list[str]] = {}
    for form_id, key in keys:
        by_form.setdefault(form_id, []).append(key)
    for form_id, form_keys in by_form.items():
        for chunk in _chunks(sorted(form_keys)):
            q = select(documents.c.id, documents.c.document_key, documents.c.version, documents.c.status).where(
                documents.c.form_id == form_id, documents.c.document_key.in_(chunk))
            for r in conn.execute(q):
                k = (form_id, r.document_key)
                if r.version is not None:
                    highest[k] = max(highest.get(k, 0), r.version)
                if r.status == CURRENT:
                    current[k] = (r.id, r.version)
    return current, highest


def _insert_returning_ids(conn: Connection, rows_: list[dict[str, Any]]) -> list[int]:
    """Insert documents; their ids in the order given (one statement where the database can return them)."""
    if conn.dialect.insert_executemany_returning_sort_by_parameter_order:
        res = conn.execute(documents.insert().returning(documents.c.id, sort_by_parameter_order=True), rows_)
        return [r[0] for r in res]
    return [conn.execute(documents.insert().values(**r)).inserted_primary_key[0] for r in rows_]  # pragma: no cover


def _insert_records_many(conn: Connection, docs: Sequence[tuple[Form, int, FormResult]], tz) -> None:  # noqa: ANN001
    """Every record of these documents, one executemany per form table.

    The rows go to the driver as it takes them, each value converted once by its field's
    `to_db_value` and its column type's own bind processor: SQLAlchemy would otherwise
    build a dict per row and process every parameter again (most of a batch's time).
    """
    by_form: dict[str, list[tuple[Form, int, FormResult]]] = {}
    for doc in docs:
        by_form.setdefault(doc[0].form_id, []).append(doc)
    for form_id, form_docs in by_form.items():
        plan = _RowPlan.of(form_docs[0][0], conn.dialect)
        rows_: list[Any] = []
        for form, doc_id, result in form_docs:
            rows_.extend(plan.rows(form, doc_id, result, tz))
        # cell values are read from XML: valid Unicode, nothing for the bind hook to escape
        conn.exec_driver_sql(plan.sql, rows_ if plan.positional else [dict(zip(plan.names, r)) for r in rows_],
                             execution_options={"adtools_text_checked": True})


class _RowPlan:
    """How one form's records become the driver's rows: the INSERT, and a converter per column."""

    _cache: dict[tuple[str, str, str], "_RowPlan"] = {}

    @classmethod
    def of(cls, form: Form, dialect) -> "_RowPlan":  # noqa: ANN001
        key = (form.form_id, dialect.name, dialect.paramstyle)
        plan = cls._cache.get(key)
        if plan is None:
            plan = cls._cache[key] = cls(form, dialect)
        return plan

    def __init__(self, form: Form, dialect) -> None:  # noqa: ANN001
        table = form_table(form.form_id)
        self.head_fields = list(form.header)
        self.row_fields = list(form.columns)
        fields_ = (*self.head_fields, *self.row_fields)
        # a row is laid out as the table's columns are: the four of the line, every value, every cell
        names = ["_document_id", "_line", "_sheet", "_row", *(f.key for f in fields_),
                 *(cell_column(f.key) for f in fields_)]
        compiled = table.insert().compile(dialect=dialect, column_keys=names)
        self.sql = compiled.string
        self.positional = bool(dialect.positional)
        # the order the statement takes its parameters in (positional drivers), else their names
        self.names = list(compiled.positiontup) if self.positional else [compiled.binds[n].key for n in names]
        by_name = {n: i for i, n in enumerate(names)}
        order = [by_name[n] for n in self.names] if self.positional else list(range(len(names)))
        self.order = None if order == list(range(len(names))) else order
        self.value_binds = [table.c[f.key].type.dialect_impl(dialect).bind_processor(dialect) for f in fields_]
        self.cell_binds = [table.c[cell_column(f.key)].type.dialect_impl(dialect).bind_processor(dialect)
                           for f in fields_]

    def _values(self, fields_: Sequence[Field], rec: Record | None, tz, base: int) -> tuple[list[Any], list[Any]]:  # noqa: ANN001
        """The fields' values and cell addresses, as the driver takes them (`base`: the first field's index)."""
        vals: list[Any] = []
        addrs: list[Any] = []
        values = rec.values if rec is not None else {}
        cells = rec.cells if rec is not None else {}
        value_binds, cell_binds = self.value_binds, self.cell_binds
        for j, f in enumerate(fields_, base):
            value, cell = to_db_value(f.type, values.get(f.key), tz), cells.get(f.key) or None
            if value is not None and (bind := value_binds[j]) is not None:
                value = bind(value)
            if cell is not None and (bind := cell_binds[j]) is not None:
                cell = bind(cell)
            vals.append(value)
            addrs.append(cell)
        return vals, addrs

    def rows(self, form: Form, doc_id: int, result: FormResult, tz) -> list[tuple[Any, ...]]:  # noqa: ANN001
        """The driver's rows of one document: its header (line 0), then each table row with the header's values."""
        sheet = result.sheet or form.sheet_name
        head, head_cells = self._values(self.head_fields, result.header, tz, 0)
        n_head, blank = len(self.head_fields), [None] * len(self.row_fields)
        out = [(doc_id, 0, sheet, None, *head, *blank, *head_cells, *blank)]
        for i, rec in enumerate(result.rows, 1):
            vals, addrs = self._values(self.row_fields, rec, tz, n_head)
            out.append((doc_id, i, sheet, rec.row, *head, *vals, *head_cells, *addrs))
        if self.order is None:
            return out
        order = self.order
        return [tuple(r[j] for j in order) for r in out]


def _insert_findings(conn: Connection, doc_id: int, items: Sequence[Finding]) -> None:
    _insert_findings_many(conn, [(doc_id, items)])


def _insert_findings_many(conn: Connection, docs: Sequence[tuple[int, Sequence[Finding]]]) -> None:
    rows_ = [
        {
            "document_id": doc_id,
            "severity": f.severity,
            "rule": f.rule,
            "sheet": f.sheet or None,
            "cell": f.cell or None,
            "field": f.field or None,
            "value": None if f.value is None else str(f.value),
            "message_zh": f.message_zh,
            "message_en": f.message_en,
        }
        for doc_id, items in docs
        for f in items
    ]
    if rows_:
        conn.execute(findings.insert(), rows_)


def _file_row(source: SourceFile, now: datetime, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "watch_dir": str(source.watch_dir),
        "rel_path": source.rel_path,
        "size": source.size,
        "mtime_ns": source.mtime_ns,
        "sha256": source.sha256,
        "last_seen": now,
        "missing_since": None,
        **values,
    }


def _upsert_file(conn: Connection, source: SourceFile, now: datetime, **values: Any) -> None:
    _upsert_files(conn, now, [(source, values)])


def _upsert_files(conn: Connection, now: datetime, items: Sequence[tuple[SourceFile, dict[str, Any]]]) -> None:
    """Remember the files' fingerprints and outcomes: one update of the known paths, one insert of the new ones."""
    if not items:
        return
    paths = [str(src.path) for src, _ in items]
    known: set[str] = set()
    for chunk in _chunks(paths):
        known.update(conn.execute(select(files.c.path).where(files.c.path.in_(chunk))).scalars())
    # a non-UTF-8 name is stored as its bytes' escape (db's bind hook), so compare as stored
    old = [(src, v) for src, v in items if stored_text(str(src.path)) in known]
    new = [(src, v) for src, v in items if stored_text(str(src.path)) not in known]
    if old:
        cols = list(_file_row(old[0][0], now, old[0][1]))
        conn.execute(
            update(files).where(files.c.path == bindparam("b_path")).values({c: bindparam(f"b_{c}") for c in cols}),
            [{"b_path": str(src.path), **{f"b_{k}": v for k, v in _file_row(src, now, values).items()}}
             for src, values in old],
        )
    if new:
        conn.execute(files.insert(), [{"path": str(src.path), "first_seen": now, **_file_row(src, now, values)}
                                      for src, values in new])


# --------------------------------------------------------------------------- the write lock
@contextmanager
def write_lock(cfg: Config, engine: Engine, name: str = "ingest") -> Iterator[None]:
    """One writer at a time: a file lock beside a SQLite ledger, an advisory lock on PostgreSQL."""
    lock_path = ledger_lock_path(cfg)
    if engine.dialect.name == "postgresql":
        import zlib

        key = zlib.crc32(f"adtools:{name}".encode())
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise database_error(engine, "无法连接台账数据库", "Cannot connect to the ledger database", exc) from None
        try:
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({key})").scalar()
            if not got:
                raise LockedError(_locked_message(f"PostgreSQL advisory lock adtools:{name}"))
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")
        finally:
            conn.close()
        return
    if lock_path is None:  # an in-memory or other database: one process by construction
        yield
        return
    from filelock import FileLock, Timeout

    path = lock_path if name == "ingest" else lock_path.with_name(f"{lock_path.stem}.{name}.lock")
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise LockedError(_locked_message(f"lock file {path}")) from None
    try:
        yield
    finally:
        lock.release()

