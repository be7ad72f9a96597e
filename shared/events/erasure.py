"""The erasure of a person (crypto-shredding, GDPR art. 17; decision 0029).

It is a district-level record, kept in reporting's own ledger: who erased whom (by the
pseudonymous id only), when, why and on what legal basis (the envelope's). It carries no
personal field: it could not be encrypted under the key it records the destruction of.
"""

from __future__ import annotations

from typing import Final
from uuid import UUID, uuid5

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.personal import PersonaId
from shared.events.types import ShortText

ERASURE_NAMESPACE: Final = UUID("2b7d3c7e-5f0a-4b8e-9a61-7c4e0f1d9a35")
"""Namespace of the erasure's aggregate id, derived from the person's id: one per person."""


def id_cancellazione(persona_id: str) -> UUID:
    """The aggregate id of a person's erasure: the same on every run, so that the ledger
    holds at most one (a second save of version 1 is refused)."""
    return uuid5(ERASURE_NAMESPACE, persona_id)


@catalogued
class PersonaCancellata(LedgerEvent):
    """The person's key and blind indexes were destroyed (or are about to be: the event is
    recorded first, decision 0029); their data in every ledger, topic and read model reads
    as erased from then on, while statistics and seals stay as they were."""

    persona_id: PersonaId
    motivo: ShortText
    """Why, in clear and in a few words (e.g. "richiesta dell'interessato, prot. 123/2025"):
    it must name nobody; the command refuses a codice fiscale or a date in it."""
