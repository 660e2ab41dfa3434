"""China's working days (statutory holidays and 调休 make-up days) with our overrides, never crashing on a new year.

The statutory calendar comes from the `chinese_calendar` package (chinesecalendar),
which covers a fixed range of years and raises NotImplementedError outside it, even
for a count that merely crosses into an uncovered year.  We never touch its
module-level tables (adding a date there marks the whole year as covered); our
`[calendar] extra_holidays` / `extra_workdays` are applied in this layer, on top.

A year the package does not cover ("an assumed year") is reckoned from the config's
dates where given, else Monday to Friday.  Every result that consulted such a year
can be told so: `warnings_for(first, last)` gives the warnings of one computation,
and the calendar records every assumed year any call consulted (`assumed_years_used`,
`warnings()`), so a report can carry them.

Conventions (all methods accept `date`, `datetime` or `pandas.Timestamp`; a
date-time counts by its own calendar date, so convert aware values to the
configured time zone first):

- `add_workdays(d, n)`, n >= 1: the n-th working day after `d`; `d` itself never
  counts, whether or not it is a working day (the turnaround rule of the manual).
  n = 0: `d` if it is a working day, else the next working day ("due the day it
  was received").  n < 0: the |n|-th working day before `d`.
- `workdays_between(a, b)`: the working days after `a` up to and including `b`;
  negative (the same count, negated) when b < a, 0 when equal.  For n >= 1,
  `workdays_between(d, add_workdays(d, n)) == n`.
"""
from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

import chinese_calendar

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config

__all__ = ["WorkCalendar", "assumed_year_warning"]

log = logging.getLogger("adtools.calendar")

_MIN_YEAR, _MAX_YEAR = 1, 9999


def _as_date(d: object) -> date:
    """date from date, datetime or pandas.Timestamp (its own calendar date)."""
    if isinstance(d, datetime):  # pandas.Timestamp is a datetime
        return d.date()
    if isinstance(d, date):
        return d
    raise InputError(
        f"不是日期 / Not a date: {d!r}. The calendar needs a date (or date-time). "
        "Fix: drop empty values (NaT/None) before calling it."
    )


@lru_cache(maxsize=None)
def _statutory_year(year: int) -> tuple[int, ...] | None:
    """The working days of `year` by chinese_calendar as ordinals; None when it does not cover the year.

    Coverage is asked of the package (NotImplementedError), never assumed; the
    answer is immutable, so it is shared by every calendar.
    """
    try:
        chinese_calendar.is_workday(date(year, 7, 1))
    except NotImplementedError:
        return None
    return tuple(d.toordinal() for d in _days(year) if chinese_calendar.is_workday(d))


def _days(year: int) -> list[date]:
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    return [date.fromordinal(o) for o in range(first, last + 1)]


def _before_package(year: int) -> bool:
    """True for a year older than the package's first year (reading its table, never changing it)."""
    try:
        return year < min(chinese_calendar.holidays).year
    except (AttributeError, TypeError, ValueError):  # the package changed shape: say "yet"
        return False


def assumed_year_warning(year: int, with_config_dates: bool = False) -> str:
    """The report's warning for a year reckoned without the statutory calendar, Chinese and English."""
    yet = "" if _before_package(year) else " yet"
    if with_config_dates:
        return (
            f"{year} 年法定节假日未收录，按配置 [calendar] 的日期及周一至周五计算 / "
            f"{year} holidays are not in chinese-calendar{yet}; the [calendar] dates of config.toml "
            "and Monday–Friday otherwise assumed"
        )
    return (
        f"{year} 年节假日未收录，按周一至周五计算 / "
        f"{year} holidays are not in chinese-calendar{yet}; Monday–Friday assumed"
    )


@dataclass(frozen=True)
class _Year:
    """One year's working days as sorted ordinals, and whether they were assumed."""

    ords: tuple[int, ...]
    members: frozenset[int]
    assumed: bool


