"""Kill trials: `adtools mail flush` killed (SIGKILL) at a seeded random moment, then run again to the end.

For each transport (file, SMTP on a real aiosmtpd server, EWS and Graph faked at the
HTTP layer with their real client code) a workspace queues a few reports; a child
process runs the flush and is killed at a moment drawn from a seeded generator over
the time a flush of that transport takes (measured first, by an uninterrupted run);
then the flush runs again, to completion, an hour later (past every lease).  Every
message must be delivered; on file, EWS and Graph exactly once; on SMTP, which
cannot be asked what it has, at most one copy more per killed message, and the
number of copies is recorded (`record_property`, printed) for the README's window.
"""
from __future__ import annotations

import random
from collections import Counter

import pytest

from tests._mail_trials import SmtpSink, TRANSPORTS, context, delivered, outbox, queue_messages, run_flush, write_workspace
from tests.test_mail_graph import NOW

pytestmark = pytest.mark.slow  # forkserver children on POSIX; spawned ones (slower) on Windows

SEED = 20261127
TRIALS_PER_TRANSPORT = 8  # 32 kills in all
MESSAGES = 4
LATENCY = 0.02  # each fake server call takes 20 ms, so a kill lands inside calls as well as between them
KILL_AT = NOW.isoformat()
RERUN_AT = NOW.replace(hour=NOW.hour + 1).isoformat()  # past every transport's lease: a `sending` row is recovered


@pytest.fixture(scope="module")
def ctx():
    return context()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_flush_killed_at_random_moments_delivers_every_message_once(ctx, tmp_path, transport, record_property):
    rng = random.Random(f"{SEED}-{transport}")
    with SmtpSink(latency=LATENCY) as sink:
        # how long an uninterrupted flush of this transport takes (and that it delivers each message once)
        cfg = write_workspace(tmp_path / "calibration", transport, sink.port)
        queued = queue_messages(cfg, MESSAGES, NOW)
        killed, span = run_flush(ctx, transport, cfg, KILL_AT, latency=LATENCY)
        assert not killed and {e.state for e in outbox(cfg)} == {"sent"}
        assert delivered(transport, cfg.parent, sink) == Counter({t: 1 for _, t in queued})

        kills = interrupted = copies = 0
        for trial in range(TRIALS_PER_TRANSPORT):
            sink.tokens.clear()  # the SMTP server is shared: count this trial's deliveries only
            cfg = write_workspace(tmp_path / f"trial{trial}", transport, sink.port)
            queued = queue_messages(cfg, MESSAGES, NOW)
            tokens = [t for _, t in queued]
            at = rng.uniform(0.0, span)
            was_killed, _ = run_flush(ctx, transport, cfg, KILL_AT, kill_after=at, latency=LATENCY)
            kills += was_killed
            left = [e for e in outbox(cfg) if e.state != "sent"]
            interrupted += bool(left)

            run_flush(ctx, transport, cfg, RERUN_AT, latency=LATENCY)

            rows = outbox(cfg)
            assert {e.state for e in rows} == {"sent"}, f"trial {trial} (killed at {at:.3f} s): {[(e.id, e.state, e.last_error) for e in rows]}"
            got = delivered(transport, cfg.parent, sink)
            assert set(got) == set(tokens), f"trial {trial}: a message was lost or a stranger delivered"
            if transport == "smtp":
                assert max(got.values()) <= 2 and sum(got.values()) - len(tokens) <= int(was_killed), \
                    f"trial {trial}: more than one copy more for one kill: {got}"
                copies += sum(got.values()) - len(tokens)
            else:
                assert set(got.values()) == {1}, f"trial {trial} (killed at {at:.3f} s): sent twice: {got}"

    record_property(f"{transport}_kills", kills)
    record_property(f"{transport}_duplicates", copies)
    print(f"{transport}: {kills} of {TRIALS_PER_TRANSPORT} kills landed mid-flush, {interrupted} left work for the rerun, "
          f"{copies} duplicate deliveries (flush of {MESSAGES} messages takes {span:.2f} s)")
    assert kills >= TRIALS_PER_TRANSPORT // 2, "most kills must land while the flush runs"
    assert interrupted >= TRIALS_PER_TRANSPORT // 4, "the kills must leave work behind for the rerun"
