"""What every service answers for an action, and how it returns a record's history: each
event with its actor, times, legal basis and source (the audit trail as users read it)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.events import Erased
from shared.events.envelope import Actor, LedgerEvent

ENVELOPE = frozenset(LedgerEvent.model_fields) | {"aggregate_id", "aggregate_version"}


class AzioneOut(BaseModel):
    id: UUID
    posizione: int
    """Ledger position reached: pass it as ``attendi_posizione`` to read your write."""
    versione: int
    creato: UUID | None = None
    """The appointment or application the action created."""


class AttoreOut(BaseModel):
    utente: str
    ruolo: str
    comune: str | None


class EventoOut(BaseModel):
    tipo: str
    versione: int
    occurred_at: datetime
    recorded_at: datetime | None
    attore: AttoreOut
    base_giuridica: str
    fonte: str
    dati: dict[str, Any]
    """The event's own fields; personal ones decrypted (null once the person is erased)."""


class StoriaOut(BaseModel):
    id: UUID
    versione: int
    items: list[EventoOut]


def plain(value: Any) -> Any:
    """Plain data, with erased personal values (at any depth) read as null."""
    if isinstance(value, Erased):
        return None
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def attore_out(actor: Actor) -> AttoreOut:
    return AttoreOut(utente=actor.user, ruolo=actor.role, comune=actor.comune)


def evento_out(event: LedgerEvent) -> EventoOut:
    data = {
        name: plain(getattr(event, name))
        for name in type(event).model_fields
        if name not in ENVELOPE and name != "originator_topic"
    }
    return EventoOut(
        tipo=event.event_type,
        versione=event.originator_version,
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        attore=attore_out(event.actor),
        base_giuridica=event.legal_basis,
        fonte=event.source,
        dati=data,
    )
