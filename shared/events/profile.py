"""Coarse statistical attributes, written in clear so that statistics survive an erasure."""

from __future__ import annotations

from datetime import date
from typing import Literal

from shared.events.model import ValueModel
from shared.events.types import AreaUtenza, CodiceBelfiore

FasciaEta = Literal[
    "0-2",
    "3-5",
    "6-10",
    "11-13",
    "14-17",
    "18-24",
    "25-34",
    "35-44",
    "45-54",
    "55-64",
    "65-74",
    "75-84",
    "85+",
    "non_nota",
]
ClasseCittadinanza = Literal["italiana", "ue", "extra_ue", "non_nota"]
Sesso = Literal["M", "F"]

_BANDS: tuple[tuple[int, FasciaEta], ...] = (
    (2, "0-2"),
    (5, "3-5"),
    (10, "6-10"),
    (13, "11-13"),
    (17, "14-17"),
    (24, "18-24"),
    (34, "25-34"),
    (44, "35-44"),
    (54, "45-54"),
    (64, "55-64"),
    (74, "65-74"),
    (84, "75-84"),
)

EU_MEMBERS_ISO_NUMERIC = frozenset(
    {
        40,
        56,
        100,
        191,
        196,
        203,
        208,
        233,
        246,
        250,
        276,
        300,
        348,
        372,
        428,
        440,
        442,
        470,
        528,
        616,
        620,
        642,
        703,
        705,
        724,
        752,
    }
)
ITALY_ISO_NUMERIC = 380


class ProfiloStatistico(ValueModel):
    """What the observatory may know of a person: nothing that identifies them."""

    fascia_eta: FasciaEta = "non_nota"
    sesso: Sesso | None = None
    cittadinanza: ClasseCittadinanza = "non_nota"
    comune: CodiceBelfiore
    area: AreaUtenza


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def fascia_eta(birth: date | None, day: date) -> FasciaEta:
    """Age band at ``day`` (the date of the event), never the birth date itself."""
    if birth is None or birth > day:
        return "non_nota"
    age = age_on(birth, day)
    return next((band for upper, band in _BANDS if age <= upper), "85+")


def classe_cittadinanza(iso_numeric: int | None) -> ClasseCittadinanza:
    """Italian, EU or non-EU from an ISO 3166-1 numeric country code."""
    if iso_numeric is None:
        return "non_nota"
    if iso_numeric == ITALY_ISO_NUMERIC:
        return "italiana"
    return "ue" if iso_numeric in EU_MEMBERS_ISO_NUMERIC else "extra_ue"
