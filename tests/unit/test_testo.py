"""The one definition of what a text may hold (``shared/events/testo.py``, decision 0033):
what it admits, XML writes; what an export cleans, XML writes too."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from shared.events.testo import SOSTITUTO, ammesso, primo_non_ammesso, ripulisci, verifica_riga

TUTTI = st.text(alphabet=st.characters(exclude_categories=()), max_size=80)
"""Any code point, lone surrogates included."""


@pytest.mark.parametrize(
    ("testo", "riga", "righe"),
    [
        ("Ugo", True, True),
        ("Niccolò D'Ambrosio-Lévêque 😀", True, True),
        ("U\x00go", False, False),
        ("riga\nriga", False, True),
        ("a\tb\r\nc", False, True),
        ("\x7f", False, False),
        ("\x85", False, False),
        ("\x9f", False, False),
        ("\xa0", True, True),
        ("\ud800", False, False),
        ("\ufdd0", False, False),
        ("\ufffe", False, False),
        ("\U0001ffff", False, False),
        ("\U0010fffe", False, False),
        ("\ufffd", True, True),
        ("\U0010fffd", True, True),
    ],
)
def test_what_a_one_line_and_a_multi_line_text_admit(testo: str, riga: bool, righe: bool) -> None:
    assert ammesso(testo) is riga
    assert ammesso(testo, multilinea=True) is righe


def test_a_refused_text_is_an_italian_error_without_its_value() -> None:
    with pytest.raises(ValueError, match="caratteri non ammessi") as errore:
        verifica_riga("Mario\x00Rossi")
    assert "Mario" not in str(errore.value)
    assert primo_non_ammesso("Mario\x00Rossi") == 5


def _in_xml(testo: str) -> bytes:
    elemento = etree.Element("a", nome=testo)
    elemento.text = testo
    return etree.tostring(elemento, encoding="UTF-8")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(TUTTI)
def test_what_is_admitted_xml_writes_and_what_is_cleaned_is_admitted(testo: str) -> None:
    pulito = ripulisci(testo)
    assert ammesso(pulito)
    assert etree.fromstring(_in_xml(pulito)).get("nome") == pulito
    assert ammesso(ripulisci(testo, multilinea=True), multilinea=True)
    if ammesso(testo, multilinea=True):
        _in_xml(testo)  # lxml refuses none of it
        assert ripulisci(testo, multilinea=True) == testo


def test_cleaning_marks_each_refused_character() -> None:
    assert ripulisci("Centro\x00diurno\x1b") == f"Centro{SOSTITUTO}diurno{SOSTITUTO}"
    assert ripulisci("riga\r\nriga\tx") == "riga riga x"
    assert ripulisci("riga\r\nriga", multilinea=True) == "riga\r\nriga"