class WorkCalendar:
    """Working days of mainland China plus config overrides; caches one year at a time."""

    def __init__(self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()):
        self.extra_holidays = frozenset(_as_date(d) for d in extra_holidays)
        self.extra_workdays = frozenset(_as_date(d) for d in extra_workdays)
        both = self.extra_holidays & self.extra_workdays
        if both:
            listed = ", ".join(str(d) for d in sorted(both))
            raise InputError(
                f"日期既是假日又是工作日 / {listed} is both an extra holiday and an extra workday. "
                "Fix: keep each date in one [calendar] list only."
            )
        self._config_years = {d.year for d in self.extra_holidays | self.extra_workdays}
        self._years: dict[int, _Year] = {}
        self._used: set[int] = set()

    @classmethod
    def from_config(cls, cfg: "Config") -> "WorkCalendar":
        """The calendar of `[calendar]` in config.toml."""
        return cls(cfg.calendar.extra_holidays, cfg.calendar.extra_workdays)

    # ------------------------------------------------------------------ years
    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise InputError(f"年份超出范围 / Year {year} is out of range. Fix: check the date for a typo.")
        statutory = _statutory_year(year)
        if statutory is None:  # Monday to Friday
            base = {d.toordinal() for d in _days(year) if d.weekday() < 5}
        else:
            base = set(statutory)
        base -= {d.toordinal() for d in self.extra_holidays if d.year == year}
        base |= {d.toordinal() for d in self.extra_workdays if d.year == year}
        ords = tuple(sorted(base))
        entry = _Year(ords, frozenset(ords), assumed=statutory is None)
        if entry.assumed:
            log.debug("year %s is not in chinese_calendar; reckoned Monday-Friday plus config dates", year)
        self._years[year] = entry
        return entry

    def _consult(self, year: int) -> _Year:
        entry = self._year(year)
        if entry.assumed:
            self._used.add(year)
        return entry

    # ------------------------------------------------------------------ queries
    def is_workday(self, d: object) -> bool:
        """Is `d` a working day (statutory calendar, 调休 and config overrides applied)?"""
        day = _as_date(d)
        return day.toordinal() in self._consult(day.year).members

    def add_workdays(self, d: object, n: int) -> date:
        """The n-th working day after `d` (see the module docstring for n <= 0)."""
        day = _as_date(d)
        n = int(n)
        o = day.toordinal()
        year = day.year
        if n == 0:
            if self.is_workday(day):
                return day
            n = 1  # roll forward to the next working day
        if n > 0:
            entry = self._consult(year)
            i = bisect_right(entry.ords, o)
            remaining = n
            while True:
                available = len(entry.ords) - i
                if remaining <= available:
                    return date.fromordinal(entry.ords[i + remaining - 1])
                remaining -= available
                year += 1
                entry = self._consult(year)
                i = 0
        entry = self._consult(year)
        i = bisect_left(entry.ords, o)  # working days strictly before d: ords[:i]
        remaining = -n
        while True:
            if remaining <= i:
                return date.fromordinal(entry.ords[i - remaining])
            remaining -= i
            year -= 1
            entry = self._consult(year)
            i = len(entry.ords)

    def workdays_between(self, a: object, b: object) -> int:
        """Working days after `a` up to and including `b`; negated when b < a."""
        start, end = _as_date(a), _as_date(b)
        if end < start:
            return -self.workdays_between(end, start)
        lo, hi = start.toordinal(), end.toordinal()
        total = 0
        for year in range(start.year, end.year + 1):
            ords = self._consult(year).ords
            total += bisect_right(ords, hi) - bisect_right(ords, lo)
        return total

    # ------------------------------------------------------------------ warnings
    def assumed_years(self, first: object, last: object | None = None) -> tuple[int, ...]:
        """The assumed years among the days `first`..`last` (inclusive, either order): what a result spanning them relied on."""
        a = _as_date(first)
        b = a if last is None else _as_date(last)
        if b < a:
            a, b = b, a
        return tuple(y for y in range(a.year, b.year + 1) if self._year(y).assumed)

    def year_warning(self, year: int) -> str:
        """The warning text for one assumed year."""
        return assumed_year_warning(year, with_config_dates=year in self._config_years)

    def warnings_for(self, first: object, last: object | None = None) -> tuple[str, ...]:
        """Warnings for a result computed over the days `first`..`last`; empty when every year is covered."""
        return tuple(self.year_warning(y) for y in self.assumed_years(first, last))

    @property
    def assumed_years_used(self) -> tuple[int, ...]:
        """Every assumed year any call on this calendar has consulted so far."""
        return tuple(sorted(self._used))

    def warnings(self) -> tuple[str, ...]:
        """Warnings for every assumed year consulted so far (for a report's warnings list)."""
        return tuple(self.year_warning(y) for y in self.assumed_years_used)
