"""The caseload and deadline API's bodies: ids, states, dates, areas and comuni only (no
personal data)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from shared.events.types import AreaUtenza
from shared.web.contract import CONTRACT


class ScadenzaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    caso_id: UUID
    tipo: str
    """``revisione_progetto``, ``verifica_intervento`` or ``relazione_tribunale``."""
    entro: date
    scaduta: bool
    """Past its day, as of today in Europe/Rome."""
    riferimento_id: UUID | None
    """The intervention or the court order (None for the project review)."""
    comune: str
    area_utenza: str
    assistente_sociale: str | None


class ScadenzeOut(BaseModel):
    items: list[ScadenzaOut]
    next: str | None = None


class CasoInCaricoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    caso_id: UUID
    comune: str
    area_utenza: str
    stato: str
    aperto_il: datetime
    assegnato_il: datetime | None
    in_carico_dal: datetime | None
    progetto: bool
    prossima_scadenza: ScadenzaOut | None


class CarichiMieiOut(BaseModel):
    items: list[CasoInCaricoOut]
    next: str | None = None


class CaricoAssistenteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    assistente_sociale: str
    assegnati: int
    in_carico: int
    attivi: int
    """Active cases (assegnato + in_carico) in the caller's comuni."""
    attivi_totali: int
    """Active cases across the district: what the alarm weighs."""
    scadute: int
    soglia: int
    """The threshold in force: the area's own, else the general one, else the default."""
    allarme: bool


class CaricoAreaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area_utenza: str
    in_attesa: int
    assegnati: int
    in_carico: int
    scadute: int


class CarichiOut(BaseModel):
    items: list[CaricoAssistenteOut]
    """Per social worker."""
    aree: list[CaricoAreaOut]
    """Per area di utenza (open cases in the caller's comuni)."""
    next: str | None = None


class SogliaIn(BaseModel):
    model_config = CONTRACT

    soglia: StrictInt = Field(ge=1, le=1000)
    area_utenza: AreaUtenza | None = None
    """None: the general threshold (areas without their own)."""


class SogliaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area_utenza: str | None
    soglia: int
    impostata_da: str | None
    impostata_il: datetime | None
    versione: int


class SoglieOut(BaseModel):
    items: list[SogliaOut]
    predefinita: int
    """The threshold in force where none is set (decision 0022)."""
    next: str | None = None


class SogliaImpostataOut(BaseModel):
    area_utenza: str | None
    soglia: int
    versione: int
    posizione: int
    """Position reached in reporting's ledger."""
