"""The periods a statement covers: the bounds of a month and the weeks whose timesheets it needs."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Protocol

from ..errors import InputError

__all__ = ["Workdays", "month_bounds", "statement_weeks"]

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class Workdays(Protocol):
    """What fee_statement needs of a calendar (adtools.calendar.WorkCalendar fits)."""

    def is_workday(self, d: date) -> bool: ...


class _MondayToFriday:
    def is_workday(self, d: date) -> bool:
        return d.weekday() < 5


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a `YYYY-MM` month."""
    m = _MONTH_RE.match(str(month).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(
            f"月份格式不对 / Not a month: {month!r}. Rule: the month is written YYYY-MM. Fix: e.g. --month 2026-11."
        )
    first = date(int(m.group(1)), int(m.group(2)), 1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def statement_weeks(month: str, calendar: Workdays | None = None) -> list[date]:
    """The Mondays of the weeks that have at least one working day in the month."""
    cal = calendar or _MondayToFriday()
    first, last = month_bounds(month)
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        days = (monday + timedelta(days=i) for i in range(7))
        if any(first <= d <= last and cal.is_workday(d) for d in days):
            weeks.append(monday)
        monday += timedelta(days=7)
    return weeks
