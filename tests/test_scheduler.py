"""The scheduler with an injected clock, never sleeping: due days, catch-up, crashes, locks, failures."""
from __future__ import annotations

import os
import tomllib
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from adtools import registry
from adtools.config import config_from_dict
from adtools.errors import LockedError
from adtools.ledger import runs
from adtools.ledger.store import Ledger
from adtools.ledger.tables import job_runs, mail_messages
from adtools.scheduler import Scheduler, job_states, plan, status_problems
from adtools.tasks import TaskResult

REPO = Path(__file__).resolve().parents[1]


def make_cfg(tmp_path: Path, schedule: dict | None = None, catch_up: dict | None = None, ledger: Path | None = None):
    data = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"), parse_float=Decimal)
    data["paths"]["ledger"] = str(ledger) if ledger else "var/ledger.sqlite"
    data["schedule"].update(schedule or {})
    data["schedule"]["catch_up"].update(catch_up or {})
    return config_from_dict(data, base_dir=tmp_path)


class Recorder:
    """A runner that records each run in the ledger as a task does (start, finish), without building anything."""

    def __init__(self, fail: set[str] = frozenset(), raise_in: set[str] = frozenset()):
        self.calls: list[tuple[str, str, datetime]] = []
        self.fail, self.raise_in = set(fail), set(raise_in)
        self.ledger: Ledger | None = None

    def __call__(self, job: str, cfg, moment: datetime) -> TaskResult:
        period = registry.job(job).period(moment)
        self.calls.append((job, period, moment))
        if job in self.raise_in:
            raise RuntimeError(f"{job} exploded")
        if self.ledger is None:
            self.ledger = Ledger.open(cfg)
        led = self.ledger
        run_id = led.start_run(job, period, now=moment)
        status = "failed" if job in self.fail else "ok"
        led.finish_run(run_id, status=status, summary={"error": "boom"} if status == "failed" else {}, now=moment)
        return TaskResult(job, period, status=status, error="boom" if status == "failed" else None)

    def days(self, job: str) -> list[date]:
        return [m.date() for j, _, m in self.calls if j == job]


@pytest.fixture
def fast_ledger(tmp_path):
    """A ledger in memory-backed storage where there is one (the ledger syncs every commit to disk;
    a month of ticks is thousands of commits), else in tmp_path."""
    import shutil
    import tempfile

    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path / "ledger.sqlite"
        return
    folder = Path(tempfile.mkdtemp(dir=shm, prefix="adtools-test-"))
    yield folder / "ledger.sqlite"
    shutil.rmtree(folder, ignore_errors=True)


def at(cfg, *args) -> datetime:
    return datetime(*args, tzinfo=cfg.tz)


def ticks(first: datetime, last: datetime, minutes: int):
    t = first
    while t <= last:
        yield t
        t += timedelta(minutes=minutes)


# --------------------------------------------------------------------------- a month of ticks
def test_a_month_of_ticks_runs_each_job_exactly_on_its_days_holidays_and_make_up_days_included(tmp_path, fast_ledger):
    """October 2026: 国庆 1-7 October off, Saturday 10 October a make-up working day (调休)."""
    cfg = make_cfg(tmp_path, {"ingest": "every 6 hours", "mail_flush": "every 3 hours",
                              "weekly_progress": "monday 09:00 or next workday"}, ledger=fast_ledger)
    rec = Recorder()
    with Scheduler(cfg, runner=rec).open(now=at(cfg, 2026, 9, 30, 23, 50)) as s:
        for now in ticks(at(cfg, 2026, 9, 30, 23, 50), at(cfg, 2026, 10, 31, 23, 50), 60):
            s.tick(now)
    workdays = [date(2026, 10, d) for d in (8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30)]
    assert rec.days("sla_watch") == workdays
    assert [m.time().isoformat() for j, _, m in rec.calls if j == "sla_watch"] == ["08:30:00"] * len(workdays)
    # the 3rd working day of October is the make-up Saturday; the statement is September's
    assert [(p, m.date()) for j, p, m in rec.calls if j == "fees_statement"] == [("2026-09", date(2026, 10, 10))]
    # Monday 5 October is a holiday: that week's report goes out on the next working day, 8 October
    assert [(p, m.date()) for j, p, m in rec.calls if j == "weekly_progress"] == [
        ("2026-10-02", date(2026, 10, 8)), ("2026-10-09", date(2026, 10, 12)),
        ("2026-10-16", date(2026, 10, 19)), ("2026-10-23", date(2026, 10, 26))]
    per_day = defaultdict(int)
    for d in rec.days("ingest"):
        per_day[d] += 1
    assert set(per_day.values()) == {4} and len(per_day) == 31  # every 6 hours, every day, once each
    assert [m.hour for j, _, m in rec.calls if j == "ingest"][:5] == [0, 6, 12, 18, 0]
    assert len(rec.days("mail_flush")) == 31 * 8


