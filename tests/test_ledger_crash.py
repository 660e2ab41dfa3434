"""A kill at any moment leaves the ledger consistent, the next run finishes the work; two ingests never both write.

The child `adtools ingest` is told (ADTOOLS_INGEST_PAUSE) to stop at an exact point
and write a marker file; the test polls for the marker, tries a second ingest
(refused by the lock), kills the child and checks the ledger.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from adtools.config import load_config
from adtools.errors import LockedError
from adtools.ledger import frames
from adtools.ledger.ingest import ingest
from adtools.ledger.store import Ledger

from tests._ledger_support import write_config_file, write_timesheet

REPO = Path(__file__).resolve().parents[1]
STAFF = ["张伟", "李娜", "王芳"]


def start_paused(cfg_path: Path, point: str, n: int, marker: Path) -> subprocess.Popen:
    env = {**os.environ, "ADTOOLS_INGEST_PAUSE": f"{point}:{n}", "ADTOOLS_INGEST_PAUSE_MARKER": str(marker),
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "adtools", "--config", str(cfg_path), "ingest", "--json"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():  # poll for the child's own signal that it reached the point
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the child ended before pausing ({proc.returncode}): {err.decode(errors='replace')}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the child never reached the pause point")
        time.sleep(0.02)
    return proc


@pytest.mark.parametrize("point", ["txn", "stored"])
def test_kill_mid_run_then_the_next_run_finishes(tmp_path, point):
    cfg_path = write_config_file(tmp_path, intake="batch_files = 2\n")  # 6 files: three transactions
    cfg = load_config(cfg_path)
    # one version already in the ledger, so that the killed run also supersedes
    write_timesheet(cfg, "00-张伟.xlsx", staff="张伟", hours=["1"])
    assert ingest(cfg).ingested == 1
    write_timesheet(cfg, "00-张伟.xlsx", staff="张伟", hours=["2"])
    for i, who in enumerate(STAFF[1:], 1):
        write_timesheet(cfg, f"0{i}-{who}.xlsx", staff=who, hours=[str(i + 2)])
    for k in range(3):
        write_timesheet(cfg, f"1{k}-张伟-w{k}.xlsx", staff="张伟", week=cfg_week(k), hours=["4"])

    marker = tmp_path / "paused"
    proc = start_paused(cfg_path, point, 2, marker)
    try:
        with pytest.raises(LockedError, match="another ingest"):  # the paused child holds the write lock
            ingest(cfg)
    finally:
        proc.kill()
        proc.wait()

    # files are stored in path order, two per transaction: [00 (supersedes v1), 01], [02, 10], [11, 12];
    # the run stopped in the second batch's transaction, or just after its commit
    committed = 2 if point == "txn" else 4
    with Ledger.open(cfg) as led:
        assert led.verify() == [], "no half-stored document, no orphan rows"
        assert len(frames.documents(led, "timesheet")) == committed
        assert [d.status for d in led.history("张伟|2026-11-02")] == ["superseded", "current"]
        assert len(led.history("李娜|2026-11-02")) == 1
        assert len(led.history("王芳|2026-11-02")) == (committed == 4)  # 02 is in the second batch
        run = led.last_run("ingest", status=None)
        assert run["status"] == "running" and run["finished_at"] is None  # the killed run left its trace

    second = ingest(cfg)
    assert (second.ingested, second.unchanged, second.rejected) == (6 - committed, committed, 0)
    with Ledger.open(cfg) as led:
        assert led.verify() == []
        assert led.last_run("ingest", status="interrupted") is not None
        assert len(frames.documents(led, "timesheet")) == 6
        df = frames.rows(led, "timesheet")
        hours = df[(df.staff == "张伟") & (df.week_start == pd.Timestamp("2026-11-02"))]["hours"]
        assert [str(h) for h in hours] == ["2"]
        assert [d.status for d in led.history("张伟|2026-11-02")] == ["superseded", "current"]
    third = ingest(cfg)
    assert (third.unchanged, third.ingested) == (6, 0)


def cfg_week(k: int):
    from datetime import date

    return date(2026, 11, 9) + timedelta(weeks=k)
