"""An hour of mail outage under the scheduler, with an injected clock: back-off as configured, one alert, nothing lost.

The real scheduler ticks every 5 simulated minutes (never sleeping) and runs the real
`mail_flush` task at each tick's moment; the other jobs are recorded as done
(tests/test_scheduler.Recorder).  For an hour the server fails: Graph answers 503 with
Retry-After (beyond `max_wait_seconds`, so nothing sleeps), then refuses connections;
Exchange throttles (ErrorServerBusy), then times out; the SMTP server is stopped
(connection refused).  Then it is back.  Each failed attempt
must be put off by the configured back-off (`retry_base_seconds` doubling) or by the
server's Retry-After when longer, and never tried sooner; the admins hear of the failing
`mail_flush` once; once the server is back every message goes out, once.
"""
from __future__ import annotations

import json
import tomllib
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller

from adtools import clock, registry
from adtools.config import config_from_dict
from adtools.ledger.db import migrate, open_engine
from adtools.mail import MailKey, Message, list_messages, queue
from adtools.scheduler import Scheduler
from adtools.tasks import mail_flush_task
from tests._mail_trials import SmtpSink
from tests.test_mail_exchange import EP, USER, server_busy
from tests.test_mail_exchange import ews, exchange_env  # noqa: F401  (fixtures)
from tests.test_mail_graph import CLIENT, GLOBAL, SECRET, SENDER, TENANT, TZ, FakeGraph
from tests.test_scheduler import Recorder

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # a Monday; the outage starts at the first tick
OUTAGE = timedelta(hours=2)  # longer than the default back-off series (31 minutes in all)
TICK = timedelta(minutes=5)  # as the `mail_flush` job runs ("every 5 minutes")
BASE = 60  # [mail] retry_base_seconds
ATTEMPTS = 6  # [mail] max_attempts, the default: a server that is down never makes a message give up
RETRY_AFTER = 600  # what the busy Graph asks for: longer than the back-off's first steps


class FlushingRecorder(Recorder):
    """The scheduler's runner: the real mail_flush task at the tick's moment; other jobs recorded as done."""

    def __call__(self, job, cfg, moment):
        if job != "mail_flush":
            return super().__call__(job, cfg, moment)
        self.calls.append((job, registry.job(job).period(moment), moment))
        with clock.pinned(moment):  # what the transports read (Retry-After dates) is the tick's moment too
            return mail_flush_task(cfg, now=moment)


def make_cfg(tmp_path, transport, smtp_port=25):
    data = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"), parse_float=Decimal)
    data["paths"]["ledger"] = "var/ledger.sqlite"
    m = data["mail"]
    m.update(transport=transport, sender=SENDER, admins=["it@agency.example"], max_attempts=ATTEMPTS,
             retry_base_seconds=BASE)
    m["graph"].update(tenant_id=TENANT, client_id=CLIENT, authority=GLOBAL[0], graph_endpoint=GLOBAL[1], max_wait_seconds=30)
    m["smtp"].update(host="127.0.0.1", port=smtp_port, starttls=False, username="")
    m["exchange"].update(service_endpoint=EP, username=USER, auth="ntlm", version="Exchange2016", max_wait_seconds=0)
    return config_from_dict(data, base_dir=tmp_path)


def queue_reports(cfg, n=3):
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    for i in range(n):
        message = Message(sender=SENDER, to=(f"pm{i}@client.example",), subject=f"【周报 Weekly】海尔冰箱 第 {i} 份",
                          html=f"<p>Report {i}</p>", text=f"Report {i}")
        queue(cfg, engine, message, MailKey.of("weekly", f"2026-W{40 + i}", message.recipients), now=T0 - timedelta(minutes=1))
    return engine


class GraphOutage:
    def __init__(self, rsps, monkeypatch):
        monkeypatch.setenv("ADTOOLS_GRAPH_SECRET", SECRET)
        self.graph = FakeGraph(rsps, *GLOBAL)
        self.up = self.graph.mailbox_call
        self.refused = False

    def down(self, refused: bool) -> None:
        self.refused = refused
        self.graph.mailbox_call = self._fail

    def back(self) -> None:
        self.graph.mailbox_call = self.up

    def _fail(self, request):
        if self.refused:
            raise requests.exceptions.ConnectionError("[Errno 111] Connection refused")
        return (503, {"Retry-After": str(RETRY_AFTER)},
                json.dumps({"error": {"code": "ServiceUnavailable", "message": "The service is temporarily unavailable."}}))

    def delivered(self) -> Counter:
        return Counter(d["internetMessageHeaders"][0]["value"] for d in self.graph.sent)

    def recipients(self) -> list[str]:
        return [d["toRecipients"][0]["emailAddress"]["address"] for d in self.graph.sent]


