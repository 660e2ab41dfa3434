"""Exactly once when a send times out but the server delivered it anyway (Graph's `/send` can).

The retry looks the message up in Sent Items (by its token) before sending again, as the
recovery of a crashed send does; SMTP, which cannot be asked, sends again (at-least-once).
"""
from __future__ import annotations

from datetime import timedelta

import requests

from adtools.mail import flush
from adtools.mail.graph import GraphTransport
from tests.test_mail_graph import GLOBAL, NOW, FakeGraph, entry, make_config, queue_weekly, rsps  # noqa: F401


def test_a_timed_out_send_that_was_delivered_is_found_and_not_sent_again(rsps, tmp_path):  # noqa: F811
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)

    def delivered_then_timed_out(request, draft_id):
        graph.deliver(draft_id)  # Exchange Online accepted it ...
        raise requests.exceptions.ReadTimeout("read timed out")  # ... but the answer never came

    graph.script = [delivered_then_timed_out]
    first = flush(cfg, engine, now=NOW, transport=GraphTransport(cfg, sleep=lambda s: None))
    assert first.retrying == (mid,) and len(graph.sent) == 1
    second = flush(cfg, engine, now=NOW + timedelta(minutes=5), transport=GraphTransport(cfg, sleep=lambda s: None))
    assert second.recovered == (mid,) and second.sent == ()
    assert graph.send_requests == 1 and len(graph.sent) == 1, "sent twice"
    assert entry(cfg, engine, mid).state == "sent"


def test_a_send_that_failed_before_delivery_is_sent_after_the_lookup(rsps, tmp_path):  # noqa: F811
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_weekly(cfg, tmp_path)
    def refused(request, draft_id):
        raise requests.exceptions.ConnectionError("connection reset")

    graph.script = [refused]
    first = flush(cfg, engine, now=NOW, transport=GraphTransport(cfg, sleep=lambda s: None))
    assert first.retrying == (mid,) and graph.sent == []
    second = flush(cfg, engine, now=NOW + timedelta(minutes=5), transport=GraphTransport(cfg, sleep=lambda s: None))
    assert second.sent == (mid,) and len(graph.sent) == 1
    assert len(graph.drafts) == 1, "the recorded draft was sent; no second message was made"
