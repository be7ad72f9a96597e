"""Acceptance 1 of the network issue over HTTP (in process, real SQLite): every event of the
territorial network recorded through its endpoint, with actor and legal basis, read back from
its read model; and the refusals: 422 naming the field (never echoing the value), 404, 409,
412 and 403 where they apply. Also the review flag, the map endpoints and the directory's
shared lookup that other services use.

Refusals that record nothing share one district per module (``world``); tests that write use
a district of their own.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from services.network.application import NetworkApplication
from services.runtime import Runtime, create_app
from shared.errors import Conflict, FieldError
from shared.events import network as events
from shared.events.envelope import LedgerEvent
from tests.support.runtime import bearer, open_demo_runtime, token

API = "/api/network"
ROME = ZoneInfo("Europe/Rome")
LEGAL_BASIS = "L328_ART19"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


def _today() -> date:
    return datetime.now(ROME).date()


def _risorsa(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "nome": "Cooperativa Arcobaleno",
        "tipo": "cooperativa_sociale",
        "comuni": ["E094", "B292"],
        "aree": ["ELD", "DIS"],
        "descrizione": "Assistenza domiciliare e centro diurno",
        "prestazioni": ["A1.01"],
        "servizi": ["assistenza domiciliare"],
        "contatti": {"telefono": "02 1234567", "email": "info@arcobaleno.example"},
        "orari": "lun-ven 9-17",
        "capacita": 40,
        "lista_attesa": 3,
        "accreditamento": "ACC-2024-17",
    }
    body.update(overrides)
    return body


def _network(runtime: Runtime) -> NetworkApplication:
    assert runtime.network is not None
    return runtime.network


def _position(runtime: Runtime) -> int:
    return runtime.district.ledger("network").recorder.max_notification_id() or 0


def _events(runtime: Runtime, aggregate_id: str) -> list[LedgerEvent]:
    found = list(_network(runtime).events.get(UUID(aggregate_id)))
    assert all(isinstance(event, LedgerEvent) for event in found)
    return [event for event in found if isinstance(event, LedgerEvent)]


def _assert_recorded(
    runtime: Runtime,
    registered: dict[str, Any],
    kind: type[LedgerEvent],
    user: str = "ufficio.piano",
    role: str = "ufficio_di_piano",
) -> LedgerEvent:
    """The write's last event is a ``kind`` at the position returned, by ``user``/``role``,
    on the network's legal basis."""
    recorded = _events(runtime, registered["id"])
    assert len(recorded) == registered["versione"]
    event = recorded[-1]
    assert isinstance(event, kind)
    assert event.actor.user == user
    assert event.actor.role == role
    assert event.legal_basis == LEGAL_BASIS
    assert registered["posizione"] == _position(runtime)
    return event


def _assert_created(response: Any, path: str) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"{API}/{path}/{body['id']}"
    assert response.headers["ETag"] == 'W/"1"'
    assert body["versione"] == 1
    assert body["posizione"] >= 1
    return body


def _assert_changed(response: Any, risorsa_id: str, versione: int) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["id"] == risorsa_id
    assert body["versione"] == versione
    assert response.headers["ETag"] == f'W/"{versione}"'
    assert response.headers["Location"] == f"{API}/risorse/{risorsa_id}"
    return body


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"] == "dati non validi"
    return [error["campo"] for error in body["errori"]]


# -- a district of one's own -----------------------------------------------------------


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return open_demo_runtime(tmp_path)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


@pytest.fixture
def planner(client: TestClient) -> dict[str, str]:
    return bearer(token(client, "ufficio.piano"))


