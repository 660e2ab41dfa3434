"""A full disk (a real tmpfs of 4 MB): nothing is refused for it, nothing is lost, the next run finishes.

Needs root to mount tmpfs (as in CI's container); skipped elsewhere.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adtools.errors import LedgerError
from adtools.ledger.recovery import check_archive
from adtools.ledger.store import Ledger
from adtools.tasks import ingest
from tests._ledger_support import make_config, write_timesheet

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SH)
STAFF = ["张伟", "李娜", "王芳"]


def _can_mount() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount")


pytestmark = pytest.mark.skipif(not _can_mount(), reason="mounting a tmpfs needs root on Linux")


@pytest.fixture()
def small_disk(tmp_path):
    """A folder on its own 4 MB tmpfs; unmounted afterwards."""
    where = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"tmpfs not mountable here: {done.stderr.decode(errors='replace')}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill(disk: Path) -> Path:
    """Fill the disk to the last block; the filler file is returned (delete it to free the space)."""
    filler = disk / "filler.bin"
    with filler.open("wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


def _timesheets(cfg, n: int = 6) -> None:
    for i in range(n):
        write_timesheet(cfg, f"{i:02d}.xlsx", staff=STAFF[i % 3], week=date(2026, 11, 2 + 7 * (i // 3)),
                        hours=[str(i + 1)])


def test_a_full_archive_disk_refuses_nothing_and_the_next_run_stores_everything(tmp_path, small_disk):
    cfg = make_config(tmp_path, paths={"watch": ["inbox"], "ledger": "var/ledger.sqlite", "feedback": "var/feedback",
                                       "archive": str(small_disk / "archive"), "outbox": "var/outbox",
                                       "reports": "var/reports"})
    _timesheets(cfg)
    (small_disk / "archive").mkdir()
    filler = _fill(small_disk)
    s = ingest(cfg, now=NOW)
    assert s.ingested == 0 and s.rejected == 0 and s.skipped == 6, "the files are not to blame: nobody is told off"
    assert all("archive copy could not be written" in f.reason for f in s.files)
    assert s.notices_queued == 0
    with Ledger.open(cfg) as led:
        assert led.verify() == []
    filler.unlink()  # space freed: the next scan finishes the work
    again = ingest(cfg, now=NOW.replace(hour=10))
    assert again.ingested == 6
    with Ledger.open(cfg) as led:
        assert led.verify() == [] and check_archive(cfg, led) == []
    assert not any((small_disk / "archive" / ".staging").glob("*.tmp"))


def test_a_full_ledger_disk_gives_one_clear_line_and_recovers(tmp_path, small_disk):
    cfg = make_config(tmp_path, paths={"watch": ["inbox"], "ledger": str(small_disk / "ledger.sqlite"),
                                       "feedback": "var/feedback", "archive": "var/archive", "outbox": "var/outbox",
                                       "reports": "var/reports"})
    _timesheets(cfg, 3)
    assert ingest(cfg, now=NOW).ingested == 3
    _timesheets(cfg, 6)  # three new files, and the first three saved again with new content
    for i in range(3):
        write_timesheet(cfg, f"{i:02d}.xlsx", staff=STAFF[i % 3], week=date(2026, 11, 2), hours=["9", "9"])
    filler = _fill(small_disk)
    try:
        s = ingest(cfg, now=NOW.replace(hour=10))
    except LedgerError as exc:  # the run could not even be recorded: one bilingual line naming the cause
        assert "磁盘已满" in str(exc) and "disk is full" in str(exc)
    else:  # the run was recorded, but nothing could be stored: every file waits for the next run, none refused
        assert (s.ingested, s.rejected, s.skipped) == (0, 0, 6)
    filler.unlink()
    again = ingest(cfg, now=NOW.replace(hour=11))
    assert again.rejected == 0
    with Ledger.open(cfg) as led:
        assert led.verify() == []
        assert check_archive(cfg, led) == []
        current = [d for d in led.history("张伟|2026-11-02") if d.status == "current"]
        assert len(current) == 1 and current[0].version == 2
    third = ingest(cfg, now=NOW.replace(hour=12))
    assert third.ingested == 0 and third.unchanged == 6
