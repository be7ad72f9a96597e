"""The token endpoint's limits over HTTP: per address whatever the names (30 failures), per
name whatever the addresses (10), ``X-Forwarded-For`` read only when the district says it is
behind a proxy; 429 with ``Retry-After``, in Italian, never echoing the name (issue 10)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from services.runtime import Runtime, create_app, open_runtime
from tests.support.runtime import demo_settings

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first

ADDRESS_LIMIT = 30
NAME_LIMIT = 10


def _login(
    client: TestClient, username: str, password: str, forwarded: str | None = None
) -> httpx.Response:

    response: httpx.Response = client.post(
        "/api/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
        headers={"X-Forwarded-For": forwarded} if forwarded else {},
    )
    return response


def _assert_too_many(response: httpx.Response, *names: str) -> None:
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["Retry-After"]) <= 301
    assert response.json()["error"] == "too_many_attempts"
    assert "riprova" in response.json()["error_description"]
    for name in names:
        assert name not in response.text


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = open_runtime(demo_settings(tmp_path))
    yield runtime
    runtime.close()


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Runtime]:
    runtime = open_runtime(
        demo_settings(tmp_path / "proxied").model_copy(update={"trust_forwarded_for": True})
    )
    yield runtime
    runtime.close()


def test_one_address_trying_many_names_is_paused(runtime: Runtime) -> None:
    with TestClient(create_app(runtime)) as client:
        for attempt in range(ADDRESS_LIMIT):
            # under each name's own limit: only the address's limit can stop this
            response = _login(client, f"utente{attempt % 5}", "sbagliata")
            assert response.status_code == 400, (attempt, response.text)
        # even the right password of a real account waits, and a forged header changes nothing
        _assert_too_many(_login(client, "coordinatore", "demo"), "coordinatore")
        _assert_too_many(_login(client, "operatore", "demo", forwarded="192.0.2.7"), "operatore")
        secret = client.post(
            "/api/auth/token",
            data={"grant_type": "client_credentials", "client_id": "inps", "client_secret": "demo"},
        )
        _assert_too_many(secret, "inps")
    # another address (another client of the same server) is not paused
    with TestClient(create_app(runtime), client=("198.51.100.4", 40000)) as other:
        assert _login(other, "coordinatore", "demo").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(proxied: Runtime) -> None:
    with TestClient(create_app(proxied)) as client:  # every request comes from the proxy
        for attempt in range(ADDRESS_LIMIT):
            response = _login(client, f"nome{attempt}", "x", forwarded=f"203.0.113.9, 10.1.1.{1}")
            assert response.status_code == 400
        # the last entry is the address the proxy saw; the client's own entries are ignored
        _assert_too_many(_login(client, "coordinatore", "demo", forwarded="1.2.3.4, 10.1.1.1"))
        assert _login(client, "coordinatore", "demo", forwarded="203.0.113.9, 10.1.1.2").is_success
        assert _login(client, "operatore", "demo").is_success  # no header: the proxy's own


def test_one_name_tried_from_many_addresses_is_paused(proxied: Runtime) -> None:
    with TestClient(create_app(proxied)) as client:
        for attempt in range(NAME_LIMIT):
            assert (
                _login(client, "coordinatore", "x", forwarded=f"10.2.0.{attempt}").status_code
                == 400
            )
        _assert_too_many(
            _login(client, "coordinatore", "demo", forwarded="10.2.0.99"), "coordinatore"
        )
        assert _login(client, "operatore", "demo", forwarded="10.2.0.99").is_success


def test_failures_for_a_client_elsewhere_never_lock_it_out(proxied: Runtime) -> None:
    """INPS's client must not be locked out by someone guessing its secret from elsewhere:
    a client's failures count per address."""
    with TestClient(create_app(proxied)) as client:
        for attempt in range(NAME_LIMIT + 2):
            response = client.post(
                "/api/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "inps",
                    "client_secret": "x",
                },
                headers={"X-Forwarded-For": f"198.51.100.{attempt}"},
            )
            assert response.status_code == 401
        ok = client.post(
            "/api/auth/token",
            data={"grant_type": "client_credentials", "client_id": "inps", "client_secret": "demo"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        assert ok.status_code == 200, ok.text
