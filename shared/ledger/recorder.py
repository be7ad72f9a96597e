"""The sealed, append-only event recorder behind every ledger (SQLite or PostgreSQL).

One writer at a time per ledger (design section 12): a lock in the process, and in the
database ``BEGIN IMMEDIATE`` (SQLite) or an EXCLUSIVE table lock taken first (PostgreSQL),
so the chain heads are read, the seals computed and the rows inserted under one lock and
no chain can fork. Positions are assigned here, contiguous from 1, so a relay can track
"highest contiguous position" without guessing about gaps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import (
    IntegrityError,
    Notification,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    Tracking,
)
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from shared.db import Engines, retry_when_busy
from shared.ledger.seals import GENESIS, SealedRecord, compute_seal
from shared.observability import EVENTS_APPENDED

logger = logging.getLogger("ambito.ledger")

Position = BigInteger().with_variant(Integer, "sqlite")  # SQLite: the rowid itself


@dataclass(frozen=True)
class LedgerNotification(Notification):
    """A stored event with its ledger position and commit time."""

    recorded_at: str


def _tables(name: str) -> tuple[MetaData, Table, Table, Table]:
    metadata = MetaData()
    events = Table(
        f"{name}_events",
        metadata,
        Column("position", Position, primary_key=True, autoincrement=False),
        Column("originator_id", String(36), nullable=False),
        Column("originator_version", Integer, nullable=False),
        Column("topic", String(200), nullable=False),
        Column("state", LargeBinary, nullable=False),
        Column("recorded_at", String(40), nullable=False),
        Column("prev_log_seal", LargeBinary(32), nullable=False),
        Column("prev_stream_seal", LargeBinary(32), nullable=False),
        Column("seal", LargeBinary(32), nullable=False),
        UniqueConstraint("originator_id", "originator_version", name=f"{name}_stream_version"),
        CheckConstraint("position >= 1", name=f"{name}_position_positive"),
        CheckConstraint("originator_version >= 1", name=f"{name}_version_positive"),
    )
    tracking = Table(
        f"{name}_tracking",
        metadata,
        Column("application_name", String(100), primary_key=True),
        Column("notification_id", BigInteger, primary_key=True),
    )
    identity = Table(
        f"{name}_identity",
        metadata,
        Column("ledger_id", String(36), primary_key=True),
        Column("created_at", String(40), nullable=False),
    )
    return metadata, events, tracking, identity


CommitListener = Callable[[int], None]


class LedgerRecorder(ProcessRecorder):
    def __init__(
        self, name: str, engines: Engines, seal_key: bytes, *, create: bool = True
    ) -> None:
        if not name.isidentifier():
            raise ValueError(f"ledger name {name!r} must be an identifier")
        self.name = name
        self.engines = engines
        self._seal_key = seal_key
        self._write_lock = threading.Lock()
        self._metadata, self.events, self.tracking, self.identity = _tables(name)
        if create:
            self._metadata.create_all(engines.writer)
            retry_when_busy(self._create_identity)
        self._ledger_id: str | None = None
        self.commit_listeners: list[CommitListener] = []

    def _create_identity(self) -> None:
        with self.engines.writer.begin() as connection:
            if connection.execute(select(self.identity.c.ledger_id)).first() is None:
                connection.execute(
                    insert(self.identity).values(
                        ledger_id=str(uuid4()), created_at=datetime.now(UTC).isoformat()
                    )
                )

    @property
    def ledger_id(self) -> str:
        """A random id given to this ledger when it was created: events relayed from it say
        so, and a consumer refuses a topic that starts carrying another ledger's events (a
        reset ledger's positions would start again at 1 and be skipped as redeliveries)."""
        if self._ledger_id is None:
            with self.engines.reader.connect() as connection:
                self._ledger_id = str(
                    connection.execute(select(self.identity.c.ledger_id)).scalar_one()
                )
        return self._ledger_id

    def exists(self) -> bool:
        return inspect(self.engines.reader).has_table(self.events.name)

    # writing

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        tracking: Tracking | None = kwargs.get("tracking")
        if not stored_events and tracking is None:
            return []
        with self._write_lock:
            positions = retry_when_busy(lambda: self._append(stored_events, tracking))
        for stored in stored_events:
            EVENTS_APPENDED.labels(service=self.name, type=stored.topic).inc()
        if positions:
            for listener in self.commit_listeners:
                try:
                    listener(positions[-1])
                except Exception:  # the events are committed: a listener must not undo that
                    logger.exception("ledger %s: after-commit listener failed", self.name)
        return positions

    def _append(self, stored_events: Sequence[StoredEvent], tracking: Tracking | None) -> list[int]:
        try:
            with self.engines.writer.begin() as connection:
                if not self.engines.is_sqlite:
                    connection.execute(text(f"LOCK TABLE {self.events.name} IN EXCLUSIVE MODE"))
                rows = self._seal_rows(connection, stored_events)
                if rows:
                    connection.execute(insert(self.events), rows)
                if tracking is not None:
                    connection.execute(
                        insert(self.tracking).values(
                            application_name=tracking.application_name,
                            notification_id=tracking.notification_id,
                        )
                    )
                return [row["position"] for row in rows]
        except DatabaseIntegrityError as error:
            raise IntegrityError(str(error.orig)) from error

    def _seal_rows(
        self, connection: Connection, stored_events: Sequence[StoredEvent]
    ) -> list[dict[str, Any]]:
        head = connection.execute(
            select(self.events.c.position, self.events.c.seal)
            .order_by(self.events.c.position.desc())
            .limit(1)
        ).first()
        position, prev_log_seal = (head.position, head.seal) if head else (0, GENESIS)
        recorded_at = datetime.now(UTC).isoformat(timespec="microseconds")
        stream_heads: dict[str, tuple[int, bytes]] = {}
        rows = []
        for stored in stored_events:
            originator_id = str(stored.originator_id)
            version = stored.originator_version
            if originator_id in stream_heads:
                last_version, prev_stream_seal = stream_heads[originator_id]
                if version != last_version + 1:
                    raise IntegrityError(f"aggregate {originator_id}: version {version} conflicts")
            else:
                prev_stream_seal = self._previous_stream_seal(connection, originator_id, version)
            position += 1
            seal = compute_seal(
                self._seal_key,
                position=position,
                originator_id=originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                recorded_at=recorded_at,
                state=stored.state,
                prev_log_seal=prev_log_seal,
                prev_stream_seal=prev_stream_seal,
            )
            rows.append(
                {
                    "position": position,
                    "originator_id": originator_id,
                    "originator_version": stored.originator_version,
                    "topic": stored.topic,
                    "state": stored.state,
                    "recorded_at": recorded_at,
                    "prev_log_seal": prev_log_seal,
                    "prev_stream_seal": prev_stream_seal,
                    "seal": seal,
                }
            )
            prev_log_seal = seal
            stream_heads[originator_id] = (stored.originator_version, seal)
        return rows

    def _previous_stream_seal(
        self, connection: Connection, originator_id: str, version: int
    ) -> bytes:
        """The seal of the stream's previous event. A first version needs no lookup: the
        unique (aggregate, version) constraint refuses a second one at insert."""
        if version == 1:
            return GENESIS
        c = self.events.c
        seal = connection.execute(
            select(c.seal).where(
                c.originator_id == originator_id, c.originator_version == version - 1
            )
        ).scalar()
        if seal is None:
            raise IntegrityError(f"aggregate {originator_id}: version {version} has no predecessor")
        return bytes(seal)

    # reading

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        c = self.events.c
        query = select(self.events).where(c.originator_id == str(originator_id))
        if gt is not None:
            query = query.where(c.originator_version > gt)
        if lte is not None:
            query = query.where(c.originator_version <= lte)
        query = query.order_by(c.originator_version.desc() if desc else c.originator_version)
        if limit is not None:
            query = query.limit(limit)
        with self.engines.reader.connect() as connection:
            return [self._notification(row) for row in connection.execute(query)]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        c = self.events.c
        query = select(self.events)
        if start is not None:
            query = query.where(c.position >= start if inclusive_of_start else c.position > start)
        if stop is not None:
            query = query.where(c.position <= stop)
        if topics:
            query = query.where(c.topic.in_(topics))
        query = query.order_by(c.position).limit(limit)
        with self.engines.reader.connect() as connection:
            return [self._notification(row) for row in connection.execute(query)]

    def max_notification_id(self) -> int | None:
        with self.engines.reader.connect() as connection:
            value = connection.execute(select(func.max(self.events.c.position))).scalar()
            return int(value) if value is not None else None

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription[Any]:
        return PollingSubscription(self, gt=gt, topics=topics)

    def count(self) -> int:
        with self.engines.reader.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(self.events)).scalar_one()
            )

    def sealed_records(self, batch: int = 1000) -> Iterator[SealedRecord]:
        """Every stored row in position order, whatever its position (the verifier trusts
        no constraint: a row below 1 must be seen to be reported)."""
        c = self.events.c
        last: int | None = None
        while True:
            query = select(self.events).order_by(c.position).limit(batch)
            if last is not None:
                query = query.where(c.position > last)
            with self.engines.reader.connect() as connection:
                rows = connection.execute(query).all()
            if not rows:
                return
            for row in rows:
                yield SealedRecord(
                    position=row.position,
                    originator_id=row.originator_id,
                    originator_version=row.originator_version,
                    topic=row.topic,
                    recorded_at=row.recorded_at,
                    state=bytes(row.state),
                    prev_log_seal=bytes(row.prev_log_seal),
                    prev_stream_seal=bytes(row.prev_stream_seal),
                    seal=bytes(row.seal),
                )
            last = rows[-1].position

    def heads(self) -> tuple[int, bytes, dict[str, tuple[int, bytes]]]:
        """The log head and every stream head, as one consistent cut (for checkpoints)."""
        c = self.events.c
        with self.engines.reader.connect() as connection:
            head = connection.execute(
                select(c.position, c.seal).order_by(c.position.desc()).limit(1)
            ).first()
            if head is None:
                return 0, GENESIS, {}
            latest = (
                select(c.originator_id, func.max(c.originator_version).label("version"))
                .where(c.position <= head.position)
                .group_by(c.originator_id)
                .subquery()
            )
            rows = connection.execute(
                select(c.originator_id, c.originator_version, c.seal).join(
                    latest,
                    (c.originator_id == latest.c.originator_id)
                    & (c.originator_version == latest.c.version),
                )
            )
            streams = {r.originator_id: (r.originator_version, bytes(r.seal)) for r in rows}
        return head.position, bytes(head.seal), streams

    @staticmethod
    def _notification(row: Any) -> LedgerNotification:
        return LedgerNotification(
            originator_id=UUID(row.originator_id),
            originator_version=row.originator_version,
            topic=row.topic,
            state=bytes(row.state),
            id=row.position,
            recorded_at=row.recorded_at,
        )

    # tracking (projections and policies record their position with their effects)

    def insert_tracking(self, tracking: Tracking) -> None:
        self.insert_events([], tracking=tracking)

    def max_tracking_id(self, application_name: str) -> int | None:
        c = self.tracking.c
        with self.engines.reader.connect() as connection:
            value = connection.execute(
                select(func.max(c.notification_id)).where(c.application_name == application_name)
            ).scalar()
            return int(value) if value is not None else None


class PollingSubscription(Subscription[LedgerRecorder]):
    """Yields new notifications as they are recorded, by polling (SQLite has no LISTEN)."""

    POLL_SECONDS = 0.1

    def __init__(self, recorder: LedgerRecorder, gt: int | None, topics: Sequence[str]) -> None:
        super().__init__(recorder, gt=gt, topics=topics)
        self._buffer: list[Notification] = []

    def __next__(self) -> Notification:
        while not self._buffer:
            if self._has_been_stopped:
                raise StopIteration
            self._buffer = list(
                self._recorder.select_notifications(
                    self._last_notification_id or 0,
                    500,
                    topics=self._topics,
                    inclusive_of_start=False,
                )
            )
            if not self._buffer:
                time.sleep(self.POLL_SECONDS)
        notification = self._buffer.pop(0)
        self._last_notification_id = notification.id
        return notification
