"""The Kafka backbone against a real broker: relay, consumers, redelivery, faults, privacy."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from sqlalchemy import select, update

from services.reporting.projections import DomandePerComuneArea, domande_per_comune_area
from shared.bus.consumer import ForeignLedgerError, KafkaProjectionConsumer
from shared.bus.relay import Relay
from shared.bus.topics import HEADER_POSITION, HEADER_STREAM, HEADER_TYPE, ensure_topics
from shared.db import Engines, create_engines
from shared.events import CommandContext, acting, new_person_id
from shared.ledger.ledger import Ledger
from shared.projections.base import projection_positions, reset
from shared.projections.runner import ProjectionRunner
from tests.conftest import DatabaseFactory
from tests.support.domain import Sportello

NOME, COGNOME, BISOGNO = "Ermenegilda", "Zappacosta", "Vive sola al terzo piano"


@pytest.fixture
def stream(topic_prefix: str) -> str:
    """A ledger (and topic) name of its own for each test, on the shared broker."""
    return topic_prefix


class Projection(DomandePerComuneArea):
    def __init__(self, stream: str) -> None:
        self.sources = (stream,)


def _record(ledger: Ledger, operatore: CommandContext, count: int) -> None:
    app = Sportello(ledger)
    with acting(operatore):
        for index in range(count):
            domanda = app.ricevi(NOME, COGNOME, None, new_person_id(), f"{BISOGNO} {index}")
            domanda.informa(persona_id=domanda.persona_id, servizi=["SAD"])
            app.save(domanda)


def _rows(views: Engines) -> list[tuple[str, str, int]]:
    table = domande_per_comune_area
    with views.reader.connect() as connection:
        return [tuple(r) for r in connection.execute(select(table).order_by(table.c.comune))]


def _consume_until(consumer: KafkaProjectionConsumer, stream: str, position: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        consumer.poll_once(timeout_ms=200)
        if consumer.position(stream) >= position:
            return
    raise AssertionError(f"consumer stuck at {consumer.position(stream)} < {position}")


def _rebuilt_from_ledger(ledger: Ledger, stream: str, views: Engines) -> list[tuple[str, str, int]]:
    runner = ProjectionRunner(Projection(stream), views, {stream: ledger.recorder})
    runner.catch_up()
    runner.stop()
    return _rows(views)


@pytest.fixture
def setup(
    kafka_bootstrap: str,
    stream: str,
    open_ledger: Callable[..., Ledger],
    database_url: DatabaseFactory,
) -> Iterator[tuple[Ledger, Relay, Callable[[], Engines]]]:
    ensure_topics(kafka_bootstrap, [stream], partitions=3)
    ledger = open_ledger(stream)
    relay = Relay(ledger, kafka_bootstrap)
    engines: list[Engines] = []

    def views() -> Engines:
        engines.append(create_engines(database_url(f"views{len(engines)}")))
        return engines[-1]

    yield ledger, relay, views
    relay.stop()
    for each in engines:
        each.dispose()


def test_relayed_events_feed_the_projection_exactly_once(
    setup: tuple[Ledger, Relay, Callable[[], Engines]],
    operatore: CommandContext,
    stream: str,
    kafka_bootstrap: str,
) -> None:
    ledger, relay, views = setup
    _record(ledger, operatore, 30)
    assert relay.catch_up() == 60
    assert relay.position() == 60
    assert relay.catch_up() == 0

    read_model = views()
    consumer = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    _consume_until(consumer, stream, 60)
    assert _rows(read_model) == [("E094", "ELD", 30)]
    assert _rows(read_model) == _rebuilt_from_ledger(ledger, stream, views())

    # Acceptance 3: the whole topic again, from offset 0, changes nothing.
    with read_model.writer.begin() as connection:
        connection.execute(update(projection_positions).values(kafka_offset=None))
    consumer.stop()
    again = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    _consume_until(again, stream, 60)
    assert _rows(read_model) == [("E094", "ELD", 30)]
    again.stop()


def test_a_batch_resent_after_a_relay_crash_is_counted_once(
    setup: tuple[Ledger, Relay, Callable[[], Engines]],
    operatore: CommandContext,
    stream: str,
    kafka_bootstrap: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger, relay, views = setup
    _record(ledger, operatore, 10)

    def crash(_position: int) -> None:
        raise RuntimeError("killed after the broker committed, before the position was kept")

    monkeypatch.setattr(relay, "_record", crash)
    with pytest.raises(RuntimeError):
        relay.relay_once()
    monkeypatch.undo()
    assert relay.position() == 0
    _record(ledger, operatore, 5)
    assert relay.catch_up() == 30  # the first batch again, and the new events

    read_model = views()
    consumer = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    _consume_until(consumer, stream, 30)
    assert _rows(read_model) == [("E094", "ELD", 15)]
    assert _rows(read_model) == _rebuilt_from_ledger(ledger, stream, views())
    consumer.stop()


def test_a_consumer_dying_before_its_commit_leaves_nothing_half_done(
    setup: tuple[Ledger, Relay, Callable[[], Engines]],
    operatore: CommandContext,
    stream: str,
    kafka_bootstrap: str,
) -> None:
    ledger, relay, views = setup
    _record(ledger, operatore, 12)
    relay.catch_up()
    read_model = views()

    def die() -> None:
        raise SystemExit("killed just before the commit")

    dying = KafkaProjectionConsumer(
        Projection(stream), read_model, kafka_bootstrap, before_commit=die
    )

    def poll_until_it_dies() -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            dying.poll_once(timeout_ms=200)

    with pytest.raises(SystemExit):
        poll_until_it_dies()
    dying.stop()
    assert _rows(read_model) == []
    with read_model.reader.connect() as connection:
        assert connection.execute(select(projection_positions)).all() == []

    consumer = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    _consume_until(consumer, stream, 24)
    assert _rows(read_model) == _rebuilt_from_ledger(ledger, stream, views())
    consumer.stop()


def test_raw_kafka_payloads_carry_no_personal_data_in_clear(
    setup: tuple[Ledger, Relay, Callable[[], Engines]],
    operatore: CommandContext,
    stream: str,
    kafka_bootstrap: str,
) -> None:
    ledger, relay, _ = setup
    _record(ledger, operatore, 5)
    relay.catch_up()
    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap,
        enable_auto_commit=False,
        group_id=None,
        isolation_level="read_committed",
    )
    topic = f"ambito.{stream}.v1"
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    messages: list[Any] = []
    deadline = time.monotonic() + 60
    while len(messages) < 10 and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=200).values():
            messages.extend(batch)
    consumer.close()
    assert len(messages) == 10
    for message in messages:
        raw = message.value + (message.key or b"") + b"".join(v for _, v in message.headers)
        for secret in (NOME, COGNOME, BISOGNO, NOME.upper()):
            assert secret.encode() not in raw
        headers = {k: v.decode() for k, v in message.headers}
        if headers[HEADER_TYPE] == "DomandaRicevuta":
            assert b'"$enc"' in message.value
        assert headers[HEADER_STREAM] == stream
        assert headers[HEADER_TYPE] in ("DomandaRicevuta", "InformazioniFornite")
        assert int(headers[HEADER_POSITION]) >= 1


def test_a_topic_that_starts_carrying_another_ledger_stops_the_consumer_loudly(
    setup: tuple[Ledger, Relay, Callable[[], Engines]],
    operatore: CommandContext,
    stream: str,
    kafka_bootstrap: str,
    open_ledger: Callable[..., Ledger],
    database_url: DatabaseFactory,
) -> None:
    ledger, relay, views = setup
    _record(ledger, operatore, 3)
    relay.catch_up()
    read_model = views()
    consumer = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    _consume_until(consumer, stream, 6)

    reset = open_ledger(stream, url=database_url(f"{stream}_reset"))  # same name, new ledger
    assert reset.recorder.ledger_id != ledger.recorder.ledger_id
    _record(reset, operatore, 4)
    other_relay = Relay(reset, kafka_bootstrap)
    other_relay.catch_up()
    other_relay.stop()

    def poll_all() -> None:
        deadline = time.monotonic() + 90  # generous: a loaded CI machine is slow to fetch
        while time.monotonic() < deadline:
            consumer.poll_once(timeout_ms=200)

    with pytest.raises(ForeignLedgerError, match="another ledger"):
        poll_all()
    assert _rows(read_model) == [("E094", "ELD", 3)]  # nothing of the other ledger applied
    consumer.stop()


def test_a_rebuild_while_the_consumer_runs_loses_nothing(
    setup: tuple[Ledger, Relay, Callable[[], Engines]],
    operatore: CommandContext,
    stream: str,
    kafka_bootstrap: str,
) -> None:
    ledger, relay, views = setup
    _record(ledger, operatore, 20)
    relay.catch_up()
    read_model = views()
    running = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    running.start()
    assert running.wait_for(stream, 40, timeout=60)

    reset(Projection(stream), read_model)  # `ambito projections rebuild` with the service up
    rebuild = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    _record(ledger, operatore, 5)
    relay.catch_up()
    rebuild.drain(timeout=120)
    rebuild.stop()
    assert running.wait_for(stream, 50, timeout=60)
    time.sleep(1.0)  # let the running consumer notice the reset and replay
    deadline = time.monotonic() + 60
    while _rows(read_model) != [("E094", "ELD", 25)] and time.monotonic() < deadline:
        time.sleep(0.2)
    running.stop()
    assert _rows(read_model) == [("E094", "ELD", 25)]
    assert _rows(read_model) == _rebuilt_from_ledger(ledger, stream, views())


def test_a_recreated_topic_is_read_from_its_start(
    setup: tuple[Ledger, Relay, Callable[[], Engines]],
    operatore: CommandContext,
    stream: str,
    kafka_bootstrap: str,
) -> None:
    ledger, relay, views = setup
    _record(ledger, operatore, 10)
    relay.catch_up()
    read_model = views()
    first = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    _consume_until(first, stream, 20)
    first.stop()

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.delete_topics([f"ambito.{stream}.v1"])
    admin.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            ensure_topics(kafka_bootstrap, [stream], partitions=3)
            break
        except Exception:  # the deletion completes in the background
            assert time.monotonic() < deadline
            time.sleep(0.5)
    _record(ledger, operatore, 15)
    relay.catch_up()  # the relay goes on from its own position: only the new events

    again = KafkaProjectionConsumer(Projection(stream), read_model, kafka_bootstrap)
    _consume_until(again, stream, 50)
    again.stop()
    assert _rows(read_model) == [("E094", "ELD", 25)]
