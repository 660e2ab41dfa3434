"""The scheduler: every registered job on time, once per period, caught up after downtime, watched.

`schedule` (the loop library) only ticks; it keeps nothing across restarts,
catches nothing up and knows no working days.  The guarantees are ours, kept in
the ledger:

- **Due**: a job's `[schedule]` phrase gives the moments it is due
  (`ScheduleSpec.due_moments`, China's working days from `adtools.calendar`);
  each moment maps to the job's period key (`registry.Job.period`).  At each tick
  `plan` lists every period that is due and not settled (no `ok` run, not recorded
  `skipped`), counted from the scheduler's first start on this ledger, never
  from before it existed.
- **Once per period**: the ledger's unique index allows one `ok` run per (job,
  period); a report is queued under its idempotency key; so a job killed
  mid-run is simply run again and sends once.
- **Catch-up** (`[schedule.catch_up]`): `latest` runs the newest missed period
  and records the older ones skipped; `all` runs each, oldest first; `skip` runs
  a period only within `[scheduler] grace_minutes` of its moment.  A period due
  longer ago than `max_late_days` is recorded skipped, not run.  Jobs whose every
  run is its own period (ingest, mail_flush) just run once when due.
- **Failures**: a job that fails or raises is recorded, logged, retried after
  `[scheduler] retry_minutes`, and the admins get one mail per failure streak;
  the other jobs of the tick still run.  Each job runs in a child process stopped
  at `[scheduler] time_limit_minutes`.
- **One scheduler per ledger**: an OS file lock beside a SQLite ledger, an
  advisory lock on PostgreSQL; the operating system releases it when the process
  dies, so the next start (or a `--wait` standby) takes over.  A heartbeat row
  says it is alive (`adtools jobs status`).
"""
from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import signal
import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping

from . import clock, registry
from .calendar import WorkCalendar
from .config import Config
from .errors import AdtoolsError, LockedError
from .schedule_spec import ScheduleSpec, parse_schedule
from .tasks import TaskResult, run_task

__all__ = [
    "Action",
    "Outcome",
    "JobState",
    "plan",
    "Scheduler",
    "ChildRunner",
    "serve",
    "job_states",
    "status_problems",
    "setup_logging",
]

log = logging.getLogger("adtools.scheduler")

Runner = Callable[[str, Config, datetime], TaskResult]


def _spec(cfg: Config, job: registry.Job) -> ScheduleSpec:
    return cfg.schedule.get(job.name) or parse_schedule(job.schedule)


# --------------------------------------------------------------------------- what is due
@dataclass(frozen=True)
class Action:
    """One thing a tick does: run (job, period) as of `moment`, or record it skipped (with the reason)."""

    job: str
    period: str
    moment: datetime
    do: str  # run | skip
    reason: str = ""


def plan(cfg: Config, engine: Any, now: datetime, *, since: datetime, cal: WorkCalendar,
         not_before: Mapping[tuple[str, str], datetime] | None = None,
         swept: datetime | None = None) -> list[Action]:
    """Every action a tick at `now` must take, by moment then registry order (pure but for reading the ledger).

    `since`: when the scheduler first started on this ledger (earlier moments are
    not its business). `not_before`: (job, period) -> the earliest retry of a failed
    run. `swept`: moments before this were already looked at for being too late
    (the previous tick's window), so a long-running scheduler does not walk its
    whole history at every tick.
    """
    from .ledger import runs

    tz = cfg.tz
    now = now.astimezone(tz)
    max_late = timedelta(days=cfg.catch_up.max_late_days)
    grace = timedelta(minutes=cfg.scheduler.grace_minutes)
    floor = since.astimezone(tz) - timedelta(seconds=1)
    lower = max(floor, now - max_late)
    waits = not_before or {}
    actions: list[tuple[datetime, int, Action]] = []
    for idx, job in enumerate(registry.JOBS):
        spec = _spec(cfg, job)
        if job.repeatable:  # each run is its own period: run once when the latest moment has not been run
            start = max(lower, now - timedelta(minutes=spec.minutes)) if spec.kind == "interval" else lower
            moments = spec.due_moments(start, now, tz, cal.is_workday)
            if moments:
                m = moments[-1]
                last = runs.last_started(engine, job.name)
                if last is None or last < m:
                    actions.append((m, idx, Action(job.name, job.period(m), m, "run")))
            continue
        first_moment: dict[str, datetime] = {}
        for m in spec.due_moments(lower, now, tz, cal.is_workday):
            first_moment.setdefault(job.period(m), m)
        # periods whose moment passed more than max_late_days ago and were never settled: skipped
        late_from = max(floor, swept - timedelta(days=1)) if swept is not None else floor
        late: dict[str, datetime] = {}
        if late_from < lower:
            for m in spec.due_moments(late_from, lower, tz, cal.is_workday):
                p = job.period(m)
                if p not in first_moment:
                    late.setdefault(p, m)
        settled = runs.settled_periods(engine, job.name, [*first_moment, *late])
        for p, m in late.items():
            if p not in settled:
                actions.append((m, idx, Action(job.name, p, m, "skip",
                                               f"due {m.isoformat(timespec='minutes')}, later than max_late_days")))
        todo = sorted(((m, p) for p, m in first_moment.items() if p not in settled))
        if not todo:
            continue
        policy = cfg.catch_up.policy(job.name)
        if policy == "all":
            chosen = todo
        elif policy == "latest":
            chosen = todo[-1:]
        else:  # skip: only a period still within the grace of its moment
            chosen = [t for t in todo[-1:] if now - t[0] <= grace]
        for m, p in todo:
            if (m, p) in chosen:
                if waits.get((job.name, p), m) <= now:
                    actions.append((m, idx, Action(job.name, p, m, "run")))
            else:
                actions.append((m, idx, Action(job.name, p, m, "skip", f"catch_up = {policy}: not run after downtime")))
    return [a for _, _, a in sorted(actions, key=lambda t: (t[0], t[1], t[2].do != "skip"))]


