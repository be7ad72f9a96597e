"""The run's levels and real servers, its one demo district, and per-test ledgers.

Every test carries its level (``unit``, ``integration``, ``e2e``: the directory it is in)
and the real servers it needs (``postgres``, ``kafka``: the fixtures it uses), so that
``make unit``, ``make integration`` and ``make e2e`` select by marker. The run's one
PostgreSQL server, Kafka broker and demo district are shared by its pytest-xdist workers
(``tests.support.servers``, ``tests.support.demo_district``); each worker has its own
databases and topic prefix on them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.events import Actor, CommandContext
from shared.keys import DistrictKeys, init_key_directory, load_district_keys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore
from shared.settings import Settings
from tests.support.demo_district import build_demo_template, copy_demo_district
from tests.support.postgres import create_database
from tests.support.servers import shared_server, start_kafka, start_postgres, stop_all

BACKENDS = ["sqlite", "postgres"]
TESTS = Path(__file__).resolve().parent
LEVELS = ("e2e", "integration", "unit")
RUN_DIRECTORY = pytest.StashKey[Path]()
"""Where the run's shared servers and demo district live (one for all workers)."""


def pytest_configure(config: pytest.Config) -> None:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None:
        config.stash[RUN_DIRECTORY] = Path(tempfile.mkdtemp(prefix="ambito-run-", dir="/tmp"))
    else:
        config.stash[RUN_DIRECTORY] = Path(workerinput["ambito_run_directory"])


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: each worker is told the run's directory."""
    node.workerinput["ambito_run_directory"] = str(node.config.stash[RUN_DIRECTORY])


def pytest_unconfigure(config: pytest.Config) -> None:
    if getattr(config, "workerinput", None) is None and RUN_DIRECTORY in config.stash:
        run_directory = config.stash[RUN_DIRECTORY]
        stop_all(run_directory)
        shutil.rmtree(run_directory, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks each test with its level and the real servers it needs, then puts the modules
    holding a ``slow`` test first (end-to-end before integration before unit, the larger
    before the smaller): workers take whole modules in this order (``--dist loadscope
    --no-loadscope-reorder``), so that the longest start at once instead of ending the run."""
    _mark(items)
    modules: dict[Path, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.path, []).append(item)

    def first(module: Path) -> tuple[bool, int, int]:
        tests = modules[module]
        slow = any(item.get_closest_marker("slow") for item in tests)
        return (not slow, LEVELS.index(_level(module)), -len(tests))

    items[:] = [item for module in sorted(modules, key=first) for item in modules[module]]


def _level(path: Path) -> str:
    return path.resolve().relative_to(TESTS).parts[0]


def _mark(items: list[pytest.Item]) -> None:
    for item in items:
        level = _level(item.path)
        if level not in LEVELS:
            raise pytest.UsageError(
                f"{item.nodeid}: a test lives under tests/{{{','.join(LEVELS)}}}"
            )
        item.add_marker(level)
        names = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgres"
        if on_postgres or "postgres_admin_url" in names:
            item.add_marker("postgres")
        if "kafka_bootstrap" in names:
            item.add_marker("kafka")


@pytest.fixture(scope="session")
def run_directory(request: pytest.FixtureRequest) -> Path:
    return request.config.stash[RUN_DIRECTORY]


@pytest.fixture(scope="session")
def postgres_admin_url(run_directory: Path) -> str:
    """The run's one PostgreSQL server; each test makes databases of its own on it."""
    return shared_server(run_directory, "postgres", start_postgres)


@pytest.fixture(scope="session")
def kafka_bootstrap(run_directory: Path) -> str:
    """The run's one Kafka broker (KRaft, from Maven Central's jars)."""
    return shared_server(run_directory, "kafka", start_kafka)


@pytest.fixture(scope="session")
def worker_topic_prefix() -> str:
    """This worker's prefix for Kafka topics on the shared broker."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}{uuid.uuid4().hex[:6]}"


@pytest.fixture
def topic_prefix(worker_topic_prefix: str) -> str:
    """A topic prefix of the test's own (within its worker's) on the shared broker."""
    return f"{worker_topic_prefix}t{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def demo_district_template(run_directory: Path) -> Path:
    """The run's demo district, built once (by the first worker that needs it); never
    opened by a test: tests work on copies."""
    return build_demo_template(run_directory)


@pytest.fixture
def demo_district(demo_district_template: Path, tmp_path: Path) -> Settings:
    """A copy of the run's demo district of the test's own, to write in."""
    return copy_demo_district(demo_district_template, tmp_path / "distretto")


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
