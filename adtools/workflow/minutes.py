"""The minutes SLA: minutes of important meetings against the hours allowed after the meeting's end."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

from ..money import round_fen
from ..provenance import source
from ._frames import _as_of, _end_of, _flag, _frame, _local, _records, _text

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["MINUTES_COLUMNS", "minutes_sla"]

MINUTES_COLUMNS = (
    "title", "job_no", "meeting_start", "meeting_end", "deadline", "sent_at", "status",
    "hours_late", "prepared_by", "source",
)  # fmt: skip


def _hours(delta: pd.Timedelta) -> Decimal:
    """Clock hours, exactly (from integer nanoseconds), rounded half up to 0.01."""
    return round_fen(Decimal(pd.Timedelta(delta).value) / Decimal(3_600_000_000_000))


def minutes_sla(minutes_docs: pd.DataFrame, cfg: "Config", as_of: date) -> pd.DataFrame:
    """Minutes of important meetings against `[sla] minutes_hours` clock hours after the meeting's end.

    Takes one row per minutes document (`frames.documents(ledger, "minutes")`).
    Meetings marked important and ended by the end of as_of count:
    `on_time` (sent by meeting_end + minutes_hours), `late` (sent after; hours_late
    = how much), `missing` (not sent by the end of as_of although due; hours_late =
    hours overdue then) or `pending` (not sent, not yet due).  A sent_at after the
    end of as_of counts as not sent.  hours_late is a Decimal rounded to 0.01.

    Columns: MINUTES_COLUMNS, by meeting_end.
    """
    as_of = _as_of(as_of)
    tz = cfg.tz
    end = _end_of(as_of, tz)
    allowed = pd.Timedelta(hours=cfg.sla.minutes_hours)
    rows = []
    for rec in _records(minutes_docs, ("title", "job_no", "meeting_start", "meeting_end", "important", "sent_at", "prepared_by"), cells=("sent_at",)):
        if not _flag(rec.get("important")):
            continue
        meeting_end = _local(rec.get("meeting_end"), tz)
        if meeting_end is None or meeting_end >= end:
            continue
        deadline = meeting_end + allowed
        sent = _local(rec.get("sent_at"), tz)
        if sent is not None and sent >= end:
            sent = None
        hours_late = None
        if sent is not None:
            status = "on_time" if sent <= deadline else "late"
            if status == "late":
                hours_late = _hours(sent - deadline)
        elif end > deadline:
            status = "missing"
            hours_late = _hours(end - deadline)
        else:
            status = "pending"
        rows.append(
            {
                "title": _text(rec.get("title")),
                "job_no": _text(rec.get("job_no")),
                "meeting_start": _local(rec.get("meeting_start"), tz),
                "meeting_end": meeting_end,
                "deadline": deadline,
                "sent_at": sent,
                "status": status,
                "hours_late": hours_late,
                "prepared_by": _text(rec.get("prepared_by")),
                "source": source(rec, "sent_at"),
            }
        )
    out = _frame(rows, MINUTES_COLUMNS)
    for c in ("meeting_start", "meeting_end", "deadline", "sent_at"):
        out[c] = pd.to_datetime(out[c], utc=True).dt.tz_convert(tz).astype(f"datetime64[ns, {cfg.time.timezone}]")
    return out.sort_values(["meeting_end", "title"], kind="stable").reset_index(drop=True)
