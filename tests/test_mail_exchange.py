"""The Exchange transport: exchangelib's real code against an EWS endpoint faked at the HTTP layer.

The fake endpoint authenticates with real NTLM (pyspnego's acceptor checks the
password), answers GetFolder, CreateItem and FindItem with canned SOAP, keeps the
tokens of the messages it "sent" (so Sent Items can be searched), and can be
scripted to answer with HTTP 503, EWS ErrorServerBusy faults, time-outs or a
crash of the client.  Autodiscover is off (an endpoint is configured) and any
request to another URL fails, so no discovery request can pass unnoticed.
"""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import requests_ntlm
import responses
import spnego
from exchangelib.protocol import BaseProtocol

from adtools.config import config_from_dict
from adtools.ledger.db import migrate, open_engine
from adtools.mail import MailKey, Message, flush, list_messages, message_bytes, queue
from adtools.mail import transport as mail_transport
from adtools.mail.exchange import ExchangeTransport

EP = "https://mail.agency.example/EWS/Exchange.asmx"
SENDER = "account.haier@agency.example"
USER = "AGENCY\\svc-adtools"
PASSWORD = "Corr3ct-Horse-Battery"
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
NS = {
    "s": "http://schemas.xmlsoap.org/soap/envelope/",
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
}
ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
    '<s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="39" '
    'Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" '
    'xmlns="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header>'
    "<s:Body>{}</s:Body></s:Envelope>"
)
MT = 'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"'


def get_folder(distinguished: str, folder_id: str, name: str, folder_class: str = "") -> str:
    cls = f"<t:FolderClass>{folder_class}</t:FolderClass>" if folder_class else ""
    return ENVELOPE.format(
        f'<m:GetFolderResponse {MT}><m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success">'
        f"<m:ResponseCode>NoError</m:ResponseCode><m:Folders><t:Folder>"
        f'<t:FolderId Id="{folder_id}" ChangeKey="AQAAABYAAA=="/><t:ParentFolderId Id="P{folder_id}" ChangeKey="AQAAAA=="/>'
        f"{cls}<t:DisplayName>{name}</t:DisplayName><t:TotalCount>0</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount>"
        f"<t:UnreadCount>0</t:UnreadCount><t:DistinguishedFolderId>{distinguished}</t:DistinguishedFolderId>"
        f"</t:Folder></m:Folders></m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse>"
    )


CREATE_OK = ENVELOPE.format(
    f'<m:CreateItemResponse {MT}><m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Success">'
    "<m:ResponseCode>NoError</m:ResponseCode><m:Items/></m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse>"
)


def find_item(found: bool) -> str:
    items = (
        '<t:Items><t:Message><t:ItemId Id="AAMkSENT1" ChangeKey="CQAAABYAAA=="/>'
        "<t:InternetMessageId>&lt;SN6PR01MB1234@mail.agency.example&gt;</t:InternetMessageId></t:Message></t:Items>"
        if found
        else "<t:Items/>"
    )
    return ENVELOPE.format(
        f'<m:FindItemResponse {MT}><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success">'
        f'<m:ResponseCode>NoError</m:ResponseCode><m:RootFolder IndexedPagingOffset="{int(found)}" '
        f'TotalItemsInView="{int(found)}" IncludesLastItemInRange="true">{items}</m:RootFolder>'
        "</m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse>"
    )


GET_ITEM = ENVELOPE.format(
    f'<m:GetItemResponse {MT}><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success">'
    '<m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id="AAMkSENT1" ChangeKey="CQAAABYAAA=="/>'
    "<t:InternetMessageId>&lt;SN6PR01MB1234@mail.agency.example&gt;</t:InternetMessageId></t:Message></m:Items>"
    "</m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse>"
)


def server_busy(back_off_ms: int) -> tuple[int, dict, str]:
    """The SOAP fault Exchange answers when a throttling budget is exhausted (HTTP 500)."""
    return (
        500,
        {"Content-Type": "text/xml; charset=utf-8"},
        '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        '<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>'
        '<faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>'
        '<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>'
        '<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message>'
        '<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        f'<t:Value Name="BackOffMilliseconds">{back_off_ms}</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>',
    )


HTTP_503 = (503, {"Content-Type": "text/html"}, "<html><body>Service Unavailable</body></html>")


class Crash(BaseException):
    """The process dies (kill -9, power cut) in the middle of a send."""


