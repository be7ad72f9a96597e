"""The relay (transactional outbox): publishes a ledger, in order, to its Kafka topic.

Each batch of events goes out in one Kafka transaction, keyed by aggregate id (a case stays
in order on its partition), with the event type, schema version, stream and ledger position
in headers and the stored bytes as the value: personal fields travel as the ciphertext the
ledger holds. Only after the broker commits the transaction does the relay record, in the
ledger's own database, the highest position published; after any crash it resumes from
there. A batch re-sent after a crash arrives twice; consumers drop the copy by position.
One relay per ledger (one replica of each service): two relays on one ledger would fence
each other's transactions over and over (nothing is lost, but neither makes progress cleanly).
Topics are created here, by the first batch, so a service starts and takes requests while
the broker is down: its ledger is the source of truth, and the relay catches up later.
"""

from __future__ import annotations

import json
import logging

from kafka import KafkaProducer
from sqlalchemy import BigInteger, Column, MetaData, String, Table, select

from shared.bus.topics import (
    DEFAULT_PREFIX,
    HEADER_LEDGER,
    HEADER_POSITION,
    HEADER_RECORDED_AT,
    HEADER_SCHEMA_VERSION,
    HEADER_STREAM,
    HEADER_TYPE,
    ensure_topics,
    topic_for,
)
from shared.db import dialect_insert, retry_when_busy
from shared.ledger.ledger import Ledger
from shared.observability import RELAY_LAG
from shared.worker import Worker

logger = logging.getLogger("ambito.bus")


def _relay_table(name: str) -> tuple[MetaData, Table]:
    metadata = MetaData()
    return metadata, Table(
        f"{name}_relay",
        metadata,
        Column("topic", String(200), primary_key=True),
        Column("position", BigInteger, nullable=False),
    )


class Relay(Worker):
    BATCH = 500

    def __init__(
        self,
        ledger: Ledger,
        bootstrap: str,
        prefix: str = DEFAULT_PREFIX,
        *,
        partitions: int = 6,
        replication: int = 1,
    ) -> None:
        super().__init__(f"relay-{ledger.name}")
        self.ledger = ledger
        self.stream = ledger.name
        self.topic = topic_for(ledger.name, prefix)
        self.prefix = prefix
        self.partitions = partitions
        self.replication = replication
        self._topic_ready = False
        self.bootstrap = bootstrap
        metadata, self.table = _relay_table(ledger.name)
        metadata.create_all(ledger.engines.writer)
        self._producer: KafkaProducer | None = None
        ledger.recorder.commit_listeners.append(self.wake)

    def step(self) -> None:
        self.catch_up()

    def position(self) -> int:
        with self.ledger.engines.reader.connect() as connection:
            value = connection.execute(
                select(self.table.c.position).where(self.table.c.topic == self.topic)
            ).scalar()
        return int(value) if value is not None else 0

    def _record(self, position: int) -> None:
        def write() -> None:
            with self.ledger.engines.writer.begin() as connection:
                statement = dialect_insert(connection, self.table).values(
                    topic=self.topic, position=position
                )
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=["topic"], set_={"position": position}
                    )
                )

        retry_when_busy(write)

    def producer(self) -> KafkaProducer:
        if self._producer is None:
            producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=f"ambito-relay-{self.stream}",
                transactional_id=f"relay-{self.topic}",
                acks="all",
                linger_ms=5,
                # kafka-python sleeps this long on its network thread when a transaction
                # starts right after a commit (CONCURRENT_TRANSACTIONS): 100 ms by default,
                # which was the whole p99 of the relay's latency (bench/relay.py)
                retry_backoff_ms=20,
                max_block_ms=30_000,
                request_timeout_ms=15_000,
            )
            producer.init_transactions()
            self._producer = producer
        return self._producer

    SEND_TIMEOUT_SECONDS = 30.0

    def _report_lag(self) -> None:
        head = self.ledger.recorder.max_notification_id() or 0
        RELAY_LAG.labels(stream=self.stream).set(max(0, head - self.position()))

    def relay_once(self) -> int:
        """Publishes the next batch in one transaction; returns how many events it sent."""
        self._report_lag()
        try:
            return self._publish_next_batch()
        finally:
            self._report_lag()

    def _publish_next_batch(self) -> int:
        start = self.position()
        notifications = self.ledger.recorder.select_notifications(
            start, self.BATCH, inclusive_of_start=False
        )
        if notifications:
            self._ensure_topic()
            ledger_id = self.ledger.recorder.ledger_id.encode()
            producer = self.producer()
            producer.begin_transaction()
            try:
                for notification in notifications:
                    producer.send(
                        self.topic,
                        key=str(notification.originator_id).encode(),
                        value=notification.state,
                        headers=[
                            (HEADER_TYPE, notification.topic.encode()),
                            (HEADER_SCHEMA_VERSION, _schema_version(notification.state)),
                            (HEADER_STREAM, self.stream.encode()),
                            (HEADER_POSITION, str(notification.id).encode()),
                            (HEADER_LEDGER, ledger_id),
                            (HEADER_RECORDED_AT, _recorded_at(notification)),
                        ],
                    )
                # bounded: with the broker down the sends never complete, and commit would
                # wait for ever; the relay then reports failing and tries again
                producer.flush(timeout=self.SEND_TIMEOUT_SECONDS)
                producer.commit_transaction()
            except Exception:
                self._discard_producer()
                raise
            self._record(notifications[-1].id)
        return len(notifications)

    def _ensure_topic(self) -> None:
        if not self._topic_ready:
            ensure_topics(
                self.bootstrap, [self.stream], self.partitions, self.replication, self.prefix
            )
            self._topic_ready = True

    def catch_up(self) -> int:
        sent = 0
        while True:
            batch = self.relay_once()
            sent += batch
            if batch < self.BATCH:
                return sent

    def _discard_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=5)  # also aborts a transaction left open
            except Exception:  # a broken producer may fail to close; it is dropped anyway
                logger.warning("relay %s: producer did not close cleanly", self.stream)

    def stop(self) -> None:
        super().stop()
        if self.wake in self.ledger.recorder.commit_listeners:
            self.ledger.recorder.commit_listeners.remove(self.wake)
        self._discard_producer()


def _schema_version(state: bytes) -> bytes:
    return str(json.loads(state)["schema_version"]).encode()


def _recorded_at(notification: object) -> bytes:
    """The commit time, outside the stored bytes (the ledger's ``LedgerNotification``)."""
    return str(getattr(notification, "recorded_at", "")).encode()