def test_a_plain_weekday_phrase_runs_on_a_holiday_monday(tmp_path):
    cfg = make_cfg(tmp_path)
    rec = Recorder()
    with Scheduler(cfg, runner=rec).open(now=at(cfg, 2026, 10, 4, 12, 0)) as s:
        for now in ticks(at(cfg, 2026, 10, 4, 12, 0), at(cfg, 2026, 10, 6, 12, 0), 60):
            s.tick(now)
    assert [(p, m) for j, p, m in rec.calls if j == "weekly_progress"] == [("2026-10-02", at(cfg, 2026, 10, 5, 9, 0))]


def test_the_new_phrases_are_refused_with_the_forms_named(tmp_path):
    from adtools.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        make_cfg(tmp_path, {"fees_statement": "workday 17 09:00"})
    assert "[schedule] fees_statement" in str(err.value) and '"workday N HH:MM"' in str(err.value)
    with pytest.raises(ConfigError) as err:
        make_cfg(tmp_path, {"sla_watch": "weekdays 08:30"})
    assert '"workdays HH:MM"' in str(err.value)
    with pytest.raises(ConfigError) as err:
        make_cfg(tmp_path, catch_up={"weekly_progress": "newest", "reconcilation": "all"})
    text = str(err.value)
    assert "[schedule.catch_up] weekly_progress" in text and "latest, all, skip" in text
    assert "[schedule.catch_up] reconcilation" in text


# --------------------------------------------------------------------------- downtime
def test_a_three_day_gap_catches_up_per_policy_once(tmp_path, fast_ledger):
    """Down from Friday 30 Oct evening to Tuesday 3 Nov 10:00 (missing Monday's report and 2 Nov's statement day)."""
    cfg = make_cfg(tmp_path, {"fees_statement": "day 2 09:00", "sla_watch": "workdays 08:30"},
                   {"weekly_progress": "latest", "fees_statement": "all", "sla_watch": "skip"}, ledger=fast_ledger)
    rec = Recorder()
    with Scheduler(cfg, runner=rec).open(now=at(cfg, 2026, 10, 19, 8, 0)) as s:
        for now in ticks(at(cfg, 2026, 10, 19, 8, 0), at(cfg, 2026, 10, 30, 18, 0), 60):
            s.tick(now)
        before = len(rec.calls)
        back = at(cfg, 2026, 11, 3, 10, 0)
        s.tick(back)
        caught_up = [(j, p) for j, p, _ in rec.calls[before:]]
        s.tick(back + timedelta(minutes=1))
        s.tick(back + timedelta(minutes=30))
        after = [(j, p) for j, p, _ in rec.calls[before + len(caught_up):]]
    assert ("weekly_progress", "2026-10-30") in caught_up  # Monday's report, once
    assert ("fees_statement", "2026-10") in caught_up
    assert [c for c in caught_up if c[0] == "sla_watch"] == []  # skip: Monday's and today's 08:30 digests are past the grace
    assert [c for c in caught_up if c[0] in ("ingest", "mail_flush")] == [("ingest", "2026-11-03T10:00+08:00"),
                                                                           ("mail_flush", "2026-11-03T10:00+08:00")]
    with Ledger.open(cfg) as led:
        skipped = {(r.job, r.period) for r in led.engine.connect().execute(
            select(job_runs).where(job_runs.c.status == "skipped"))}
    assert {s for s in skipped if s[0] == "sla_watch"} == {("sla_watch", "2026-11-02"), ("sla_watch", "2026-11-03")}
    for job in {j for j, _ in skipped} - {"sla_watch"}:  # daily jobs with catch_up latest: the older days skipped,
        assert registry.job(job).catch_up == "latest"     # the newest run once
        assert len([c for c in caught_up if c[0] == job]) == 1, job
    assert [c for c in after if not registry.job(c[0]).repeatable] == []  # nothing twice (interval jobs run on)


