"""The intake API's public contract: what outside clients send and get back."""

from __future__ import annotations

from datetime import UTC, datetime, time
from itertools import pairwise
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.events.envelope import CLOCK_SKEW
from shared.events.intake import TipoRichiedente
from shared.events.testo import RIGA, RIGHE
from shared.events.types import AreaUtenza, Canale
from shared.web.contract import CONTRACT, AttoIn, Breve, Testo
from shared.web.persona import Belfiore, Nome, PersonaIn, PersonaOut, ResidenzaIn, ResidenzaOut
from shared.web.storia import AttoreOut, AzioneOut, EventoOut, StoriaOut


class RichiedenteIn(BaseModel):
    """Who presents the request when it is not the person."""

    model_config = CONTRACT

    tipo: TipoRichiedente
    nome: Nome | None = None
    contatto: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200), RIGA] | None = (
        None
    )
    risorsa_id: UUID | None = Field(
        default=None, description="La risorsa della rete che ha inviato la persona"
    )


class DomandaIn(BaseModel):
    """The body of ``POST /api/intake/domande``."""

    model_config = CONTRACT

    comune: Belfiore
    canale: Canale
    persona: PersonaIn
    bisogno: Annotated[StrictStr, StringConstraints(min_length=1, max_length=4000), RIGHE]
    area_utenza: AreaUtenza
    urgente: StrictBool = False
    occurred_at: AwareDatetime | None = Field(
        default=None, description="Quando è avvenuto (predefinito: ora); mai nel futuro."
    )

    @field_validator("occurred_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("non può essere nel futuro")
        return value

    base_giuridica: Annotated[StrictStr, RIGA] | None = Field(
        default=None, description="Codice della base giuridica (predefinito: L328_ART22)."
    )
    richiedente: RichiedenteIn | None = None
    sportello_id: UUID | None = Field(default=None, description="Lo sportello che la riceve")


class InformazioniIn(AttoIn):
    servizi: list[Breve] = Field(min_length=1, max_length=50)
    note: Testo | None = None


class OrientamentoIn(AttoIn):
    risorsa_id: UUID
    motivazione: Testo


class AppuntamentoIn(AttoIn):
    inizio: AwareDatetime
    fine: AwareDatetime
    con: Breve = Field(description="Utente dell'assistente sociale o dell'operatore")
    sportello_id: UUID


class EsitoAppuntamentoIn(AttoIn):
    esito: Literal["svolto", "mancato"]


class AnnullamentoIn(AttoIn):
    motivo: Breve


class IstanzaIn(AttoIn):
    tipo: Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z0-9_]{2,40}$")] = Field(
        description="Tipo di istanza (tipi_istanza.csv): fissa la scadenza"
    )
    protocollo: Annotated[StrictStr, StringConstraints(min_length=1, max_length=32), RIGA]


class CompletamentoIn(AttoIn):
    pass


class InoltroIn(AttoIn):
    area_utenza: AreaUtenza
    motivo: Testo
    urgente: StrictBool = False


class ChiusuraIn(AttoIn):
    esito: Literal["informata", "orientata", "inviata", "presa_in_carico", "non_di_competenza"]
    nota: Testo | None = None


class SportelloIn(BaseModel):
    model_config = CONTRACT

    comune: Belfiore
    nome: Breve


class FasciaIn(BaseModel):
    model_config = CONTRACT

    giorno: Annotated[int, Field(ge=0, le=6, description="0 = lunedì … 6 = domenica")]
    dalle: time = Field(description="Ora locale (Europe/Rome), senza fuso")
    alle: time = Field(description="Ora locale (Europe/Rome), senza fuso")

    @field_validator("dalle", "alle")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("ora locale, senza fuso orario")
        return value

    @field_validator("alle")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("dalle")
        if start is not None and value <= start:
            raise ValueError("deve seguire l'ora di apertura")
        return value


class OrariIn(BaseModel):
    model_config = CONTRACT

    fasce: list[FasciaIn] = Field(max_length=50)

    @field_validator("fasce")
    @classmethod
    def _no_overlap(cls, value: list[FasciaIn]) -> list[FasciaIn]:
        ordered = sorted(value, key=lambda f: (f.giorno, f.dalle))
        for first, second in pairwise(ordered):
            if first.giorno == second.giorno and second.dalle < first.alle:
                raise ValueError("due fasce dello stesso giorno si sovrappongono")
        return value


class DomandaRegistrata(BaseModel):
    id: UUID
    posizione: int
    """Ledger position reached: pass it as ``attendi_posizione`` to read your write."""


class RichiedenteOut(BaseModel):
    tipo: str | None
    nome: str | None
    contatto: str | None
    risorsa_id: UUID | None


class DomandaOut(BaseModel):
    id: UUID
    versione: int
    comune: str
    canale: str
    area_utenza: str
    urgente: bool
    bisogno: str | None
    persona: PersonaOut
    richiedente: RichiedenteOut | None = None
    sportello_id: UUID | None = None
    attore: AttoreOut
    base_giuridica: str
    base_giuridica_descrizione: str
    fonte: str
    occurred_at: datetime
    recorded_at: datetime | None


__all__ = [
    "AttoreOut",
    "AzioneOut",
    "EventoOut",
    "PersonaIn",
    "PersonaOut",
    "ResidenzaIn",
    "ResidenzaOut",
    "StoriaOut",
]