class FakeEws:
    """An EWS endpoint with real NTLM, canned answers, a record of requests and scripted faults."""

    def __init__(self, rsps: responses.RequestsMock):
        self.operations: list[tuple[str, str]] = []  # (operation, SOAP body) of every authenticated request
        self.script: dict[str, list] = {}  # operation -> answers to give, in order, before the default ones
        self.sent_tokens: list[str] = []  # what is in Sent Items
        self.logins = 0  # NTLM authenticate messages checked
        self._authenticated = False
        self._acceptor = None
        rsps.add_callback(responses.POST, EP, callback=self)

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if not self._authenticated:
            if not header.startswith("NTLM "):
                return (401, {"WWW-Authenticate": "NTLM"}, "")
            token = base64.b64decode(header[5:])
            if token[8] == 1:  # NEGOTIATE: answer with a CHALLENGE
                self._acceptor = spnego.server(protocol="ntlm")
                challenge = self._acceptor.step(token)
                return (401, {"WWW-Authenticate": "NTLM " + base64.b64encode(challenge).decode()}, "")
            self.logins += 1
            try:  # AUTHENTICATE: the acceptor checks the response against the password file
                self._acceptor.step(token)
            except spnego.exceptions.SpnegoError:
                return (401, {"WWW-Authenticate": "NTLM"}, "")
            self._authenticated = True  # NTLM authenticates the (kept-alive) connection
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        op = re.search(r"<m:(\w+)[ >]", body).group(1)
        self.operations.append((op, body))
        pending = self.script.get(op)
        if pending:
            answer = pending.pop(0) if len(pending) > 1 else pending[0]  # the last answer repeats
            if callable(answer):
                answer = answer(body)
            if answer is not None:
                return answer
        if op == "GetFolder":
            if 'Id="root"' in body:
                return (200, {}, get_folder("root", "AQMkROOT", "Top of Information Store"))
            if 'Id="sentitems"' in body:
                return (200, {}, get_folder("sentitems", "AQMkSENT", "Sent Items", "IPF.Note"))
        if op == "CreateItem":
            self.sent_tokens.append(_token_in(body))
            return (200, {}, CREATE_OK)
        if op == "FindItem":
            wanted = re.search(r'<t:Constant Value="([0-9a-f]+)"/>', body).group(1)
            return (200, {}, find_item(wanted in self.sent_tokens))
        if op == "GetItem" and 'Id="AAMkSENT1"' in body:
            return (200, {}, GET_ITEM)
        return (500, {}, f"unexpected {op}")

    def ops(self) -> list[str]:
        return [op for op, _ in self.operations]

    def creates(self) -> list[str]:
        return [body for op, body in self.operations if op == "CreateItem"]


def _token_in(create_item_body: str) -> str:
    return re.search(r'PropertyName="AdtoolsToken" PropertyType="String"/><t:Value>([0-9a-f]+)<', create_item_body).group(1)


@pytest.fixture
def exchange_env(monkeypatch, tmp_path):
    users = tmp_path / "ntlm-users.txt"
    users.write_text(f"AGENCY:svc-adtools:{PASSWORD}\n", encoding="utf-8")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))  # pyspnego's NTLM acceptor reads the accounts from here
    monkeypatch.setenv("ADTOOLS_EXCHANGE_PASSWORD", PASSWORD)
    # under `responses` there is no TLS socket, hence no server certificate for NTLM channel binding
    monkeypatch.setattr(requests_ntlm.HttpNtlmAuth, "_get_server_cert", lambda self, response: None)


@pytest.fixture
def ews(exchange_env):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeEws(rsps)


def make_config(tmp_path, max_wait=0, max_attempts=3, **exchange):
    return config_from_dict(
        {
            "client": {"product": "海尔冰箱"},
            "mail": {
                "transport": "exchange",
                "sender": SENDER,
                "max_attempts": max_attempts,
                "retry_base_seconds": 60,
                "exchange": {
                    "service_endpoint": EP,
                    "username": USER,
                    "auth": "ntlm",
                    "version": "Exchange2016",
                    "max_wait_seconds": max_wait,
                    **exchange,
                },
            },
        },
        base_dir=tmp_path,
    )


WORKBOOK = bytes(range(256)) * 40 + "周报".encode()  # binary, so any re-encoding would show


