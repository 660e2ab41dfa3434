"""Awaiting the client: sign-offs left pending longer than the client response SLA."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from ..calendar import WorkCalendar
from ..provenance import source
from ._frames import _as_of, _frame, _text
from ._sign_offs import _sign_off_versions

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["AWAITING_COLUMNS", "awaiting_client"]

AWAITING_COLUMNS = (
    "job_no", "document", "version", "submitted_on", "response_due", "working_days_waiting",
    "register_id", "source", "warnings",
)  # fmt: skip


def awaiting_client(sign_offs: pd.DataFrame, cfg: "Config", cal: WorkCalendar, as_of: date) -> pd.DataFrame:
    """Sign-offs the client has left pending longer than `[sla] client_response_days` working days.

    Per job and document, the latest version submitted on or before as_of counts;
    it is pending when it has no decision, or its decision is dated after as_of.
    working_days_waiting = working days after submitted_on up to as_of; listed when
    greater than client_response_days.  response_due = the last day the client had.

    Columns: AWAITING_COLUMNS, most waiting first.
    """
    as_of = _as_of(as_of)
    limit = cfg.sla.client_response_days
    rows = []
    for (job, doc), versions in _sign_off_versions(sign_offs).items():
        known = [v for v in versions.values() if v["_submitted"] <= as_of]
        if not known:
            continue
        latest = max(known, key=lambda v: v["_version"])
        decided = latest["_decided"]
        if latest["_decision"] is not None and (decided is None or decided <= as_of):
            continue
        submitted = latest["_submitted"]
        waiting = cal.workdays_between(submitted, as_of)
        if waiting <= limit:
            continue
        due = cal.add_workdays(submitted, limit)
        rows.append(
            {
                "job_no": job,
                "document": doc,
                "version": latest["_version"],
                "submitted_on": submitted,
                "response_due": due,
                "working_days_waiting": waiting,
                "register_id": _text(latest.get("register_id")),
                "source": source(latest, "submitted_on"),  # the date the waiting counts from
                "warnings": list(cal.warnings_for(submitted, as_of)),
            }
        )
    out = _frame(rows, AWAITING_COLUMNS, dates=("submitted_on", "response_due"), ints=("version", "working_days_waiting"))
    return out.sort_values(["working_days_waiting", "job_no", "document"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
