"""The read of personal data, recorded by whichever service served it."""

from __future__ import annotations

from uuid import UUID

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.personal import OptionalPersonalText, PersonaId
from shared.events.types import CodiceFinalita, ShortText


@catalogued
class DatiPersonaliLetti(LedgerEvent):
    """Who read what, for which purpose: the aggregate is the read's own id."""

    persona_id: PersonaId | None = None
    oggetto: ShortText
    """Kind of record read, e.g. ``domanda`` or ``caso``."""
    oggetto_id: UUID
    finalita: CodiceFinalita
    endpoint: ShortText
    motivo: OptionalPersonalText = None
    """A break-glass read's reason (``finalita`` ``EMERGENZA``): free text that may name the
    person, so encrypted under their key (decision 0030)."""
