"""The reporting issue's acceptance on a whole generated district (``ambito demo``: network,
a month of intake at three desks, the hand-overs, casework in every stage):

- every projection of the runtime, rebuilt from zero, equals its incremental state row for
  row (acceptance 3);
- the Ufficio di Piano never sees a person, in any response of any service (acceptance 4).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import MetaData, select

from services.cli import main
from services.runtime import Runtime, create_app, open_runtime, projections, rebuild_projections
from shared.events.envelope import LedgerEvent
from shared.projections.runner import ProjectionRunner
from shared.settings import SERVICES
from tests.support.demo_district import copy_demo_district
from tests.support.runtime import bearer, token

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first


def _catch_up(runtime: Runtime, batch: int = ProjectionRunner.BATCH) -> None:
    """Every read model caught up, in batches of ``batch`` events (the incremental state is
    then reached through other batch boundaries than a rebuild's)."""
    for feed in runtime.feeds:
        if isinstance(feed, ProjectionRunner):
            feed.BATCH = batch
            feed.catch_up()
            del feed.BATCH


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, demo_district_template: Path
) -> Iterator[Runtime]:
    """A fresh demo district, its ledgers verified once (so that the verification read model
    has rows too), its read models caught up."""
    settings = copy_demo_district(demo_district_template, tmp_path_factory.mktemp("demo"))
    env = {"AMBITO_DATA_DIR": str(settings.data_dir), "AMBITO_KEY_DIR": str(settings.key_dir)}
    verified = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert verified.exit_code == 0, verified.output
    runtime = open_runtime(settings)
    _catch_up(runtime, batch=7)
    # a few reads of case files and requests, so that the access log has rows too
    client = TestClient(create_app(runtime))  # no lifespan: nothing runs in the background
    coordinatore = bearer(token(client, "coordinatore"))
    for caso in client.get("/api/casework/casi", headers=coordinatore).json()["items"][:3]:
        assert client.get(f"/api/casework/casi/{caso['id']}", headers=coordinatore).is_success
        assert client.get(f"/api/reporting/casi/{caso['id']}", headers=coordinatore).is_success
    # one person erased, so that the erasures' read model has a row too (decision 0029)
    erased = client.get("/api/casework/casi", headers=coordinatore).json()["items"][-1]
    oblio = CliRunner().invoke(
        main,
        [
            *("persone", "oblio", erased["persona_id"], "--motivo", "RICHIESTA_INTERESSATO"),
            *("--protocollo", "1/2025", "--base-giuridica", "GDPR_17", "--as", "dpo"),
        ],
        env={**env, "AMBITO_AS_PASSWORD": "demo"},
    )
    assert oblio.exit_code == 0, oblio.output
    _catch_up(runtime)
    yield runtime
    runtime.close()


