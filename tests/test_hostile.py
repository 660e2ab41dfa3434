"""Issue #17's "done when": one hostile file of each class beside the demo's workbooks.

One ingest stores every good file, refuses each bad one with its reason (the author told,
the feedback copy safe to open), skips what is not a regular file without opening it, and
the next ingest repeats nothing.  The rejection mails then go out on the file transport.
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from adtools import clock
from adtools.config import load_config
from adtools.demo import run_demo
from adtools.ledger.store import Ledger
from adtools.tasks import ingest
from tests._ledger_support import write_timesheet
from tests.hostile import ZIP_BOMB_LIMIT_MB, deliver_all, make_hostile

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SH)


@pytest.fixture()
def workspace(tmp_path):
    """The demo's config and inbox (its workbooks, not its ledger), with a small unzip limit and no settle time."""
    root = tmp_path / "ws"
    with clock.pinned(NOW):
        run_demo(root, today=TODAY)
    shutil.rmtree(root / "var")
    text = (root / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^max_unzipped_mb = \d+", f"max_unzipped_mb = {ZIP_BOMB_LIMIT_MB}", text)
    text = re.sub(r"(?m)^settle_seconds = \d+", "settle_seconds = 0", text)
    (root / "config.toml").write_text(text, encoding="utf-8")
    return load_config(root / "config.toml")


def test_one_hostile_file_of_each_class_never_stops_the_good_ones(workspace):
    cfg = workspace
    watch = cfg.watch_dirs[0]
    good = sorted(p for p in watch.rglob("*.xlsx"))
    extra = watch / "hostile"
    ts = write_timesheet(cfg, "hostile/ts-a.xlsx", staff="李娜", week=date(2026, 8, 3), hours=("8",))
    other = write_timesheet(cfg, "hostile/ts-b.xlsx", staff="李娜", week=date(2026, 8, 10), hours=("6",))
    hostile = make_hostile(cfg, extra, timesheet=ts, other_timesheet=other)
    good.append(other)

    with clock.pinned(NOW):
        first = ingest(cfg, now=NOW)
    by_path = {f.path: f for f in first.files}
    for p in good:
        assert by_path[str(p)].status == "ingested", by_path[str(p)]
    for h in hostile:
        out = by_path[str(extra).rstrip("/") + "/" + h.display]
        assert out.status == h.status, (h, out)
        assert h.reason in (out.reason or ""), (h, out)
    assert first.rejected == sum(h.status == "rejected" for h in hostile)
    assert first.notices_queued == sum(h.notify for h in hostile) and first.notices_pending == 0

    # the feedback copies: A1 is text, no raw control character, the bomb not annotated (never loaded)
    feedback = sorted(cfg.feedback_dir.rglob("*.xlsx"))
    assert len(feedback) == sum(h.status == "rejected" for h in hostile)
    for path in feedback:
        wb = load_workbook(path)
        a1 = wb["错误 Errors"]["A1"]
        assert a1.data_type == "s", a1.value  # text: a formula would read back as "f"
        assert "\x07" not in str(a1.value)
        with zipfile.ZipFile(path) as zf:  # and no formula anywhere in the copy
            assert not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
        if path.name.startswith("zip bomb"):
            assert wb.sheetnames == ["错误 Errors"]
    bell = next(p for p in feedback if p.name.startswith("bell"))
    assert "bell\\x07name.xlsx" in load_workbook(bell)["错误 Errors"]["A1"].value

    # the non-UTF-8 name is stored as its bytes' escape
    with Ledger.open(cfg) as led:
        states = [s for path, s in led.file_states().items() if "\\xff\\xfe" in path]
        assert [s.status for s in states] == ["ingested"] * (os.name == "posix")

    # the next ingest repeats nothing: no file read again, no notice again
    with clock.pinned(NOW + timedelta(hours=1)):
        again = ingest(cfg, now=NOW + timedelta(hours=1))
    assert (again.ingested, again.rejected, again.notices_queued) == (0, 0, 0), again.to_json()
    skipped = {f.path for f in again.files if f.status == "skipped"}
    assert skipped == {str(extra) + "/" + h.display for h in hostile if h.status == "skipped"}

    # the notices are delivered (file transport): one line subjects, attachment names without a break
    assert len(deliver_all(cfg, NOW + timedelta(hours=2))) == sum(h.notify for h in hostile)
