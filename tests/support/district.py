"""A district as operators run it: one process per service, PostgreSQL, Kafka."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select

from services.reporting.projections import DomandePerComuneArea, domande_per_comune_area
from services.runtime import projections
from shared.db import create_engines
from shared.keys import init_key_directory, load_seal_key
from shared.ledger.recorder import LedgerRecorder
from shared.projections.runner import ProjectionRunner
from shared.settings import SERVICES
from tests.support.kafka import KAFKA_SCRIPT
from tests.support.postgres import create_database, free_port
from tests.support.runtime import TIMEOUT, ServerProcess, bearer

Rows = list[tuple[str, str, int]]


@dataclass
class District:
    base: Path
    environment: dict[str, str]
    ledger_url: str
    views_url: str
    processes: dict[str, ServerProcess] = field(default_factory=dict)

    def process(self, service: str) -> ServerProcess:
        if service not in self.processes:
            process = ServerProcess(self.base, free_port(), environment=self.environment)
            process.log_name = f"{service}.log"
            self.processes[service] = process
        return self.processes[service]

    def start(self, *services: str, extra_env: dict[str, str] | None = None) -> None:
        for service in services or SERVICES:
            self.process(service).start(service, demo=False, extra_env=extra_env)

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    def url(self, service: str) -> str:
        return self.process(service).url

    def token(self, service: str, username: str) -> dict[str, str]:
        response = httpx.post(
            f"{self.url(service)}/api/auth/token",
            data={"grant_type": "password", "username": username, "password": "demo"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return bearer(response.json()["access_token"])

    def intake_head(self) -> int:
        answer = httpx.get(
            f"{self.url('intake')}/api/intake/stato",
            headers=self.token("intake", "operatore"),
            timeout=TIMEOUT,
        )
        return int(answer.json()["posizione"])

    def projected(self, position: int, timeout: float = 60) -> Rows:
        """The reporting read model once it has applied the intake ledger up to ``position``."""
        coordinatore = self.token("reporting", "coordinatore")
        deadline = time.monotonic() + timeout
        while True:
            answer = httpx.get(
                f"{self.url('reporting')}/api/reporting/domande/conteggi",
                params={"attendi_posizione": position},
                headers=coordinatore,
                timeout=10,
            )
            if answer.status_code == 200:
                return sorted(
                    (item["comune"], item["area_utenza"], item["domande"])
                    for item in answer.json()["items"]
                )
            assert answer.status_code == 503, answer.text
            assert time.monotonic() < deadline, "the reporting projection did not catch up"

    def read_model(self) -> Rows:
        """The reporting read model as stored (every comune, unlike a coordinatore's view)."""
        views = create_engines(self.views_url)
        try:
            table = domande_per_comune_area
            with views.reader.connect() as connection:
                return sorted(
                    (r.comune, r.area_utenza, int(r.domande))
                    for r in connection.execute(select(table))
                )
        finally:
            views.dispose()

    def network_read_models(self) -> dict[str, list[tuple[str, ...]]]:
        """Every read model of the runtime (the directory, the map's facts, intake's
        registers, casework's cases, the observatory's), every row of every table."""
        views = create_engines(self.views_url)
        tables = [table for p in projections() for table in p.metadata.sorted_tables]
        try:
            with views.reader.connect() as connection:
                return {
                    table.name: sorted(
                        tuple(str(value) for value in row)
                        for row in connection.execute(select(table))
                    )
                    for table in tables
                }
        finally:
            views.dispose()

    def rebuilt_from_ledger(self) -> Rows:
        """The same read model rebuilt from the intake ledger itself, not from the topics."""
        seal_key = load_seal_key(Path(self.environment["AMBITO_KEY_DIR"]))
        ledger_engines = create_engines(self.ledger_url.replace("{service}", "intake"))
        views = create_engines(f"sqlite:///{self.base / f'rebuild-{uuid.uuid4().hex}.sqlite'}")
        try:
            recorder = LedgerRecorder("intake", ledger_engines, seal_key, create=False)
            runner = ProjectionRunner(DomandePerComuneArea(), views, {"intake": recorder})
            runner.catch_up()
            table = domande_per_comune_area
            with views.reader.connect() as connection:
                return sorted(
                    (r.comune, r.area_utenza, int(r.domande))
                    for r in connection.execute(select(table))
                )
        finally:
            ledger_engines.dispose()
            views.dispose()


def make_district(base: Path, postgres_admin_url: str, kafka_bootstrap: str) -> District:
    prefix = f"d{uuid.uuid4().hex[:8]}"
    for service in SERVICES:
        create_database(postgres_admin_url, name=f"{prefix}_{service}")
    ledger_url = _template(postgres_admin_url, prefix)
    views_url = create_database(postgres_admin_url, name=f"{prefix}_views")
    environment = {
        "AMBITO_DATA_DIR": str(base / "data"),
        "AMBITO_KEY_DIR": str(base / "keys"),
        "AMBITO_LEDGER_URL": ledger_url,
        "AMBITO_KEYSTORE_URL": create_database(postgres_admin_url, name=f"{prefix}_keystore"),
        "AMBITO_IDENTITY_URL": create_database(postgres_admin_url, name=f"{prefix}_identity"),
        "AMBITO_VIEWS_URL": views_url,
        "AMBITO_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "AMBITO_KAFKA_PARTITIONS": "3",
        "AMBITO_KAFKA_TOPIC_PREFIX": prefix,  # the session's broker is shared by every test
        "AMBITO_CHECKPOINT_SECONDS": "2",
    }
    init_key_directory(base / "keys")
    district = District(base, environment, ledger_url, views_url)
    demo = subprocess.run(
        district.process("intake").command("demo"),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **environment},
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    return district


def _template(admin_url: str, prefix: str) -> str:
    from sqlalchemy.engine import make_url

    return (
        make_url(admin_url)
        .set(database=f"{prefix}_{{service}}")
        .render_as_string(hide_password=False)
    )


@dataclass
class Broker:
    """A broker of the test's own, to stop and restart under load."""

    directory: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        subprocess.run(
            [
                str(KAFKA_SCRIPT),
                "start",
                str(self.directory),
                str(self.port),
                str(self.controller_port),
            ],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            [str(KAFKA_SCRIPT), "stop", str(self.directory)], check=False, capture_output=True
        )
