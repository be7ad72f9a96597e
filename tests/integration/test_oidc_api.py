"""Issue 10, acceptance 4, over HTTP: a real runtime on the demo district accepts the bearer
tokens of a district OpenID Connect provider (locally generated keys), its JWKS read from a
file and, in a second runtime, from a URL served by a small HTTP server in this process.

A valid provider token acts with the role and comuni of its claims (an operatore registers
and reads the requests of its comune, is refused another comune's and every case file; an
amministratore manages desks and reads no case); expired, wrongly signed, wrong-audience,
unknown-issuer, ``alg: none`` and HS256 tokens get 401; a user disabled in the identity store
gets 401 whatever the provider says; Ambito's own tokens keep working beside the provider's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.runtime import create_app, open_runtime
from shared.settings import Settings
from tests.support.oidc import AUDIENCE, ISSUER, Provider, new_key
from tests.support.runtime import CONTRACT_BODY, bearer, demo_settings, token

INTAKE = "/api/intake"
CASEWORK = "/api/casework"


@dataclass
class World:
    client: TestClient
    provider: Provider
    settings: Settings
    jwks_requests: list[str]

    def oidc(self, username: str = "mario.operatore", **claims: Any) -> dict[str, str]:
        return bearer(self.provider.sign(self.provider.claims(username, **claims)))


class _JwksServer(ThreadingHTTPServer):
    document: bytes
    requests: list[str]


class _JwksHandler(BaseHTTPRequestHandler):
    server: _JwksServer

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path != "/realms/ambito/protocol/openid-connect/certs":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.document)))
        self.end_headers()
        self.wfile.write(self.server.document)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module", params=["file", "url"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    base = tmp_path_factory.mktemp(f"oidc-{request.param}")
    provider = Provider()
    demo_settings(base)  # keys and demo identities
    requests: list[str] = []
    server: _JwksServer | None = None
    if request.param == "file":
        source: dict[str, Any] = {"oidc_jwks_file": provider.write_jwks(base / "jwks.json")}
    else:
        server = _JwksServer(("127.0.0.1", 0), _JwksHandler)
        server.document = json.dumps(provider.jwks()).encode()
        server.requests = requests
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        source = {
            "oidc_jwks_url": f"http://127.0.0.1:{port}/realms/ambito/protocol/openid-connect/certs"
        }
    settings = Settings(
        data_dir=base / "data",
        key_dir=base / "keys",
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        **source,
    )
    runtime = open_runtime(settings)
    try:
        with TestClient(create_app(runtime)) as client:
            yield World(client, provider, settings, requests)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


def _register(world: World, headers: dict[str, str], comune: str) -> str:
    response = world.client.post(
        f"{INTAKE}/domande", json={**CONTRACT_BODY, "comune": comune}, headers=headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_an_operatore_from_the_provider_works_on_the_requests_of_its_comune(world: World) -> None:
    operatore = world.oidc("mario.operatore", ambito_comuni=["E094"])
    domanda = _register(world, operatore, "E094")

    read = world.client.get(f"{INTAKE}/domande/{domanda}", headers=operatore)
    assert read.status_code == 200, read.text
    assert read.json()["comune"] == "E094"
    assert read.json()["persona"]["cognome"] == CONTRACT_BODY["persona"]["cognome"]  # type: ignore[index]

    history = world.client.get(f"{INTAKE}/domande/{domanda}/storia", headers=operatore)
    assert history.status_code == 200, history.text
    assert "mario.operatore" in history.text  # the provider's user is the events' actor

    if world.jwks_requests:  # from a URL: fetched, then served from PyJWT's cache
        assert set(world.jwks_requests) == {"/realms/ambito/protocol/openid-connect/certs"}


def test_the_claims_bound_what_the_provider_user_may_do(world: World) -> None:
    gorgonzola = _register(world, world.oidc("op.gorgonzola", ambito_comuni=["E094"]), "E094")
    bussero = world.oidc("op.bussero.idp", ambito_comuni=["B292"])

    outside = world.client.get(f"{INTAKE}/domande/{gorgonzola}", headers=bussero)
    assert outside.status_code == 404, outside.text  # out of scope: it does not exist for them
    assert CONTRACT_BODY["persona"]["cognome"] not in outside.text  # type: ignore[index]
    refused = world.client.post(
        f"{INTAKE}/domande", json={**CONTRACT_BODY, "comune": "E094"}, headers=bussero
    )
    assert refused.status_code == 403, refused.text
    assert world.client.get(f"{CASEWORK}/casi", headers=bussero).status_code == 403

    admin = world.oidc("admin.idp", ambito_ruolo="amministratore", ambito_comuni=None)
    desk = world.client.post(
        f"{INTAKE}/sportelli", json={"comune": "E094", "nome": "Sportello IdP"}, headers=admin
    )
    assert desk.status_code == 201, desk.text
    assert world.client.get(f"{CASEWORK}/casi", headers=admin).status_code == 403
    assert (
        world.client.post(
            f"{INTAKE}/domande", json={**CONTRACT_BODY, "comune": "E094"}, headers=admin
        ).status_code
        == 403
    )


def test_refused_provider_tokens_get_401(world: World) -> None:
    provider = world.provider
    now = int(time.time())
    alg_key = provider.keys["key-rs256"]
    refused = {
        "expired": provider.sign(provider.claims(exp=now - 120, iat=now - 900, nbf=now - 900)),
        "not yet valid": provider.sign(provider.claims(nbf=now + 900)),
        "wrongly signed": provider.sign_with(
            provider.claims(), new_key("RS256"), "key-rs256", alg_key[1]
        ),
        "wrong audience": provider.sign(provider.claims(aud="account")),
        "unknown issuer": provider.sign(provider.claims(iss="https://idp.example/realms/altro")),
        "alg none": provider.unsigned(provider.claims()),
        "HS256 with the public key": provider.hs256_with_public_key(provider.claims()),
        "without exp": provider.sign(provider.claims(exp=None)),
        "unknown role": provider.sign(provider.claims(ambito_ruolo="superuser")),
        "integration client": provider.sign(provider.claims(ambito_ruolo="client")),
        "comune outside the district": provider.sign(provider.claims(ambito_comuni=["F205"])),
        "the issuer posing as Ambito": provider.sign(provider.claims(iss="ambito")),
    }
    for kind, value in refused.items():
        response = world.client.get(f"{INTAKE}/sportelli", headers=bearer(value))
        assert response.status_code == 401, kind
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    valid = world.client.get(f"{INTAKE}/sportelli", headers=world.oidc())
    assert valid.status_code == 200, valid.text


def test_a_user_disabled_in_the_identity_store_is_refused(world: World) -> None:
    """``operatore`` is a local demo account too: the provider says who, the district may
    still say no."""
    as_provider = world.oidc("operatore", ambito_comuni=["E094"])
    assert world.client.get(f"{INTAKE}/sportelli", headers=as_provider).status_code == 200
    identity = world.client.app.state.runtime.identity  # type: ignore[attr-defined]
    identity.set_user_active("operatore", False, actor="test")
    try:
        response = world.client.get(f"{INTAKE}/sportelli", headers=as_provider)
        assert response.status_code == 401
        # an account the store does not know is the provider's business alone
        assert world.client.get(f"{INTAKE}/sportelli", headers=world.oidc()).status_code == 200
    finally:
        identity.set_user_active("operatore", True, actor="test")
    assert world.client.get(f"{INTAKE}/sportelli", headers=as_provider).status_code == 200


def test_ambito_own_tokens_work_beside_the_provider(world: World) -> None:
    local = bearer(token(world.client, "operatore"))
    assert world.client.get(f"{INTAKE}/sportelli", headers=local).status_code == 200
    assert world.client.get(f"{CASEWORK}/casi", headers=local).status_code == 403


def test_without_a_provider_its_tokens_are_refused(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path)
    provider = Provider()
    runtime = open_runtime(settings)
    with TestClient(create_app(runtime)) as client:
        response = client.get(
            f"{INTAKE}/sportelli", headers=bearer(provider.sign(provider.claims()))
        )
        assert response.status_code == 401
        local = bearer(token(client, "operatore"))
        assert client.get(f"{INTAKE}/sportelli", headers=local).status_code == 200


def test_an_unreadable_key_set_stops_the_server_with_a_message_not_a_traceback(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from services.cli import main

    settings = demo_settings(tmp_path)
    jwks = tmp_path / "jwks.json"
    jwks.write_text("non è un insieme di chiavi")
    env = {
        "AMBITO_DATA_DIR": str(settings.data_dir),
        "AMBITO_KEY_DIR": str(settings.key_dir),
        "AMBITO_OIDC_ISSUER": ISSUER,
        "AMBITO_OIDC_AUDIENCE": AUDIENCE,
        "AMBITO_OIDC_JWKS_FILE": str(jwks),
    }
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1, result.output
    assert "OIDC" in result.output
    assert "Traceback" not in result.output
