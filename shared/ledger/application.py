"""The base of every service's application (its service layer) on the ``eventsourcing``
library, wired to the service's sealed ledger. Snapshots are off: they would not be sealed
(design section 12)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    Mapper,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.utils import Environment

from shared.auth.richiesta import Richiesta
from shared.events import acting
from shared.events.access import DatiPersonaliLetti
from shared.ledger.ledger import Ledger
from shared.observability import PERSONAL_DATA_READS

ATTEMPTS = 12
"""Tries of an action without If-Match under concurrent writers, with a short random pause."""
LEGAL_BASIS_LETTURA = "GDPR_9_2_G"


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
        except AssertionError:
            # eventsourcing asserts when the stream's events mutate no aggregate: the id of
            # a recorded read (DatiPersonaliLetti) is no record of any kind
            if self._mutates_an_aggregate(aggregate_id):
                raise
            return None
        return found

    def _mutates_an_aggregate(self, aggregate_id: UUID) -> bool:
        first = next(iter(self.events.get(aggregate_id, lte=1)), None)
        return callable(getattr(first, "mutate", None))

    def save_retrying(
        self, attempt: Callable[[], Sequence[MutableOrImmutableAggregate[UUID]]]
    ) -> list[Any]:
        """Loads, checks, changes (``attempt``) and saves in one transaction. A concurrent
        write makes it run ``attempt`` again on the new state, so every rule is checked again
        and a stale If-Match (checked inside ``attempt``) then answers 412 (decision 0018)."""
        for tries in range(1, ATTEMPTS + 1):
            aggregates = attempt()
            try:
                return self.save(*aggregates)
            except IntegrityError:
                if tries == ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, 0.01 * tries))  # noqa: S311 - jitter only
        raise AssertionError("unreachable")  # pragma: no cover

    def registra_lettura(
        self,
        richiesta: Richiesta,
        persona_id: str | None,
        oggetto: str,
        oggetto_id: UUID,
        finalita: str,
        endpoint: str,
        comune: str | None,
    ) -> None:
        """Every read of personal data leaves an event, before the data leaves the service."""
        self.save(
            self.read_event(richiesta, persona_id, oggetto, oggetto_id, finalita, endpoint, comune)
        )
        PERSONAL_DATA_READS.labels(service=self.name, purpose=finalita).inc()

    def read_event(
        self,
        richiesta: Richiesta,
        persona_id: str | None,
        oggetto: str,
        oggetto_id: UUID,
        finalita: str,
        endpoint: str,
        comune: str | None,
    ) -> DatiPersonaliLetti:
        """A read to record (several are saved together by a list's reader)."""
        with acting(richiesta.context(comune, LEGAL_BASIS_LETTURA)):
            return DatiPersonaliLetti.model_validate(
                {
                    "aggregate_id": uuid4(),
                    "aggregate_version": 1,
                    "persona_id": persona_id,
                    "oggetto": oggetto,
                    "oggetto_id": oggetto_id,
                    "finalita": finalita,
                    "endpoint": endpoint,
                }
            )
