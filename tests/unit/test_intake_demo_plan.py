"""The intake demo's month is dated from the moment it is created: today's queue holds
requests received today (Europe/Rome) whatever the hour, even just after midnight, and
nothing is dated in the future."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.intake.demo import piano

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    "ora", [time(0, 0, 5), time(0, 1), time(0, 35), time(1, 3), time(9, 0), time(23, 59)]
)
def test_today_s_queue_is_today_and_nothing_is_in_the_future(ora: time) -> None:
    giorno = date(2026, 12, 2)  # a Wednesday: the demo is also made on other days
    now = datetime.combine(giorno, ora, ROME)
    plan = piano(now)
    received = [a.quando.astimezone(ROME) for a in plan.atti if a.passo == 0]
    assert sum(moment.date() == giorno for moment in received) >= 2
    assert all(atto.quando <= now for atto in plan.atti)
    assert [a.quando for a in plan.atti] == sorted(a.quando for a in plan.atti)
