"""Events of the territorial network (service ``network``): resources and their links.

Resources are organisations, not people: nothing here is personal data. Fields may still
change until the network issue is resolved.
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


class Contatti(ValueModel):
    telefono: ShortText | None = None
    email: ShortText | None = None
    indirizzo: ShortText | None = None
    sito: ShortText | None = None


@catalogued
class RisorsaCensita(LedgerEvent):
    nome: ShortText
    tipo: TipoRisorsa
    comuni: list[CodiceBelfiore]
    aree: list[AreaUtenza]
    prestazioni: list[CodicePrestazioneSiuss] = Field(default_factory=list)
    servizi: list[ShortText] = Field(default_factory=list)
    contatti: Contatti = Field(default_factory=Contatti)
    orari: LongText | None = None
    capacita: int | None = Field(default=None, ge=0)
    lista_attesa: int | None = Field(default=None, ge=0)
    accreditamento: ShortText | None = None


@catalogued
class RisorsaAggiornata(LedgerEvent):
    """Changed attributes of a resource; also confirms it is still current."""

    nome: ShortText | None = None
    comuni: list[CodiceBelfiore] | None = None
    aree: list[AreaUtenza] | None = None
    prestazioni: list[CodicePrestazioneSiuss] | None = None
    servizi: list[ShortText] | None = None
    contatti: Contatti | None = None
    orari: LongText | None = None
    capacita: int | None = Field(default=None, ge=0)
    lista_attesa: int | None = Field(default=None, ge=0)
    accreditamento: ShortText | None = None


@catalogued
class RisorsaDismessa(LedgerEvent):
    motivo: LongText


@catalogued
class CollaborazioneAvviata(LedgerEvent):
    risorse: list[UUID]
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
    temi: list[ShortText]
    decisioni: LongText


@catalogued
class ControlloQualitaEffettuato(LedgerEvent):
    risorsa_id: UUID
    data: date
    rilievi: LongText
    esito: Literal["conforme", "conforme_con_rilievi", "non_conforme"]
