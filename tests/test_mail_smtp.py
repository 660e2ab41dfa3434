"""The SMTP transport against a real SMTP server (aiosmtpd) on 127.0.0.1: login, STARTTLS, attachments intact."""
from __future__ import annotations

import datetime as dt
import ipaddress
import smtplib
import socket
import ssl
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adtools.config import config_from_dict
from adtools.ledger.db import migrate, open_engine
from adtools.mail import DeliveryError, MailKey, Message, flush, list_messages, queue, test_connection
from adtools.mail.smtp import SmtpTransport

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
SENDER = "account.haier@agency.example"
LOGIN = "svc-adtools"
PASSWORD = "smtp-Pa55-for-tests"
WORKBOOK = bytes(range(256)) * 30 + "收费清单".encode()


class Mailbox:
    """What the server received; `answers` scripts replies to DATA before the normal 250."""

    def __init__(self):
        self.envelopes = []
        self.answers: list[str] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        if self.answers:
            return self.answers.pop(0)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == (LOGIN, PASSWORD), handled=False)  # the server answers 535


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    box = Mailbox()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=box.authenticate,
        auth_required=True,
        auth_require_tls=False,  # STARTTLS is tested separately below
    )
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


def make_config(tmp_path, port, **smtp):
    return config_from_dict(
        {
            "mail": {
                "transport": "smtp",
                "sender": SENDER,
                "max_attempts": 3,
                "retry_base_seconds": 60,
                "smtp": {"host": "127.0.0.1", "port": port, "starttls": False, "username": LOGIN, "timeout_seconds": 5, **smtp},
            }
        },
        base_dir=tmp_path,
    )


def queue_fees(cfg, tmp_path, period="2026-11"):
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    book = tmp_path / f"收费清单 Fees {period}.xlsx"
    book.write_bytes(WORKBOOK)
    message = Message(
        sender=SENDER,
        to=("finance@agency.example",),
        cc=("client.finance@client.example",),
        subject=f"【收费清单 Fees】海尔冰箱 收费清单 {period}",
        html="<p>合计 Total: <b>¥12,345.60</b></p>",
        text="合计 Total: ¥12,345.60",
        attachments=(book,),
    )
    return engine, queue(cfg, engine, message, MailKey.of("fees", period, message.recipients), now=NOW).id


def entry(cfg, engine, mid):
    return next(e for e in list_messages(cfg, engine) if e.id == mid)


