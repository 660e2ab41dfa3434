"""A read-only or locked ledger gives one bilingual line (no traceback) and recovers once fixed."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from adtools.cli import main
from adtools.config import load_config
from adtools.ledger import db as db_mod
from adtools.ledger.db import sqlite_path
from adtools.ledger.ingest import ingest as ingest_files
from tests._ledger_support import write_config_file, write_timesheet

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SH)


def _read_only(path):
    """Make the file unwritable even for root (chattr +i) or by its mode; None when neither works here."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
            return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)
        return None
    mode = path.stat().st_mode
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    return lambda: os.chmod(path, mode)


def test_a_read_only_ledger_is_one_bilingual_line_and_recovers(tmp_path):
    cfg_path = write_config_file(tmp_path)
    cfg = load_config(cfg_path)
    write_timesheet(cfg, "张伟.xlsx")
    ingest_files(cfg, now=NOW)
    ledger = sqlite_path(cfg.ledger_url)
    write_timesheet(cfg, "李娜.xlsx", staff="李娜")
    undo = _read_only(ledger)
    if undo is None:
        pytest.skip("cannot make a file read-only here (root without chattr)")
    try:
        res = CliRunner().invoke(main, ["--config", str(cfg_path), "ingest"])
    finally:
        undo()
    assert res.exit_code == 1
    assert "Traceback" not in res.output and "sqlalchemy" not in res.output.lower().replace("sqlalchemy.exc", "")
    line = [l for l in res.output.splitlines() if "错误 Error" in l]
    assert line and "台账文件为只读" in res.output and "read-only" in res.output, res.output
    res = CliRunner().invoke(main, ["--config", str(cfg_path), "ingest", "--json"])
    assert res.exit_code == 0 and '"ingested": 1' in res.output, res.output


def test_side_files_left_read_only_get_the_ledgers_permissions_back(tmp_path, monkeypatch):
    ledger = tmp_path / "ledger.sqlite"
    ledger.write_bytes(b"x")
    shm = tmp_path / "ledger.sqlite-shm"
    shm.write_bytes(b"")
    os.chmod(shm, stat.S_IRUSR)
    # root may write anything: judge by the mode bits, as an ordinary account would meet them
    monkeypatch.setattr(db_mod.os, "access", lambda p, m: bool(os.stat(p).st_mode & stat.S_IWUSR))
    db_mod._match_side_files(ledger)
    assert os.stat(shm).st_mode & stat.S_IWUSR
