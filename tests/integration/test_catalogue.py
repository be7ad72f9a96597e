"""Acceptance 5: every catalogued event type survives the ledger unchanged; upcasting works;
the published JSON Schema describes every event."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import jsonschema
import pytest
from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent

from services.cli import main
from shared.events import CATALOGUE, CommandContext, LedgerEvent, acting, new_person_id
from shared.events.catalogue import NestedModel, personal_plan
from shared.events.intake import DomandaRicevuta
from shared.keys import DistrictKeys
from shared.ledger.ledger import Ledger
from shared.ledger.mapper import canonical_json
from shared.persons.keystore import KeyStore
from tests.support.samples import sample_event

PERSONA = {
    "persona.nome",
    "persona.cognome",
    "persona.codice_fiscale",
    "persona.data_nascita",
    "persona.luogo_nascita",
    "persona.cittadinanza",
    "persona.residenza.paese",
    "persona.residenza.comune_istat",
    "persona.residenza.indirizzo",
}
SINA = {
    "sina.mobilita",
    "sina.attivita_vita_quotidiana",
    "sina.disturbi_area_cognitiva",
    "sina.disturbi_comportamentali",
    "sina.necessita_cure_sanitarie",
    "sina.area_reddituale",
    "sina.area_supporto",
    "sina.fonte_derivazione_valutazione",
    "sina.strumento_valutazione",
    "sina.fonte_derivazione_invalidita",
    "sina.necessita_interventi_sociali",
    "sina.invalidita_civile",
}
SINBA = {
    "sinba.condizione_minore",
    "sinba.luogo_vita",
    "sinba.scuola_frequentata",
    "sinba.valutazione_minore",
    "sinba.valutazione_famiglia_minore",
    "sinba.fonte_segnalazione",
    "sinba.data_prima_segnalazione",
    "sinba.minore_straniero_non_accompagnato",
    "sinba.condizione_lavoro",
    "sinba.disabilita",
    "sinba.tipo_disabilita",
    "sinba.inv_civ_certificazioni",
}

PERSONAL_FIELDS: dict[str, set[str]] = {
    # The privacy contract: every field about a person that must never be stored in clear.
    "DomandaRicevuta": {
        "bisogno",
        "persona.nome",
        "persona.cognome",
        "persona.codice_fiscale",
        "persona.data_nascita",
        "persona.luogo_nascita",
        "persona.cittadinanza",
        "persona.residenza.paese",
        "persona.residenza.comune_istat",
        "persona.residenza.indirizzo",
        "richiedente.tipo",
        "richiedente.nome",
        "richiedente.contatto",
    },
    "InformazioniFornite": {"note", "servizi.nome"},
    "AppuntamentoAnnullato": {"motivo"},
    "DomandaOrientata": {"motivazione"},
    "DomandaInoltrata": {"motivo", *PERSONA},
    "DomandaChiusa": {"nota"},
    "CasoAperto": {"motivo", *PERSONA},
    # whom a record is about (decision 0032): the corrected or attributed person, and why
    "DatiPersonaRettificati": {"motivo", *PERSONA},
    "PersonaAttribuita": {"motivo", *PERSONA},
    "ValutazioneEffettuata": {
        "problemi",
        "risorse",
        "esito",
        "nucleo",
        "partecipanti",
        *SINA,
        *SINBA,
    },
    "ProgettoDefinito": {"obiettivi"},
    "ProgettoRivisto": {"obiettivi", "motivo"},
    "InterventoAttivato": {"descrizione", "frequenza"},
    "MonitoraggioRegistrato": {"note"},
    "InterventoVerificato": {"efficacia", "efficienza"},
    "InterventoConcluso": {"motivo"},
    "InterventoAnnullato": {"motivo"},
    "SegnalazioneTribunale": {"autorita", "motivo", "richiesta"},
    "ProvvedimentoRecepito": {"autorita", "tipo", "estremi", "numero", "data_provvedimento"},
    "NucleoFamiliareRegistrato": {
        "membri.nome",
        "membri.cognome",
        "membri.data_nascita",
        "membri.relazione",
    },
    "RappresentanteLegaleRegistrato": {"ruolo", "nome", "cognome"},
    "QuestionarioRaccolto": {"commento"},
    "ValutazioneRettificata": {
        "motivo",
        "problemi",
        "risorse",
        "esito",
        "nucleo",
        *SINA,
        *SINBA,
    },
    "ContrattoFirmato": {"obiettivi", "impegni_servizio", "impegni_persona"},
    "RelazioneInviata": {"autorita", "sintesi"},
    "CasoChiuso": {"restituzione"},
    "EsitoSiussRicevuto": {"descrizione"},
    "DatiPersonaliLetti": {"motivo"},
    "AccessoEmergenzaConfermato": {"nota"},
    "AccessoEmergenzaContestato": {"nota"},
}


def _at(data: Any, path: str) -> Any:
    """The value at a dotted path; through a list, its first element's."""
    for part in path.split("."):
        data = data[0][part] if isinstance(data, list) else data[part]
    return data


