"""The network API's public contract: what clients send and get back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StrictStr,
    StringConstraints,
)

from shared.events.network import ServizioDistretto, TipoRisorsa
from shared.events.testo import RIGA, RIGHE
from shared.events.types import AreaUtenza, CodiceBelfiore, CodicePrestazioneSiuss
from shared.web.contract import CONTRACT, AttoIn

Short = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), RIGA
]
Long = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), RIGHE
]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


def _distinct(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("un elemento è indicato più di una volta")
    return values


Distinct = AfterValidator(_distinct)


class ContattiIn(BaseModel):
    model_config = CONTRACT

    telefono: Short | None = None
    email: Short | None = None
    indirizzo: Short | None = None
    sito: Short | None = None


class RisorsaIn(AttoIn):
    """The body of ``POST /api/network/risorse``."""

    nome: Short
    tipo: TipoRisorsa
    descrizione: Long | None = None
    comuni: Annotated[list[CodiceBelfiore], Distinct] = Field(min_length=1, max_length=200)
    aree: Annotated[list[AreaUtenza], Distinct] = Field(min_length=1)
    prestazioni: Annotated[list[CodicePrestazioneSiuss], Distinct] = Field(
        default_factory=list, max_length=100
    )
    servizi: Annotated[list[Short], Distinct] = Field(default_factory=list, max_length=100)
    contatti: ContattiIn = Field(default_factory=ContattiIn)
    orari: Long | None = None
    capacita: Count | None = None
    lista_attesa: Count | None = None
    accreditamento: Short | None = None


class RisorsaModifica(AttoIn):
    """The body of ``PATCH /api/network/risorse/{id}``: only the attributes that change; a
    null clears an optional attribute (descrizione, orari, capacita, lista_attesa,
    accreditamento)."""

    nome: Short | None = None
    tipo: TipoRisorsa | None = None
    descrizione: Long | None = None
    comuni: Annotated[list[CodiceBelfiore], Distinct] | None = Field(
        default=None, min_length=1, max_length=200
    )
    aree: Annotated[list[AreaUtenza], Distinct] | None = Field(default=None, min_length=1)
    prestazioni: Annotated[list[CodicePrestazioneSiuss], Distinct] | None = Field(
        default=None, max_length=100
    )
    servizi: Annotated[list[Short], Distinct] | None = Field(default=None, max_length=100)
    contatti: ContattiIn | None = None
    orari: Long | None = None
    capacita: Count | None = None
    lista_attesa: Count | None = None
    accreditamento: Short | None = None


class ConfermaIn(AttoIn):
    nota: Short | None = None


class DismissioneIn(AttoIn):
    motivo: Long


class CollaborazioneIn(AttoIn):
    risorse: list[UUID] = Field(max_length=100)
    servizi_distretto: list[ServizioDistretto] = Field(default_factory=list)
    tipo: Literal["protocollo_intesa", "convenzione", "accordo_informale"]
    oggetto: Long
    inizio: date


class ConclusioneIn(AttoIn):
    fine: date
    motivo: Long


class IncontroIn(AttoIn):
    data: date
    partecipanti: list[UUID] = Field(max_length=200)
    servizi_distretto: list[ServizioDistretto] = Field(default_factory=list)
    temi: list[Short] = Field(min_length=1, max_length=50)
    decisioni: Long = Field(
        description="Decisioni prese. Nessun dato personale: i casi si discutono nei fascicoli."
    )


class ControlloIn(AttoIn):
    risorsa_id: UUID
    data: date
    rilievi: Long = Field(description="Rilievi sul servizio. Nessun dato personale degli utenti.")
    esito: Literal["conforme", "conforme_con_rilievi", "non_conforme"]


class Registrata(BaseModel):
    id: UUID
    posizione: int
    """Ledger position reached: pass it as ``attendi_posizione`` to read your write."""
    versione: int


class ContattiOut(BaseModel):
    telefono: str | None = None
    email: str | None = None
    indirizzo: str | None = None
    sito: str | None = None


class RisorsaOut(BaseModel):
    id: UUID
    versione: int
    nome: str
    tipo: str
    descrizione: str | None
    comuni: list[str]
    aree: list[str]
    prestazioni: list[str]
    servizi: list[str]
    contatti: ContattiOut
    orari: str | None
    capacita: int | None
    lista_attesa: int | None
    accreditamento: str | None
    stato: Literal["attiva", "dismessa"]
    censita_il: datetime
    ultima_conferma: date
    da_rivedere: bool
    """Not confirmed for 12 months (computed now, Europe/Rome)."""
    dismessa_il: datetime | None
    motivo_dismissione: str | None


class RisorseOut(BaseModel):
    items: list[RisorsaOut]
    next: str | None = None


class CollaborazioneOut(BaseModel):
    id: UUID
    tipo: str
    oggetto: str
    parti: list[str]
    """Resource ids and the district's own services."""
    inizio: date
    fine: date | None
    motivo_conclusione: str | None


class CollaborazioniOut(BaseModel):
    items: list[CollaborazioneOut]
    next: str | None = None


class IncontroOut(BaseModel):
    id: UUID
    data: date
    partecipanti: list[UUID]
    servizi_distretto: list[str]
    temi: list[str]
    decisioni: str


class IncontriOut(BaseModel):
    items: list[IncontroOut]
    next: str | None = None


class ControlloOut(BaseModel):
    id: UUID
    risorsa_id: UUID
    data: date
    rilievi: str
    esito: str


class ControlliOut(BaseModel):
    items: list[ControlloOut]
    next: str | None = None


class PeriodoOut(BaseModel):
    dal: date
    al: date


class MappaOut(BaseModel):
    periodo: PeriodoOut
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class PosizioneOut(BaseModel):
    id: str
    nome: str
    grado_pesato: float
    betweenness: float


class LacunaOut(BaseModel):
    comune: str
    area: str
    domande: int


class AnalisiOut(BaseModel):
    periodo: PeriodoOut
    classifica: list[PosizioneOut]
    isolate: list[str]
    lacune: list[LacunaOut]


class ImportazioneOut(BaseModel):
    censite: int
    gia_presenti: int
    dismesse: int
    posizione: int | None
    diverse: list[UUID]
    """Resources already here with other data, left as they are (update them with PATCH)."""
