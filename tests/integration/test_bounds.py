"""Issue 17: every integer a client may send in a query has a documented range, and a value
outside it is a 422 naming the parameter, never a 500 from the database driver
(``offset=9223372036854775808`` was one on eleven list endpoints); and an error's field is
named as sent (``registro``, once ``r.e.g.i.s.t.r.o``).

The endpoints are enumerated from the served OpenAPI document, so that a list added later
is covered without touching this test. No demo data is needed: ranges are checked before
anything is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.runtime import create_app, open_runtime
from shared.web.paging import MAX_OFFSET, MAX_POSIZIONE
from tests.support.runtime import bearer, demo_settings, token

FUORI_INT64 = 2**63
"""``9223372036854775808``: one more than any 64-bit integer column holds."""
UTENTI = (
    "coordinatore",
    "operatore",
    "as.anziani",
    "educatore",
    "ufficio.piano",
    "admin",
    "dpo",
)
"""Tried in turn until one is admitted by the endpoint's role gate (whose 403 comes before
any parameter is read)."""
ID_DI_ESEMPIO = "00000000-0000-4000-8000-000000000000"


@dataclass
class Servito:
    app: FastAPI
    client: TestClient
    headers: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def servito(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servito]:
    runtime = open_runtime(demo_settings(Path(tmp_path_factory.mktemp("limiti"))))
    app = create_app(runtime)
    try:
        with TestClient(app) as client:
            headers = {utente: bearer(token(client, utente)) for utente in UTENTI}
            inps = client.post(
                "/api/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "inps",
                    "client_secret": "demo",
                },
            )
            headers["inps"] = bearer(inps.json()["access_token"])
            yield Servito(app, client, headers)
    finally:
        runtime.close()


def _interi(operazione: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The operation's integer query parameters, with their schema (the integer branch of
    an optional one)."""
    found = []
    for parametro in operazione.get("parameters", []):
        if parametro["in"] != "query":
            continue
        schema = parametro.get("schema", {})
        for ramo in [schema, *schema.get("anyOf", [])]:
            if ramo.get("type") == "integer":
                found.append((parametro["name"], ramo | {"description": schema.get("description")}))
    return found


def _parametri_interi(app: FastAPI) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (metodo.upper(), path, nome, schema)
        for path, operazioni in app.openapi()["paths"].items()
        for metodo, operazione in operazioni.items()
        for nome, schema in _interi(operazione)
    ]


def _url(path: str) -> str:
    return path.replace("{tabella}", "utenti_comune_area").format_map(_Ids())


class _Ids(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ID_DI_ESEMPIO


def _obbligatori(s: Servito, path: str) -> dict[str, str]:
    """A value for each required query parameter (a desk's id for a queue), so that the
    only error left is the one under test."""
    operazione = s.app.openapi()["paths"][path]["get"]
    valori = {}
    for parametro in operazione.get("parameters", []):
        if parametro["in"] == "query" and parametro.get("required"):
            assert parametro["schema"].get("format") == "uuid", (path, parametro)
            valori[parametro["name"]] = ID_DI_ESEMPIO
    return valori


def _risposta(s: Servito, path: str, params: dict[str, Any]) -> Any:
    """The answer of the first user the role gate admits."""
    params = _obbligatori(s, path) | params
    for headers in s.headers.values():
        response = s.client.get(_url(path), params=params, headers=headers)
        if response.status_code != 403:
            return response
    raise AssertionError(f"nessun utente ammesso a {path}")


def test_every_integer_parameter_documents_its_range(servito: Servito) -> None:
    parametri = _parametri_interi(servito.app)
    nomi = {nome for _, _, nome, _ in parametri}
    assert {"offset", "limit", "attendi_posizione"} <= nomi
    for metodo, path, nome, schema in parametri:
        assert "minimum" in schema, (metodo, path, nome, schema)
        assert "maximum" in schema, (metodo, path, nome, schema)
        assert schema["maximum"] <= MAX_POSIZIONE, (metodo, path, nome)
        assert schema.get("description"), (metodo, path, nome)
    for _, path, nome, schema in parametri:
        if nome == "offset":
            assert schema["maximum"] == MAX_OFFSET, path
        if nome == "attendi_posizione":
            assert schema["maximum"] == MAX_POSIZIONE, path


def _campi(response: Any) -> list[str]:
    return [errore["campo"] for errore in response.json()["errori"]]


def test_out_of_range_integers_are_422_naming_the_parameter(servito: Servito) -> None:
    provati: set[tuple[str, str]] = set()
    for metodo, path, nome, schema in _parametri_interi(servito.app):
        if metodo != "GET":
            continue
        for valore in (FUORI_INT64, schema["maximum"] + 1, schema["minimum"] - 1):
            response = _risposta(servito, path, {nome: valore})
            assert response.status_code == 422, (path, nome, valore, response.text)
            assert _campi(response) == [f"query.{nome}"], (path, nome, response.text)
            assert str(valore) not in response.text
        provati.add((path, nome))
    liste = {path for path, nome in provati if nome == "offset"}
    assert len(liste) >= 11, liste
    assert ("/api/reporting/osservatorio/tabelle", "attendi_posizione") in provati


def test_the_largest_offset_allowed_answers_an_empty_page(servito: Servito) -> None:
    for path, operazioni in servito.app.openapi()["paths"].items():
        if "get" not in operazioni or "offset" not in {n for n, _ in _interi(operazioni["get"])}:
            continue
        response = _risposta(servito, path, {"offset": MAX_OFFSET, "limit": 200})
        assert response.status_code in (200, 404), (path, response.text)  # 404: the id
        if response.status_code == 200:
            assert response.json()["items"] == [], path
            assert response.json()["next"] is None, path


def test_a_missing_ledger_is_named_as_the_parameter_it_is(servito: Servito) -> None:
    """``attendi_posizione`` without ``registro``: the error names ``query.registro``."""
    for path in ("/api/reporting/osservatorio/tabelle", "/api/reporting/osservatorio"):
        response = _risposta(servito, path, {"attendi_posizione": 1})
        assert response.status_code == 422, response.text
        assert _campi(response) == ["query.registro"], response.text


def test_inps_paging_out_of_range_is_its_api_s_400_never_a_500(servito: Servito) -> None:
    """INPS's ``/waas/v1/flussi`` parses ``since`` and ``limit`` as its specification says
    (problem+json 400); a huge ``since`` is simply later than every flow."""
    inps = servito.headers["inps"]
    oltre = servito.client.get("/waas/v1/flussi", params={"since": FUORI_INT64}, headers=inps)
    assert oltre.status_code == 200, oltre.text
    assert oltre.json() == {"elenco_flussi": []}
    for params in ({"since": 0, "limit": FUORI_INT64}, {"since": -1}, {"since": 10**30}):
        response = servito.client.get("/waas/v1/flussi", params=params, headers=inps)
        assert response.status_code == 400, (params, response.text)
