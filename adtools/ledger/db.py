"""Engine, metadata and versioned migrations of the ledger database (SQLAlchemy Core).

SQLite by default; any SQLAlchemy URL (PostgreSQL for a larger agency) works the
same because only Core constructs are used.  Each migration is a numbered step
run once, in order, inside a transaction; `schema_version` records what ran.
"""
from __future__ import annotations

import logging
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, event, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from ..errors import LedgerError
from ..safetext import display_name, has_surrogates
from .. import clock

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = [
    "forget_engines",
    "refuse_vanished",
    "stored_text",
    "has_history",
    "metadata",
    "Migration",
    "MIGRATIONS",
    "migration",
    "sqlite_path",
    "open_engine",
    "migrate",
    "schema_version",
    "database_error",
]

log = logging.getLogger("adtools.ledger")

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


MIGRATIONS: list[Migration] = []


def migration(version: int, description: str):
    """Register a numbered migration step (a function of a Connection inside a transaction)."""

    def register(fn: Callable[[Connection], None]) -> Callable[[Connection], None]:
        if any(m.version == version for m in MIGRATIONS):
            raise RuntimeError(f"two ledger migrations are numbered {version}")
        MIGRATIONS.append(Migration(version, description, fn))
        MIGRATIONS.sort(key=lambda m: m.version)
        return fn

    return register


