"""The Segretariato sociale's read views over HTTP (in process, real SQLite): a desk's queue
(with its names read and recorded), the workers' agendas, back-office deadlines computed at
query time, the desks, a returning person's earlier requests, scoping, and a rebuild of the
read model equal to the incremental one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.intake.projections import (
    RegistriIntake,
    appuntamenti,
    da_verificare,
    domande,
    istanze,
    metadata,
    sportelli,
)
from services.intake.queries import IntakeQueries
from services.runtime import Runtime, create_app
from shared.auth.principal import Principal
from shared.calendar import deadline, is_working_day
from shared.db import Engines, create_engines
from shared.projections.base import (
    Projection,
    WireEvent,
    create_tables,
    reset,
    wire_event,
)
from shared.projections.runner import ProjectionRunner
from tests.support.runtime import CONTRACT_BODY, bearer, open_demo_runtime, token

ROME = ZoneInfo("Europe/Rome")
CODA_ENDPOINT = "GET /api/intake/coda"
WORKING_WEEK = [{"giorno": g, "dalle": "08:00", "alle": "18:00"} for g in range(5)]
VERDI = {"nome": "Giuseppe", "cognome": "Verdi", "codice_fiscale": "VRDGPP50C10E094X"}
BIANCHI = {"nome": "Anna", "cognome": "Bianchi", "codice_fiscale": "BNCNNA85L62B292G"}
NERI = {"nome": "Luca", "cognome": "Neri", "codice_fiscale": "NRELCU62S05E094R"}


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return open_demo_runtime(tmp_path)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


@pytest.fixture
def users(client: TestClient, runtime: Runtime) -> dict[str, dict[str, str]]:
    runtime.identity.add_user(
        "op.bussero",
        "una-password-lunga",
        role="operatore",
        codice_fiscale="BNCGPP70A01B292C",
        nome="Giuseppe Bianchi",
        comuni=["B292"],
        actor="admin",
    )
    found = {
        name: bearer(token(client, name))
        for name in ("operatore", "as.anziani", "as.minori", "coordinatore", "admin")
    }
    found["ufficio.piano"] = bearer(token(client, "ufficio.piano"))
    found["op.bussero"] = bearer(token(client, "op.bussero", "una-password-lunga"))
    return found


# -- helpers -------------------------------------------------------------------------------


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _sportello(
    client: TestClient, admin: dict[str, str], comune: str = "E094", nome: str = "Sportello"
) -> str:
    created = _ok(
        client.post("/api/intake/sportelli", json={"comune": comune, "nome": nome}, headers=admin),
        201,
    )
    _ok(
        client.put(
            f"/api/intake/sportelli/{created['id']}/orari",
            json={"fasce": WORKING_WEEK},
            headers=admin,
        )
    )
    return str(created["id"])


def _domanda(
    client: TestClient,
    headers: dict[str, str],
    persona: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = {**CONTRACT_BODY, **fields}
    if persona is not None:
        body["persona"] = persona
    return dict(_ok(client.post("/api/intake/domande", json=body, headers=headers), 201))


def _next_working_day() -> date:
    day = datetime.now(ROME).date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ROME)


def _book(
    client: TestClient,
    headers: dict[str, str],
    domanda_id: str,
    sportello_id: str,
    con: str,
    start: datetime,
    minutes: int = 30,
) -> dict[str, Any]:
    body = {
        "inizio": start.isoformat(),
        "fine": (start + timedelta(minutes=minutes)).isoformat(),
        "con": con,
        "sportello_id": sportello_id,
    }
    return dict(
        _ok(
            client.post(
                f"/api/intake/domande/{domanda_id}/appuntamenti", json=body, headers=headers
            ),
            201,
        )
    )


def _act(
    client: TestClient, headers: dict[str, str], path: str, body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    return dict(_ok(client.post(f"/api/intake/domande/{path}", json=body, headers=headers), status))


def _head(runtime: Runtime) -> int:
    return runtime.district.ledger("intake").recorder.max_notification_id() or 0


PRECEDENTI_ENDPOINT = "GET /api/intake/domande/{id}/precedenti"


def _reads(runtime: Runtime, endpoint: str) -> list[dict[str, Any]]:
    recorder = runtime.district.ledger("intake").recorder
    found = []
    for notification in recorder.select_notifications(0, 100_000):
        if notification.topic == "DatiPersonaliLetti":
            data = wire_event("intake", notification.id, notification.state).data
            if data["endpoint"] == endpoint:
                found.append(data)
    return found


def _get(
    client: TestClient, path: str, headers: dict[str, str], runtime: Runtime, **params: Any
) -> Any:
    params.setdefault("attendi_posizione", _head(runtime))
    return _ok(client.get(f"/api/intake/{path}", params=params, headers=headers))


# -- the day's queue -----------------------------------------------------------------------


def test_a_desk_queue_lists_booked_appointments_by_start_then_open_arrivals_with_names_read(
    client: TestClient, runtime: Runtime, users: dict[str, dict[str, str]]
) -> None:
    operatore = users["operatore"]
    desk = _sportello(client, users["admin"], nome="Sportello Gorgonzola")
    other_desk = _sportello(client, users["admin"], comune="B292", nome="Sportello Bussero")
    rossi = _domanda(client, operatore, sportello_id=desk)
    verdi = _domanda(client, operatore, VERDI, sportello_id=desk, urgente=True)
    _domanda(client, operatore, BIANCHI, comune="B292", sportello_id=other_desk)
    closed = _domanda(client, operatore, NERI, sportello_id=desk)
    _act(client, operatore, f"{closed['id']}/chiusura", {"esito": "informata"})
    without_desk = _domanda(client, operatore, NERI, comune="B292")

    day = _next_working_day()
    with_worker = _book(client, operatore, rossi["id"], desk, "as.anziani", _at(day, 10))
    at_counter = _book(client, operatore, verdi["id"], desk, "operatore", _at(day, 9))
    cancelled = _book(client, operatore, rossi["id"], desk, "operatore", _at(day, 11))
    _act(
        client,
        operatore,
        f"{rossi['id']}/appuntamenti/{cancelled['creato']}/annullamento",
        {"motivo": "la persona ha chiesto di spostarlo"},
    )
    _book(client, operatore, without_desk["id"], other_desk, "operatore", _at(day, 12))

    reads_before = len(_reads(runtime, CODA_ENDPOINT))
    today = _get(client, "coda", operatore, runtime, sportello_id=desk)
    assert today["sportello"] == {"id": desk, "comune": "E094", "nome": "Sportello Gorgonzola"}
    assert today["giorno"] == datetime.now(ROME).date().isoformat()
    assert [(i["tipo"], i["domanda_id"]) for i in today["items"]] == [
        ("arrivo", rossi["id"]),
        ("arrivo", verdi["id"]),
    ]
    assert [(i["nome"], i["cognome"], i["urgente"]) for i in today["items"]] == [
        ("Maria", "Rossi", False),
        ("Giuseppe", "Verdi", True),
    ]
    assert today["next"] is None

    tomorrow = _get(client, "coda", operatore, runtime, sportello_id=desk, giorno=day.isoformat())
    assert [(i["tipo"], i["appuntamento_id"], i["con"]) for i in tomorrow["items"]] == [
        ("appuntamento", at_counter["creato"], "operatore"),
        ("appuntamento", with_worker["creato"], "as.anziani"),
    ]
    first = tomorrow["items"][0]
    assert datetime.fromisoformat(first["ora"]) == _at(day, 9)
    assert datetime.fromisoformat(first["fine"]) == _at(day, 9, 30)
    assert (first["nome"], first["cognome"]) == ("Giuseppe", "Verdi")

    # every name that left was read through the ledger first, one recorded read per request
    reads = _reads(runtime, CODA_ENDPOINT)[reads_before:]
    assert sorted(r["oggetto_id"] for r in reads) == sorted(
        [rossi["id"], verdi["id"], verdi["id"], rossi["id"]]
    )
    assert {(r["finalita"], r["actor"]["user"]) for r in reads} == {("SPORTELLO", "operatore")}

    paged = _get(client, "coda", operatore, runtime, sportello_id=desk, limit=1)
    assert [i["domanda_id"] for i in paged["items"]] == [rossi["id"]]
    assert paged["next"] is not None
    rest = _ok(client.get(paged["next"], headers=operatore))
    assert [i["domanda_id"] for i in rest["items"]] == [verdi["id"]]
    assert rest["next"] is None


def test_the_queue_shows_names_only_of_requests_the_caller_may_read(
    client: TestClient, runtime: Runtime, users: dict[str, dict[str, str]]
) -> None:
    desk = _sportello(client, users["admin"])
    elderly = _domanda(client, users["operatore"], sportello_id=desk)
    family = _domanda(client, users["operatore"], VERDI, sportello_id=desk, area_utenza="FAM")
    reads_before = len(_reads(runtime, CODA_ENDPOINT))

    queue = _get(client, "coda", users["as.minori"], runtime, sportello_id=desk)["items"]
    assert [(i["domanda_id"], i["nome"]) for i in queue] == [
        (elderly["id"], None),  # an elderly person's request: not in the social worker's areas
        (family["id"], "Giuseppe"),
    ]
    reads = _reads(runtime, CODA_ENDPOINT)[reads_before:]
    assert [(r["oggetto_id"], r["actor"]["user"]) for r in reads] == [(family["id"], "as.minori")]


def test_the_queue_is_scoped_and_checked(
    client: TestClient, runtime: Runtime, users: dict[str, dict[str, str]]
) -> None:
    desk = _sportello(client, users["admin"])
    _domanda(client, users["operatore"], sportello_id=desk)
    head = _head(runtime)
    reads_before = len(_reads(runtime, CODA_ENDPOINT))

    outside = client.get(
        "/api/intake/coda",
        params={"sportello_id": desk, "attendi_posizione": head},
        headers=users["op.bussero"],
    )
    assert outside.status_code == 404  # a desk of another comune does not exist for them
    assert outside.json()["detail"] == "sportello non trovato"
    unknown = client.get(
        "/api/intake/coda",
        params={"sportello_id": "5f0c7e3a-3d2b-4f7e-9c59-3a1c0d0e8b11"},
        headers=users["operatore"],
    )
    assert unknown.status_code == 404
    assert (
        client.get(
            "/api/intake/coda", params={"sportello_id": desk}, headers=users["admin"]
        ).status_code
        == 403
    )
    assert client.get("/api/intake/coda", params={"sportello_id": desk}).status_code == 401

    for params, field in (
        ({}, "query.sportello_id"),
        ({"sportello_id": "non-un-id"}, "query.sportello_id"),
        ({"sportello_id": desk, "giorno": "31/12/2026"}, "query.giorno"),
        ({"sportello_id": desk, "limit": 0}, "query.limit"),
        ({"sportello_id": desk, "offset": -1}, "query.offset"),
        ({"sportello_id": desk, "attendi_posizione": 0}, "query.attendi_posizione"),
    ):
        response = client.get("/api/intake/coda", params=params, headers=users["operatore"])
        assert response.status_code == 422, params
        errors = response.json()["errori"]
        assert [e["campo"] for e in errors] == [field]
        assert all("non-un-id" not in e["errore"] for e in errors)
    assert len(_reads(runtime, CODA_ENDPOINT)) == reads_before


# -- agendas -------------------------------------------------------------------------------


def test_a_worker_agenda_lists_the_day_in_every_state_within_the_caller_comuni(
    client: TestClient, runtime: Runtime, users: dict[str, dict[str, str]]
) -> None:
    operatore = users["operatore"]
    desk = _sportello(client, users["admin"])
    rossi = _domanda(client, operatore, sportello_id=desk)
    verdi = _domanda(client, operatore, VERDI, sportello_id=desk)
    day = _next_working_day()
    later = _book(client, operatore, rossi["id"], desk, "operatore", _at(day, 15))
    earlier = _book(client, operatore, verdi["id"], desk, "operatore", _at(day, 8, 30))
    _act(
        client,
        operatore,
        f"{verdi['id']}/appuntamenti/{earlier['creato']}/annullamento",
        {"motivo": "sciopero dei mezzi"},
    )
    theirs = _book(client, operatore, verdi["id"], desk, "as.anziani", _at(day, 9))

    agenda = _get(
        client, "appuntamenti", users["coordinatore"], runtime, con="operatore", giorno=str(day)
    )
    assert [(i["id"], i["stato"]) for i in agenda["items"]] == [
        (earlier["creato"], "annullato"),
        (later["creato"], "fissato"),
    ]
    item = agenda["items"][1]
    assert item["domanda_id"] == rossi["id"]
    assert item["sportello_id"] == desk
    assert (item["comune"], item["area_utenza"], item["con"]) == ("E094", "ELD", "operatore")
    assert datetime.fromisoformat(item["inizio"]) == _at(day, 15)
    assert set(item) == {
        "id",
        "domanda_id",
        "con",
        "sportello_id",
        "inizio",
        "fine",
        "stato",
        "comune",
        "area_utenza",
        "urgente",
    }

    # the caller's own agenda by default
    mine = _get(client, "appuntamenti", users["as.anziani"], runtime, giorno=str(day))
    assert [i["id"] for i in mine["items"]] == [theirs["creato"]]
    # another day, another comune: nothing
    assert _get(client, "appuntamenti", operatore, runtime)["items"] == []
    assert (
        _get(
            client,
            "appuntamenti",
            users["op.bussero"],
            runtime,
            con="operatore",
            giorno=str(day),
        )["items"]
        == []
    )
    assert client.get("/api/intake/appuntamenti", headers=users["admin"]).status_code == 403
    bad = client.get(
        "/api/intake/appuntamenti", params={"con": "x" * 201}, headers=users["operatore"]
    )
    assert bad.status_code == 422
    assert [e["campo"] for e in bad.json()["errori"]] == ["query.con"]


def _outcome_event(
    position: int, kind: str, domanda_id: str, version: int, **data: Any
) -> WireEvent:
    return WireEvent(
        "intake",
        position,
        kind,
        {
            "aggregate_id": domanda_id,
            "aggregate_version": version,
            "occurred_at": "2026-03-02T08:00:00Z",
            "persona_id": "ABCDEFGHIJ0123456789",
            **data,
        },
    )


class _Ready:
    """A feed that is always up to date (the read model is written by hand here)."""

    projection: Projection = RegistriIntake()
    running = True
    failing = False

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def wait_for(self, stream: str, position: int, timeout: float) -> bool:
        return True


def test_held_and_missed_appointments_are_kept_with_their_state(tmp_path: Path) -> None:
    """Held and missed can only be recorded once an appointment has started, so the events
    are built here as the ledger stores them and applied to the projection directly."""
    views = create_engines(f"sqlite:///{tmp_path / 'views.db'}")
    projection = RegistriIntake()
    create_tables(projection, views)
    domanda_id = "0b8f6a52-1b7e-4a36-9a53-5f8a3f0d3e01"
    desk = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    ids = [f"7d0c9b1e-2f3a-4b5c-8d6e-7f8091a2b3c{n}" for n in range(3)]
    events = [
        WireEvent(
            "intake",
            1,
            "SportelloIstituito",
            {
                "aggregate_id": desk,
                "aggregate_version": 1,
                "occurred_at": "2026-03-01T08:00:00Z",
                "comune": "E094",
                "nome": "Sportello",
            },
        ),
        _outcome_event(
            1,
            "DomandaRicevuta",
            domanda_id,
            1,
            comune="E094",
            area_utenza="ELD",
            canale="sportello",
            urgente=False,
            sportello_id=desk,
            persona={"nome": {"$enc": "…", "persona": "ABCDEFGHIJ0123456789"}},
        ),
    ]
    for n, appointment in enumerate(ids):
        events.append(
            _outcome_event(
                2 + n,
                "AppuntamentoFissato",
                domanda_id,
                2 + n,
                appuntamento_id=appointment,
                con="as.anziani",
                sportello_id=desk,
                inizio=f"2026-03-02T{9 + n:02d}:00:00+01:00",
                fine=f"2026-03-02T{9 + n:02d}:30:00+01:00",
            )
        )
    events += [
        _outcome_event(5, "AppuntamentoSvolto", domanda_id, 5, appuntamento_id=ids[0]),
        _outcome_event(6, "AppuntamentoMancato", domanda_id, 6, appuntamento_id=ids[1]),
    ]
    with views.writer.begin() as connection:
        for event in events:
            projection.apply(connection, event)

    queries = IntakeQueries(views, _Ready())
    coordinatore = Principal(
        "coordinatore", "user", "coordinatore", frozenset({"E094"}), frozenset({"ELD"})
    )
    day = date(2026, 3, 2)
    agenda = queries.appuntamenti(coordinatore, "as.anziani", day, attendi_posizione=6)
    assert [(r["id"], r["stato"]) for r in agenda.items] == [
        (ids[0], "svolto"),
        (ids[1], "mancato"),
        (ids[2], "fissato"),
    ]
    assert agenda.items[0]["inizio"].replace(tzinfo=UTC) == datetime(2026, 3, 2, 8, tzinfo=UTC)
    queue = queries.coda(coordinatore, desk, day).pagina.items
    # held and missed ones have left the queue; the request, received that day, is still open
    assert [(e.tipo, e.appuntamento_id) for e in queue] == [
        ("appuntamento", ids[2]),
        ("arrivo", None),
    ]
    with views.reader.connect() as connection:
        version = connection.execute(select(domande.c.versione)).scalar_one()
    assert version == 6
    views.dispose()


# -- back-office deadlines -----------------------------------------------------------------


def test_applications_due_overdue_and_completed_are_worked_out_at_query_time(
    client: TestClient, runtime: Runtime, users: dict[str, dict[str, str]]
) -> None:
    operatore = users["operatore"]
    now = datetime.now(ROME)
    today = now.date()
    old = _domanda(client, operatore, occurred_at=(now - timedelta(days=41)).isoformat())
    domanda = old["id"]

    def open_application(tipo: str, protocollo: str, when: datetime | None) -> str:
        body = {"tipo": tipo, "protocollo": protocollo}
        if when is not None:
            body["occurred_at"] = when.isoformat()
        return str(_act(client, operatore, f"{domanda}/istanze", body, 201)["creato"])

    overdue_opened = now - timedelta(days=40)
    overdue = open_application("ATTESTAZIONE", "PG-2026-0001", overdue_opened)
    done = open_application("CONTRIBUTO_ECONOMICO", "PG-2026-0002", now - timedelta(days=39))
    completed_at = now - timedelta(days=30)
    _act(
        client,
        operatore,
        f"{domanda}/istanze/{done}/completamento",
        {"occurred_at": completed_at.isoformat()},
    )
    # an attestation (2 working days) opened on the latest day that makes it due within 3 days
    opened_on = next(
        today - timedelta(days=k)
        for k in range(10)
        if today <= deadline(today - timedelta(days=k), 2, working=True) <= today + timedelta(3)
    )
    due_soon = open_application(
        "ATTESTAZIONE",
        "PG-2026-0003",
        None if opened_on == today else datetime.combine(opened_on, time(12), ROME),
    )
    far = open_application("CONTRIBUTO_ECONOMICO", "PG-2026-0004", None)

    aperte = _get(client, "istanze", operatore, runtime)["items"]
    assert [i["id"] for i in aperte] == [overdue, due_soon, far]

    soon = _get(client, "istanze", operatore, runtime, stato="in_scadenza")["items"]
    assert [i["id"] for i in soon] == [due_soon]
    assert 0 <= soon[0]["giorni_alla_scadenza"] <= 3
    assert soon[0]["scadenza"] == deadline(opened_on, 2, working=True).isoformat()
    assert soon[0]["in_ritardo"] is False
    assert soon[0]["stato"] == "aperta"

    late = _get(client, "istanze", operatore, runtime, stato="scadute")["items"]
    assert [i["id"] for i in late] == [overdue]
    expected = deadline(overdue_opened.date(), 2, working=True)
    assert late[0]["scadenza"] == expected.isoformat()
    assert late[0]["giorni_alla_scadenza"] == (expected - today).days < 0
    assert late[0]["in_ritardo"] is True
    assert late[0]["tipo"] == "ATTESTAZIONE"
    assert late[0]["tipo_descrizione"].startswith("Attestazione")
    assert (late[0]["protocollo"], late[0]["prestazione"]) == ("PG-2026-0001", "Z9.99")
    assert (late[0]["comune"], late[0]["area_utenza"], late[0]["domanda_id"]) == (
        "E094",
        "ELD",
        domanda,
    )
    assert datetime.fromisoformat(late[0]["aperta_il"]) == overdue_opened

    completate = _get(client, "istanze", operatore, runtime, stato="completate")["items"]
    assert [i["id"] for i in completate] == [done]
    assert completate[0]["stato"] == "completata"
    assert completate[0]["giorni_alla_scadenza"] is None
    assert completate[0]["in_ritardo"] is False
    assert datetime.fromisoformat(completate[0]["completata_il"]) == completed_at

    # scoping: another comune, another area, a role without requests
    assert _get(client, "istanze", users["op.bussero"], runtime)["items"] == []
    assert _get(client, "istanze", users["as.minori"], runtime)["items"] == []
    assert len(_get(client, "istanze", users["as.anziani"], runtime)["items"]) == 3
    assert len(_get(client, "istanze", users["coordinatore"], runtime)["items"]) == 3
    assert client.get("/api/intake/istanze", headers=users["ufficio.piano"]).status_code == 403
    bad = client.get("/api/intake/istanze", params={"stato": "tutte"}, headers=operatore)
    assert bad.status_code == 422
    assert [e["campo"] for e in bad.json()["errori"]] == ["query.stato"]


# -- desks ---------------------------------------------------------------------------------


def test_every_user_role_sees_the_desks_and_their_hours(
    client: TestClient, runtime: Runtime, users: dict[str, dict[str, str]]
) -> None:
    desk = _sportello(client, users["admin"], comune="E094", nome="Sportello Gorgonzola")
    _ok(
        client.post(
            "/api/intake/sportelli",
            json={"comune": "B292", "nome": "Sportello Bussero"},
            headers=users["admin"],
        ),
        201,
    )
    for user in ("operatore", "as.minori", "coordinatore", "ufficio.piano", "admin"):
        listed = _get(client, "sportelli", users[user], runtime)
        assert [(s["comune"], s["nome"]) for s in listed["items"]] == [
            ("B292", "Sportello Bussero"),
            ("E094", "Sportello Gorgonzola"),
        ]
    gorgonzola = _get(client, "sportelli", users["operatore"], runtime, comune="E094")["items"]
    assert gorgonzola == [
        {
            "id": desk,
            "comune": "E094",
            "nome": "Sportello Gorgonzola",
            "fasce": [{"giorno": g, "dalle": "08:00:00", "alle": "18:00:00"} for g in range(5)],
            "versione": 2,
        }
    ]
    bussero = _get(client, "sportelli", users["operatore"], runtime, comune="B292")["items"]
    assert bussero[0]["fasce"] == []
    bad = client.get(
        "/api/intake/sportelli", params={"comune": "gorgonzola"}, headers=users["admin"]
    )
    assert bad.status_code == 422
    assert [e["campo"] for e in bad.json()["errori"]] == ["query.comune"]
    assert client.get("/api/intake/sportelli").status_code == 401


# -- a returning person --------------------------------------------------------------------


def test_a_returning_person_is_linked_and_the_operator_sees_their_other_requests(
    client: TestClient, runtime: Runtime, users: dict[str, dict[str, str]]
) -> None:
    operatore = users["operatore"]
    now = datetime.now(ROME)
    first = _domanda(client, operatore, occurred_at=(now - timedelta(days=20)).isoformat())
    _act(client, operatore, f"{first['id']}/inoltro", {"area_utenza": "ELD", "motivo": "fragile"})
    _act(client, operatore, f"{first['id']}/chiusura", {"esito": "inviata"})
    second = _domanda(
        client, operatore, comune="B292", occurred_at=(now - timedelta(days=5)).isoformat()
    )
    third = _domanda(client, operatore)  # same codice fiscale, a third time
    stranger = _domanda(client, operatore, VERDI)
    assert first["id"] != third["id"]

    reads_before = len(_reads(runtime, PRECEDENTI_ENDPOINT))
    earlier = _get(client, f"domande/{third['id']}/precedenti", operatore, runtime)
    recorded = _reads(runtime, PRECEDENTI_ENDPOINT)[reads_before:]
    assert [(r["oggetto"], r["oggetto_id"]) for r in recorded] == [
        ("domande_precedenti", third["id"])
    ]  # a person's history of requests is personal data: its read is recorded
    assert [d["id"] for d in earlier["items"]] == [second["id"], first["id"]]
    closed = earlier["items"][1]
    assert set(closed) == {
        "id",
        "ricevuta_il",
        "comune",
        "area_utenza",
        "canale",
        "stato",
        "esito",
        "inoltrata_il",
        "chiusa_il",
    }
    assert (closed["stato"], closed["esito"], closed["comune"]) == ("chiusa", "inviata", "E094")
    assert closed["inoltrata_il"] is not None
    assert closed["chiusa_il"] is not None
    assert (earlier["items"][0]["stato"], earlier["items"][0]["esito"]) == ("aperta", None)
    assert "Rossi" not in json.dumps(earlier)
    assert _get(client, f"domande/{stranger['id']}/precedenti", operatore, runtime)["items"] == []
    paged = _get(client, f"domande/{third['id']}/precedenti", operatore, runtime, limit=1)
    assert paged["next"] is not None

    # only what the caller may read: another comune's operator sees the Bussero one alone
    bussero = users["op.bussero"]
    mine = _get(client, f"domande/{second['id']}/precedenti", bussero, runtime)["items"]
    assert mine == []
    hidden = client.get(f"/api/intake/domande/{third['id']}/precedenti", headers=bussero)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == "domanda non trovata"
    outside_area = client.get(
        f"/api/intake/domande/{third['id']}/precedenti", headers=users["as.minori"]
    )
    assert outside_area.status_code == 404
    assert (
        len(
            _get(client, f"domande/{third['id']}/precedenti", users["as.anziani"], runtime)["items"]
        )
        == 2
    )
    unknown = client.get(
        "/api/intake/domande/5f0c7e3a-3d2b-4f7e-9c59-3a1c0d0e8b11/precedenti", headers=operatore
    )
    assert unknown.status_code == 404
    refused = client.get(
        f"/api/intake/domande/{third['id']}/precedenti", headers=users["ufficio.piano"]
    )
    assert refused.status_code == 403
    malformed = client.get("/api/intake/domande/abc/precedenti", headers=operatore)
    assert [e["campo"] for e in malformed.json()["errori"]] == ["path.domanda_id"]


# -- rebuild -------------------------------------------------------------------------------


def _rows(views: Engines) -> dict[str, list[tuple[Any, ...]]]:
    with views.reader.connect() as connection:
        return {
            table.name: sorted(tuple(r) for r in connection.execute(select(table)))
            for table in metadata.sorted_tables
        }


def test_a_rebuilt_register_equals_the_incremental_one(
    client: TestClient, runtime: Runtime, users: dict[str, dict[str, str]]
) -> None:
    operatore = users["operatore"]
    desk = _sportello(client, users["admin"])
    rossi = _domanda(client, operatore, sportello_id=desk)
    verdi = _domanda(client, operatore, VERDI, sportello_id=desk, area_utenza="FAM")
    day = _next_working_day()
    booked = _book(client, operatore, rossi["id"], desk, "as.anziani", _at(day, 10))
    _book(client, operatore, verdi["id"], desk, "operatore", _at(day, 10))
    _act(
        client,
        operatore,
        f"{rossi['id']}/appuntamenti/{booked['creato']}/annullamento",
        {"motivo": "rinviato"},
    )
    application = _act(
        client, operatore, f"{verdi['id']}/istanze", {"tipo": "SAD", "protocollo": "P-7"}, 201
    )
    _act(client, operatore, f"{verdi['id']}/istanze/{application['creato']}/completamento", {})
    _act(client, operatore, f"{verdi['id']}/informazioni", {"servizi": ["SAD"]})
    _act(client, operatore, f"{rossi['id']}/inoltro", {"area_utenza": "ELD", "motivo": "sola"})
    _get(client, "coda", operatore, runtime, sportello_id=desk)

    live = next(f for f in runtime.feeds if f.projection.name == RegistriIntake.name)
    assert live.wait_for("intake", _head(runtime), 5)
    live.stop()
    incremental = _rows(runtime.views)
    assert {name: len(rows) for name, rows in incremental.items()} == {
        domande.name: 2,
        appuntamenti.name: 2,
        istanze.name: 1,
        sportelli.name: 1,
        da_verificare.name: 0,  # no codice fiscale to verify here (issue 17)
    }
    projection = RegistriIntake()
    reset(projection, runtime.views)
    assert all(rows == [] for rows in _rows(runtime.views).values())
    recorder = runtime.district.ledger("intake").recorder
    ProjectionRunner(projection, runtime.views, {"intake": recorder}).catch_up()
    assert _rows(runtime.views) == incremental