def queue_weekly(cfg, tmp_path, period="2026-11-27", to=("client.pm@client.example",), cc=()):
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    book = tmp_path / f"周报 Weekly {period}.xlsx"
    book.write_bytes(WORKBOOK)
    message = Message(
        sender=SENDER,
        to=to,
        cc=cc,
        subject=f"【周报 Weekly】海尔冰箱 工作进展 截至 {period}",
        html="<p style=\"color:#1f2328\">本周进行中 In progress: <b>12</b></p>",
        text="本周进行中 In progress: 12",
        attachments=(book,),
    )
    result = queue(cfg, engine, message, MailKey.of("weekly", period, message.recipients), now=NOW)
    return engine, result.id


def row(cfg, engine, message_id):
    return next(e for e in list_messages(cfg, engine) if e.id == message_id)


def test_send_and_save_makes_three_requests_carrying_the_whole_message(ews, tmp_path):
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path, cc=("li.na@agency.example",))

    result = flush(cfg, engine, now=NOW)

    assert result.sent == (mid,) and result.ok
    assert ews.ops() == ["GetFolder", "GetFolder", "CreateItem"]
    assert 'DistinguishedFolderId Id="root"' in ews.operations[0][1]
    assert 'DistinguishedFolderId Id="sentitems"' in ews.operations[1][1]
    assert ews.logins == 1  # NTLM, one handshake, no discovery request (any other URL would have failed)
    root = ET.fromstring(ews.creates()[0])
    assert root.find("s:Header/t:RequestServerVersion", NS).get("Version") == "Exchange2016"
    create = root.find("s:Body/m:CreateItem", NS)
    assert create.get("MessageDisposition") == "SendAndSaveCopy"
    assert create.find("m:SavedItemFolderId/t:DistinguishedFolderId", NS).get("Id") == "sentitems"
    msg = create.find("m:Items/t:Message", NS)
    assert msg.find("t:Subject", NS).text == "【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27"
    assert [e.text for e in msg.findall("t:ToRecipients/t:Mailbox/t:EmailAddress", NS)] == ["client.pm@client.example"]
    assert [e.text for e in msg.findall("t:CcRecipients/t:Mailbox/t:EmailAddress", NS)] == ["li.na@agency.example"]
    body = msg.find("t:Body", NS)
    assert body.get("BodyType") == "HTML"
    assert "本周进行中 In progress: <b>12</b>" in body.text
    attachment = msg.find("t:Attachments/t:FileAttachment", NS)
    assert attachment.find("t:Name", NS).text == "周报 Weekly 2026-11-27.xlsx"
    assert attachment.find("t:ContentType", NS).text == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert base64.b64decode(attachment.find("t:Content", NS).text) == WORKBOOK
    token = row(cfg, engine, mid).token
    props = {
        p.find("t:ExtendedFieldURI", NS).get("PropertyName"): p.find("t:Value", NS).text
        for p in msg.findall("t:ExtendedProperty", NS)
    }
    assert props == {"AdtoolsToken": token, "X-Adtools-Token": token}
    entry = row(cfg, engine, mid)
    assert (entry.state, entry.attempts, entry.transport, entry.sent_at) == ("sent", 1, "exchange", NOW)


def test_exchangelib_retries_a_503_within_max_wait_and_the_message_goes_out(ews, tmp_path, monkeypatch):
    monkeypatch.setattr(BaseProtocol, "RETRY_WAIT", 0.001)  # exchangelib's first back-off (10 s) made tiny for the test
    cfg = make_config(tmp_path, max_wait=1)
    engine, mid = queue_weekly(cfg, tmp_path)
    ews.script["CreateItem"] = [HTTP_503, HTTP_503, None]  # None: the normal answer

    result = flush(cfg, engine, now=NOW)

    assert result.sent == (mid,)
    assert len(ews.creates()) == 3  # two refused, the third accepted, all in one attempt of ours
    assert row(cfg, engine, mid).attempts == 1
    assert ews.sent_tokens == [row(cfg, engine, mid).token]


