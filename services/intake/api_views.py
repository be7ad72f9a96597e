"""HTTP read views of the Segretariato sociale, from its read models: the day's queue of a
desk, the workers' agendas, the back-office deadlines, the desks, and a person's other
requests. They only translate; the queue's names are read (and the reads recorded) by the
service layer."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, StrictStr, StringConstraints

from services.intake.application import PURPOSE_LETTURA, IntakeApplication
from services.intake.queries import (
    IntakeQueries,
    IstanzaInElenco,
    StatoIstanze,
    VoceCoda,
    aware,
)
from shared import codes
from shared.auth.richiesta import Richiesta
from shared.events.types import CodiceBelfiore
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.paging import Attendi, Limit, Offset, next_link

PREFIX = "/api/intake"
CODA_ENDPOINT = f"GET {PREFIX}/coda"

Giorno = Annotated[date | None, Query(description="Il giorno (predefinito: oggi, ora italiana)")]
Utente = Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]


class SportelloBreve(BaseModel):
    id: UUID
    comune: str
    nome: str


class FasciaOut(BaseModel):
    giorno: int
    """0 = lunedì … 6 = domenica."""
    dalle: time
    alle: time


class SportelloOut(SportelloBreve):
    fasce: list[FasciaOut]
    versione: int
    """Per ``If-Match`` sulla modifica degli orari."""


class SportelliOut(BaseModel):
    items: list[SportelloOut]
    next: str | None


class VoceCodaOut(BaseModel):
    tipo: Literal["appuntamento", "arrivo"]
    domanda_id: UUID
    appuntamento_id: UUID | None
    ora: datetime
    """Inizio dell'appuntamento, o arrivo della domanda."""
    fine: datetime | None
    con: str | None
    comune: str
    area_utenza: str
    canale: str | None
    urgente: bool
    nome: str | None
    cognome: str | None
    """Null per chi non può leggere la domanda, o per una persona cancellata."""


class CodaOut(BaseModel):
    sportello: SportelloBreve
    giorno: date
    items: list[VoceCodaOut]
    next: str | None


class AppuntamentoOut(BaseModel):
    id: UUID
    domanda_id: UUID
    con: str
    sportello_id: UUID
    inizio: datetime
    fine: datetime
    stato: Literal["fissato", "svolto", "mancato", "annullato"]
    comune: str
    area_utenza: str
    urgente: bool


class AppuntamentiOut(BaseModel):
    items: list[AppuntamentoOut]
    next: str | None


class IstanzaOut(BaseModel):
    id: UUID
    domanda_id: UUID
    comune: str
    area_utenza: str
    tipo: str
    tipo_descrizione: str
    prestazione: str
    protocollo: str
    scadenza: date
    stato: Literal["aperta", "completata"]
    giorni_alla_scadenza: int | None
    """Giorni di calendario da oggi alla scadenza (negativi se scaduta); null se completata."""
    in_ritardo: bool
    """Aperta oltre la scadenza, o completata dopo."""
    aperta_il: datetime
    completata_il: datetime | None


class IstanzeOut(BaseModel):
    items: list[IstanzaOut]
    next: str | None


class DomandaPrecedenteOut(BaseModel):
    id: UUID
    ricevuta_il: datetime
    comune: str
    area_utenza: str
    canale: str
    stato: Literal["aperta", "inoltrata", "chiusa"]
    esito: str | None
    inoltrata_il: datetime | None
    chiusa_il: datetime | None


class DomandePrecedentiOut(BaseModel):
    items: list[DomandaPrecedenteOut]
    next: str | None


def _optional(moment: datetime | None) -> datetime | None:
    return None if moment is None else aware(moment)


def _sportello(row: Any) -> SportelloOut:
    fasce = sorted(row["fasce"], key=lambda f: (f["giorno"], f["dalle"]))
    return SportelloOut(
        id=row["id"],
        comune=row["comune"],
        nome=row["nome"],
        fasce=[FasciaOut(**f) for f in fasce],
        versione=row["versione"],
    )


def _istanza(item: IstanzaInElenco, tipi: dict[str, codes.TipoIstanza]) -> IstanzaOut:
    row = item.row
    tipo = tipi.get(row["tipo"])
    return IstanzaOut(
        id=row["id"],
        domanda_id=row["domanda_id"],
        comune=row["comune"],
        area_utenza=row["area_utenza"],
        tipo=row["tipo"],
        tipo_descrizione="" if tipo is None else tipo.label,
        prestazione=row["prestazione"],
        protocollo=row["protocollo"],
        scadenza=row["scadenza"],
        stato="aperta" if row["completata_il"] is None else "completata",
        giorni_alla_scadenza=item.giorni_alla_scadenza,
        in_ritardo=item.in_ritardo,
        aperta_il=aware(row["aperta_il"]),
        completata_il=_optional(row["completata_il"]),
    )


