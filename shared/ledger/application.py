"""The base of every service's application (its service layer) on the ``eventsourcing``
library, wired to the service's sealed ledger. Snapshots are off: they would not be sealed
(design section 12)."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    Mapper,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.utils import Environment

from shared.ledger.ledger import Ledger


class LedgerFactory(InfrastructureFactory[TrackingRecorder]):
    """Hands the ledger's own recorder to the library instead of building one from env."""

    def __init__(self, env: Environment, ledger: Ledger) -> None:
        super().__init__(env)
        self.ledger = ledger

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        if purpose != "events":
            raise ValueError("ledgers keep no snapshots: they would escape the seals")
        return self.ledger.recorder

    def application_recorder(self) -> ApplicationRecorder:
        return self.ledger.recorder

    def tracking_recorder(
        self, tracking_recorder_class: type[TrackingRecorder] | None = None
    ) -> TrackingRecorder:
        return self.ledger.recorder

    def process_recorder(self) -> ProcessRecorder:
        return self.ledger.recorder

    def is_snapshotting_enabled(self) -> bool:
        return False


A = TypeVar("A")


class LedgerApplication(Application[UUID]):
    aggregate_classes: ClassVar[tuple[type, ...]] = ()
    """Aggregates whose events this application loads (their event classes are bound)."""

    def __init__(self, ledger: Ledger, env: dict[str, str] | None = None) -> None:
        if type(self).is_snapshotting_enabled or type(self).snapshotting_intervals:
            raise TypeError("ledgers keep no snapshots: they would escape the seals")
        self.ledger = ledger
        for aggregate_class in self.aggregate_classes:
            ledger.mapper.classes.bind(aggregate_class)
        super().__init__(env)

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return LedgerFactory(env, self.ledger)

    def construct_mapper(self) -> Mapper[UUID]:
        return self.ledger.mapper

    def construct_recorder(self) -> ApplicationRecorder:
        return self.ledger.recorder

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate of that kind with that id; None when there is none (or the id is
        another kind's)."""
        found = self.recorded(aggregate_id)
        return found if isinstance(found, kind) else None

    def recorded(self, aggregate_id: UUID) -> object | None:
        """Whatever aggregate has that id, of any kind; None when there is none."""
        try:
            found: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found
