"""Each file is read in a worker process with bounded time and memory; whatever one file does, the others are stored.

The workers are forked from the test process (Linux), so a validator replaced here
is the one they run: it hangs, eats memory or kills its process for one named file.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adtools.forms import validate as validate_mod
from adtools.ledger.store import Ledger
from adtools.tasks import ingest
from tests._ledger_support import make_config, write_timesheet

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the workers are forked on Linux only")

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SH)


def _config(tmp_path, **intake):
    return make_config(tmp_path, intake={"settle_seconds": 0, **intake})


def _statuses(summary) -> dict[str, str]:
    return {Path(f.path).name: f.status for f in summary.files}


def _reasons(summary) -> dict[str, str]:
    return {Path(f.path).name: f.reason or "" for f in summary.files}


def _two_good_one_bad(cfg) -> None:
    write_timesheet(cfg, "a-张伟.xlsx", staff="张伟")
    write_timesheet(cfg, "b-bad.xlsx", staff="王芳")
    write_timesheet(cfg, "c-李娜.xlsx", staff="李娜")


def _misbehave_on(monkeypatch, name: str, action) -> None:
    real = validate_mod.validate_file

    def validate(path, *a, **kw):
        if Path(path).name == name:
            action()
        return real(path, *a, **kw)

    monkeypatch.setattr(validate_mod, "validate_file", validate)


def test_a_file_that_takes_too_long_is_stopped_and_refused_the_others_are_stored(tmp_path, monkeypatch):
    cfg = _config(tmp_path, file_seconds=5, workers=2)
    _two_good_one_bad(cfg)
    _misbehave_on(monkeypatch, "b-bad.xlsx", lambda: time.sleep(3600))
    started = time.monotonic()
    s = ingest(cfg, now=NOW)
    assert time.monotonic() - started < 120, "the hung file was not stopped"
    assert _statuses(s) == {"a-张伟.xlsx": "ingested", "b-bad.xlsx": "rejected", "c-李娜.xlsx": "ingested"}
    assert "file_seconds" in _reasons(s)["b-bad.xlsx"] and "5 s" in _reasons(s)["b-bad.xlsx"]
    assert s.notices_queued == 1, "its author is told"
    with Ledger.open(cfg) as led:
        assert led.verify() == []
    # recorded as that file's outcome: the next run does not read it again
    monkeypatch.undo()
    again = ingest(cfg, now=NOW.replace(hour=10))
    assert set(_statuses(again).values()) == {"unchanged"}


def test_a_file_whose_reading_needs_too_much_memory_is_refused(tmp_path, monkeypatch):
    cfg = _config(tmp_path, file_memory_mb=256, workers=1)
    _two_good_one_bad(cfg)
    hog: list[bytearray] = []
    _misbehave_on(monkeypatch, "b-bad.xlsx", lambda: hog.append(bytearray(4 * 1024 ** 3)))
    s = ingest(cfg, now=NOW)
    assert _statuses(s) == {"a-张伟.xlsx": "ingested", "b-bad.xlsx": "rejected", "c-李娜.xlsx": "ingested"}
    assert "MemoryError" in _reasons(s)["b-bad.xlsx"]


def test_a_reader_process_that_dies_refuses_only_its_file(tmp_path, monkeypatch):
    cfg = _config(tmp_path, workers=1)
    _two_good_one_bad(cfg)
    _misbehave_on(monkeypatch, "b-bad.xlsx", lambda: os._exit(70))
    s = ingest(cfg, now=NOW)
    assert _statuses(s) == {"a-张伟.xlsx": "ingested", "b-bad.xlsx": "rejected", "c-李娜.xlsx": "ingested"}
    assert "exit code 70" in _reasons(s)["b-bad.xlsx"]


def test_reading_in_parallel_stores_the_same_as_one_worker(tmp_path):
    one = _config(tmp_path / "one", workers=1)
    two = _config(tmp_path / "two", workers=2)
    for cfg in (one, two):
        for i, who in enumerate(["张伟", "李娜", "王芳"] * 3):
            write_timesheet(cfg, f"{i:02d}.xlsx", staff=who, week=datetime(2026, 11, 2 + 7 * (i // 3)).date(),
                            hours=[str(i % 4 + 1)])
    a, b = ingest(one, now=NOW), ingest(two, now=NOW)
    assert a.ingested == b.ingested == 9
    with Ledger.open(one) as la, Ledger.open(two) as lb:
        from adtools.ledger import frames

        cols = ["staff", "week_start", "date", "hours", "_cell_hours"]
        fa = frames.rows(la, "timesheet")[cols].sort_values(["staff", "week_start"]).reset_index(drop=True)
        fb = frames.rows(lb, "timesheet")[cols].sort_values(["staff", "week_start"]).reset_index(drop=True)
        assert fa.equals(fb)


def test_spawned_workers_as_on_windows_read_the_same(tmp_path, monkeypatch):
    """Windows spawns the workers: the config and the results must travel by pickle, and the worker import adtools."""
    import multiprocessing as mp

    from adtools.ledger import workers
    from adtools.ledger.workers import Task, check_files

    cfg = _config(tmp_path, workers=2)
    paths = [write_timesheet(cfg, f"{i}.xlsx", staff=who) for i, who in enumerate(["张伟", "李娜"])]
    (cfg.watch_dirs[0] / "broken.xlsx").write_bytes(b"not a workbook")
    paths.append(cfg.watch_dirs[0] / "broken.xlsx")
    tasks = [Task(i, p, frozenset({"HRFR-2026-001"})) for i, p in enumerate(paths)]
    forked = dict(check_files(cfg, tasks))
    monkeypatch.setattr(workers, "process_context", lambda: mp.get_context("spawn"))
    spawned = dict(check_files(cfg, tasks))
    assert sorted(spawned) == [0, 1, 2]
    for i in range(3):
        assert spawned[i].ok == forked[i].ok and spawned[i].document_key == forked[i].document_key
        assert [f.rule for f in spawned[i].findings] == [f.rule for f in forked[i].findings]
    assert spawned[0].ok and not spawned[2].ok


_HANGING_INGEST = """
import sys, time
from pathlib import Path
from adtools.config import load_config
from adtools.forms import validate as validate_mod
from adtools.ledger.ingest import ingest

