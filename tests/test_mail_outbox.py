"""The outbox in the ledger database, with the file transport: idempotency, .eml output, crash recovery, listing."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select

from adtools.config import config_from_dict
from adtools.errors import InputError, MailError
from adtools.ledger.db import migrate, open_engine, schema_version
from adtools.mail import MailKey, Message, flush, list_messages, message_bytes, queue, requeue
from adtools.tasks import queue_report
from adtools.mail.file import FileTransport
from adtools.mail.outbox import messages
from adtools.reports.base import ReportResult

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
SENDER = "account.haier@agency.example"


@pytest.fixture
def cfg(tmp_path):
    return config_from_dict(
        {"mail": {"transport": "file", "sender": SENDER, "recipients": {"weekly": ["client.pm@client.example", "Li.Na@agency.example"]}}},
        base_dir=tmp_path,
    )


@pytest.fixture
def engine(cfg):
    e = open_engine(cfg.ledger_url)
    migrate(e)
    return e


def weekly_result(tmp_path, period="2026-11-27", html="<p>进行中 In progress: 12</p>"):
    book = tmp_path / "reports" / f"周报 Weekly {period}.xlsx"
    book.parent.mkdir(exist_ok=True)
    book.write_bytes(b"PK\x03\x04" + period.encode() + bytes(range(256)))
    return ReportResult(
        key="weekly",
        period=period,
        title_zh="工作进展",
        title_en="Weekly progress",
        subject=f"【周报 Weekly】海尔冰箱 工作进展 截至 {period}",
        data={},
        html=html,
        text="进行中 In progress: 12",
        files=(book,),
    )


def count(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(messages)).scalar()


def test_the_outbox_is_a_numbered_ledger_migration(engine):
    with engine.connect() as conn:
        versions = set(conn.execute(select(schema_version.c.version)).scalars())
    assert 100 in versions
    assert "mail_messages" in inspect(engine).get_table_names()
    assert migrate(engine) >= 100  # running it again changes nothing


def test_queuing_the_same_report_twice_queues_it_once(cfg, engine, tmp_path):
    first = queue_report(cfg, engine, weekly_result(tmp_path), now=NOW)
    again = queue_report(cfg, engine, weekly_result(tmp_path), now=NOW + timedelta(hours=1))

    assert first.queued and not again.queued and again.id == first.id
    assert first.key == "weekly|2026-11-27|client.pm@client.example,li.na@agency.example"
    assert count(engine) == 1
    # the key ignores the order and case of the recipients
    msg = Message(sender=SENDER, to=["LI.NA@agency.example", "client.pm@client.example"], subject="x", html="", text="")
    assert not queue(cfg, engine, msg, MailKey.of("weekly", "2026-11-27", msg.recipients), now=NOW).queued
    # another period is another message
    assert queue_report(cfg, engine, weekly_result(tmp_path, "2026-12-04"), now=NOW).queued
    assert count(engine) == 2


def test_force_replaces_a_waiting_copy_and_resends_a_sent_one(cfg, engine, tmp_path):
    first = queue_report(cfg, engine, weekly_result(tmp_path, html="<p>12</p>"), now=NOW)
    token = list_messages(cfg, engine)[0].token
    corrected = queue_report(cfg, engine, weekly_result(tmp_path, html="<p>13</p>"), force=True, now=NOW)
    assert corrected.queued and corrected.id == first.id and count(engine) == 1
    assert list_messages(cfg, engine)[0].token != token
    assert b"<p>13</p>" in message_bytes(engine, first.id)

    flush(cfg, engine, now=NOW)
    again = queue_report(cfg, engine, weekly_result(tmp_path, html="<p>13</p>"), force=True, now=NOW + timedelta(days=1))
    assert again.queued and again.id != first.id and count(engine) == 2
    assert flush(cfg, engine, now=NOW + timedelta(days=1)).sent == (again.id,)
    assert len(list(cfg.outbox_dir.glob("*.eml"))) == 2


def test_a_report_without_recipients_is_refused_naming_the_key(tmp_path):
    cfg = config_from_dict({"mail": {"recipients": {"weekly": []}}}, base_dir=tmp_path)
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    with pytest.raises(MailError, match=r"\[mail.recipients\]"):
        queue_report(cfg, engine, weekly_result(tmp_path), now=NOW)


def test_the_file_transport_writes_one_eml_that_the_email_package_reads(cfg, engine, tmp_path):
    result = weekly_result(tmp_path)
    q = queue_report(cfg, engine, result, now=NOW)
    for path in result.files:
        path.unlink()  # the report files may go: the outbox keeps the whole message

    flushed = flush(cfg, engine, now=NOW)

    assert flushed.sent == (q.id,) and flushed.ok
    (eml,) = cfg.outbox_dir.iterdir()  # and no temporary file left behind
    token = list_messages(cfg, engine)[0].token
    assert re.fullmatch(rf"20261130-090000_weekly-2026-11-27-{token[:8]}\.eml", eml.name)
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Subject"] == result.subject and msg["X-Adtools-Token"] == token
    assert msg["To"] == "client.pm@client.example, Li.Na@agency.example"
    assert msg.get_body(("html",)).get_content().strip() == result.html
    (att,) = msg.iter_attachments()
    assert att.get_filename() == "周报 Weekly 2026-11-27.xlsx"
    assert att.get_content() == b"PK\x03\x04" + b"2026-11-27" + bytes(range(256))
    assert eml.read_bytes() == message_bytes(engine, q.id)
    entry = list_messages(cfg, engine)[0]
    assert (entry.state, entry.provider_id, entry.sent_at) == ("sent", eml.name, NOW)
    # a second flush has nothing to do
    assert flush(cfg, engine, now=NOW + timedelta(minutes=5)).outcomes == ()
    assert len(list(cfg.outbox_dir.iterdir())) == 1


class Crash(BaseException):
    """The process dies in the middle of a send."""


class WrittenThenCrash(FileTransport):
    def send(self, item):
        super().send(item)
        raise Crash()


class CrashBeforeWriting(FileTransport):
    def send(self, item):
        raise Crash()


@pytest.mark.parametrize("crashing, files_written", [(WrittenThenCrash, 1), (CrashBeforeWriting, 0)])
def test_a_send_cut_short_by_a_crash_is_delivered_exactly_once(cfg, engine, tmp_path, crashing, files_written):
    q = queue_report(cfg, engine, weekly_result(tmp_path), now=NOW)
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW, transport=crashing(cfg, now=lambda: NOW))
    assert list_messages(cfg, engine)[0].state == "sending"
    assert len(list(cfg.outbox_dir.glob("*.eml"))) == files_written

    # within the lease another flush may still be sending it: left alone
    assert flush(cfg, engine, now=NOW + timedelta(seconds=30)).outcomes == ()
    later = NOW + timedelta(seconds=FileTransport.lease_seconds(cfg) + 1)
    result = flush(cfg, engine, now=later)

    assert (result.recovered, result.sent) == (((q.id,), ()) if files_written else ((), (q.id,)))
    assert len(list(cfg.outbox_dir.glob("*.eml"))) == 1
    assert list_messages(cfg, engine)[0].state == "sent"


def test_list_is_newest_first_with_aware_times_and_json_ready(cfg, engine, tmp_path):
    first = queue_report(cfg, engine, weekly_result(tmp_path), now=NOW)
    flush(cfg, engine, now=NOW + timedelta(minutes=5))
    second = queue_report(cfg, engine, weekly_result(tmp_path, "2026-12-04"), now=NOW + timedelta(days=7))

    entries = list_messages(cfg, engine)
    assert [e.id for e in entries] == [second.id, first.id]
    assert [e.id for e in list_messages(cfg, engine, state="sent")] == [first.id]
    data = json.loads(json.dumps([e.to_dict() for e in entries], ensure_ascii=False))
    assert data[1]["sent_at"] == "2026-11-30T09:05:00+08:00" and data[1]["created_at"] == "2026-11-30T09:00:00+08:00"
    assert data[0]["next_attempt_at"] == "2026-12-07T09:00:00+08:00" and data[0]["state"] == "queued"
    assert data[0]["recipients"] == ["client.pm@client.example", "Li.Na@agency.example"]
    with pytest.raises(InputError, match="queued, sending, sent, failed"):
        list_messages(cfg, engine, state="lost")


def test_times_without_a_zone_are_refused(cfg, engine, tmp_path):
    with pytest.raises(InputError, match="time zone"):
        flush(cfg, engine, now=datetime(2026, 11, 30, 9, 0))


def test_failed_mail_can_be_put_back_in_the_queue(tmp_path, monkeypatch):
    cfg = config_from_dict(
        {"mail": {"transport": "smtp", "max_attempts": 1, "smtp": {"host": "127.0.0.1", "port": 9, "timeout_seconds": 2}}},
        base_dir=tmp_path,
    )
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    q = queue_report(cfg, engine, weekly_result(tmp_path), now=NOW)
    # nothing listens on port 9: a server that is down never makes a message give up, even at max_attempts
    down = flush(cfg, engine, now=NOW)
    assert down.failed == () and list_messages(cfg, engine)[0].state == "queued"
    assert list_messages(cfg, engine)[0].next_attempt_at == NOW + timedelta(seconds=cfg.mail.retry_base_seconds)

    from adtools.mail.smtp import SmtpTransport
    from adtools.mail.transport import DeliveryError

    def refuse(self, item):
        raise DeliveryError("550 5.1.1 recipient unknown", transient=False)

    monkeypatch.setattr(SmtpTransport, "send", refuse)  # the message itself is refused: it fails
    assert flush(cfg, engine, now=NOW + timedelta(hours=1)).failed == (q.id,)
    monkeypatch.undo()

    with pytest.raises(InputError, match="999"):
        requeue(cfg, engine, [q.id, 999], now=NOW)
    assert list_messages(cfg, engine)[0].state == "failed"  # all or nothing

    assert requeue(cfg, engine, now=NOW + timedelta(hours=1)) == [q.id]
    entry = list_messages(cfg, engine)[0]
    assert (entry.state, entry.attempts, entry.next_attempt_at) == ("queued", 0, NOW + timedelta(hours=1))


def test_limit_caps_the_messages_tried_oldest_due_first(cfg, engine, tmp_path):
    first = queue_report(cfg, engine, weekly_result(tmp_path, "2026-11-27"), now=NOW)
    second = queue_report(cfg, engine, weekly_result(tmp_path, "2026-12-04"), now=NOW + timedelta(minutes=1))

    assert flush(cfg, engine, now=NOW + timedelta(minutes=2), limit=1).sent == (first.id,)
    assert flush(cfg, engine, now=NOW + timedelta(minutes=2), limit=1).sent == (second.id,)
