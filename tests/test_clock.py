"""The one clock: where "now" comes from, the default periods, and that nothing else reads the wall clock."""
from __future__ import annotations

import ast
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adtools import clock
from adtools.errors import InputError

pytestmark = pytest.mark.dates  # CI runs these again under faketime (.ci/run)

SH = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parents[1]


def d(s: str) -> date:
    return date.fromisoformat(s)


# --------------------------------------------------------------------------- where now comes from
def test_the_suite_runs_at_the_pinned_moment(pinned_clock):
    assert clock.now(SH) == datetime.fromisoformat(pinned_clock)
    assert clock.today(SH) == d("2026-11-26")


def test_pinned_beats_the_environment_and_nests(monkeypatch):
    monkeypatch.setenv(clock.ENV_NOW, "2026-12-31T23:30")
    assert clock.now(SH) == datetime(2026, 12, 31, 23, 30, tzinfo=SH)
    with clock.pinned(datetime(2027, 2, 16, 9, 0, tzinfo=SH)):
        assert clock.today(SH) == d("2027-02-16")
        with clock.pinned(datetime(2027, 1, 1, 0, 0, tzinfo=timezone.utc)):
            assert clock.now(SH) == datetime(2027, 1, 1, 8, 0, tzinfo=SH)  # shown in the zone asked for
        assert clock.today(SH) == d("2027-02-16")
    assert clock.today(SH) == d("2026-12-31")


def test_without_a_pin_or_the_environment_it_is_the_wall_clock(monkeypatch):
    monkeypatch.delenv(clock.ENV_NOW)
    before = datetime.now(timezone.utc)  # the test may read the real clock; adtools may not
    got = clock.now(SH)
    assert before - timedelta(seconds=5) <= got <= datetime.now(timezone.utc) + timedelta(seconds=5)
    assert got.tzinfo is SH


def test_a_naive_pin_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        with clock.pinned(datetime(2026, 11, 27, 9, 0)):
            pass


@pytest.mark.parametrize("text, want", [
    ("2026-11-30", datetime(2026, 11, 30, 0, 0, tzinfo=SH)),
    ("2026-11-30T08:59", datetime(2026, 11, 30, 8, 59, tzinfo=SH)),
    ("2026-11-30 08:59:30", datetime(2026, 11, 30, 8, 59, 30, tzinfo=SH)),
    ("2026-11-30T00:59+00:00", datetime(2026, 11, 30, 8, 59, tzinfo=SH)),
])
def test_moments_in_the_forms_people_write(text, want):
    assert clock.parse_moment(text, SH) == want


@pytest.mark.parametrize("text", ["30/11/2026", "2026-13-01", "tomorrow", ""])
def test_a_bad_moment_names_the_forms(text):
    with pytest.raises(InputError, match="2026-11-30T08:59"):
        clock.parse_moment(text, SH)


def test_a_bad_adtools_now_is_an_error_not_the_wall_clock(monkeypatch):
    monkeypatch.setenv(clock.ENV_NOW, "next monday")
    with pytest.raises(InputError, match="ADTOOLS_NOW"):
        clock.now(SH)


# --------------------------------------------------------------------------- default periods
@pytest.mark.parametrize("day, friday", [
    ("2026-11-27", "2026-11-27"),  # a Friday covers itself
    ("2026-11-30", "2026-11-27"),  # Monday: the report of last week
    ("2026-11-26", "2026-11-20"),  # Thursday
    ("2026-11-29", "2026-11-27"),  # Sunday
    ("2026-12-31", "2026-12-25"),
    ("2027-02-16", "2027-02-12"),  # Spring Festival: the calendar week, holidays or not
])
def test_last_friday(day, friday):
    assert clock.last_friday(d(day)) == d(friday)


@pytest.mark.parametrize("day, month", [
    ("2026-11-27", "2026-10"), ("2026-12-31", "2026-11"), ("2027-01-01", "2026-12"), ("2027-02-16", "2027-01"),
    ("2024-03-01", "2024-02"),
])
def test_previous_month(day, month):
    assert clock.previous_month(d(day)) == month


def test_end_of_day_is_the_last_instant_of_the_day():
    end = clock.end_of_day(d("2026-11-27"), SH)
    assert end.date() == d("2026-11-27") and (end + timedelta(microseconds=1)) == datetime(2026, 11, 28, tzinfo=SH)


FLIGHTS = [
    ("F1", d("2026-09-01"), d("2026-09-30")),
    ("F2", d("2026-10-10"), d("2026-11-10")),
    ("F3", d("2026-11-01"), d("2026-11-30")),
]


@pytest.mark.parametrize("day, flight", [
    ("2026-08-31", None),  # nothing has started
    ("2026-09-15", "F1"),  # running
    ("2026-10-05", "F1"),  # between flights: the one that ended last
    ("2026-11-05", "F3"),  # two running: the one that started last
    ("2026-12-31", "F3"),  # all over: the last to end
])
def test_current_flight(day, flight):
    assert clock.current_flight(FLIGHTS, d(day)) == flight
    assert clock.current_flight(list(reversed(FLIGHTS)), d(day)) == flight  # order does not matter


# --------------------------------------------------------------------------- nobody else reads the wall clock
_CLOCK_READS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("Timestamp", "now"), ("Timestamp", "today"), ("Timestamp", "utcnow"),
    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"), ("time", "ctime"),
}


def _wall_clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.func.attr) in _CLOCK_READS:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}.{node.func.attr}()")
    return found


def test_only_the_clock_module_reads_the_wall_clock():
    files = sorted((REPO / "adtools").rglob("*.py")) + sorted((REPO / "jobs").rglob("*.py"))
    reads = [r for f in files if f.name != "clock.py" for r in _wall_clock_reads(f)]
    assert reads == [], "read the time through adtools.clock instead:\n" + "\n".join(reads)
    assert _wall_clock_reads(REPO / "adtools" / "clock.py"), "the clock module itself must read it (the search works)"