def _census(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return _assert_created(
        client.post(f"{API}/risorse", json=_risorsa(**overrides), headers=headers), "risorse"
    )


def _list(
    client: TestClient, headers: dict[str, str], path: str, posizione: int, **params: Any
) -> dict[str, Any]:
    response = client.get(
        f"{API}/{path}", params={"attendi_posizione": posizione, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


# -- every event: recorded, with its actor and legal basis, and read back ---------------


def test_a_census_is_recorded_with_actor_and_legal_basis_and_read_back(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    created = _census(client, planner)
    event = _assert_recorded(runtime, created, events.RisorsaCensita)
    assert isinstance(event, events.RisorsaCensita)
    assert event.nome == "Cooperativa Arcobaleno"
    assert event.comuni == ["E094", "B292"]
    assert event.accreditamento == "ACC-2024-17"

    read = client.get(f"{API}/risorse/{created['id']}", headers=planner)
    assert read.status_code == 200, read.text
    assert read.headers["ETag"] == 'W/"1"'
    risorsa = read.json()
    expected = _risorsa()
    for name in ("nome", "tipo", "comuni", "aree", "descrizione", "prestazioni", "servizi"):
        assert risorsa[name] == expected[name], name
    assert risorsa["contatti"] == {
        "telefono": "02 1234567",
        "email": "info@arcobaleno.example",
        "indirizzo": None,
        "sito": None,
    }
    assert (risorsa["capacita"], risorsa["lista_attesa"]) == (40, 3)
    assert risorsa["stato"] == "attiva"
    assert risorsa["ultima_conferma"] == _today().isoformat()
    assert risorsa["da_rivedere"] is False
    assert datetime.fromisoformat(risorsa["censita_il"]) == event.occurred_at

    listed = _list(client, planner, "risorse", created["posizione"])
    assert _ids(listed) == [created["id"]]
    assert listed["items"][0] == risorsa
    assert listed["next"] is None


def test_an_update_records_only_what_changed_and_is_read_back(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    created = _census(client, planner)
    changed = client.patch(
        f"{API}/risorse/{created['id']}",
        json={
            "nome": "Cooperativa Arcobaleno ONLUS",
            "tipo": "cooperativa_sociale",
            "capacita": 45,
        },
        headers={**planner, "If-Match": 'W/"1"'},
    )
    updated = _assert_changed(changed, created["id"], 2)
    event = _assert_recorded(runtime, updated, events.RisorsaAggiornata)
    assert isinstance(event, events.RisorsaAggiornata)
    assert (event.nome, event.capacita) == ("Cooperativa Arcobaleno ONLUS", 45)
    assert event.tipo is None  # sent, but unchanged: not recorded
    assert event.azzerati == []

    risorsa = client.get(f"{API}/risorse/{created['id']}", headers=planner)
    assert risorsa.headers["ETag"] == 'W/"2"'
    assert (risorsa.json()["nome"], risorsa.json()["capacita"]) == (
        "Cooperativa Arcobaleno ONLUS",
        45,
    )
    assert risorsa.json()["lista_attesa"] == 3
    listed = _list(client, planner, "risorse", updated["posizione"], testo="onlus")
    assert _ids(listed) == [created["id"]]
    assert listed["items"][0]["versione"] == 2
    assert listed["items"][0]["capacita"] == 45


def test_a_confirmation_is_recorded_with_its_actor_and_note(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    created = _census(client, planner)
    coordinatore = bearer(token(client, "coordinatore"))
    confirmed = client.post(
        f"{API}/risorse/{created['id']}/conferma",
        json={"nota": "verificata al telefono"},
        headers={**coordinatore, "If-Match": 'W/"1"'},
    )
    body = _assert_changed(confirmed, created["id"], 2)
    event = _assert_recorded(
        runtime, body, events.RisorsaConfermata, "coordinatore", "coordinatore"
    )
    assert isinstance(event, events.RisorsaConfermata)
    assert event.nota == "verificata al telefono"
    listed = _list(client, planner, "risorse", body["posizione"])
    assert listed["items"][0]["versione"] == 2


def test_a_dismissal_is_recorded_and_moves_the_resource_out_of_the_active_list(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    kept = _census(client, planner, nome="Auser Pozzuolo", tipo="associazione")
    created = _census(client, planner)
    dismissed = client.post(
        f"{API}/risorse/{created['id']}/dismissione",
        json={"motivo": "cessata attività"},
        headers=planner,
    )
    body = _assert_changed(dismissed, created["id"], 2)
    event = _assert_recorded(runtime, body, events.RisorsaDismessa)
    assert isinstance(event, events.RisorsaDismessa)
    assert event.motivo == "cessata attività"

    risorsa = client.get(f"{API}/risorse/{created['id']}", headers=planner).json()
    assert risorsa["stato"] == "dismessa"
    assert risorsa["motivo_dismissione"] == "cessata attività"
    assert risorsa["dismessa_il"] is not None
    assert risorsa["da_rivedere"] is False
    posizione = body["posizione"]
    assert _ids(_list(client, planner, "risorse", posizione)) == [kept["id"]]
    assert _ids(_list(client, planner, "risorse", posizione, stato="dismesse")) == [created["id"]]
    assert set(_ids(_list(client, planner, "risorse", posizione, stato="tutte"))) == {
        kept["id"],
        created["id"],
    }
    assert (
        _list(client, planner, "risorse", posizione, stato="dismesse")["items"][0]["stato"]
        == "dismessa"
    )


def test_a_collaboration_is_started_and_concluded_and_listed(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    first = _census(client, planner)
    second = _census(client, planner, nome="Consultorio familiare", tipo="servizio_asl")
    other = _census(client, planner, nome="Caritas", tipo="associazione")
    started_on = _today() - timedelta(days=100)
    started = client.post(
        f"{API}/collaborazioni",
        json={
            "risorse": [first["id"], second["id"]],
            "servizi_distretto": ["segretariato_sociale"],
            "tipo": "protocollo_intesa",
            "oggetto": "Dimissioni protette",
            "inizio": started_on.isoformat(),
        },
        headers=planner,
    )
    collaborazione = _assert_created(started, "collaborazioni")
    event = _assert_recorded(runtime, collaborazione, events.CollaborazioneAvviata)
    assert isinstance(event, events.CollaborazioneAvviata)
    assert event.risorse == [UUID(first["id"]), UUID(second["id"])]
    assert event.servizi_distretto == ["segretariato_sociale"]

    listed = _list(client, planner, "collaborazioni", collaborazione["posizione"])
    assert _ids(listed) == [collaborazione["id"]]
    item = listed["items"][0]
    assert set(item["parti"]) == {"segretariato_sociale", first["id"], second["id"]}
    assert (item["tipo"], item["oggetto"]) == ("protocollo_intesa", "Dimissioni protette")
    assert (item["inizio"], item["fine"]) == (started_on.isoformat(), None)
    posizione = collaborazione["posizione"]
    assert _ids(_list(client, planner, "collaborazioni", posizione, risorsa=first["id"])) == [
        collaborazione["id"]
    ]
    assert _list(client, planner, "collaborazioni", posizione, risorsa=other["id"])["items"] == []
    assert _ids(_list(client, planner, "collaborazioni", posizione, attive="true")) == [
        collaborazione["id"]
    ]

    ended_on = _today() - timedelta(days=1)
    concluded = client.post(
        f"{API}/collaborazioni/{collaborazione['id']}/conclusione",
        json={"fine": ended_on.isoformat(), "motivo": "protocollo scaduto"},
        headers=planner,
    )
    assert concluded.status_code == 200, concluded.text
    ended = concluded.json()
    assert concluded.headers["Location"] == f"{API}/collaborazioni/{collaborazione['id']}"
    assert concluded.headers["ETag"] == 'W/"2"'
    conclusione = _assert_recorded(runtime, ended, events.CollaborazioneConclusa)
    assert isinstance(conclusione, events.CollaborazioneConclusa)
    assert (conclusione.fine, conclusione.motivo) == (ended_on, "protocollo scaduto")

    posizione = ended["posizione"]
    item = _list(client, planner, "collaborazioni", posizione)["items"][0]
    assert (item["fine"], item["motivo_conclusione"]) == (
        ended_on.isoformat(),
        "protocollo scaduto",
    )
    assert _list(client, planner, "collaborazioni", posizione, attive="true")["items"] == []
    assert _ids(_list(client, planner, "collaborazioni", posizione, attive="false")) == [
        collaborazione["id"]
    ]


def test_a_social_worker_records_a_network_meeting(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    risorsa = _census(client, planner)
    social_worker = bearer(token(client, "as.minori"))
    held_on = _today() - timedelta(days=3)
    recorded = client.post(
        f"{API}/incontri",
        json={
            "data": held_on.isoformat(),
            "partecipanti": [risorsa["id"]],
            "servizi_distretto": ["servizio_sociale_professionale"],
            "temi": ["dimissioni protette"],
            "decisioni": "Scheda di invio condivisa",
        },
        headers=social_worker,
    )
    incontro = _assert_created(recorded, "incontri")
    event = _assert_recorded(
        runtime, incontro, events.IncontroDiReteSvolto, "as.minori", "assistente_sociale"
    )
    assert isinstance(event, events.IncontroDiReteSvolto)
    assert event.partecipanti == [UUID(risorsa["id"])]

    listed = _list(client, social_worker, "incontri", incontro["posizione"])
    assert listed["items"] == [
        {
            "id": incontro["id"],
            "data": held_on.isoformat(),
            "partecipanti": [risorsa["id"]],
            "servizi_distretto": ["servizio_sociale_professionale"],
            "temi": ["dimissioni protette"],
            "decisioni": "Scheda di invio condivisa",
        }
    ]


def test_a_quality_check_on_an_accredited_provider_is_recorded_and_listed(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    accredited = _census(client, planner)
    other = _census(client, planner, nome="Coop Sole", accreditamento="ACC-2")
    checked_on = _today() - timedelta(days=7)
    recorded = client.post(
        f"{API}/controlli",
        json={
            "risorsa_id": accredited["id"],
            "data": checked_on.isoformat(),
            "rilievi": "Turni del personale non esposti",
            "esito": "conforme_con_rilievi",
        },
        headers=planner,
    )
    controllo = _assert_created(recorded, "controlli")
    event = _assert_recorded(runtime, controllo, events.ControlloQualitaEffettuato)
    assert isinstance(event, events.ControlloQualitaEffettuato)
    assert (event.risorsa_id, event.esito) == (UUID(accredited["id"]), "conforme_con_rilievi")

    posizione = controllo["posizione"]
    listed = _list(client, planner, "controlli", posizione)
    assert listed["items"] == [
        {
            "id": controllo["id"],
            "risorsa_id": accredited["id"],
            "data": checked_on.isoformat(),
            "rilievi": "Turni del personale non esposti",
            "esito": "conforme_con_rilievi",
        }
    ]
    assert _ids(_list(client, planner, "controlli", posizione, risorsa=accredited["id"])) == [
        controllo["id"]
    ]
    assert _list(client, planner, "controlli", posizione, risorsa=other["id"])["items"] == []


# -- the directory's filters and paging --------------------------------------------------


def test_the_directory_filters_by_type_comune_area_and_text(
    client: TestClient, planner: dict[str, str]
) -> None:
    coop = _census(client, planner, comuni=["E094"], aree=["FAM"])
    school = _census(
        client, planner, nome="Istituto comprensivo", tipo="scuola", comuni=["B292"], aree=["ELD"]
    )
    everyone = _census(
        client,
        planner,
        nome="Sportello unico",
        tipo="associazione",
        comuni=["G965"],
        aree=["MULBEN"],
    )
    posizione = everyone["posizione"]

    def ids(**params: Any) -> set[str]:
        return set(_ids(_list(client, planner, "risorse", posizione, **params)))

    assert ids() == {coop["id"], school["id"], everyone["id"]}
    assert ids(tipo="scuola") == {school["id"]}
    assert ids(comune="E094") == {coop["id"]}
    assert ids(comune="G965") == {everyone["id"]}
    assert ids(area="ELD") == {school["id"], everyone["id"]}  # MULBEN serves every area
    assert ids(area="FAM", comune="E094") == {coop["id"]}
    assert ids(testo="COMPRENSIVO") == {school["id"]}
    assert ids(testo="nessuna") == set()
    assert ids(tipo="scuola", comune="E094") == set()


def test_the_directory_pages_with_limit_offset_and_next(
    client: TestClient, planner: dict[str, str]
) -> None:
    created = [_census(client, planner, nome=f"Risorsa {letter}") for letter in "ABCDE"]
    posizione = created[-1]["posizione"]
    first = _list(client, planner, "risorse", posizione, limit=2)
    assert [item["nome"] for item in first["items"]] == ["Risorsa A", "Risorsa B"]
    assert first["next"] is not None
    assert "offset=2" in first["next"]
    assert "limit=2" in first["next"]
    second = client.get(first["next"], headers=planner).json()
    assert [item["nome"] for item in second["items"]] == ["Risorsa C", "Risorsa D"]
    third = client.get(second["next"], headers=planner).json()
    assert [item["nome"] for item in third["items"]] == ["Risorsa E"]
    assert third["next"] is None
    assert _list(client, planner, "risorse", posizione, offset=5)["items"] == []


def test_the_registers_page_too(client: TestClient, planner: dict[str, str]) -> None:
    risorsa = _census(client, planner)
    posizione = 0
    for days in (1, 2, 3):
        posizione = _assert_created(
            client.post(
                f"{API}/incontri",
                json={
                    "data": (_today() - timedelta(days=days)).isoformat(),
                    "partecipanti": [risorsa["id"]],
                    "temi": ["tavolo anziani"],
                    "decisioni": f"Verbale {days}",
                },
                headers=planner,
            ),
            "incontri",
        )["posizione"]
    first = _list(client, planner, "incontri", posizione, limit=2)
    assert [item["decisioni"] for item in first["items"]] == ["Verbale 1", "Verbale 2"]
    assert first["next"] is not None
    rest = client.get(first["next"], headers=planner).json()
    assert [item["decisioni"] for item in rest["items"]] == ["Verbale 3"]
    assert rest["next"] is None


# -- the review flag ---------------------------------------------------------------------


def test_a_resource_not_confirmed_for_twelve_months_is_flagged_until_confirmed(
    client: TestClient, planner: dict[str, str]
) -> None:
    now = datetime.now(ROME)
    thirteen_months_ago = now - timedelta(days=396)
    eleven_months_ago = now - timedelta(days=335)
    old = _census(client, planner, nome="Vecchia", occurred_at=thirteen_months_ago.isoformat())
    recent = _census(client, planner, nome="Recente", occurred_at=eleven_months_ago.isoformat())
    posizione = recent["posizione"]

    flagged = client.get(f"{API}/risorse/{old['id']}", headers=planner).json()
    assert flagged["da_rivedere"] is True
    assert flagged["ultima_conferma"] == thirteen_months_ago.date().isoformat()
    assert (
        client.get(f"{API}/risorse/{recent['id']}", headers=planner).json()["da_rivedere"] is False
    )
    assert _ids(_list(client, planner, "risorse", posizione, da_rivedere="true")) == [old["id"]]
    assert _ids(_list(client, planner, "risorse", posizione, da_rivedere="false")) == [recent["id"]]
    listed = _list(client, planner, "risorse", posizione, testo="Vecchia")["items"][0]
    assert (listed["da_rivedere"], listed["ultima_conferma"]) == (
        True,
        thirteen_months_ago.date().isoformat(),
    )

    confirmed = client.post(f"{API}/risorse/{old['id']}/conferma", json={}, headers=planner)
    assert confirmed.status_code == 200, confirmed.text
    read = client.get(f"{API}/risorse/{old['id']}", headers=planner).json()
    assert read["da_rivedere"] is False
    assert read["ultima_conferma"] == _today().isoformat()
    assert read["censita_il"] == flagged["censita_il"]
    posizione = confirmed.json()["posizione"]
    assert _list(client, planner, "risorse", posizione, da_rivedere="true")["items"] == []
    listed = _list(client, planner, "risorse", posizione, testo="Vecchia")["items"][0]
    assert (listed["da_rivedere"], listed["ultima_conferma"]) == (False, _today().isoformat())


def test_clearing_an_optional_attribute_with_null_clears_it(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    created = _census(client, planner)
    cleared = client.patch(
        f"{API}/risorse/{created['id']}",
        json={"accreditamento": None, "orari": None, "capacita": 50},
        headers=planner,
    )
    body = _assert_changed(cleared, created["id"], 2)
    event = _assert_recorded(runtime, body, events.RisorsaAggiornata)
    assert isinstance(event, events.RisorsaAggiornata)
    assert event.azzerati == ["accreditamento", "orari"]
    assert event.capacita == 50

    read = client.get(f"{API}/risorse/{created['id']}", headers=planner).json()
    assert (read["accreditamento"], read["orari"], read["capacita"]) == (None, None, 50)
    assert read["descrizione"] == _risorsa()["descrizione"]  # not sent: untouched
    listed = _list(client, planner, "risorse", body["posizione"])["items"][0]
    assert (listed["accreditamento"], listed["orari"], listed["capacita"]) == (None, None, 50)

    before = _position(runtime)
    refused = client.post(
        f"{API}/controlli",
        json={
            "risorsa_id": created["id"],
            "data": _today().isoformat(),
            "rilievi": "nessuno",
            "esito": "conforme",
        },
        headers=planner,
    )
    assert refused.status_code == 409, refused.text
    assert _position(runtime) == before
    again = client.patch(
        f"{API}/risorse/{created['id']}", json={"accreditamento": None}, headers=planner
    )
    assert again.status_code == 409, again.text  # already cleared: nothing to record


def test_if_match_guards_against_lost_updates(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    created = _census(client, planner)
    read = client.get(f"{API}/risorse/{created['id']}", headers=planner)
    etag = read.headers["ETag"]
    assert etag == 'W/"1"'
    first = client.patch(
        f"{API}/risorse/{created['id']}",
        json={"capacita": 41},
        headers={**planner, "If-Match": etag},
    )
    assert first.status_code == 200, first.text
    before = _position(runtime)
    for method, suffix, body in (
        ("PATCH", "", {"capacita": 42}),
        ("POST", "/conferma", {}),
        ("POST", "/dismissione", {"motivo": "chiusa"}),
    ):
        stale = client.request(
            method,
            f"{API}/risorse/{created['id']}{suffix}",
            json=body,
            headers={**planner, "If-Match": etag},
        )
        assert stale.status_code == 412, (suffix, stale.text)
        assert stale.json()["detail"]
    assert _position(runtime) == before
    fresh = client.patch(
        f"{API}/risorse/{created['id']}",
        json={"capacita": 42},
        headers={**planner, "If-Match": first.headers["ETag"]},
    )
    assert fresh.status_code == 200, fresh.text
    assert fresh.headers["ETag"] == 'W/"3"'


# -- the map -----------------------------------------------------------------------------


def test_if_match_star_accepts_any_current_version(
    client: TestClient, planner: dict[str, str]
) -> None:
    created = _census(client, planner)
    confirmed = client.post(
        f"/api/network/risorse/{created['id']}/conferma",
        json={},
        headers={**planner, "If-Match": "*"},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["versione"] == 2


def test_an_act_dated_before_the_last_one_recorded_is_refused(
    client: TestClient, planner: dict[str, str]
) -> None:
    """Back-dating may not reorder a resource's history (nor its last-confirmed date)."""
    created = _census(client, planner)
    long_ago = (datetime.now(UTC) - timedelta(days=800)).isoformat()
    for suffix, body in (("/conferma", {}), ("/dismissione", {"motivo": "chiusa"})):
        refused = client.post(
            f"/api/network/risorse/{created['id']}{suffix}",
            json={**body, "occurred_at": long_ago},
            headers=planner,
        )
        assert _fields(refused) == ["body.occurred_at"]
    patched = client.patch(
        f"/api/network/risorse/{created['id']}",
        json={"capacita": 3, "occurred_at": long_ago},
        headers=planner,
    )
    assert _fields(patched) == ["body.occurred_at"]


def test_the_map_shows_a_collaboration_as_an_edge_and_an_untied_resource_as_isolated(
    client: TestClient, planner: dict[str, str]
) -> None:
    first = _census(client, planner, nome="Alfa")
    second = _census(client, planner, nome="Beta")
    alone = _census(client, planner, nome="Gamma")
    started = client.post(
        f"{API}/collaborazioni",
        json={
            "risorse": [first["id"], second["id"]],
            "tipo": "accordo_informale",
            "oggetto": "Trasporto sociale",
            "inizio": (_today() - timedelta(days=30)).isoformat(),
        },
        headers=planner,
    )
    posizione = _assert_created(started, "collaborazioni")["posizione"]
    wait = {"attendi_posizione": posizione}

    mappa = client.get(f"{API}/mappa", params=wait, headers=planner)
    assert mappa.status_code == 200, mappa.text
    body = mappa.json()
    assert body["periodo"] == {
        "dal": (_today() - timedelta(days=365)).isoformat(),
        "al": _today().isoformat(),
    }
    node_ids = {node["id"] for node in body["nodes"]}
    assert {first["id"], second["id"], alone["id"]} <= node_ids
    assert {"segretariato_sociale", "servizio_sociale_professionale"} <= node_ids
    assert len(body["edges"]) == 1
    edge = body["edges"][0]
    assert {edge["source"], edge["target"]} == {first["id"], second["id"]}
    assert (edge["peso"], edge["collaborazioni"]) == (1, 1)

    analisi = client.get(f"{API}/mappa/analisi", params=wait, headers=planner)
    assert analisi.status_code == 200, analisi.text
    found = analisi.json()
    assert found["isolate"] == [alone["id"]]
    ranking = [(p["id"], p["grado_pesato"]) for p in found["classifica"]]
    assert ranking == [(first["id"], 1.0), (second["id"], 1.0), (alone["id"], 0.0)]
    assert found["lacune"] == []

    exported = client.get(f"{API}/mappa.graphml", params=wait, headers=planner)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/graphml+xml")
    root = ET.fromstring(exported.content)
    assert root.tag == f"{GRAPHML}graphml"
    graph_nodes = {node.get("id") for node in root.iter(f"{GRAPHML}node")}
    assert {first["id"], second["id"], alone["id"]} <= graph_nodes
    graph_edges = [{e.get("source"), e.get("target")} for e in root.iter(f"{GRAPHML}edge")]
    assert graph_edges == [{first["id"], second["id"]}]

    before_start = {"al": (_today() - timedelta(days=31)).isoformat(), **wait}
    earlier = client.get(f"{API}/mappa", params=before_start, headers=planner).json()
    assert earlier["edges"] == []


# -- the directory's shared lookup (what intake and casework ask) -------------------------


def test_the_shared_lookup_follows_the_directory(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    assert runtime.directory is not None
    assert runtime.network_queries is not None
    feed = runtime.network_queries.directory_feed
    where = ("body", "risorsa_id")
    created = _census(client, planner)
    assert feed.wait_for("network", created["posizione"], 5)
    found = runtime.directory.require_available(UUID(created["id"]), where)
    assert (found.id, found.nome, found.attiva) == (
        UUID(created["id"]),
        "Cooperativa Arcobaleno",
        True,
    )

    dismissed = client.post(
        f"{API}/risorse/{created['id']}/dismissione", json={"motivo": "chiusa"}, headers=planner
    )
    assert dismissed.status_code == 200, dismissed.text
    assert feed.wait_for("network", dismissed.json()["posizione"], 5)
    with pytest.raises(Conflict):
        runtime.directory.require_available(UUID(created["id"]), where)

    with pytest.raises(FieldError) as unknown:
        runtime.directory.require_available(uuid4(), where)
    assert unknown.value.location == where


# -- refusals that record nothing: one district for the module --------------------------


@dataclass
class World:
    runtime: Runtime
    client: TestClient
    headers: dict[str, dict[str, str]]
    ids: dict[str, str]
    nomi: dict[str, str]

    def as_(self, user: str) -> dict[str, str]:
        return self.headers[user]

    def path(self, template: str) -> str:
        return API + template.format(**self.ids)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Active resources (one accredited, one not), a dismissed one, an active collaboration
    and a concluded one."""
    runtime = open_demo_runtime(tmp_path_factory.mktemp("network"))
    with TestClient(create_app(runtime)) as client:
        users = ("ufficio.piano", "coordinatore", "operatore", "as.minori", "admin")
        headers = {user: bearer(token(client, user)) for user in users}
        planner = headers["ufficio.piano"]
        nomi = {"attiva": "Cooperativa Arcobaleno", "semplice": "Parrocchia San Pietro"}
        attiva = _census(client, planner)
        semplice = _census(
            client, planner, nome=nomi["semplice"], tipo="associazione", accreditamento=None
        )
        dismessa = _census(client, planner, nome="Gruppo chiuso")
        assert (
            client.post(
                f"{API}/risorse/{dismessa['id']}/dismissione",
                json={"motivo": "chiuso"},
                headers=planner,
            ).status_code
            == 200
        )
        start = (_today() - timedelta(days=60)).isoformat()

        def collaborate() -> str:
            return str(
                _assert_created(
                    client.post(
                        f"{API}/collaborazioni",
                        json={
                            "risorse": [attiva["id"], semplice["id"]],
                            "tipo": "convenzione",
                            "oggetto": "Centro diurno",
                            "inizio": start,
                        },
                        headers=planner,
                    ),
                    "collaborazioni",
                )["id"]
            )

        collaborazione, conclusa = collaborate(), collaborate()
        assert (
            client.post(
                f"{API}/collaborazioni/{conclusa}/conclusione",
                json={"fine": _today().isoformat(), "motivo": "finita"},
                headers=planner,
            ).status_code
            == 200
        )
        ids = {
            "attiva": attiva["id"],
            "semplice": semplice["id"],
            "dismessa": dismessa["id"],
            "collaborazione": collaborazione,
            "conclusa": conclusa,
            "ignota": str(uuid4()),
            "oggi": _today().isoformat(),
            "domani": (_today() + timedelta(days=1)).isoformat(),
        }
        yield World(runtime, client, headers, ids, nomi)


def _send(world: World, method: str, path: str, body: Any, user: str = "ufficio.piano") -> Any:
    kwargs: dict[str, Any] = {"headers": world.as_(user)}
    if body is not None:
        kwargs["json"] = body
    return world.client.request(method, world.path(path), **kwargs)


def _collaborazione(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "risorse": ["{attiva}", "{semplice}"],
        "tipo": "protocollo_intesa",
        "oggetto": "Rete anziani",
        "inizio": "2025-01-01",
    }
    body.update(overrides)
    return body


def _incontro(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "data": "2025-03-01",
        "partecipanti": ["{attiva}"],
        "temi": ["tavolo minori"],
        "decisioni": "Nessuna",
    }
    body.update(overrides)
    return body


def _controllo(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "risorsa_id": "{attiva}",
        "data": "2025-03-01",
        "rilievi": "Nessuno",
        "esito": "conforme",
    }
    body.update(overrides)
    return body


def _fill(world: World, value: Any) -> Any:
    """A body with ``{name}`` placeholders replaced by the world's ids."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world.ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(world, item) for item in value]
    if isinstance(value, dict):
        return {key: _fill(world, item) for key, item in value.items()}
    return value


SECRET = "Zanzibar-7Q"
"""A distinctive submitted value that no response may echo."""

INVALID: list[tuple[str, str, str, Any, str]] = [
    # (case, method, path, body, field named)
    (
        "nome mancante",
        "POST",
        "/risorse",
        {"tipo": "scuola", "comuni": ["E094"], "aree": ["FAM"]},
        "body.nome",
    ),
    ("tipo sconosciuto", "POST", "/risorse", _risorsa(tipo=SECRET), "body.tipo"),
    ("comune fuori distretto", "POST", "/risorse", _risorsa(comuni=["F205"]), "body.comuni.0"),
    (
        "secondo comune fuori distretto",
        "POST",
        "/risorse",
        _risorsa(comuni=["E094", "F205"]),
        "body.comuni.1",
    ),
    ("comune non codice", "POST", "/risorse", _risorsa(comuni=[SECRET]), "body.comuni.0"),
    (
        "prestazione SIUSS sconosciuta",
        "POST",
        "/risorse",
        _risorsa(prestazioni=[SECRET]),
        "body.prestazioni.0",
    ),
    ("area sconosciuta", "POST", "/risorse", _risorsa(aree=["ANZIANI"]), "body.aree.0"),
    ("nessuna area", "POST", "/risorse", _risorsa(aree=[]), "body.aree"),
    ("capacita negativa", "POST", "/risorse", _risorsa(capacita=-1), "body.capacita"),
    (
        "lista d'attesa non numero",
        "POST",
        "/risorse",
        _risorsa(lista_attesa=SECRET),
        "body.lista_attesa",
    ),
    ("nome troppo lungo", "POST", "/risorse", _risorsa(nome=SECRET + "x" * 200), "body.nome"),
    (
        "descrizione troppo lunga",
        "POST",
        "/risorse",
        _risorsa(descrizione=SECRET + "x" * 4000),
        "body.descrizione",
    ),
    (
        "contatto troppo lungo",
        "POST",
        "/risorse",
        _risorsa(contatti={"email": SECRET * 30}),
        "body.contatti.email",
    ),
    (
        "base giuridica sconosciuta",
        "POST",
        "/risorse",
        _risorsa(base_giuridica=SECRET),
        "body.base_giuridica",
    ),
    (
        "occurred_at nel futuro",
        "POST",
        "/risorse",
        _risorsa(occurred_at="2099-01-01T00:00:00+00:00"),
        "body.occurred_at",
    ),
    (
        "occurred_at senza fuso",
        "POST",
        "/risorse",
        _risorsa(occurred_at="2025-01-01T10:00:00"),
        "body.occurred_at",
    ),
    ("campo non previsto", "POST", "/risorse", _risorsa(**{SECRET: "x"}), "body"),
    ("PATCH azzera il nome", "PATCH", "/risorse/{attiva}", {"nome": None}, "body.nome"),
    ("PATCH azzera i comuni", "PATCH", "/risorse/{attiva}", {"comuni": None}, "body.comuni"),
    ("PATCH azzera i contatti", "PATCH", "/risorse/{attiva}", {"contatti": None}, "body.contatti"),
    ("PATCH vuota", "PATCH", "/risorse/{attiva}", {}, "body"),
    (
        "PATCH con solo l'atto",
        "PATCH",
        "/risorse/{attiva}",
        {"occurred_at": "2025-01-01T10:00:00+00:00"},
        "body",
    ),
    (
        "PATCH comune fuori distretto",
        "PATCH",
        "/risorse/{attiva}",
        {"comuni": ["F205"]},
        "body.comuni.0",
    ),
    ("PATCH nessun comune", "PATCH", "/risorse/{attiva}", {"comuni": []}, "body.comuni"),
    ("PATCH tipo sconosciuto", "PATCH", "/risorse/{attiva}", {"tipo": SECRET}, "body.tipo"),
    (
        "PATCH base giuridica sconosciuta",
        "PATCH",
        "/risorse/{attiva}",
        {"nome": "Nuovo", "base_giuridica": SECRET},
        "body.base_giuridica",
    ),
    ("id non valido", "GET", "/risorse/" + SECRET, None, "path.risorsa_id"),
    (
        "conferma, nota troppo lunga",
        "POST",
        "/risorse/{attiva}/conferma",
        {"nota": SECRET + "x" * 200},
        "body.nota",
    ),
    (
        "conferma nel futuro",
        "POST",
        "/risorse/{attiva}/conferma",
        {"occurred_at": "2099-01-01T00:00:00+00:00"},
        "body.occurred_at",
    ),
    ("dismissione senza motivo", "POST", "/risorse/{attiva}/dismissione", {}, "body.motivo"),
    (
        "dismissione, base giuridica sconosciuta",
        "POST",
        "/risorse/{attiva}/dismissione",
        {"motivo": "x", "base_giuridica": SECRET},
        "body.base_giuridica",
    ),
    (
        "collaborazione con una sola parte",
        "POST",
        "/collaborazioni",
        _collaborazione(risorse=["{attiva}"]),
        "body.risorse",
    ),
    (
        "collaborazione senza parti",
        "POST",
        "/collaborazioni",
        _collaborazione(risorse=[]),
        "body.risorse",
    ),
    (
        "collaborazione, parte ripetuta",
        "POST",
        "/collaborazioni",
        _collaborazione(risorse=["{attiva}", "{attiva}"]),
        "body.risorse",
    ),
    (
        "collaborazione, risorsa ignota",
        "POST",
        "/collaborazioni",
        _collaborazione(risorse=["{ignota}", "{attiva}"]),
        "body.risorse.0",
    ),
    (
        "collaborazione, seconda risorsa ignota",
        "POST",
        "/collaborazioni",
        _collaborazione(risorse=["{attiva}", "{ignota}"]),
        "body.risorse.1",
    ),
    (
        "collaborazione, una collaborazione come risorsa",
        "POST",
        "/collaborazioni",
        _collaborazione(risorse=["{attiva}", "{collaborazione}"]),
        "body.risorse.1",
    ),
    (
        "collaborazione, id non valido",
        "POST",
        "/collaborazioni",
        _collaborazione(risorse=[SECRET, "{attiva}"]),
        "body.risorse.0",
    ),
    (
        "collaborazione, tipo sconosciuto",
        "POST",
        "/collaborazioni",
        _collaborazione(tipo=SECRET),
        "body.tipo",
    ),
    (
        "collaborazione, servizio sconosciuto",
        "POST",
        "/collaborazioni",
        _collaborazione(servizi_distretto=[SECRET]),
        "body.servizi_distretto.0",
    ),
    (
        "collaborazione senza inizio",
        "POST",
        "/collaborazioni",
        _collaborazione(inizio=None),
        "body.inizio",
    ),
    (
        "conclusione senza fine",
        "POST",
        "/collaborazioni/{collaborazione}/conclusione",
        {"motivo": "x"},
        "body.fine",
    ),
    (
        "conclusione, data non valida",
        "POST",
        "/collaborazioni/{collaborazione}/conclusione",
        {"fine": SECRET, "motivo": "x"},
        "body.fine",
    ),
    ("incontro nel futuro", "POST", "/incontri", _incontro(data="{domani}"), "body.data"),
    (
        "incontro, partecipante ignoto",
        "POST",
        "/incontri",
        _incontro(partecipanti=["{ignota}"]),
        "body.partecipanti.0",
    ),
    (
        "incontro, partecipante ripetuto",
        "POST",
        "/incontri",
        _incontro(partecipanti=["{attiva}", "{attiva}"]),
        "body.partecipanti",
    ),
    (
        "incontro senza risorse",
        "POST",
        "/incontri",
        _incontro(partecipanti=[]),
        "body.partecipanti",
    ),
    (
        "incontro, servizio ripetuto",
        "POST",
        "/incontri",
        _incontro(servizi_distretto=["segretariato_sociale", "segretariato_sociale"]),
        "body.servizi_distretto",
    ),
    (
        "collaborazione, servizio ripetuto",
        "POST",
        "/collaborazioni",
        _collaborazione(servizi_distretto=["segretariato_sociale", "segretariato_sociale"]),
        "body.servizi_distretto",
    ),
    ("incontro senza temi", "POST", "/incontri", _incontro(temi=[]), "body.temi"),
    ("incontro senza decisioni", "POST", "/incontri", _incontro(decisioni=None), "body.decisioni"),
    (
        "controllo, risorsa ignota",
        "POST",
        "/controlli",
        _controllo(risorsa_id="{ignota}"),
        "body.risorsa_id",
    ),
    (
        "controllo, una collaborazione come risorsa",
        "POST",
        "/controlli",
        _controllo(risorsa_id="{collaborazione}"),
        "body.risorsa_id",
    ),
    ("controllo, esito sconosciuto", "POST", "/controlli", _controllo(esito=SECRET), "body.esito"),
    ("controllo nel futuro", "POST", "/controlli", _controllo(data="{domani}"), "body.data"),
    ("controllo senza rilievi", "POST", "/controlli", _controllo(rilievi=None), "body.rilievi"),
    ("elenco, tipo sconosciuto", "GET", "/risorse?tipo=" + SECRET, None, "query.tipo"),
    ("elenco, comune non codice", "GET", "/risorse?comune=" + SECRET, None, "query.comune"),
    ("elenco, area sconosciuta", "GET", "/risorse?area=" + SECRET, None, "query.area"),
    ("elenco, stato sconosciuto", "GET", "/risorse?stato=" + SECRET, None, "query.stato"),
    (
        "elenco, da_rivedere non booleano",
        "GET",
        "/risorse?da_rivedere=" + SECRET,
        None,
        "query.da_rivedere",
    ),
    ("elenco, limite zero", "GET", "/risorse?limit=0", None, "query.limit"),
    ("elenco, limite troppo alto", "GET", "/risorse?limit=201", None, "query.limit"),
    ("elenco, offset negativo", "GET", "/risorse?offset=-1", None, "query.offset"),
    (
        "elenco, posizione zero",
        "GET",
        "/risorse?attendi_posizione=0",
        None,
        "query.attendi_posizione",
    ),
    (
        "collaborazioni, risorsa non valida",
        "GET",
        "/collaborazioni?risorsa=" + SECRET,
        None,
        "query.risorsa",
    ),
    ("mappa, dal dopo al", "GET", "/mappa?dal=2025-02-01&al=2025-01-31", None, "query.dal"),
    (
        "analisi, dal dopo al",
        "GET",
        "/mappa/analisi?dal=2025-02-01&al=2025-01-31",
        None,
        "query.dal",
    ),
    (
        "graphml, dal dopo al",
        "GET",
        "/mappa.graphml?dal=2025-02-01&al=2025-01-31",
        None,
        "query.dal",
    ),
    ("mappa, data non valida", "GET", "/mappa?dal=" + SECRET, None, "query.dal"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_input_is_422_naming_the_field_never_echoing_it_and_records_nothing(
    world: World, method: str, path: str, body: Any, field: str
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, _fill(world, body))
    assert field in _fields(response)
    assert SECRET not in response.text
    assert _position(world.runtime) == before


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"capacita": 1}),
        ("POST", "/conferma", {}),
        ("POST", "/dismissione", {"motivo": "chiusa"}),
    ],
)
@pytest.mark.parametrize("if_match", ["v1", 'W/"uno"', 'W/"1", W/"2"'])
def test_a_malformed_if_match_is_422_on_the_header(
    world: World, method: str, suffix: str, body: dict[str, Any], if_match: str
) -> None:
    before = _position(world.runtime)
    response = world.client.request(
        method,
        world.path("/risorse/{attiva}" + suffix),
        json=body,
        headers={**world.as_("ufficio.piano"), "If-Match": if_match},
    )
    assert _fields(response) == ["header.If-Match"]
    assert _position(world.runtime) == before


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"capacita": 1}),
        ("POST", "/conferma", {}),
        ("POST", "/dismissione", {"motivo": "chiusa"}),
    ],
)
def test_a_stale_if_match_is_412(
    world: World, method: str, suffix: str, body: dict[str, Any]
) -> None:
    before = _position(world.runtime)
    response = world.client.request(
        method,
        world.path("/risorse/{attiva}" + suffix),
        json=body,
        headers={**world.as_("ufficio.piano"), "If-Match": 'W/"7"'},
    )
    assert response.status_code == 412, response.text
    assert "rileggilo" in response.json()["detail"]
    assert _position(world.runtime) == before


NOT_FOUND: list[tuple[str, str, str, Any]] = [
    ("lettura di una risorsa ignota", "GET", "/risorse/{ignota}", None),
    ("modifica di una risorsa ignota", "PATCH", "/risorse/{ignota}", {"nome": "Nuovo"}),
    ("conferma di una risorsa ignota", "POST", "/risorse/{ignota}/conferma", {}),
    ("dismissione di una risorsa ignota", "POST", "/risorse/{ignota}/dismissione", {"motivo": "x"}),
    (
        "conclusione di una collaborazione ignota",
        "POST",
        "/collaborazioni/{ignota}/conclusione",
        {"fine": "{oggi}", "motivo": "x"},
    ),
    ("una collaborazione letta come risorsa", "GET", "/risorse/{collaborazione}", None),
    (
        "una collaborazione modificata come risorsa",
        "PATCH",
        "/risorse/{collaborazione}",
        {"nome": "Nuovo"},
    ),
    (
        "una collaborazione confermata come risorsa",
        "POST",
        "/risorse/{collaborazione}/conferma",
        {},
    ),
    (
        "una collaborazione dismessa come risorsa",
        "POST",
        "/risorse/{collaborazione}/dismissione",
        {"motivo": "x"},
    ),
    (
        "una risorsa conclusa come collaborazione",
        "POST",
        "/collaborazioni/{attiva}/conclusione",
        {"fine": "{oggi}", "motivo": "x"},
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), [case[1:] for case in NOT_FOUND], ids=[c[0] for c in NOT_FOUND]
)
def test_unknown_records_are_404_and_record_nothing(
    world: World, method: str, path: str, body: Any
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, _fill(world, body))
    assert response.status_code == 404, response.text
    assert response.json()["detail"].endswith("non trovata")
    assert _position(world.runtime) == before


def test_a_stale_if_match_on_an_unknown_resource_is_still_404(world: World) -> None:
    response = world.client.patch(
        world.path("/risorse/{ignota}"),
        json={"nome": "Nuovo"},
        headers={**world.as_("ufficio.piano"), "If-Match": 'W/"7"'},
    )
    assert response.status_code == 404, response.text


CONFLICTS: list[tuple[str, str, str, Any]] = [
    ("modifica di una risorsa dismessa", "PATCH", "/risorse/{dismessa}", {"nome": "Riaperto"}),
    ("conferma di una risorsa dismessa", "POST", "/risorse/{dismessa}/conferma", {}),
    ("dismissione ripetuta", "POST", "/risorse/{dismessa}/dismissione", {"motivo": "di nuovo"}),
    (
        "modifica identica ai dati attuali",
        "PATCH",
        "/risorse/{attiva}",
        {"nome": "Cooperativa Arcobaleno", "capacita": 40, "comuni": ["E094", "B292"]},
    ),
    (
        "azzeramento di un attributo già vuoto",
        "PATCH",
        "/risorse/{semplice}",
        {"accreditamento": None},
    ),
    (
        "collaborazione con una risorsa dismessa",
        "POST",
        "/collaborazioni",
        _collaborazione(risorse=["{attiva}", "{dismessa}"]),
    ),
    (
        "incontro con una risorsa dismessa",
        "POST",
        "/incontri",
        _incontro(partecipanti=["{attiva}", "{dismessa}"]),
    ),
    (
        "controllo di una risorsa dismessa",
        "POST",
        "/controlli",
        _controllo(risorsa_id="{dismessa}"),
    ),
    (
        "controllo di una risorsa non convenzionata",
        "POST",
        "/controlli",
        _controllo(risorsa_id="{semplice}"),
    ),
    (
        "collaborazione conclusa due volte",
        "POST",
        "/collaborazioni/{conclusa}/conclusione",
        {"fine": "{oggi}", "motivo": "ancora"},
    ),
    (
        "fine prima dell'inizio",
        "POST",
        "/collaborazioni/{collaborazione}/conclusione",
        {"fine": "2020-01-01", "motivo": "errore"},
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), [case[1:] for case in CONFLICTS], ids=[c[0] for c in CONFLICTS]
)
def test_acts_the_state_forbids_are_409_and_record_nothing(
    world: World, method: str, path: str, body: Any
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, _fill(world, body))
    assert response.status_code == 409, response.text
    assert response.json()["detail"]
    assert _position(world.runtime) == before


def test_the_conflict_names_the_dismissed_resource(world: World) -> None:
    response = _send(world, "POST", "/controlli", _fill(world, _controllo(risorsa_id="{dismessa}")))
    assert response.status_code == 409
    assert "Gruppo chiuso" in response.json()["detail"]


FORBIDDEN: list[tuple[str, str, str, Any]] = [
    ("operatore", "POST", "/risorse", _risorsa()),
    ("operatore", "PATCH", "/risorse/{attiva}", {"capacita": 1}),
    ("operatore", "POST", "/risorse/{attiva}/conferma", {}),
    ("operatore", "POST", "/risorse/{attiva}/dismissione", {"motivo": "x"}),
    ("operatore", "POST", "/collaborazioni", _collaborazione()),
    ("operatore", "POST", "/incontri", _incontro()),
    ("operatore", "POST", "/controlli", _controllo()),
    ("operatore", "GET", "/mappa", None),
    ("operatore", "GET", "/mappa/analisi", None),
    ("operatore", "GET", "/mappa.graphml", None),
    ("as.minori", "POST", "/risorse", _risorsa()),
    ("as.minori", "POST", "/risorse/{attiva}/conferma", {}),
    ("as.minori", "POST", "/collaborazioni", _collaborazione()),
    (
        "as.minori",
        "POST",
        "/collaborazioni/{collaborazione}/conclusione",
        {"fine": "{oggi}", "motivo": "x"},
    ),
    ("as.minori", "POST", "/controlli", _controllo()),
    ("admin", "POST", "/risorse", _risorsa()),
    ("admin", "GET", "/mappa", None),
]


@pytest.mark.parametrize(
    ("user", "method", "path", "body"),
    FORBIDDEN,
    ids=[f"{c[0]} {c[1]} {c[2]}" for c in FORBIDDEN],
)
def test_roles_outside_the_policy_are_403_and_record_nothing(
    world: World, user: str, method: str, path: str, body: Any
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, _fill(world, body), user)
    assert response.status_code == 403, response.text
    assert response.json()["detail"]
    assert _position(world.runtime) == before


@pytest.mark.parametrize("user", ["operatore", "as.minori", "coordinatore", "admin"])
def test_every_role_reads_the_directory_and_its_registers(world: World, user: str) -> None:
    for path in ("/risorse", "/risorse/{attiva}", "/collaborazioni", "/incontri", "/controlli"):
        response = _send(world, "GET", path, None, user)
        assert response.status_code == 200, (path, response.text)
    listed = _send(world, "GET", "/risorse?stato=tutte", None, user).json()
    assert {world.ids["attiva"], world.ids["semplice"], world.ids["dismessa"]} <= set(_ids(listed))


@pytest.mark.parametrize("user", ["as.minori", "coordinatore", "ufficio.piano"])
def test_the_map_is_read_by_district_roles(world: World, user: str) -> None:
    for path in ("/mappa", "/mappa/analisi", "/mappa.graphml"):
        assert _send(world, "GET", path, None, user).status_code == 200, path


def test_without_a_token_nothing_is_read_or_written(world: World) -> None:
    assert world.client.get(f"{API}/risorse").status_code == 401
    assert world.client.post(f"{API}/risorse", json=_risorsa()).status_code == 401


# -- the registers' records, one by one; concurrency --------------------------------------


def test_each_register_record_is_readable_where_its_location_points(
    client: TestClient, planner: dict[str, str]
) -> None:
    accredited = _census(client, planner, accreditamento="Contratto di servizio 2025-2027")
    other = _census(client, planner, nome="Consultorio familiare", tipo="servizio_asl")
    day = (_today() - timedelta(days=3)).isoformat()
    bodies = {
        "collaborazioni": {
            "risorse": [accredited["id"], other["id"]],
            "tipo": "convenzione",
            "oggetto": "Assistenza domiciliare",
            "inizio": day,
        },
        "incontri": {
            "data": day,
            "partecipanti": [other["id"]],
            "temi": ["Dimissioni protette"],
            "decisioni": "Un referente per ogni comune",
        },
        "controlli": {
            "risorsa_id": accredited["id"],
            "data": day,
            "rilievi": "Turni coperti",
            "esito": "conforme",
        },
    }
    for path, body in bodies.items():
        created = client.post(f"{API}/{path}", json=body, headers=planner)
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        read = client.get(
            location, params={"attendi_posizione": created.json()["posizione"]}, headers=planner
        )
        assert read.status_code == 200, read.text
        assert read.json()["id"] == created.json()["id"]
        missing = client.get(f"{API}/{path}/{uuid4()}", headers=planner)
        assert missing.status_code == 404
        assert "non trovata" in missing.json()["detail"]
    collaborazione = client.get(
        f"{API}/collaborazioni", params={"risorsa": other["id"]}, headers=planner
    ).json()["items"][0]
    stale = client.post(
        f"{API}/collaborazioni/{collaborazione['id']}/conclusione",
        json={"fine": day, "motivo": "scaduta"},
        headers={**planner, "If-Match": 'W/"7"'},
    )
    assert stale.status_code == 412


def test_concurrent_updates_of_one_resource_are_applied_or_refused_never_lost(
    client: TestClient, runtime: Runtime, planner: dict[str, str]
) -> None:
    created = _census(client, planner)
    results: list[int] = []

    def update(capacity: int) -> None:
        answer = client.patch(
            f"{API}/risorse/{created['id']}",
            json={"capacita": capacity},
            headers={**planner, "If-Match": 'W/"1"'},
        )
        results.append(answer.status_code)

    threads = [threading.Thread(target=update, args=(n + 10,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(200) == 1
    assert set(results) == {200, 412}
    assert len(_events(runtime, created["id"])) == 2


def test_an_import_may_not_reuse_the_id_of_another_kind_of_record(
    client: TestClient, planner: dict[str, str]
) -> None:
    first = _census(client, planner)
    second = _census(client, planner, nome="Consultorio familiare", tipo="servizio_asl")
    collaborazione = client.post(
        f"{API}/collaborazioni",
        json={
            "risorse": [first["id"], second["id"]],
            "tipo": "accordo_informale",
            "oggetto": "Orientamento",
            "inizio": _today().isoformat(),
        },
        headers=planner,
    ).json()
    document = client.get(
        f"{API}/export/hsds",
        params={"attendi_posizione": collaborazione["posizione"]},
        headers=planner,
    ).json()
    document["organizations"] = document["organizations"][:1]
    document["organizations"][0]["id"] = collaborazione["id"]
    refused = client.post(f"{API}/import/hsds", json=document, headers=planner)
    assert _fields(refused) == ["body.organizations.0.id"]


def test_only_the_import_takes_bodies_over_64_kib(
    client: TestClient, planner: dict[str, str]
) -> None:
    padding = "x" * (100 * 1024)
    bulky_import = client.post(
        f"{API}/import/hsds", json={"organizations": [], "padding": padding}, headers=planner
    )
    assert bulky_import.status_code == 200, bulky_import.text  # read: an empty directory
    assert bulky_import.json()["censite"] == 0
    bulky_census = client.post(
        f"{API}/risorse", json=_risorsa(descrizione=padding), headers=planner
    )
    assert bulky_census.status_code == 413
    too_big = client.post(
        f"{API}/import/hsds",
        content=b'{"organizations": []}' + b" " * (8 * 1024 * 1024),
        headers={**planner, "Content-Type": "application/json"},
    )
    assert too_big.status_code == 413
