"""Kafka started by deploy/kafka/kafka: a throwaway broker for a benchmark (the tests share
the run's one, ``tests.support.servers``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.postgres import REPOSITORY

KAFKA_SCRIPT = REPOSITORY / "deploy" / "kafka" / "kafka"


@contextmanager
def kafka_broker() -> Iterator[str]:
    """Yields the bootstrap servers of a throwaway broker; AMBITO_TEST_KAFKA_BOOTSTRAP reuses it.

    For benchmarks; the tests share the run's broker (``tests.support.servers``)."""
    from tests.support.servers import start_kafka, stop

    started = start_kafka()
    try:
        yield started.address
    finally:
        stop(started)
