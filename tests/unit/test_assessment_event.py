"""An assessment (and its correction) carries the SINA items of a disabled or
non-self-sufficient person, or the SINBA items of a minor, and the household as assessed: they
validate, round-trip through the event model, and are sealed under the person's key."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared.events import Actor, CommandContext, acting, new_person_id
from shared.events.assessment import ValutazioneSina, ValutazioneSinba
from shared.events.casework import ValutazioneEffettuata, ValutazioneRettificata
from shared.events.catalogue import NestedModel, PersonalLeaf, personal_plan
from shared.events.envelope import STORED
from shared.events.personal import Erased
from shared.keys import DistrictKeys
from shared.ledger.codec import PersonalDataCodec, is_encrypted
from shared.persons.keystore import KeyStore

CONTEXT = CommandContext(
    actor=Actor(user="as.minori", role="assistente_sociale", comune="E094"),
    legal_basis="GDPR_9_2_G",
    source="ui",
)

SINA: dict[str, Any] = {
    "mobilita": "2",
    "attivita_vita_quotidiana": "3",
    "disturbi_area_cognitiva": "2",
    "disturbi_comportamentali": "1",
    "necessita_cure_sanitarie": "3",
    "area_reddituale": "2",
    "area_supporto": "3",
    "fonte_derivazione_valutazione": "1",
    "strumento_valutazione": "1",
    "fonte_derivazione_invalidita": "1",
    "necessita_interventi_sociali": ["A2.07", "A1.04"],
    "invalidita_civile": ["2", "6"],
}
SINBA: dict[str, Any] = {
    "condizione_minore": "1",
    "luogo_vita": "3",
    "scuola_frequentata": "5",
    "valutazione_minore": "4",
    "valutazione_famiglia_minore": "2",
    "fonte_segnalazione": "13",
    "data_prima_segnalazione": "03/2026",
    "minore_straniero_non_accompagnato": "2",
    "condizione_lavoro": "1",
    "disabilita": "2",
    "tipo_disabilita": None,
    "inv_civ_certificazioni": None,
}
SINBA_PRIMA: dict[str, Any] = {
    field: SINBA[field]
    for field in (
        "condizione_minore",
        "luogo_vita",
        "scuola_frequentata",
        "valutazione_minore",
        "valutazione_famiglia_minore",
        "fonte_segnalazione",
        "data_prima_segnalazione",
    )
}
"""The SINBA block as assessments were stored before the later items were added."""
UNKNOWN = "zz-riservato"


def _valutazione(**fields: Any) -> ValutazioneEffettuata:
    values: dict[str, Any] = {
        "aggregate_id": uuid4(),
        "aggregate_version": 3,
        "persona_id": new_person_id(),
        "tipo": "multidimensionale",
        "problemi": "Cadute frequenti, non gestisce la terapia da sola",
        "risorse": "Una figlia che abita nello stesso comune",
        "esito": "Proposta di assistenza domiciliare integrata",
        "partecipanti": ["assistente sociale", "medico UVM", "infermiere ADI"],
        "nucleo": "Vive sola; la figlia passa due volte la settimana",
    }
    with acting(CONTEXT):
        return ValutazioneEffettuata(**(values | fields))


def _rettifica(**fields: Any) -> ValutazioneRettificata:
    with acting(CONTEXT):
        return ValutazioneRettificata(
            aggregate_id=uuid4(),
            aggregate_version=4,
            persona_id=new_person_id(),
            valutazione_event_id=uuid4(),
            motivo="La UVM ha rivisto la mobilità",
            **fields,
        )


def _round_trips(event: Any) -> None:
    for mode in ("python", "json"):
        dumped = event.model_dump(mode=mode, by_alias=True)
        assert type(event).model_validate(dumped) == event, mode


def test_an_assessment_of_a_non_self_sufficient_person_carries_the_sina_items() -> None:
    event = _valutazione(sina=SINA)
    assert event.sina == ValutazioneSina(**SINA)
    assert event.sinba is None
    assert event.nucleo == "Vive sola; la figlia passa due volte la settimana"
    dumped = event.model_dump(mode="json", by_alias=True)
    assert dumped["sina"] == SINA
    _round_trips(event)


def test_an_assessment_of_a_minor_carries_the_sinba_items() -> None:
    event = _valutazione(tipo="sociale", sinba=SINBA)
    assert event.sinba == ValutazioneSinba(**SINBA)
    assert event.sina is None
    assert event.model_dump(mode="json", by_alias=True)["sinba"] == SINBA
    _round_trips(event)


def test_an_assessment_stored_before_the_later_sinba_items_still_reads_back() -> None:
    stored = _valutazione(tipo="sociale", sinba=SINBA).model_dump(mode="json", by_alias=True)
    stored["sinba"] = dict(SINBA_PRIMA)
    opened = ValutazioneEffettuata.model_validate(stored, context=STORED)
    assert opened.sinba is not None
    assert opened.sinba.condizione_minore == "1"
    assert (opened.sinba.minore_straniero_non_accompagnato, opened.sinba.disabilita) == (
        None,
        None,
    )


def test_the_items_and_the_household_are_optional() -> None:
    event = _valutazione(nucleo=None)
    assert (event.nucleo, event.sina, event.sinba) == (None, None, None)
    _round_trips(event)


def test_a_correction_restates_the_items() -> None:
    corrected = SINA | {"mobilita": "3", "strumento_valutazione": "1"}
    event = _rettifica(nucleo="Vive con la figlia da ottobre", sina=corrected, sinba=None)
    assert event.sina == ValutazioneSina(**corrected)
    _round_trips(event)
    _round_trips(_rettifica(sinba=SINBA))


@pytest.mark.parametrize(
    ("block", "field", "wrong"),
    [
        ("sina", "mobilita", UNKNOWN),
        ("sina", "strumento_valutazione", "8"),
        ("sina", "invalidita_civile", [UNKNOWN]),
        ("sina", "necessita_interventi_sociali", ["ZZ.99"]),
        ("sinba", "valutazione_minore", "14"),
        ("sinba", "fonte_segnalazione", UNKNOWN),
        ("sinba", "data_prima_segnalazione", "2026-03"),
        ("sinba", "minore_straniero_non_accompagnato", "3"),
        ("sinba", "condizione_lavoro", UNKNOWN),
        ("sinba", "tipo_disabilita", "2"),
    ],
)
@pytest.mark.parametrize("make", [_valutazione, _rettifica], ids=["effettuata", "rettificata"])
def test_a_wrong_item_is_refused_naming_the_field_without_echoing_it(
    make: Any, block: str, field: str, wrong: Any
) -> None:
    items = (SINA if block == "sina" else SINBA) | {field: wrong}
    with pytest.raises(ValidationError) as refused:
        make(**{block: items})
    errors = refused.value.errors(include_input=False)
    assert {error["loc"][:2] for error in errors} == {(block, field)}
    assert "input_value" not in str(refused.value)
    if wrong in (UNKNOWN, [UNKNOWN]):
        assert UNKNOWN not in str(refused.value)


def test_a_sina_block_without_a_required_item_is_refused() -> None:
    items = dict(SINA)
    del items["mobilita"]
    with pytest.raises(ValidationError) as refused:
        _valutazione(sina=items)
    assert {e["loc"][:2] for e in refused.value.errors()} == {("sina", "mobilita")}


@pytest.mark.parametrize("event_class", [ValutazioneEffettuata, ValutazioneRettificata])
def test_the_household_and_the_items_are_personal(event_class: Any) -> None:
    plan = {item.key: item for item in personal_plan(event_class)}
    assert plan["nucleo"] == PersonalLeaf("nucleo", "persona_id")
    assert plan["sina"] == NestedModel("sina", False, ValutazioneSina)
    assert plan["sinba"] == NestedModel("sinba", False, ValutazioneSinba)


def test_the_items_are_sealed_under_the_persons_key_and_erasable(
    tmp_path: Path, keys: DistrictKeys
) -> None:
    keystore = KeyStore(
        f"sqlite:///{tmp_path / 'keys.sqlite'}", keys.key_encryption_key, keys.blind_index_key
    )
    try:
        codec = PersonalDataCodec(keystore)
        event = _valutazione(sina=SINA, sinba=SINBA)
        clear = event.model_dump(mode="json", by_alias=True)
        sealed = codec.encrypt(ValutazioneEffettuata, clear, event.event_id)
        assert is_encrypted(sealed["nucleo"])
        for block in ("sina", "sinba"):
            assert set(sealed[block]) == set(clear[block])
            given = {key: value for key, value in clear[block].items() if value is not None}
            assert all(is_encrypted(sealed[block][key]) for key in given), block
            assert all(sealed[block][key] is None for key in set(clear[block]) - set(given))
        assert codec.decrypt(sealed, event.event_id) == clear

        keystore.erase(event.persona_id)
        opened = ValutazioneEffettuata.model_validate(
            codec.decrypt(sealed, event.event_id), context=STORED
        )
        assert isinstance(opened.nucleo, Erased)
        assert opened.sina is not None
        assert opened.sinba is not None
        assert all(isinstance(getattr(opened.sina, f), Erased) for f in SINA)
        assert all(
            isinstance(getattr(opened.sinba, f), Erased) for f, v in SINBA.items() if v is not None
        )
    finally:
        keystore.close()
