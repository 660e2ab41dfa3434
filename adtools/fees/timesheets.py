"""Whose timesheet of a week is missing: the people of [[people]] without a timesheet for a week that had working days."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

import pandas as pd

from .periods import Workdays

__all__ = ["missing_timesheets"]


def missing_timesheets(timesheets: pd.DataFrame, names: Iterable[str], week_start: date, calendar: Workdays) -> list[str]:
    """The names (in the order given) with no timesheet for the week starting `week_start` (a Monday).

    `timesheets` is `frames.documents(ledger, "timesheet")` (staff is the [[people]]
    name, week_start the Monday). A week without a working day (Golden Week) needs none.
    """
    if not any(calendar.is_workday(week_start + timedelta(days=i)) for i in range(7)):
        return []
    present: set[str] = set()
    if timesheets is not None and len(timesheets):
        weeks = pd.to_datetime(timesheets["week_start"]).dt.date
        present = {str(s) for s, w in zip(timesheets["staff"], weeks) if w == week_start and s is not None}
    return [n for n in names if n not in present]