# --------------------------------------------------------------------------- running one job
class JobTimeout(AdtoolsError):
    """A job ran past [scheduler] time_limit_minutes and was stopped."""


def _child_main(source: str, job: str, moment: str, running_now: str, conn: Any) -> None:  # pragma: no cover - child
    """A job in its own process: the config read again, the clock set as the parent's, the TaskResult sent back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which lets the job finish
    from .config import load_config

    cfg = load_config(Path(source))
    if running_now:
        clock.run_from(datetime.fromisoformat(running_now))
    result = run_task(job, cfg, now=datetime.fromisoformat(moment))
    conn.send(result.to_json())
    conn.close()


@dataclass
class ChildRunner:
    """Run a job in a child process (spawned: the same on Windows), stopped after the time limit.

    `on_wait` is called every `poll_seconds` while it runs (the heartbeat).
    A config not read from a file (tests) cannot be handed to a child: the job then runs in this process.
    """

    time_limit: timedelta
    poll_seconds: float = 5.0
    on_wait: Callable[[], None] = lambda: None

    def __call__(self, job: str, cfg: Config, moment: datetime) -> TaskResult:
        if cfg.source is None:
            return run_task(job, cfg, now=moment)
        ctx = multiprocessing.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        running = clock.now(cfg.tz).isoformat() if clock.running_from() is not None else ""
        proc = ctx.Process(target=_child_main, name=f"adtools-job-{job}",
                           args=(str(cfg.source), job, moment.isoformat(), running, send))
        proc.start()
        send.close()
        limit = self.time_limit.total_seconds()
        waited = 0.0
        result: dict[str, Any] | None = None
        while waited < limit:
            step = min(self.poll_seconds, limit - waited)
            if receive.poll(step):
                try:
                    result = receive.recv()
                except EOFError:  # the child ended without a result
                    pass
                break
            waited += step
            self.on_wait()
            if not proc.is_alive() and not receive.poll(0):
                break
        if result is None and proc.is_alive() and waited >= limit:
            proc.kill()
            proc.join()
            raise JobTimeout(f"任务超时已终止 / The job ran longer than {int(limit // 60)} minutes "
                             "([scheduler] time_limit_minutes) and was stopped.")
        proc.join()
        if result is None:
            raise AdtoolsError(f"任务进程异常结束 / The job's process ended (exit code {proc.exitcode}) without a result; "
                               "see the log above for its error.")
        return TaskResult(result["job"], result["period"], result["status"], result["summary"],
                          [Path(p) for p in result["files"]], result["queued"], result["error"])


# --------------------------------------------------------------------------- the scheduler
@dataclass
class Outcome:
    """What a tick did with one action."""

    job: str
    period: str
    moment: datetime
    status: str  # ok | failed | done | skipped
    error: str | None = None
    queued: list[int] = field(default_factory=list)


def _locked(where: str) -> LockedError:
    return LockedError(
        f"另一个调度程序已在使用此台账（{where}），本进程退出。若要待命接替，请加 --wait。"
        f" / Another scheduler is already running on this ledger ({where}); this one exits. "
        "Fix: nothing to do while it runs (`adtools jobs status` shows it); to stand by and take over "
        "when it stops, start this one with --wait."
    )


class Scheduler:
    """One scheduler on one ledger: `open` (lock, heartbeat), `tick` as often as wanted, `close`."""

    def __init__(self, cfg: Config, *, runner: Runner | None = None, pid: int | None = None):
        self.cfg = cfg
        self.cal = WorkCalendar.from_config(cfg)
        self.pid = os.getpid() if pid is None else pid
        self.runner: Runner = runner or ChildRunner(timedelta(minutes=cfg.scheduler.time_limit_minutes),
                                                    poll_seconds=min(5.0, float(cfg.scheduler.tick_seconds)),
                                                    on_wait=self._beat_running)
        self.stopping = False
        self.since: datetime | None = None
        self.engine: Any = None
        self._stack: ExitStack | None = None
        self._not_before: dict[tuple[str, str], datetime] = {}
        self._current = ""
        self._swept: datetime | None = None

    # ---- lifecycle
    def open(self, *, now: datetime | None = None) -> "Scheduler":
        """Take the scheduler's lock (LockedError at once if another holds it), bring the ledger up, beat."""
        from .ledger import runs
        from .ledger.db import open_engine
        from .ledger.store import Ledger, ledger_lock_path, write_lock

        stack = ExitStack()
        engine = open_engine(self.cfg.ledger_url)
        stack.callback(engine.dispose)
        try:
            stack.enter_context(write_lock(self.cfg, engine, "scheduler"))
        except LockedError:
            stack.close()
            path = ledger_lock_path(self.cfg)
            where = f"lock file {path.with_name(f'{path.stem}.scheduler.lock')}" if path else "PostgreSQL advisory lock"
            raise _locked(where) from None
        try:
            Ledger.from_engine(self.cfg, engine)  # migrations
            now = (now or clock.now(self.cfg.tz)).astimezone(self.cfg.tz)
            self.since = runs.beat(engine, now=now, pid=self.pid, starting=True, note="started")
            limit = timedelta(minutes=self.cfg.scheduler.time_limit_minutes)
            for job, period in runs.close_stale_runs(engine, started_before=now - limit, now=now):
                log.warning("run of %s (%s) was interrupted (its process is gone); it is run again when due", job, period)
        except BaseException:
            stack.close()
            raise
        self.engine, self._stack = engine, stack
        log.info("scheduler started (pid %s); periods counted from %s", self.pid,
                 self.since.astimezone(self.cfg.tz).isoformat(timespec="minutes"))
        return self

    def close(self, *, now: datetime | None = None) -> None:
        """Record a clean stop and release the lock."""
        from .ledger import runs

        if self._stack is None:
            return
        try:
            runs.mark_stopped(self.engine, now=(now or clock.now(self.cfg.tz)))
        except Exception:  # noqa: BLE001 - the database may be what failed; the lock is released anyway
            log.exception("could not record the scheduler's stop")
        self._stack.close()
        self._stack = None
        log.info("scheduler stopped")

    def __enter__(self) -> "Scheduler":
        return self.open() if self._stack is None else self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _beat_running(self) -> None:
        from .ledger import runs

        if self.engine is not None:
            runs.beat(self.engine, now=clock.now(self.cfg.tz), pid=self.pid, note=self._current)

    # ---- one pass
    def tick(self, now: datetime | None = None) -> list[Outcome]:
        """Run every due period not yet done (and record the ones to skip); one job's failure stops no other."""
        from .ledger import runs

        if self._stack is None or self.since is None:
            raise RuntimeError("Scheduler.tick before open()")
        now = (now or clock.now(self.cfg.tz)).astimezone(self.cfg.tz)
        runs.beat(self.engine, now=now, pid=self.pid, note="tick")
        outcomes: list[Outcome] = []
        actions = plan(self.cfg, self.engine, now, since=self.since, cal=self.cal, not_before=self._not_before,
                       swept=self._swept)
        self._swept = now - timedelta(days=self.cfg.catch_up.max_late_days)
        for a in actions:
            if self.stopping:
                break
            if a.do == "skip":
                if runs.record_skipped(self.engine, a.job, a.period, now=now, reason=a.reason):
                    log.warning("%s (%s) skipped: %s", a.job, a.period, a.reason)
                    outcomes.append(Outcome(a.job, a.period, a.moment, "skipped", a.reason))
                continue
            outcomes.append(self._run(a, now))
        self._current = "idle"
        return outcomes

    def _run(self, a: Action, now: datetime) -> Outcome:
        from .ledger import runs

        self._current = f"running {a.job} {a.period}"
        runs.beat(self.engine, now=now, pid=self.pid, note=self._current)
        log.info("%s (%s): due %s, running", a.job, a.period, a.moment.isoformat(timespec="minutes"))
        try:
            result = self.runner(a.job, self.cfg, a.moment)
        except Exception as exc:  # noqa: BLE001 - a bug in one job, a time limit, a dead child: recorded, not fatal
            log.exception("%s (%s) failed", a.job, a.period)
            error = str(exc) if isinstance(exc, AdtoolsError) else f"{type(exc).__name__}: {exc}"
            runs.fail_running(self.engine, a.job, a.period, started=a.moment, now=now, error=error)
            result = TaskResult(a.job, a.period, status="failed", error=error)
        if result.status == "failed":
            retry = now + timedelta(minutes=self.cfg.scheduler.retry_minutes)
            self._not_before[(a.job, a.period)] = retry
            log.error("%s (%s) failed: %s; retried from %s", a.job, a.period, result.error,
                      retry.isoformat(timespec="minutes"))
            self._alert(a.job, a.period, result.error or "")
        else:
            self._not_before.pop((a.job, a.period), None)
            log.info("%s (%s): %s%s", a.job, a.period, result.status,
                     f", mail queued {result.queued}" if result.queued else "")
        return Outcome(a.job, a.period, a.moment, result.status, result.error, list(result.queued))

    def _alert(self, job: str, period: str, error: str) -> None:
        """Mail [mail] admins once per failure streak (the key names the streak's first failed run)."""
        import socket

        from .ledger import runs
        from .mail import Message, queue
        from .reports.job_alert import job_failure_alert

        streak = runs.failure_streak(self.engine, job)
        if streak is None or not self.cfg.mail.admins:
            return
        alert = job_failure_alert(self.cfg, job, period, error, streak.first_at, socket.gethostname())
        try:
            q = queue(self.cfg, self.engine, Message(sender=self.cfg.mail.sender, to=self.cfg.mail.admins,
                                                     subject=alert.subject, html=alert.html, text=alert.text),
                      f"job-failed:{job}:{streak.first_id}")
            if q.queued:
                log.warning("%s is failing: admins told (%s)", job, ", ".join(self.cfg.mail.admins))
        except AdtoolsError as exc:
            log.error("the failure of %s could not be mailed to the admins: %s", job, exc)


