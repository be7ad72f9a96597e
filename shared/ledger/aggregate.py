"""Base class for the services' aggregates: eventsourcing aggregates whose events are the
catalogue's pydantic models (the library's own pydantic example, applied to our envelope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate

from shared.events.envelope import LedgerEvent


class LedgerAggregate(BaseAggregate[UUID]):
    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        return uuid4()

    class Event(LedgerEvent, CanMutateAggregate[UUID]):
        pass

    class Created(Event, CanInitAggregate[UUID]):
        originator_topic: str
