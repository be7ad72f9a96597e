"""Casework's reactions to other services' events (design sections 3 to 5)."""

from __future__ import annotations

from collections.abc import Sequence

from services.casework.application import CaseworkApplication
from shared.ledger.aggregate import LedgerAggregate
from shared.policies import Cause


class ApriCasoDaInoltro:
    """A request handed over by the Segretariato sociale (``DomandaInoltrata``) opens a
    case waiting for assignment, its id derived from the hand-over: however often the
    hand-over is delivered, one case."""

    name = "apertura-casi"
    source = "intake"
    event_types = frozenset({"DomandaInoltrata"})

    def __init__(self, casework: CaseworkApplication) -> None:
        self.casework = casework

    def handle(self, event: Cause) -> Sequence[LedgerAggregate]:
        return self.casework.apri_da_inoltro(event)