# --------------------------------------------------------------------------- the foreground loop
def setup_logging(cfg: Config, *, console: bool = True) -> Path:
    """Log `adtools` to `[scheduler] log` (rotated at log_max_mb, log_backups kept) and to stderr; the log's path."""
    path = cfg.scheduler_log
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("adtools")
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s")
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=cfg.scheduler.log_max_mb * 1024 * 1024,
                                                   backupCount=cfg.scheduler.log_backups, encoding="utf-8")
    handler.setFormatter(fmt)
    root.addHandler(handler)
    if console:  # its own stderr line with the time, instead of the CLI's plain one
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        root.addHandler(stream)
        root.propagate = False
    return path


def serve(cfg: Config, *, wait: bool = False, runner: Runner | None = None,
          stop: threading.Event | None = None) -> None:
    """`adtools scheduler`: lock, catch up, then tick every [scheduler] tick_seconds until SIGTERM or Ctrl-C.

    The job running when the signal comes is finished first.  With `wait`, a
    second scheduler stands by and takes over when the first one's lock is freed.
    """
    import schedule

    stop = stop or threading.Event()
    started = clock.start_running(cfg.tz)
    if started is not None:
        log.info("the clock runs from ADTOOLS_NOW = %s", started.isoformat(timespec="seconds"))
    sched = Scheduler(cfg, runner=runner)

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping after the running job", signum)
        sched.stopping = True
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), on_signal)
    while True:
        try:
            sched.open()
            break
        except LockedError:
            if not wait or stop.is_set():
                raise
            log.info("another scheduler holds the ledger; standing by")
            if stop.wait(cfg.scheduler.tick_seconds):
                return

    def safe_tick() -> None:
        try:
            sched.tick()
        except Exception:  # noqa: BLE001 - the database away for a moment: logged, tried at the next tick
            log.exception("tick failed; trying again at the next one")

    loop = schedule.Scheduler()
    loop.every(cfg.scheduler.tick_seconds).seconds.do(safe_tick)
    try:
        safe_tick()  # on start: whatever is due and not done
        while not stop.is_set():
            loop.run_pending()
            idle = loop.idle_seconds
            stop.wait(max(0.1, min(1.0, idle if idle is not None else 1.0)))
    finally:
        sched.close()