def _plain(value: Any) -> Any:
    """A value as both SQLite and a rebuild give it back (SQLite keeps no time zone)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, dict | list):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _tables(runtime: Runtime, metadata: MetaData) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    with runtime.views.reader.connect() as connection:
        for table in metadata.sorted_tables:
            rows = [tuple(_plain(v) for v in row) for row in connection.execute(select(table))]
            found[table.name] = sorted(rows, key=repr)
    return found


def test_every_projection_rebuilt_from_zero_equals_its_incremental_state(demo: Runtime) -> None:
    every = projections()
    incremental = {p.name: _tables(demo, p.metadata) for p in every}
    for name, tables in incremental.items():
        assert any(tables.values()), f"{name} holds nothing: the comparison would prove nothing"

    rebuilt_names = rebuild_projections(demo.settings)

    assert sorted(rebuilt_names) == sorted(p.name for p in every)
    for projection in every:
        rebuilt = _tables(demo, projection.metadata)
        assert rebuilt == incremental[projection.name], projection.name


# -- the Ufficio di Piano never sees a person ------------------------------------------------


def _personal_values(runtime: Runtime) -> set[str]:
    """What identifies a person in the district's events: pseudonyms, codici fiscali, full
    names (both orders), birth dates, phone numbers and e-mail addresses, read back
    decrypted from every ledger."""
    found: set[str] = set()

    def walk(value: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(value, dict):
            for key, item in value.items():
                yield key, item
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for service in SERVICES:
        ledger = runtime.district.ledger(service)
        for notification in ledger.recorder.select_notifications(1, 1_000_000):
            event = ledger.mapper.to_domain_event(notification)
            assert isinstance(event, LedgerEvent)
            data = event.model_dump(mode="json")
            for key, value in walk(data):
                if key in ("persona_id", "codice_fiscale") and isinstance(value, str):
                    found.add(value)
                if (isinstance(value, dict) and "cognome" in value) or key == "residenza":
                    # a person's (or their residence's) contacts, not an organisation's
                    contacts = value if isinstance(value, dict) else {}
                    # (a street and number alone is no person's: resources have them too)
                    for field in ("telefono", "email"):
                        if isinstance(contacts.get(field), str):
                            found.add(contacts[field])
                if key == "data_nascita" and isinstance(value, str) and value < "2020":
                    found.add(value)  # later dates could be any event's date
                if isinstance(value, dict) and isinstance(value.get("nome"), str):
                    cognome = value.get("cognome")
                    if isinstance(cognome, str):
                        found.add(f"{value['nome']} {cognome}")
                        found.add(f"{cognome} {value['nome']}")
    return found


def _ids(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """Real values for the paths' parameters and the required query parameters (as the
    coordinator finds them): every endpoint is exercised on a record that exists."""

    def first(path: str, key: str = "id") -> str:
        items = client.get(path, headers=headers).json()["items"]
        assert items, path
        return str(items[0][key])

    return {
        "caso_id": first("/api/casework/casi"),
        "domanda_id": first("/api/intake/istanze", "domanda_id"),
        "risorsa_id": first("/api/network/risorse"),
        "collaborazione_id": first("/api/network/collaborazioni"),
        "incontro_id": first("/api/network/incontri"),
        "controllo_id": first("/api/network/controlli"),
        "sportello_id": first("/api/intake/sportelli"),
    }


def _text(response: Any) -> str:
    if response.headers.get("content-type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ):
        workbook = load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if response.headers.get("content-type", "").startswith("application/pdf"):
        return str(response.content.decode("latin-1"))
    return str(response.text)


def test_the_ufficio_di_piano_never_sees_a_person_in_any_response(demo: Runtime) -> None:
    secrets = _personal_values(demo)
    assert len(secrets) > 100  # the demo's people: the check has something to find
    client = TestClient(create_app(demo))  # no lifespan: the read models are caught up
    coordinatore = bearer(token(client, "coordinatore"))
    planner = bearer(token(client, "ufficio.piano"))
    ids = _ids(client, coordinatore)
    tables = client.get(
        "/api/reporting/osservatorio/tabelle",
        params={"anno": date.today().year},
        headers=planner,
    ).json()["items"]
    assert tables

    operations = {
        p: ops["get"]
        for p, ops in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        if "get" in ops
    }
    assert len(operations) > 30
    served = 0
    for template, operation in operations.items():
        names = re.findall(r"\{(\w+)\}", template)
        variants = [template]
        if "tabella" in names:
            variants = [template.replace("{tabella}", t["nome"]) for t in tables]
        required = [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        ]
        assert set(required) <= set(ids), (template, required)  # a new one: give it a value
        for path in variants:
            for name in re.findall(r"\{(\w+)\}", path):
                assert name in ids, (template, name)  # a new one: give it a real value
                path = path.replace(f"{{{name}}}", ids[name])
            params: dict[str, Any] = {name: ids[name] for name in required}
            if "/osservatorio" in path:  # this year's release and last year's
                params["anno"] = date.today().year - 1
                last_year = client.get(path, headers=planner, params=params)
                assert last_year.status_code < 500, (path, last_year.text)
                assert not [s for s in secrets if s in _text(last_year)], path
                del params["anno"]
            response = client.get(path, headers=planner, params=params)
            assert response.status_code < 500, (path, response.text)
            text = _text(response)
            leaked = [s for s in secrets if s in text]
            assert not leaked, (path, leaked[:3])
            served += response.status_code == 200
    assert served >= 10  # what the Ufficio di Piano may read was read, and checked