def test_server_busy_is_retried_by_exchangelib_then_backed_off_by_the_outbox_until_it_is_back(ews, tmp_path):
    cfg = make_config(tmp_path, max_wait=1, max_attempts=3)
    engine, mid = queue_weekly(cfg, tmp_path)
    original = message_bytes(engine, mid)
    # first a short back-off exchangelib honours, then one longer than max_wait_seconds, for good
    ews.script["CreateItem"] = [server_busy(5), server_busy(297_749)]

    first = flush(cfg, engine, now=NOW)
    assert first.retrying == (mid,) and first.error and "ErrorServerBusy" in first.error
    assert len(ews.creates()) == 2
    e = row(cfg, engine, mid)
    assert (e.state, e.attempts, e.next_attempt_at) == ("queued", 1, NOW + timedelta(seconds=60))

    assert flush(cfg, engine, now=NOW + timedelta(seconds=59)).outcomes == ()  # not due yet: nothing sent
    assert len(ews.creates()) == 2

    second = flush(cfg, engine, now=NOW + timedelta(seconds=60))
    assert second.retrying == (mid,)
    assert row(cfg, engine, mid).next_attempt_at == NOW + timedelta(seconds=60 + 120)  # doubled

    # the series of max_attempts is spent, but a busy server is no fault of the message: it never gives up,
    # it waits at the longest step (60 * 2^(3-1) = 240 s) until the server is back
    third = flush(cfg, engine, now=NOW + timedelta(seconds=180))
    assert third.retrying == (mid,) and third.failed == ()
    e = row(cfg, engine, mid)
    assert (e.state, e.attempts, e.next_attempt_at) == ("queued", 3, NOW + timedelta(seconds=180 + 240))
    assert "ErrorServerBusy" in e.last_error
    assert len(ews.creates()) == 4 and ews.sent_tokens == []
    assert message_bytes(engine, mid) == original  # nothing lost: the message is still whole in the outbox
    ews.script["CreateItem"] = [None]  # the server is back
    assert flush(cfg, engine, now=NOW + timedelta(seconds=420)).sent == (mid,)  # sent once
    assert ews.sent_tokens == [e.token]


@pytest.mark.parametrize(
    "fault, expected",
    [
        (HTTP_503, "503"),
        (server_busy(60_000), "ErrorServerBusy"),
        (requests.exceptions.ReadTimeout("Read timed out. (read timeout=120)"), "ErrorTimeoutExpired"),
        (requests.exceptions.ConnectTimeout("Connection to mail.agency.example timed out"), "ErrorTimeoutExpired"),
    ],
    ids=["http503", "server-busy", "read-timeout", "connect-timeout"],
)
def test_transient_faults_back_off_and_never_give_up_while_the_server_is_down(ews, tmp_path, fault, expected):
    cfg = make_config(tmp_path, max_wait=0, max_attempts=2)  # exchangelib gives up at once; the outbox retries
    engine, mid = queue_weekly(cfg, tmp_path)
    ews.script["CreateItem"] = [fault, fault, fault, None]

    first = flush(cfg, engine, now=NOW)
    assert first.retrying == (mid,)
    assert expected in row(cfg, engine, mid).last_error
    for n, at in ((2, 60), (3, 180)):  # past max_attempts: still queued, at the longest step (120 s)
        assert flush(cfg, engine, now=NOW + timedelta(seconds=at)).retrying == (mid,)
        e = row(cfg, engine, mid)
        assert (e.state, e.attempts, e.next_attempt_at) == ("queued", n, NOW + timedelta(seconds=at + 120))
        assert expected in e.last_error
    assert flush(cfg, engine, now=NOW + timedelta(seconds=300)).sent == (mid,)
    assert len(ews.creates()) == 4 and ews.sent_tokens == [row(cfg, engine, mid).token]


def test_a_timeout_is_retried_later_and_then_sent_once(ews, tmp_path):
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)
    ews.script["CreateItem"] = [requests.exceptions.ReadTimeout("Read timed out."), None]

    assert flush(cfg, engine, now=NOW).retrying == (mid,)
    assert flush(cfg, engine, now=NOW + timedelta(seconds=60)).sent == (mid,)
    assert ews.sent_tokens == [row(cfg, engine, mid).token]
    assert row(cfg, engine, mid).attempts == 2


