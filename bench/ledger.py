"""Ledger throughput: events appended per second through the ledger (encrypted per person,
sealed, chained, one transaction per event as a command writes them), against raw inserts
of the same stored bytes into a plain table of the same database with the same durability,
measured in the same run. Prints both and their ratio, for SQLite and PostgreSQL.

    python -m bench.ledger [--events N] [--postgres-url URL]

Without --postgres-url (or AMBITO_BENCH_POSTGRES_URL) a throwaway PostgreSQL server is
started by deploy/postgres/pg with fsync on, as in production.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, insert

from shared.db import create_engines
from shared.events import Actor, CommandContext, acting, new_person_id
from shared.events.intake import DatiPersona, DomandaRicevuta
from shared.events.profile import ProfiloStatistico
from shared.keys import init_key_directory, load_district_keys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore
from tests.support.postgres import create_database, postgres_server

CONTEXT = CommandContext(
    actor=Actor(user="operatore", role="operatore", comune="E094"),
    legal_basis="L328_ART22",
    source="api",
)


@dataclass(frozen=True)
class Result:
    backend: str
    scenario: str
    events: int
    ledger_per_second: float
    raw_per_second: float

    @property
    def ratio(self) -> float:
        return self.ledger_per_second / self.raw_per_second


def _events(count: int, persons: list[str] | None) -> list[DomandaRicevuta]:
    """Requests each about a new person, or about the given (known) persons in turn."""
    with acting(CONTEXT):
        return [
            DomandaRicevuta.model_validate(
                {
                    "aggregate_id": uuid4(),
                    "aggregate_version": 1,
                    "persona_id": persons[index % len(persons)] if persons else new_person_id(),
                    "persona": DatiPersona(
                        nome="Maria", cognome="Rossi", codice_fiscale="RSSMRA40A41E094R"
                    ),
                    "comune": "E094",
                    "canale": "sportello",
                    "bisogno": "Vive sola e non riesce più a fare la spesa " * 3,
                    "area_utenza": "ELD",
                    "urgente": False,
                    "profilo": ProfiloStatistico(comune="E094", area="ELD", fascia_eta="85+"),
                }
            )
            for index in range(count)
        ]


def _measure(
    backend: str, ledger_url: str, raw_url: str, keystore_url: str, count: int, *, known: bool
) -> Result:
    work = Path(tempfile.mkdtemp(prefix="ambito-bench-"))
    try:
        init_key_directory(work / "keys")
        keys = load_district_keys(work / "keys")
        keystore = KeyStore(keystore_url, keys.key_encryption_key, keys.blind_index_key)
        ledger = Ledger("bench", ledger_url, keys, keystore, checkpoint_every=500)
        persons = [new_person_id() for _ in range(50)] if known else None
        for person in persons or []:
            keystore.key_for_writing(person)  # their keys exist before the run, as in practice
        events = _events(count, persons)
        stored: list[StoredEvent] = []
        started = time.perf_counter()
        for event in events:
            record = ledger.mapper.to_stored_event(event)
            ledger.recorder.insert_events([record])
            stored.append(record)
        ledger_seconds = time.perf_counter() - started
        assert ledger.verify().ok
        ledger.close()
        keystore.close()
        raw_seconds = _raw_inserts(raw_url, stored)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    scenario = "known persons" if known else "new person each"
    return Result(backend, scenario, count, count / ledger_seconds, count / raw_seconds)


def _raw_inserts(url: str, stored: list[StoredEvent]) -> float:
    """The same bytes, one transaction each, into a plain table: the floor a ledger sits on."""
    engines = create_engines(url)  # same engine settings (SQLite WAL + synchronous FULL)
    table = Table(
        "raw_events",
        MetaData(),
        Column("position", Integer, primary_key=True),
        Column("originator_id", String(36), nullable=False),
        Column("originator_version", Integer, nullable=False),
        Column("topic", String(200), nullable=False),
        Column("state", LargeBinary, nullable=False),
    )
    table.metadata.drop_all(engines.writer)
    table.metadata.create_all(engines.writer)
    started = time.perf_counter()
    for position, record in enumerate(stored, start=1):
        with engines.writer.begin() as connection:
            connection.execute(
                insert(table).values(
                    position=position,
                    originator_id=str(record.originator_id),
                    originator_version=record.originator_version,
                    topic=record.topic,
                    state=record.state,
                )
            )
    seconds = time.perf_counter() - started
    engines.dispose()
    return seconds


@contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    """The given server, or one of the bench's own with fsync on, as in production."""
    if url:
        yield url
        return
    with postgres_server(fast=False) as started:
        yield started


def _database(admin_url: str) -> str:
    return create_database(admin_url, "bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--postgres-url", default=os.environ.get("AMBITO_BENCH_POSTGRES_URL"))
    parser.add_argument("--skip-postgres", action="store_true")
    options = parser.parse_args(argv)

    results = []
    for known in (False, True):
        directory = Path(tempfile.mkdtemp(prefix="ambito-bench-sqlite-"))
        try:
            ledger_url = f"sqlite:///{directory / 'ledger.sqlite'}"
            keystore_url = f"sqlite:///{directory / 'keystore.sqlite'}"
            results.append(
                _measure(
                    "sqlite", ledger_url, ledger_url, keystore_url, options.events, known=known
                )
            )
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    if not options.skip_postgres:
        with _postgres(options.postgres_url) as admin:
            for known in (False, True):
                database = _database(admin)
                keystore_database = _database(admin)
                results.append(
                    _measure(
                        "postgresql",
                        database,
                        database,
                        keystore_database,
                        options.events,
                        known=known,
                    )
                )

    print(
        f"{'backend':<12}{'scenario':<17}{'events':>7}{'ledger ev/s':>13}"
        f"{'raw ev/s':>10}{'ratio':>7}"
    )
    for result in results:
        print(
            f"{result.backend:<12}{result.scenario:<17}{result.events:>7}"
            f"{result.ledger_per_second:>13.0f}{result.raw_per_second:>10.0f}{result.ratio:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
