"""Feeds a projection from Kafka (district mode), with the same projection code as embedded.

The consumer takes every partition of its sources' topics itself (``assign``, no group: no
rebalancing pauses, design section 12), reads only committed transactions, and applies each
poll in one transaction of the read-model database together with, per (topic, partition),
the highest ledger position applied and the offset to resume from. An event whose position
is not above its partition's is a redelivery (a relay re-sent it, or a replay) and changes
nothing. ``caught_up`` is the highest stream position up to which everything is applied:
read-your-writes waits on it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from shared.bus.topics import (
    DEFAULT_PREFIX,
    HEADER_LEDGER,
    HEADER_POSITION,
    HEADER_RECORDED_AT,
    HEADER_STREAM,
    HEADER_TYPE,
    ensure_topics,
    topic_for,
)
from shared.db import Engines, retry_when_busy
from shared.observability import CONSUMER_LAG
from shared.projections.base import (
    Projection,
    create_tables,
    lock_position,
    read_positions,
    save_position,
    topic_origin,
    wire_event,
)
from shared.worker import Worker

logger = logging.getLogger("ambito.bus")

FAULT_BEFORE_COMMIT = "AMBITO_FAULT_CONSUMER_EXIT_BEFORE_COMMIT"
"""Test builds only: the n-th poll that applied events exits the process just before its
database transaction commits (a consumer killed at the worst moment)."""


class ReadModelReset(Exception):
    """Another process emptied the read model (a rebuild): start again from its positions."""


class PartitionsChanged(Exception):
    """A topic gained partitions: take them all (a restart of the feed does)."""


class ForeignLedgerError(Exception):
    """A topic now carries another ledger's events: applying them by position would skip
    some silently, so the consumer stops (and readiness says so) instead."""


def _header(record: Any, name: str) -> str:
    for key, value in record.headers or []:
        if key == name:
            return bytes(value).decode()
    raise ValueError(f"message without header {name}")


def _optional_header(record: Any, name: str) -> str | None:
    """A header that messages relayed before it existed do not carry (nor an empty one)."""
    for key, value in record.headers or []:
        if key == name:
            return bytes(value).decode() or None
    return None


def _ours(record: Any) -> bool:
    names = {key for key, _ in record.headers or []}
    return {HEADER_POSITION, HEADER_TYPE, HEADER_STREAM, HEADER_LEDGER} <= names


class KafkaProjectionConsumer(Worker):
    interval = 0.0  # each poll waits for messages itself

    def __init__(
        self,
        projection: Projection,
        views: Engines,
        bootstrap: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        partitions: int = 6,
        replication: int = 1,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(f"consumer-{projection.name}")
        self.projection = projection
        self.views = views
        self.bootstrap = bootstrap
        self.topics = {topic_for(stream, prefix): stream for stream in projection.sources}
        self._topic_settings = (prefix, partitions, replication)
        self.before_commit = before_commit or _fault_hook_from_environment()
        create_tables(projection, views)
        self._consumer: KafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._known_offsets: dict[TopicPartition, int | None] = {}
        """The offset this process last committed per partition: a stored one that went
        back means someone reset the read model."""
        self.caught_up: dict[str, int] = {}
        self._caught_up_changed = threading.Condition()

    # the consumer thread

    def _open(self) -> KafkaConsumer:
        prefix, partition_count, replication = self._topic_settings
        ensure_topics(
            self.bootstrap, list(self.topics.values()), partition_count, replication, prefix
        )
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            client_id=f"ambito-{self.projection.name}",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=500,
        )
        partitions = []
        for topic in self.topics:
            numbers = consumer.partitions_for_topic(topic)
            if not numbers:
                consumer.close()
                raise RuntimeError(f"topic {topic} does not exist (yet)")
            partitions += [TopicPartition(topic, number) for number in sorted(numbers)]
        consumer.assign(partitions)
        stored = read_positions(self.views, self.projection.name)
        self._known_offsets = {}
        for partition in partitions:
            found = stored.get((partition.topic, partition.partition))
            offset = found.kafka_offset if found is not None else None
            if (
                found is not None
                and offset is not None
                and self._resume_point_holds(
                    consumer, partitions, partition, offset, found.position
                )
            ):
                consumer.seek(partition, offset + 1)
            else:
                consumer.seek_to_beginning(partition)  # positions dedupe what was applied
            self._known_offsets[partition] = offset
        self._partitions = partitions
        return consumer

    def _resume_point_holds(
        self,
        consumer: KafkaConsumer,
        partitions: list[TopicPartition],
        partition: TopicPartition,
        offset: int,
        position: int,
    ) -> bool:
        """The stored offset still holds the record it was stored for. Not so when the topic
        was deleted and created again: resuming there would skip the new topic's start."""
        first = consumer.beginning_offsets([partition])[partition]
        end = consumer.end_offsets([partition])[partition]
        if not first <= offset < end:
            return False
        others = [p for p in partitions if p != partition]
        consumer.pause(*others)
        try:
            consumer.seek(partition, offset)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                for record in consumer.poll(timeout_ms=200).get(partition, []):
                    if record.offset == offset:
                        return _ours(record) and int(_header(record, HEADER_POSITION)) <= position
                    if record.offset > offset:
                        return False  # the record is gone (an aborted transaction's, say)
            return False
        finally:
            consumer.resume(*others)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Applies one poll's messages; returns how many events changed the read model."""
        if self._consumer is None:
            self._consumer = self._open()
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        applied = retry_when_busy(lambda: self._apply(batches)) if batches else 0
        self._check_caught_up()
        return applied

    def _apply(self, batches: dict[TopicPartition, list[Any]]) -> int:
        name = self.projection.name
        applied = 0
        committed: dict[TopicPartition, int | None] = {}
        with self.views.writer.begin() as connection:
            for partition, records in batches.items():
                current = lock_position(connection, name, partition.topic, partition.partition)
                position, offset, origin = current.position, current.kafka_offset, current.origin
                known = self._known_offsets.get(partition)
                if known is not None and (offset is None or offset < known):
                    raise ReadModelReset(f"{name}: positions of {partition.topic} went back")
                for record in records:
                    if not _ours(record):
                        offset = record.offset
                        logger.error(
                            "%s: %s[%d]@%d is not an Ambito event; skipped",
                            name,
                            partition.topic,
                            partition.partition,
                            record.offset,
                        )
                        continue
                    ledger = _header(record, HEADER_LEDGER)
                    if origin is None:
                        # a partition's first event: the topic's other partitions already say
                        # whose events it carries (keys of a new ledger may hash to partitions
                        # the old one never used)
                        origin = topic_origin(connection, name, partition.topic) or ledger
                    if ledger != origin:
                        raise ForeignLedgerError(
                            f"{partition.topic}: events of another ledger ({ledger}) after "
                            f"those of {origin}; rebuild the read model if the ledger was reset"
                        )
                    offset = record.offset
                    event_position = int(_header(record, HEADER_POSITION))
                    if event_position <= position:
                        continue  # a redelivery: already applied
                    position = event_position
                    if _header(record, HEADER_TYPE) in self.projection.event_types:
                        stream = _header(record, HEADER_STREAM)
                        self.projection.apply(
                            connection,
                            wire_event(
                                stream,
                                event_position,
                                record.value,
                                _optional_header(record, HEADER_RECORDED_AT),
                            ),
                        )
                        applied += 1
                if current.kafka_offset is not None and offset is not None:
                    # another process feeding the same read model may be further on: the
                    # stored offset never goes back, or that process would see a reset
                    offset = max(offset, current.kafka_offset)
                save_position(
                    connection, name, partition.topic, partition.partition, position, offset, origin
                )
                committed[partition] = offset
            if self.before_commit is not None:
                self.before_commit()
        self._known_offsets.update(committed)
        return applied

    def _check_caught_up(self) -> None:
        """Everything committed so far is applied when each partition's next offset has
        reached the end: the stream is then applied up to its highest position seen."""
        assert self._consumer is not None
        for topic in self.topics:
            count = len(self._consumer.partitions_for_topic(topic) or ())
            if count != sum(1 for p in self._partitions if p.topic == topic):
                raise PartitionsChanged(f"{topic} has {count} partitions now")
        ends = self._consumer.end_offsets(self._partitions)
        behind = {
            partition: max(0, ends[partition] - self._consumer.position(partition))
            for partition in self._partitions
        }
        for topic in self.topics:
            CONSUMER_LAG.labels(projection=self.projection.name, topic=topic).set(
                sum(lag for partition, lag in behind.items() if partition.topic == topic)
            )
        if any(behind.values()):
            return
        stored = read_positions(self.views, self.projection.name)
        with self._caught_up_changed:
            for topic, stream in self.topics.items():
                self.caught_up[stream] = max(
                    (p.position for (source, _), p in stored.items() if source == topic),
                    default=0,
                )
            self._caught_up_changed.notify_all()

    def drain(self, timeout: float) -> None:
        """Polls until every partition is read to its end (a rebuild, a test)."""
        deadline = time.monotonic() + timeout
        while len(self.caught_up) < len(self.topics) or self._lagging():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.projection.name} did not reach the end of its topics")
            self.poll_once(timeout_ms=200)

    def _lagging(self) -> bool:
        if self._consumer is None:
            return True
        ends = self._consumer.end_offsets(self._partitions)
        return any(self._consumer.position(p) < ends[p] for p in self._partitions)

    def wait_for(self, stream: str, position: int, timeout: float) -> bool:
        """Read your writes: True once the stream is applied up to ``position``."""
        deadline = time.monotonic() + timeout
        with self._caught_up_changed:
            while self.caught_up.get(stream, 0) < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._caught_up_changed.wait(min(remaining, 0.5))
        return True

    def position(self, stream: str) -> int:
        return self.caught_up.get(stream, 0)

    def step(self) -> None:
        self.poll_once()

    def after_failure(self) -> None:
        self._close_consumer()

    def _close_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception:
                logger.warning("consumer %s did not close cleanly", self.projection.name)

    def stop(self) -> None:
        super().stop()
        self._close_consumer()


def _fault_hook_from_environment() -> Callable[[], None] | None:
    raw = os.environ.get(FAULT_BEFORE_COMMIT)
    if not raw:
        return None
    remaining = [int(raw)]

    def exit_before_commit() -> None:
        remaining[0] -= 1
        if remaining[0] <= 0:
            logger.error("fault hook: exiting before commit")
            os._exit(70)

    return exit_before_commit
