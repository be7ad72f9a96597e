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
    assert keys == {"persona", "bisogno"}
