"""The Graph transport: msal's real client-credentials flow and Graph sendMail against endpoints faked with `responses`."""
from __future__ import annotations

import base64
import json
import os
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote, urlparse
from zoneinfo import ZoneInfo

import pytest
import responses
from filelock import FileLock

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


UPLOAD_HOST = "https://outlook.office.example"
UPLOAD_AUTHTOKEN = "eyJ0eXAiOiJKV1QiLCJ1cGxvYWQiOnRydWV9.upload-url-token"


class FakeGraph:
    """The token endpoint (with its OpenID metadata) and the Graph mailbox of the sender.

    The mailbox keeps drafts (created with their inline attachments, given more by POST or by an
    upload session's byte ranges, deleted, sent) and Sent Items. With `state_file` its state is
    saved after every change, as a server commits it, so it outlives a client killed mid-call.
    """

    def __init__(self, rsps: responses.RequestsMock, authority: str, graph: str, state_file=None):
        self.authority, self.graph = authority, graph
        self.state_file = state_file
        self.token_requests: list[dict] = []
        self.send_requests = 0
        self.searches: list[dict] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) of every mailbox call
        self.ranges: list[str] = []  # Content-Range of every PUT to an upload session
        self.script: list = []  # answers to POST /messages/{id}/send before the normal 202
        self.drafts: dict[str, dict] = {}  # id -> message JSON (+ "isDraft"); sent ones stay, isDraft False
        self.sent_ids: list[str] = []  # in Sent Items, in the order sent
        self.sessions: dict[str, dict] = {}  # upload session id -> {draft, item, data}
        self.created = 0  # drafts ever made: ids are never reused
        self._load()
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
        self.mailbox = f"{graph}/v1.0/users/{SENDER}"
        mailbox_re = re.compile(re.escape(self.mailbox) + r"(/.*)?(\?.*)?$")
        for method in (responses.GET, responses.POST, responses.DELETE):
            rsps.add_callback(method, mailbox_re, callback=lambda r: self._serve(self.mailbox_call, r))
        rsps.add_callback(responses.PUT, re.compile(re.escape(UPLOAD_HOST) + "/.*"), callback=lambda r: self._serve(self.upload, r))

    # ------------------------------------------------------------------ durable state
    def _load(self):
        if self.state_file is not None and self.state_file.exists():
            state = json.loads(self.state_file.read_text())
            self.drafts, self.sent_ids, self.sessions = state["drafts"], state["sent_ids"], state["sessions"]
            self.created = state["created"]

    def _save(self):
        if self.state_file is not None:
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"drafts": self.drafts, "sent_ids": self.sent_ids, "sessions": self.sessions,
                                       "created": self.created}))
            os.replace(tmp, self.state_file)

    def _serve(self, handler, request):
        """One call at a time across processes sharing `state_file`, on the state as the last one left it."""
        if self.state_file is None:
            return handler(request)
        with FileLock(str(self.state_file) + ".lock"):
            self._load()
            return handler(request)

    @property
    def sent(self) -> list[dict]:
        """The messages in Sent Items, as drafted (attachments with their bytes in base64)."""
        return [self.drafts[i] for i in self.sent_ids]

    # ------------------------------------------------------------------ endpoints
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

    def mailbox_call(self, request):
        assert request.headers["Authorization"] == "Bearer eyJ0eXAiOiJKV1QiLCJub25jZSI6.fake.token"
        url = urlparse(request.url)
        path = url.path[len(urlparse(self.mailbox).path):]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append((request.method, unquote(path)))
        parts = [unquote(x) for x in path.strip("/").split("/")]
        if request.method == "GET" and path == "/mailFolders/sentitems":
            return (200, {}, json.dumps({"displayName": "Sent Items", "totalItemCount": 41}))
        if request.method == "GET" and path == "/mailFolders/sentitems/messages":
            return self.search(query)
        if parts[0] != "messages":
            return (400, {}, json.dumps({"error": {"code": "BadRequest", "message": f"unexpected {path}"}}))
        if len(parts) == 1 and request.method == "POST":
            return self.create(request)
        draft = self.drafts.get(parts[1])
        if draft is None:
            return (404, {}, json.dumps({"error": {"code": "ErrorItemNotFound", "message": "The specified object was not found in the store."}}))
        rest = parts[2:]
        if request.method == "GET" and not rest:
            assert request.headers.get("Prefer") == 'IdType="ImmutableId"'
            return (200, {}, json.dumps({"id": parts[1], "isDraft": draft["isDraft"], "internetMessageId": draft["internetMessageId"]}))
        if request.method == "GET" and rest == ["attachments"]:
            return (200, {}, json.dumps({"value": [{"name": a["name"]} for a in draft.get("attachments", [])]}))
        if request.method == "DELETE" and not rest:
            assert draft["isDraft"], "a sent message is never deleted"
            del self.drafts[parts[1]]
            self._save()
            return (204, {}, "")
        if request.method == "POST" and rest == ["attachments"]:
            assert draft["isDraft"]
            draft.setdefault("attachments", []).append(json.loads(request.body))
            self._save()
            return (201, {}, json.dumps({"id": f"ATT{len(draft['attachments'])}"}))
        if request.method == "POST" and rest == ["attachments", "createUploadSession"]:
            item = json.loads(request.body)["AttachmentItem"]
            sid = f"S{self.created}-{len(self.sessions) + 1}"
            self.sessions[sid] = {"draft": parts[1], "item": item, "data": ""}
            self._save()
            return (201, {}, json.dumps({
                "uploadUrl": f"{UPLOAD_HOST}/api/v2.0/Users('{SENDER}')/Messages('{parts[1]}')/AttachmentSessions('{sid}')"
                             f"?authtoken={UPLOAD_AUTHTOKEN}",
                "expirationDateTime": "2026-11-30T03:00:00Z", "nextExpectedRanges": ["0-"],
            }))
        if request.method == "POST" and rest == ["send"]:
            return self.send(request, parts[1])
        return (400, {}, json.dumps({"error": {"code": "BadRequest", "message": f"unexpected {request.method} {path}"}}))

    def create(self, request):
        assert request.headers.get("Prefer") == 'IdType="ImmutableId"'
        message = json.loads(request.body)
        self.created += 1
        n = self.created
        draft_id = f"AAMkDRAFT{n}="
        message.update(id=draft_id, isDraft=True, internetMessageId=f"<DRAFT{n}@outlook.example>")
        self.drafts[draft_id] = message
        self._save()
        return (201, {}, json.dumps({"id": draft_id, "isDraft": True, "internetMessageId": message["internetMessageId"]}))

    def deliver(self, draft_id: str) -> None:
        """What Exchange Online does on /send: the draft goes out and into Sent Items."""
        draft = self.drafts[draft_id]
        assert draft["isDraft"], "a message sent twice"
        draft["isDraft"] = False
        self.sent_ids.append(draft_id)
        self._save()

    def send(self, request, draft_id):
        self.send_requests += 1
        if self.script:
            answer = self.script.pop(0)
            if callable(answer):
                answer = answer(request, draft_id)
            if answer is not None:
                return answer
        if not self.drafts[draft_id]["isDraft"]:
            return (400, {}, json.dumps({"error": {"code": "ErrorInvalidOperation", "message": "The item was already sent."}}))
        self.deliver(draft_id)
        return (202, {"request-id": f"5b1c7c2e-0000-4000-8000-00000000000{len(self.sent_ids)}"}, "")

    def upload(self, request):
        assert "Authorization" not in request.headers, "the upload URL is pre-authenticated"
        sid = re.search(r"AttachmentSessions\('([^']+)'\)", request.url).group(1)
        assert parse_qs(urlparse(request.url).query)["authtoken"] == [UPLOAD_AUTHTOKEN]
        session = self.sessions[sid]
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers["Content-Range"])
        start, end, total = map(int, m.groups())
        self.ranges.append(request.headers["Content-Range"])
        data = base64.b64decode(session["data"])
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        assert start == len(data) and end - start + 1 == len(body) and total == session["item"]["size"]
        data += body
        session["data"] = base64.b64encode(data).decode()
        if len(data) < total:
            self._save()
            return (200, {}, json.dumps({"expirationDateTime": "2026-11-30T03:00:00Z", "nextExpectedRanges": [f"{len(data)}-"]}))
        item = session.pop("item")
        draft = self.drafts[session["draft"]]
        draft.setdefault("attachments", []).append({
            "@odata.type": "#microsoft.graph.fileAttachment", "name": item["name"],
            "contentType": item.get("contentType", "application/octet-stream"), "contentBytes": session["data"]})
        del self.sessions[sid]
        self._save()
        return (201, {"Location": f"{UPLOAD_HOST}/api/v2.0/Users('{SENDER}')/Messages('{session['draft']}')/Attachments('A{sid}')"}, "")

    def search(self, query):
        self.searches.append(query)
        hits = [
            {"id": i, "internetMessageId": self.drafts[i]["internetMessageId"]}
            for i in self.sent_ids
            if f"ep/value eq '{self.drafts[i]['singleValueExtendedProperties'][0]['value']}'" in query["$filter"]
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
    m = graph.sent[0]
    assert [r for r in graph.requests if r[0] == "POST"][:2] == [("POST", "/messages"), ("POST", "/messages/AAMkDRAFT1=/send")]
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
    assert (e.state, e.transport, e.provider_id) == ("sent", "graph", "graph message AAMkDRAFT1=")


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

    def accepted_then_crash(request, draft_id):
        graph.deliver(draft_id)
        raise Crash()

    graph.script = [accepted_then_crash]
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW)
    assert entry(cfg, engine, mid).state == "sending"

    result = flush(cfg, engine, now=NOW + timedelta(seconds=GraphTransport.lease_seconds(cfg) + 1))

    assert result.recovered == (mid,)
    assert graph.send_requests == 1 and len(graph.sent) == 1 and len(graph.drafts) == 1
    assert graph.searches == []  # the recorded draft answered: it is no longer a draft
    assert entry(cfg, engine, mid).provider_id == "<DRAFT1@outlook.example>"


def test_crash_before_graph_accepted_is_sent_after_the_lookup(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)

    def crash(request, draft_id):
        raise Crash()

    graph.script = [crash]
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW)
    result = flush(cfg, engine, now=NOW + timedelta(seconds=GraphTransport.lease_seconds(cfg) + 1))

    assert result.sent == (mid,) and len(graph.sent) == 1
    assert len(graph.drafts) == 1, "the recorded draft was sent, no second message made"


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
