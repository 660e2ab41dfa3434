"""The same ledger on PostgreSQL: exact money, decimals and date-times, and the advisory write lock.

A throw-away server is started with the machine's initdb/pg_ctl; the test is
skipped (with the reason) where PostgreSQL or the psycopg driver is not installed.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adtools.errors import LockedError
from adtools.ledger import frames
from adtools.ledger.store import Ledger

from tests._ledger_support import archive, form_result, make_config, source_for, timesheet

SH = ZoneInfo("Asia/Shanghai")


def _tool(name: str) -> str | None:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    return found


@pytest.fixture(scope="module")
def pg_url():
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed")
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed")
    base = Path(tempfile.mkdtemp(prefix="adtools-pg-"))  # not under pytest's root-only temp folder
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    kw: dict = {}
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server")
        for p in (base, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        kw = {"user": pw.pw_uid, "group": pw.pw_gid}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for cmd in ([initdb, "-D", str(data), "-U", "adtools", "--auth=trust", "-E", "UTF8", "--locale=C"],
                [pg_ctl, "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                 f"-p {port} -k {sock} -c listen_addresses=127.0.0.1", "start"]):
        done = subprocess.run(cmd, capture_output=True, text=True, **kw)
        if done.returncode:
            shutil.rmtree(base, ignore_errors=True)
            pytest.fail(f"{cmd[0]} failed: {done.stderr or done.stdout}")
    try:
        yield f"postgresql+psycopg://adtools@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, **kw)
        shutil.rmtree(base, ignore_errors=True)


MONEY = ["0.01", "0.10", "123456789.99", "99999999999.99", "1234.50", "0.00", "7.05"]


@pytest.mark.slow
def test_round_trip_and_as_of_on_postgresql(tmp_path, pg_url):
    cfg = make_config(tmp_path, paths={"watch": ["inbox"], "ledger": pg_url, "archive": "var/archive",
                                       "feedback": "var/feedback"})
    t0 = datetime(2026, 11, 3, 9, 0, tzinfo=SH)
    with Ledger.open(cfg) as led:
        header = {"campaign": "春季", "flight": "W1", "flight_start": date(2026, 3, 1), "flight_end": date(2026, 3, 31),
                  "scope": "national", "job_no": "HRFR-2026-001", "version": 1}
        rows = [{"media": "人民日报", "date": date(2026, 3, 2), "size": "整版", "colour": "colour", "gross": Decimal(m),
                 "discount": Decimal("0.125"), "net": Decimal(m), "status": "planned"} for m in MONEY]
        src = source_for(cfg, "ms.xlsx", b"ms")
        led.store_version(form_result("media_schedule", header, rows), src, now=t0, archive_path=archive(cfg, src))
        df = frames.rows(led, "media_schedule")
        assert [str(v) for v in df["gross"]] == MONEY
        assert set(df["discount"]) == {Decimal("0.125")} and all(type(v) is Decimal for v in df["discount"])

        start = datetime(2026, 11, 3, 14, 30)
        src = source_for(cfg, "min.xlsx", b"min")
        led.store_version(form_result("minutes", {"title": "提案会", "meeting_start": start, "meeting_end": start,
                                                  "attendees": "张伟", "prepared_by": "李娜"}, [{"item": "改稿"}]),
                          src, now=t0, archive_path=archive(cfg, src))
        m = frames.documents(led, "minutes")
        assert str(m["meeting_start"].dtype) == "datetime64[ns, Asia/Shanghai]"
        assert m["meeting_start"].iloc[0].isoformat() == "2026-11-03T14:30:00+08:00"

        for i, (hours, content) in enumerate([(["7.25"], b"1"), (["0.5"], b"2")]):
            src = source_for(cfg, f"ts{i}.xlsx", content)
            led.store_version(timesheet(hours=hours), src, now=t0 + timedelta(days=2 * i), archive_path=archive(cfg, src))
        assert list(frames.rows(led, "timesheet", as_of=date(2026, 11, 4))["hours"]) == [Decimal("7.25")]
        assert list(frames.rows(led, "timesheet")["hours"]) == [Decimal("0.5")]
        assert led.verify() == []

        other = Ledger.open(cfg)
        with led.lock():
            with pytest.raises(LockedError, match="PostgreSQL advisory lock"):
                with other.lock():
                    pass
        with other.lock():
            pass
        other.close()
