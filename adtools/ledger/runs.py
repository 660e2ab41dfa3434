"""The scheduler's records in the ledger: one successful run per (job, period), skipped periods, the heartbeat.

The database itself guarantees that a period is done once: a unique index on
`job_runs (job, period)` over the rows whose status is `ok`, so two processes
can never both complete a period (the second's `finish_run` becomes a `repeat`).
A period is *settled* when it has an `ok` run or was recorded `skipped` (too
late to run, or passed over by its catch-up policy).  The heartbeat table holds
one row per scheduler: when it first started on this ledger (missed periods are
counted from there, never from before it existed), when it last started, and
its last heartbeat.
"""
from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, select, text, update
from sqlalchemy.engine import Connection, Engine

from .db import migration
from .tables import UTCDateTime, job_runs

__all__ = [
    "OK",
    "SKIPPED",
    "SETTLED",
    "scheduler_state",
    "settled_periods",
    "settled_run",
    "record_skipped",
    "supersede_done",
    "beat",
    "mark_stopped",
    "heartbeat",
    "close_stale_runs",
    "FailureStreak",
    "failure_streak",
    "recent_runs",
    "last_started",
    "fail_running",
]

OK = "ok"
SKIPPED = "skipped"
FAILED = "failed"
INTERRUPTED = "interrupted"  # a run whose process died (found still running past the time limit)
SETTLED = (OK, SKIPPED)
REPEAT = "repeat"  # a second successful finish of a done period (a race, or an interval job twice in its second)
SUPERSEDED = "redone"  # an ok run whose period was run again with --force

_metadata = MetaData()

scheduler_state = Table(
    "scheduler_state",
    _metadata,
    Column("name", String(60), primary_key=True),  # "scheduler"
    Column("first_started_at", UTCDateTime, nullable=False),  # periods before this were never the scheduler's
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime, nullable=True),  # a clean stop; NULL while running or after a crash
    Column("pid", Integer, nullable=False),
    Column("host", String(200), nullable=False),
    Column("note", Text, nullable=True),  # what it is doing: "idle", "running weekly_progress 2026-11-27"
)


@migration(15, "scheduler: one successful run per (job, period); scheduler_state (heartbeat)")
def _m15_scheduler(conn: Connection) -> None:
    # an older ledger may hold several ok runs of one period (the same report run twice): keep the first
    dupes = conn.execute(
        select(job_runs.c.job, job_runs.c.period, func.min(job_runs.c.id))
        .where(job_runs.c.status == OK)
        .group_by(job_runs.c.job, job_runs.c.period)
        .having(func.count() > 1)
    ).all()
    for job, period, first in dupes:
        conn.execute(
            update(job_runs)
            .where(job_runs.c.job == job, job_runs.c.period == period, job_runs.c.status == OK, job_runs.c.id != first)
            .values(status=REPEAT)
        )
    # a partial unique index: SQLite and PostgreSQL both have them
    conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ux_job_runs_done ON job_runs (job, period) WHERE status = 'ok'"))
    scheduler_state.create(conn, checkfirst=True)


# --------------------------------------------------------------------------- periods
def settled_periods(engine: Engine, job: str, periods: Iterable[str]) -> dict[str, str]:
    """period -> `ok` or `skipped`, for those of `periods` already settled."""
    wanted = list(dict.fromkeys(periods))
    if not wanted:
        return {}
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            rows = conn.execute(
                select(job_runs.c.period, job_runs.c.status).where(
                    job_runs.c.job == job, job_runs.c.period.in_(wanted[i:i + 500]), job_runs.c.status.in_(SETTLED)
                )
            )
            for period, status in rows:
                if out.get(period) != OK:
                    out[period] = status
    return out


def settled_run(engine: Engine, job: str, period: str) -> dict[str, Any] | None:
    """The run that settled (job, period): its ok run, else its skipped record; None when still to do."""
    with engine.connect() as conn:
        row = conn.execute(
            select(job_runs)
            .where(job_runs.c.job == job, job_runs.c.period == period, job_runs.c.status.in_(SETTLED))
            .order_by((job_runs.c.status == OK).desc(), job_runs.c.id)
            .limit(1)
        ).first()
    return dict(row._mapping) if row else None


def record_skipped(engine: Engine, job: str, period: str, *, now: datetime, reason: str) -> bool:
    """Record (job, period) as skipped, not run; False when it was settled already."""
    with engine.begin() as conn:
        exists = conn.execute(
            select(job_runs.c.id).where(
                job_runs.c.job == job, job_runs.c.period == period, job_runs.c.status.in_(SETTLED)
            )
        ).first()
        if exists:
            return False
        conn.execute(job_runs.insert().values(
            job=job, period=period, started_at=now, finished_at=now, status=SKIPPED,
            summary=json.dumps({"skipped": reason}, ensure_ascii=False),
        ))
    return True


