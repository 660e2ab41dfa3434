"""`adtools mail …` through Click's CliRunner, checked through the library afterwards."""
from __future__ import annotations

import json
from unittest.mock import patch

import pytest
from click.testing import CliRunner

from adtools.cli import main
from adtools.cli._common import AppContext
from adtools.cli.mail import mail_group
from adtools.config import config_from_dict
from adtools.mail import MailKey, Message, list_messages, open_outbox, queue


def invoke(cfg, *args):
    """`adtools mail ARGS` through the real command line, with `cfg` as the loaded config."""
    with patch.object(AppContext, "config", property(lambda self: cfg)):
        return CliRunner().invoke(main, ["mail", *args])


def queue_one(cfg, period="2026-11-27"):
    engine = open_outbox(cfg)
    message = Message(
        sender=cfg.mail.sender,
        to=["client.pm@client.example"],
        subject=f"【周报 Weekly】海尔冰箱 工作进展 截至 {period}",
        html="<p>x</p>",
        text="x",
    )
    # queued at the wall-clock time, as `adtools mail flush` sends what is due by the wall clock
    return engine, queue(cfg, engine, message, MailKey.of("weekly", period, message.recipients)).id


@pytest.fixture
def cfg(tmp_path):
    return config_from_dict({"mail": {"transport": "file"}}, base_dir=tmp_path)


def test_flush_json_prints_only_json_and_the_outbox_records_it(cfg):
    engine, mid = queue_one(cfg)

    result = invoke(cfg, "flush", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["transport"], data["sent"], data["ok"]) == ("file", 1, True)
    assert data["messages"][0]["id"] == mid and data["messages"][0]["outcome"] == "sent"
    assert list_messages(cfg, engine)[0].state == "sent"
    assert len(list(cfg.outbox_dir.glob("*.eml"))) == 1


def test_list_shows_state_attempts_and_subject(cfg):
    queue_one(cfg)
    invoke(cfg, "flush")
    queue_one(cfg, "2026-12-04")

    human = invoke(cfg, "list")
    assert human.exit_code == 0
    lines = human.stdout.splitlines()
    assert lines[0].startswith("#2 queued  0/6 ") and "截至 2026-12-04" in lines[0]
    assert lines[1].startswith("#1 sent    1/6 ") and "client.pm@client.example" in lines[1]

    data = json.loads(invoke(cfg, "list", "--json", "--state", "sent").stdout)
    assert [d["id"] for d in data] == [1]
    assert "empty" in invoke(cfg, "list", "--state", "failed").stdout


def test_failed_flush_exits_non_zero_and_retry_requeues(tmp_path, monkeypatch):
    cfg = config_from_dict(
        {"mail": {"transport": "smtp", "max_attempts": 1, "smtp": {"host": "127.0.0.1", "port": 9, "timeout_seconds": 2}}},
        base_dir=tmp_path,
    )
    engine, mid = queue_one(cfg)

    down = invoke(cfg, "flush", "--json")  # nothing listens on port 9: the flush fails, the message waits
    assert down.exit_code == 1 and json.loads(down.stdout)["failed"] == 0
    assert list_messages(cfg, engine)[0].state == "queued"

    from adtools.mail.smtp import SmtpTransport
    from adtools.mail.transport import DeliveryError

    def refuse(self, item):
        raise DeliveryError("554 5.7.1 message refused", transient=False)

    monkeypatch.setattr(SmtpTransport, "send", refuse)  # the message itself is refused: it fails
    monkeypatch.setenv("ADTOOLS_NOW", "2026-11-26T13:00+08:00")  # after its back-off
    flushed = invoke(cfg, "flush", "--json")
    assert flushed.exit_code == 1 and json.loads(flushed.stdout)["failed"] == 1

    wrong = invoke(cfg, "retry", "999")
    assert wrong.exit_code == 1 and "999" in wrong.output and "adtools mail list --state failed" in wrong.output

    retried = invoke(cfg, "retry", "--json")
    assert retried.exit_code == 0 and json.loads(retried.stdout) == {"requeued": [mid]}
    assert list_messages(cfg, engine)[0].state == "queued"


def test_test_reports_the_transport_without_sending(cfg):
    result = invoke(cfg, "test", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["server"] == str(cfg.outbox_dir)
    assert list(cfg.outbox_dir.iterdir()) == []


def test_a_library_error_becomes_a_clean_message(tmp_path, monkeypatch):
    monkeypatch.delenv("ADTOOLS_EXCHANGE_PASSWORD", raising=False)
    cfg = config_from_dict({"mail": {"transport": "exchange", "exchange": {"username": "AGENCY\\svc"}}}, base_dir=tmp_path)
    result = invoke(cfg, "test")
    assert result.exit_code == 1
    assert "错误 Error: " in result.output and "ADTOOLS_EXCHANGE_PASSWORD" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(mail_group.commands))
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(mail_group, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: adtools mail " + command in result.stdout


def test_a_message_to_retry_shows_when_it_is_tried_next(tmp_path):
    cfg = config_from_dict(
        {"mail": {"transport": "smtp", "max_attempts": 3, "retry_base_seconds": 60,
                  "smtp": {"host": "127.0.0.1", "port": 9, "timeout_seconds": 2}}},  # nothing listens on port 9
        base_dir=tmp_path,
    )
    engine, mid = queue_one(cfg)

    flushed = invoke(cfg, "flush")

    assert flushed.exit_code == 1
    (entry,) = list_messages(cfg, engine)
    assert entry.state == "queued"
    assert f"#{mid} retrying" in flushed.stdout and f"next try {entry.next_attempt_at:%Y-%m-%d %H:%M}" in flushed.stdout
    assert "Fix if it persists: check [mail.smtp] host and port" in flushed.output
