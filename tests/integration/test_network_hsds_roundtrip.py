"""Acceptance 3 of the network issue: the demo network exported as HSDS over HTTP validates
against the HSDS schemas (formats checked), and imported into an empty district gives the
same directory."""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy as copy_of
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from services.network.demo import record_demo_network
from services.runtime import Runtime, create_app
from tests.support.hsds import hsds_validators, schema_errors
from tests.support.runtime import bearer, open_demo_runtime, token

ROME = ZoneInfo("Europe/Rome")
VOLATILE = {"versione", "censita_il", "dismessa_il"}
"""What a re-census cannot keep exactly: how many events it took, and the time of day of its
census and dismissal (their dates come along, compared apart)."""


@pytest.fixture
def demo_district(tmp_path: Path) -> Iterator[tuple[Runtime, TestClient]]:
    runtime = open_demo_runtime(tmp_path / "demo")
    assert runtime.network is not None
    record_demo_network(runtime.network, ["E094", "B292", "G965"])
    with TestClient(create_app(runtime)) as client:
        yield runtime, client


@pytest.fixture
def empty_district(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(open_demo_runtime(tmp_path / "empty"))) as client:
        yield client


def _head(runtime: Runtime) -> int:
    return runtime.district.ledger("network").recorder.max_notification_id() or 0


def _directory(client: TestClient, headers: dict[str, str], posizione: int) -> list[Any]:
    answer = client.get(
        "/api/network/risorse",
        params={"stato": "tutte", "limit": 200, "attendi_posizione": posizione},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["next"] is None
    return [{k: v for k, v in item.items() if k not in VOLATILE} for item in answer.json()["items"]]


def test_the_demo_network_round_trips_through_hsds_into_an_empty_district(
    demo_district: tuple[Runtime, TestClient], empty_district: TestClient
) -> None:
    runtime, demo = demo_district
    demo_planner = bearer(token(demo, "ufficio.piano"))
    exported = demo.get(
        "/api/network/export/hsds",
        params={"attendi_posizione": _head(runtime)},
        headers=demo_planner,
    )
    assert exported.status_code == 200, exported.text
    document = exported.json()
    organizations = document["organizations"]
    assert len(organizations) >= 30

    validators = hsds_validators()
    for organization in organizations:
        assert schema_errors(validators["organization"], organization) == []
        for service in organization.get("services", []):
            assert schema_errors(validators["service"], service) == []

    planner = bearer(token(empty_district, "ufficio.piano"))
    imported = empty_district.post("/api/network/import/hsds", json=document, headers=planner)
    assert imported.status_code == 200, imported.text
    outcome = imported.json()
    assert outcome["censite"] == len(organizations)
    assert outcome["gia_presenti"] == 0
    assert outcome["dismesse"] == sum(
        1
        for organization in organizations
        if any(s["status"] == "defunct" for s in organization.get("services", []))
    )
    assert outcome["dismesse"] >= 1

    original = _directory(demo, demo_planner, _head(runtime))
    copy = _directory(empty_district, planner, outcome["posizione"])
    assert copy == original
    assert any(item["da_rivedere"] for item in copy)  # the confirmation dates came along

    again = empty_district.get(
        "/api/network/export/hsds",
        params={"attendi_posizione": outcome["posizione"]},
        headers=planner,
    )
    assert again.json() == document

    repeated = empty_district.post("/api/network/import/hsds", json=document, headers=planner)
    assert repeated.json() == {
        "censite": 0,
        "gia_presenti": len(organizations),
        "dismesse": 0,
        "posizione": None,
        "diverse": [],
    }

    changed = copy_of(document)
    changed["organizations"][0]["name"] = "Nome cambiato altrove"
    changed["organizations"][0]["services"][0]["name"] = "Nome cambiato altrove"
    reported = empty_district.post("/api/network/import/hsds", json=changed, headers=planner)
    assert reported.status_code == 200, reported.text
    assert reported.json()["diverse"] == [organizations[0]["id"]]  # reported, left unchanged
    assert reported.json()["posizione"] is None


def test_an_import_with_a_bad_organization_records_nothing(
    demo_district: tuple[Runtime, TestClient], empty_district: TestClient
) -> None:
    runtime, demo = demo_district
    document = demo.get(
        "/api/network/export/hsds",
        params={"attendi_posizione": _head(runtime)},
        headers=bearer(token(demo, "ufficio.piano")),
    ).json()
    document["organizations"][5]["services"][0]["service_areas"][0]["name"] = "Z999"
    planner = bearer(token(empty_district, "ufficio.piano"))
    refused = empty_district.post("/api/network/import/hsds", json=document, headers=planner)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errori"][0]["campo"].startswith("body.organizations.5")
    state = empty_district.get("/api/network/stato", headers=planner).json()
    assert state["posizione"] == 0  # one bad organization: none of the others was recorded
    operatore = bearer(token(empty_district, "operatore"))
    forbidden = empty_district.post("/api/network/import/hsds", json=document, headers=operatore)
    assert forbidden.status_code == 403
    garbage = empty_district.post("/api/network/import/hsds", json={"x": 1}, headers=operatore)
    assert garbage.status_code == 403  # authorised before the document is read
