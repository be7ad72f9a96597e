"""HTTP entry points of the cartella, its audit view and the access log."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from services.reporting.accessi import AccessiQueries
from services.reporting.cartella_queries import CartellaQueries
from services.reporting.schemas_cartella import AccessiOut, AccessoOut, AuditOut, CartellaOut
from shared.auth.richiesta import Richiesta
from shared.events.types import CodiceFinalita
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.paging import Limit, Offset, next_link

PREFIX = "/api/reporting"

Finalita = Annotated[
    CodiceFinalita | None,
    Query(
        description="Finalità della lettura (predefinita: PRESA_IN_CARICO per l'assistente "
        "sociale, COORDINAMENTO per il coordinatore)"
    ),
]
AttendiCasework = Annotated[
    int | None,
    Query(ge=1, description="Attendi (al massimo 5 s) questa posizione del registro casework"),
]


def router(cartelle: CartellaQueries, accessi: AccessiQueries) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["osservatorio"])

    def richiesta(principal: CurrentPrincipal, request: Request) -> Richiesta:
        return Richiesta(principal, "api", correlation_id(request))

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
    ) -> AccessiOut:
        """Reads of personal data served by every service, by case or by user, most recent
        first (a coordinatore: those made for their comuni)."""
        page = accessi.elenco(principal, caso_id=caso_id, utente=utente, offset=offset, limit=limit)
        return AccessiOut(
            items=[AccessoOut.model_validate(item, from_attributes=True) for item in page.items],
            next=next_link(request, page),
        )

    return api
