"""The consumer's bookkeeping of positions, offsets and origins, on fake records (the
broker's part is tested in tests/integration/test_bus.py).

Two processes feeding one read model from Kafka (the network directory is fed by intake's,
casework's and network's processes; a shared read-model database is the deployments'
default): the slower one must not move the stored offset back, or the faster one takes the
read model for reset and stops."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from kafka import TopicPartition
from sqlalchemy import Connection, MetaData

from shared.bus.consumer import ForeignLedgerError, KafkaProjectionConsumer
from shared.bus.topics import HEADER_LEDGER, HEADER_POSITION, HEADER_STREAM, HEADER_TYPE
from shared.db import create_engines
from shared.projections.base import WireEvent, read_positions


class Counting:
    name = "test.counting"
    sources: tuple[str, ...] = ("intake",)
    event_types = frozenset({"DomandaRicevuta"})
    metadata = MetaData()

    def __init__(self) -> None:
        self.applied: list[int] = []

    def apply(self, connection: Connection, event: WireEvent) -> None:
        self.applied.append(event.position)


def _record(offset: int, ledger: bytes = b"ledger-1") -> Any:
    """A record whose ledger position is its offset + 1, of a type the projection ignores."""
    headers = [
        (HEADER_POSITION, str(offset + 1).encode()),
        (HEADER_TYPE, b"InformazioniFornite"),
        (HEADER_STREAM, b"intake"),
        (HEADER_LEDGER, ledger),
    ]
    return SimpleNamespace(offset=offset, headers=headers, value=b"{}")


def test_a_slower_feeder_does_not_move_the_stored_offset_back(tmp_path: Path) -> None:
    views = create_engines(f"sqlite:///{tmp_path / 'views.sqlite'}")
    partition = TopicPartition("t.intake.v1", 0)
    fast, slow = (
        KafkaProjectionConsumer(Counting(), views, "127.0.0.1:1", prefix="t") for _ in range(2)
    )
    try:
        fast._apply({partition: [_record(i) for i in range(6)]})
        slow._apply({partition: [_record(i) for i in range(3)]})  # redeliveries for it
        stored = read_positions(views, Counting.name)[("t.intake.v1", 0)]
        assert (stored.position, stored.kafka_offset) == (6, 5)
        fast._apply({partition: [_record(6)]})  # no ReadModelReset: it carries on
        stored = read_positions(views, Counting.name)[("t.intake.v1", 0)]
        assert (stored.position, stored.kafka_offset) == (7, 6)
    finally:
        views.dispose()


def test_another_ledger_on_a_partition_the_first_never_used_is_refused(tmp_path: Path) -> None:
    """A reset ledger's keys may hash to partitions the old one left empty: the origin is
    the topic's, not the partition's."""
    views = create_engines(f"sqlite:///{tmp_path / 'views.sqlite'}")
    consumer = KafkaProjectionConsumer(Counting(), views, "127.0.0.1:1", prefix="t")
    try:
        consumer._apply({TopicPartition("t.intake.v1", 0): [_record(0), _record(1)]})
        with pytest.raises(ForeignLedgerError, match="another ledger"):
            consumer._apply({TopicPartition("t.intake.v1", 1): [_record(0, b"ledger-2")]})
        stored = read_positions(views, Counting.name)
        assert ("t.intake.v1", 1) not in stored or stored[("t.intake.v1", 1)].position == 0
    finally:
        views.dispose()
