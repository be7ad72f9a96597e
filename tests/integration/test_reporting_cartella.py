"""The cartella (``GET /api/reporting/casi/{id}``) and its audit view, over HTTP on an
embedded demo district (real SQLite), from real casework acts recorded through the casework
API: every section, access (403 by role, 404 unknown or out of scope), the recorded reads,
erasure, read-your-writes, the verification of the ledger after ``ambito audit verify``, and a
rebuild from zero (SQLite and PostgreSQL) equal to the incremental read models."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from services.cli import main
from services.reporting.accessi import RegistroAccessi
from services.reporting.cartella import CartellaCasi, VerificheRegistri
from services.runtime import Runtime, create_app
from shared.db import create_engines
from shared.events import LedgerEvent
from shared.events.access import DatiPersonaliLetti
from shared.projections.base import Projection, ProjectionFeed
from shared.projections.runner import ProjectionRunner
from tests.conftest import DatabaseFactory
from tests.support.runtime import bearer, open_demo_runtime, token

CASEWORK = "/api/casework"
REPORTING = "/api/reporting"
ROME = ZoneInfo("Europe/Rome")
ERASED = {"erased": True}


def _day(offset: int = 0) -> str:
    return (datetime.now(ROME).date() + timedelta(days=offset)).isoformat()


ANZIANA = {
    "nome": "Maria",
    "cognome": "Rossi",
    "codice_fiscale": "RSSMRA40A41E094R",
    "data_nascita": "1940-01-01",
    "sesso": "F",
}


@dataclass
class World:
    runtime: Runtime
    client: TestClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    posizione: int = 0

    def as_(self, user: str) -> dict[str, str]:
        if user not in self.headers:
            self.headers[user] = bearer(token(self.client, user))
        return self.headers[user]

    def act(self, path: str, body: dict[str, Any], user: str = "as.anziani") -> dict[str, Any]:
        response = self.client.post(CASEWORK + path, json=body, headers=self.as_(user))
        assert response.status_code in (200, 201), (path, response.text)
        answer: dict[str, Any] = response.json()
        self.posizione = max(self.posizione, int(answer["posizione"]))
        return answer

    def apri(self, persona: dict[str, Any], area: str = "ELD", comune: str = "E094") -> str:
        body = {
            "comune": comune,
            "area_utenza": area,
            "origine": "emergenza",
            "motivo": "Anziana sola dopo una caduta",
            "persona": persona,
        }
        caso = str(self.act("/casi", body, "coordinatore")["id"])
        self.act(f"/casi/{caso}/assegnazione", {"assistente_sociale": "as.anziani"}, "coordinatore")
        self.act(f"/casi/{caso}/presa-in-carico", {})
        return caso

    def get(self, path: str, user: str = "as.anziani", **params: Any) -> Any:
        return self.client.get(REPORTING + path, params=params, headers=self.as_(user))

    def cartella(self, caso: str, user: str = "as.anziani", **params: Any) -> dict[str, Any]:
        params.setdefault("attendi_posizione", self.posizione)
        response = self.get(f"/casi/{caso}", user, **params)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def audit(self, caso: str, user: str = "as.anziani") -> dict[str, Any]:
        response = self.get(f"/casi/{caso}/audit", user, attendi_posizione=self.posizione)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found


def _record_full_case(world: World) -> None:
    """A case with something in every section of the cartella."""
    caso = world.apri(ANZIANA)
    path = f"/casi/{caso}"
    valutazione = world.act(
        f"{path}/valutazioni",
        {
            "tipo": "sociale",
            "problemi": "Isolamento e difficoltà negli spostamenti",
            "risorse": "Una figlia che vive a Milano",
            "esito": "Serve assistenza domiciliare",
            "partecipanti": ["as.anziani", "la figlia"],
        },
    )["creato"]
    world.act(
        f"{path}/valutazioni/{valutazione}/rettifiche",
        {"motivo": "Errore di trascrizione", "esito": "Serve assistenza e pasti"},
    )
    world.act(
        f"{path}/nucleo",
        {
            "membri": [
                {
                    "nome": "Giulia",
                    "cognome": "Rossi",
                    "relazione": "figlio",
                    "convivente": False,
                }
            ]
        },
    )
    world.act(
        f"{path}/rappresentante-legale",
        {"ruolo": "amministratore_sostegno", "nome": "Anna", "cognome": "Bianchi"},
    )
    world.act(
        f"{path}/contratto",
        {
            "firmatario": "persona",
            "impegni_servizio": "Assistenza domiciliare due volte a settimana",
            "impegni_persona": "Accetta gli operatori in casa",
            "firmato_il": _day(),
        },
    )
    world.act(
        f"{path}/progetto",
        {
            "obiettivi": "Restare a casa",
            "professionisti": ["educatore"],
            "revisione_entro": _day(30),
        },
    )
    world.act(
        f"{path}/progetto/revisioni",
        {
            "obiettivi": "Restare a casa, con i pasti",
            "motivo": "Mobilità",
            "revisione_entro": _day(60),
        },
    )
    intervento = world.act(
        f"{path}/interventi", {"prestazione": "A1.04", "inizio": _day(), "fine_prevista": _day(90)}
    )["creato"]
    world.act(
        f"{path}/interventi/{intervento}/monitoraggi",
        {"data": _day(), "note": "Il servizio procede regolarmente"},
    )
    world.act(
        f"{path}/interventi/{intervento}/verifiche",
        {"esito": "parzialmente_raggiunto", "efficacia": "Più autonoma", "concluso": False},
    )
    ordine = {
        "autorita": "tribunale_ordinario",
        "tipo": "indagine_psicosociale",
        "estremi": "Decreto: indagine sul nucleo familiare",
        "relazione_entro": _day(20),
    }
    risposto = world.act(f"{path}/provvedimenti", ordine)["creato"]
    pendente = world.act(f"{path}/provvedimenti", ordine | {"relazione_entro": _day(40)})["creato"]
    world.act(
        f"{path}/relazioni",
        {
            "autorita": "tribunale_ordinario",
            "provvedimento_id": risposto,
            "sintesi": "Il nucleo collabora con il servizio",
        },
    )
    world.act(
        f"{path}/segnalazioni",
        {
            "autorita": "giudice_tutelare",
            "motivo": "Non gestisce più i propri interessi",
            "richiesta": "amministratore_sostegno",
            "base_giuridica": "CC_404_413",
        },
    )
    world.act(f"{path}/questionari", {"momento": "ex_ante", "risposte": [4, 5, 3]})
    world.ids.update(
        caso=caso,
        valutazione=valutazione,
        intervento=intervento,
        risposto=risposto,
        pendente=pendente,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    runtime = open_demo_runtime(tmp_path_factory.mktemp("cartella"))
    with TestClient(create_app(runtime)) as client:
        found = World(runtime, client)
        _record_full_case(found)
        found.ids["altro"] = found.apri(
            {"nome": "Ugo", "cognome": "Verdi", "data_nascita": "1939-05-02", "sesso": "M"}
        )
        yield found


def _reads(runtime: Runtime) -> list[DatiPersonaliLetti]:
    assert runtime.registro is not None
    recorder = runtime.district.ledger("reporting").recorder
    found = [
        runtime.registro.mapper.to_domain_event(n)
        for n in recorder.select_notifications(1, 100_000)
    ]
    return [e for e in found if isinstance(e, DatiPersonaliLetti)]


def _casework_events(runtime: Runtime, caso: str) -> list[LedgerEvent]:
    assert runtime.casework is not None
    found = runtime.casework.events.get(UUID(caso))
    return [e for e in found if isinstance(e, LedgerEvent)]


# -- the sections ----------------------------------------------------------------------------


def test_the_cartella_shows_every_section_decrypted(world: World) -> None:
    ids = world.ids
    found = world.cartella(ids["caso"])

    assert found["id"] == ids["caso"]
    assert (found["stato"], found["assistente_sociale"]) == ("in_carico", "as.anziani")
    assert (found["comune"], found["area_utenza"], found["origine"]) == ("E094", "ELD", "emergenza")
    assert found["motivo"] == "Anziana sola dopo una caduta"
    persona = found["persona"]
    assert len(persona["persona_id"]) == 20
    assert persona["anagrafica"]["nome"] == "Maria"
    assert persona["anagrafica"]["codice_fiscale"] == "RSSMRA40A41E094R"
    assert persona["profilo"]["fascia_eta"] == "85+"
    assert found["nucleo"]["dati"]["membri"][0]["nome"] == "Giulia"
    assert found["rappresentante_legale"]["dati"]["cognome"] == "Bianchi"

    (valutazione,) = found["valutazioni"]
    assert valutazione["event_id"] == ids["valutazione"]
    assert valutazione["dati"]["problemi"] == "Isolamento e difficoltà negli spostamenti"
    (rettifica,) = valutazione["rettifiche"]
    assert rettifica["dati"]["esito"] == "Serve assistenza e pasti"
    assert found["contratto"]["dati"]["impegni_persona"] == "Accetta gli operatori in casa"
    assert found["progetto"]["definizione"]["dati"]["obiettivi"] == "Restare a casa"
    (revisione,) = found["progetto"]["revisioni"]
    assert revisione["dati"]["revisione_entro"] == _day(60)

    (intervento,) = found["interventi"]
    assert intervento["intervento_id"] == ids["intervento"]
    assert intervento["attivazione"]["dati"]["prestazione"] == "A1.04"
    assert [m["dati"]["note"] for m in intervento["monitoraggi"]] == [
        "Il servizio procede regolarmente"
    ]
    assert [v["dati"]["efficacia"] for v in intervento["verifiche"]] == ["Più autonoma"]
    assert intervento["conclusione"] is None

    by_order = {p["provvedimento_id"]: p for p in found["provvedimenti"]}
    assert by_order[ids["risposto"]]["relazione_inviata"] is True
    assert by_order[ids["pendente"]]["relazione_inviata"] is False
    assert by_order[ids["pendente"]]["dati"]["tipo"] == "indagine_psicosociale"
    (relazione,) = found["relazioni"]
    assert relazione["dati"]["sintesi"] == "Il nucleo collabora con il servizio"
    (segnalazione,) = found["segnalazioni"]
    assert segnalazione["base_giuridica"] == "CC_404_413"
    assert segnalazione["dati"]["autorita"] == "giudice_tutelare"
    assert found["questionari"][0]["dati"]["risposte"] == [4, 5, 3]


def test_the_deadlines_follow_the_case(world: World) -> None:
    ids = world.ids
    scadenze = world.cartella(ids["caso"])["scadenze"]

    assert [(s["tipo"], s["entro"], s["riferimento_id"], s["scaduta"]) for s in scadenze] == [
        ("relazione_tribunale", _day(40), ids["pendente"], False),
        ("revisione_progetto", _day(60), None, False),
        ("verifica_intervento", _day(90), ids["intervento"], False),
    ]


def test_the_timeline_is_every_event_of_the_case_in_order(world: World) -> None:
    caso = world.ids["caso"]
    recorded = _casework_events(world.runtime, caso)
    timeline = world.cartella(caso)["timeline"]

    assert [e["tipo"] for e in timeline] == [e.event_type for e in recorded]
    assert [e["versione"] for e in timeline] == list(range(1, len(recorded) + 1))
    for shown, event in zip(timeline, recorded, strict=True):
        assert shown["event_id"] == str(event.event_id)
        assert datetime.fromisoformat(shown["occurred_at"]) == event.occurred_at
        assert datetime.fromisoformat(shown["recorded_at"]) == event.recorded_at
        assert shown["attore"]["utente"] == event.actor.user
        assert shown["base_giuridica"] == event.legal_basis
        assert shown["fonte"] == event.source
    positions = [e["posizione"] for e in timeline]
    assert positions == sorted(positions)
    assert timeline[0]["attore"] == {
        "utente": "coordinatore",
        "ruolo": "coordinatore",
        "comune": "E094",
    }
    assert timeline[3]["dati"]["problemi"] == "Isolamento e difficoltà negli spostamenti"


# -- access and recorded reads ----------------------------------------------------------------


@pytest.mark.parametrize("user", ["as.minori", "as.adulti"])
def test_a_user_outside_the_case_s_scope_finds_no_case(world: World, user: str) -> None:
    """Social workers of other areas: the very answer to an unknown case (issue 17: a 403
    naming the area told them the case exists), nothing of it, no read recorded."""
    before = len(_reads(world.runtime))
    for path in (f"/casi/{world.ids['caso']}", f"/casi/{world.ids['caso']}/audit"):
        outside = world.get(path, user)
        assert outside.status_code == 404, outside.text
        assert (
            outside.content
            == world.get(path.replace(world.ids["caso"], str(uuid4())), user).content
        )
        assert world.ids["caso"] not in outside.text
    unknown = world.get(f"/casi/{uuid4()}", "as.anziani")
    assert unknown.status_code == 404
    assert len(_reads(world.runtime)) == before


@pytest.mark.parametrize("user", ["operatore", "ufficio.piano", "admin"])
def test_a_role_that_reads_no_case_gets_403_before_any_lookup(world: World, user: str) -> None:
    before = len(_reads(world.runtime))
    known = world.get(f"/casi/{world.ids['caso']}", user)
    unknown = world.get(f"/casi/{uuid4()}/audit", user)

    assert known.status_code == unknown.status_code == 403
    assert len(_reads(world.runtime)) == before


def test_every_read_is_recorded_with_the_caller_and_purpose(world: World) -> None:
    caso = world.ids["caso"]
    world.cartella(caso, "as.anziani")
    world.cartella(caso, "coordinatore", finalita="CONTROLLO")
    world.audit(caso, "coordinatore")

    *_, social_worker, coordinator, audit = _reads(world.runtime)
    persona_id = world.cartella(caso)["persona"]["persona_id"]
    assert (social_worker.actor.user, social_worker.finalita) == ("as.anziani", "PRESA_IN_CARICO")
    assert (coordinator.actor.user, coordinator.finalita) == ("coordinatore", "CONTROLLO")
    assert audit.finalita == "COORDINAMENTO"
    for read in (social_worker, coordinator, audit):
        assert (read.oggetto, str(read.oggetto_id), read.persona_id) == ("caso", caso, persona_id)
        assert read.actor.comune == "E094"
        assert read.legal_basis == "GDPR_9_2_G"
    assert social_worker.endpoint == "GET /api/reporting/casi/{id}"
    assert audit.endpoint == "GET /api/reporting/casi/{id}/audit"


def test_an_unknown_purpose_is_refused_naming_the_field_and_records_nothing(world: World) -> None:
    before = len(_reads(world.runtime))
    response = world.get(f"/casi/{world.ids['caso']}", finalita="CURIOSITA")

    assert response.status_code == 422
    assert [e["campo"] for e in response.json()["errori"]] == ["query.finalita"]
    assert "CURIOSITA" not in response.text
    assert len(_reads(world.runtime)) == before


def test_an_erased_person_s_fields_come_back_erased(world: World) -> None:
    caso = world.apri(
        {"nome": "Ada", "cognome": "Neri", "data_nascita": "1938-03-03", "sesso": "F"}
    )
    world.act(
        f"/casi/{caso}/questionari", {"momento": "ex_ante", "risposte": [2], "commento": "Ok"}
    )
    persona_id = world.cartella(caso)["persona"]["persona_id"]
    world.runtime.district.keystore.erase(persona_id)

    found = world.cartella(caso)

    assert found["persona"]["anagrafica"]["nome"] == ERASED
    assert found["persona"]["anagrafica"]["cognome"] == ERASED
    assert found["motivo"] == ERASED
    assert found["questionari"][0]["dati"]["commento"] == ERASED
    assert found["questionari"][0]["dati"]["risposte"] == [2]  # not personal
    assert found["persona"]["profilo"]["fascia_eta"] == "85+"
    assert "Ada" not in str(found)


def test_attendi_posizione_reads_the_write_just_made(world: World) -> None:
    caso = world.ids["altro"]
    done = world.act(f"/casi/{caso}/questionari", {"momento": "in_itinere", "risposte": [5]})

    found = world.cartella(caso, attendi_posizione=done["posizione"])

    assert found["posizione"] >= done["posizione"]
    assert found["timeline"][-1]["tipo"] == "QuestionarioRaccolto"
    assert found["questionari"][-1]["dati"]["momento"] == "in_itinere"
    beyond = world.get(f"/casi/{caso}", attendi_posizione=done["posizione"] + 10_000)
    assert beyond.status_code == 503


# -- the audit view ---------------------------------------------------------------------------


def _feed(runtime: Runtime, name: str) -> ProjectionFeed:
    (found,) = [f for f in runtime.feeds if f.projection.name == name]
    return found


def test_the_audit_lists_events_and_the_ledger_s_latest_verification(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    caso = world.ids["caso"]
    before = world.audit(caso)
    recorded = _casework_events(world.runtime, caso)

    assert [i["tipo"] for i in before["items"]] == [e.event_type for e in recorded]
    for item, event in zip(before["items"], recorded, strict=True):
        assert "dati" not in item
        assert datetime.fromisoformat(item["occurred_at"]) == event.occurred_at
        assert datetime.fromisoformat(item["recorded_at"]) == event.recorded_at
        assert item["base_giuridica"] == event.legal_basis
        assert (item["fonte"], item["attore"]["utente"]) == (event.source, event.actor.user)
    assert before["verifiche"] == [
        {"registro": "casework", "stato": "mai verificato", "risultato": None}
    ]

    settings = world.runtime.settings
    env = {"AMBITO_DATA_DIR": str(settings.data_dir), "AMBITO_KEY_DIR": str(settings.key_dir)}
    casework = world.runtime.district.ledger("casework")
    casework.checkpoint()
    covered = casework.recorder.max_notification_id() or 0
    reporting = world.runtime.district.ledger("reporting")
    recorded_before = reporting.recorder.max_notification_id() or 0
    verified = CliRunner().invoke(main, ["audit", "verify", "--service", "casework"], env=env)
    assert verified.exit_code == 0, verified.output
    # the verified ledger is left as it was found; the result goes to reporting's ledger
    assert casework.recorder.max_notification_id() == covered
    head = reporting.recorder.max_notification_id()
    assert head == recorded_before + 1
    assert _feed(world.runtime, "reporting.verifiche").wait_for("reporting", head, 5)

    after = world.audit(caso)
    (verifica,) = after["verifiche"]
    assert (verifica["registro"], verifica["stato"]) == ("casework", "verificato")
    risultato = verifica["risultato"]
    assert risultato["esito"] == "ok"
    assert risultato["eventi"] == risultato["ultima_posizione"] == covered
    assert risultato["checkpoint"] == covered
    assert risultato["anello_rotto_posizione"] is None
    assert risultato["motivo"] is None
    moment = datetime.fromisoformat(risultato["verificato_il"])
    assert datetime.now(UTC) - timedelta(minutes=5) < moment <= datetime.now(UTC)
    assert after["items"] == before["items"]  # the verification is no event of the case


# -- rebuild ----------------------------------------------------------------------------------


def _rows(engine: Any, metadata: MetaData) -> dict[str, list[tuple[Any, ...]]]:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        if isinstance(value, dict | list):
            return repr(value)
        return value

    with engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(plain(v) for v in row) for row in connection.execute(select(table))),
                key=repr,
            )
            for table in metadata.sorted_tables
        }


PROJECTIONS: list[Projection] = [CartellaCasi(), VerificheRegistri(), RegistroAccessi()]


def test_a_rebuild_from_zero_equals_the_incremental_read_models(
    world: World, database_url: DatabaseFactory
) -> None:
    runtime = world.runtime
    views = create_engines(database_url("views"))
    try:
        for projection in PROJECTIONS:
            for source in projection.sources:
                head = runtime.district.ledger(source).recorder.max_notification_id() or 0
                assert _feed(runtime, projection.name).wait_for(source, head, 5)
            sources = {s: runtime.district.ledger(s).recorder for s in projection.sources}
            rebuilt = ProjectionRunner(projection, views, sources)
            rebuilt.catch_up()
            rebuilt.stop()
            incremental = _rows(runtime.views.reader, projection.metadata)
            assert _rows(views.reader, projection.metadata) == incremental
            if projection.name == "reporting.cartella":
                assert all(incremental.values())  # both tables hold rows
    finally:
        views.dispose()


def test_the_read_model_keeps_personal_fields_encrypted(world: World) -> None:
    from services.reporting.cartella import eventi

    with world.runtime.views.reader.connect() as connection:
        stored = [row.dati for row in connection.execute(select(eventi))]
    assert stored
    text = repr(stored)
    for secret in ("Maria", "RSSMRA40A41E094R", "Isolamento", "Giulia", "Bianchi"):
        assert secret not in text