def test_the_server_receives_the_message_with_its_attachment_intact(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", PASSWORD)
    cfg = make_config(tmp_path, server.port)
    engine, mid = queue_fees(cfg, tmp_path)

    result = flush(cfg, engine, now=NOW)

    assert result.sent == (mid,)
    assert server.logins == [(LOGIN, PASSWORD)]
    ((mail_from, rcpt_tos, data),) = server.envelopes
    assert mail_from == SENDER and sorted(rcpt_tos) == ["client.finance@client.example", "finance@agency.example"]
    msg = message_from_bytes(data, policy=policy.default)
    assert msg["Subject"] == "【收费清单 Fees】海尔冰箱 收费清单 2026-11"
    assert msg["X-Adtools-Token"] == entry(cfg, engine, mid).token
    assert "¥12,345.60" in msg.get_body(("html",)).get_content()
    assert msg.get_body(("plain",)).get_content().strip() == "合计 Total: ¥12,345.60"
    (att,) = msg.iter_attachments()
    assert att.get_filename() == "收费清单 Fees 2026-11.xlsx"
    assert att.get_content() == WORKBOOK
    e = entry(cfg, engine, mid)
    assert (e.state, e.transport, e.provider_id) == ("sent", "smtp", e.message_id)


def test_a_refused_login_fails_at_once_naming_server_login_and_keys(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", "not-the-smtp-password")
    cfg = make_config(tmp_path, server.port)
    engine, mid = queue_fees(cfg, tmp_path)
    _, later = queue_fees(cfg, tmp_path, "2026-12")

    result = flush(cfg, engine, now=NOW)

    assert result.failed == (mid, later) and server.envelopes == []
    assert len(server.logins) == 1
    text = entry(cfg, engine, mid).last_error
    assert f"127.0.0.1:{server.port}" in text and LOGIN in text
    assert "[mail.smtp] username" in text and "ADTOOLS_SMTP_PASSWORD" in text
    assert "not-the-smtp-password" not in text and "not-the-smtp-password" not in result.error


def test_a_temporary_refusal_is_retried_later(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", PASSWORD)
    cfg = make_config(tmp_path, server.port)
    engine, mid = queue_fees(cfg, tmp_path)
    server.answers = ["451 4.3.0 Mail server temporarily rejected message"]

    assert flush(cfg, engine, now=NOW).retrying == (mid,)
    assert "451" in entry(cfg, engine, mid).last_error
    assert flush(cfg, engine, now=NOW + timedelta(seconds=60)).sent == (mid,)
    assert len(server.envelopes) == 1


def test_a_server_that_is_down_leaves_the_message_queued(tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", PASSWORD)
    port = free_port()  # nothing listens there
    cfg = make_config(tmp_path, port)
    engine, mid = queue_fees(cfg, tmp_path)

    result = flush(cfg, engine, now=NOW)

    assert result.retrying == (mid,) and f"127.0.0.1:{port}" in result.error
    assert entry(cfg, engine, mid).state == "queued"


class Crash(BaseException):
    """The process dies in the middle of a send."""


def test_after_a_crash_smtp_sends_the_identical_message_again(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", PASSWORD)
    cfg = make_config(tmp_path, server.port)
    engine, mid = queue_fees(cfg, tmp_path)
    real_send = smtplib.SMTP.send_message

    def sent_then_crash(self, msg, *args, **kwargs):
        real_send(self, msg, *args, **kwargs)
        raise Crash()

    monkeypatch.setattr(smtplib.SMTP, "send_message", sent_then_crash)
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW)
    monkeypatch.setattr(smtplib.SMTP, "send_message", real_send)

    result = flush(cfg, engine, now=NOW + timedelta(seconds=SmtpTransport.lease_seconds(cfg) + 1))

    # SMTP cannot be asked whether it went out: sent again, byte for byte, so the Message-ID lets mailboxes drop it
    assert result.sent == (mid,)
    first, second = (message_from_bytes(data, policy=policy.default) for _, _, data in server.envelopes)
    assert first["Message-ID"] == second["Message-ID"] == entry(cfg, engine, mid).message_id
    assert first.as_bytes() == second.as_bytes()


# --------------------------------------------------------------------------- STARTTLS
@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "adtools test SMTP")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(certificate):
    box = Mailbox()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    controller = Controller(
        box, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
        authenticator=box.authenticate, auth_required=True,
    )
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


def test_starttls_verifies_the_certificate_and_refuses_an_unknown_one(tls_server, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", PASSWORD)
    cfg = make_config(tmp_path, tls_server.port, starttls=True)
    engine, mid = queue_fees(cfg, tmp_path)

    result = flush(cfg, engine, now=NOW)

    assert result.failed == (mid,) and tls_server.logins == []  # no password sent to an unverified server
    assert "certificate" in entry(cfg, engine, mid).last_error


def test_starttls_with_a_trusted_certificate_delivers(tls_server, certificate, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the machine trusts the server's CA
    cfg = make_config(tmp_path, tls_server.port, starttls=True)
    engine, mid = queue_fees(cfg, tmp_path)

    assert flush(cfg, engine, now=NOW).sent == (mid,)
    assert tls_server.logins == [(LOGIN, PASSWORD)] and len(tls_server.envelopes) == 1


def test_starttls_asked_of_a_server_without_it_says_so_in_both_languages(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", PASSWORD)
    cfg = make_config(tmp_path, server.port, starttls=True)  # this server offers no STARTTLS

    with pytest.raises(DeliveryError) as info:
        test_connection(cfg)

    text = str(info.value)
    assert "SMTP 服务器不支持" in text and "does not support" in text and "STARTTLS" in text
    assert "[mail.smtp] starttls, ssl and port" in text
    assert ".." not in text and PASSWORD not in text
