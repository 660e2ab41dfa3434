"""Read and check the files of a scan in worker processes, each file with bounded time and memory.

A workbook can be built to hurt whoever opens it: a zip bomb within the size limits,
a sheet that takes minutes to parse, a bug of ours that recurses forever.  None of
that may stop the scan, the other files or the next run.  So every file is read by
`validate_file` in a worker process, never in the ingest itself:

- a file that takes longer than `[intake] file_seconds` has its worker killed and is
  refused with a finding that says so (a new worker takes the next file);
- a worker may use `[intake] file_memory_mb` beyond what it had when it started
  (POSIX: an address-space limit, so reading fails with MemoryError, which becomes
  the file's finding); on Windows only the time limit applies;
- a worker that dies for any other reason refuses only the file it held.

The workers also read `[intake] workers` files at once (0: one per CPU core), which
is most of a cold ingest's time.  On Linux they are forked (they start in
milliseconds and see the code exactly as the ingest does); elsewhere they are spawned.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from ..errors import ERROR, Finding
from ..safetext import display_name

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..forms.schema import FormResult

__all__ = ["check_files", "Task", "limit_finding", "failure_finding", "process_context"]

log = logging.getLogger("adtools.ledger.workers")

# how long a worker may take to start and say it is ready (spawned workers import adtools first)
_START_SECONDS = 120.0


@dataclass(frozen=True)
class Task:
    """One file to read and check, with the job numbers its references are checked against."""

    index: int
    path: Path
    known_jobs: frozenset[str] | None


def limit_finding(path: Path, rule: str, zh: str, en: str) -> Finding:
    """The finding that refuses a file which broke a limit of its reading (its outcome; the others go on)."""
    return Finding(ERROR, rule, zh, en, file=display_name(path.name))


def failure_finding(path: Path, step: str, exc: BaseException) -> Finding:
    """The finding that records an internal failure on one file (its outcome; the other files go on)."""
    what = f"{type(exc).__name__}: {display_name(exc)}"[:300]
    return Finding(
        ERROR, "reader_failed",
        f"adtools 处理此文件时出现内部错误（{step}：{what}），文件未读入；请把文件转交 IT 处理。",
        f"adtools hit an internal error handling this file ({step}: {what}); it was not entered: please pass the "
        "file to IT.",
        file=display_name(path.name),
    )


def _time_finding(path: Path, seconds: int) -> Finding:
    return limit_finding(
        path, "file_too_slow",
        f"读取并检查此文件超过 {seconds} 秒，已停止，文件未读入；请另存为新的 .xlsx（删除多余的行、列和图片）后再提交，"
        "或把文件转交 IT 处理。",
        f"reading and checking this file took longer than {seconds} s ([intake] file_seconds) and was stopped; it "
        "was not entered. Fix: save it as a new .xlsx (delete surplus rows, columns and pictures) and submit it again, "
        "or pass the file to IT.",
    )


def _crash_finding(path: Path, code: int | None) -> Finding:
    how = f"exit code {code}" if code is not None else "no answer"
    return limit_finding(
        path, "reader_crashed",
        f"读取此文件的进程意外终止（{how}，可能是内存超过 [intake] file_memory_mb），文件未读入；请把文件转交 IT 处理。",
        f"the process reading this file ended unexpectedly ({how}; perhaps it needed more memory than [intake] "
        "file_memory_mb); it was not entered. Fix: pass the file to IT.",
    )


# --------------------------------------------------------------------------- the worker side
def _limit_memory(mb: int) -> None:
    """Let this process use `mb` more megabytes of address space than it has now (POSIX; a no-op elsewhere)."""
    try:
        import resource
    except ImportError:  # Windows: the time limit still applies
        return
    base = 0
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:  # Linux: the size already mapped
            base = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        pass
    want = base + mb * 1024 * 1024
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError) as exc:  # pragma: no cover - a system that refuses: the time limit still applies
        log.warning("memory limit not set: %s", exc)


def _die_with_parent() -> None:
    """Linux: this worker is killed when the ingest dies.

    Otherwise a worker left reading a slow file after its ingest was killed would go on
    for up to `[intake] file_seconds`, holding its memory and the open files it shares
    with the ingest.  Elsewhere a worker ends when it asks for its next file (its pipe
    is closed).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError) as exc:  # pragma: no cover - a libc without prctl
        log.warning("worker not tied to its ingest: %s", exc)


def _refused(path: Path, finding: Finding) -> "FormResult":
    """The result of a file refused by what happened while reading it (one finding, nothing read)."""
    from ..forms.schema import FormResult

    return FormResult(path=path, findings=[finding])


