"""Security headers on every answer (successes, every kind of error, the docs pages, health
and metrics), HSTS only over HTTPS, and CORS closed unless origins are listed (issue 10,
"Hardening")."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.runtime import Runtime, create_app, open_runtime
from tests.support.runtime import CONTRACT_BODY, bearer, demo_settings, token

ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
PORTALE = "https://portale.ambito.example.it"


def _runtime(base: Path, **settings: Any) -> Runtime:
    return open_runtime(demo_settings(base).model_copy(update=settings))


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = _runtime(tmp_path)
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        yield test_client


def _assert_secured(response: httpx.Response, *, personal: bool) -> None:
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert "camera=()" in response.headers["permissions-policy"]
    assert response.headers["content-security-policy"].startswith(API_CSP)
    if personal:
        assert response.headers["cache-control"] == "no-store", response.request.url
    assert "strict-transport-security" not in response.headers  # not over HTTPS by default
    assert "access-control-allow-origin" not in response.headers


def test_every_kind_of_answer_carries_the_security_headers(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    operatore = bearer(token(client, "operatore"))
    inps = client.post(
        "/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": "inps", "client_secret": "demo"},
    )
    assert inps.status_code == 200
    created = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=operatore)
    assert created.status_code == 201
    domanda = f"/api/intake/domande/{created.json()['id']}"
    read = client.get(domanda, headers=operatore)
    assert read.status_code == 200
    _assert_secured(read, personal=True)
    _assert_secured(created, personal=True)
    waas = client.get(
        "/waas/v1/status", headers=bearer(inps.json()["access_token"]), params={"since": "0"}
    )
    assert waas.status_code == 200, waas.text
    _assert_secured(waas, personal=True)
    _assert_secured(inps, personal=True)  # the token answer: never cached

    errors = {
        401: client.get(domanda),
        403: client.get(domanda, headers=bearer(inps.json()["access_token"])),
        404: client.get(
            f"/api/intake/domande/{'0' * 8}-0000-0000-0000-{'0' * 12}", headers=operatore
        ),
        405: client.delete("/healthz"),
        413: client.post("/api/intake/domande", content=b"x" * (65 * 1024), headers=operatore),
        422: client.post("/api/intake/domande", json={"comune": "E094"}, headers=operatore),
    }
    for status, response in errors.items():
        assert response.status_code == status, (status, response.text)
        _assert_secured(response, personal=status != 405)
    unknown = client.get("/nulla")
    assert unknown.status_code == 404
    _assert_secured(unknown, personal=False)

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(runtime.intake, "registra_lettura", broken)
    failed = client.get(domanda, headers=operatore)
    assert failed.status_code == 500
    assert failed.json() == {"detail": "errore interno: riprova più tardi"}
    assert "Maria" not in failed.text
    _assert_secured(failed, personal=True)

    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_secured(response, personal=False)
        assert "cache-control" not in response.headers  # nothing personal: cache as you like


def _inline_script_hashes(html: str) -> set[str]:
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    }


def test_the_docs_pages_may_run_exactly_their_own_scripts(client: TestClient) -> None:
    for path, bundle in (
        ("/docs", "swagger-ui-dist"),
        ("/redoc", "redoc"),
        ("/docs/oauth2-redirect", None),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        for name, value in ALWAYS.items():
            assert response.headers[name] == value
        policy = response.headers["content-security-policy"]
        directives = dict(
            [*part.split(" ", 1), ""][:2] for part in (d.strip() for d in policy.split(";"))
        )
        assert directives["default-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["connect-src"] == "'self'"  # the schema, from this origin only
        scripts = set(directives["script-src"].split())
        inline = _inline_script_hashes(response.text)
        assert inline <= scripts, path  # the page's own inline scripts, by hash
        assert "'unsafe-inline'" not in scripts
        assert "'unsafe-eval'" not in scripts
        if bundle is not None:
            source = re.search(
                rf'src="(https://cdn\.jsdelivr\.net/npm/{bundle}[^"]*)"', response.text
            )
            assert source is not None, path
            assert "https://cdn.jsdelivr.net" in scripts
        if path == "/docs":
            assert inline  # Swagger UI starts from an inline script: it must be allowed


def test_hsts_only_when_the_district_is_served_over_https(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, https=True)
    try:
        with TestClient(create_app(runtime)) as client:
            for response in (client.get("/healthz"), client.get("/api/intake/domande")):
                assert response.headers["strict-transport-security"].startswith("max-age=")
                assert "includeSubDomains" in response.headers["strict-transport-security"]
    finally:
        runtime.close()


def _preflight(client: TestClient, origin: str) -> httpx.Response:
    response: httpx.Response = client.options(
        "/api/intake/domande",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    return response


def test_cors_is_closed_by_default(client: TestClient) -> None:
    operatore = bearer(token(client, "operatore"))
    for origin in (PORTALE, "http://localhost:3000", "null"):
        refused = _preflight(client, origin)
        assert refused.status_code == 403
        assert refused.json() == {"detail": "origine non consentita"}
        assert "access-control-allow-origin" not in refused.headers
        assert "access-control-allow-methods" not in refused.headers
        _assert_secured(refused, personal=True)
        read = client.get("/api/intake/istanze", headers={**operatore, "Origin": origin})
        assert read.status_code == 200
        assert "access-control-allow-origin" not in read.headers


def test_cors_opens_to_the_listed_origins_only_and_without_credentials(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, cors_origins=(PORTALE,))
    try:
        with TestClient(create_app(runtime)) as client:
            operatore = bearer(token(client, "operatore"))
            allowed = _preflight(client, PORTALE)
            assert allowed.status_code == 200
            assert allowed.headers["access-control-allow-origin"] == PORTALE
            assert "POST" in allowed.headers["access-control-allow-methods"]
            assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
            assert "access-control-allow-credentials" not in allowed.headers
            read = client.get("/api/intake/istanze", headers={**operatore, "Origin": PORTALE})
            assert read.status_code == 200
            assert read.headers["access-control-allow-origin"] == PORTALE
            assert "access-control-allow-credentials" not in read.headers
            assert "x-correlation-id" in read.headers["access-control-expose-headers"].lower()
            _assert_secured_but_cors(read)

            other = "https://altro.example.it"
            refused = _preflight(client, other)
            assert refused.status_code == 403
            assert "access-control-allow-origin" not in refused.headers
            elsewhere = client.get("/api/intake/istanze", headers={**operatore, "Origin": other})
            assert "access-control-allow-origin" not in elsewhere.headers
    finally:
        runtime.close()


def _assert_secured_but_cors(response: httpx.Response) -> None:
    for name, value in ALWAYS.items():
        assert response.headers[name] == value
    assert response.headers["cache-control"] == "no-store"


def test_a_wildcard_or_a_path_is_no_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from shared.settings import Settings

    for value in ("*", "https://portale.example.it/app", "portale.example.it"):
        monkeypatch.setenv("AMBITO_CORS_ORIGINS", value)
        with pytest.raises(ValidationError, match="AMBITO_CORS_ORIGINS"):
            Settings()
    monkeypatch.setenv("AMBITO_CORS_ORIGINS", f"{PORTALE}, http://localhost:3000")
    assert Settings().cors_origins == (PORTALE, "http://localhost:3000")