def test_a_refused_login_fails_at_once_naming_account_and_keys(ews, tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_EXCHANGE_PASSWORD", "Wrong-Horse-Battery")
    cfg = make_config(tmp_path, max_wait=120)  # FaultTolerance would retry a 401 for minutes; we must not
    engine, weekly = queue_weekly(cfg, tmp_path)
    _, later = queue_weekly(cfg, tmp_path, period="2026-12-04")

    result = flush(cfg, engine, now=NOW)

    assert result.failed == (weekly, later) and not result.ok
    assert ews.logins == 1  # one bad login, not one per message nor one per retry
    assert ews.operations == []  # nothing got past authentication
    first = row(cfg, engine, weekly)
    assert (first.state, first.attempts) == ("failed", 1)
    for text in (first.last_error, result.error):
        assert "AGENCY\\svc-adtools" in text and SENDER in text and EP in text
        assert "[mail.exchange] username" in text and "ADTOOLS_EXCHANGE_PASSWORD" in text
        assert "Wrong-Horse-Battery" not in text
    second = row(cfg, engine, later)
    assert (second.state, second.attempts) == ("failed", 0) and second.last_error.startswith("not tried:")
    assert message_bytes(engine, later)  # nothing lost


def test_crash_after_exchange_accepted_finds_it_in_sent_items_and_does_not_send_again(ews, tmp_path):
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)

    def accepted_then_crash(body):
        ews.sent_tokens.append(_token_in(body))  # Exchange sent it and saved it to Sent Items ...
        raise Crash()  # ... and our process died before it could record that

    ews.script["CreateItem"] = [accepted_then_crash, None]
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW)
    assert row(cfg, engine, mid).state == "sending"

    # a flush while another may still be sending leaves it alone
    assert flush(cfg, engine, now=NOW + timedelta(seconds=60)).outcomes == ()

    lease = ExchangeTransport.lease_seconds(cfg)
    result = flush(cfg, engine, now=NOW + timedelta(seconds=lease + 1))
    assert result.recovered == (mid,)
    assert len(ews.creates()) == 1 and ews.ops()[-2:] == ["FindItem", "GetItem"]
    find = ET.fromstring(next(body for op, body in ews.operations if op == "FindItem"))
    assert find.find(".//t:ExtendedFieldURI", NS).get("PropertyName") == "AdtoolsToken"
    assert find.find(".//m:ParentFolderIds/t:DistinguishedFolderId", NS).get("Id") == "sentitems"
    e = row(cfg, engine, mid)
    assert (e.state, e.provider_id) == ("sent", "<SN6PR01MB1234@mail.agency.example>")


def test_crash_before_exchange_accepted_is_sent_after_the_sent_items_lookup(ews, tmp_path):
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)

    def crash(body):
        raise Crash()  # died while the request was on its way: Exchange never got it

    ews.script["CreateItem"] = [crash, None]
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW)
    result = flush(cfg, engine, now=NOW + timedelta(seconds=ExchangeTransport.lease_seconds(cfg) + 1))

    assert result.sent == (mid,)
    assert ews.ops().index("FindItem") < len(ews.ops()) - 1 and ews.ops()[-1] == "CreateItem"
    assert ews.sent_tokens == [row(cfg, engine, mid).token]  # exactly once
    assert row(cfg, engine, mid).attempts == 2


def test_connection_test_reports_the_server_version_without_sending(ews, tmp_path):
    cfg = make_config(tmp_path)

    info = mail_transport.test_connection(cfg)

    assert info["transport"] == "exchange" and info["server"] == EP
    assert "Microsoft Exchange Server 2016" in info["version"] and "15.1.2507.39" in info["version"]
    assert "AGENCY\\svc-adtools" in info["account"]
    assert ews.ops() == ["GetFolder"] and ews.sent_tokens == []


def test_tls_verification_is_on_unless_the_config_turns_it_off(exchange_env, tmp_path):
    from exchangelib.protocol import NoVerifyHTTPAdapter

    ExchangeTransport(make_config(tmp_path, verify_tls=False))
    assert BaseProtocol.HTTP_ADAPTER_CLS is NoVerifyHTTPAdapter
    ExchangeTransport(make_config(tmp_path))  # the default
    assert BaseProtocol.HTTP_ADAPTER_CLS is requests.adapters.HTTPAdapter


def test_a_server_that_answers_ntlm_without_a_challenge_is_a_refused_login(exchange_env, tmp_path):
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)
    with responses.RequestsMock() as rsps:  # e.g. a proxy in between that breaks the NTLM exchange
        rsps.add(responses.POST, EP, status=401, headers={"WWW-Authenticate": "NTLM"}, body="")
        result = flush(cfg, engine, now=NOW)

    assert result.failed == (mid,)
    assert "refused the login" in result.error and "[mail.exchange] username" in result.error


def test_every_version_the_config_accepts_has_a_build_and_no_other():
    """config.py lists the [mail.exchange] version choices without importing exchangelib: the two lists agree."""
    from adtools.errors import ConfigError
    from adtools.mail.exchange import EXCHANGE_BUILDS

    with pytest.raises(ConfigError) as info:
        config_from_dict({"mail": {"exchange": {"version": "Exchange2007"}}})
    accepted = re.search(r"is not one of ([\w, ]+)\.", str(info.value)).group(1).split(", ")
    assert accepted == list(EXCHANGE_BUILDS)