def router(intake: IntakeApplication, queries: IntakeQueries) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["segretariato sociale"])

    @api.get("/sportelli", response_model=SportelliOut)
    def elenco_sportelli(
        principal: CurrentPrincipal,
        request: Request,
        comune: CodiceBelfiore | None = None,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> SportelliOut:
        page = queries.sportelli(principal, comune, offset, limit, attendi_posizione)
        return SportelliOut(
            items=[_sportello(r) for r in page.items], next=next_link(request, page)
        )

    @api.get("/coda", response_model=CodaOut)
    def coda(
        principal: CurrentPrincipal,
        request: Request,
        sportello_id: Annotated[UUID, Query(description="Lo sportello")],
        giorno: Giorno = None,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> CodaOut:
        found = queries.coda(principal, str(sportello_id), giorno, offset, limit, attendi_posizione)
        entries: list[VoceCoda] = found.pagina.items
        readable = list(dict.fromkeys(UUID(e.domanda_id) for e in entries if e.nominativo))
        names = intake.persone_per_elenco(
            readable,
            Richiesta(principal, "api", correlation_id(request)),
            CODA_ENDPOINT,
            PURPOSE_LETTURA,
        )
        items = []
        for entry in entries:
            nome, cognome = names.get(UUID(entry.domanda_id), (None, None))
            items.append(
                VoceCodaOut(
                    tipo=entry.tipo,
                    domanda_id=UUID(entry.domanda_id),
                    appuntamento_id=(
                        None if entry.appuntamento_id is None else UUID(entry.appuntamento_id)
                    ),
                    ora=entry.ora,
                    fine=entry.fine,
                    con=entry.con,
                    comune=entry.comune,
                    area_utenza=entry.area_utenza,
                    canale=entry.canale,
                    urgente=entry.urgente,
                    nome=nome,
                    cognome=cognome,
                )
            )
        desk = found.sportello
        return CodaOut(
            sportello=SportelloBreve(id=desk["id"], comune=desk["comune"], nome=desk["nome"]),
            giorno=found.giorno,
            items=items,
            next=next_link(request, found.pagina),
        )

    @api.get("/appuntamenti", response_model=AppuntamentiOut)
    def appuntamenti(
        principal: CurrentPrincipal,
        request: Request,
        con: Annotated[
            Utente | None,
            Query(description="Utente dell'assistente sociale o dell'operatore (predefinito: tu)"),
        ] = None,
        giorno: Giorno = None,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> AppuntamentiOut:
        page = queries.appuntamenti(
            principal, con or principal.subject, giorno, offset, limit, attendi_posizione
        )
        return AppuntamentiOut(
            items=[
                AppuntamentoOut(
                    id=r["id"],
                    domanda_id=r["domanda_id"],
                    con=r["con"],
                    sportello_id=r["sportello_id"],
                    inizio=aware(r["inizio"]),
                    fine=aware(r["fine"]),
                    stato=r["stato"],
                    comune=r["comune"],
                    area_utenza=r["area_utenza"],
                    urgente=r["urgente"],
                )
                for r in page.items
            ],
            next=next_link(request, page),
        )

    @api.get("/istanze", response_model=IstanzeOut)
    def elenco_istanze(
        principal: CurrentPrincipal,
        request: Request,
        stato: Annotated[
            StatoIstanze,
            Query(description="aperte, in_scadenza (entro 3 giorni), scadute, completate"),
        ] = "aperte",
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> IstanzeOut:
        page = queries.istanze(principal, stato, offset, limit, attendi_posizione)
        tipi = codes.application_types()
        return IstanzeOut(
            items=[_istanza(item, tipi) for item in page.items], next=next_link(request, page)
        )

    @api.get("/domande/{domanda_id}/precedenti", response_model=DomandePrecedentiOut)
    def precedenti(
        domanda_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> DomandePrecedentiOut:
        page = queries.precedenti(principal, str(domanda_id), offset, limit, attendi_posizione)
        if page.items:  # a person's history of requests is personal data: the read is recorded
            row = queries.domanda(principal, str(domanda_id))
            intake.registra_lettura(
                Richiesta(principal, "api", correlation_id(request)),
                row["persona_id"],
                "domande_precedenti",
                domanda_id,
                "SPORTELLO",
                "GET /api/intake/domande/{id}/precedenti",
                row["comune"],
            )
        return DomandePrecedentiOut(
            items=[
                DomandaPrecedenteOut(
                    id=r["id"],
                    ricevuta_il=aware(r["ricevuta_il"]),
                    comune=r["comune"],
                    area_utenza=r["area_utenza"],
                    canale=r["canale"],
                    stato=r["stato"],
                    esito=r["esito"],
                    inoltrata_il=_optional(r["inoltrata_il"]),
                    chiusa_il=_optional(r["chiusa_il"]),
                )
                for r in page.items
            ],
            next=next_link(request, page),
        )

    return api