def supersede_done(engine: Engine, job: str, period: str) -> int:
    """Before a forced re-run: mark the period's ok run `redone`, so the new run can be the period's ok run."""
    with engine.begin() as conn:
        return conn.execute(
            update(job_runs).where(job_runs.c.job == job, job_runs.c.period == period, job_runs.c.status == OK)
            .values(status=SUPERSEDED)
        ).rowcount


def close_stale_runs(engine: Engine, *, started_before: datetime, now: datetime) -> list[tuple[str, str]]:
    """Runs still `running` that started before `started_before` (past any time limit: their process is gone)."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(job_runs.c.id, job_runs.c.job, job_runs.c.period)
            .where(job_runs.c.status == "running", job_runs.c.started_at < started_before)
        ).all()
        if rows:
            conn.execute(update(job_runs).where(job_runs.c.id.in_([r.id for r in rows]))
                         .values(status=INTERRUPTED, finished_at=now))
    return [(r.job, r.period) for r in rows]


# --------------------------------------------------------------------------- failures
@dataclass(frozen=True)
class FailureStreak:
    """The failed runs of a job since its last success: how many, the first (its id keys the one alert)."""

    job: str
    count: int
    first_id: int
    first_at: datetime
    last_at: datetime
    last_error: str


def failure_streak(engine: Engine, job: str) -> FailureStreak | None:
    """The job's current failure streak (failed or interrupted runs after its last ok run), None when not failing."""
    with engine.connect() as conn:
        last_ok = conn.execute(
            select(func.max(job_runs.c.id)).where(job_runs.c.job == job, job_runs.c.status == OK)
        ).scalar()
        q = select(job_runs).where(job_runs.c.job == job, job_runs.c.status.in_((FAILED, INTERRUPTED)))
        if last_ok is not None:
            q = q.where(job_runs.c.id > last_ok)
        rows = conn.execute(q.order_by(job_runs.c.id)).all()
    if not rows:
        return None
    last = rows[-1]
    try:
        error = str((json.loads(last.summary or "{}") or {}).get("error") or "")
    except (ValueError, AttributeError):
        error = ""
    return FailureStreak(job, len(rows), rows[0].id, rows[0].started_at, last.started_at, error)


def recent_runs(engine: Engine, job: str, limit: int = 1) -> list[dict[str, Any]]:
    """The job's latest runs, newest first (any status)."""
    with engine.connect() as conn:
        rows = conn.execute(select(job_runs).where(job_runs.c.job == job).order_by(job_runs.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]


def last_started(engine: Engine, job: str) -> datetime | None:
    """When the job's latest run started (any status), None when it never ran."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(job_runs.c.started_at)).where(job_runs.c.job == job)).scalar()


def fail_running(engine: Engine, job: str, period: str, *, started: datetime, now: datetime, error: str) -> None:
    """A run that died or was stopped (time limit, crash): its `running` row becomes `failed`, or one is written."""
    summary = json.dumps({"job": job, "period": period, "status": "failed", "error": error}, ensure_ascii=False)
    with engine.begin() as conn:
        n = conn.execute(
            update(job_runs)
            .where(job_runs.c.job == job, job_runs.c.period == period, job_runs.c.status == "running")
            .values(status="failed", finished_at=now, summary=summary)
        ).rowcount
        if not n:
            conn.execute(job_runs.insert().values(job=job, period=period, started_at=started, finished_at=now,
                                                  status="failed", summary=summary))


# --------------------------------------------------------------------------- heartbeat
def beat(engine: Engine, *, now: datetime, pid: int, starting: bool = False, note: str = "", name: str = "scheduler") -> datetime:
    """Write the heartbeat (and, when `starting`, the start); returns when the scheduler first started here."""
    host = socket.gethostname()[:200]
    with engine.begin() as conn:
        row = conn.execute(select(scheduler_state).where(scheduler_state.c.name == name)).first()
        if row is None:
            conn.execute(scheduler_state.insert().values(
                name=name, first_started_at=now, started_at=now, heartbeat_at=now, pid=pid, host=host, note=note))
            return now
        values: dict[str, Any] = {"heartbeat_at": now, "pid": pid, "host": host, "note": note}
        if starting:
            values.update(started_at=now, stopped_at=None)
        conn.execute(update(scheduler_state).where(scheduler_state.c.name == name).values(**values))
        return row.first_started_at


def mark_stopped(engine: Engine, *, now: datetime, name: str = "scheduler") -> None:
    """A clean stop (SIGTERM, Ctrl-C): `jobs status` says stopped, not dead."""
    with engine.begin() as conn:
        conn.execute(update(scheduler_state).where(scheduler_state.c.name == name)
                     .values(stopped_at=now, heartbeat_at=now, note="stopped"))


def heartbeat(engine: Engine, name: str = "scheduler") -> dict[str, Any] | None:
    """The scheduler's row (first_started_at, started_at, heartbeat_at, stopped_at, pid, host, note) or None."""
    with engine.connect() as conn:
        row = conn.execute(select(scheduler_state).where(scheduler_state.c.name == name)).first()
    return dict(row._mapping) if row else None