def _personal_paths(model: Any, prefix: str = "") -> Iterator[str]:
    for item in personal_plan(model):
        if isinstance(item, NestedModel):
            yield from _personal_paths(item.model, f"{prefix}{item.key}.")
        else:
            yield f"{prefix}{item.key}"


def test_the_privacy_contract_matches_the_catalogue() -> None:
    """A personal marker removed from (or added to) the catalogue must be a visible decision."""
    declared = {}
    for name, cls in CATALOGUE.items():
        paths = set(_personal_paths(cls))
        if paths:
            declared[name] = paths
    assert declared == PERSONAL_FIELDS


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_every_event_type_round_trips_through_the_ledger(
    event_type: str, open_ledger: Callable[..., Ledger], operatore: CommandContext
) -> None:
    ledger = open_ledger()
    with acting(operatore):
        original = sample_event(
            CATALOGUE[event_type],
            person_id=new_person_id(),
            originator_id=uuid4(),
            originator_version=1,
        )
    stored = ledger.mapper.to_stored_event(original)
    positions = ledger.recorder.insert_events([stored])
    assert positions == [1]
    clear = original.model_dump(mode="json", by_alias=True)
    for path in PERSONAL_FIELDS.get(event_type, set()):
        value = _at(clear, path)
        assert value is not None, path
        leaf = path.rsplit(".", 1)[-1]
        # never stored beside its name in clear, whatever its length (a one-character code
        # occurs anywhere by chance, so only a longer value is also sought on its own)
        pair = json.dumps({leaf: value}, separators=(",", ":"), ensure_ascii=False)[1:-1]
        assert pair.encode() not in stored.state, path
        if isinstance(value, str) and len(value) >= 3:
            assert value.encode() not in stored.state, path
        assert set(_at(json.loads(stored.state), path)) == {"$enc", "persona"}, path

    loaded = ledger.mapper.to_domain_event(ledger.recorder.select_events(original.originator_id)[0])

    assert type(loaded) is type(original)
    assert loaded.recorded_at is not None
    assert loaded.model_copy(update={"recorded_at": None}) == original
    assert loaded.actor == operatore.actor
    assert loaded.legal_basis == "L328_ART22"


def _stored_v1_domanda(ledger: Ledger, operatore: CommandContext) -> LedgerEvent:
    with acting(operatore):
        current = sample_event(
            DomandaRicevuta, person_id=new_person_id(), originator_id=uuid4(), originator_version=1
        )
    stored = ledger.mapper.to_stored_event(current)
    state = json.loads(stored.state)
    del state["urgente"]
    state["schema_version"] = 1
    ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=1,
                topic=stored.topic,
                state=canonical_json(state),
            )
        ]
    )
    return current


def test_an_older_schema_version_is_upcast_on_read_and_never_rewritten(
    open_ledger: Callable[..., Ledger], operatore: CommandContext
) -> None:
    ledger = open_ledger()
    written = _stored_v1_domanda(ledger, operatore)
    stored = ledger.recorder.select_events(written.originator_id)[0]

    loaded = ledger.mapper.to_domain_event(stored)

    assert isinstance(loaded, DomandaRicevuta)
    assert loaded.urgente is False
    assert loaded.bisogno == written.bisogno  # type: ignore[attr-defined]
    assert (
        json.loads(ledger.recorder.select_events(written.originator_id)[0].state)["schema_version"]
        == 1
    )
    assert ledger.verify().ok


def test_events_schema_command_publishes_a_schema_every_event_validates_against(
    keys: DistrictKeys, tmp_path: Path
) -> None:
    """Both forms: the event as a service sees it, and as the ledger stores and Kafka carries it."""
    result = CliRunner().invoke(main, ["events", "schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]) >= set(CATALOGUE)

    validator = jsonschema.Draft202012Validator(schema)
    keystore = KeyStore(
        f"sqlite:///{tmp_path / 'keystore.sqlite'}", keys.key_encryption_key, keys.blind_index_key
    )
    ledger = Ledger("intake", f"sqlite:///{tmp_path / 'intake.sqlite'}", keys, keystore)
    context = CommandContext.model_validate(
        {"actor": {"user": "u", "role": "operatore"}, "legal_basis": "GDPR_9_2_G", "source": "ui"}
    )
    for event_type, cls in CATALOGUE.items():
        with acting(context):
            event = sample_event(
                cls, person_id=new_person_id(), originator_id=uuid4(), originator_version=1
            )
        published = {
            "type": event_type,
            "schema_version": cls.schema_version,
            **event.model_dump(mode="json", by_alias=True),
        }
        wire = json.loads(ledger.mapper.to_stored_event(event).state)
        for form in (published, wire):
            errors = list(validator.iter_errors(form))
            assert not errors, f"{event_type}: {errors[0].message}"
        assert list(validator.iter_errors({**published, "type": "NonEsiste"}))
    assert list(validator.iter_errors({"type": "DomandaRicevuta", "schema_version": 2}))
    ledger.close()
    keystore.close()
