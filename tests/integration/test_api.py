"""The first vertical slice over HTTP (in process, real SQLite): contract, errors, tokens,
authorisation, recorded reads, the reporting projection and the metrics."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from services.runtime import Runtime, create_app
from shared.events.access import DatiPersonaliLetti
from shared.keys import load_token_key
from tests.support.runtime import CONTRACT_BODY, bearer, open_demo_runtime, token


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return open_demo_runtime(tmp_path)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


@pytest.fixture
def operatore(client: TestClient) -> dict[str, str]:
    return bearer(token(client, "operatore"))


def _intake_position(runtime: Runtime) -> int:
    return runtime.district.ledger("intake").recorder.max_notification_id() or 0


def test_the_contract_body_is_recorded_and_read_back_with_actor_and_legal_basis(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    created = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=operatore)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["posizione"] == _intake_position(runtime)
    assert created.headers["Location"] == f"/api/intake/domande/{body['id']}"

    read = client.get(f"/api/intake/domande/{body['id']}", headers=operatore)
    assert read.status_code == 200, read.text
    domanda = read.json()
    assert domanda["attore"] == {"utente": "operatore", "ruolo": "operatore", "comune": "E094"}
    assert domanda["comune"] == "E094"
    assert domanda["base_giuridica"] == "L328_ART22"
    assert domanda["base_giuridica_descrizione"].startswith("Livelli essenziali")
    occurred = datetime.fromisoformat(domanda["occurred_at"])
    recorded = datetime.fromisoformat(domanda["recorded_at"])
    assert occurred <= recorded < occurred + timedelta(seconds=30)
    assert domanda["persona"]["nome"] == "Maria"
    assert domanda["persona"]["codice_fiscale"] == "RSSMRA40A41E094R"
    assert domanda["bisogno"] == CONTRACT_BODY["bisogno"]
    assert read.headers["ETag"] == 'W/"1"'


def test_every_read_of_personal_data_is_recorded_in_the_ledger_first(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    created = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=operatore).json()
    before = _intake_position(runtime)
    client.get(f"/api/intake/domande/{created['id']}?finalita=PRESA_IN_CARICO", headers=operatore)
    assert _intake_position(runtime) == before + 1
    recorder = runtime.district.ledger("intake").recorder
    assert runtime.intake is not None
    read = runtime.intake.mapper.to_domain_event(recorder.select_notifications(before + 1, 1)[0])
    assert isinstance(read, DatiPersonaliLetti)
    assert read.actor.user == "operatore"
    assert read.finalita == "PRESA_IN_CARICO"
    assert str(read.oggetto_id) == created["id"]
    refused = client.get(
        f"/api/intake/domande/{created['id']}?finalita=CURIOSITA", headers=operatore
    )
    assert refused.status_code == 422
    assert _intake_position(runtime) == before + 1


def _with(path: str, value: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(CONTRACT_BODY))
    target = body
    *parents, leaf = path.split(".")
    for part in parents:
        target = target[part]
    if value is KeyError:
        del target[leaf]
    else:
        target[leaf] = value
    return body


BAD_INPUT = [
    ("occurred_at", "2099-01-01T00:00:00+00:00", "body.occurred_at"),
    ("persona.data_nascita", "1941-01-01", "body.persona.data_nascita"),
    ("persona.sesso", "M", "body.persona.sesso"),
    ("persona.RSSMRA40A41E094R", 1, "body.persona"),
    ("base_giuridica", "ART_INVENTATO", "body.base_giuridica"),
    ("comune", "Z999", "body.comune"),
    ("comune", "Gorgonzola", "body.comune"),
    ("persona.codice_fiscale", "RSSMRA40A41E094X", "body.persona.codice_fiscale"),
    ("area_utenza", "ANZIANI", "body.area_utenza"),
    ("bisogno", KeyError, "body.bisogno"),
    ("persona.nome", KeyError, "body.persona.nome"),
    ("urgente", "forse", "body.urgente"),
    ("persona", "Maria Rossi", "body.persona"),
    ("persona.data_nascita", "01/01/1940", "body.persona.data_nascita"),
    ("bisogno", "x" * 4001, "body.bisogno"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_INPUT)
def test_bad_input_gets_422_naming_the_field_without_echo_and_records_nothing(
    client: TestClient,
    runtime: Runtime,
    operatore: dict[str, str],
    path: str,
    value: Any,
    field: str,
) -> None:
    before = _intake_position(runtime)
    response = client.post("/api/intake/domande", json=_with(path, value), headers=operatore)
    assert response.status_code == 422, response.text
    fields = [error["campo"] for error in response.json()["errori"]]
    assert field in fields
    if isinstance(value, str):
        assert value[:40] not in response.text
    assert "RSSMRA40A41E094R" not in response.text
    assert "Maria" not in response.text
    assert _intake_position(runtime) == before
    assert runtime.district.keystore.find_by_codice_fiscale("RSSMRA40A41E094R") == []


def test_a_body_over_64_kib_gets_413_and_records_nothing(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    body = _with("bisogno", "x" * (70 * 1024))
    response = client.post("/api/intake/domande", json=body, headers=operatore)
    assert response.status_code == 413
    assert "64 KiB" in response.json()["detail"]
    assert _intake_position(runtime) == 0


def test_a_chunked_body_over_64_kib_gets_413_too(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    payload = json.dumps(_with("bisogno", "x" * (70 * 1024))).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 8192):
            yield payload[start : start + 8192]

    response = client.post(
        "/api/intake/domande",
        content=chunks(),
        headers={**operatore, "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert _intake_position(runtime) == 0


def test_without_a_token_nothing_is_even_parsed(client: TestClient) -> None:
    response = client.post(
        "/api/intake/domande", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401


def test_a_social_worker_stays_within_their_areas(
    client: TestClient, operatore: dict[str, str]
) -> None:
    minori = bearer(token(client, "as.minori"))
    eld = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=operatore).json()
    assert client.get(f"/api/intake/domande/{eld['id']}", headers=minori).status_code == 404
    refused = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=minori)
    assert refused.status_code == 403
    assert "area" in refused.json()["detail"]
    fam = {**CONTRACT_BODY, "area_utenza": "FAM"}
    created = client.post("/api/intake/domande", json=fam, headers=minori)
    assert created.status_code == 201
    assert (
        client.get(f"/api/intake/domande/{created.json()['id']}", headers=minori).status_code == 200
    )


def test_no_data_leaves_when_the_read_cannot_be_recorded(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as failing:
        headers = bearer(token(failing, "operatore"))
        created = failing.post("/api/intake/domande", json=CONTRACT_BODY, headers=headers).json()

        def broken(*_: Any, **__: Any) -> None:
            raise RuntimeError("ledger unavailable")

        monkeypatch.setattr(runtime.intake, "registra_lettura", broken)
        response = failing.get(f"/api/intake/domande/{created['id']}", headers=headers)
    assert response.status_code == 500
    assert "Maria" not in response.text
    assert "spesa" not in response.text


def test_repeated_wrong_passwords_are_slowed_down(client: TestClient) -> None:
    wrong = {"grant_type": "password", "username": "coordinatore", "password": "sbagliata"}
    statuses = [client.post("/api/auth/token", data=wrong).status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    right = {**wrong, "password": "demo"}
    assert client.post("/api/auth/token", data=right).status_code == 429
    assert (
        client.post("/api/auth/token", data={**right, "username": "operatore"}).status_code == 200
    )


def _forged(runtime: Runtime, key: Ed25519PrivateKey, **claims: Any) -> str:
    now = int(time.time())
    base = {
        "iss": "ambito",
        "aud": "ambito-api",
        "sub": "operatore",
        "kind": "user",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    return jwt.encode({**base, **claims}, key, algorithm="EdDSA")


def test_no_expired_or_wrongly_signed_token_gets_in(client: TestClient, runtime: Runtime) -> None:
    real_key = load_token_key(runtime.settings.key_dir)
    cases = {
        "none": {},
        "expired": bearer(_forged(runtime, real_key, iat=0, nbf=0, exp=int(time.time()) - 120)),
        "wrong key": bearer(_forged(runtime, Ed25519PrivateKey.generate())),
        "garbage": bearer("not.a.token"),
        "wrong audience": bearer(_forged(runtime, real_key, aud="other")),
    }
    for name, headers in cases.items():
        response = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=headers)
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        client.get("/api/intake/stato", headers=bearer(_forged(runtime, real_key))).status_code
        == 200
    )
    assert _intake_position(runtime) == 0


def test_wrong_credentials_get_no_token(client: TestClient) -> None:
    wrong = client.post(
        "/api/auth/token", data={"grant_type": "password", "username": "operatore", "password": "x"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    client_token = client.post(
        "/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": "inps", "client_secret": "demo"},
    )
    assert client_token.status_code == 200
    bad_client = client.post(
        "/api/auth/token", data={"grant_type": "client_credentials"}, auth=("inps", "wrong")
    )
    assert bad_client.status_code == 401


def test_a_demo_account_is_refused_once_the_district_is_not_a_demo(
    client: TestClient, runtime: Runtime
) -> None:
    issued = bearer(token(client, "operatore"))
    runtime.identity.set_demo(False, actor="admin")
    refused = client.post(
        "/api/auth/token",
        data={"grant_type": "password", "username": "operatore", "password": "demo"},
    )
    assert refused.status_code == 400
    assert client.post("/api/intake/domande", json=CONTRACT_BODY, headers=issued).status_code == 401


def test_a_disabled_user_is_refused_at_the_next_request(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    assert client.get("/api/intake/stato", headers=operatore).status_code == 200
    runtime.identity.set_user_active("operatore", False, actor="admin")
    assert client.get("/api/intake/stato", headers=operatore).status_code == 401


def test_authorisation_by_role_and_comune(client: TestClient, runtime: Runtime) -> None:
    runtime.identity.add_user(
        "op.bussero",
        "una-password-lunga",
        role="operatore",
        codice_fiscale="BNCGPP70A01B292C",
        nome="Giuseppe Bianchi",
        comuni=["B292"],
        actor="admin",
    )
    bussero = bearer(token(client, "op.bussero", "una-password-lunga"))
    forbidden = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=bussero)
    assert forbidden.status_code == 403
    assert "comune" in forbidden.json()["detail"]
    created = client.post(
        "/api/intake/domande", json=CONTRACT_BODY, headers=bearer(token(client, "operatore"))
    )
    read = client.get(f"/api/intake/domande/{created.json()['id']}", headers=bussero)
    assert read.status_code == 404  # outside one's comuni a request does not even exist
    ufficio = bearer(token(client, "ufficio.piano"))
    assert (
        client.post("/api/intake/domande", json=CONTRACT_BODY, headers=ufficio).status_code == 403
    )


def test_the_reporting_projection_counts_requests_per_comune_and_area(
    client: TestClient, operatore: dict[str, str]
) -> None:
    positions = []
    for comune, area in (("E094", "ELD"), ("E094", "ELD"), ("B292", "FAM")):
        body = {**_with("comune", comune), "area_utenza": area}
        positions.append(
            client.post("/api/intake/domande", json=body, headers=operatore).json()["posizione"]
        )
    coordinatore = bearer(token(client, "coordinatore"))
    counts = client.get(
        f"/api/reporting/domande/conteggi?attendi_posizione={max(positions)}", headers=coordinatore
    )
    assert counts.status_code == 200, counts.text
    assert counts.json() == {
        "items": [
            {"comune": "B292", "area_utenza": "FAM", "domande": 1},
            {"comune": "E094", "area_utenza": "ELD", "domande": 2},
        ],
        "next": None,
    }
    assert client.get("/api/reporting/domande/conteggi", headers=operatore).status_code == 403
    # exact counts (cells of 1 to 4 people) would undo the published tables' suppression
    ufficio = bearer(token(client, "ufficio.piano"))
    assert client.get("/api/reporting/domande/conteggi", headers=ufficio).status_code == 403


def test_metrics_show_counters_and_latency_without_personal_data(
    client: TestClient, operatore: dict[str, str]
) -> None:
    created = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=operatore).json()
    client.get(f"/api/intake/domande/{created['id']}", headers=operatore)
    client.get("/api/intake/domande/00000000-0000-0000-0000-000000000000", headers=operatore)
    metrics = client.get("/metrics").text
    assert re.search(
        r'ambito_events_appended_total\{service="intake",type="DomandaRicevuta"\} [1-9]', metrics
    )
    assert "ambito_http_request_duration_seconds_bucket{" in metrics
    assert 'route="/api/intake/domande/{domanda_id}"' in metrics
    assert "ambito_projection_lag_events" in metrics
    for secret in ("Maria", "Rossi", "RSSMRA40A41E094R", "spesa", created["id"], "00000000-0000"):
        assert secret not in metrics


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"stato": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
