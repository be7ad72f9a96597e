"""Deadlines as Italian public administration counts them (``shared/calendar.py``): calendar
days, moved to the next working day when they fall on a weekend or a public holiday, and
working days, which skip weekends and public holidays (8 December, Christmas and Santo
Stefano, Easter Monday); and each application type's back-office deadline from
``tipi_istanza.csv``. Fixed dates only: nothing here depends on today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared import codes
from shared.calendar import deadline, is_public_holiday, is_working_day


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # Capodanno
        date(2026, 1, 6),  # Epifania
        date(2026, 4, 6),  # Lunedì dell'Angelo
        date(2026, 4, 25),  # Liberazione
        date(2026, 5, 1),
        date(2026, 6, 2),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 12, 8),  # Immacolata
        date(2026, 12, 25),
        date(2026, 12, 26),  # Santo Stefano
    ],
)
def test_national_public_holidays(day: date) -> None:
    assert is_public_holiday(day)
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 7),  # Sant'Ambrogio: Milan's patron saint, not a national holiday
        date(2026, 12, 24),  # Christmas Eve: a working day
        date(2026, 4, 7),  # the Tuesday after Easter
        date(2026, 11, 23),
    ],
)
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert not is_public_holiday(day)
    assert is_working_day(day)


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert not is_working_day(date(2026, 11, 22))  # Sunday
    assert not is_public_holiday(date(2026, 11, 21))


# -- calendar days ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # lands on a working day: stays
        (date(2026, 11, 23), 10, date(2026, 12, 3)),
        # lands on Saturday 5 December: moved to Monday 7
        (date(2026, 11, 20), 15, date(2026, 12, 7)),
        # lands on Sunday: moved to Monday
        (date(2026, 11, 21), 15, date(2026, 12, 7)),
        # lands on the Immacolata (Tuesday 8 December): moved to Wednesday 9
        (date(2026, 11, 23), 15, date(2026, 12, 9)),
        # lands on Christmas (Friday), then Santo Stefano and Sunday: Monday 28 December
        (date(2026, 11, 25), 30, date(2026, 12, 28)),
        # lands on Easter Monday 2026: Tuesday 7 April
        (date(2026, 3, 7), 30, date(2026, 4, 7)),
        # lands on Easter Sunday: Easter Monday is a holiday too, so Tuesday
        (date(2026, 3, 6), 30, date(2026, 4, 7)),
        # lands on New Year's Day 2027 (Friday), then the weekend: Monday 4 January
        (date(2026, 12, 2), 30, date(2027, 1, 4)),
        # counting runs across weekends and holidays: only the end moves
        (date(2026, 12, 4), 20, date(2026, 12, 24)),
    ],
)
def test_calendar_days_end_on_the_next_working_day(start: date, days: int, expected: date) -> None:
    assert deadline(start, days, working=False) == expected
    assert is_working_day(expected)


def test_a_calendar_deadline_moves_only_as_far_as_the_next_working_day() -> None:
    for offset in range(366):
        start = date(2026, 1, 1) + timedelta(days=offset)
        end = deadline(start, 15, working=False)
        nominal = start + timedelta(days=15)
        assert end >= nominal
        assert is_working_day(end)
        assert all(
            not is_working_day(nominal + timedelta(days=d)) for d in range((end - nominal).days)
        )


# -- working days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Monday to Wednesday
        (date(2026, 11, 23), 2, date(2026, 11, 25)),
        # Friday: the weekend does not count
        (date(2026, 11, 20), 2, date(2026, 11, 24)),
        # from Friday 4 December: Monday 7, (Tuesday 8 is the Immacolata), Wednesday 9
        (date(2026, 12, 4), 2, date(2026, 12, 9)),
        # from Wednesday 23 December: Thursday 24, (Christmas, Santo Stefano, Sunday),
        # Monday 28, Tuesday 29, Wednesday 30, Thursday 31
        (date(2026, 12, 23), 5, date(2026, 12, 31)),
        # ... then (New Year's Day, weekend) Monday 4 January, Tuesday 5, (Epiphany)
        # Thursday 7
        (date(2026, 12, 23), 6, date(2027, 1, 4)),
        (date(2026, 12, 23), 7, date(2027, 1, 5)),
        (date(2026, 12, 23), 8, date(2027, 1, 7)),
        # from Thursday 2 April 2026: Friday 3, (Easter Sunday, Easter Monday), Tuesday 7
        (date(2026, 4, 2), 2, date(2026, 4, 7)),
        # starting on a Saturday: the first working day is Monday
        (date(2026, 11, 21), 1, date(2026, 11, 23)),
        # starting on a holiday
        (date(2026, 12, 8), 1, date(2026, 12, 9)),
        # ten working days over two weekends and the Immacolata
        (date(2026, 12, 4), 10, date(2026, 12, 21)),
    ],
)
def test_working_days_skip_weekends_and_public_holidays(
    start: date, days: int, expected: date
) -> None:
    assert deadline(start, days, working=True) == expected


def test_working_days_count_exactly_that_many_working_days() -> None:
    for offset in range(366):
        start = date(2026, 1, 1) + timedelta(days=offset)
        end = deadline(start, 7, working=True)
        between = [start + timedelta(days=d) for d in range(1, (end - start).days + 1)]
        assert sum(is_working_day(day) for day in between) == 7
        assert is_working_day(end)


# -- per application type (tipi_istanza.csv) -------------------------------------------

FROM_FRIDAY_4_DECEMBER_2026: dict[str, date] = {
    # 30 calendar days: Sunday 3 January 2027, moved to Monday 4
    "CONTRIBUTO_ECONOMICO": date(2027, 1, 4),
    "CONTRIBUTO_AFFITTO": date(2027, 1, 4),
    "ASSEGNO_MATERNITA": date(2027, 1, 4),
    "ASSEGNO_NUCLEO": date(2027, 1, 4),
    "CENTRO_DIURNO": date(2027, 1, 4),
    # 15 calendar days: Saturday 19 December, moved to Monday 21
    "AGEVOLAZIONE_MENSA": date(2026, 12, 21),
    "SAD": date(2026, 12, 21),
    # 20 calendar days: Thursday 24 December, a working day
    "RETTA_NIDO": date(2026, 12, 24),
    # working days, skipping the Immacolata
    "ATTESTAZIONE": date(2026, 12, 9),  # 2
    "BUONI_SPESA": date(2026, 12, 14),  # 5
    "PASTI_DOMICILIO": date(2026, 12, 16),  # 7
    "TRASPORTO": date(2026, 12, 21),  # 10
}


def test_every_application_type_has_a_deadline_of_2_to_30_days() -> None:
    types = codes.application_types()
    assert set(types) == set(FROM_FRIDAY_4_DECEMBER_2026)
    for tipo in types.values():
        assert 2 <= tipo.giorni <= 30, tipo.code
        assert tipo.label
        assert tipo.prestazione in codes.siuss_benefits(), tipo.code


def test_working_and_calendar_types_are_read_from_the_file() -> None:
    types = codes.application_types()
    assert (types["ATTESTAZIONE"].giorni, types["ATTESTAZIONE"].lavorativi) == (2, True)
    assert (types["BUONI_SPESA"].giorni, types["BUONI_SPESA"].lavorativi) == (5, True)
    assert (types["SAD"].giorni, types["SAD"].lavorativi) == (15, False)
    assert (types["CONTRIBUTO_ECONOMICO"].giorni, types["CONTRIBUTO_ECONOMICO"].lavorativi) == (
        30,
        False,
    )


@pytest.mark.parametrize(("tipo", "expected"), sorted(FROM_FRIDAY_4_DECEMBER_2026.items()))
def test_each_application_type_sets_its_own_deadline(tipo: str, expected: date) -> None:
    found = codes.application_types()[tipo]
    assert deadline(date(2026, 12, 4), found.giorni, working=found.lavorativi) == expected
