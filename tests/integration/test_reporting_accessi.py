"""The access log (``GET /api/reporting/accessi``) over HTTP on an embedded demo district:
reads recorded by casework and by reporting, listed by case and by user, most recent first,
paged, within the caller's scope (a coordinatore: reads made for their comuni; an
amministratore: all), refused to other roles; and a rebuild equal to the incremental rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from codicefiscale import codicefiscale
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.reporting.accessi import RegistroAccessi, accessi
from services.runtime import Runtime, create_app
from shared.db import create_engines
from shared.projections.base import ProjectionFeed
from shared.projections.runner import ProjectionRunner
from tests.support.runtime import bearer, open_demo_runtime, token

CASEWORK = "/api/casework"
REPORTING = "/api/reporting"
BUSSERO_COORDINATOR = "coordinatore.bussero"
PERSONA = {"nome": "Maria", "cognome": "Rossi", "data_nascita": "1940-01-01", "sesso": "F"}


@dataclass
class World:
    runtime: Runtime
    client: TestClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    casi: dict[str, str] = field(default_factory=dict)

    def as_(self, user: str) -> dict[str, str]:
        if user not in self.headers:
            self.headers[user] = bearer(token(self.client, user))
        return self.headers[user]

    def ok(self, method: str, path: str, user: str, **kwargs: Any) -> dict[str, Any]:
        response = self.client.request(method, path, headers=self.as_(user), **kwargs)
        assert response.status_code in (200, 201), (path, response.text)
        found: dict[str, Any] = response.json()
        return found

    def apri(self, comune: str) -> str:
        body = {
            "comune": comune,
            "area_utenza": "ELD",
            "origine": "emergenza",
            "motivo": "Anziana sola",
            "persona": PERSONA,
        }
        caso = str(self.ok("POST", f"{CASEWORK}/casi", "coordinatore", json=body)["id"])
        done = self.ok(
            "POST",
            f"{CASEWORK}/casi/{caso}/assegnazione",
            "coordinatore",
            json={"assistente_sociale": "as.anziani"},
        )
        self.wait("casework", int(done["posizione"]), "reporting.cartella")
        return caso

    def wait(self, source: str, position: int, projection: str = "reporting.accessi") -> None:
        (feed,) = [f for f in self.runtime.feeds if f.projection.name == projection]
        assert _waits(feed, source, position)

    def caught_up(self) -> None:
        for source in ("casework", "reporting"):
            head = self.runtime.district.ledger(source).recorder.max_notification_id() or 0
            self.wait(source, head)

    def accessi(self, user: str, **params: Any) -> Any:
        self.caught_up()
        return self.client.get(f"{REPORTING}/accessi", params=params, headers=self.as_(user))


def _waits(feed: ProjectionFeed, source: str, position: int) -> bool:
    return feed.wait_for(source, position, 5)


def _add_bussero_coordinator(runtime: Runtime) -> None:
    runtime.identity.add_user(
        BUSSERO_COORDINATOR,
        "demo",
        role="coordinatore",
        codice_fiscale=codicefiscale.encode(
            lastname="Verdi",
            firstname="Paolo",
            gender="M",
            birthdate="1970-04-02",
            birthplace="Bussero",
        ),
        nome="Paolo Verdi",
        comuni=("B292",),
        demo=True,
        actor="test",
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two cases (Gorgonzola, Bussero), each read by the social worker through reporting's
    cartella and through casework, and by the coordinator through reporting."""
    runtime = open_demo_runtime(tmp_path_factory.mktemp("accessi"))
    _add_bussero_coordinator(runtime)
    with TestClient(create_app(runtime)) as client:
        found = World(runtime, client)
        for name, comune in (("gorgonzola", "E094"), ("bussero", "B292")):
            caso = found.apri(comune)
            found.casi[name] = caso
            found.ok("GET", f"{REPORTING}/casi/{caso}", "as.anziani")
            found.ok("GET", f"{CASEWORK}/casi/{caso}", "as.anziani")
            found.ok(
                "GET",
                f"{REPORTING}/casi/{caso}/audit",
                "coordinatore",
                params={"finalita": "CONTROLLO"},
            )
        yield found


def _items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_reads_of_a_case_from_every_service_most_recent_first(world: World) -> None:
    caso = world.casi["gorgonzola"]
    items = _items(world.accessi("coordinatore", caso_id=caso))

    assert [(i["fonte"], i["utente"], i["endpoint"]) for i in items] == [
        ("reporting", "coordinatore", "GET /api/reporting/casi/{id}/audit"),
        ("casework", "as.anziani", "GET /api/casework/casi/{id}"),
        ("reporting", "as.anziani", "GET /api/reporting/casi/{id}"),
    ]
    assert [i["finalita"] for i in items] == ["CONTROLLO", "PRESA_IN_CARICO", "PRESA_IN_CARICO"]
    for item in items:
        assert (item["oggetto"], item["oggetto_id"], item["comune"]) == ("caso", caso, "E094")
        assert len(item["persona_id"]) == 20
    assert "Maria" not in str(items)


def test_the_reads_of_a_user(world: World) -> None:
    items = _items(world.accessi("admin", utente="as.anziani"))

    assert {i["utente"] for i in items} == {"as.anziani"}
    assert {i["oggetto_id"] for i in items} == set(world.casi.values())
    assert {i["fonte"] for i in items} == {"casework", "reporting"}
    assert len(items) == 4


def test_a_coordinatore_sees_only_the_reads_made_for_their_comuni(world: World) -> None:
    bussero = world.casi["bussero"]
    mine = _items(world.accessi(BUSSERO_COORDINATOR, utente="as.anziani"))
    theirs = _items(world.accessi(BUSSERO_COORDINATOR, caso_id=world.casi["gorgonzola"]))

    assert {i["oggetto_id"] for i in mine} == {bussero}
    assert {i["comune"] for i in mine} == {"B292"}
    assert theirs == []


@pytest.mark.parametrize("user", ["as.anziani", "operatore", "ufficio.piano"])
def test_other_roles_are_refused(world: World, user: str) -> None:
    assert world.accessi(user, caso_id=world.casi["gorgonzola"]).status_code == 403


def test_the_log_is_paged(world: World) -> None:
    first = world.accessi("admin", utente="as.anziani", limit=3)
    page = first.json()
    assert len(page["items"]) == 3
    assert page["next"] is not None
    offset = parse_qs(urlsplit(page["next"]).query)["offset"]
    assert offset == ["3"]
    rest = world.client.get(page["next"], headers=world.as_("admin")).json()
    assert len(rest["items"]) == 1
    assert rest["next"] is None
    seen = {(i["fonte"], i["posizione"]) for i in page["items"] + rest["items"]}
    assert len(seen) == 4


def test_a_rebuild_from_zero_equals_the_incremental_rows(world: World, tmp_path: Any) -> None:
    world.caught_up()
    runtime = world.runtime
    views = create_engines(f"sqlite:///{tmp_path / 'rebuild.sqlite'}")
    try:
        projection = RegistroAccessi()
        sources = {s: runtime.district.ledger(s).recorder for s in projection.sources}
        ProjectionRunner(projection, views, sources).catch_up()
        with views.reader.connect() as rebuilt, runtime.views.reader.connect() as incremental:
            expected = sorted(incremental.execute(select(accessi)).all())
            assert sorted(rebuilt.execute(select(accessi)).all()) == expected
        assert len(expected) >= 6
    finally:
        views.dispose()
