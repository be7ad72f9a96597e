"""Relay throughput and end-to-end latency on a real Kafka broker, measured in one run.

1. Throughput: N events are recorded in a SQLite ledger first (not timed), then
   ``Relay.catch_up()`` publishes them to a fresh topic. The baseline, in the same run, is
   kafka-python's own ``KafkaProducer`` sending the very same stored payloads (same key,
   value and headers, acks="all", idempotent, same linger) to another fresh topic with the
   same partitions: plain sends and one ``flush()``; and, to show where the cost is, the
   same producer transactional with one transaction per ``Relay.BATCH`` events, as the
   relay does. Connections and topic metadata are set up before each timing, the broker is
   warmed up first by an untimed send of N events, and the three are measured in rounds, in
   a different order each round (a fresh topic each time): medians are printed.
2. Latency: a writer thread records events through the ledger at a fixed rate while a
   started ``Relay`` (woken by each commit) and a started ``KafkaProjectionConsumer`` feed a
   SQLite read model. For each event: from the commit acknowledgement (the position the
   ledger returned) to the moment the consumer reports the read model applied up to it
   (``wait_for``, what read-your-writes waits on); and, to split that in two, to the moment
   a plain read_committed consumer tailing the topic first sees it.

    python -m bench.relay [--events N] [--bootstrap HOST:PORT] [--partitions P]
                          [--rounds R] [--rate EVENTS_PER_S] [--seconds S]

Without --bootstrap (or AMBITO_BENCH_KAFKA_BOOTSTRAP) a throwaway broker is started by
deploy/kafka/kafka and stopped at the end. The bench's topics are deleted at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from sqlalchemy import func, select

from bench.ledger import _events
from services.reporting.projections import DomandePerComuneArea, domande_per_comune_area
from shared.bus.consumer import KafkaProjectionConsumer
from shared.bus.relay import Relay, _schema_version
from shared.bus.topics import (
    HEADER_POSITION,
    HEADER_SCHEMA_VERSION,
    HEADER_STREAM,
    HEADER_TYPE,
    ensure_topics,
    topic_for,
)
from shared.db import create_engines, sqlite_url
from shared.keys import init_key_directory, load_district_keys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore
from shared.settings import Settings
from tests.support.kafka import kafka_broker

DRAIN_SECONDS = 30.0
"""How long the latency run waits, after the last write, for the read model to catch up."""

Message = tuple[bytes, bytes, list[tuple[str, bytes]]]


@dataclass(frozen=True)
class Throughput:
    """Events per second of each round, per variant."""

    events: int
    partitions: int
    rounds: int
    relay: list[float]
    plain: list[float]
    transactional: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.relay) / statistics.median(self.plain)


@dataclass(frozen=True)
class Latency:
    rate: float
    seconds: float
    written: int
    achieved_rate: float
    on_kafka_ms: list[float]
    applied_ms: list[float]
    failures: list[str]


class _Projection(DomandePerComuneArea):
    """The reporting projection, fed by the bench's own stream."""

    def __init__(self, stream: str) -> None:
        self.sources = (stream,)


# the broker


@contextmanager
def _kafka(bootstrap: str | None) -> Iterator[str]:
    """The given broker, or one of the bench's own, started as the tests start theirs."""
    if bootstrap:
        yield bootstrap
        return
    with kafka_broker() as started:
        yield started


@contextmanager
def _topics(bootstrap: str, streams: list[str], partitions: int) -> Iterator[None]:
    """Fresh topics for the streams, deleted afterwards (they are kept forever otherwise)."""
    ensure_topics(bootstrap, streams, partitions)
    try:
        yield
    finally:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="ambito-bench")
        try:
            admin.delete_topics([topic_for(stream) for stream in streams])
        except Exception as error:  # a leftover topic is no reason to lose the figures
            print(f"could not delete the bench topics: {error}", file=sys.stderr)
        finally:
            admin.close()