def _shown(url: str) -> str:
    """The URL as it may be shown: any password in it masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL has no password we can find; show only its scheme
        return url.split("://", 1)[0] + "://…" if "://" in url else url


def database_error(engine: Engine, what_zh: str, what_en: str, exc: SQLAlchemyError) -> LedgerError:
    """A LedgerError naming the database (password masked), what failed, and [paths] ledger."""
    where = engine.url.render_as_string(hide_password=True)
    return LedgerError(
        f"{what_zh} / {what_en} ({where}): {exc}. "
        "Fix: check [paths] ledger; for a database server, that it is running and reachable from this machine."
    )


def sqlite_path(url: str) -> Path | None:
    """The database file of a `sqlite:///<path>` URL; None for any other database (or an in-memory one)."""
    prefix = "sqlite:///"
    return Path(url[len(prefix):]) if url.startswith(prefix) and len(url) > len(prefix) else None


def open_engine(url: str) -> Engine:
    """An engine for the ledger URL; SQLite gets WAL, foreign keys and a busy timeout."""
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(f"无法创建台账文件夹 / Cannot create the ledger folder {path.parent}: {exc}") from None
    if path is not None:
        _match_side_files(path)
    cached = _ENGINES.get(url)
    if cached is not None:  # the scheduler opens the ledger every few minutes: its compiled statements are kept
        return cached
    try:
        engine = create_engine(url, future=True, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise LedgerError(f"无法打开台账 / Cannot open the ledger {_shown(url)!r}: {exc}. Fix: check [paths] ledger.") from None
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    event.listen(engine, "before_cursor_execute", _text_as_data, retval=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "handle_error", _sqlite_error)
    _ENGINES[url] = engine
    return engine


# One engine per ledger URL and process.  Callers still dispose() it when done, which closes its
# connections (a new one is opened on next use); what stays is its cache of compiled statements.
_ENGINES: dict[str, Engine] = {}


def forget_engines() -> None:
    """In a forked process: drop the engines inherited from the parent without touching their connections (which
    stay the parent's); this process opens its own."""
    for engine in _ENGINES.values():
        engine.dispose(close=False)
    _ENGINES.clear()


# SQLite's words for a ledger the process may not write, and what to do about each
_SQLITE_CAUSES = (
    ("readonly", "台账文件为只读", "the ledger file is read-only",
     "give this account write permission on the ledger file, its folder and its -wal/-shm files"),
    ("unable to open", "无法打开台账文件", "the ledger file cannot be opened",
     "check that [paths] ledger exists and this account may read and write it and its folder"),
    ("locked", "台账被另一程序锁定", "the ledger is locked by another program",
     "close the program holding it (a database browser, a backup tool) and run again"),
    ("disk i/o error", "读写台账时出现磁盘错误", "a disk error while using the ledger",
     "check the disk or network share that holds [paths] ledger"),
    ("full", "磁盘已满", "the disk is full", "free space on the disk that holds [paths] ledger"),
)


def _sqlite_error(context) -> None:  # noqa: ANN001
    """An SQLite error a person can act on becomes one bilingual line (LedgerError), not a traceback."""
    original = context.original_exception
    text = str(original).lower()
    where = context.engine.url.database if context.engine is not None else ""
    if "disk i/o error" in text and where and _nearly_full(Path(where).parent):
        text = "full"  # SQLite says "disk I/O error" when its -wal or -shm file cannot grow
    for word, zh, en, fix in _SQLITE_CAUSES:
        if word in text:
            raise LedgerError(f"{zh}（{where}）/ {en} ({where}): {original}. Fix: {fix}.") from None


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        return False


def _match_side_files(path: Path) -> None:
    """SQLite's -wal and -shm files left read-only (the ledger was read-only once) get the ledger's permissions back.

    Otherwise the ledger fails on every run after its own permissions are fixed.  Only
    what this account may change is changed; anything else is left for the error to name.
    """
    try:
        if not path.exists() or not os.access(path, os.W_OK):
            return
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        try:
            if side.exists() and not os.access(side, os.W_OK):
                os.chmod(side, mode | stat.S_IWUSR)
                log.warning("%s was read-only: given the ledger's permissions", side)
        except OSError:
            pass


def stored_text(value):  # noqa: ANN001, ANN201
    """A value as the ledger stores it: a text with lone surrogates (a non-UTF-8 file name) as its bytes' escape."""
    if isinstance(value, str) and not value.isascii() and has_surrogates(value):
        return display_name(value)
    return value


def _storable(params) -> bool:  # noqa: ANN001
    """Whether every text in these parameters encodes as UTF-8 (the common case: nothing to escape)."""
    rows = params if isinstance(params, (list, tuple)) else (params,)
    try:
        for row in rows:
            for v in (row.values() if isinstance(row, dict) else row if isinstance(row, (list, tuple)) else (row,)):
                if v.__class__ is str and not v.isascii():
                    v.encode("utf-8")
                elif isinstance(v, (list, tuple, dict)):
                    if not _storable(v):
                        return False
    except UnicodeEncodeError:
        return False
    return True


def _safe_params(params):  # noqa: ANN001, ANN202
    if isinstance(params, dict):
        return {k: stored_text(v) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return type(params)(_safe_params(p) if isinstance(p, (dict, list, tuple)) else stored_text(p) for p in params)
    return params


def _text_as_data(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
    """Every text bound into the ledger is storable: lone surrogates (a file name's non-UTF-8 bytes) escaped.

    The driver would raise UnicodeEncodeError, and one such name stopped a whole ingest.
    """
    if context is not None and context.execution_options.get("adtools_text_checked"):
        return statement, parameters  # values known to be valid Unicode (cells of a workbook)
    if _storable(parameters):  # one pass that builds nothing; the bulk inserts of an ingest bind millions of values
        return statement, parameters
    return statement, _safe_params(parameters)


def migrate(engine: Engine) -> int:
    """Apply every migration not yet applied; return the schema version now in force.

    Every part's tables are made here, whichever part opened the ledger first.
    """
    from datetime import timezone

    from . import store  # noqa: F401  (declares the migrations of every part's tables)

    try:
        schema_version.create(engine, checkfirst=True)
        with engine.begin() as conn:
            done = set(conn.execute(select(schema_version.c.version)).scalars())
        current = max(done, default=0)
        for m in MIGRATIONS:
            if m.version in done:
                continue
            with engine.begin() as conn:
                log.info("ledger migration %s: %s", m.version, m.description)
                m.apply(conn)
                conn.execute(
                    schema_version.insert().values(
                        version=m.version, description=m.description, applied_at=clock.now(timezone.utc)
                    )
                )
            current = m.version
        return current
    except SQLAlchemyError as exc:
        raise database_error(engine, "台账数据库无法打开或升级", "The ledger database cannot be opened or migrated", exc) from None


# --------------------------------------------------------------------------- a ledger that vanished
def has_history(cfg: "Config") -> str | None:
    """What shows that this workspace had a ledger: the first archive copy or sent .eml found, else None."""
    for folder, pattern in ((cfg.archive_dir, "*"), (cfg.outbox_dir, "*.eml")):
        if folder.is_dir():
            for p in folder.rglob(pattern):
                if p.is_file() and not p.name.startswith("."):
                    return str(p)
    return None


def refuse_vanished(cfg: "Config") -> None:
    """Raise LedgerError when the SQLite ledger is missing or empty but the workspace has history."""
    path = sqlite_path(cfg.ledger_url)
    if path is None:
        return
    try:
        empty = not path.exists() or path.stat().st_size == 0
    except OSError:
        return  # unreadable: opening it will say so
    if not empty:
        return
    evidence = has_history(cfg)
    if evidence is None:
        return  # a new workspace: the ledger is created
    raise LedgerError(
        f"台账文件 {path} 不见了（或为空），但存档和发件记录还在（如 {evidence}）；为免重复读入和重复发信，未新建台账。"
        f"请从备份恢复台账文件，或运行 adtools ledger rebuild 从存档重建。 / The ledger {path} is missing (or empty) "
        f"while the archive and the mail history remain (e.g. {evidence}); it is not started over silently, which "
        "would read every file again and mail the reports again. Fix: restore the ledger file from a backup, or run "
        "`adtools ledger rebuild` to rebuild it from the archive."
    )