def test_latest_runs_the_newest_missed_period_and_records_the_older_ones_skipped(tmp_path):
    cfg = make_cfg(tmp_path, catch_up={"weekly_progress": "latest", "fees_statement": "all", "max_late_days": 30})
    rec = Recorder()
    with Scheduler(cfg, runner=rec).open(now=at(cfg, 2026, 9, 1, 0, 0)) as s:
        s.tick(at(cfg, 2026, 9, 1, 0, 0))
        s.tick(at(cfg, 2026, 9, 24, 10, 0))  # down since 1 September: three Mondays and one statement missed
    weekly = [p for j, p, _ in rec.calls if j == "weekly_progress"]
    assert weekly == ["2026-09-18"]
    assert [p for j, p, _ in rec.calls if j == "fees_statement"] == ["2026-08"]
    with Ledger.open(cfg) as led:
        settled = runs.settled_periods(led.engine, "weekly_progress", ["2026-09-04", "2026-09-11", "2026-09-18"])
    assert settled == {"2026-09-04": "skipped", "2026-09-11": "skipped", "2026-09-18": "ok"}


def test_all_runs_each_missed_month_oldest_first_and_max_late_days_skips_older(tmp_path):
    cfg = make_cfg(tmp_path, {"fees_statement": "day 3 09:00"}, {"fees_statement": "all", "max_late_days": 40})
    rec = Recorder()
    with Scheduler(cfg, runner=rec).open(now=at(cfg, 2026, 7, 1, 0, 0)) as s:
        s.tick(at(cfg, 2026, 7, 1, 0, 0))
        s.tick(at(cfg, 2026, 10, 4, 10, 0))  # 3 July, 3 August, 3 September and 3 October passed
    assert [p for j, p, _ in rec.calls if j == "fees_statement"] == ["2026-08", "2026-09"]
    with Ledger.open(cfg) as led:
        settled = runs.settled_periods(led.engine, "fees_statement", ["2026-06", "2026-07", "2026-08", "2026-09"])
    assert settled == {"2026-06": "skipped", "2026-07": "skipped", "2026-08": "ok", "2026-09": "ok"}


def test_nothing_before_the_first_start_is_caught_up(tmp_path):
    cfg = make_cfg(tmp_path)
    rec = Recorder()
    monday_0859 = at(cfg, 2026, 11, 30, 8, 59)
    with Scheduler(cfg, runner=rec).open(now=monday_0859) as s:
        s.tick(monday_0859)
        assert [c for c in rec.calls if c[0] not in ("ingest", "mail_flush")] == []
        s.tick(monday_0859 + timedelta(minutes=1))
        s.tick(monday_0859 + timedelta(minutes=2))
    assert [(j, p) for j, p, _ in rec.calls if j == "weekly_progress"] == [("weekly_progress", "2026-11-27")]


# --------------------------------------------------------------------------- crashes, failures, locks
def test_a_job_killed_mid_run_is_retried_and_its_report_is_sent_once(tmp_path):
    """The real weekly task: killed after queueing its mail, before its run was finished."""
    from adtools.tasks import report_task

    cfg = make_cfg(tmp_path)
    monday = at(cfg, 2026, 11, 30, 9, 0)
    killed = report_task("weekly_progress", cfg, now=monday)  # ran and queued ...
    with Ledger.open(cfg) as led, led.engine.begin() as conn:  # ... but died before finish_run
        conn.execute(job_runs.update().where(job_runs.c.job == "weekly_progress").values(status="running", finished_at=None))
    assert killed.queued
    calls = []

    def real(job, cfg, moment):
        from adtools.tasks import run_task
        calls.append(job)
        return run_task(job, cfg, now=moment)

    with Scheduler(cfg, runner=real).open(now=monday - timedelta(hours=1)) as s:
        out = s.tick(monday + timedelta(minutes=1))
        again = s.tick(monday + timedelta(minutes=2))
    weekly = [o for o in out if o.job == "weekly_progress"]
    assert [(o.period, o.status, o.queued) for o in weekly] == [("2026-11-27", "ok", [])]  # run again, nothing new queued
    assert [o.job for o in again if o.job == "weekly_progress"] == []
    with Ledger.open(cfg) as led, led.engine.connect() as conn:
        mails = conn.execute(select(mail_messages).where(mail_messages.c.report == "weekly")).all()
    assert len(mails) == 1


