"""Issue 17, acceptances 1 and 4 on the real runtime: a retried ``POST /api/intake/domande``
with the same ``Idempotency-Key``, one after the other or at the same moment, records one
``DomandaRicevuta`` and answers the same status and body; the same key with another body is
422. Before the fix every retry recorded another request. The store is also exercised as
two processes of one service share it, on SQLite and on PostgreSQL (district mode)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from services.runtime import Runtime, create_app
from shared.events import intake as events
from shared.web.idempotency_store import LEASE_SECONDS, IdempotencyStore, Reservation
from tests.conftest import DatabaseFactory
from tests.support.postgres import create_database
from tests.support.runtime import CONTRACT_BODY, bearer, open_demo_runtime, token

DOMANDE = "/api/intake/domande"


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


def _position(runtime: Runtime) -> int:
    return runtime.district.ledger("intake").recorder.max_notification_id() or 0


def _received_since(runtime: Runtime, position: int) -> int:
    """How many ``DomandaRicevuta`` the intake ledger recorded after ``position``."""
    assert runtime.intake is not None
    recorder = runtime.district.ledger("intake").recorder
    notifications = recorder.select_notifications(position + 1, 1000)
    found = [runtime.intake.mapper.to_domain_event(n) for n in notifications]
    return sum(isinstance(event, events.DomandaRicevuta) for event in found)


def _send(client: TestClient, headers: dict[str, str], key: str | None, body: Any) -> Any:
    sent = dict(headers)
    if key is not None:
        sent["Idempotency-Key"] = key
    return client.post(DOMANDE, json=body, headers=sent)


def test_a_retry_with_the_same_key_records_one_request_and_gets_the_same_answer(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    before = _position(runtime)
    first = _send(client, operatore, "domanda-0001", CONTRACT_BODY)
    again = _send(client, operatore, "domanda-0001", CONTRACT_BODY)

    assert first.status_code == 201, first.text
    assert _received_since(runtime, before) == 1
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    # the replay passes through the same outer layers as any answer
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert "X-Correlation-ID" in again.headers


def test_without_a_key_a_retry_records_again(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    """The behaviour the header exists for: nothing tells two sends apart."""
    before = _position(runtime)
    _send(client, operatore, None, CONTRACT_BODY)
    _send(client, operatore, None, CONTRACT_BODY)

    assert _received_since(runtime, before) == 2


def test_the_same_key_at_the_same_moment_records_one_request(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    before = _position(runtime)
    start = threading.Barrier(4)
    answers: list[Any] = []

    def send() -> None:
        start.wait()
        answers.append(_send(client, operatore, "domanda-insieme", CONTRACT_BODY))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert _received_since(runtime, before) == 1
    assert {answer.status_code for answer in answers} == {201}
    assert len({json.dumps(answer.json(), sort_keys=True) for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 3


def test_the_same_key_with_another_body_is_422_and_records_nothing(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    _send(client, operatore, "domanda-0002", CONTRACT_BODY)
    before = _position(runtime)
    other = {**CONTRACT_BODY, "bisogno": "Zanzibar-7Q non riesce a pagare l'affitto"}
    answer = _send(client, operatore, "domanda-0002", other)

    assert answer.status_code == 422
    assert [e["campo"] for e in answer.json()["errori"]] == ["header.Idempotency-Key"]
    assert "Zanzibar" not in answer.text
    assert "domanda-0002" not in answer.text
    assert _position(runtime) == before


def test_keys_are_per_user_and_a_malformed_key_is_422(
    client: TestClient, runtime: Runtime, operatore: dict[str, str]
) -> None:
    coordinatore = bearer(token(client, "coordinatore"))
    before = _position(runtime)
    _send(client, operatore, "stessa-chiave", CONTRACT_BODY)
    other_user = _send(client, coordinatore, "stessa-chiave", CONTRACT_BODY)
    malformed = _send(client, operatore, "x" * 256, CONTRACT_BODY)

    assert other_user.status_code == 201, other_user.text
    assert "Idempotent-Replayed" not in other_user.headers
    assert malformed.status_code == 422
    assert malformed.json()["errori"][0]["campo"] == "header.Idempotency-Key"
    assert _received_since(runtime, before) == 2


def test_without_a_token_the_key_changes_nothing(client: TestClient) -> None:
    answer = client.post(DOMANDE, json=CONTRACT_BODY, headers={"Idempotency-Key": "k"})
    assert answer.status_code == 401


def test_the_openapi_documents_the_header_on_commands_only(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def names(operation: dict[str, Any]) -> list[str]:
        return [parameter["name"] for parameter in operation.get("parameters", [])]

    assert "Idempotency-Key" in names(paths[DOMANDE]["post"])
    assert "Idempotency-Key" in names(paths["/waas/v1/esiti"]["post"])
    assert "Idempotency-Key" not in names(paths["/api/intake/domande/{domanda_id}"]["get"])
    assert "Idempotency-Key" not in names(paths["/api/auth/token"]["post"])
    # break-glass is a read by POST: the header is ignored there, and says so
    emergenza = paths["/api/reporting/casi/{caso_id}/accesso-emergenza"]["post"]
    assert "Idempotency-Key" not in names(emergenza)
    assert "`Idempotency-Key` è ignorato" in emergenza["description"]


def test_two_processes_sharing_the_store_run_a_key_once(database_url: DatabaseFactory) -> None:
    """District mode: two processes of one service, each with its own store on the shared
    identity database (SQLite file or PostgreSQL); the insert decides who runs."""
    url = database_url("identity")
    stores = [IdempotencyStore(url, b"k" * 32) for _ in range(4)]
    start = threading.Barrier(len(stores))
    states: list[str] = []
    try:

        def reserve(store: IdempotencyStore) -> None:
            start.wait()
            states.append(store.reserve("user:operatore", "k-1", b"POST /x {}").state)

        threads = [threading.Thread(target=reserve, args=(store,)) for store in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(states) == ["in_progress"] * 3 + ["reserved"]

        winner = stores[0].reserve("user:operatore", "k-2", b"POST /x {}")
        stores[0].complete("user:operatore", "k-2", winner.owner, 201, [("etag", 'W/"1"')], b"{}")
        replay = stores[1].reserve("user:operatore", "k-2", b"POST /x {}")
        assert replay.state == "completed"
        assert replay.response is not None
        assert (replay.response.status, replay.response.body) == (201, b"{}")
        assert replay.response.headers == [("etag", 'W/"1"')]
        assert stores[2].reserve("user:operatore", "k-2", b"POST /y {}").state == "mismatch"
    finally:
        for store in stores:
            store.close()


@pytest.mark.postgres
def test_two_processes_taking_over_one_abandoned_reservation_run_it_once(
    postgres_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both processes read the abandoned row (lease over); the other one's takeover commits
    between this one's read and its update, which then matches no row: before the fix both
    answered "reserved" and ran the request."""
    url = create_database(postgres_admin_url, "idem")
    now = [time.time()]
    first, other = (IdempotencyStore(url, b"k" * 32, clock=lambda: now[0]) for _ in range(2))
    request = b"POST /x {}"
    try:
        first.reserve("user:operatore", "k-1", request)  # its process dies
        now[0] += LEASE_SECONDS + 1
        won: list[Reservation] = []
        take_over = first._take_over

        def other_process_first(connection: Connection, *arguments: Any) -> Reservation:
            # its own connection and transaction: this one holds no lock on the row yet
            won.append(other.reserve("user:operatore", "k-1", request))
            return take_over(connection, *arguments)

        monkeypatch.setattr(first, "_take_over", other_process_first)
        lost = first.reserve("user:operatore", "k-1", request)

        assert [reservation.state for reservation in won] == ["reserved"]
        assert lost.state == "in_progress"
    finally:
        first.close()
        other.close()
