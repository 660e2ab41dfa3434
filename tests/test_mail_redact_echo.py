"""Secrets a server echoes back never reach the user or the outbox: every form a credential travels in.

A real SMTP server (aiosmtpd on 127.0.0.1) whose 535 reply echoes the AUTH PLAIN line
(base64 of NUL login NUL password), driven through `adtools mail test`, `mail flush` and
`mail list`; `mail_messages.last_error` is read back from the ledger.  Then `redact` on the
other ways a server or library may echo a credential.
"""
from __future__ import annotations

import base64
import json
import socket
from unittest.mock import patch

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from sqlalchemy import select

from adtools.cli import main
from adtools.cli._common import AppContext
from adtools.config import config_from_dict
from adtools.ledger.tables import mail_messages
from adtools.mail import MailKey, Message, open_outbox, queue
from adtools.mail.redact import MASK, protect, redact

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

LOGIN = "svc-echo"
PASSWORD = "Echo-Pa55-9931-secret"


def _plain(login: bytes, password: bytes) -> str:
    return base64.b64encode(b"\0" + login + b"\0" + password).decode()


class EchoingServer:
    """Refuses every login with a 535 that repeats the client's AUTH PLAIN line."""

    async def handle_DATA(self, server, session, envelope):  # never reached: the login fails
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        echoed = _plain(auth_data.login, auth_data.password)
        return AuthResult(success=False, handled=False,
                          message=f"535 5.7.8 Authentication failed: AUTH {mechanism} {echoed}")


@pytest.fixture
def echo_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(EchoingServer(), hostname="127.0.0.1", port=port, authenticator=EchoingServer().authenticate,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    yield port
    controller.stop()


def _leaks(text: str) -> list[str]:
    forms = [PASSWORD, _plain(LOGIN.encode(), PASSWORD.encode()), base64.b64encode(PASSWORD.encode()).decode()]
    return [f for f in forms if f in text]


def test_an_smtp_server_echoing_auth_plain_leaks_nothing(echo_server, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", PASSWORD)
    cfg = config_from_dict({"mail": {"transport": "smtp", "sender": "account.haier@agency.example", "max_attempts": 3,
                                     "smtp": {"host": "127.0.0.1", "port": echo_server, "starttls": False,
                                              "username": LOGIN, "timeout_seconds": 5}}}, base_dir=tmp_path)
    engine = open_outbox(cfg)
    message = Message(sender=cfg.mail.sender, to=["client.pm@client.example"], subject="周报 Weekly", html="<p>x</p>", text="x")
    queue(cfg, engine, message, MailKey.of("weekly", "2026-11-27", message.recipients))

    def run(*args):
        with patch.object(AppContext, "config", property(lambda self: cfg)):
            return CliRunner().invoke(main, ["mail", *args])

    tested = run("test")
    flushed = run("flush")
    listed = run("list", "--json")
    assert tested.exit_code == 1 and flushed.exit_code == 1
    assert "535" in tested.output and "535" in flushed.output and MASK in flushed.output  # the reply is shown, masked
    with engine.connect() as conn:
        stored = [e or "" for e in conn.execute(select(mail_messages.c.last_error)).scalars()]
    assert stored and "535" in stored[0]
    for text in (tested.output, flushed.output, listed.output, *stored, json.dumps(json.loads(listed.stdout))):
        assert _leaks(text) == [], text
    engine.dispose()


def test_redact_covers_every_way_a_credential_is_echoed():
    protect("Ntlm-Pa55-4417", "AGENCY\\svc")
    secret = "Ntlm-Pa55-4417"
    login_b64 = base64.b64encode(secret.encode()).decode()
    plain = _plain(b"AGENCY\\svc", secret.encode())
    cases = {
        f"334 VXNlcm5hbWU6 then AUTH LOGIN {base64.b64encode(b'svc').decode()} {login_b64}": login_b64,
        f"AUTH PLAIN {plain}": plain,
        "auth plain AHVzZXIAb3RoZXItcGFzcw==": "AHVzZXIAb3RoZXItcGFzcw==",  # an unregistered password too
        "WWW-Authenticate: NTLM TlRMTVNTUAADAAAAGAAYAEgAAAAYABgAYAAAAAwADAB4": "TlRMTVNTUAADAAAAGAAYAEgAAAAYABgAYAAAAAwADAB4",
        f"blob {base64.b64encode(b'NTLMSSP' + secret.encode('utf-16-le')).decode()}": secret,
        "Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.sig": "eyJ0eXAi",
        "https://svc:url-Pa55word@mail.agency.example/EWS/Exchange.asmx": "url-Pa55word",
        "postgresql://adtools:db-secret-77@db.example/ledger": "db-secret-77",
        "grant_type=client_credentials&client_secret=abc~DEF.123&scope=x": "abc~DEF.123",
        "PUT https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')?authtoken=eyJhbGciOiJSUzI1NiIsImtpZCI6Ik": "eyJhbGci",
        f"echo {base64.b64encode(b'xx' + secret.encode() + b'yy').decode()} end": "Ntlm",
    }
    for text, leaked in cases.items():
        out = redact(text)
        assert leaked not in out and MASK in out, (text, out)
    assert redact("Basic authentication failed for NTLM Authentication") == "Basic authentication failed for NTLM Authentication"
