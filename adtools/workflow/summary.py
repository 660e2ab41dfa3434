"""The Monday summary: deadlines, gate violations, awaiting client and minutes SLA as of one day."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from ..calendar import WorkCalendar
from ..clock import last_friday
from ._frames import _as_of
from .approvals import awaiting_client
from .deadlines import OPEN_STATUSES, deadlines
from .gates import gate_violations
from .minutes import minutes_sla

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["WeeklySummary", "weekly_summary"]

log = logging.getLogger("adtools.workflow")


@dataclass(frozen=True, eq=False)
class WeeklySummary:
    """Everything the Monday progress report shows, as of the end of `as_of`.

    deadlines: every live work-order line (see `deadlines`); overdue / due_soon /
    open_lines are views of it.  gate_violations: every violation recorded by
    as_of.  awaiting_client: as `awaiting_client`.  minutes: important meetings
    that ended in the report's week (as_of - 6 days .. as_of) plus older ones whose
    minutes are still missing.  warnings: calendar warnings of every figure shown,
    then data warnings, each once.
    """

    as_of: date
    deadlines: pd.DataFrame
    gate_violations: pd.DataFrame
    awaiting_client: pd.DataFrame
    minutes: pd.DataFrame
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def jobs(self) -> int:
        """Jobs with a work order received by as_of."""
        return int(self.deadlines["job_no"].nunique())

    @property
    def open_lines(self) -> pd.DataFrame:
        return self.deadlines[self.deadlines["status"].isin(OPEN_STATUSES)]

    @property
    def open_deliverables(self) -> int:
        return len(self.open_lines)

    @property
    def minutes_late(self) -> int:
        """Important meetings whose minutes were sent late or are still missing."""
        return int(self.minutes["status"].isin(["late", "missing"]).sum())

    @property
    def overdue(self) -> pd.DataFrame:
        d = self.deadlines[self.deadlines["status"] == "overdue"]
        return d.sort_values(["working_days_late", "job_no"], ascending=[False, True], kind="stable")

    @property
    def due_soon(self) -> pd.DataFrame:
        d = self.deadlines[self.deadlines["status"] == "due_soon"]
        return d.sort_values(["target", "job_no"], kind="stable")


def weekly_summary(
    cfg: "Config",
    *,
    work_orders: pd.DataFrame,
    progress: pd.DataFrame,
    sign_offs: pd.DataFrame,
    minutes_docs: pd.DataFrame,
    as_of: date | None = None,
    today: date | None = None,
    cal: WorkCalendar | None = None,
) -> WeeklySummary:
    """Assemble deadlines, gate violations, awaiting-client and minutes SLA into one WeeklySummary.

    as_of defaults to `last_friday(today)`; one of them is needed: a calculator
    never reads the clock (the report or the job passes the moment).
    """
    if as_of is None:
        if today is None:
            raise TypeError("weekly_summary needs as_of or today (a calculator does not read the clock)")
        as_of = last_friday(today)
    as_of = _as_of(as_of)
    cal = cal or WorkCalendar.from_config(cfg)

    lines = deadlines(work_orders, progress, cfg, cal, as_of)
    violations = gate_violations(progress, sign_offs, as_of, work_orders=work_orders)
    waiting = awaiting_client(sign_offs, cfg, cal, as_of)
    minutes = minutes_sla(minutes_docs, cfg, as_of)
    if not minutes.empty:
        week_start = pd.Timestamp(datetime.combine(as_of - timedelta(days=6), time(0), tzinfo=cfg.tz))
        minutes = minutes[(minutes["meeting_end"] >= week_start) | (minutes["status"] == "missing")].reset_index(drop=True)

    found: list[str] = []
    for frame in (lines, waiting):
        for ws in frame["warnings"]:
            found.extend(ws)
    found.extend(lines.attrs.get("warnings", []))
    calendar = [w for w in map(cal.year_warning, cal.assumed_years_used) if w in found]  # by year
    warnings = tuple(dict.fromkeys([*calendar, *found]))
    for w in warnings:
        log.info("weekly summary %s: %s", as_of, w)
    return WeeklySummary(as_of, lines, violations, waiting, minutes, warnings)
