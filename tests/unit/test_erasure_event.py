"""Issue 17: an erasure's reason is a code and its protocol reference digits only
(``PersonaCancellata`` version 2, decision 0034); a version-1 erasure, whose reason was free
text, still loads, upcast, with that text kept apart for the dpo."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from shared import codes
from shared.events import STORED, Actor, CommandContext, acting
from shared.events.erasure import (
    MOTIVO_TESTO_LIBERO,
    PersonaCancellata,
    id_cancellazione,
)
from shared.ledger.mapper import canonical_json
from shared.projections.base import wire_event

PERSONA = "P" * 20
CONTEXT = CommandContext(actor=Actor(user="dpo", role="dpo"), legal_basis="GDPR_17", source="cli")


def _nuova(**campi: Any) -> PersonaCancellata:
    with acting(CONTEXT):
        return PersonaCancellata.model_validate(
            {
                "aggregate_id": id_cancellazione(PERSONA),
                "aggregate_version": 1,
                "persona_id": PERSONA,
                **campi,
            }
        )


def _stato_v1(motivo: str) -> dict[str, Any]:
    """A version-1 erasure as its bytes were stored: the reason in free text."""
    state = _nuova(motivo="RICHIESTA_INTERESSATO").model_dump(
        mode="json", by_alias=True, exclude={"recorded_at", "protocollo", "motivo_testo"}
    )
    state["motivo"] = motivo
    return {"type": "PersonaCancellata", "schema_version": 1, **state}


def test_the_reason_list_is_data_with_sources_and_has_no_free_text_code() -> None:
    motivi = codes.erasure_reasons()
    assert {"RICHIESTA_INTERESSATO", "GDPR_17_1_A", "GDPR_17_1_B", "GDPR_17_1_C"} <= set(motivi)
    assert {f"GDPR_17_1_{lettera}" for lettera in "ABCDEF"} <= set(motivi)
    assert MOTIVO_TESTO_LIBERO not in motivi
    for row in codes._rows("motivi_cancellazione.csv"):
        assert row["label"], row["code"]
        assert row["reference"], row["code"]


def test_a_new_erasure_has_a_coded_reason_and_an_optional_protocol() -> None:
    event = _nuova(motivo="GDPR_17_1_B", protocollo="0012345/2025")
    assert (event.motivo, event.protocollo, event.motivo_testo) == (
        "GDPR_17_1_B",
        "0012345/2025",
        None,
    )
    assert PersonaCancellata.schema_version == 2
    assert _nuova(motivo="RICHIESTA_INTERESSATO").protocollo is None


@pytest.mark.parametrize(
    "campi",
    [
        {"motivo": "richiesta dell'interessato Mario Rossi"},
        {"motivo": MOTIVO_TESTO_LIBERO},
        {"motivo": "RICHIESTA_INTERESSATO", "motivo_testo": "Mario Rossi"},
        {"motivo": "RICHIESTA_INTERESSATO", "protocollo": "Rossi"},
        {"motivo": "RICHIESTA_INTERESSATO", "protocollo": "01/02/1980"},
        {"motivo": "RICHIESTA_INTERESSATO", "protocollo": "RSSMRA40A41E094R"},
        {"motivo": "RICHIESTA_INTERESSATO", "protocollo": "123/2025 Rossi"},
        {"motivo": "RICHIESTA_INTERESSATO", "protocollo": "1" * 13},
        {"motivo": "RICHIESTA_INTERESSATO", "protocollo": ""},
    ],
)
def test_a_new_erasure_refuses_free_text_anywhere(campi: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as raised:
        _nuova(**campi)
    text = str(raised.value)
    for value in campi.values():
        if len(value) > 3:
            assert value not in text  # refused without being repeated


def test_a_version_1_erasure_upcasts_with_its_text_apart() -> None:
    """Through the path projections and Kafka consumers take (stored bytes to upcast
    state), and loaded as the mapper loads it (stored context)."""
    testo = "richiesta di Mario Rossi, prot. 12/2025"
    event = wire_event("reporting", 7, canonical_json(_stato_v1(testo)))
    assert event.data["motivo"] == MOTIVO_TESTO_LIBERO
    assert event.data["motivo_testo"] == testo
    assert event.data["protocollo"] is None
    loaded = PersonaCancellata.model_validate(event.data, context=STORED)
    assert (loaded.motivo, loaded.motivo_testo, loaded.protocollo) == (
        MOTIVO_TESTO_LIBERO,
        testo,
        None,
    )


def test_a_stored_erasure_loads_whatever_the_list_has_become() -> None:
    """A district may retire a code: erasures that cite it still load."""
    state = json.loads(canonical_json(_nuova(motivo="GDPR_17_1_D").model_dump(mode="json")))
    state["motivo"] = "CODICE_RITIRATO"
    loaded = PersonaCancellata.model_validate(state, context=STORED)
    assert loaded.motivo == "CODICE_RITIRATO"


def test_version_2_is_stored_as_is() -> None:
    event = _nuova(motivo="CONSERVAZIONE_SCADUTA", protocollo="77")
    stored = event.model_dump(mode="json", by_alias=True)
    data = wire_event(
        "reporting", 1, canonical_json({"type": "PersonaCancellata", "schema_version": 2, **stored})
    ).data
    assert (data["motivo"], data["protocollo"], data["motivo_testo"]) == (
        "CONSERVAZIONE_SCADUTA",
        "77",
        None,
    )
