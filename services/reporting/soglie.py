"""The caseload threshold a coordinator sets (decision 0022): one aggregate per area di
utenza, and one for the general threshold, each with a deterministic id (uuid5), so that two
coordinators setting the same area's threshold write to the same stream and never fork it.

The threshold in force for a worker's area is that area's, else the general one, else
``SOGLIA_PREDEFINITA``. A caseload raises the alarm when it passes the threshold (strictly
more active cases than the threshold).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.utils import get_topic

from shared.errors import Conflict
from shared.events import reporting
from shared.ledger.aggregate import LedgerAggregate

SOGLIA_PREDEFINITA = 60
"""Active cases per social worker before the alarm, when no coordinator has set one
(decision 0022)."""
GENERALE = "generale"
"""The key of the general threshold (any area without its own)."""
SOGLIE = UUID("6f1e2b0c-5a51-4c55-9a3e-0d7c5b2f4a10")
"""Namespace of the thresholds' aggregate ids."""


def id_soglia(area_utenza: str | None) -> UUID:
    """The aggregate of an area's threshold, or of the general one (``None``)."""
    return uuid5(SOGLIE, area_utenza or GENERALE)


class SogliaCarico(LedgerAggregate):
    """A threshold: its first setting creates the stream, each later one is a new event of
    the same type (the catalogue has one event for both)."""

    class SogliaCaricoImpostata(LedgerAggregate.Created, reporting.SogliaCaricoImpostata):
        def mutate(self, aggregate: Any) -> Any:
            if aggregate is None:
                return super().mutate(None)
            return LedgerAggregate.Event.mutate(self, aggregate)

        def apply(self, aggregate: Any) -> None:
            aggregate.soglia = self.soglia
            aggregate.area_utenza = self.area_utenza
            aggregate.impostata_da = self.actor.user
            aggregate.impostata_il = self.occurred_at

    def __init__(self, soglia: int, area_utenza: str | None = None) -> None:
        self.soglia = soglia
        self.area_utenza = area_utenza
        self.impostata_da: str | None = None
        self.impostata_il: datetime | None = None

    @classmethod
    def imposta_nuova(cls, soglia: int, area_utenza: str | None) -> SogliaCarico:
        return cls._create(
            cls.SogliaCaricoImpostata,
            id=id_soglia(area_utenza),
            soglia=soglia,
            area_utenza=area_utenza,
        )

    def imposta(self, soglia: int) -> None:
        """Setting the value in force again is refused (409): nothing would change."""
        if soglia == self.soglia:
            raise Conflict("la soglia è già impostata a questo valore")
        self.trigger_event(
            self.SogliaCaricoImpostata,
            originator_topic=get_topic(SogliaCarico),
            soglia=soglia,
            area_utenza=self.area_utenza,
        )


def soglia_per(soglie: Mapping[str, int], area_utenza: str) -> int:
    """The threshold in force for an area: its own wins over the general one."""
    if area_utenza in soglie:
        return soglie[area_utenza]
    return soglie.get(GENERALE, SOGLIA_PREDEFINITA)


def in_allarme(attivi: int, soglia: int) -> bool:
    """A caseload passes the threshold with more active cases than it."""
    return attivi > soglia