# --------------------------------------------------------------------------- `adtools jobs list|status`
@dataclass(frozen=True)
class JobState:
    """One job as `adtools jobs list` shows it."""

    job: str
    schedule: str
    catch_up: str
    last_status: str | None
    last_period: str | None
    last_started: datetime | None
    next_due: datetime | None
    failing_since: datetime | None
    failures: int
    late: list[str]  # periods due and not done longer than heartbeat_stale_minutes

    def to_json(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat(timespec="minutes") if d else None

        return {"job": self.job, "schedule": self.schedule, "catch_up": self.catch_up,
                "last_status": self.last_status, "last_period": self.last_period,
                "last_started": iso(self.last_started), "next_due": iso(self.next_due),
                "failing_since": iso(self.failing_since), "failures": self.failures, "late": self.late}


def job_states(cfg: Config, engine: Any, now: datetime) -> list[JobState]:
    """Every registered job: schedule, policy, last run, next moment due, failing streak, late periods."""
    from .ledger import runs

    cal = WorkCalendar.from_config(cfg)
    tz = cfg.tz
    now = now.astimezone(tz)
    beat = runs.heartbeat(engine)
    since = beat["first_started_at"] if beat else now
    stale = timedelta(minutes=cfg.scheduler.heartbeat_stale_minutes)
    late_periods: dict[str, list[str]] = {}
    for a in plan(cfg, engine, now - stale, since=since, cal=cal):
        if a.do == "run":
            late_periods.setdefault(a.job, []).append(a.period)
    out = []
    for job in registry.JOBS:
        spec = _spec(cfg, job)
        last = runs.recent_runs(engine, job.name)
        streak = runs.failure_streak(engine, job.name)
        upcoming = spec.due_moments(now, now + timedelta(days=62), tz, cal.is_workday)
        out.append(JobState(
            job.name, spec.text, cfg.catch_up.policy(job.name),
            last[0]["status"] if last else None, last[0]["period"] if last else None,
            last[0]["started_at"].astimezone(tz) if last else None,
            upcoming[0] if upcoming else None,
            streak.first_at.astimezone(tz) if streak else None, streak.count if streak else 0,
            late_periods.get(job.name, []),
        ))
    return out


def status_problems(cfg: Config, engine: Any, now: datetime) -> list[str]:
    """What a server's monitoring must hear about (empty: all well): failing jobs, a stale or missing heartbeat."""
    from .ledger import runs

    problems = []
    beat = runs.heartbeat(engine)
    stale = timedelta(minutes=cfg.scheduler.heartbeat_stale_minutes)
    if beat is None:
        problems.append("调度程序从未在此台账上运行 / The scheduler has never run on this ledger. "
                        "Fix: start it (adtools scheduler, or the service in deploy/).")
    elif beat["stopped_at"] is not None:
        problems.append(f"调度程序已停止 / The scheduler was stopped at "
                        f"{beat['stopped_at'].astimezone(cfg.tz).isoformat(timespec='minutes')}. Fix: start it again.")
    elif now - beat["heartbeat_at"] > stale:
        problems.append(f"调度程序心跳过期 / The scheduler's heartbeat is stale (last "
                        f"{beat['heartbeat_at'].astimezone(cfg.tz).isoformat(timespec='minutes')} on {beat['host']}, "
                        f"pid {beat['pid']}). Fix: check the service and its log ([scheduler] log).")
    for s in job_states(cfg, engine, now):
        if s.failures:
            problems.append(f"任务失败 / {s.job} is failing since "
                            f"{s.failing_since.isoformat(timespec='minutes') if s.failing_since else '?'} "
                            f"({s.failures} failed runs). Fix: see its error in `adtools jobs list` and the log.")
    return problems
