"""Feeds projections straight from the ledgers (embedded mode).

Each batch is applied in one transaction of the read-model database, together with the new
position of each source: a crash leaves either both or neither, so an event is applied
exactly once however often the runner restarts. Projections see events as stored and as
Kafka will carry them (personal fields encrypted): read models keep ciphertext and decrypt
per response, for entitled users only (design section 3).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from sqlalchemy import BigInteger, Column, Connection, MetaData, String, Table, select

from shared.db import Engines, dialect_insert, retry_when_busy
from shared.events.catalogue import event_class
from shared.ledger.mapper import upcast
from shared.ledger.recorder import LedgerRecorder
from shared.observability import PROJECTION_LAG

logger = logging.getLogger("ambito.projections")

positions_metadata = MetaData()
projection_positions = Table(
    "projection_positions",
    positions_metadata,
    Column("projection", String(100), primary_key=True),
    Column("source", String(100), primary_key=True),
    Column("partition", BigInteger, primary_key=True),
    Column("position", BigInteger, nullable=False),
)
"""Per (projection, source stream, partition): embedded mode has one partition, 0."""


@dataclass(frozen=True)
class WireEvent:
    """An event as stored in its ledger (and as published on Kafka), upcast to today's schema."""

    source: str
    position: int
    type: str
    data: dict[str, Any]

    @property
    def aggregate_id(self) -> str:
        return str(self.data["aggregate_id"])


def wire_event(source: str, position: int, state: bytes) -> WireEvent:
    data = json.loads(state)
    event_type = data.pop("type")
    version = int(data.pop("schema_version"))
    upcast(event_class(event_type), data, version)
    return WireEvent(source, position, event_type, data)


class Projection(Protocol):
    name: str
    sources: tuple[str, ...]
    event_types: frozenset[str]
    metadata: MetaData

    def apply(self, connection: Connection, event: WireEvent) -> None: ...


class ProjectionRunner:
    BATCH = 500

    def __init__(
        self, projection: Projection, views: Engines, sources: Mapping[str, LedgerRecorder]
    ) -> None:
        missing = set(projection.sources) - set(sources)
        if missing:
            raise ValueError(f"{projection.name}: no ledger for {sorted(missing)}")
        self.projection = projection
        self.views = views
        self.sources = {name: sources[name] for name in projection.sources}
        projection.metadata.create_all(views.writer)
        positions_metadata.create_all(views.writer)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._applied = threading.Condition()
        self._thread: threading.Thread | None = None
        self.failing = False
        """True while the last attempt failed (readiness reports it)."""
        for recorder in self.sources.values():
            recorder.commit_listeners.append(self._on_commit)

    def _on_commit(self, _position: int) -> None:
        self._wake.set()

    def position(self, source: str) -> int:
        with self.views.reader.connect() as connection:
            value = connection.execute(
                select(projection_positions.c.position).where(
                    projection_positions.c.projection == self.projection.name,
                    projection_positions.c.source == source,
                    projection_positions.c.partition == 0,
                )
            ).scalar()
        return int(value) if value is not None else 0

    def catch_up(self) -> int:
        """Applies everything pending in every source; returns how many events it applied."""
        applied = 0
        for source, recorder in self.sources.items():
            while True:
                done = retry_when_busy(partial(self._apply_batch, source, recorder))
                applied += done
                if done < self.BATCH:
                    break
            head = recorder.max_notification_id() or 0
            PROJECTION_LAG.labels(projection=self.projection.name, source=source).set(
                max(0, head - self.position(source))
            )
        with self._applied:
            self._applied.notify_all()
        return applied

    def _apply_batch(self, source: str, recorder: LedgerRecorder) -> int:
        with self.views.writer.begin() as connection:
            start = self._locked_position(connection, source)
            notifications = recorder.select_notifications(
                start, self.BATCH, inclusive_of_start=False
            )
            for notification in notifications:
                if notification.topic in self.projection.event_types:
                    event = wire_event(source, notification.id, notification.state)
                    self.projection.apply(connection, event)
            if notifications:
                self._save_position(connection, source, notifications[-1].id)
            return len(notifications)

    def _locked_position(self, connection: Connection, source: str) -> int:
        """The position, locked until commit. The row is made first if missing: locking a
        row that does not exist locks nothing, and two runners would both start from 0."""
        connection.execute(
            dialect_insert(connection, projection_positions)
            .values(projection=self.projection.name, source=source, partition=0, position=0)
            .on_conflict_do_nothing()
        )
        query = select(projection_positions.c.position).where(
            projection_positions.c.projection == self.projection.name,
            projection_positions.c.source == source,
            projection_positions.c.partition == 0,
        )
        if connection.dialect.name != "sqlite":
            query = query.with_for_update()
        value = connection.execute(query).scalar()
        return int(value) if value is not None else 0

    def _save_position(self, connection: Connection, source: str, position: int) -> None:
        statement = dialect_insert(connection, projection_positions).values(
            projection=self.projection.name, source=source, partition=0, position=position
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["projection", "source", "partition"],
                set_={"position": position},
            )
        )

    def wait_for(self, source: str, position: int, timeout: float) -> bool:
        """Read your writes: True once ``position`` of ``source`` is applied (bounded wait)."""
        deadline = time.monotonic() + timeout
        self._wake.set()
        while self.position(source) < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._applied:
                self._applied.wait(min(remaining, 0.2))
        return True

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"projection-{self.projection.name}", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.catch_up()
                self.failing = False
            except Exception:
                self.failing = True
                logger.exception("projection %s failed; retrying", self.projection.name)
                self._stop.wait(1.0)
            self._wake.wait(1.0)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for recorder in self.sources.values():
            if self._on_commit in recorder.commit_listeners:
                recorder.commit_listeners.remove(self._on_commit)
