"""Files adtools writes on the shared drive are readable by the group, as a file a person saves there."""
from __future__ import annotations

import os
import stat
from datetime import datetime, timezone

import pytest

from adtools.sharing import make_shared, shared_mode

pytestmark = pytest.mark.skipif(os.name == "nt", reason="on Windows the folder's ACLs decide; chmod means nothing")


@pytest.fixture
def group_umask():
    old = os.umask(0o002)  # a shared group folder's usual setting
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_shared_mode_follows_the_umask(group_umask, tmp_path):
    assert shared_mode() == 0o664
    p = tmp_path / "x"
    fd = os.open(p, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    make_shared(p)
    assert _mode(p) == 0o664
    os.umask(0o022)
    make_shared(p)
    assert _mode(p) == 0o644


def test_a_report_workbook_is_group_readable(group_umask, tmp_path):
    from adtools.reports.xlsx import ReportWorkbook

    book = ReportWorkbook(tmp_path / "reports" / "收费清单.xlsx", title="t")
    book.wb.add_worksheet("a")
    path = book.close()
    assert _mode(path) == 0o664
    assert not list(path.parent.glob(".tmp-*"))


def test_a_file_outbox_message_is_group_readable(group_umask, tmp_path):
    from adtools.mail import Message, flush, open_outbox, queue
    from adtools.config import config_from_dict

    c = config_from_dict({"paths": {"outbox": "outbox", "ledger": "ledger.sqlite"},
                          "mail": {"transport": "file", "sender": "adtools@agency.example"}}, base_dir=tmp_path)
    engine = open_outbox(c)
    now = datetime(2026, 11, 26, 4, 0, tzinfo=timezone.utc)
    queue(c, engine, Message(sender="adtools@agency.example", to=("a@agency.example",), subject="s", text="t",
                             html="<p>t</p>"), "k1", now=now)
    flush(c, engine, now=now)
    (eml,) = c.outbox_dir.glob("*.eml")
    assert _mode(eml) == 0o664


def test_a_feedback_copy_is_group_readable(group_umask, tmp_path):
    from adtools.errors import ERROR, Finding
    from adtools.forms.feedback import write_feedback
    from adtools.forms.schema import FormResult

    bad = tmp_path / "old.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    out = write_feedback(FormResult(path=bad, findings=[Finding(ERROR, "xls", "请另存为 .xlsx", "save it as .xlsx")]),
                         tmp_path / "fb")
    assert _mode(out) == 0o664 and not list(out.parent.glob(".*.tmp"))