class EwsOutage:
    """Exchange throttles (ErrorServerBusy with a back-off far beyond max_wait_seconds), then times out."""

    OPS = ("GetFolder", "CreateItem", "FindItem", "GetItem")

    def __init__(self, ews):
        self.ews = ews

    def down(self, refused: bool) -> None:
        answer = requests.exceptions.ReadTimeout("Read timed out.") if refused else server_busy(600_000)
        for op in self.OPS:
            self.ews.script[op] = [answer]  # the last answer repeats

    def back(self) -> None:
        self.ews.script.clear()

    def delivered(self) -> Counter:
        return Counter(self.ews.sent_tokens)


class SmtpOutage:
    def __init__(self):
        self.sink = SmtpSink()
        self.sink.controller.start()
        self.port = self.sink.port

        self.listening = True

    def down(self, refused: bool) -> None:
        if self.listening:
            self.sink.controller.stop()  # nothing listens: connection refused
            self.listening = False

    def back(self) -> None:
        if not self.listening:  # the same server (and its record) on the same port again
            self.sink.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
            self.sink.controller.start()
            self.listening = True

    def delivered(self) -> Counter:
        return Counter(self.sink.tokens)

    def close(self) -> None:
        self.back()
        self.sink.controller.stop()


def outage(transport, request, monkeypatch):
    if transport == "graph":
        return GraphOutage(request.getfixturevalue("_rsps"), monkeypatch)
    if transport == "exchange":
        return EwsOutage(request.getfixturevalue("ews"))
    return SmtpOutage()


@pytest.fixture
def _rsps():
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["graph", "exchange", "smtp"])
def test_an_hour_of_outage_backs_off_as_configured_alerts_once_and_then_sends_everything_once(
        tmp_path, transport, request, monkeypatch):
    server = outage(transport, request, monkeypatch)
    cfg = make_cfg(tmp_path, transport, getattr(server, "port", 25))
    engine = queue_reports(cfg)
    seen: dict[int, tuple[int, datetime | None]] = {}  # id -> (attempts, next_attempt_at) after the last tick
    tries: list[tuple[int, int, datetime, datetime]] = []  # (id, attempt, tried at, put off until)
    during = None
    try:
        with Scheduler(cfg, runner=FlushingRecorder()).open(now=T0 - timedelta(minutes=2)) as s:
            t = T0
            while t <= T0 + timedelta(hours=3):
                if t < T0 + OUTAGE:
                    server.down(refused=t >= T0 + OUTAGE / 2)  # first 503 + Retry-After, then refused
                else:
                    server.back()
                s.tick(t)
                for e in list_messages(cfg, engine, limit=None):
                    before = seen.get(e.id, (0, None))
                    if e.attempts > before[0] and e.state == "queued":
                        tries.append((e.id, e.attempts, t, e.next_attempt_at))
                        assert before[1] is None or t >= before[1], f"message {e.id} tried before its back-off ended"
                    seen[e.id] = (e.attempts, e.next_attempt_at if e.state == "queued" else None)
                if t == T0 + OUTAGE - TICK:
                    during = server.delivered()
                t += TICK
    finally:
        if transport == "smtp":
            server.close()

    assert during == Counter(), "nothing goes out while the server is down"
    rows = list_messages(cfg, engine, limit=None)
    assert {e.state for e in rows} == {"sent"}, [(e.id, e.state, e.attempts, e.last_error) for e in rows]
    assert server.delivered() == Counter({e.token: 1 for e in rows}), "each message delivered exactly once"
    # the back-off, as configured: attempt n puts the message off by BASE * 2^(n-1), or the Retry-After when longer
    assert tries, "the outage made attempts fail"
    for mid, n, at, until in tries:
        wait = min(BASE * 2 ** (n - 1), BASE * 2 ** (ATTEMPTS - 1))  # the longest step, once the series is spent
        if transport == "graph" and at < T0 + OUTAGE / 2:
            wait = max(wait, RETRY_AFTER)
        assert until == at + timedelta(seconds=wait), (mid, n, at, until)
    assert max(n for _, n, _, _ in tries) >= ATTEMPTS, "the outage outlasted the back-off series, and none gave up"
    # the admins were told once that mail_flush is failing, and that mail went out too once the server was back
    alerts = [e for e in rows if e.key.startswith("job-failed:mail_flush")]
    assert len(alerts) == 1 and alerts[0].recipients == ("it@agency.example",)
    assert alerts[0].sent_at >= T0 + OUTAGE
    # once back, each message goes out at the first flush after its back-off ends
    for e in rows:
        last = max((until for mid, _, _, until in tries if mid == e.id), default=T0)
        due = max(last, T0 + OUTAGE)
        assert due <= e.sent_at < due + 2 * TICK, (e.id, e.sent_at, due)
