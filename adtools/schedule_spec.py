"""The `[schedule]` phrases ("every 10 minutes", "monday 09:00", "workday 3 09:00"), parsed at load time.

Checked when config.toml loads, so a typo fails on Monday's deploy, not at 09:00.
A phrase names the moments a job is due (`ScheduleSpec.due_moments`); which of
those days are working days is the caller's calendar (China's, with 调休), passed
in as a function, so this module stays in the base and reads no clock.

Phrases (case and spaces do not matter):

- `every N minutes` / `every N hours`: every N minutes from midnight (local time);
- `daily HH:MM`: every day;
- `workdays HH:MM`: every working day (调休 Saturdays included, holidays not);
- `<weekday> HH:MM`, e.g. `monday 09:00`: every week on that day;
- `day N HH:MM`: day N of every month (1-28);
- `workday N HH:MM`: the Nth working day of every month (1-15);
- any calendar-day phrase followed by `or next workday`, e.g.
  `monday 09:00 or next workday`: a day that is not a working day moves to the
  next working day.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

__all__ = ["ScheduleSpec", "parse_schedule", "SCHEDULE_FORMATS"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SCHEDULE_FORMATS = (
    '"every N minutes", "every N hours", "daily HH:MM", "workdays HH:MM" (every working day), '
    '"<weekday> HH:MM" (e.g. "monday 09:00"), "day N HH:MM" (day N of each month, 1-28), '
    '"workday N HH:MM" (the Nth working day of each month, 1-15); a day phrase may end in '
    '"or next workday" (e.g. "monday 09:00 or next workday")'
)
_ROLL = " or next workday"

IsWorkday = Callable[[date], bool]


@dataclass(frozen=True)
class ScheduleSpec:
    """When a job runs: kind is "interval", "daily", "workdays", "weekly", "monthly" or "workday"."""

    kind: str
    text: str
    minutes: int = 0  # interval length, for kind "interval"
    at: time | None = None
    weekday: int | None = None  # 0 = Monday
    day: int | None = None  # day of month ("monthly") or the Nth working day ("workday")
    roll: bool = False  # a day that is not a working day moves to the next working day

    @property
    def needs_calendar(self) -> bool:
        """Does the phrase depend on which days are working days?"""
        return self.kind in ("workdays", "workday") or self.roll

    def days(self, first: date, last: date, is_workday: IsWorkday) -> list[date]:
        """The days in [first, last] on which a day phrase is due (after moving to the next working day)."""
        if self.kind == "interval":
            raise ValueError(f"{self.text!r} is an interval, not a day phrase")
        out: set[date] = set()
        if self.kind == "workday":  # the Nth working day of each month from first's to last's
            y, m = first.year, first.month
            while (y, m) <= (last.year, last.month):
                d, n = date(y, m, 1), 0
                while d.month == m:
                    n += is_workday(d)
                    if n == self.day:
                        if first <= d <= last:
                            out.add(d)
                        break
                    d += timedelta(days=1)
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            return sorted(out)
        # a day rolled forward may come from a few days before `first`
        d = first - timedelta(days=15 if self.roll else 0)
        while d <= last:
            nominal = self._nominal(d, is_workday)
            if nominal:
                due = d
                if self.roll:
                    while not is_workday(due):
                        due += timedelta(days=1)
                if first <= due <= last:
                    out.add(due)
            d += timedelta(days=1)
        return sorted(out)

    def _nominal(self, d: date, is_workday: IsWorkday) -> bool:
        if self.kind == "daily":
            return True
        if self.kind == "workdays":
            return is_workday(d)
        if self.kind == "weekly":
            return d.weekday() == self.weekday
        if self.kind == "monthly":
            return d.day == self.day
        raise ValueError(f"unknown schedule kind {self.kind!r}")

    def due_moments(self, after: datetime, until: datetime, tz: tzinfo, is_workday: IsWorkday) -> list[datetime]:
        """Every moment in (after, until] at which the job is due, oldest first, aware in `tz`."""
        a, u = after.astimezone(tz), until.astimezone(tz)
        if u <= a:
            return []
        if self.kind == "interval":
            return list(self._interval_moments(a, u, tz))
        assert self.at is not None
        out = []
        for d in self.days(a.date(), u.date(), is_workday):
            m = datetime.combine(d, self.at, tzinfo=tz)
            if a < m <= u:
                out.append(m)
        return out

    def _interval_moments(self, a: datetime, u: datetime, tz: tzinfo) -> Iterator[datetime]:
        step = timedelta(minutes=self.minutes)
        day = a.date()
        while day <= u.date():
            midnight = datetime.combine(day, time(0, 0), tzinfo=tz)
            m = midnight
            nxt = midnight + timedelta(days=1)
            if m <= a:  # jump close to `a` instead of walking the day
                m = midnight + step * ((a - midnight) // step)
            while m < nxt and m <= u:
                if m > a:
                    yield m
                m += step
            day += timedelta(days=1)


_INTERVAL = re.compile(r"^every\s+(\d+)\s+(minute|minutes|hour|hours)$")
_AT = r"([01]?\d|2[0-3]):([0-5]\d)"


def parse_schedule(text: str) -> ScheduleSpec:
    """Parse one phrase; ValueError names the accepted formats."""
    t = " ".join(str(text).strip().lower().split())
    m = _INTERVAL.match(t)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise ValueError(f"{text!r}: the interval must be at least 1")
        minutes = n * 60 if m.group(2).startswith("hour") else n
        if minutes > 24 * 60:
            raise ValueError(f"{text!r}: an interval is at most 24 hours; use a day phrase such as \"daily 09:00\"")
        return ScheduleSpec("interval", text, minutes=minutes)
    roll = t.endswith(_ROLL)
    if roll:
        t = t[: -len(_ROLL)]
    m = re.match(rf"^(daily|workdays)\s+{_AT}$", t)
    if m:
        if roll and m.group(1) == "workdays":
            raise ValueError(f"{text!r}: \"workdays\" is always a working day; leave out \"or next workday\"")
        return ScheduleSpec(m.group(1), text, at=time(int(m.group(2)), int(m.group(3))), roll=roll)
    m = re.match(rf"^({'|'.join(WEEKDAYS)})\s+{_AT}$", t)
    if m:
        return ScheduleSpec(
            "weekly", text, at=time(int(m.group(2)), int(m.group(3))), weekday=WEEKDAYS.index(m.group(1)), roll=roll
        )
    m = re.match(rf"^(day|workday)\s+(\d+)\s+{_AT}$", t)
    if m:
        n = int(m.group(2))
        if m.group(1) == "day":
            if not 1 <= n <= 28:
                raise ValueError(f"{text!r}: the day of the month must be 1-28 so that every month has it")
            return ScheduleSpec("monthly", text, at=time(int(m.group(3)), int(m.group(4))), day=n, roll=roll)
        if roll:
            raise ValueError(f"{text!r}: a working day is always a working day; leave out \"or next workday\"")
        if not 1 <= n <= 15:
            raise ValueError(f"{text!r}: the working day of the month must be 1-15 so that every month has it")
        return ScheduleSpec("workday", text, at=time(int(m.group(3)), int(m.group(4))), day=n)
    raise ValueError(f"{text!r} is not a schedule; use one of {SCHEDULE_FORMATS}")
