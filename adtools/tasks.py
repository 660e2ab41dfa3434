"""The scheduled jobs as library functions: each composes one job's steps and records its run.

`jobs/*.py`, `adtools run JOB` and the demo all call these, so a job does the
same thing whoever starts it.  Every task takes `now` (tests and the demo pass
one), records a row in the ledger's job_runs table with its period key, and
returns a TaskResult; a report already queued for its period is not queued again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from .config import Config
from . import clock
from .clock import previous_month
from .errors import AdtoolsError, InputError

__all__ = ["TaskResult", "TASKS", "run_task", "ingest_task", "weekly_task", "fees_task", "mail_flush_task", "previous_month"]

log = logging.getLogger("adtools.tasks")

Progress = Callable[[str], None]


@dataclass
class TaskResult:
    """What a job did: its period key, status, a JSON-able summary, files written and messages queued."""

    job: str
    period: str
    status: str = "ok"  # ok | failed
    summary: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)  # outbox ids newly queued
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "period": self.period,
            "status": self.status,
            "summary": self.summary,
            "files": [str(p) for p in self.files],
            "queued": self.queued,
            "error": self.error,
        }


def _now(cfg: Config, now: datetime | None) -> datetime:
    return now.astimezone(cfg.tz) if now is not None else clock.now(cfg.tz)


def _recorded(job: str, period: str, cfg: Config, now: datetime, body: Callable[[Any], TaskResult]) -> TaskResult:
    """Run `body(ledger)` inside a job_runs record; a library error becomes a failed result, never a crash."""
    from . import mail  # noqa: F401  (registers the outbox migration before the ledger opens)
    from .ledger.store import Ledger

    with Ledger.open(cfg) as ledger:
        run_id = ledger.start_run(job, period, now=now)
        try:
            result = body(ledger)
        except AdtoolsError as exc:
            log.error("job %s (%s) failed: %s", job, period, exc)
            result = TaskResult(job, period, status="failed", error=str(exc))
        ledger.finish_run(run_id, status=result.status, summary=result.to_json(), now=_now(cfg, None))
    return result


def _queue(cfg: Config, ledger: Any, report: Any, now: datetime) -> list[int]:
    from .mail import queue_report

    q = queue_report(cfg, ledger.engine, report, now=now)
    return [q.id] if q.queued else []


def ingest_task(cfg: Config, *, now: datetime | None = None, progress: Progress | None = None) -> TaskResult:
    """Read every new or changed workbook of the watch folders into the ledger.

    The ingest records its own job_runs row under its write lock (that is how it
    tells a run that was killed from one still going), so it is not wrapped in
    `_recorded`; a run refused by the lock did nothing and records nothing.
    """
    from .ledger.ingest import ingest

    now = _now(cfg, now)
    period = now.isoformat(timespec="minutes")
    try:
        summary = ingest(cfg, now=now, progress=progress)
    except AdtoolsError as exc:
        log.error("job ingest (%s) failed: %s", period, exc)
        return TaskResult("ingest", period, status="failed", error=str(exc))
    return TaskResult("ingest", period, summary=summary.to_json())


def weekly_task(cfg: Config, *, now: datetime | None = None, as_of: date | None = None, send: bool = True) -> TaskResult:
    """The Monday progress report as of the last Friday, queued to [mail.recipients] weekly."""
    from .reports.weekly import build_weekly

    now = _now(cfg, now)
    as_of = as_of or clock.last_friday(now.date())

    def body(ledger: Any) -> TaskResult:
        report = build_weekly(cfg, ledger, as_of=as_of)
        queued = _queue(cfg, ledger, report, now) if send else []
        return TaskResult("weekly_progress", as_of.isoformat(), summary=report.data, files=list(report.files), queued=queued)

    return _recorded("weekly_progress", as_of.isoformat(), cfg, now, body)


def fees_task(cfg: Config, *, now: datetime | None = None, month: str | None = None, send: bool = True) -> TaskResult:
    """The fee statement of the previous month (or `month`), queued to [mail.recipients] fees."""
    from .reports.fees import build_fees

    now = _now(cfg, now)
    month = month or clock.previous_month(now.date())

    def body(ledger: Any) -> TaskResult:
        report = build_fees(cfg, ledger, month, as_of=now.date())
        queued = _queue(cfg, ledger, report, now) if send else []
        return TaskResult("fees_statement", month, summary=report.data, files=list(report.files), queued=queued)

    return _recorded("fees_statement", month, cfg, now, body)


def mail_flush_task(cfg: Config, *, now: datetime | None = None) -> TaskResult:
    """Send the queued messages that are due; a failed delivery is retried later by the outbox's back-off."""
    from .mail import flush

    now = _now(cfg, now)
    period = now.isoformat(timespec="minutes")

    def body(ledger: Any) -> TaskResult:
        result = flush(cfg, ledger.engine, now)
        return TaskResult("mail_flush", period, "ok" if result.ok else "failed", summary=result.to_dict(),
                          error=None if result.ok else (result.error or "some messages failed"))

    return _recorded("mail_flush", period, cfg, now, body)


TASKS: dict[str, Callable[..., TaskResult]] = {
    "ingest": ingest_task,
    "weekly_progress": weekly_task,
    "fees_statement": fees_task,
    "mail_flush": mail_flush_task,
}


def run_task(name: str, cfg: Config, *, now: datetime | None = None) -> TaskResult:
    """Run one job by its [schedule] key."""
    try:
        task = TASKS[name]
    except KeyError:
        raise InputError(
            f"没有这个任务 / No job {name!r}. Fix: use one of {', '.join(TASKS)}."
        ) from None
    return task(cfg, now=now)
