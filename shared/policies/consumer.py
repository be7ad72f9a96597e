"""Feeds a policy from its source's Kafka topic (district mode), with the same policy code.

Like ``shared.bus.consumer.KafkaProjectionConsumer``: every partition taken with
``assign`` (no group), committed transactions only, the Ambito headers required, each
partition bound to the ledger it first carried (origin), and redeliveries dropped by ledger
position per (topic, partition), never by Kafka offset (a relay that restarts re-sends
events at new offsets). The position is the tracking row in the target ledger
(``{policy}/{topic}/{partition}``), written in the transaction that records the effects.

A side table of the target ledger's database, ``{ledger}_policy_offsets``, keeps per
partition the origin and an offset to resume from. The offset is only a hint, written after
the commit and only for a record whose position is tracked: if it is missing or no longer
holds the record it was kept for, the consumer reads the partition from the start and the
positions drop what was done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import BigInteger, Column, MetaData, String, Table, select

from shared.bus.consumer import ForeignLedgerError, PartitionsChanged
from shared.bus.topics import (
    DEFAULT_PREFIX,
    HEADER_LEDGER,
    HEADER_POSITION,
    HEADER_STREAM,
    HEADER_TYPE,
    ensure_topics,
    topic_for,
)
from shared.db import Engines, dialect_insert, retry_when_busy
from shared.ledger.application import LedgerApplication
from shared.policies.base import (
    POLICY_LAG,
    TRACK_EVERY,
    Policy,
    PolicyEffects,
    Progress,
    cause_event,
    tracking_name,
)
from shared.worker import Worker

logger = logging.getLogger("ambito.policies")


def _offsets_table(ledger: str) -> tuple[MetaData, Table]:
    metadata = MetaData()
    return metadata, Table(
        f"{ledger}_policy_offsets",
        metadata,
        Column("policy", String(100), primary_key=True),
        Column("topic", String(200), primary_key=True),
        Column("partition", BigInteger, primary_key=True),
        Column("kafka_offset", BigInteger, nullable=True),
        Column("origin", String(36), nullable=True),
    )


@dataclass(frozen=True)
class Hint:
    kafka_offset: int | None
    origin: str | None


class PolicyOffsets:
    """Per (policy, topic, partition): the ledger the partition carries and where to resume."""

    def __init__(self, ledger: str, engines: Engines) -> None:
        self.engines = engines
        metadata, self.table = _offsets_table(ledger)
        metadata.create_all(engines.writer)

    def read(self, policy: str, topic: str) -> dict[int, Hint]:
        c = self.table.c
        with self.engines.reader.connect() as connection:
            rows = connection.execute(
                select(c.partition, c.kafka_offset, c.origin).where(
                    (c.policy == policy) & (c.topic == topic)
                )
            )
            return {int(r.partition): Hint(r.kafka_offset, r.origin) for r in rows}

    def save(self, policy: str, topic: str, partition: int, **values: Any) -> None:
        def write() -> None:
            with self.engines.writer.begin() as connection:
                statement = dialect_insert(connection, self.table).values(
                    policy=policy, topic=topic, partition=partition, **values
                )
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=["policy", "topic", "partition"], set_=values
                    )
                )

        retry_when_busy(write)


def _header(record: Any, name: str) -> str:
    for key, value in record.headers or []:
        if key == name:
            return bytes(value).decode()
    raise ValueError(f"message without header {name}")


def _ours(record: Any) -> bool:
    names = {key for key, _ in record.headers or []}
    return {HEADER_POSITION, HEADER_TYPE, HEADER_STREAM, HEADER_LEDGER} <= names


@dataclass
class _Partition:
    progress: Progress
    origin: str | None
    hint: int | None
    """The offset kept in the side table."""
    resume: int | None = None
    """The offset of the last record whose position is tracked: the next hint."""
    read: int | None = None
    """The offset of the last record read (tracked once the progress is flushed)."""


class KafkaPolicyConsumer(Worker):
    interval = 0.0  # each poll waits for messages itself

    def __init__(
        self,
        policy: Policy,
        target: LedgerApplication,
        bootstrap: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        partitions: int = 6,
        replication: int = 1,
        track_every: int = TRACK_EVERY,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(f"policy-consumer-{policy.name}")
        self.policy = policy
        self.target = target
        self.bootstrap = bootstrap
        self.topic = topic_for(policy.source, prefix)
        tracking_name(policy.name, self.topic, partitions)  # refuses a name too long early
        self._topic_settings = (prefix, partitions, replication)
        self.effects = PolicyEffects(
            policy, target, track_every=track_every, before_commit=before_commit
        )
        self.offsets = PolicyOffsets(target.ledger.name, target.ledger.engines)
        self._consumer: KafkaConsumer | None = None
        self._partitions: dict[TopicPartition, _Partition] = {}
        self._lock = threading.RLock()
        """One poll at a time, and ``stop`` waits for it."""
        self.caught_up = 0
        """The source is handled up to here (every partition read to its end)."""
        self._caught_up_changed = threading.Condition()

    # the consumer thread

    def _open(self) -> KafkaConsumer:
        prefix, partition_count, replication = self._topic_settings
        ensure_topics(self.bootstrap, [self.policy.source], partition_count, replication, prefix)
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            client_id=f"ambito-policy-{self.policy.name}",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=500,
        )
        numbers = consumer.partitions_for_topic(self.topic)
        if not numbers:
            consumer.close()
            raise RuntimeError(f"topic {self.topic} does not exist (yet)")
        assigned = [TopicPartition(self.topic, number) for number in sorted(numbers)]
        consumer.assign(assigned)
        hints = self.offsets.read(self.policy.name, self.topic)
        states = {}
        for partition in assigned:
            progress = self.effects.progress(
                tracking_name(self.policy.name, self.topic, partition.partition)
            )
            hint = hints.get(partition.partition, Hint(None, None))
            offset = hint.kafka_offset
            if offset is not None and self._resume_point_holds(
                consumer, assigned, partition, offset, progress.stored, hint.origin
            ):
                consumer.seek(partition, offset + 1)
            else:
                consumer.seek_to_beginning(partition)  # positions drop what was done
                offset = None
            states[partition] = _Partition(progress, hint.origin, offset)
        self._partitions = states
        return consumer

    @staticmethod
    def _resume_point_holds(
        consumer: KafkaConsumer,
        assigned: list[TopicPartition],
        partition: TopicPartition,
        offset: int,
        position: int,
        origin: str | None,
    ) -> bool:
        """The kept offset still holds the record it was kept for (not so when the topic was
        deleted and created again: resuming there would skip the new topic's start)."""
        first = consumer.beginning_offsets([partition])[partition]
        end = consumer.end_offsets([partition])[partition]
        if not first <= offset < end:
            return False
        others = [p for p in assigned if p != partition]
        consumer.pause(*others)
        try:
            consumer.seek(partition, offset)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                for record in consumer.poll(timeout_ms=200).get(partition, []):
                    if record.offset == offset:
                        return (
                            _ours(record)
                            and _header(record, HEADER_LEDGER) == origin
                            and int(_header(record, HEADER_POSITION)) <= position
                        )
                    if record.offset > offset:
                        return False  # the record is gone (an aborted transaction's, say)
            return False
        finally:
            consumer.resume(*others)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Handles one poll's messages; returns how many causes had effects."""
        with self._lock:
            if self._consumer is None:
                self._consumer = self._open()
            try:
                batches = self._consumer.poll(timeout_ms=timeout_ms)
                handled = 0
                for partition, records in batches.items():
                    handled += self._handle(partition, records)
                self._keep_hints()
                self._check_caught_up()
            except BaseException:
                # the consumer is past records that were not handled: start again from the
                # tracked positions rather than from where it stands
                self._close_consumer()
                raise
            return handled

    def _handle(self, partition: TopicPartition, records: list[Any]) -> int:
        state = self._partitions[partition]
        progress = state.progress
        handled = 0
        for record in records:
            if not _ours(record):
                logger.error(
                    "%s: %s[%d]@%d is not an Ambito event; skipped",
                    self.policy.name,
                    partition.topic,
                    partition.partition,
                    record.offset,
                )
                continue
            ledger = _header(record, HEADER_LEDGER)
            if state.origin is None:
                # a partition's first event: the topic's other partitions already say whose
                # events it carries. Kept before anything is handled, so it survives a crash.
                known = {s.origin for s in self._partitions.values()} - {None}
                state.origin = known.pop() if known else ledger
                self.offsets.save(
                    self.policy.name, partition.topic, partition.partition, origin=state.origin
                )
            if ledger != state.origin:
                raise ForeignLedgerError(
                    f"{partition.topic}: events of another ledger ({ledger}) after those of "
                    f"{state.origin}; the policy stops rather than skip them by position"
                )
            position = int(_header(record, HEADER_POSITION))
            load = partial(cause_event, _header(record, HEADER_STREAM), position, record.value)
            if self.effects.offer(progress, position, _header(record, HEADER_TYPE), load):
                handled += 1
            state.read = record.offset
            if progress.stored >= position:
                state.resume = record.offset
        return handled

    def _keep_hints(self) -> None:
        for partition, state in self._partitions.items():
            if state.resume is not None and state.resume != state.hint:
                self.offsets.save(
                    self.policy.name,
                    partition.topic,
                    partition.partition,
                    kafka_offset=state.resume,
                    origin=state.origin,
                )
                state.hint = state.resume

    def _check_caught_up(self) -> None:
        """Everything published so far is handled when each partition's next offset has
        reached the end: the source is then handled up to the highest position seen."""
        assert self._consumer is not None
        count = len(self._consumer.partitions_for_topic(self.topic) or ())
        if count != len(self._partitions):
            raise PartitionsChanged(f"{self.topic} has {count} partitions now")
        ends = self._consumer.end_offsets(list(self._partitions))
        behind = sum(
            max(0, ends[partition] - self._consumer.position(partition))
            for partition in self._partitions
        )
        POLICY_LAG.labels(policy=self.policy.name, source=self.topic).set(behind)
        if behind:
            return
        with self._caught_up_changed:
            self.caught_up = max((s.progress.seen for s in self._partitions.values()), default=0)
            self._caught_up_changed.notify_all()

    def drain(self, timeout: float) -> None:
        """Polls until every partition is read to its end (a test, a catch-up)."""
        deadline = time.monotonic() + timeout
        self.poll_once(timeout_ms=200)
        while self._lagging():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.policy.name} did not reach the end of {self.topic}")
            self.poll_once(timeout_ms=200)

    def _lagging(self) -> bool:
        if self._consumer is None:
            return True
        ends = self._consumer.end_offsets(list(self._partitions))
        return any(self._consumer.position(p) < ends[p] for p in self._partitions)

    def position(self, stream: str | None = None) -> int:
        self._check_stream(stream)
        return self.caught_up

    def wait_for(self, stream: str, position: int, timeout: float) -> bool:
        """Read your writes: True once the source is handled up to ``position``."""
        self._check_stream(stream)
        deadline = time.monotonic() + timeout
        with self._caught_up_changed:
            while self.caught_up < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._caught_up_changed.wait(min(remaining, 0.5))
        return True

    def _check_stream(self, stream: str | None) -> None:
        if stream is not None and stream != self.policy.source:
            raise ValueError(f"{self.policy.name} follows {self.policy.source}, not {stream}")

    def step(self) -> None:
        self.poll_once()

    def after_failure(self) -> None:
        self._close_consumer()

    def _close_consumer(self) -> None:
        with self._lock:
            consumer, self._consumer = self._consumer, None
            self._partitions = {}
        if consumer is not None:
            try:
                consumer.close()
            except Exception:
                logger.warning("policy consumer %s did not close cleanly", self.policy.name)

    def stop(self) -> None:
        super().stop()
        with self._lock:
            try:
                for state in self._partitions.values():
                    retry_when_busy(partial(self.effects.flush, state.progress))
                    if state.read is not None:
                        state.resume = state.read
                self._keep_hints()
            except Exception:  # stopping must not fail; the events are read again
                logger.exception("%s: position not kept on stop", self.name)
        self._close_consumer()
        self.effects.close()
