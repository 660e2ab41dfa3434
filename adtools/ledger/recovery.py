"""Tell, don't hide: a ledger that vanished, archive copies that went missing or were altered, and the rebuild.

- `refuse_vanished(cfg)`: a SQLite ledger file that is missing (or empty) while the archive
  or the file outbox hold history is refused with one bilingual line, instead of starting
  over silently (which would read every file again and mail the week's reports again).
- `check_archive(cfg, ledger, deep=True)`: every stored version's archive copy: missing
  (deep=False: existence only, what each ingest checks cheaply) or altered (deep: its sha256).
- `rebuild(cfg)`: the explicit way back when no backup of the ledger exists: a new ledger
  re-read from the archive copies, oldest first; the watch folders' files that hold the
  same bytes are then recognised by the next ingest as those versions (not read again).
  The outbox's history (what was mailed) is not in the archive and is not rebuilt.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..config import Config
from ..errors import LedgerError
from ..forms import validate as validate_mod
from .db import has_history, open_engine, refuse_vanished, sqlite_path
from .store import Ledger, SourceFile, write_lock
from .tables import REJECTED, documents

__all__ = ["refuse_vanished", "has_history", "check_archive", "ArchiveProblem", "rebuild", "RebuildSummary",
           "RESTORE_HINT"]

log = logging.getLogger("adtools.ledger.recovery")

RESTORE_HINT = ("恢复方法：从备份恢复存档文件夹（[paths] archive）；原文件仍在监视文件夹且未改动的，"
                "运行 adtools ledger verify --repair 重新复制。 / To restore: put the archive folder ([paths] archive) "
                "back from a backup; for originals still unchanged in the watch folder, run "
                "`adtools ledger verify --repair` to copy them again.")


# --------------------------------------------------------------------------- archive copies
@dataclass(frozen=True)
class ArchiveProblem:
    """One stored version whose archive copy is missing or altered; `source` is its original's path."""

    document_id: int
    archive_path: str
    problem: str  # missing | altered
    source: str
    restorable: bool  # the original is still in its folder with the same bytes

    def text(self) -> str:
        what = "缺失 missing" if self.problem == "missing" else "已被改动 altered"
        how = ("原文件仍在，可用 --repair 重新复制 / the original is unchanged: --repair copies it again"
               if self.restorable else "请从备份恢复 / restore it from a backup")
        return f"文档 document {self.document_id}: 存档副本 archive copy {self.archive_path} {what}（{self.source}）: {how}"


def _sha256(path: Path) -> str | None:
    """The ingest's hash (regular files only: a pipe or a device never hangs it); None when it cannot be read."""
    from .ingest import _sha256 as ingest_sha256

    try:
        return ingest_sha256(path)
    except OSError:
        return None


def check_archive(cfg: Config, ledger: Ledger, *, deep: bool = True) -> list[ArchiveProblem]:
    """The stored versions whose archive copy is missing, or (deep) whose bytes are not what was stored."""
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            select(documents.c.id, documents.c.archive_path, documents.c.sha256, documents.c.source_path)
            .where(documents.c.status != REJECTED, documents.c.archive_path.is_not(None))
            .order_by(documents.c.id)
        ).all()
    out: list[ArchiveProblem] = []
    archive = cfg.archive_dir
    present = None if deep else _archive_listing(archive)
    for r in rows:
        if present is not None:  # existence only: one listing of the folder, not a look-up per copy
            if r.archive_path in present:
                continue
            problem = "missing"
        elif (copy := archive / r.archive_path).is_file():
            if _sha256(copy) == r.sha256:
                continue
            problem = "altered"
        else:
            problem = "missing"
        src = Path(r.source_path)
        restorable = deep and src.is_file() and _sha256(src) == r.sha256
        out.append(ArchiveProblem(r.id, r.archive_path, problem, r.source_path, restorable))
    return out


def _archive_listing(archive: Path) -> set[str]:
    """Every file in the archive's `<xx>/` folders, as `xx/name` (cheap on a network share: one listing per folder)."""
    found: set[str] = set()
    try:
        tops = [e for e in os.scandir(archive) if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
    except OSError:
        return found
    for top in tops:
        try:
            found.update(f"{top.name}/{e.name}" for e in os.scandir(top.path) if e.is_file())
        except OSError:
            continue
    return found


def repair_archive(cfg: Config, problems: list[ArchiveProblem]) -> int:
    """Copy again each restorable original into the archive; the number restored."""
    from .ingest import archive_copy

    done = 0
    for p in problems:
        if not p.restorable:
            continue
        src = Path(p.source)
        copy = cfg.archive_dir / p.archive_path
        if copy.exists():  # an altered copy is read-only: make room for the right bytes
            os.chmod(copy, 0o600)
            copy.unlink()
        st = src.stat()
        sha = Path(p.archive_path).stem
        if archive_copy(cfg, SourceFile(src, src.parent, src.name, st.st_size, st.st_mtime_ns, sha)) is not None:
            done += 1
    return done


# --------------------------------------------------------------------------- rebuild
@dataclass
class RebuildSummary:
    """What `rebuild` read from the archive."""

    stored: int = 0
    not_stored: list[str] = field(default_factory=list)  # archive copies that are not a valid form (with why)

    def to_json(self) -> dict[str, Any]:
        return {"stored": self.stored, "not_stored": self.not_stored}


def rebuild(cfg: Config, *, now: datetime) -> RebuildSummary:
    """A new ledger from the archive copies, oldest first (each a version, later ones superseding).

    Refused when the ledger exists and is not empty: rebuild never replaces a ledger.
    """
    path = sqlite_path(cfg.ledger_url)
    if path is not None and path.exists() and path.stat().st_size > 0:
        raise LedgerError(
            f"台账 {path} 已存在，重建只用于台账丢失时 / The ledger {path} exists: rebuild only replaces a missing "
            "ledger. Fix: if it is damaged, move it aside first, then run `adtools ledger rebuild` again."
        )
    copies = sorted(
        (p for p in cfg.archive_dir.rglob("*") if p.is_file() and not p.name.startswith(".")) if cfg.archive_dir.is_dir() else (),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
    )
    summary = RebuildSummary()
    engine = open_engine(cfg.ledger_url)
    try:
        with write_lock(cfg, engine, "ingest"):
            ledger = Ledger.from_engine(cfg, engine, rebuilding=True)
            for copy in copies:
                rel = copy.relative_to(cfg.archive_dir).as_posix()
                result = validate_mod.validate_file(copy, cfg)
                if not (result.ok and result.form_id and result.document_key and result.header is not None):
                    first = next((f"{f.message_zh} / {f.message_en}" for f in result.errors), "")
                    summary.not_stored.append(f"{rel}: {first}")
                    continue
                st = copy.stat()
                src = SourceFile(copy, cfg.archive_dir, rel, st.st_size, st.st_mtime_ns, copy.stem)
                ledger.store_version(result, src, now=now, archive_path=rel)
                summary.stored += 1
    finally:
        engine.dispose()
    log.info("ledger rebuilt from %d archive copies (%d not stored)", summary.stored, len(summary.not_stored))
    return summary
