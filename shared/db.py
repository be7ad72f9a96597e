"""Database engines for ledgers and stores: SQLite (embedded) or PostgreSQL (district).

SQLite allows one writer at a time, and a deferred transaction that later writes fails
with SQLITE_BUSY instead of waiting (design section 12). Writers therefore get their own
engine whose transactions all begin IMMEDIATE, so they queue on the busy timeout; readers
use WAL snapshots and never block writers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

BUSY_TIMEOUT_SECONDS = 60.0
T = TypeVar("T")


@dataclass(frozen=True)
class Engines:
    writer: Engine
    reader: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL, None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def create_engines(url: str) -> Engines:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return Engines(_sqlite_engine(url, immediate=True), _sqlite_engine(url, immediate=False))
    engine = create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)
    return Engines(engine, engine)


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        _ensure_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _ensure_wal(cursor: Any) -> None:
    """WAL once per database file. Switching takes a lock that, unlike writes, does not wait
    on the busy timeout: another process opening the file at that moment gets SQLITE_BUSY.
    So look first (a read), and retry the switch while the other process holds the lock."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def is_busy(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, OperationalError) and ("locked" in text or "busy" in text)


def retry_when_busy(action: Callable[[], T], *, timeout: float = BUSY_TIMEOUT_SECONDS) -> T:
    """Runs ``action`` again while SQLite reports busy past its own wait, up to ``timeout``."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            return action()
        except OperationalError as error:
            if not is_busy(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def dialect_insert(connection: Any, table: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL alike)."""
    from sqlalchemy.dialects import postgresql, sqlite

    module = sqlite if connection.dialect.name == "sqlite" else postgresql
    return module.insert(table)
