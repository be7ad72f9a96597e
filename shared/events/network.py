"""Events of the territorial network (service ``network``): resources and their links.

Resources are organisations, not people: nothing here is personal data, so contacts must be
an office's, never a private person's.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.model import ValueModel
from shared.events.types import (
    AreaUtenza,
    CodiceBelfiore,
    CodicePrestazioneSiuss,
    LongText,
    ShortText,
)

TipoRisorsa = Literal[
    "servizio_comunale",
    "servizio_asl",
    "scuola",
    "cooperativa_sociale",
    "associazione",
    "gruppo_auto_mutuo_aiuto",
    "ente_pubblico",
    "autorita_giudiziaria",
    "forze_ordine",
    "altro",
]


ServizioDistretto = Literal["segretariato_sociale", "servizio_sociale_professionale"]
"""The district's own services: nodes of the network map beside the resources."""


CampoAzzerabile = Literal["descrizione", "orari", "capacita", "lista_attesa", "accreditamento"]
"""Optional attributes of a resource that an update may clear (e.g. a contract that ended)."""


class Contatti(ValueModel):
    telefono: ShortText | None = None
    email: ShortText | None = None
    indirizzo: ShortText | None = None
    sito: ShortText | None = None


ATTRIBUTI_RISORSA: tuple[str, ...] = (
    "nome",
    "tipo",
    "descrizione",
    "comuni",
    "aree",
    "prestazioni",
    "servizi",
    "contatti",
    "orari",
    "capacita",
    "lista_attesa",
    "accreditamento",
)
"""A resource's attributes: what a census records and an update may change."""


@catalogued
class RisorsaCensita(LedgerEvent):
    """A resource enters the directory; its census is also its first confirmation."""

    nome: ShortText
    tipo: TipoRisorsa
    descrizione: LongText | None = None
    comuni: list[CodiceBelfiore]
    aree: list[AreaUtenza]
    prestazioni: list[CodicePrestazioneSiuss] = Field(default_factory=list)
    servizi: list[ShortText] = Field(default_factory=list)
    contatti: Contatti = Field(default_factory=Contatti)
    orari: LongText | None = None
    capacita: int | None = Field(default=None, ge=0, le=1_000_000)
    lista_attesa: int | None = Field(default=None, ge=0, le=1_000_000)
    accreditamento: ShortText | None = None


@catalogued
class RisorsaAggiornata(LedgerEvent):
    """Changed attributes of a resource; also confirms it is still current."""

    nome: ShortText | None = None
    tipo: TipoRisorsa | None = None
    descrizione: LongText | None = None
    comuni: list[CodiceBelfiore] | None = None
    aree: list[AreaUtenza] | None = None
    prestazioni: list[CodicePrestazioneSiuss] | None = None
    servizi: list[ShortText] | None = None
    contatti: Contatti | None = None
    orari: LongText | None = None
    capacita: int | None = Field(default=None, ge=0, le=1_000_000)
    lista_attesa: int | None = Field(default=None, ge=0, le=1_000_000)
    accreditamento: ShortText | None = None
    azzerati: list[CampoAzzerabile] = Field(default_factory=list)
    """Attributes cleared by this update (a null above means "unchanged")."""


@catalogued
class RisorsaConfermata(LedgerEvent):
    """Checked and still current, unchanged: resets the 12-month review clock."""

    nota: ShortText | None = None


@catalogued
class RisorsaDismessa(LedgerEvent):
    """No new referrals or interventions may point at it; its history stays."""

    motivo: LongText


@catalogued
class CollaborazioneAvviata(LedgerEvent):
    """Its parties (resources, and the district's own services) are linked on the map."""

    risorse: list[UUID]
    servizi_distretto: list[ServizioDistretto] = Field(default_factory=list)
    tipo: Literal["protocollo_intesa", "convenzione", "accordo_informale"]
    oggetto: LongText
    inizio: date


@catalogued
class CollaborazioneConclusa(LedgerEvent):
    fine: date
    motivo: LongText


@catalogued
class IncontroDiReteSvolto(LedgerEvent):
    data: date
    partecipanti: list[UUID]
    """Resources that took part."""
    servizi_distretto: list[ServizioDistretto] = Field(default_factory=list)
    temi: list[ShortText]
    decisioni: LongText


@catalogued
class ControlloQualitaEffettuato(LedgerEvent):
    """A quality check of a provider under contract or accreditation with the district."""

    risorsa_id: UUID
    data: date
    rilievi: LongText
    esito: Literal["conforme", "conforme_con_rilievi", "non_conforme"]
