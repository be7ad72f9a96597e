"""One real PostgreSQL server per test run, started by deploy/postgres/pg."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
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
    """Yields the admin URL of a throwaway server; AMBITO_TEST_POSTGRES_URL reuses one."""
    given = os.environ.get("AMBITO_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    directory = Path(tempfile.mkdtemp(prefix="ambito-pg-", dir="/tmp"))
    directory.chmod(0o755)
    cluster = directory / "cluster"
    arguments = [str(PG_SCRIPT), "start", str(cluster), str(free_port())]
    if fast:
        arguments.append("--fast")
    url = subprocess.run(arguments, check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", str(cluster)], check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


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
