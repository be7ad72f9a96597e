"""PostgreSQL started by deploy/postgres/pg: databases on a server, and a throwaway server for a
benchmark (the tests share the run's one, ``tests.support.servers``)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPOSITORY = Path(__file__).resolve().parents[2]
PG_SCRIPT = REPOSITORY / "deploy" / "postgres" / "pg"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def postgres_server(*, fast: bool = True) -> Iterator[str]:
    """Yields the admin URL of a throwaway server; AMBITO_TEST_POSTGRES_URL reuses one.

    For benchmarks (``fast=False`` keeps fsync on); the tests share the run's server
    (``tests.support.servers``)."""
    from tests.support.servers import start_postgres, stop

    started = start_postgres(fast=fast)
    try:
        yield started.address
    finally:
        stop(started)


def create_database(admin_url: str, prefix: str = "t", *, name: str | None = None) -> str:
    """A fresh, empty database on the server (named, or with a random name); its URL."""
    name = name or f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)
