"""The result of verifying a ledger's seals and checkpoints (``ambito audit verify``).

It is the ledger's own fact: recorded in the ledger it verified, by the system, so that it
travels with the rest of that ledger (and to Kafka) and the audit views can show the latest
result. No personal data: names of ledgers, counts, positions and a short reason.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.types import ShortText


@catalogued
class VerificaRegistroEseguita(LedgerEvent):
    """A verification of one ledger: ``integro`` when every seal and checkpoint verified,
    ``compromesso`` naming the first broken link otherwise."""

    registro: ShortText
    """The ledger verified (a service name)."""
    esito: Literal["integro", "compromesso"]
    eventi: int = Field(ge=0)
    """Events the verification covered."""
    ultima_posizione: int | None = Field(default=None, ge=0)
    """The last position covered (None: an empty ledger)."""
    checkpoint: int = Field(ge=0)
    """Position covered by the last signed checkpoint."""
    anello_rotto_posizione: int | None = Field(default=None, ge=0)
    motivo: ShortText | None = None
    """Why the first broken link is broken (None when the ledger is intact)."""
