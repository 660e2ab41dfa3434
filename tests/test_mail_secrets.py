"""No secret in logs or error text: every transport run with a recognisable secret, every log record at DEBUG checked.

exchangelib logs each request's headers at DEBUG; with basic auth that is the
password in base64.  The test makes sure such records were produced (so it
can fail) and that what reaches the log shows only the mask.
"""
from __future__ import annotations

import base64
import json
import logging
from datetime import datetime
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pytest
import responses

from adtools.config import config_from_dict
from adtools.errors import AdtoolsError
from adtools.ledger.db import migrate, open_engine
from adtools.mail import MailKey, Message, flush, list_messages, queue
from adtools.mail import transport as mail_transport

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SECRET = "Zebra-Quartz-7741-Secret"
USER = "AGENCY\\svc-adtools"
EP = "https://mail.agency.example/EWS/Exchange.asmx"
TENANT, CLIENT = "3f2b5c1e-9a7d-4e0b-8c6f-1d2e3f4a5b6c", "8e1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"


def forms_of_the_secret() -> list[str]:
    return [
        SECRET,
        quote_plus(SECRET),
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(f"{USER}:{SECRET}".encode()).decode(),
    ]


def assert_clean(texts):
    for text in texts:
        for form in forms_of_the_secret():
            assert form not in text, f"secret leaked in: {text[:300]}"


def run(cfg, caplog):
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    message = Message(sender="account.haier@agency.example", to=["client.pm@client.example"], subject="周报 Weekly", html="<p>x</p>", text="x")
    queue(cfg, engine, message, MailKey.of("weekly", "2026-11-27", message.recipients), now=NOW)
    with caplog.at_level(logging.DEBUG):
        result = flush(cfg, engine, now=NOW)
        try:
            mail_transport.test_connection(cfg)
        except AdtoolsError as exc:
            test_error = str(exc)
        else:
            test_error = ""
    stored = [e.last_error or "" for e in list_messages(cfg, engine)]
    return result, [r.getMessage() for r in caplog.records], [result.error or "", test_error, *stored]


def test_exchange_basic_auth_secret_stays_out_of_logs_and_errors(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("ADTOOLS_EXCHANGE_PASSWORD", SECRET)
    cfg = config_from_dict(
        {"mail": {"transport": "exchange", "exchange": {"service_endpoint": EP, "username": USER, "auth": "basic", "max_wait_seconds": 0}}},
        base_dir=tmp_path,
    )
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, EP, status=401, body="", headers={"WWW-Authenticate": 'Basic realm="mail.agency.example"'})
        result, logs, errors = run(cfg, caplog)

    assert result.failed and "refused the login" in result.error
    authorization = [m for m in logs if "'Authorization':" in m]
    assert authorization and all("'Authorization': '***'" in m for m in authorization)  # the leak path was exercised
    assert_clean(logs + errors)


def test_graph_client_secret_stays_out_of_logs_and_errors(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("ADTOOLS_GRAPH_SECRET", SECRET)
    cfg = config_from_dict({"mail": {"transport": "graph", "graph": {"tenant_id": TENANT, "client_id": CLIENT}}}, base_dir=tmp_path)
    authority = f"https://login.microsoftonline.com/{TENANT}"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, f"{authority}/v2.0/.well-known/openid-configuration",
                 json={"token_endpoint": f"{authority}/oauth2/v2.0/token", "authorization_endpoint": f"{authority}/oauth2/v2.0/authorize", "issuer": f"{authority}/v2.0"})
        rsps.add(responses.GET, "https://login.microsoftonline.com/common/discovery/instance",
                 json={"tenant_discovery_endpoint": f"{authority}/v2.0/.well-known/openid-configuration", "api-version": "1.1",
                       "metadata": [{"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.microsoftonline.com", "aliases": ["login.microsoftonline.com"]}]})
        # the server echoes what it got, as careless servers do
        rsps.add_callback(responses.POST, f"{authority}/oauth2/v2.0/token",
                          callback=lambda req: (401, {}, json.dumps({"error": "invalid_client", "error_description": f"bad request {req.body}"})))
        result, logs, errors = run(cfg, caplog)

    assert result.failed and "invalid_client" in result.error
    assert any("***" in e for e in errors)  # the echoed secret was there to leak, and was masked
    assert_clean(logs + errors)


def test_smtp_password_stays_out_of_logs_and_errors(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", SECRET)
    cfg = config_from_dict(
        {"mail": {"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": 9, "username": "svc-adtools", "timeout_seconds": 2}}},
        base_dir=tmp_path,
    )
    result, logs, errors = run(cfg, caplog)

    assert result.retrying and "127.0.0.1:9" in result.error
    assert_clean(logs + errors)


def test_a_missing_secret_names_the_variable_not_a_value(tmp_path, monkeypatch):
    monkeypatch.delenv("ADTOOLS_EXCHANGE_PASSWORD", raising=False)
    cfg = config_from_dict({"mail": {"transport": "exchange", "exchange": {"service_endpoint": EP, "username": USER}}}, base_dir=tmp_path)
    with pytest.raises(AdtoolsError, match="ADTOOLS_EXCHANGE_PASSWORD"):
        mail_transport.test_connection(cfg)
