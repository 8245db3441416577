"""Chinese working days (工作日) with the State Council's adjusted days (调休).

The `chinesecalendar` package knows the published years. A supervisor extends the calendar when the
State Council publishes the next year's arrangement: per-day overrides (a holiday or a 调休 working
day) and the years declared complete. A deadline that runs past what is known is refused with
`CalendarUnknown` — flagged, never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import chinese_calendar


class CalendarUnknown(Exception):
    """The calendar does not know this day: the year's holidays are not published or not entered."""

    def __init__(self, day: dt.date):
        self.day = day
        super().__init__(f"{day.year} 年的节假日安排尚未录入，无法计算 {day} 是否为工作日；请在节假日日历中补充。")


def _library_years() -> range:
    # The package keeps its data as a dict of dates; its own error names the supported span.
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return range(min(years), max(years) + 1)


LIBRARY_YEARS = _library_years()


@dataclass
class WorkCalendar:
    """``overrides`` maps a day to True (working day) or False (day off); ``complete_years`` are the
    years beyond the package's data that a supervisor declared fully entered."""

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    complete_years: Iterable[int] = ()

    def __post_init__(self) -> None:
        self.overrides = dict(self.overrides)
        self.complete_years = frozenset(self.complete_years)

    def knows(self, day: dt.date) -> bool:
        return day.year in LIBRARY_YEARS or day.year in self.complete_years

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in LIBRARY_YEARS:
            return chinese_calendar.is_workday(day)
        if day.year in self.complete_years:
            return day.weekday() < 5
        raise CalendarUnknown(day)

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """The day on which ``count`` working days after ``start`` have passed (``start`` itself not
        counted): a task given on Friday with 1 working day is due on the next working day."""
        if count < 0:
            raise ValueError("工作日数不能为负。")
        day, left = start, count
        while left:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.workdays_between(end, start)
        return sum(1 for i in range(1, (end - start).days + 1) if self.is_workday(start + dt.timedelta(days=i)))
