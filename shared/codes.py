"""Code lists kept as data (legal bases, access purposes, user areas, SIUSS benefits).

The lists ship with the package (``reference_data/``, copied from the project's reference
material with their sources); a district extends them by editing those files, never code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@cache
def _rows(filename: str) -> tuple[dict[str, str], ...]:
    text = resources.files("shared").joinpath("reference_data", filename).read_text("utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def _codes(filename: str) -> dict[str, str]:
    return {row["code"]: row["label"] for row in _rows(filename)}


def legal_bases() -> dict[str, str]:
    """Legal bases an event may cite (``basi_giuridiche.csv``)."""
    return _codes("basi_giuridiche.csv")


def access_purposes() -> dict[str, str]:
    """Purposes a read of personal data may cite (``finalita_accesso.csv``)."""
    return _codes("finalita_accesso.csv")


def siuss_benefits() -> dict[str, str]:
    """SIUSS benefit codes (CodicePrestazione, ``siuss_prestazioni.csv``)."""
    return _codes("siuss_prestazioni.csv")


def user_areas() -> dict[str, str]:
    """ISTAT user areas (aree di utenza) a request or case belongs to; TOT is not one."""
    return {
        row["code"]: row["label"]
        for row in _rows("aree_utenza.csv")
        if row["scheme"] == "ISTAT_SDMX" and row["code"] != "TOT"
    }


@dataclass(frozen=True)
class TipoIstanza:
    code: str
    label: str
    giorni: int
    lavorativi: bool
    """Working days (Monday to Friday, not public holidays) rather than calendar days."""
    prestazione: str


def application_types() -> dict[str, TipoIstanza]:
    """Application types and their back-office deadlines (``tipi_istanza.csv``)."""
    return {
        row["code"]: TipoIstanza(
            row["code"],
            row["label"],
            int(row["giorni"]),
            row["calendario"] == "lavorativi",
            row["prestazione"],
        )
        for row in _rows("tipi_istanza.csv")
    }
