"""Scan the watch folders and bring the ledger up to date: each file version read once, kept forever.

scan -> fingerprint (size + modified time, then sha256) -> validate what changed ->
detect conflicts -> store each valid version in one transaction (after an
immutable, content-addressed archive copy) or record the rejection (feedback
workbook, mail to the submitter) -> note files gone missing.
Staff files are only ever read: never moved, changed or deleted.
"""
from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..config import Config
from ..clock import now as clock_now
from ..errors import ERROR, FileError, Finding, LedgerError
from ..forms.catalog import FORMS
from ..forms.schema import FormResult
from ..safetext import display_name
from .db import open_engine, sqlite_path
from .recovery import check_archive
from .workers import Task, check_files, failure_finding
from .store import DocumentVersion, FileState, Ledger, SourceFile, StoredVersion, ToStore, write_lock

__all__ = ["ingest", "IngestSummary", "FileOutcome", "WORKBOOK_SUFFIXES", "FOREIGN_SUFFIXES", "skip_reason", "recipients_for"]

log = logging.getLogger("adtools.ledger.ingest")

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# other spreadsheet formats: validated so that their owners get the "save as .xlsx" finding
FOREIGN_SUFFIXES = (".xls", ".xlsb", ".ods", ".et", ".csv")
_HASH_CHUNK = 1 << 20
_CHANGED_WHILE_READ = "读取期间文件被修改，下次再读 / the file changed while being read; read next scan"

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, path)


# --------------------------------------------------------------------------- results
@dataclass
class FileOutcome:
    """What happened to one file in this scan."""

    path: str
    status: str  # ingested | unchanged | duplicate | rejected | skipped | missing
    form_id: str | None = None
    document_key: str | None = None
    rows: int | None = None
    errors: int = 0
    warnings: int = 0
    reason: str | None = None


@dataclass
class IngestSummary:
    """Counts and per-file outcomes of one ingest; `to_json()` is what `adtools ingest --json` prints."""

    scanned: int = 0
    ingested: int = 0
    unchanged: int = 0
    duplicate: int = 0
    rejected: int = 0
    superseded: int = 0
    skipped: int = 0
    missing: int = 0
    files: list[FileOutcome] = field(default_factory=list)
    notices_queued: int = 0  # rejection mails handed to the outbox after this run (set by adtools.tasks.ingest)
    notices_pending: int = 0  # rejection mails waiting for the outbox
    archive_missing: int = 0  # stored versions whose archive copy is gone (existence only; `adtools ledger verify` says more)

    def add(self, outcome: FileOutcome) -> None:
        self.files.append(outcome)
        if outcome.status != "missing":
            self.scanned += 1
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)

    @property
    def changed(self) -> bool:
        """Whether this scan changed what the ledger holds (a version stored or refused, a file gone)."""
        return bool(self.ingested or self.rejected or self.missing or self.duplicate)

    def counts(self) -> dict[str, int]:
        """The counts of `to_json()`, without the files."""
        return {k: getattr(self, k) for k in ("scanned", "ingested", "unchanged", "duplicate", "rejected",
                                              "superseded", "skipped", "missing", "archive_missing")}

    def to_json(self) -> dict[str, Any]:
        return {**self.counts(), "files": [dict(vars(f)) for f in self.files]}  # FileOutcome is flat: no asdict


# --------------------------------------------------------------------------- which files
def skip_reason(name: str) -> str | None:
    """Why a file name is never read (lock, temporary or hidden file), or None."""
    low = name.lower()
    if name.startswith("~$"):
        return "Office 锁定文件（表格正被打开） / Office lock file (the workbook is open in Excel or WPS)"
    if low.startswith(".~lock.") and low.endswith("#"):
        return "LibreOffice 锁定文件 / LibreOffice lock file (the workbook is open)"
    if low.endswith(".tmp"):
        return "临时文件 / temporary file (written while saving)"
    if name.startswith("."):
        return "隐藏文件 / hidden file"
    return None


