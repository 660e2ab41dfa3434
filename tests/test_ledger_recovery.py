"""Tell, don't hide: archive copies missing or altered, a ledger that vanished, and the rebuild."""
from __future__ import annotations

import os
import shutil
import stat
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from adtools.cli import main
from adtools.errors import LedgerError
from adtools.ledger.db import sqlite_path
from adtools.ledger.ingest import ingest as ingest_files
from adtools.ledger.store import Ledger
from adtools.mail import open_outbox
from tests._ledger_support import write_config_file, write_timesheet, write_work_order

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SH)


@pytest.fixture()
def ws(tmp_path):
    cfg_path = write_config_file(tmp_path)
    from adtools.config import load_config
    cfg = load_config(cfg_path)
    write_timesheet(cfg, "张伟.xlsx")
    write_timesheet(cfg, "李娜.xlsx", staff="李娜")
    write_work_order(cfg, "WO.xlsx")
    assert ingest_files(cfg, now=NOW).ingested == 3
    return cfg, cfg_path


def _verify(cfg_path, *args):
    return CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "verify", *args])


def test_a_removed_archive_is_noticed_by_ingest_and_verify_restores_what_it_can(ws):
    cfg, cfg_path = ws
    assert _verify(cfg_path).exit_code == 0
    for p in cfg.archive_dir.rglob("*"):
        if p.is_file():
            os.chmod(p, stat.S_IWUSR | stat.S_IRUSR)
    shutil.rmtree(cfg.archive_dir)
    again = ingest_files(cfg, now=NOW + timedelta(hours=1))
    assert again.unchanged == 3 and again.archive_missing == 3
    res = _verify(cfg_path)
    assert res.exit_code == 1 and res.output.count("missing") >= 3 and "--repair" in res.output
    (cfg.watch_dirs[0] / "WO.xlsx").unlink()  # this original is gone: only a backup can restore its copy
    res = _verify(cfg_path, "--repair")
    assert res.exit_code == 1 and "2 archive copies copied again" in res.output and "restore it from a backup" in res.output
    assert ingest_files(cfg, now=NOW + timedelta(hours=2)).archive_missing == 1


def test_an_altered_archive_copy_is_found_by_its_sha256(ws):
    cfg, cfg_path = ws
    copy = next(p for p in cfg.archive_dir.rglob("*.xlsx"))
    os.chmod(copy, stat.S_IWUSR | stat.S_IRUSR)
    copy.write_bytes(copy.read_bytes() + b"tampered")
    res = _verify(cfg_path, "--json")
    assert res.exit_code == 1 and '"problem": "altered"' in res.output
    assert _verify(cfg_path, "--quick").exit_code == 0  # existence only
    assert _verify(cfg_path, "--repair").exit_code == 0  # its original is unchanged: copied again


@pytest.mark.parametrize("how", ["removed", "emptied"])
def test_a_vanished_ledger_is_refused_and_rebuilt_from_the_archive_on_request(ws, how):
    cfg, cfg_path = ws
    ledger = sqlite_path(cfg.ledger_url)
    for p in ledger.parent.glob(ledger.name + "*"):
        p.unlink()
    if how == "emptied":
        ledger.write_bytes(b"")
    def scheduler():
        from adtools.scheduler import Scheduler

        with Scheduler(cfg).open(now=NOW):
            pass

    for opener in (lambda: ingest_files(cfg, now=NOW), lambda: Ledger.open(cfg), lambda: open_outbox(cfg), scheduler):
        with pytest.raises(LedgerError, match="adtools ledger rebuild"):
            opener()
    assert not ledger.exists() or ledger.stat().st_size == 0  # nothing was started over
    res = CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "rebuild"])
    assert res.exit_code == 0, res.output
    assert "3 versions" in res.output
    again = ingest_files(cfg, now=NOW + timedelta(hours=1))
    assert (again.ingested, again.unchanged, again.duplicate) == (0, 3, 0), again.to_json()
    with Ledger.open(cfg) as led:
        assert led.verify() == []
        assert sorted(d.rel_path for d in led.history("张伟|2026-11-02")) == ["张伟.xlsx"]
    res = CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "rebuild"])
    assert res.exit_code == 1 and "exists" in res.output