def _serve(conn: Connection, cfg: "Config", parent: int) -> None:
    """A worker: read and check the files it is sent, one at a time, until told to stop."""
    from ..forms import validate as validate_mod  # a module, so that tests can replace validate_file

    _die_with_parent()
    if os.getppid() != parent:  # the ingest died before the tie was made
        return
    _limit_memory(cfg.intake.file_memory_mb)
    conn.send(("ready", None, None))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            result = validate_mod.validate_file(task.path, cfg, known_jobs=task.known_jobs)
        except BaseException as exc:  # noqa: BLE001 - a bug of ours on one file (or MemoryError) is that file's finding
            log.exception("validating %s failed", display_name(task.path))
            result = _refused(task.path, failure_finding(task.path, "validate", exc))
        try:
            _without_raw(result)
            conn.send(("done", task.index, result))
        except Exception as exc:  # noqa: BLE001 - a result that cannot be sent back is that file's finding
            conn.send(("done", task.index, _refused(task.path, failure_finding(task.path, "send", exc))))


def _without_raw(result: "FormResult") -> None:
    """Drop the cells' values as typed (`Record.raw`) before the result is sent back: the ingest stores the
    parsed values and cell addresses, and a refused file's findings carry their own values; a quarter less to
    pickle and unpickle."""
    for rec in (result.header, *result.rows):
        if rec is not None:
            rec.raw = {}


# --------------------------------------------------------------------------- the ingest side
def process_context() -> mp.context.BaseContext:
    """Worker processes: forked on Linux (they start in milliseconds with what is loaded), spawned elsewhere."""
    if sys.platform.startswith("linux"):
        return mp.get_context("fork")
    return mp.get_context("spawn")


class _Worker:
    def __init__(self, ctx: mp.context.BaseContext, cfg: "Config"):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, cfg, os.getpid()), daemon=True, name="adtools-reader")
        self.proc.start()
        child.close()
        self.task: Task | None = None
        self.since = time.monotonic()
        self.ready = False

    def deadline(self, limit: float) -> float | None:
        """When this worker must have answered: its file's time limit, or its start-up; None while idle."""
        if not self.ready:
            return self.since + _START_SECONDS
        return self.since + limit if self.task is not None else None

    def give(self, task: Task) -> None:
        self.task, self.since = task, time.monotonic()
        self.conn.send(task)

    def stop(self, *, kill: bool = False) -> None:
        try:
            if kill:
                self.proc.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=0 if kill else 5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


def check_files(cfg: "Config", tasks: Sequence[Task]) -> Iterator[tuple[int, "FormResult"]]:
    """(task index, FormResult) for every task, in the order they finish (exactly one each); see the module docstring.

    The results' records come without `raw` (the values as typed): the ingest does not use them.
    """
    if not tasks:
        return
    want = cfg.intake.workers or os.cpu_count() or 1
    n_workers = max(1, min(want, len(tasks)))
    limit = float(cfg.intake.file_seconds)
    ctx = process_context()
    queue = list(reversed(tasks))
    workers = [_Worker(ctx, cfg) for _ in range(n_workers)]
    finished = 0

    def hand_out() -> None:
        for w in workers:  # work for every idle, ready worker
            if w.ready and w.task is None and queue:
                try:
                    w.give(queue.pop())
                except (OSError, ValueError):  # it died between tasks: the task goes back; its end is seen next
                    queue.append(w.task)
                    w.task = None

    try:
        while finished < len(tasks):
            hand_out()
            now = time.monotonic()
            deadlines = [w.deadline(limit) for w in workers if w.deadline(limit) is not None]
            ready = wait([w.conn for w in workers] + [w.proc.sentinel for w in workers],
                         timeout=max(0.0, min(deadlines) - now) if deadlines else None)
            outcomes: list[tuple[int, FormResult]] = []
            for i, w in enumerate(list(workers)):
                outcome: tuple[int, FormResult] | None = None
                replace_it = False
                if w.conn in ready:
                    try:
                        kind, index, result = w.conn.recv()
                    except (EOFError, OSError):  # the worker died: the file it held is refused
                        replace_it = True
                        if w.task is not None:
                            w.proc.join(timeout=5)
                            outcome = (w.task.index, _refused(w.task.path, _crash_finding(w.task.path, w.proc.exitcode)))
                    else:
                        if kind == "ready":
                            w.ready, w.since = True, time.monotonic()
                        else:
                            outcome = (index, result)
                            w.task = None
                elif w.proc.sentinel in ready and not w.proc.is_alive():
                    replace_it = True
                    if w.task is not None:
                        outcome = (w.task.index, _refused(w.task.path, _crash_finding(w.task.path, w.proc.exitcode)))
                elif (due := w.deadline(limit)) is not None and time.monotonic() >= due:
                    replace_it = True
                    if w.task is not None:
                        log.warning("%s: reading took longer than %ss; stopped", display_name(w.task.path), limit)
                        outcome = (w.task.index, _refused(w.task.path, _time_finding(w.task.path, cfg.intake.file_seconds)))
                    elif not w.ready:
                        raise RuntimeError("a reader process did not start")
                if replace_it:
                    w.stop(kill=True)
                    w.task = None
                    workers[i] = _Worker(ctx, cfg)
                if outcome is not None:
                    outcomes.append(outcome)
            hand_out()  # the workers go on reading while the caller handles these results
            for outcome in outcomes:
                finished += 1
                yield outcome
    finally:
        for w in workers:
            w.stop(kill=w.task is not None)
