"""The jobs as library tasks: each run recorded once in job_runs, failures as results, not crashes."""
from __future__ import annotations

import logging
from datetime import datetime

import pytest
from sqlalchemy import select

from adtools.errors import InputError
from adtools.ledger.store import Ledger, write_lock
from adtools.ledger.tables import job_runs
from adtools.tasks import ingest_task, run_task
from tests._ledger_support import make_config, write_timesheet

pytestmark = pytest.mark.dates  # CI runs these again under faketime (.ci/run)


def runs(cfg, job: str) -> list[dict]:
    with Ledger.open(cfg) as led, led.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(job_runs).where(job_runs.c.job == job).order_by(job_runs.c.id))]


def test_an_ingest_run_is_recorded_once_and_not_called_interrupted(tmp_path, caplog):
    cfg = make_config(tmp_path)
    write_timesheet(cfg, "a.xlsx")
    now = datetime(2026, 11, 26, 9, 0, tzinfo=cfg.tz)
    with caplog.at_level(logging.WARNING, logger="adtools"):
        result = ingest_task(cfg, now=now)
        again = ingest_task(cfg, now=now.replace(hour=10))
    assert (result.status, result.summary["ingested"]) == ("ok", 1)
    assert (again.status, again.summary["unchanged"]) == ("ok", 1)
    assert "interrupted" not in caplog.text
    recorded = runs(cfg, "ingest")
    assert [r["status"] for r in recorded] == ["ok", "ok"]
    assert [r["started_at"] for r in recorded] == [now, now.replace(hour=10)]


def test_an_ingest_refused_by_the_lock_is_a_failed_result_and_writes_no_run(tmp_path):
    cfg = make_config(tmp_path)
    with Ledger.open(cfg) as led, write_lock(cfg, led.engine, "ingest"):
        result = ingest_task(cfg, now=datetime(2026, 11, 26, 9, 0, tzinfo=cfg.tz))
    assert result.status == "failed" and "another ingest" in result.error
    assert runs(cfg, "ingest") == []


def test_an_unknown_job_is_an_input_error_naming_the_jobs(tmp_path):
    cfg = make_config(tmp_path)
    with pytest.raises(InputError, match="weekly_progress"):
        run_task("weekly", cfg)