def _is_candidate(name: str) -> bool:
    low = name.lower()
    return (
        low.endswith(WORKBOOK_SUFFIXES + FOREIGN_SUFFIXES)
        or low.endswith(".tmp")
        or (low.startswith(".~lock.") and low.endswith("#"))
    )


def _hidden_attr(st: os.stat_result) -> bool:
    return bool(getattr(st, "st_file_attributes", 0) & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _excluded_dirs(cfg: Config) -> set[Path]:
    out = {cfg.archive_dir, cfg.feedback_dir, cfg.reports_dir, cfg.outbox_dir}
    ledger_file = sqlite_path(cfg.ledger_url)
    if ledger_file is not None:
        out.add(ledger_file.parent)
    return {p.resolve() for p in out}


def _walk(watch: Path, excluded: set[Path]) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(watch, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith((".", "~$")) and (here / d).resolve() not in excluded
        )
        found.extend(here / f for f in sorted(filenames) if _is_candidate(f))
    return found


# --------------------------------------------------------------------------- pieces
def _key(path: Path | str) -> str:
    """A path as the ledger and the summary hold it: a name that is not UTF-8 shown as its bytes' escape."""
    return display_name(str(path))


_NOT_REGULAR = ("不是普通文件（命名管道、设备或指向它们的链接），未读取 / not a regular file (a named pipe, a device "
                "or a link to one): never opened. Fix: save the workbook as an ordinary .xlsx file.")


class _NotRegular(OSError):
    """The path is not a regular file (found when it was opened)."""


def _open_regular(path: Path):  # noqa: ANN202
    """Open a file for reading only if it is a regular file; a FIFO or device is never waited on.

    O_NONBLOCK (where the system has it) makes opening a named pipe return at once;
    fstat of the opened descriptor then refuses anything but a regular file, so a
    file swapped for a pipe after the first check is refused too.
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotRegular(_NOT_REGULAR)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with _open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(_HASH_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


STAGING = ".staging"  # inside [paths] archive: copies being written (a killed run's leftovers are removed at the next)
_SYNC_ONCE = hasattr(os, "sync")  # POSIX: one os.sync() makes a whole batch of copies durable


def archive_copy(cfg: Config, src: SourceFile, *, sync: bool = True) -> str | None:
    """The immutable copy `<archive>/<sha[:2]>/<sha><suffix>`, written atomically; None when the file changed meanwhile.

    The suffix is the source's (.xlsx, .xlsm: a macro workbook renamed .xlsx would not open).
    With `sync=False` the caller makes the copies durable itself (`sync_archive`) before it
    commits the versions that name them; where the system has no such call, each copy is
    synced here anyway.  Returns the path relative to the archive folder (POSIX).
    """
    suffix = src.path.suffix.lower() or ".xlsx"
    rel = f"{src.sha256[:2]}/{src.sha256}{suffix}"
    final = cfg.archive_dir / rel
    try:
        if final.stat().st_size == src.size:
            return rel
    except OSError:
        pass
    staging = cfg.archive_dir / STAGING
    tmp = staging / f".{src.sha256}.{os.getpid()}.tmp"
    h = hashlib.sha256()
    try:
        with _open_regular(src.path) as fin, _created(tmp) as fout:
            for chunk in iter(lambda: fin.read(_HASH_CHUNK), b""):
                h.update(chunk)
                fout.write(chunk)
            fout.flush()
            if sync or not _SYNC_ONCE:
                os.fsync(fout.fileno())
        if h.hexdigest() != src.sha256:
            tmp.unlink(missing_ok=True)
            return None
        try:
            os.replace(tmp, final)
        except FileNotFoundError:  # the first copy into this sub-folder (the folders are made when first needed)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        os.chmod(final, stat.S_IREAD | stat.S_IRGRP | stat.S_IROTH)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise FileError(
            f"无法写入存档副本 / Cannot write the archive copy {final}: {exc}. Fix: check [paths] archive and its permissions."
        ) from None
    return rel


def _created(path: Path):  # noqa: ANN202
    """A new file open for writing; its folder is made when it does not exist yet."""
    try:
        return open(path, "wb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "wb")  # noqa: SIM115


def sync_archive() -> None:
    """Make the copies written with `sync=False` (and their folder entries) durable: one call for the batch."""
    if _SYNC_ONCE:
        os.sync()


def clear_staging(cfg: Config) -> None:
    """Remove copies a killed run left half-written (called with the ingest lock held)."""
    staging = cfg.archive_dir / STAGING
    try:
        leftovers = list(staging.iterdir())
    except OSError:
        return
    for p in leftovers:
        if p.name.endswith(".tmp"):
            try:
                p.unlink()
            except OSError as exc:
                log.warning("could not remove %s: %s", _key(p), exc)


def _write_feedback(result: FormResult, out_dir: Path) -> str | None:
    """The feedback copy; when annotating the file itself fails in any way, a findings-only workbook."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("feedback workbook for %s not written: %s", _key(result.path), exc)
        return None
    for annotate in (True, False):
        try:
            from ..forms import feedback  # openpyxl: loaded only when a file is refused

            return str(feedback.write_feedback(result, out_dir, annotate=annotate))
        except (OSError, FileError) as exc:
            log.warning("feedback workbook for %s not written: %s", _key(result.path), exc)
            return None
        except Exception:  # noqa: BLE001 - the copy of this one file failed: try the findings alone
            log.exception("feedback for %s failed (annotate=%s)", _key(result.path), annotate)
    return None


def _pause_hook(point: str) -> Callable[[], None] | None:
    """For the crash-safety test only: ADTOOLS_INGEST_PAUSE="<point>:<n>" stops the n-th time `point` is reached.

    The process writes the file named by ADTOOLS_INGEST_PAUSE_MARKER and waits forever,
    so a test can kill it at exactly that moment.  Points: "stored" (after a version's
    transaction committed), "txn" (inside it, before the commit).
    """
    spec = os.environ.get("ADTOOLS_INGEST_PAUSE", "")
    if not spec.startswith(point + ":"):
        return None
    target = int(spec.split(":", 1)[1])
    count = {"n": 0}

    def hook() -> None:
        count["n"] += 1
        if count["n"] == target:
            marker = os.environ.get("ADTOOLS_INGEST_PAUSE_MARKER")
            if marker:
                Path(marker).write_text(point, encoding="utf-8")
            threading.Event().wait()

    return hook


def _first_error(result: FormResult | None, extra: list[Finding]) -> str:
    errs = [f for f in (*(result.findings if result else ()), *extra) if f.severity == ERROR]
    if not errs:
        return ""
    f = errs[0]
    where = f"{f.where}: " if f.where else ""
    more = f"（另有 {len(errs) - 1} 处 / and {len(errs) - 1} more）" if len(errs) > 1 else ""
    return f"{where}{f.message_zh} / {f.message_en}{more}"


# --------------------------------------------------------------------------- the scan
@dataclass
class _Pending:
    """A changed file waiting to be validated and stored."""

    src: SourceFile
    result: FormResult | None = None
    extra: list[Finding] = field(default_factory=list)  # findings of the ingest itself (a conflict)
    conflict_with: list[str] = field(default_factory=list)
    archived: str | None = None  # its archive copy, made (unsynced) while the other files were still being read


class _Scan:
    def __init__(self, cfg: Config, ledger: Ledger, now: datetime, progress: Progress | None, run_id: int):
        self.cfg = cfg
        self.ledger = ledger
        self.now = now
        self.progress = progress or (lambda *a: None)
        self.run_id = run_id
        self.summary = IngestSummary()
        self.pause_stored = _pause_hook("stored")
        self.pause_txn = _pause_hook("txn")

    # ---- phase 1: find, fingerprint, decide what needs reading
    def run(self) -> IngestSummary:
        cfg = self.cfg
        state = self.ledger.file_states()
        excluded = _excluded_dirs(cfg)
        scanned_dirs: list[str] = []
        candidates: list[tuple[Path, Path]] = []
        for watch in cfg.watch_dirs:
            if not watch.is_dir():
                self.summary.add(FileOutcome(
                    _key(watch), "skipped",
                    reason="监视文件夹不存在或无法访问，其中的文件未被标记为缺失 / watch folder not found or not reachable; "
                           "its files are not marked missing. Fix: check [paths] watch and the network share.",
                ))
                log.warning("watch folder %s not found", watch)
                continue
            scanned_dirs.append(_key(watch))
            candidates.extend((watch, p) for p in _walk(watch, excluded))

        seen_paths: set[str] = set()
        changed: list[tuple[SourceFile, FileState | None]] = []
        total = len(candidates)
        for i, (watch, path) in enumerate(candidates, 1):
            self.progress("scan", i, total, _key(path))
            seen_paths.add(_key(path))
            prev = state.get(_key(path))
            src = self._fingerprint(watch, path, prev)
            if src is not None:
                changed.append((src, prev))
        # one look-up of every changed file's content in the ledger, not one per file
        known = self.ledger.documents_with_shas({src.sha256 for src, _ in changed})
        batch_sha: dict[str, str] = {}
        pending: list[_Pending] = []
        for src, prev in changed:
            p = self._decide(src, prev, known.get(src.sha256, []), batch_sha)
            if p is not None:
                pending.append(p)

        self._validate_all(pending)
        self._find_conflicts(pending)
        rejected: list[_Pending] = []
        valid: list[_Pending] = []
        for p in pending:
            if p.result is not None:
                (valid if self._storable(p) and not p.extra else rejected).append(p)
        # good files first, in batches of one transaction each: whatever a rejection does, they are in
        size = cfg.intake.batch_files  # one transaction each; their archive copies synced once, before its commit
        for start in range(0, len(valid), size):
            self._store_batch(valid[start:start + size], start, len(valid))
        for n, p in enumerate(rejected, 1):
            self.progress("reject", n, len(rejected), _key(p.src.path))
            self._guarded(p, self._reject)
        self._missing(state, seen_paths, scanned_dirs)
        self.summary.files.sort(key=lambda f: f.path)
        return self.summary

    def _fingerprint(self, watch: Path, path: Path, prev: FileState | None) -> SourceFile | None:
        """The file's fingerprint when it must be looked at further; None when its outcome is already known."""
        cfg, add = self.cfg, self.summary.add
        why = skip_reason(path.name)
        if why:
            add(FileOutcome(_key(path), "skipped", reason=why))
            return None
        try:
            st = path.stat()
        except OSError as exc:
            add(FileOutcome(_key(path), "skipped", reason=f"无法读取 / cannot be read: {exc}"))
            return None
        if _hidden_attr(st):
            add(FileOutcome(_key(path), "skipped", reason="隐藏文件 / hidden file"))
            return None
        if not stat.S_ISREG(st.st_mode):  # stat follows a link: a link to /dev/zero is a device here
            add(FileOutcome(_key(path), "skipped", reason=_NOT_REGULAR))
            return None
        reexamine = prev is not None and prev.status == "conflict"
        if prev is not None and not reexamine and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns:
            if prev.missing_since is not None:
                self.ledger.touch_file(_key(path), mtime_ns=st.st_mtime_ns, now=self.now)
            add(self._unchanged(path, prev))
            return None
        mtime = datetime.fromtimestamp(st.st_mtime_ns / 1e9, tz=timezone.utc)
        age = (self.now - mtime).total_seconds()
        settle = cfg.intake.settle_seconds
        if settle > 0 and age < settle:
            add(FileOutcome(
                _key(path), "skipped",
                reason=f"刚修改过（{max(age, 0):.0f} 秒前），可能仍在保存，下次再读 / modified {max(age, 0):.0f} s ago "
                       f"(less than [intake] settle_seconds = {settle}): it may still be saving; read next scan",
            ))
            return None
        try:
            sha = _sha256(path)
        except _NotRegular:
            add(FileOutcome(_key(path), "skipped", reason=_NOT_REGULAR))
            return None
        except OSError as exc:
            add(FileOutcome(_key(path), "skipped", reason=f"无法读取 / cannot be read: {exc}"))
            return None
        rel = path.relative_to(watch).as_posix()
        return SourceFile(path, watch, rel, st.st_size, st.st_mtime_ns, sha)

    def _decide(self, src: SourceFile, prev: FileState | None, docs: list[DocumentVersion],
                batch_sha: dict[str, str]) -> _Pending | None:
        """A changed file: unchanged content after all, a duplicate, or a version to read (`docs`: its sha's versions)."""
        cfg, add, path, sha = self.cfg, self.summary.add, src.path, src.sha256
        reexamine = prev is not None and prev.status == "conflict"
        if prev is not None and not reexamine and prev.sha256 == sha:
            self.ledger.touch_file(_key(path), mtime_ns=src.mtime_ns, now=self.now)
            add(self._unchanged(path, prev))
            return None
        if sha in batch_sha:
            first = self._rel(batch_sha[sha])
            reason = f"与 {first} 内容相同 / same content as {first} (read once)"
            self.ledger.note_file(src, now=self.now, status="duplicate", reason=reason)
            add(FileOutcome(_key(path), "duplicate", reason=reason))
            return None
        batch_sha[sha] = _key(path)
        for doc in docs:
            if doc.status == "current" and doc.watch_dir == _key(cfg.archive_dir):  # read back by `ledger rebuild`
                self.ledger.adopt_source(doc.id, src)
                doc = replace(doc, source_path=_key(path))
            if doc.source_path == _key(path):
                if doc.status == "current":  # the ledger already holds this very file version
                    self.ledger.note_file(src, now=self.now, status="ingested", document_id=doc.id, form_id=doc.form_id,
                                          document_key=doc.document_key, rows=doc.rows, errors=0, warnings=doc.warnings)
                    add(FileOutcome(_key(path), "unchanged", doc.form_id, doc.document_key, doc.rows, 0, doc.warnings))
                    return None
                continue  # this path went back to an earlier content: read it again
            label = f"{doc.form_id} {doc.document_key} v{doc.version} ({doc.status})" if doc.form_id else doc.status
            reason = f"与已读入的 {doc.rel_path} 内容相同 / same content as {doc.rel_path}, already in the ledger: {label}"
            self.ledger.note_file(src, now=self.now, status="duplicate", document_id=doc.id, form_id=doc.form_id,
                                  document_key=doc.document_key, rows=doc.rows, reason=reason)
            add(FileOutcome(_key(path), "duplicate", doc.form_id, doc.document_key, doc.rows, reason=reason))
            return None
        return _Pending(src)

    def _rel(self, path: str) -> str:
        p = Path(path)
        for w in self.cfg.watch_dirs:
            if p.is_relative_to(w):
                return p.relative_to(w).as_posix()
        return path

    def _unchanged(self, path: Path, prev: FileState) -> FileOutcome:
        return FileOutcome(_key(path), "unchanged", prev.form_id, prev.document_key, prev.rows,
                           prev.errors or 0, prev.warnings or 0)

    # ---- phase 2: validate what changed
    def _validate_all(self, pending: list[_Pending]) -> None:
        known = self.ledger.known_jobs()
        todo = [p for p in pending if p.result is None]
        self._check(todo, known)
        # job numbers of work orders read in this same scan: re-check the files that named one of them
        new_jobs = {
            p.result.header.values.get("job_no")
            for p in todo
            if p.result.form_id == "work_order" and p.result.ok and p.result.header is not None
        } - (known or set()) - {None, ""}
        if new_jobs:
            all_jobs = (known or set()) | new_jobs
            self._check([p for p in todo if p.result.form_id != "work_order" and any(
                f.field == "job_no" and str(f.value) in new_jobs for f in p.result.findings)], all_jobs)
        for p in todo:  # a file saved again while it was being read: leave it for the next scan
            try:
                st = p.src.path.stat()
                changed = (st.st_size, st.st_mtime_ns) != (p.src.size, p.src.mtime_ns)
            except OSError:
                changed = True
            if changed:
                self.summary.add(FileOutcome(_key(p.src.path), "skipped",
                                             reason=_CHANGED_WHILE_READ))
                p.result = None

    def _check(self, todo: list[_Pending], known: set[str] | None) -> None:
        """Read and check these files in worker processes, each bounded in time and memory (`workers`)."""
        jobs = frozenset(known) if known is not None else None
        tasks = [Task(i, p.src.path, jobs) for i, p in enumerate(todo)]
        for n, (i, result) in enumerate(check_files(self.cfg, tasks), 1):
            p = todo[i]
            p.result = result
            self.progress("validate", n, len(todo), _key(p.src.path))
            if p.archived is None and self._storable(p):
                # the copy is made now, while the workers read the other files (this process would wait
                # idle); it is made durable and named by the ledger only when its batch is stored
                try:
                    p.archived = archive_copy(self.cfg, p.src, sync=False)
                except FileError:
                    pass  # tried again when its batch is stored, where a failure is that file's outcome

    def _find_conflicts(self, pending: list[_Pending]) -> None:
        groups: dict[tuple[str, str], list[_Pending]] = {}
        for p in pending:
            r = p.result
            if r is not None and r.form_id in FORMS and r.document_key is not None:
                groups.setdefault((r.form_id, r.document_key), []).append(p)
        for (form_id, key), members in groups.items():
            if len(members) < 2:
                continue
            form = FORMS[form_id]
            for p in members:
                others = [o.src.rel_path for o in members if o is not p]
                p.conflict_with = others
                cell = p.result.header.cells.get(form.key[0], "") if p.result.header else ""
                p.extra.append(Finding(
                    ERROR, "conflict",
                    f"另一个文件 {', '.join(others)} 的{form.zh}编号相同（{key}）但内容不同，两个文件均未读入；请删除或改正其中一个",
                    f"another file, {', '.join(others)}, has the same {form.en} key ({key}) with different content; "
                    "neither was entered: delete or correct one of them",
                    file=p.src.path.name, sheet=p.result.sheet if cell else "", cell=cell, field=form.key[0], value=key,
                ))

    @staticmethod
    def _storable(p: _Pending) -> bool:
        r = p.result
        return r is not None and r.ok and r.form_id in FORMS and r.document_key is not None and r.header is not None

    # ---- phase 3: write
    def _reject(self, p: _Pending) -> None:
        r = p.result
        assert r is not None
        if r.form_id is not None and r.document_key is None and r.ok and not p.extra:
            p.extra.append(Finding(ERROR, "no_document_key", "缺少文件编号（文档键）", "the document key is missing",
                                   file=p.src.path.name))
        if r.form_id is None and r.ok and not p.extra:
            p.extra.append(Finding(ERROR, "unknown_form", "无法识别为标准表格", "not recognised as one of the standard forms",
                                   file=p.src.path.name))
        full = replace(r, findings=[*r.findings, *p.extra])
        feedback = _write_feedback(full, self._feedback_dir(p.src))
        if p.conflict_with:
            reason = "冲突 / conflict: " + p.extra[-1].message_zh + " / " + p.extra[-1].message_en
        else:
            reason = _first_error(r, p.extra)
        if feedback:
            reason += f" · 反馈 feedback: {feedback}"
        to = recipients_for(self.cfg, r.author)
        self.ledger.reject_version(
            r, p.src, now=self.now, reason=reason, extra_findings=p.extra, feedback_path=feedback, notify_to=to,
            file_status="conflict" if p.conflict_with else "rejected", run_id=self.run_id,
        )
        n_err = len(full.errors)
        self.summary.add(FileOutcome(_key(p.src.path), "rejected", r.form_id, r.document_key, len(r.rows), n_err,
                                     len(full.warnings), reason))

    def _feedback_dir(self, src: SourceFile) -> Path:
        """The feedback folder mirrors the watch folder's sub-folders (two `工时表.xlsx` never collide)."""
        out = self.cfg.feedback_dir
        if len(self.cfg.watch_dirs) > 1:
            out = out / src.watch_dir.name
        return out.joinpath(*Path(src.rel_path).parent.parts)

    def _guarded(self, p: _Pending, step: Callable[[_Pending], Any]) -> Any:
        """Run one file's step and return what it returns; a failure becomes that file's outcome (None) and the scan goes on.

        A ledger or archive that cannot be written (locked, read-only, full) leaves the file
        for the next scan; any other failure is a bug of ours on this file: it is recorded as
        refused with the reason (and its author told), so the next scan does not repeat it.
        """
        try:
            return step(p)
        except LedgerError as exc:
            log.error("%s not recorded (ledger): %s", _key(p.src.path), exc)
            self.summary.add(FileOutcome(_key(p.src.path), "skipped",
                                         reason=f"台账无法写入，下次再读 / the ledger could not be written; read next scan: {exc}"))
            return None
        except FileError as exc:  # the archive cannot be written (disk full, permissions): not the file's fault
            log.error("%s not stored (archive): %s", _key(p.src.path), exc)
            self.summary.add(FileOutcome(_key(p.src.path), "skipped",
                                         reason=f"存档副本无法写入，下次再读 / the archive copy could not be written; read next "
                                                f"scan: {exc}"))
            return None
        except Exception as exc:  # noqa: BLE001 - one file's failure is its outcome, never the scan's
            log.exception("%s failed on %s", step.__name__, _key(p.src.path))
            failure = failure_finding(p.src.path, step.__name__.strip("_"), exc)
        r = p.result
        reason = f"{failure.message_zh} / {failure.message_en}"
        form_id = r.form_id if r is not None else None
        try:
            self.ledger.reject_version(
                r, p.src, now=self.now, reason=reason, extra_findings=[failure], feedback_path=None,
                notify_to=recipients_for(self.cfg, r.author if r is not None else None), run_id=self.run_id,
            )
        except Exception:  # noqa: BLE001 - then at least its fingerprint, so the next scan does not loop on it
            log.exception("recording the failure of %s failed", _key(p.src.path))
            try:
                self.ledger.note_file(p.src, now=self.now, status="rejected", form_id=form_id, errors=1, reason=reason)
            except Exception:  # noqa: BLE001
                log.exception("noting %s failed", _key(p.src.path))
        self.summary.add(FileOutcome(_key(p.src.path), "rejected", form_id, None, None, 1, 0, reason))

    def _store_batch(self, batch: list[_Pending], offset: int, total: int) -> None:
        """Archive copies of the batch, made durable together, then the batch's versions in one transaction.

        A copy that fails is that file's outcome.  When the batch's transaction fails, each
        file is tried in a transaction of its own, so a file the ledger refuses holds back
        only itself.
        """
        ready: list[tuple[_Pending, str]] = []
        for n, p in enumerate(batch, offset + 1):
            self.progress("store", n, total, _key(p.src.path))
            rel = p.archived or self._guarded(p, self._copy)
            if rel is not None:
                ready.append((p, rel))
        if not ready:
            return
        sync_archive()  # before the commit that names the copies: a crash never leaves a version without its copy
        try:
            stored = self.ledger.store_versions(
                [ToStore(p.result, p.src, rel) for p, rel in ready], now=self.now, run_id=self.run_id,
                pause=self.pause_txn,
            )
        except Exception as exc:  # noqa: BLE001 - one file the ledger refuses must not hold back the others
            log.warning("storing a batch of %d files failed (%s); storing each on its own", len(ready), exc)
            for p, rel in ready:
                self._store_one(p, rel)
            return
        for (p, _), version in zip(ready, stored):
            self._stored(p, version)
        if self.pause_stored:
            self.pause_stored()

    def _store_one(self, p: _Pending, rel: str) -> None:
        def _store(p: _Pending) -> None:  # named for the outcome's "internal error (store: …)"
            self._stored(p, self.ledger.store_versions([ToStore(p.result, p.src, rel)], now=self.now,
                                                       run_id=self.run_id)[0])

        self._guarded(p, _store)

    def _copy(self, p: _Pending) -> str | None:
        archived = archive_copy(self.cfg, p.src, sync=False)
        if archived is None:
            self.summary.add(FileOutcome(_key(p.src.path), "skipped", reason=_CHANGED_WHILE_READ))
        return archived

    def _stored(self, p: _Pending, stored: StoredVersion) -> None:
        r = p.result
        assert r is not None
        reason = None
        if stored.superseded_id is not None:
            self.summary.superseded += 1
            old = stored.superseded_version
            reason = f"取代第 {old} 版，现为第 {stored.version} 版 / supersedes v{old} (now v{stored.version})"
        self.summary.add(FileOutcome(_key(p.src.path), "ingested", r.form_id, r.document_key, len(r.rows), 0,
                                     len(r.warnings), reason))

    def _missing(self, state: dict[str, FileState], seen: set[str], scanned_dirs: list[str]) -> None:
        gone = [
            s for path, s in sorted(state.items())
            if path not in seen and s.missing_since is None and s.watch_dir in scanned_dirs
        ]
        self.ledger.mark_missing([s.path for s in gone], now=self.now)
        for s in gone:
            if s.status in ("rejected", "conflict"):
                reason = "文件已不在原处（它曾被退回，台账中没有它的数据） / the file is gone (it had been rejected: none of its data was in the ledger)"
            else:
                reason = "文件已不在原处，台账中的数据保留 / the file is gone; its data stays in the ledger"
            self.summary.add(FileOutcome(s.path, "missing", s.form_id, s.document_key, s.rows, s.errors or 0,
                                         s.warnings or 0, reason=reason))


def recipients_for(cfg: Config, author: str | None) -> list[str]:
    """The [[people]] entry matching the workbook's author, else the account team (else [mail] sender)."""
    person = cfg.person(author) if author else None
    if person is not None and person.email:
        return [person.email]
    team = [p.email for p in cfg.people if p.department == "account" and p.email]
    return team or [cfg.mail.sender]



# --------------------------------------------------------------------------- entry point
def ingest(cfg: Config, *, now: datetime | None = None, progress: Progress | None = None) -> IngestSummary:
    """Scan `[paths] watch` and bring the ledger up to date; see the module docstring.

    `now` (aware; default: the clock) is the time recorded and the reference for
    `[intake] settle_seconds`.  `progress(stage, done, total, path)` is called for
    each file of each stage ("scan", "validate", "reject", "store").  Raises
    LockedError when another ingest holds the ledger.
    """
    clock = now or clock_now(cfg.tz)
    if clock.tzinfo is None:
        clock = clock.replace(tzinfo=cfg.tz)
    engine = open_engine(cfg.ledger_url)
    try:
        with write_lock(cfg, engine, "ingest"):
            ledger = Ledger.from_engine(cfg, engine)  # refuses a ledger that vanished
            clear_staging(cfg)
            if ledger.close_interrupted_runs("ingest", now=clock):
                log.warning("the previous ingest was interrupted; this run finishes its work")
            run_id = ledger.start_run("ingest", clock.astimezone(cfg.tz).isoformat(timespec="seconds"), now=clock)
            try:
                summary = _Scan(cfg, ledger, clock, progress, run_id).run()
            except BaseException as exc:
                ledger.finish_run(run_id, status="failed", summary={"error": str(exc)}, now=clock)
                raise
            summary.archive_missing = len(check_archive(cfg, ledger, deep=False))
            if summary.archive_missing:
                log.warning("%d archive copies are missing: run `adtools ledger verify`", summary.archive_missing)
            counts = summary.counts()
            ledger.finish_run(run_id, status="ok", summary=counts, now=clock)
            log.info("ingest: %s", counts)
            return summary
    finally:
        engine.dispose()