@contextmanager
def _ledger(work: Path, name: str) -> Iterator[Ledger]:
    """A SQLite ledger with its keys and key store, all in ``work``."""
    init_key_directory(work / "keys")
    keys = load_district_keys(work / "keys")
    keystore = KeyStore(
        sqlite_url(work / "keystore.sqlite"), keys.key_encryption_key, keys.blind_index_key
    )
    ledger = Ledger(name, sqlite_url(work / "ledger.sqlite"), keys, keystore)
    try:
        yield ledger
    finally:
        ledger.close()
        keystore.close()


def _stream() -> str:
    return f"bench_{uuid.uuid4().hex[:10]}"


def _producer(bootstrap: str, **config: Any) -> KafkaProducer:
    """kafka-python's producer with the relay's own delivery settings."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_block_ms=30_000,
        request_timeout_ms=15_000,
        **config,
    )


# 1. throughput


def _messages(ledger: Ledger, stream: str, count: int) -> list[Message]:
    """What the relay sends for each stored event: key, value and headers."""
    return [
        (
            str(notification.originator_id).encode(),
            notification.state,
            [
                (HEADER_TYPE, notification.topic.encode()),
                (HEADER_SCHEMA_VERSION, _schema_version(notification.state)),
                (HEADER_STREAM, stream.encode()),
                (HEADER_POSITION, str(notification.id).encode()),
            ],
        )
        for notification in ledger.recorder.select_notifications(0, count, inclusive_of_start=False)
    ]


def _send(producer: KafkaProducer, topic: str, messages: list[Message], batch: int) -> float:
    """Seconds to send the messages, in transactions of ``batch`` (0: plain, one flush)."""
    producer.partitions_for(topic)  # metadata before the clock starts
    futures = []
    started = time.perf_counter()
    if batch:
        for first in range(0, len(messages), batch):
            producer.begin_transaction()
            for key, value, headers in messages[first : first + batch]:
                futures.append(producer.send(topic, key=key, value=value, headers=headers))
            producer.commit_transaction()
    else:
        for key, value, headers in messages:
            futures.append(producer.send(topic, key=key, value=value, headers=headers))
        producer.flush()
    seconds = time.perf_counter() - started
    failed = [future for future in futures if not future.succeeded()]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(futures)} sends to {topic} failed")
    return seconds


def _throughput(bootstrap: str, count: int, partitions: int, rounds: int) -> Throughput:
    stream = _stream()
    names = [f"{stream}_{variant}{n}" for n in range(rounds) for variant in ("r", "p", "t")]
    work = Path(tempfile.mkdtemp(prefix="ambito-bench-relay-"))
    seconds: dict[str, list[float]] = {"relay": [], "plain": [], "transactional": []}
    try:
        with ExitStack() as stack:
            stack.enter_context(_topics(bootstrap, [stream, *names], partitions))
            ledger = stack.enter_context(_ledger(work, stream))
            events = _events(count, None)
            for first in range(0, count, 100):  # not timed: the relay only reads them
                ledger.recorder.insert_events(
                    [ledger.mapper.to_stored_event(event) for event in events[first : first + 100]]
                )
            messages = _messages(ledger, stream, count)
            if len(messages) != count:
                raise RuntimeError(f"the ledger holds {len(messages)} events, not {count}")

            plain = _producer(bootstrap)
            stack.callback(plain.close)
            transactional = _producer(bootstrap, transactional_id=f"ambito-bench-{stream}")
            stack.callback(transactional.close)
            transactional.init_transactions()
            relay = Relay(ledger, bootstrap)
            stack.callback(relay.stop)
            relay.producer()
            _send(plain, topic_for(stream), messages, 0)  # warms the broker up, not timed

            def relayed(n: int) -> float:
                # A fresh topic each round: the relay keeps its position per topic, so it
                # publishes the whole ledger again, from position 0.
                relay.topic = topic_for(f"{stream}_r{n}")
                relay.producer().partitions_for(relay.topic)  # as the baselines: set up first
                started = time.perf_counter()
                sent = relay.catch_up()
                elapsed = time.perf_counter() - started
                if sent != count or relay.position() != count:
                    raise RuntimeError(f"relayed {sent}, position {relay.position()}, not {count}")
                return elapsed

            variants: list[tuple[str, Callable[[int], float]]] = [
                ("relay", relayed),
                ("plain", lambda n: _send(plain, topic_for(f"{stream}_p{n}"), messages, 0)),
                (
                    "transactional",
                    lambda n: _send(
                        transactional, topic_for(f"{stream}_t{n}"), messages, Relay.BATCH
                    ),
                ),
            ]
            for n in range(rounds):  # each round in another order: no variant always first
                for name, measure in variants[n % 3 :] + variants[: n % 3]:
                    seconds[name].append(measure(n))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Throughput(
        count,
        partitions,
        rounds,
        *([count / each for each in seconds[name]] for name in ("relay", "plain", "transactional")),
    )


# 2. latency


class _Tail:
    """A plain read_committed consumer noting when each ledger position becomes visible."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.seen: dict[int, float] = {}
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        partitions = [
            TopicPartition(topic, number)
            for number in sorted(self._consumer.partitions_for_topic(topic))
        ]
        self._consumer.assign(partitions)
        self._consumer.seek_to_beginning(*partitions)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-tail", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for records in self._consumer.poll(timeout_ms=100).values():
                now = time.perf_counter()
                for record in records:
                    position = dict(record.headers)[HEADER_POSITION]
                    self.seen.setdefault(int(bytes(position)), now)

    def wait_for(self, positions: Iterable[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not all(p in self.seen for p in positions) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._consumer.close()


def _percentile(values: list[float], percent: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def _latency(bootstrap: str, rate: float, seconds: float, partitions: int) -> Latency:
    stream = _stream()
    count = max(1, round(rate * seconds))
    work = Path(tempfile.mkdtemp(prefix="ambito-bench-relay-"))
    failures: list[str] = []
    try:
        with ExitStack() as stack:
            stack.enter_context(_topics(bootstrap, [stream], partitions))
            ledger = stack.enter_context(_ledger(work, stream))
            views = create_engines(sqlite_url(work / "views.sqlite"))
            stack.callback(views.dispose)
            relay = Relay(ledger, bootstrap)
            stack.callback(relay.stop)
            consumer = KafkaProjectionConsumer(_Projection(stream), views, bootstrap)
            stack.callback(consumer.stop)
            tail = _Tail(bootstrap, topic_for(stream))
            stack.callback(tail.stop)
            relay.start()
            consumer.start()

            def record(event: Any) -> int:
                positions = ledger.recorder.insert_events([ledger.mapper.to_stored_event(event)])
                assert positions
                return positions[-1]

            # One event through everything first: producer, transactions, fetch sessions.
            warm_up, *events = _events(count + 1, None)
            if not consumer.wait_for(stream, record(warm_up), timeout=60):
                raise RuntimeError("the first event did not reach the read model in 60 s")

            acked: dict[int, float] = {}
            positions: queue.Queue[int | None] = queue.Queue()
            writer = threading.Thread(
                target=_write_steadily,
                args=(events, rate, record, acked, positions),
                name="bench-writer",
            )
            writer.start()
            applied: dict[int, float] = {}
            deadline = time.monotonic() + seconds + DRAIN_SECONDS
            while (position := positions.get()) is not None:
                remaining = max(0.0, deadline - time.monotonic())
                if consumer.wait_for(stream, position, timeout=remaining):
                    applied[position] = time.perf_counter()
            writer.join()
            if len(acked) < len(events):
                failures.append(f"the writer stopped after {len(acked)} of {len(events)} events")
            if len(applied) < len(acked):
                failures.append(
                    f"{len(acked) - len(applied)} events not applied {DRAIN_SECONDS:.0f} s "
                    "after the last write"
                )
            if relay.failing or consumer.failing:
                failures.append("the relay or the consumer logged a failure (see above)")
            counted = _counted(views.reader)
            if counted != len(acked) + 1 and not failures:
                failures.append(f"the read model counts {counted} requests, not {len(acked) + 1}")
            tail.wait_for(acked, timeout=5.0)  # it may see the last ones a moment later
            seen = dict(tail.seen)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    span = max(acked.values()) - min(acked.values()) if len(acked) > 1 else 0.0
    return Latency(
        rate,
        seconds,
        len(acked),
        (len(acked) - 1) / span if span else 0.0,
        [(seen[p] - acked[p]) * 1000 for p in acked if p in seen],
        [(applied[p] - acked[p]) * 1000 for p in acked if p in applied],
        failures,
    )


def _write_steadily(
    events: list[Any],
    rate: float,
    record: Callable[[Any], int],
    acked: dict[int, float],
    positions: queue.Queue[int | None],
) -> None:
    """Records the events at ``rate`` a second, noting when each commit is acknowledged."""
    started = time.perf_counter()
    try:
        for index, event in enumerate(events):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            position = record(event)
            acked[position] = time.perf_counter()
            positions.put(position)
    finally:
        positions.put(None)


def _counted(reader: Any) -> int:
    with reader.connect() as connection:
        value = connection.execute(select(func.sum(domande_per_comune_area.c.domande))).scalar()
    return int(value or 0)


# output


def _print_throughput(result: Throughput) -> None:
    print(
        f"relay throughput: {result.events} events from a SQLite ledger, "
        f"{result.partitions} partitions, acks=all, idempotent; "
        f"median of {result.rounds} interleaved rounds"
    )
    plain = statistics.median(result.plain)
    print(f"  {'':<36}{'ev/s':>9}{'min':>8}{'max':>8}{'vs plain':>10}")
    for label, rounds in (
        ("Relay.catch_up (txn per 500)", result.relay),
        ("KafkaProducer, sends + flush", result.plain),
        ("KafkaProducer, txn per 500", result.transactional),
    ):
        median = statistics.median(rounds)
        print(
            f"  {label:<36}{median:>9.0f}{min(rounds):>8.0f}{max(rounds):>8.0f}"
            f"{median / plain:>10.2f}"
        )
    print(f"  ratio relay/baseline: {result.ratio:.2f}")


def _print_latency(result: Latency) -> None:
    print(
        f"end-to-end latency: {result.rate:g} events/s for {result.seconds:g} s, "
        f"{result.written} events acknowledged (at {result.achieved_rate:.1f}/s)"
    )
    print(
        f"  {'from commit acknowledged to':<36}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    for label, values in (
        ("visible on Kafka (read_committed)", result.on_kafka_ms),
        ("read model updated (wait_for)", result.applied_ms),
    ):
        if values:
            print(
                f"  {label:<36}{len(values):>7}{_percentile(values, 50):>9.1f}"
                f"{_percentile(values, 99):>9.1f}{max(values):>9.1f}"
            )
        else:
            print(f"  {label:<36}{0:>7}")
    for failure in result.failures:
        print(f"  FAILED: {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--bootstrap", default=os.environ.get("AMBITO_BENCH_KAFKA_BOOTSTRAP"))
    parser.add_argument(
        "--partitions", type=int, default=Settings.model_fields["kafka_partitions"].default
    )
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds (median)")
    parser.add_argument("--rate", type=float, default=50.0, help="events/s in the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency run")
    options = parser.parse_args(argv)

    with _kafka(options.bootstrap) as bootstrap:
        throughput = _throughput(bootstrap, options.events, options.partitions, options.rounds)
        _print_throughput(throughput)
        latency = _latency(bootstrap, options.rate, options.seconds, options.partitions)
        _print_latency(latency)
    return 1 if latency.failures else 0


if __name__ == "__main__":
    sys.exit(main())
