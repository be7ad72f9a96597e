"""Session-wide real servers and per-test ledgers (SQLite files and PostgreSQL databases)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.events import Actor, CommandContext
from shared.keys import DistrictKeys, init_key_directory, load_district_keys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore
from tests.support.postgres import create_database, postgres_server

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """One real Kafka broker (KRaft, from Maven Central's jars) per test run."""
    from tests.support.kafka import kafka_broker

    with kafka_broker() as bootstrap:
        yield bootstrap


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    init_key_directory(directory)
    return directory


@pytest.fixture
def keys(key_dir: Path) -> DistrictKeys:
    return load_district_keys(key_dir)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


DatabaseFactory = Callable[[str], str]


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> DatabaseFactory:
    """Makes a fresh database of the test's backend for a name: SQLite file or PG database."""

    def make(name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / 'data' / f'{name}.sqlite'}"
        admin = request.getfixturevalue("postgres_admin_url")
        return create_database(admin, name)

    return make


@pytest.fixture
def keystore(database_url: DatabaseFactory, keys: DistrictKeys) -> Iterator[KeyStore]:
    store = KeyStore(database_url("keystore"), keys.key_encryption_key, keys.blind_index_key)
    yield store
    store.close()


@pytest.fixture
def open_ledger(
    database_url: DatabaseFactory, keys: DistrictKeys, keystore: KeyStore
) -> Iterator[Callable[..., Ledger]]:
    opened: list[Ledger] = []

    def make(name: str = "intake", url: str | None = None, **options: float) -> Ledger:
        ledger = Ledger(name, url or database_url(name), keys, keystore, **options)  # type: ignore[arg-type]
        opened.append(ledger)
        return ledger

    yield make
    for ledger in opened:
        ledger.close()


@pytest.fixture
def operatore() -> CommandContext:
    return CommandContext(
        actor=Actor(user="operatore", role="operatore", comune="E094"),
        legal_basis="L328_ART22",
        source="api",
    )