def test_one_job_raising_does_not_stop_the_others_and_admins_hear_once_per_streak(tmp_path, caplog):
    cfg = make_cfg(tmp_path, {"sla_watch": "daily 09:00"})
    rec = Recorder(raise_in={"weekly_progress"})
    monday = at(cfg, 2026, 11, 30, 9, 0)
    with Scheduler(cfg, runner=rec).open(now=monday - timedelta(minutes=1)) as s:
        first = s.tick(monday)
        second = s.tick(monday + timedelta(minutes=5))  # within retry_minutes: not retried yet
        third = s.tick(monday + timedelta(minutes=11))  # retried, fails again
        rec.raise_in.clear()
        fourth = s.tick(monday + timedelta(minutes=22))  # retried, succeeds
        rec.raise_in.add("weekly_progress")
        with Ledger.open(cfg) as led, led.engine.begin() as conn:  # a forced re-run next day fails: a new streak
            conn.execute(job_runs.update().where(job_runs.c.job == "weekly_progress").values(status="redone"))
        s.tick(monday + timedelta(days=1))
        statuses = {o.job: o.status for o in first}
    assert statuses["weekly_progress"] == "failed"
    assert statuses["sla_watch"] == "ok" and statuses["ingest"] == "ok" and statuses["mail_flush"] == "ok"
    assert "weekly_progress" not in {o.job for o in second}
    assert [o.status for o in third if o.job == "weekly_progress"] == ["failed"]
    assert [o.status for o in fourth if o.job == "weekly_progress"] == ["ok"]
    with Ledger.open(cfg) as led, led.engine.connect() as conn:
        alerts = conn.execute(select(mail_messages.c.subject, mail_messages.c.recipients)
                              .where(mail_messages.c.subject.like("%Job failed%"))).all()
    assert len(alerts) == 2  # the first streak (two failures) once, the second streak once
    assert all(r.recipients == "it@agency.example" and "weekly_progress" in r.subject for r in alerts)
    assert "weekly_progress (2026-11-27) failed" in caplog.text


def test_two_schedulers_started_together_one_runs_the_other_exits_with_a_clear_message(tmp_path):
    cfg = make_cfg(tmp_path)
    first = Scheduler(cfg, runner=Recorder()).open(now=at(cfg, 2026, 11, 30, 8, 0))
    try:
        with pytest.raises(LockedError) as err:
            Scheduler(cfg, runner=Recorder()).open(now=at(cfg, 2026, 11, 30, 8, 0))
        assert "另一个调度程序" in str(err.value) and "Another scheduler is already running" in str(err.value)
        assert "--wait" in str(err.value)
    finally:
        first.close()
    second = Scheduler(cfg, runner=Recorder()).open(now=at(cfg, 2026, 11, 30, 8, 5))  # the first is gone: it takes over
    second.close()


def test_jobs_status_names_a_failing_job_and_a_stale_heartbeat(tmp_path):
    cfg = make_cfg(tmp_path)
    monday = at(cfg, 2026, 11, 30, 9, 0)
    with Ledger.open(cfg) as led:
        assert any("never run" in p for p in status_problems(cfg, led.engine, monday))
    s = Scheduler(cfg, runner=Recorder(fail={"weekly_progress"})).open(now=monday - timedelta(minutes=1))
    s.tick(monday)
    with Ledger.open(cfg) as led:
        problems = status_problems(cfg, led.engine, monday + timedelta(minutes=1))
        assert [p for p in problems if "weekly_progress is failing" in p] and not [p for p in problems if "heartbeat" in p]
        stale = status_problems(cfg, led.engine, monday + timedelta(minutes=30))
        assert [p for p in stale if "heartbeat is stale" in p]
        states = {st.job: st for st in job_states(cfg, led.engine, monday + timedelta(minutes=1))}
    assert states["weekly_progress"].failures == 1 and states["weekly_progress"].last_status == "failed"
    assert states["fees_statement"].next_due == at(cfg, 2026, 12, 3, 9, 0)  # the 3rd working day of December
    assert states["sla_watch"].next_due == at(cfg, 2026, 12, 1, 8, 30)
    s.close()
    with Ledger.open(cfg) as led:
        assert [p for p in status_problems(cfg, led.engine, monday + timedelta(minutes=2)) if "was stopped" in p]


