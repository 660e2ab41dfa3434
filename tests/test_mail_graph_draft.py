"""Graph exactly once: a draft with our token, its id recorded in the outbox row, then sent; big files by upload session.

The fake mailbox (tests/test_mail_graph.FakeGraph) keeps drafts, upload sessions and Sent
Items behind the real `requests` code path (`responses` at the HTTP layer), with msal's
real client-credentials flow in front.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
import requests
from sqlalchemy import inspect, text

from adtools.ledger.db import migrate, open_engine
from adtools.mail import MailKey, Message, flush, queue
from adtools.mail.graph import MAX_INLINE_ATTACHMENT_BYTES, UPLOAD_CHUNK_BYTES, GraphTransport
from adtools.mail.outbox import messages
from tests.test_mail_graph import (  # noqa: F401
    GLOBAL,
    NOW,
    SENDER,
    UPLOAD_AUTHTOKEN,
    WORKBOOK,
    Crash,
    FakeGraph,
    entry,
    make_config,
    rsps,
)

# 4.2 MB of bytes that do not repeat on a 320 KiB boundary, so a misplaced range shows
BIG = hashlib.sha256(b"seed").digest() * (4_200_000 // 32) + b"tail-bytes"


def queue_big(cfg, tmp_path, period="2026-11-27"):
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    small = tmp_path / "周报 Weekly.xlsx"
    small.write_bytes(WORKBOOK)
    big = tmp_path / "素材 Artwork proofs.pdf"
    big.write_bytes(BIG)
    message = Message(
        sender=SENDER,
        to=("client.pm@client.example",),
        subject=f"【周报 Weekly】海尔冰箱 截至 {period}",
        html="<p>见附件 See the attachments</p>",
        text="见附件 See the attachments",
        attachments=(small, big),
    )
    return engine, queue(cfg, engine, message, MailKey.of("weekly", period, message.recipients), now=NOW).id


def transport(cfg):
    return GraphTransport(cfg, sleep=lambda s: None)


def attachments_of(sent: dict) -> dict[str, bytes]:
    return {a["name"]: base64.b64decode(a["contentBytes"]) for a in sent["attachments"]}


def draft_id_of(engine, mid):
    with engine.connect() as conn:
        return conn.execute(messages.select().where(messages.c.id == mid)).one().draft_id


def test_a_big_attachment_goes_by_upload_session_in_320_kib_ranges_and_arrives_byte_equal(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_big(cfg, tmp_path)

    result = flush(cfg, engine, now=NOW, transport=transport(cfg))

    assert result.sent == (mid,)
    (sent,) = graph.sent
    got = attachments_of(sent)
    assert got["素材 Artwork proofs.pdf"] == BIG and got["周报 Weekly.xlsx"] == WORKBOOK
    assert len(BIG) > MAX_INLINE_ATTACHMENT_BYTES > len(WORKBOOK)
    assert UPLOAD_CHUNK_BYTES % (320 * 1024) == 0 and UPLOAD_CHUNK_BYTES < 4 * 1024 * 1024
    assert graph.ranges == [f"bytes 0-{UPLOAD_CHUNK_BYTES - 1}/{len(BIG)}",
                            f"bytes {UPLOAD_CHUNK_BYTES}-{len(BIG) - 1}/{len(BIG)}"]
    # the small file travelled inline in the draft; the big one was never in a JSON request
    posts = [p for m, p in graph.requests if m == "POST"]
    assert posts == ["/messages", "/messages/AAMkDRAFT1=/attachments/createUploadSession", "/messages/AAMkDRAFT1=/send"]
    assert draft_id_of(engine, mid) == "AAMkDRAFT1=" and entry(cfg, engine, mid).state == "sent"


def test_several_files_over_the_inline_budget_are_posted_one_by_one(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    books = []
    for i in range(3):  # 3 x 1.2 MB: two fit inline (2.4 MB), the third would pass 3 MB
        p = tmp_path / f"book{i}.xlsx"
        p.write_bytes(bytes([i]) * 1_200_000)
        books.append(p)
    message = Message(sender=SENDER, to=("client.pm@client.example",), subject="三个附件 Three files", html="<p>x</p>", text="x",
                      attachments=tuple(books))
    mid = queue(cfg, engine, message, MailKey.of("weekly", "2026-11-27", message.recipients), now=NOW).id

    assert flush(cfg, engine, now=NOW, transport=transport(cfg)).sent == (mid,)

    assert attachments_of(graph.sent[0]) == {f"book{i}.xlsx": bytes([i]) * 1_200_000 for i in range(3)}
    assert ("POST", "/messages/AAMkDRAFT1=/attachments") in graph.requests and graph.ranges == []


def test_a_time_out_after_the_draft_was_created_sends_exactly_one_message(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_big(cfg, tmp_path)
    created = graph.create

    def created_then_timed_out(request):  # Graph made the draft; its answer never came back
        created(request)
        raise requests.exceptions.ReadTimeout("read timed out")

    graph.create = created_then_timed_out
    first = flush(cfg, engine, now=NOW, transport=transport(cfg))
    assert first.retrying == (mid,) and graph.sent == [] and draft_id_of(engine, mid) is None
    graph.create = created

    second = flush(cfg, engine, now=NOW + timedelta(minutes=5), transport=transport(cfg))

    assert second.sent == (mid,)
    assert len(graph.sent) == 1 and graph.send_requests == 1
    assert attachments_of(graph.sent[0])["素材 Artwork proofs.pdf"] == BIG
    # the orphan draft of the lost answer was never sent: it is all that is left in Drafts
    assert [d["isDraft"] for d in graph.drafts.values()] == [True, False]


def test_a_time_out_of_the_send_itself_that_did_not_deliver_sends_the_recorded_draft(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_big(cfg, tmp_path)

    def timed_out(request, draft_id):
        raise requests.exceptions.ConnectTimeout("connect timed out")

    graph.script = [timed_out]
    assert flush(cfg, engine, now=NOW, transport=transport(cfg)).retrying == (mid,)
    assert draft_id_of(engine, mid) == "AAMkDRAFT1="
    uploads = len(graph.ranges)

    second = flush(cfg, engine, now=NOW + timedelta(minutes=5), transport=transport(cfg))

    assert second.sent == (mid,)
    assert len(graph.drafts) == 1 and len(graph.sent) == 1, "the recorded draft was sent, not a new one"
    assert len(graph.ranges) == uploads, "its attachment was not uploaded again"


def test_a_time_out_on_send_that_delivered_is_not_sent_again(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_big(cfg, tmp_path)

    def delivered_then_timed_out(request, draft_id):
        graph.deliver(draft_id)
        raise requests.exceptions.ReadTimeout("read timed out")

    graph.script = [delivered_then_timed_out]
    assert flush(cfg, engine, now=NOW, transport=transport(cfg)).retrying == (mid,)

    second = flush(cfg, engine, now=NOW + timedelta(minutes=5), transport=transport(cfg))

    assert second.recovered == (mid,) and second.sent == ()
    assert graph.send_requests == 1 and len(graph.sent) == 1 and len(graph.drafts) == 1
    assert entry(cfg, engine, mid).provider_id == "<DRAFT1@outlook.example>"


def test_a_crash_mid_upload_makes_the_draft_again_and_sends_one_whole_message(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_big(cfg, tmp_path)
    upload = graph.upload

    def first_range_then_crash(request):
        upload(request)
        raise Crash()

    graph.upload = first_range_then_crash
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW, transport=transport(cfg))
    graph.upload = upload
    assert draft_id_of(engine, mid) == "AAMkDRAFT1=" and entry(cfg, engine, mid).state == "sending"

    later = NOW + timedelta(seconds=GraphTransport.lease_seconds(cfg) + 1)
    result = flush(cfg, engine, now=later, transport=transport(cfg))

    assert result.sent == (mid,)
    assert ("DELETE", "/messages/AAMkDRAFT1=") in graph.requests  # the half-made draft, never sent
    assert list(graph.drafts) == ["AAMkDRAFT2="] and graph.sent_ids == ["AAMkDRAFT2="]
    assert attachments_of(graph.sent[0])["素材 Artwork proofs.pdf"] == BIG
    assert draft_id_of(engine, mid) == "AAMkDRAFT2="


def test_a_recorded_draft_that_vanished_is_looked_up_in_sent_items_before_anything_is_made(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_big(cfg, tmp_path)

    def delivered_then_crash(request, draft_id):
        graph.deliver(draft_id)
        raise Crash()

    graph.script = [delivered_then_crash]
    with pytest.raises(Crash):
        flush(cfg, engine, now=NOW, transport=transport(cfg))
    # the id changed after all (a mailbox moved, an id that was not immutable): only the token tells
    graph.drafts["AAMkMOVED="] = graph.drafts.pop("AAMkDRAFT1=")
    graph.sent_ids = ["AAMkMOVED="]

    result = flush(cfg, engine, now=NOW + timedelta(seconds=GraphTransport.lease_seconds(cfg) + 1), transport=transport(cfg))

    assert result.recovered == (mid,)
    assert len(graph.searches) == 1 and graph.send_requests == 1 and len(graph.drafts) == 1


def test_an_upload_failure_never_shows_the_pre_authenticated_url(rsps, tmp_path):
    graph = FakeGraph(rsps, *GLOBAL)
    cfg = make_config(tmp_path)
    engine, mid = queue_big(cfg, tmp_path)

    def reset(request):
        raise requests.exceptions.ConnectionError(f"Connection reset by peer while sending to {request.url}")

    graph.upload = reset
    result = flush(cfg, engine, now=NOW, transport=transport(cfg))

    assert result.retrying == (mid,)
    error = entry(cfg, engine, mid).last_error
    assert "AttachmentSessions" in error and UPLOAD_AUTHTOKEN not in error and UPLOAD_AUTHTOKEN not in result.error


def test_migration_101_adds_the_draft_column_to_an_older_outbox(tmp_path):
    cfg = make_config(tmp_path)
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    with engine.begin() as conn:  # the outbox as migration 100 left it in an older ledger
        conn.execute(text("ALTER TABLE mail_messages DROP COLUMN draft_id"))
        conn.execute(text("DELETE FROM schema_version WHERE version = 101"))
    assert "draft_id" not in {c["name"] for c in inspect(engine).get_columns("mail_messages")}

    assert migrate(engine) >= 101

    assert "draft_id" in {c["name"] for c in inspect(engine).get_columns("mail_messages")}
    assert migrate(engine) >= 101  # again: nothing to do
