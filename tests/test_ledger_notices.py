"""The rejection mail: whom it goes to, what it says, and that it is queued once per file version."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


from adtools.errors import Finding
from adtools import tasks
from adtools.ledger.ingest import recipients_for
from adtools.reports.rejection import RejectionNotice, rejection_notice
from adtools.ledger.store import Ledger

from tests._ledger_support import make_config, source_for, timesheet

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_recipients_author_alias_else_account_team(tmp_path):
    cfg = make_config(tmp_path)
    assert recipients_for(cfg, "李娜") == ["li.na@agency.example"]
    assert recipients_for(cfg, "ZWEI") == ["zhang.wei@agency.example"]  # alias, case ignored
    team = ["zhang.wei@agency.example", "wang.fang@agency.example"]
    assert recipients_for(cfg, "Administrator") == team
    assert recipients_for(cfg, None) == team
    bare = make_config(tmp_path / "b", people=[])
    assert recipients_for(bare, "x") == [bare.mail.sender]


def _rejected(led, cfg, rel="ts/张伟.xlsx", content=b"bad"):
    bad = timesheet()
    bad.findings.append(Finding("error", "max", "不得超过 24 小时", "must not exceed 24 hours",
                                file="张伟.xlsx", sheet="工时表", cell="D8", field="hours", value="30"))
    src = source_for(cfg, rel, content)
    to = recipients_for(cfg, bad.author)
    return led.reject_version(bad, src, now=T0, reason="工时表!D8: 不得超过 24 小时 / must not exceed 24 hours", notify_to=to)


def test_notice_names_the_cell_in_both_languages(tmp_path):
    cfg = make_config(tmp_path)
    with Ledger.open(cfg) as led:
        doc = led.document(_rejected(led, cfg))
        n = rejection_notice(cfg, doc, led.findings_of(doc.id), led.notify_to(doc.id))
    assert n.to == ("zhang.wei@agency.example",)
    assert n.key == f"ingest-rejected:{doc.sha256}"
    assert "张伟.xlsx" in n.subject and "not accepted" in n.subject and "\n" not in n.subject
    assert "工时表!D8: 不得超过 24 小时 / must not exceed 24 hours (30)" in n.text
    # each problem is told once (the version's one-line reason repeats the first error: not printed again)
    assert n.text.count("不得超过 24 小时") == 1 and n.html.count("不得超过 24 小时") == 1
    assert ">工时表!D8</td>" in n.html and ">30</td>" in n.html  # the cell and the value found, in the table
    assert "<style" not in n.html and "Workbook not accepted" in n.html  # inline styles only (Outlook), bilingual
    assert n.attachments == ()  # no feedback workbook recorded for this one


def test_pending_until_the_outbox_exists_then_once(tmp_path, monkeypatch):
    cfg = make_config(tmp_path)
    with Ledger.open(cfg) as led:
        doc_id = _rejected(led, cfg)
        sent: list[RejectionNotice] = []
        monkeypatch.setattr(tasks, "_queue_notice", lambda c, l, n, now: False)
        assert tasks.send_pending_notices(cfg, led, now=T0) == (0, 1)
        monkeypatch.setattr(tasks, "_queue_notice", lambda c, l, n, now: sent.append(n) or True)
        assert tasks.send_pending_notices(cfg, led, now=T0) == (1, 0)
        assert tasks.send_pending_notices(cfg, led, now=T0) == (0, 0)
        assert [n.key for n in sent] == [f"ingest-rejected:{led.document(doc_id).sha256}"]


def test_queued_in_the_mail_outbox_once_per_file_version(tmp_path):
    from adtools.mail import list_messages

    cfg = make_config(tmp_path)
    with Ledger.open(cfg) as led:
        doc_id = _rejected(led, cfg)
        assert tasks.send_pending_notices(cfg, led, now=T0) == (1, 0)
        # the same version rejected again (a conflict still open) is not told twice
        _rejected(led, cfg)
        assert tasks.send_pending_notices(cfg, led, now=T0) == (0, 0)
        sha = led.document(doc_id).sha256
        outbox = list_messages(cfg, led.engine)
    assert [(m.key, m.recipients, m.state) for m in outbox] == [
        (f"ingest-rejected:{sha}", ("zhang.wei@agency.example",), "queued")
    ]
    assert "张伟.xlsx" in outbox[0].subject


def test_a_notice_the_outbox_refuses_stays_pending(tmp_path):
    cfg = make_config(tmp_path)
    with Ledger.open(cfg) as led:
        doc = led.document(_rejected(led, cfg))
        n = rejection_notice(cfg, doc, led.findings_of(doc.id), ["not an address"])
        assert tasks._queue_notice(cfg, led, n, now=T0) is False
