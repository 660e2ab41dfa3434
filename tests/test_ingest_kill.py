"""SIGKILL at seeded random moments: the next ingest always ends with the ledger an uninterrupted run makes.

Each trial copies one workspace (timesheets, a new version of a stored one, a broken
file, a work order; three files per transaction), starts `adtools ingest` as a child,
kills it (SIGKILL; TerminateProcess on Windows) at a moment drawn from a seeded
generator over the child's whole run, runs ingest again to the end and compares the
ledger with the reference: every version, its status and archive copy, every record,
and no archive copy missing or altered.  A failing seed is printed, so it can be
replayed (`ADTOOLS_KILL_SEEDS=17 pytest tests/test_ingest_kill.py`).
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from adtools.config import load_config
from adtools.ledger import frames
from adtools.ledger.ingest import ingest
from adtools.ledger.recovery import check_archive
from adtools.ledger.store import Ledger
from adtools.ledger.tables import documents, files
from tests._ledger_support import write_config_file, write_timesheet, write_work_order

REPO = Path(__file__).resolve().parents[1]
TRIALS = 30
STAFF = ["张伟", "李娜", "王芳"]


def _seeds() -> list[int]:
    chosen = os.environ.get("ADTOOLS_KILL_SEEDS")
    return [int(s) for s in chosen.split(",")] if chosen else list(range(TRIALS))


def _build(root: Path) -> Path:
    """The workspace every trial starts from: one version already stored, eleven files to read."""
    cfg_path = write_config_file(root, intake="batch_files = 3\nworkers = 2\n")
    cfg = load_config(cfg_path)
    write_timesheet(cfg, "00-张伟.xlsx", staff="张伟", hours=["1"])
    ingest(cfg)
    write_timesheet(cfg, "00-张伟.xlsx", staff="张伟", hours=["2"])  # supersedes the stored version
    write_work_order(cfg, "01-WO.xlsx")
    for k in range(8):
        write_timesheet(cfg, f"1{k}-{STAFF[k % 3]}.xlsx", staff=STAFF[k % 3], week=date(2026, 11, 9 + 7 * (k // 3)),
                        hours=[str(k % 5 + 1), "3"])
    (cfg.watch_dirs[0] / "20-broken.xlsx").write_bytes(b"not a workbook")
    return cfg_path


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, copy_function=shutil.copy2)  # modified times kept: the stored version stays unchanged
    return dst / "config.toml"  # its paths are relative: the copy is a workspace of its own


def _snapshot(cfg) -> dict:
    with Ledger.open(cfg) as led:
        with led.engine.connect() as conn:
            docs = sorted(
                (r.form_id or "", r.document_key or "", r.version or 0, r.status, r.sha256, r.archive_path or "", r.rows,
                 r.errors)
                for r in conn.execute(select(documents))
            )
            fls = sorted((r.rel_path, r.status, r.sha256, r.rows) for r in conn.execute(select(files)))
        ts = frames.rows(led, "timesheet")[["staff", "week_start", "date", "hours", "_cell_hours"]]
        records = sorted(map(tuple, ts.astype(str).values.tolist()))
        problems = led.verify()
        archive = check_archive(cfg, led, deep=True)
    return {"documents": docs, "files": fls, "records": records, "problems": problems, "archive": archive}


def _child(cfg_path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-m", "adtools", "--config", str(cfg_path), "ingest", "--json"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    base = tmp_path_factory.mktemp("kill-base")
    _build(base)
    ref_path = _copy(base, tmp_path_factory.mktemp("kill-ref") / "ws")
    started = time.monotonic()
    assert _child(ref_path).wait(timeout=600) == 0
    duration = time.monotonic() - started
    cfg = load_config(ref_path)
    snap = _snapshot(cfg)
    assert snap["problems"] == [] and snap["archive"] == []
    assert len([d for d in snap["documents"] if d[3] == "current"]) == 10  # 9 timesheets, 1 work order
    return base, snap, duration


def _new_copies(cfg, before: set[Path]) -> int:
    return len(set(cfg.archive_dir.rglob("*.xlsx")) - before)


@pytest.mark.parametrize("seed", _seeds())
def test_killed_at_a_random_moment_the_next_run_ends_as_an_uninterrupted_one(reference, tmp_path, seed,
                                                                              record_property):
    base, expected, duration = reference
    cfg_path = _copy(base, tmp_path / "ws")
    cfg = load_config(cfg_path)
    before = set(cfg.archive_dir.rglob("*.xlsx"))
    # Most of a run is start-up and reading, when nothing is written and a kill is trivially safe.  So a
    # seed draws the moment from the run's progress: after its k-th new archive copy (k = 0..10; 10 new
    # versions) plus up to 80 ms: inside a batch's copies, its sync, its transaction, a rejection, the end.
    rng = random.Random(seed)
    k, delay = rng.randrange(0, 11), rng.uniform(0.0, 0.08)
    proc = _child(cfg_path)
    if k == 0:
        time.sleep(rng.uniform(0.0, duration))
    else:
        while proc.poll() is None and _new_copies(cfg, before) < k:
            time.sleep(0.002)
        time.sleep(delay)
    proc.kill()  # SIGKILL on POSIX: no handler, no clean-up
    proc.wait()
    moment = f"after {k} new archive copies + {delay * 1000:.0f} ms" if k else "at a random moment of the run"
    cfg = load_config(cfg_path)
    with Ledger.open(cfg) as led, led.engine.connect() as conn:  # how far it got: reported, to see the spread
        record_property("documents_at_kill", len(conn.execute(select(documents.c.id)).all()))
    ingest(cfg)
    got = _snapshot(cfg)
    assert got == expected, f"seed {seed}: killed {moment}"
    assert not any((cfg.archive_dir / ".staging").glob("*.tmp")), "a half-written copy was left behind"
