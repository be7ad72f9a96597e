"""HTTP entry points of the cartella, its audit view, the access log and break-glass."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request

from services.reporting.accessi import AccessiQueries
from services.reporting.cartella_queries import CartellaQueries
from services.reporting.emergenze import EmergenzeQueries
from services.reporting.schemas_cartella import (
    AccessiEmergenzaOut,
    AccessiOut,
    AccessoEmergenzaIn,
    AccessoEmergenzaOut,
    AccessoOut,
    AuditOut,
    CartellaOut,
    DecisioneEmergenzaIn,
    EsitoDecisioneOut,
)
from shared.auth.richiesta import Richiesta
from shared.errors import FieldError
from shared.events.types import FinalitaDichiarata
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.paging import Attendi, Limit, Offset, attendi, next_link

PREFIX = "/api/reporting"
ACCESSO_EMERGENZA_PATH = f"{PREFIX}/casi/{{caso_id}}/accesso-emergenza"
"""A read by ``POST``: never answered from the ``Idempotency-Key`` store (decision 0035)."""

Finalita = Annotated[
    FinalitaDichiarata | None,
    Query(
        description="Finalità della lettura (predefinita: PRESA_IN_CARICO per l'assistente "
        "sociale, COORDINAMENTO per il coordinatore)"
    ),
]
AttendiCasework = Annotated[int | None, attendi("del registro casework")]


RegistroLetture = Annotated[
    Literal["intake", "casework", "network", "reporting"] | None,
    Query(
        description="Il registro (il servizio che ha servito la lettura) di cui attendere la "
        "posizione (con attendi_posizione)"
    ),
]
AttendiReporting = Annotated[int | None, attendi("del registro reporting")]


def router(
    cartelle: CartellaQueries, accessi: AccessiQueries, emergenze: EmergenzeQueries
) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["osservatorio"])

    def richiesta(principal: CurrentPrincipal, request: Request) -> Richiesta:
        return Richiesta(principal, "api", correlation_id(request))

    def _attendi(registro: str | None, posizione: int | None) -> None:
        if posizione is None:
            return
        if registro is None:
            raise FieldError(("query", "registro"), "obbligatorio con attendi_posizione")
        accessi.attendi({registro: posizione})

    @api.get("/casi/{caso_id}", response_model=CartellaOut)
    def cartella(
        caso_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        finalita: Finalita = None,
        attendi_posizione: AttendiCasework = None,
    ) -> CartellaOut:
        """The whole case: person, household, assessments, contract, project,
        interventions, court reports and orders, deadlines and timeline; the read is
        recorded."""
        found = cartelle.cartella(
            richiesta(principal, request), caso_id, finalita, attendi_posizione
        )
        return CartellaOut.model_validate(found)

    @api.get("/casi/{caso_id}/audit", response_model=AuditOut)
    def audit(
        caso_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        finalita: Finalita = None,
        attendi_posizione: AttendiCasework = None,
    ) -> AuditOut:
        """Every event of the case with actor, legal basis, source and both times, and the
        latest verification of its ledger; the read is recorded."""
        found = cartelle.audit(richiesta(principal, request), caso_id, finalita, attendi_posizione)
        return AuditOut.model_validate(found)

    @api.get("/accessi", response_model=AccessiOut)
    def elenco_accessi(
        principal: CurrentPrincipal,
        request: Request,
        caso_id: UUID | None = None,
        utente: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        offset: Offset = 0,
        limit: Limit = 50,
        registro: RegistroLetture = None,
        attendi_posizione: Attendi = None,
    ) -> AccessiOut:
        """Reads of personal data served by every service, by case or by user, most recent
        first (a coordinatore: those made for their comuni). ``registro`` and
        ``attendi_posizione``: first wait (bounded) until the log holds that ledger's reads
        up to that position (a reader's own reads, recorded in the serving service's
        ledger)."""
        _attendi(registro, attendi_posizione)
        page = accessi.elenco(principal, caso_id=caso_id, utente=utente, offset=offset, limit=limit)
        return AccessiOut(
            items=[AccessoOut.model_validate(item, from_attributes=True) for item in page.items],
            next=next_link(request, page),
        )

    @api.get("/casi/{caso_id}/accessi", response_model=AccessiOut)
    def accessi_del_caso(
        caso_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        registro: RegistroLetture = None,
        attendi_posizione: Attendi = None,
    ) -> AccessiOut:
        """Every recorded read of the case, in every service, newest first: who (user,
        role), when, why (purpose code), which endpoint, which service. The log holds no
        personal value: listing it is not itself recorded (decision 0030). ``registro`` and
        ``attendi_posizione`` as for ``/accessi``."""
        _attendi(registro, attendi_posizione)
        page = accessi.del_caso(principal, caso_id, offset=offset, limit=limit)
        return AccessiOut(
            items=[AccessoOut.model_validate(item, from_attributes=True) for item in page.items],
            next=next_link(request, page),
        )

    @api.post(ACCESSO_EMERGENZA_PATH.removeprefix(PREFIX), response_model=CartellaOut)
    def accesso_emergenza(
        caso_id: UUID,
        body: AccessoEmergenzaIn,
        principal: CurrentPrincipal,
        request: Request,
        attendi_posizione: AttendiCasework = None,
    ) -> CartellaOut:
        """Break-glass: an assistente sociale opens a case outside their comuni or areas in
        an emergency, giving a reason (in the body, never in the URL). The read is recorded
        with purpose EMERGENZA, for the coordinatore of the case's comune to review."""
        found = cartelle.emergenza(
            richiesta(principal, request), caso_id, body.motivo, attendi_posizione
        )
        return CartellaOut.model_validate(found)

    @api.get("/accessi-emergenza", response_model=AccessiEmergenzaOut)
    def accessi_emergenza(
        principal: CurrentPrincipal,
        request: Request,
        stato: Literal["da_rivedere", "confermato", "contestato"] | None = None,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: AttendiReporting = None,
    ) -> AccessiEmergenzaOut:
        """Break-glass reads to review (a coordinatore: those of their comuni; the dpo: all,
        read-only), newest first, with their reasons; each one shown is recorded as a read
        of the person's data (purpose CONTROLLO)."""
        page = emergenze.elenco(
            richiesta(principal, request), stato, offset, limit, attendi_posizione
        )
        return AccessiEmergenzaOut(
            items=[AccessoEmergenzaOut.model_validate(item) for item in page.items],
            next=next_link(request, page),
        )

    @api.post("/accessi-emergenza/{lettura_id}/conferma", response_model=EsitoDecisioneOut)
    def conferma_emergenza(
        lettura_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        body: DecisioneEmergenzaIn | None = None,
    ) -> EsitoDecisioneOut:
        """The coordinatore of the case's comune confirms the break-glass read (once)."""
        nota = body.nota if body is not None else None
        found = emergenze.decidi(richiesta(principal, request), lettura_id, "confermato", nota)
        return EsitoDecisioneOut(
            lettura_id=found.lettura_id, stato=found.stato, posizione=found.posizione
        )

    @api.post("/accessi-emergenza/{lettura_id}/contestazione", response_model=EsitoDecisioneOut)
    def contesta_emergenza(
        lettura_id: UUID,
        body: DecisioneEmergenzaIn,
        principal: CurrentPrincipal,
        request: Request,
    ) -> EsitoDecisioneOut:
        """The coordinatore of the case's comune contests the break-glass read (once),
        saying why in ``nota``."""
        found = emergenze.decidi(richiesta(principal, request), lettura_id, "contestato", body.nota)
        return EsitoDecisioneOut(
            lettura_id=found.lettura_id, stato=found.stato, posizione=found.posizione
        )

    return api