def hang(path, *a, **kw):
    import os
    Path(sys.argv[2]).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(3600)

validate_mod.validate_file = hang  # the forked worker runs this
ingest(load_config(sys.argv[1]))
"""


def test_a_killed_ingest_takes_its_workers_with_it(tmp_path):
    """A worker left reading after its ingest died would hold its memory (and the ingest's open files) for up to
    [intake] file_seconds: it dies with the ingest."""
    import signal
    import subprocess

    from tests._ledger_support import write_config_file
    from adtools.config import load_config

    cfg_path = write_config_file(tmp_path)
    cfg = load_config(cfg_path)
    write_timesheet(cfg, "a.xlsx")
    marker = tmp_path / "reading"
    script = tmp_path / "hanging_ingest.py"
    script.write_text(_HANGING_INGEST, encoding="utf-8")
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, str(script), str(cfg_path), str(marker)], env=env, cwd=repo)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the worker never started reading"
        time.sleep(0.05)
    worker = int(marker.read_text(encoding="utf-8"))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < gone:
        time.sleep(0.05)
    if _alive(worker):
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived its killed ingest")
    assert ingest(cfg, now=NOW).ingested == 1  # the next run finishes the work


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split()[2] != "Z"  # a zombie has ended
    except OSError:
        return False


def test_worker_results_come_back_with_values_and_cells_but_not_the_values_as_typed(tmp_path):
    """The ingest stores parsed values and cell addresses; the typed values (`raw`) stay in the worker."""
    from adtools.forms.validate import validate_file
    from adtools.ledger.workers import Task, check_files

    cfg = _config(tmp_path, workers=2)
    _two_good_one_bad(cfg)
    paths = sorted(p for w in cfg.watch_dirs for p in w.rglob("*.xlsx"))
    got = dict(check_files(cfg, [Task(i, p, None) for i, p in enumerate(paths)]))
    assert len(got) == len(paths) == 3
    for i, p in enumerate(paths):
        here = validate_file(p, cfg)
        back = got[i]
        assert (back.form_id, back.document_key, back.findings) == (here.form_id, here.document_key, here.findings)
        assert [(r.values, r.cells, r.row) for r in back.rows] == [(r.values, r.cells, r.row) for r in here.rows]
        assert all(r.raw == {} for r in back.rows) and any(r.raw for r in here.rows)
