"""Two `adtools mail flush` processes at once on one ledger: each message is delivered once.

Each flush claims a message (`queued` -> `sending`) in one conditional UPDATE before
handing it to the transport, so the two split the outbox between them; the fake servers
count what they received (see tests/_mail_trials.py).
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from tests._mail_trials import SmtpSink, TRANSPORTS, context, delivered, finish, outbox, queue_messages, start_flush, write_workspace
from tests.test_mail_graph import NOW

pytestmark = pytest.mark.slow  # forkserver children on POSIX; spawned ones (slower) on Windows

MESSAGES = 12
ROUNDS = 3


@pytest.fixture(scope="module")
def ctx():
    return context()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_two_flushes_at_once_deliver_each_message_once(ctx, tmp_path, transport):
    shared = 0  # rounds in which both flushes sent some of the messages
    with SmtpSink(latency=0.01) as sink:
        for r in range(ROUNDS):
            sink.tokens.clear()
            cfg = write_workspace(tmp_path / f"round{r}", transport, sink.port)
            tokens = [t for _, t in queue_messages(cfg, MESSAGES, NOW)]
            first = start_flush(ctx, transport, cfg, NOW.isoformat(), latency=0.01)
            second = start_flush(ctx, transport, cfg, NOW.isoformat(), latency=0.01)
            finish(first, transport, cfg)
            finish(second, transport, cfg)

            assert {e.state for e in outbox(cfg)} == {"sent"}
            assert delivered(transport, cfg.parent, sink) == Counter({t: 1 for t in tokens}), f"round {r}"
            log = (cfg.parent / "child.log").read_text(encoding="utf-8")
            counts = [int(n) for n in re.findall(r'^  "sent": (\d+),', log, re.M)]  # what each flush says it sent
            assert len(counts) == 2 and sum(counts) == MESSAGES
            shared += min(counts) > 0
    assert shared >= 1, "the two flushes never overlapped: nothing was tried"
