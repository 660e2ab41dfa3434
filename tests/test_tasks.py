"""adtools.tasks: each job run is recorded once in job_runs, whoever starts it."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from adtools.ledger.store import Ledger
from adtools.ledger.tables import job_runs
from adtools.tasks import ingest_task
from adtools.workspace import init_workspace


def test_ingest_task_is_one_run_and_never_mistaken_for_an_interrupted_one(tmp_path, caplog):
    cfg = init_workspace(tmp_path / "ws").config
    caplog.set_level(logging.WARNING)
    for minute in (0, 10):
        result = ingest_task(cfg, now=datetime(2026, 11, 23, 9, minute, tzinfo=cfg.tz))
        assert result.status == "ok", result.error
    assert "interrupted" not in caplog.text
    with Ledger.open(cfg) as ledger, ledger.engine.connect() as conn:
        runs = conn.execute(select(job_runs.c.job, job_runs.c.status)).all()
    assert [tuple(r) for r in runs] == [("ingest", "ok"), ("ingest", "ok")]
