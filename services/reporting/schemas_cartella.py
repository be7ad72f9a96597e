"""What the cartella and its audit view answer, and the access log's items.

An event's own fields (``dati``) are shown decrypted; a value of an erased person reads
``{"erased": true}``. The audit view and the access log carry no personal value; a
break-glass review carries its reason and note, decrypted (decision 0030).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.events.testo import RIGHE
from shared.web.contract import CONTRACT


class AttoreOut(BaseModel):
    utente: str
    ruolo: str
    comune: str | None


class EventoAuditOut(BaseModel):
    tipo: str
    event_id: UUID
    versione: int
    """The case's version this event made."""
    posizione: int
    """Its position in the ledger that recorded it."""
    occurred_at: datetime
    """When it happened in the world."""
    recorded_at: datetime | None
    """When the ledger recorded it."""
    attore: AttoreOut
    base_giuridica: str
    fonte: str


class EventoOut(EventoAuditOut):
    dati: dict[str, Any]
    """The event's own fields, personal ones decrypted (``{"erased": true}`` once erased)."""


class ValutazioneOut(EventoOut):
    rettifiche: list[EventoOut]


class ProgettoOut(BaseModel):
    definizione: EventoOut
    revisioni: list[EventoOut]


class InterventoOut(BaseModel):
    intervento_id: UUID
    attivazione: EventoOut
    monitoraggi: list[EventoOut]
    verifiche: list[EventoOut]
    conclusione: EventoOut | None
    annullamento: EventoOut | None = None
    """Withdrawn as recorded by mistake: it never happened and owes no verification."""


class ProvvedimentoOut(EventoOut):
    provvedimento_id: UUID
    relazione_inviata: bool
    """A report naming this order has been sent."""


class PersonaOut(BaseModel):
    persona_id: str
    profilo: dict[str, Any] | None
    """Coarse attributes in clear: age band, sex, citizenship class, comune."""
    anagrafica: dict[str, Any] | None
    """Who the person is (decrypted); None when the case was opened without it."""


class ScadenzaOut(BaseModel):
    tipo: str
    entro: date
    riferimento_id: UUID | None
    scaduta: bool
    """Its day has passed (today in Europe/Rome)."""


class CartellaOut(BaseModel):
    id: UUID
    versione: int
    posizione: int
    """The casework ledger position the cartella reflects."""
    stato: str
    comune: str
    area_utenza: str
    assistente_sociale: str | None
    origine: str | None
    urgente: bool
    motivo: Any
    aperto_il: datetime | None
    persona: PersonaOut
    nucleo: EventoOut | None
    rappresentante_legale: EventoOut | None
    valutazioni: list[ValutazioneOut]
    contratto: EventoOut | None
    progetto: ProgettoOut | None
    interventi: list[InterventoOut]
    segnalazioni: list[EventoOut]
    provvedimenti: list[ProvvedimentoOut]
    relazioni: list[EventoOut]
    questionari: list[EventoOut]
    scadenze: list[ScadenzaOut]
    timeline: list[EventoOut]


class RisultatoVerificaOut(BaseModel):
    esito: Literal["ok", "rotto"]
    verificato_il: datetime
    eventi: int
    ultima_posizione: int | None
    checkpoint: int
    """Position covered by the last signed checkpoint."""
    anello_rotto_posizione: int | None
    motivo: str | None


class VerificaOut(BaseModel):
    registro: str
    stato: Literal["verificato", "mai verificato"]
    risultato: RisultatoVerificaOut | None


class AuditOut(BaseModel):
    id: UUID
    versione: int
    items: list[EventoAuditOut]
    verifiche: list[VerificaOut]


class AccessoOut(BaseModel):
    fonte: str
    """The service that served the read (and recorded it)."""
    posizione: int
    event_id: UUID
    utente: str
    ruolo: str
    comune: str | None
    oggetto: str
    oggetto_id: str
    persona_id: str | None
    finalita: str
    endpoint: str
    occurred_at: datetime


class AccessiOut(BaseModel):
    items: list[AccessoOut]
    next: str | None = None


class AccessoEmergenzaIn(BaseModel):
    model_config = CONTRACT

    motivo: Annotated[str, RIGHE] = Field(min_length=1, max_length=4000)
    """Why the case must be opened now, outside one's scope (kept encrypted)."""


class DecisioneEmergenzaIn(BaseModel):
    model_config = CONTRACT

    nota: Annotated[str, RIGHE] | None = Field(default=None, min_length=1, max_length=4000)
    """Required to contest; optional to confirm (kept encrypted)."""


class DecisioneOut(BaseModel):
    utente: str
    ruolo: str
    occurred_at: datetime
    nota: Any


class AccessoEmergenzaOut(BaseModel):
    lettura_id: UUID
    """The ``event_id`` of the break-glass read (what ``conferma``/``contestazione`` name)."""
    caso_id: UUID
    persona_id: str | None
    comune: str | None
    utente: str
    ruolo: str
    occurred_at: datetime
    motivo: Any
    """The reason given, decrypted (``{"erased": true}`` once the person is erased)."""
    stato: Literal["da_rivedere", "confermato", "contestato"]
    decisione: DecisioneOut | None


class AccessiEmergenzaOut(BaseModel):
    items: list[AccessoEmergenzaOut]
    next: str | None = None


class EsitoDecisioneOut(BaseModel):
    lettura_id: UUID
    stato: Literal["confermato", "contestato"]
    posizione: int
    """Position reached in reporting's ledger: pass it as ``attendi_posizione`` to the list."""
