"""The catalogue refuses personal fields it could not protect."""

from __future__ import annotations

from typing import Annotated

import pytest

from shared.events import Personal
from shared.events.catalogue import catalogued, personal_plan
from shared.events.envelope import LedgerEvent
from shared.events.intake import DomandaRicevuta
from shared.events.personal import Erased


def test_a_personal_marker_hidden_inside_an_optional_is_refused() -> None:
    with pytest.raises(TypeError, match="outermost"):

        @catalogued
        class Sbagliato(LedgerEvent):
            nota: Annotated[str | Erased, Personal()] | None = None


def test_a_personal_field_must_admit_erasure() -> None:
    with pytest.raises(TypeError, match="admit Erased"):

        @catalogued
        class Sbagliato2(LedgerEvent):
            nota: Annotated[str, Personal()]


def test_nested_personal_fields_are_found() -> None:
    keys = {item.key for item in personal_plan(DomandaRicevuta)}
    assert keys == {"persona", "bisogno", "richiedente"}


def test_personal_data_in_a_dict_of_models_is_refused() -> None:
    from shared.events.intake import DatiPersona

    with pytest.raises(TypeError, match="dict or a union"):

        @catalogued
        class Sbagliato3(LedgerEvent):
            membri: dict[str, DatiPersona]


def test_validation_errors_never_echo_the_submitted_value() -> None:
    from pydantic import ValidationError

    from shared.events.intake import DatiPersona

    with pytest.raises(ValidationError) as raised:
        DatiPersona(nome="Ermenegilda", cognome="Zappacosta", codice_fiscale="ZPPRNG40A41E09")
    assert "Ermenegilda" not in str(raised.value)
    assert "ZPPRNG40A41E09" not in str(raised.value)
    assert "codice_fiscale" in str(raised.value)


def test_a_wrong_codice_fiscale_is_refused_without_repeating_it() -> None:
    from shared.persons.blind_index import normalise_codice_fiscale

    with pytest.raises(ValueError, match="non valido") as raised:
        normalise_codice_fiscale("ZPPRNG40A41E094X")
    assert "ZPPRNG" not in str(raised.value)