def test_the_ledger_refuses_a_second_ok_run_of_a_period(tmp_path):
    from sqlalchemy.exc import IntegrityError

    cfg = make_cfg(tmp_path)
    now = at(cfg, 2026, 11, 30, 9, 0)
    with Ledger.open(cfg) as led:
        a, b = led.start_run("weekly_progress", "2026-11-27", now=now), led.start_run("weekly_progress", "2026-11-27", now=now)
        assert led.finish_run(a, status="ok", summary={}, now=now) == "ok"
        assert led.finish_run(b, status="ok", summary={}, now=now) == "repeat"  # the other process lost the race
        with pytest.raises(IntegrityError), led.engine.begin() as conn:
            conn.execute(job_runs.insert().values(job="weekly_progress", period="2026-11-27", started_at=now, status="ok"))


def test_plan_is_empty_when_everything_is_done(tmp_path):
    from adtools.calendar import WorkCalendar

    cfg = make_cfg(tmp_path)
    rec = Recorder()
    monday = at(cfg, 2026, 11, 30, 9, 0)
    with Scheduler(cfg, runner=rec).open(now=monday - timedelta(minutes=1)) as s:
        s.tick(monday)
        assert plan(cfg, s.engine, monday, since=s.since, cal=WorkCalendar.from_config(cfg)) == []


# --------------------------------------------------------------------------- the child process and its time limit
def test_a_job_runs_in_a_child_process_and_is_stopped_at_its_time_limit(tmp_path):
    from adtools.config import load_config
    from adtools.scheduler import ChildRunner, JobTimeout

    text = (REPO / "config.toml").read_text(encoding="utf-8")
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    cfg = load_config(tmp_path / "config.toml")
    monday = at(cfg, 2026, 11, 30, 9, 0)
    beats = []
    result = ChildRunner(timedelta(minutes=5), poll_seconds=0.5, on_wait=lambda: beats.append(1))(
        "weekly_progress", cfg, monday)
    # one mail per report of the job (the client's list and the account team's version)
    assert (result.status, result.period, len(result.queued)) == ("ok", "2026-11-27", len(registry.reports_of_job("weekly_progress")))
    assert result.files and result.files[0].is_file()
    assert beats  # the heartbeat was kept while the child ran
    # a child cannot even import pandas within 0.3 s: it is stopped, and the scheduler records the failure
    with pytest.raises(JobTimeout, match="time_limit_minutes"):
        ChildRunner(timedelta(seconds=0.3), poll_seconds=0.1)("fees_statement", cfg, monday)
    s = Scheduler(cfg, runner=ChildRunner(timedelta(seconds=0.3), poll_seconds=0.1)).open(now=monday)
    try:
        out = s.tick(at(cfg, 2026, 12, 3, 9, 0))
    finally:
        s.close()
    assert [(o.status, "time_limit_minutes" in (o.error or "")) for o in out if o.job == "fees_statement"] == [("failed", True)]


def test_a_run_that_died_counts_in_the_failure_streak(tmp_path):
    """A run left `running` by a dead process is closed as interrupted, and that is a failure the admins hear of."""
    cfg = make_cfg(tmp_path)
    t0 = datetime(2026, 11, 30, 9, 0, tzinfo=cfg.tz)
    with Ledger.open(cfg) as led:
        led.start_run("weekly_progress", "2026-11-27", now=t0)
        assert runs.failure_streak(led.engine, "weekly_progress") is None  # still running: not failing
        closed = runs.close_stale_runs(led.engine, started_before=t0 + timedelta(minutes=1), now=t0 + timedelta(hours=1))
        assert [job for job, _ in closed] == ["weekly_progress"]
        streak = runs.failure_streak(led.engine, "weekly_progress")
    assert streak is not None and streak.count == 1
