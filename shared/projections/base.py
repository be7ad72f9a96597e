"""What every projection is, whatever feeds it: the event it sees, and its positions.

A projection's rows and its positions change in one transaction of the read-model
database, so an event is applied exactly once however often it is delivered: from the
ledger (embedded mode, ``runner``) or from Kafka (district mode, ``shared.bus.consumer``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, Column, Connection, MetaData, String, Table, delete, select

from shared.db import Engines, dialect_insert
from shared.events.catalogue import event_class
from shared.ledger.mapper import upcast

positions_metadata = MetaData()
projection_positions = Table(
    "projection_positions",
    positions_metadata,
    Column("projection", String(100), primary_key=True),
    Column("source", String(100), primary_key=True),
    Column("partition", BigInteger, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("kafka_offset", BigInteger, nullable=True),
    Column("origin", String(36), nullable=True),
)
"""Per (projection, source stream, partition): the highest ledger position applied (what
dedupes), and in district mode the Kafka offset to resume from (only a hint: a re-sent
event lands at a new offset). Embedded mode has one partition, 0, per source ledger."""


@dataclass(frozen=True)
class WireEvent:
    """An event as stored in its ledger (and as published on Kafka), upcast to today's
    schema. Personal fields stay encrypted: read models keep ciphertext."""

    source: str
    position: int
    type: str
    data: dict[str, Any]
    recorded_at: str | None = field(default=None, kw_only=True)
    """The commit time the ledger set (ISO 8601, UTC): outside the stored bytes, so it comes
    beside them (the notification's column; a header on Kafka)."""

    @property
    def aggregate_id(self) -> str:
        return str(self.data["aggregate_id"])


def wire_event(
    source: str, position: int, state: bytes, recorded_at: str | None = None
) -> WireEvent:
    data = json.loads(state)
    event_type = data.pop("type")
    version = int(data.pop("schema_version"))
    upcast(event_class(event_type), data, version)
    return WireEvent(source, position, event_type, data, recorded_at=recorded_at)


class Projection(Protocol):
    name: str
    sources: tuple[str, ...]
    event_types: frozenset[str]
    metadata: MetaData

    def apply(self, connection: Connection, event: WireEvent) -> None: ...


@dataclass(frozen=True)
class Position:
    position: int
    kafka_offset: int | None
    origin: str | None = None
    """The ledger id the positions belong to (district mode)."""


def _where(projection: str, source: str, partition: int) -> Any:
    c = projection_positions.c
    return (c.projection == projection) & (c.source == source) & (c.partition == partition)


def lock_position(connection: Connection, projection: str, source: str, partition: int) -> Position:
    """The position, locked until commit. The row is made first if missing: locking a row
    that does not exist locks nothing, and two consumers would both start from 0."""
    connection.execute(
        dialect_insert(connection, projection_positions)
        .values(projection=projection, source=source, partition=partition, position=0)
        .on_conflict_do_nothing()
    )
    c = projection_positions.c
    query = select(c.position, c.kafka_offset, c.origin).where(
        _where(projection, source, partition)
    )
    if connection.dialect.name != "sqlite":
        query = query.with_for_update()
    row = connection.execute(query).one()
    return Position(int(row.position), row.kafka_offset, row.origin)


def save_position(
    connection: Connection,
    projection: str,
    source: str,
    partition: int,
    position: int,
    kafka_offset: int | None = None,
    origin: str | None = None,
) -> None:
    connection.execute(
        projection_positions.update()
        .where(_where(projection, source, partition))
        .values(position=position, kafka_offset=kafka_offset, origin=origin)
    )


def topic_origin(connection: Connection, projection: str, source: str) -> str | None:
    """The ledger id any partition of ``source`` recorded for this projection, if any."""
    c = projection_positions.c
    found = connection.execute(
        select(c.origin)
        .where((c.projection == projection) & (c.source == source) & c.origin.is_not(None))
        .limit(1)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def read_positions(views: Engines, projection: str) -> dict[tuple[str, int], Position]:
    c = projection_positions.c
    with views.reader.connect() as connection:
        rows = connection.execute(
            select(c.source, c.partition, c.position, c.kafka_offset).where(
                c.projection == projection
            )
        )
        return {
            (r.source, int(r.partition)): Position(int(r.position), r.kafka_offset) for r in rows
        }


def create_tables(projection: Projection, views: Engines) -> None:
    projection.metadata.create_all(views.writer)
    positions_metadata.create_all(views.writer)


def reset(projection: Projection, views: Engines) -> None:
    """Empties the read model and forgets its positions: the next run replays everything."""
    with views.writer.begin() as connection:
        for table in reversed(projection.metadata.sorted_tables):
            connection.execute(delete(table))
        connection.execute(
            delete(projection_positions).where(projection_positions.c.projection == projection.name)
        )


class NotYetProjected(Exception):
    """A read asked to wait for a ledger position that the projection did not reach in its
    bounded wait (read your writes, design section 4): 503, try again."""


class ProjectionFeed(Protocol):
    """What feeds a projection: the ledgers directly (embedded) or Kafka (district)."""

    projection: Projection

    @property
    def running(self) -> bool: ...

    failing: bool

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def wait_for(self, stream: str, position: int, timeout: float) -> bool: ...


def instant(value: str) -> datetime:
    """A recorded time as a UTC instant, as every read model stores times: SQLite keeps no
    offset, and would read a local time back as UTC. A time without offset (none is recorded
    so) is taken as UTC."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def occurred(event: WireEvent) -> datetime:
    """When the event happened in the world, as a UTC instant."""
    return instant(str(event.data["occurred_at"]))
