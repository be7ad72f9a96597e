"""Acceptance 5 of issue 10, embedded part: ``ambito serve --demo`` logging at DEBUG, every GET
endpoint called as every demo user and as the ``inps`` client on real ids, failing requests
that carry demo persons' codici fiscali, and the end-to-end flows writing through every
service (the request's acts, the case's every act, the observatory, INPS); then neither the
server's output, nor ``/metrics``, nor any error body holds a demo person's name, surname or
codice fiscale.

(Kafka payloads are district mode's: the district end-to-end test scans them.)
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.identity.demo import DEMO_CLIENTS, DEMO_LOGINS
from shared.settings import Settings
from tests.support.casework_flow import run_casework_flow
from tests.support.demo_district import copy_demo_district
from tests.support.intake_flow import new_resource, run_intake_flow
from tests.support.personal_data import demo_persons as _persons
from tests.support.personal_data import leaks as _leaks
from tests.support.personal_data import secrets as _secrets
from tests.support.postgres import free_port
from tests.support.reporting_flow import observatory_figures, run_reporting_flow
from tests.support.runtime import CONTRACT_BODY, ServerProcess, bearer
from tests.support.siuss_flow import run_siuss_flow

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first

DEBUG_ENTRY = (
    "import sys, functools, shared.observability as o; "
    "o.configure_logging = functools.partial(o.configure_logging, 'DEBUG'); "
    "from services.cli import main; sys.argv[0] = 'ambito'; main()"
)

"""``ambito`` as its console script runs it, with every logger at DEBUG (there is no setting
for the level: the test raises it where the server configures its logs)."""


class DebugServer(ServerProcess):
    def command(self, *arguments: str) -> list[str]:
        return [sys.executable, "-c", DEBUG_ENTRY, *super().command(*arguments)[3:]]


def _token(client: httpx.Client, **form: str) -> dict[str, str]:
    response = client.post("/api/auth/token", data=form)
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


def _wait_for_lists(client: httpx.Client, headers: dict[str, str]) -> dict[str, str]:
    """Real values for path and required query parameters, each read once its read model
    holds its ledger's head (the demo's history included)."""
    lists = {
        "caso_id": ("/api/casework/casi", "id"),
        "domanda_id": ("/api/intake/istanze", "domanda_id"),
        "risorsa_id": ("/api/network/risorse", "id"),
        "collaborazione_id": ("/api/network/collaborazioni", "id"),
        "incontro_id": ("/api/network/incontri", "id"),
        "controllo_id": ("/api/network/controlli", "id"),
        "sportello_id": ("/api/intake/sportelli", "id"),
    }
    ids: dict[str, str] = {}
    for name, (path, key) in lists.items():
        service = path.split("/")[2]
        head = client.get(f"/api/{service}/stato", headers=headers).json()["posizione"]
        deadline = time.monotonic() + 120
        while True:  # each try waits up to 5 s for the position in the server
            response = client.get(path, params={"attendi_posizione": head}, headers=headers)
            if response.status_code != 503:
                break
            assert time.monotonic() < deadline, f"{path} never reached {service}'s {head}"
        assert response.status_code == 200, (path, response.status_code)
        items = response.json()["items"]
        assert items, f"{path} lists nothing"
        ids[name] = str(items[0][key])
    return ids


def _get_every_endpoint(
    client: httpx.Client, callers: dict[str, dict[str, str]], ids: dict[str, str]
) -> list[httpx.Response]:
    schema = client.get("/openapi.json").json()
    year = time.gmtime().tm_year
    tables = client.get(
        "/api/reporting/osservatorio/tabelle",
        params={"anno": year},
        headers=callers["ufficio.piano"],
    ).json()["items"]
    assert tables
    responses = []
    operations = {p: ops["get"] for p, ops in schema["paths"].items() if "get" in ops}
    assert len(operations) > 30
    assert any(p.startswith("/waas/v1/") for p in operations)
    for template, operation in operations.items():
        variants = [template]
        if "{tabella}" in template:
            variants = [template.replace("{tabella}", t["nome"]) for t in tables]
        query = {
            p["name"]: ids.get(p["name"], "0")
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        if template.startswith("/waas/v1/flussi"):
            query["since"] = "0"
        for path in variants:
            for name in re.findall(r"\{(\w+)\}", path):
                assert name in ids, (template, name)  # a new one: give it a real value
                path = path.replace(f"{{{name}}}", ids[name])
            for headers in callers.values():
                response = client.get(path, params=query, headers=headers)
                assert response.status_code < 500, (path, response.text)
                responses.append(response)
    return responses


def _failing_posts(
    client: httpx.Client, callers: dict[str, dict[str, str]], persons: list[dict[str, str]]
) -> list[httpx.Response]:
    """Requests that carry a demo person's data and must fail without echoing it."""
    person = persons[0]
    codice = person["codice_fiscale"]
    persona: dict[str, Any] = dict(CONTRACT_BODY["persona"])  # type: ignore[call-overload]
    named = {**persona, "nome": person["nome"], "cognome": person["cognome"]}
    operatore, coordinatore = callers["operatore"], callers["coordinatore"]
    attempts = [
        # a wrong date beside a real person's identity
        (
            "/api/intake/domande",
            operatore,
            {
                **CONTRACT_BODY,
                "persona": {**named, "codice_fiscale": codice, "data_nascita": "ieri"},
            },
        ),
        # the codice fiscale where a comune code goes, and as an unexpected key
        ("/api/intake/domande", operatore, {**CONTRACT_BODY, "comune": codice}),
        ("/api/intake/domande", operatore, {**CONTRACT_BODY, codice: person["cognome"]}),
        # a codice fiscale that does not match the person's name and birth date
        (
            "/api/intake/domande",
            operatore,
            {
                **CONTRACT_BODY,
                "persona": {
                    **named,
                    "codice_fiscale": codice[:-1] + ("A" if codice[-1] != "A" else "B"),
                },
            },
        ),
        # another service, someone else's case
        (
            "/api/casework/casi",
            coordinatore,
            {"persona": {"codice_fiscale": codice}, "nome": person["nome"]},
        ),
    ]
    responses = []
    for path, headers, body in attempts:
        response = client.post(path, json=body, headers=headers)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
        responses.append(response)
    # not JSON at all, with the person's data in it
    broken = client.post(
        "/api/intake/domande",
        content=f'{{"persona": {{"codice_fiscale": "{codice}", "cognome": "{person["cognome"]}"',
        headers={**operatore, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    responses.append(broken)
    # a codice fiscale where an id goes, a name as a login, a codice fiscale as a client
    responses.append(client.get(f"/api/intake/domande/{codice}", headers=operatore))
    assert responses[-1].status_code in (404, 422)
    login = client.post(
        "/api/auth/token",
        data={"grant_type": "password", "username": person["cognome"], "password": codice},
    )
    assert login.status_code == 400
    responses.append(login)
    responses.append(
        client.post(
            "/api/auth/token",
            data={"grant_type": "client_credentials", "client_id": codice, "client_secret": "x"},
        )
    )
    assert responses[-1].status_code == 401
    return responses


def _write_through_every_service(base_url: str, callers: dict[str, dict[str, str]]) -> None:
    """The end-to-end flows on this server: a request through the Segretariato's acts, its
    case from hand-over to closure through every act of the record, the observatory's reads
    and INPS's flows and outcomes; so that what writes log is scanned too."""

    def url(_: str) -> str:
        return base_url

    def headers(_: str, username: str) -> dict[str, str]:
        return callers[username]

    resource = new_resource(base_url, headers("network", "ufficio.piano"))
    before = observatory_figures(url, headers)
    outcome = run_intake_flow(url, headers, resource)
    case = run_casework_flow(url, headers, outcome.domanda_id, resource)
    run_reporting_flow(url, headers, case, before)
    run_siuss_flow(url, headers, case)


def test_no_demo_person_in_the_logs_the_metrics_or_the_errors(
    tmp_path: Path, demo_district_template: Path
) -> None:
    copy_demo_district(demo_district_template, tmp_path)  # the run's demo, as served
    process = DebugServer(tmp_path, free_port())
    try:
        process.start(demo=True)
        settings = Settings(data_dir=tmp_path / "data", key_dir=tmp_path / "keys")
        persons = _persons(settings)
        assert len(persons) > 30  # the demo's people: the scan has something to find
        secrets = _secrets(persons)
        with httpx.Client(base_url=process.url, timeout=30) as client:
            callers = {
                username: _token(
                    client, grant_type="password", username=username, password=password
                )
                for username, password, _role in DEMO_LOGINS
            }
            for client_id, secret, _scopes in DEMO_CLIENTS:
                callers[client_id] = _token(
                    client,
                    grant_type="client_credentials",
                    client_id=client_id,
                    client_secret=secret,
                )
            assert "inps" in callers
            ids = _wait_for_lists(client, callers["coordinatore"])
            caso = client.get(
                f"/api/casework/casi/{ids['caso_id']}", headers=callers["coordinatore"]
            )
            assert caso.status_code == 200
            assert _leaks(caso.text, secrets)  # personal data was served: the scan can see it

            responses = _get_every_endpoint(client, callers, ids)
            assert sum(r.status_code == 200 for r in responses) > 100
            errors = [r for r in responses if r.status_code >= 400]
            errors += _failing_posts(client, callers, persons)
            for response in errors:
                leaked = _leaks(response.text, secrets)
                assert not leaked, (response.request.url.path, response.status_code, leaked[:3])
            _write_through_every_service(process.url, callers)
            metrics = client.get("/metrics").text
    finally:
        process.stop()
    assert "ambito_http_request_duration_seconds" in metrics
    assert not _leaks(metrics, secrets)
    # the flows recorded a person of their own: scan for them too
    secrets = _secrets(_persons(settings))
    log = (tmp_path / process.log_name).read_text()
    assert '"level": "debug"' in log  # DEBUG was on: the scan read everything logged
    leaked = _leaks(log, secrets)
    assert not leaked, [line for line in log.splitlines() if _leaks(line, set(leaked[:3]))][:5]
