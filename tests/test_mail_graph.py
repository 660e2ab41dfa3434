"""The Graph transport: msal's real client-credentials flow and Graph sendMail against endpoints faked with `responses`."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import responses

from adtools.config import config_from_dict
from adtools.ledger.db import migrate, open_engine
from adtools.mail import MailKey, Message, flush, list_messages, message_bytes, queue
from adtools.mail import transport as mail_transport
from adtools.mail.graph import TOKEN_PROPERTY_ID, GraphTransport

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
SENDER = "account.haier@agency.example"
TENANT = "3f2b5c1e-9a7d-4e0b-8c6f-1d2e3f4a5b6c"
CLIENT = "8e1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"
SECRET = "gr~aph.S3cret-Value_for-tests"
WORKBOOK = bytes(range(256)) * 20
GLOBAL = ("https://login.microsoftonline.com", "https://graph.microsoft.com")
CHINA = ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn")


class FakeGraph:
    """The token endpoint (with its OpenID metadata) and the Graph mailbox of the sender."""

    def __init__(self, rsps: responses.RequestsMock, authority: str, graph: str):
        self.authority, self.graph = authority, graph
        self.token_requests: list[dict] = []
        self.sent: list[dict] = []  # sendMail payloads accepted: what is in Sent Items
        self.send_requests = 0
        self.searches: list[dict] = []
        self.script: list = []  # answers to sendMail before the normal 202
        tenant = f"{authority}/{TENANT}"
        rsps.add(
            responses.GET,
            f"{tenant}/v2.0/.well-known/openid-configuration",
            json={
                "token_endpoint": f"{tenant}/oauth2/v2.0/token",
                "authorization_endpoint": f"{tenant}/oauth2/v2.0/authorize",
                "issuer": f"{tenant}/v2.0",
            },
        )
        rsps.add_callback(responses.POST, f"{tenant}/oauth2/v2.0/token", callback=self.token)
        host = urlparse(authority).netloc
        rsps.add(  # msal asks for the cloud's aliases when a token request fails
            responses.GET,
            f"{authority}/common/discovery/instance",
            json={
                "tenant_discovery_endpoint": f"{tenant}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
            },
        )
        mailbox = f"{graph}/v1.0/users/{SENDER}"
        rsps.add_callback(responses.POST, f"{mailbox}/sendMail", callback=self.send_mail)
        rsps.add_callback(responses.GET, f"{mailbox}/mailFolders/sentitems/messages", callback=self.search)
        rsps.add(responses.GET, f"{mailbox}/mailFolders/sentitems", json={"displayName": "Sent Items", "totalItemCount": 41})

    def token(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        self.token_requests.append(form)
        if form.get("client_secret") != SECRET:
            return (401, {}, json.dumps({
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                "in the request is the client secret value, not the client secret ID.",
            }))
        return (200, {}, json.dumps({"token_type": "Bearer", "expires_in": 3599, "access_token": "eyJ0eXAiOiJKV1QiLCJub25jZSI6.fake.token"}))

    def send_mail(self, request):
        assert request.headers["Authorization"] == "Bearer eyJ0eXAiOiJKV1QiLCJub25jZSI6.fake.token"
        self.send_requests += 1
        if self.script:
            answer = self.script.pop(0)
            if callable(answer):
                answer = answer(request)
            if answer is not None:
                return answer
        self.sent.append(json.loads(request.body))
        return (202, {"request-id": f"5b1c7c2e-0000-4000-8000-00000000000{len(self.sent)}"}, "")

    def search(self, request):
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        self.searches.append(query)
        hits = [
            {"id": "AAMkSENT", "internetMessageId": "<BN8PR01MB5555@outlook.example>"}
            for p in self.sent
            if f"ep/value eq '{p['message']['singleValueExtendedProperties'][0]['value']}'" in query["$filter"]
        ]
        return (200, {}, json.dumps({"value": hits[:1]}))


def make_config(tmp_path, cloud=GLOBAL, **graph):
    return config_from_dict(
        {
            "mail": {
                "transport": "graph",
                "sender": SENDER,
                "max_attempts": 3,
                "retry_base_seconds": 60,
                "graph": {"tenant_id": TENANT, "client_id": CLIENT, "authority": cloud[0], "graph_endpoint": cloud[1], **graph},
            }
        },
        base_dir=tmp_path,
    )


@pytest.fixture
def rsps(monkeypatch):
    monkeypatch.setenv("ADTOOLS_GRAPH_SECRET", SECRET)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def queue_weekly(cfg, tmp_path, period="2026-11-27"):
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    book = tmp_path / f"周报 Weekly {period}.xlsx"
    book.write_bytes(WORKBOOK)
    message = Message(
        sender=SENDER,
        to=("client.pm@client.example",),
        cc=("li.na@agency.example",),
        subject=f"【周报 Weekly】海尔冰箱 工作进展 截至 {period}",
        html="<p>逾期 Overdue: <b>2</b></p>",
        text="逾期 Overdue: 2",
        attachments=(book,),
    )
    return engine, queue(cfg, engine, message, MailKey.of("weekly", period, message.recipients), now=NOW).id


def entry(cfg, engine, mid):
    return next(e for e in list_messages(cfg, engine) if e.id == mid)


@pytest.mark.parametrize("cloud", [GLOBAL, CHINA], ids=["global", "china"])
def test_send_mail_posts_the_whole_message_with_an_app_only_token(rsps, tmp_path, cloud):
    graph = FakeGraph(rsps, *cloud)
    cfg = make_config(tmp_path, cloud)
    engine, first = queue_weekly(cfg, tmp_path)
    _, second = queue_weekly(cfg, tmp_path, "2026-12-04")

    result = flush(cfg, engine, now=NOW)

    assert result.sent == (first, second)
    assert len(graph.token_requests) == 1  # one token for the flush
    form = graph.token_requests[0]
    assert (form["grant_type"], form["client_id"], form["scope"]) == ("client_credentials", CLIENT, f"{cloud[1]}/.default")
    payload = graph.sent[0]
    assert payload["saveToSentItems"] is True
    m = payload["message"]
    assert m["subject"] == "【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27"
    assert m["body"] == {"contentType": "HTML", "content": "<p>逾期 Overdue: <b>2</b></p>\n"}
    assert m["toRecipients"] == [{"emailAddress": {"address": "client.pm@client.example"}}]
    assert m["ccRecipients"] == [{"emailAddress": {"address": "li.na@agency.example"}}]
    (att,) = m["attachments"]
    assert att["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert att["name"] == "周报 Weekly 2026-11-27.xlsx"
    assert att["contentType"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert base64.b64decode(att["contentBytes"]) == WORKBOOK
    token = entry(cfg, engine, first).token
    assert m["internetMessageHeaders"] == [{"name": "X-Adtools-Token", "value": token}]
    assert m["singleValueExtendedProperties"] == [{"id": TOKEN_PROPERTY_ID, "value": token}]
    e = entry(cfg, engine, first)
    assert (e.state, e.transport, e.provider_id) == ("sent", "graph", "graph request-id 5b1c7c2e-0000-4000-8000-000000000001")


def test_throttling_is_retried_honouring_retry_after(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path, max_wait_seconds=30)
    engine, mid = queue_weekly(cfg, tmp_path)
    graph.script = [(429, {"Retry-After": "7"}, '{"error":{"code":"ApplicationThrottled","message":"Too many requests"}}'),
                    (503, {"Retry-After": "11"}, "")]
    slept: list[float] = []

    result = flush(cfg, engine, now=NOW, transport=GraphTransport(cfg, sleep=slept.append))

    assert result.sent == (mid,)
    assert slept == [7.0, 11.0]  # exactly what the server asked, never a real sleep in the test
    assert graph.send_requests == 3 and len(graph.sent) == 1
    assert entry(cfg, engine, mid).attempts == 1


def test_throttling_beyond_max_wait_goes_back_to_the_outbox_then_is_sent(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path, max_wait_seconds=30)
    engine, mid = queue_weekly(cfg, tmp_path)
    busy = (503, {"Retry-After": "20"}, '{"error":{"code":"ServiceUnavailable","message":"busy"}}')
    graph.script = [busy, busy]
    slept: list[float] = []

    first = flush(cfg, engine, now=NOW, transport=GraphTransport(cfg, sleep=slept.append))
    assert first.retrying == (mid,) and slept == [20.0]  # a second wait of 20 s would pass 30 s
    assert "max_wait_seconds = 30" in entry(cfg, engine, mid).last_error
    assert entry(cfg, engine, mid).next_attempt_at == NOW + timedelta(seconds=60)

    second = flush(cfg, engine, now=NOW + timedelta(seconds=60), transport=GraphTransport(cfg, sleep=slept.append))
    assert second.sent == (mid,) and len(graph.sent) == 1


def test_a_wrong_secret_fails_at_once_naming_the_app_and_the_keys(rsps, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_GRAPH_SECRET", "not-the-secret-value")
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)

    result = flush(cfg, engine, now=NOW)

    assert result.failed == (mid,) and graph.send_requests == 0
    e = entry(cfg, engine, mid)
    assert (e.state, e.attempts) == ("failed", 1)
    for text in (e.last_error, result.error):
        assert "invalid_client" in text and CLIENT in text and TENANT in text
        assert "[mail.graph] tenant_id, client_id" in text and "ADTOOLS_GRAPH_SECRET" in text
        assert "not-the-secret-value" not in text


def test_a_missing_permission_fails_at_once_saying_which(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)
    graph.script = [(403, {}, '{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}')]

    result = flush(cfg, engine, now=NOW)

    assert result.failed == (mid,)
    assert "Mail.Send" in entry(cfg, engine, mid).last_error and "ErrorAccessDenied" in entry(cfg, engine, mid).last_error
    assert message_bytes(engine, mid)


class Crash(BaseException):
    """The process dies in the middle of a send."""


def test_crash_after_graph_accepted_is_found_in_sent_items_not_sent_twice(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)

    def accepted_then_crash(request):
        graph.sent.append(json.loads(request.body))
        raise Crash()

    graph.script = [accepted_then_crash]
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW)
    assert entry(cfg, engine, mid).state == "sending"

    result = flush(cfg, engine, now=NOW + timedelta(seconds=GraphTransport.lease_seconds(cfg) + 1))

    assert result.recovered == (mid,)
    assert graph.send_requests == 1 and len(graph.sent) == 1
    (search,) = graph.searches
    token = entry(cfg, engine, mid).token
    assert search["$filter"] == f"singleValueExtendedProperties/Any(ep: ep/id eq '{TOKEN_PROPERTY_ID}' and ep/value eq '{token}')"
    assert entry(cfg, engine, mid).provider_id == "<BN8PR01MB5555@outlook.example>"


def test_crash_before_graph_accepted_is_sent_after_the_lookup(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)

    def crash(request):
        raise Crash()

    graph.script = [crash]
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW)
    result = flush(cfg, engine, now=NOW + timedelta(seconds=GraphTransport.lease_seconds(cfg) + 1))

    assert result.sent == (mid,) and len(graph.searches) == 1 and len(graph.sent) == 1


def test_connection_test_authenticates_and_reads_sent_items_without_sending(rsps, tmp_path):
    graph = FakeGraph(rsps, *CHINA)
    cfg = make_config(tmp_path, CHINA)

    info = mail_transport.test_connection(cfg)

    assert info["server"] == CHINA[1] and "41" in info["detail"]
    assert graph.send_requests == 0 and len(graph.token_requests) == 1


def test_an_unreachable_token_endpoint_is_retried_later_naming_the_authority_keys(rsps, tmp_path):
    cfg = make_config(tmp_path, cloud=("https://login.unreachable.example", GLOBAL[1]))  # nothing answers there
    engine, mid = queue_weekly(cfg, tmp_path)

    result = flush(cfg, engine, now=NOW)

    assert result.retrying == (mid,)
    e = entry(cfg, engine, mid)
    assert e.state == "queued" and e.next_attempt_at == NOW + timedelta(seconds=60)
    for text in (e.last_error, result.error):
        assert "login.unreachable.example" in text
        assert "[mail.graph] authority" in text and "tenant_id" in text
        assert SECRET not in text
