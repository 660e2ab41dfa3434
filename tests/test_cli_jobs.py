"""`adtools jobs list|run|status` and a real `adtools scheduler` process: one mail per period, one scheduler per ledger."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from adtools.cli import main
from tests._cli_support import json_documents
from adtools.config import load_config
from adtools.ledger.store import Ledger
from adtools.ledger.tables import job_runs, mail_messages

REPO = Path(__file__).resolve().parents[1]


def invoke(root: Path, *args: str):
    """The CLI; `--now X` as the first arguments pins the clock there (the demo fixtures pin it already, and a
    pinned moment comes before ADTOOLS_NOW)."""
    from datetime import datetime

    from adtools import clock

    if args[:1] == ("--now",):
        moment = datetime.fromisoformat(args[1]).replace(tzinfo=load_config(root / "config.toml").tz)
        with clock.pinned(moment):
            return CliRunner().invoke(main, ["--config", str(root / "config.toml"), *args[2:]])
    return CliRunner().invoke(main, ["--config", str(root / "config.toml"), *args])


def test_jobs_run_twice_for_one_period_queues_one_mail(demo_workspace):
    root = demo_workspace.root
    first = invoke(root, "--now", "2026-11-30T09:00", "jobs", "run", "weekly_progress", "--json")
    second = invoke(root, "--now", "2026-11-30T09:30", "jobs", "run", "weekly_progress")
    alias = invoke(root, "--now", "2026-11-30T10:00", "run", "weekly_progress", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["queued"] and json.loads(first.stdout)["period"] == "2026-11-27"
    said = " ".join(second.stdout.split())
    assert second.exit_code == 0 and "already done for this period" in said and "Use --force" in said
    assert json.loads(alias.stdout)["status"] == "done"
    cfg = load_config(root / "config.toml")
    with Ledger.open(cfg) as led, led.engine.connect() as conn:
        mails = conn.execute(select(mail_messages.c.id).where(mail_messages.c.report == "weekly",
                                                              mail_messages.c.period == "2026-11-27")).all()
        ok = conn.execute(select(job_runs.c.id).where(job_runs.c.job == "weekly_progress",
                                                      job_runs.c.period == "2026-11-27")).all()
    assert len(mails) == 1 and len(ok) == 1
    forced = invoke(root, "--now", "2026-11-30T11:00", "jobs", "run", "weekly_progress", "--force", "--json")
    assert forced.exit_code == 0 and json.loads(forced.stdout)["status"] == "ok"
    with Ledger.open(cfg) as led, led.engine.connect() as conn:
        statuses = [r.status for r in conn.execute(select(job_runs.c.status).where(
            job_runs.c.job == "weekly_progress", job_runs.c.period == "2026-11-27").order_by(job_runs.c.id))]
    assert statuses == ["redone", "ok"]


def test_jobs_status_exits_1_when_the_scheduler_never_ran_and_jobs_list_shows_the_runs(demo_built):
    out = invoke(demo_built.root, "jobs", "status", "--json")
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert data["ok"] is False and any("never run" in p for p in data["problems"])
    listed = invoke(demo_built.root, "jobs", "list", "--json")
    rows = {r["job"]: r for r in json.loads(listed.stdout)}
    assert rows["weekly_progress"]["last_status"] == "ok" and rows["weekly_progress"]["catch_up"] == "latest"
    assert rows["fees_statement"]["catch_up"] == "all" and rows["sla_watch"]["schedule"] == "workdays 08:30"
    assert rows["fees_statement"]["next_due"] == "2026-12-03T09:00+08:00"  # the 3rd working day of December
    assert json.loads(invoke(demo_built.root, "jobs", "--json").stdout) == json.loads(listed.stdout)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    text = (REPO / "config.toml").read_text(encoding="utf-8").replace("tick_seconds = 30", "tick_seconds = 5")
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    return tmp_path


def _start(root: Path, now: str) -> subprocess.Popen:
    env = {**os.environ, "ADTOOLS_NOW": now, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "adtools", "--config", str(root / "config.toml"), "scheduler"],
                            cwd=root, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            encoding="utf-8")


def _wait_for(proc: subprocess.Popen, text: str) -> list[str]:
    lines = []
    for line in proc.stderr:  # blocks on the process's own output: no sleeping
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError("".join(lines))


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="POSIX signals")
def test_a_second_real_scheduler_exits_at_once_and_sigterm_stops_the_first_cleanly(workspace):
    first = _start(workspace, "2026-11-30T08:59")
    try:
        _wait_for(first, "scheduler started")
        second = subprocess.run([sys.executable, "-m", "adtools", "--config", str(workspace / "config.toml"), "scheduler"],
                                cwd=workspace, capture_output=True, text=True, encoding="utf-8", timeout=120,
                                env={**os.environ, "ADTOOLS_NOW": "2026-11-30T08:59"})
        assert second.returncode == 3
        assert "另一个调度程序" in second.stderr and "Another scheduler is already running" in second.stderr
        first.send_signal(signal.SIGTERM)
        _wait_for(first, "scheduler stopped")
        assert first.wait(timeout=120) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    cfg = load_config(workspace / "config.toml")
    from adtools.ledger import runs

    with Ledger.open(cfg) as led:
        beat = runs.heartbeat(led.engine)
    assert beat is not None and beat["stopped_at"] is not None
    assert (workspace / "var" / "log" / "scheduler.log").read_text(encoding="utf-8").count("scheduler started") == 1


def test_run_several_jobs_in_one_process_in_order_each_recorded(demo_workspace):
    root = demo_workspace.root
    out = invoke(root, "--now", "2026-11-30T09:00", "run", "weekly_progress", "reconciliation", "dashboard", "--json")
    assert out.exit_code == 0, out.output
    docs = json_documents(out.stdout)
    assert [(d["job"], d["status"]) for d in docs] == [("weekly_progress", "ok"), ("reconciliation", "ok"), ("dashboard", "ok")]
    cfg = load_config(root / "config.toml")
    with Ledger.open(cfg) as led, led.engine.connect() as conn:
        ran = {(r.job, r.period) for r in conn.execute(select(job_runs.c.job, job_runs.c.period).where(
            job_runs.c.status == "ok"))}
    assert {(d["job"], d["period"]) for d in docs} <= ran  # each recorded under its own period


def test_a_failed_job_among_several_stops_no_other_and_the_run_exits_1(demo_workspace, monkeypatch):
    from adtools import tasks

    def failing(cfg, *, now=None):
        return tasks.TaskResult("dashboard", "p", status="failed", error="磁盘已满 / the disk is full")

    monkeypatch.setattr(tasks, "dashboard_task", failing)
    out = invoke(demo_workspace.root, "--now", "2026-11-30T09:00", "run", "dashboard", "weekly_progress", "--json")
    assert out.exit_code == 1
    assert [(d["job"], d["status"]) for d in json_documents(out.stdout)] == [("dashboard", "failed"), ("weekly_progress", "ok")]
    assert "dashboard: 磁盘已满 / the disk is full" in " ".join(out.stderr.split())
