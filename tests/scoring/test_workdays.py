"""Working-day deadlines across the 2026 Spring Festival and National Day adjustments (调休)."""

from __future__ import annotations

import datetime as dt

import pytest

from sanshen.scoring.workdays import CalendarUnknown, WorkCalendar

D = dt.date


def test_spring_festival_2026_adjusted_saturday_counts_and_the_holiday_does_not():
    cal = WorkCalendar()
    # 2026-02-14 (Saturday) is a 调休 working day; 15–23 February are off.
    assert cal.is_workday(D(2026, 2, 14))
    assert not any(cal.is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert cal.add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_workdays(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert cal.add_workdays(D(2026, 2, 12), 5) == D(2026, 2, 26)


def test_national_day_2026():
    cal = WorkCalendar()
    assert cal.is_workday(D(2026, 9, 20))  # Sunday, 调休
    assert cal.is_workday(D(2026, 10, 10))  # Saturday, 调休
    assert not cal.is_workday(D(2026, 10, 1)) and not cal.is_workday(D(2026, 10, 7))
    assert cal.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert cal.workdays_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert cal.workdays_between(D(2026, 10, 10), D(2026, 9, 30)) == -3


def test_plain_week_and_zero_days():
    cal = WorkCalendar()
    assert cal.add_workdays(D(2026, 11, 20), 1) == D(2026, 11, 23)  # Friday → Monday
    assert cal.add_workdays(D(2026, 11, 20), 0) == D(2026, 11, 20)
    with pytest.raises(ValueError):
        cal.add_workdays(D(2026, 11, 20), -1)


def test_deadline_beyond_the_known_calendar_is_flagged_not_guessed():
    cal = WorkCalendar()
    with pytest.raises(CalendarUnknown, match="2027 年"):
        cal.add_workdays(D(2026, 12, 28), 10)
    assert not cal.knows(D(2027, 1, 4))


def test_supervisor_entries_extend_the_calendar():
    # Next year's arrangement entered by hand: New Year's Day off, one 调休 Sunday.
    cal = WorkCalendar({D(2027, 1, 1): False, D(2027, 1, 10): True}, complete_years=[2027])
    assert cal.knows(D(2027, 3, 1))
    assert not cal.is_workday(D(2027, 1, 1))
    assert cal.is_workday(D(2027, 1, 10))
    assert cal.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_override_wins_over_the_package():
    cal = WorkCalendar({D(2026, 11, 23): False})
    assert cal.add_workdays(D(2026, 11, 20), 1) == D(2026, 11, 24)
