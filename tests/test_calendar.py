"""WorkCalendar: China's statutory holidays and 调休, config overrides, uncovered years."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import chinese_calendar
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adtools.calendar import WorkCalendar, assumed_year_warning
from adtools.config import config_from_dict
from adtools.errors import InputError

D = date.fromisoformat
WARN_2027 = "2027 年节假日未收录，按周一至周五计算 / 2027 holidays are not in chinese-calendar yet; Monday–Friday assumed"


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def calendar_with(tmp_path, **section) -> WorkCalendar:
    return WorkCalendar.from_config(config_from_dict({"calendar": section}, base_dir=tmp_path))


# ------------------------------------------------------------------ the statutory calendar of 2026
def test_national_day_2026_and_its_make_up_days(cal):
    for day in range(1, 8):
        assert not cal.is_workday(date(2026, 10, day)), f"2026-10-0{day} is in the National Day holiday"
    assert cal.is_workday(D("2026-10-08"))
    assert cal.is_workday(D("2026-10-10")), "Saturday 2026-10-10 is a make-up working day (调休)"
    assert cal.is_workday(D("2026-09-20")), "Sunday 2026-09-20 is a make-up working day (调休)"
    assert not cal.is_workday(D("2026-10-11")), "an ordinary Sunday"


def test_issue_acceptance_received_2026_09_30_five_working_days_is_due_2026_10_13(cal):
    # Oct 1-7 off; Oct 8 Thu (1), 9 Fri (2), 10 Sat make-up (3), 12 Mon (4), 13 Tue (5).
    due = cal.add_workdays(D("2026-09-30"), 5)
    assert due == D("2026-10-13")
    assert cal.workdays_between(D("2026-09-30"), due) == 5
    assert cal.warnings_for(D("2026-09-30"), due) == ()
    assert cal.warnings() == ()


def test_spring_festival_2026(cal):
    for day in range(15, 24):
        assert not cal.is_workday(date(2026, 2, day))
    assert cal.is_workday(D("2026-02-14")) and cal.is_workday(D("2026-02-28")), "the two make-up Saturdays"
    assert cal.add_workdays(D("2026-02-13"), 1) == D("2026-02-14")
    assert cal.add_workdays(D("2026-02-14"), 1) == D("2026-02-24")
    # Feb 14, 24, 25, 26, 27, 28
    assert cal.workdays_between(D("2026-02-13"), D("2026-02-28")) == 6


def test_matches_chinese_calendar_on_every_covered_day(cal):
    day, end = D("2004-01-01"), D("2026-12-31")
    while day <= end:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert cal.assumed_years_used == ()


# ------------------------------------------------------------------ year end and uncovered years
def test_issue_acceptance_received_2026_12_24_fifteen_days_gets_a_date_and_a_warning(cal):
    # chinesecalendar 1.11.0 stops at 2026; 2027 is reckoned Monday-Friday:
    # Dec 25 (1), Dec 28-31 (2-5), Jan 1 (6), Jan 4-8 (7-11), Jan 11-14 (12-15).
    due = cal.add_workdays(D("2026-12-24"), 15)
    assert due == D("2027-01-14")
    assert cal.warnings_for(D("2026-12-24"), due) == (WARN_2027,)
    assert cal.assumed_years_used == (2027,)
    assert cal.warnings() == (WARN_2027,)


def test_a_count_within_2026_needs_no_warning_even_next_to_the_year_end(cal):
    assert cal.add_workdays(D("2026-12-24"), 5) == D("2026-12-31")
    assert cal.warnings() == ()


def test_crossing_several_uncovered_years_never_crashes(cal):
    # 2027..2030 Monday-Friday: count the weekdays directly
    expected = sum(1 for i in range(1, (D("2030-12-31") - D("2026-12-31")).days + 1)
                   if (D("2026-12-31") + timedelta(days=i)).weekday() < 5)
    assert cal.workdays_between(D("2026-12-31"), D("2030-12-31")) == expected
    assert cal.assumed_years_used == (2027, 2028, 2029, 2030)
    assert cal.add_workdays(D("2030-12-31"), -expected) == D("2026-12-31")
    assert [w[:5] for w in cal.warnings()] == ["2027 ", "2028 ", "2029 ", "2030 "]


def test_a_year_before_the_package_is_reckoned_monday_to_friday(cal):
    assert cal.is_workday(D("2003-10-01")), "a Wednesday; the package has no 2003"
    assert not cal.is_workday(D("2003-10-04"))
    assert cal.warnings() == ("2003 年节假日未收录，按周一至周五计算 / 2003 holidays are not in chinese-calendar; Monday–Friday assumed",)


# ------------------------------------------------------------------ config overrides
def test_config_overrides_a_covered_year(tmp_path):
    cal = calendar_with(tmp_path, extra_holidays=[D("2026-11-02")], extra_workdays=[D("2026-11-07")])
    assert not cal.is_workday(D("2026-11-02")), "a Monday made a holiday"
    assert cal.is_workday(D("2026-11-07")), "a Saturday made a working day"
    # after Fri Oct 30: Nov 3 (1), 4, 5, 6 (4), Sat 7 (5)
    assert cal.add_workdays(D("2026-10-30"), 5) == D("2026-11-07")
    assert cal.warnings() == ()


def test_config_dates_fill_an_uncovered_year_with_their_own_warning(tmp_path):
    # Spring Festival 2027 as the State Council might publish it (an example, not the real dates)
    holidays = [D("2027-02-08") + timedelta(days=i) for i in range(5)]
    cal = calendar_with(tmp_path, extra_holidays=holidays, extra_workdays=[D("2027-02-20")])
    assert cal.add_workdays(D("2027-02-05"), 1) == D("2027-02-15")
    assert cal.is_workday(D("2027-02-20"))
    assert cal.workdays_between(D("2027-02-05"), D("2027-02-20")) == 6  # Feb 15-19, 20
    (warning,) = cal.warnings()
    assert warning.startswith("2027 ") and "[calendar]" in warning and "Monday–Friday" in warning


def test_overrides_stay_in_our_layer(tmp_path):
    tables = (dict(chinese_calendar.holidays), dict(chinese_calendar.workdays))
    cal = calendar_with(tmp_path, extra_holidays=[D("2027-01-01"), D("2026-11-02")], extra_workdays=[D("2027-01-09")])
    cal.workdays_between(D("2026-01-01"), D("2027-12-31"))
    assert (dict(chinese_calendar.holidays), dict(chinese_calendar.workdays)) == tables
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D("2027-01-04"))
    assert WorkCalendar().is_workday(D("2026-11-02")), "another calendar does not see the first one's overrides"


def test_a_date_in_both_lists_is_refused():
    with pytest.raises(InputError, match="2026-11-02"):
        WorkCalendar([D("2026-11-02")], [D("2026-11-02")])


# ------------------------------------------------------------------ conventions
def test_zero_and_negative_counts(cal):
    assert cal.add_workdays(D("2026-10-09"), 0) == D("2026-10-09"), "a working day itself"
    assert cal.add_workdays(D("2026-10-03"), 0) == D("2026-10-08"), "a holiday rolls forward"
    assert cal.add_workdays(D("2026-10-08"), -1) == D("2026-09-30")
    assert cal.add_workdays(D("2027-01-04"), -3) == D("2026-12-30")
    assert cal.workdays_between(D("2026-10-13"), D("2026-09-30")) == -5
    assert cal.workdays_between(D("2026-10-05"), D("2026-10-05")) == 0


def test_accepts_datetimes_and_timestamps(cal):
    assert cal.add_workdays(datetime(2026, 9, 30, 18, 30), 5) == D("2026-10-13")
    assert cal.add_workdays(pd.Timestamp("2026-09-30 09:00", tz="Asia/Shanghai"), 5) == D("2026-10-13")
    assert cal.workdays_between(pd.Timestamp("2026-09-30"), D("2026-10-13")) == 5


def test_a_missing_date_is_an_input_error_naming_the_fix(cal):
    with pytest.raises(InputError, match="NaT|None"):
        cal.add_workdays(None, 3)


def test_warning_text_is_the_one_the_report_carries():
    assert assumed_year_warning(2027) == WARN_2027


@settings(max_examples=300, deadline=None)
@given(st.dates(D("2025-06-01"), D("2027-06-30")), st.integers(1, 40))
def test_add_and_count_agree(day, n):
    cal = WorkCalendar()
    due = cal.add_workdays(day, n)
    assert cal.is_workday(due)
    assert cal.workdays_between(day, due) == n
    assert cal.workdays_between(day, due - timedelta(days=1)) == n - 1
    assert cal.add_workdays(due, -n) <= day
    expected_years = tuple(y for y in range(day.year, due.year + 1) if y >= 2027)
    assert cal.assumed_years(day, due) == expected_years


def test_fast_enough_for_thousands_of_rows(cal):
    start = D("2026-01-01")
    t0 = time.perf_counter()
    for i in range(10_000):
        d = start + timedelta(days=i % 700)
        cal.workdays_between(d, cal.add_workdays(d, 1 + i % 20))
    assert time.perf_counter() - t0 < 1.0
