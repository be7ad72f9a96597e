"""Calendar rules of Italian public administration: deadlines in calendar or working days,
and public holidays (the ``holidays`` package, Italy's national calendar)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _italy(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("IT", years=year)


def is_public_holiday(day: date) -> bool:
    return day in _italy(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def deadline(start: date, days: int, *, working: bool) -> date:
    """The day ``days`` after ``start``: calendar days, or working days (Monday to Friday,
    not public holidays). A calendar deadline falling on a holiday moves to the next working
    day, as administrative deadlines do (L. 241/1990 and c.p.c. art. 155)."""
    if not working:
        end = start + timedelta(days=days)
        while not is_working_day(end):
            end += timedelta(days=1)
        return end
    end, counted = start, 0
    while counted < days:
        end += timedelta(days=1)
        if is_working_day(end):
            counted += 1
    return end
