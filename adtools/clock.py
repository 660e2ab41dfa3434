"""The one reader of the wall clock, and the default periods every report and job uses.

Nothing else in adtools reads the time of day (a test searches the source).
"Now" is, in this order:

1. the moment pinned by `pinned(...)` (tests, the demo, the scheduler's catch-up);
2. a running clock started by `run_from(moment)`: `moment` plus the time elapsed
   since (the monotonic clock), so that a scheduler started with `ADTOOLS_NOW`
   at Monday 08:59 sees 09:00 a minute later (`start_running`);
3. the moment in the environment variable `ADTOOLS_NOW` (`adtools --now` sets it
   for one run): `2026-11-30T08:59`, `2026-11-30 08:59:00+08:00` or a date
   alone, `2026-11-30`, meaning 00:00 of that day; a moment without an offset is
   in the configured time zone;
4. the wall clock.

The default periods are computed here once: the week a Monday report covers
(`last_friday`), the month a statement covers (`previous_month`), the flight a
flight report covers (`current_flight`).
"""
from __future__ import annotations

import os
import time as _time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TypeVar

from .errors import InputError

__all__ = [
    "ENV_NOW",
    "now",
    "today",
    "pinned",
    "run_from",
    "start_running",
    "running_from",
    "parse_moment",
    "end_of_day",
    "last_friday",
    "previous_month",
    "current_flight",
]

ENV_NOW = "ADTOOLS_NOW"
_EXAMPLE = "2026-11-30T08:59 (or 2026-11-30, or 2026-11-30T08:59+08:00)"

_pinned: list[datetime] = []  # a stack: `pinned` nests
_running: list[tuple[datetime, float]] = []  # (moment, monotonic reading then): at most one


def _wall() -> datetime:
    """The real wall clock, in UTC. The only call of its kind in adtools."""
    return datetime.now(timezone.utc)


def parse_moment(text: str, tz: tzinfo, *, what: str = ENV_NOW) -> datetime:
    """`2026-11-30T08:59`, `2026-11-30 08:59:00+08:00` or `2026-11-30` (00:00) as an aware datetime.

    A moment without an offset is in `tz`. InputError names the accepted forms.
    """
    s = str(text).strip()
    try:
        if len(s) == 10:
            moment = datetime.combine(date.fromisoformat(s), time(0, 0))
        else:
            moment = datetime.fromisoformat(s.replace(" ", "T", 1))
    except ValueError:
        raise InputError(
            f"时间无效 / {what}: {text!r} is not a moment. Rule: an ISO date or date and time. Fix: e.g. {_EXAMPLE}."
        ) from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def now(tz: tzinfo) -> datetime:
    """The current moment in `tz` (aware): pinned, else `ADTOOLS_NOW`, else the wall clock."""
    if _pinned:
        return _pinned[-1].astimezone(tz)
    if _running:
        moment, mono = _running[-1]
        return (moment + timedelta(seconds=_time.monotonic() - mono)).astimezone(tz)
    env = os.environ.get(ENV_NOW, "").strip()
    if env:
        return parse_moment(env, tz).astimezone(tz)
    return _wall().astimezone(tz)


def today(tz: tzinfo) -> date:
    """The current calendar day in `tz`."""
    return now(tz).date()


@contextmanager
def pinned(moment: datetime) -> Iterator[datetime]:
    """Make `now()` return `moment` inside the block (it must be aware); nests."""
    if moment.tzinfo is None:
        raise ValueError(f"pinned({moment!r}): the moment needs a time zone")
    _pinned.append(moment)
    try:
        yield moment
    finally:
        _pinned.pop()


def run_from(moment: datetime) -> None:
    """From now on in this process, `now()` is `moment` plus the time elapsed since this call (it must be aware)."""
    if moment.tzinfo is None:
        raise ValueError(f"run_from({moment!r}): the moment needs a time zone")
    _running[:] = [(moment, _time.monotonic())]


def running_from() -> datetime | None:
    """The moment a running clock started from (None when the clock is not a running one)."""
    return _running[-1][0] if _running else None


def start_running(tz: tzinfo) -> datetime | None:
    """When `ADTOOLS_NOW` sets the moment, let it run on from there (the scheduler); the start moment, or None.

    Without `ADTOOLS_NOW` the wall clock runs by itself and nothing changes.
    """
    env = os.environ.get(ENV_NOW, "").strip()
    if not env or _pinned:
        return None
    moment = parse_moment(env, tz)
    run_from(moment)
    return moment


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """The last instant of `day` in `tz`: what an as-of date means for every report."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz) - timedelta(microseconds=1)


def last_friday(day: date) -> date:
    """The Friday on or before `day`: the end of the week a Monday progress report covers."""
    return day - timedelta(days=(day.weekday() - 4) % 7)


def previous_month(day: date) -> str:
    """`2026-10` for any day of November 2026: the month a statement made on that day covers."""
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


K = TypeVar("K")


def current_flight(flights: Iterable[tuple[K, date, date]], day: date) -> K | None:
    """The flight a report made on `day` covers: `(key, first_day, last_day)` triples in, a key out.

    The flight running on `day` (the one that started last, if several overlap),
    else the one that ended most recently before `day`; None when every flight
    starts after `day`. Ties are broken by the key, so the answer never depends
    on the order given.
    """
    running, ended = [], []
    for key, first, last in flights:
        if first <= day <= last:
            running.append((first, last, key))
        elif last < day:
            ended.append((last, first, key))
    pool = running or ended
    if not pool:
        return None
    return max(pool, key=lambda t: (t[0], t[1], str(t[2])))[2]
