"""HTTP entry points of the Segretariato sociale: they only translate."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from services.intake.application import (
    LEGAL_BASIS_REGISTRA,
    IntakeApplication,
    RegistraDomanda,
)
from services.intake.schemas import (
    DomandaIn,
    DomandaOut,
    DomandaRegistrata,
    RichiedenteOut,
)
from shared import codes
from shared.auth.richiesta import Richiesta
from shared.events.intake import Richiedente
from shared.events.types import FinalitaDichiarata
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.etag import etag
from shared.web.persona import clear, persona_from, persona_out
from shared.web.storia import attore_out

PURPOSE_HELP = "Finalità della lettura (codici di finalita_accesso.csv)"


def _richiedente(richiedente: Richiedente | None) -> RichiedenteOut | None:
    if richiedente is None:
        return None
    return RichiedenteOut(
        tipo=clear(richiedente.tipo),
        nome=clear(richiedente.nome),
        contatto=clear(richiedente.contatto),
        risorsa_id=richiedente.risorsa_id,
    )


def router(intake: IntakeApplication) -> APIRouter:
    api = APIRouter(prefix="/api/intake", tags=["segretariato sociale"])

    @api.post("/domande", status_code=status.HTTP_201_CREATED, response_model=DomandaRegistrata)
    def registra_domanda(
        body: DomandaIn, principal: CurrentPrincipal, request: Request, response: Response
    ) -> DomandaRegistrata:
        richiedente = body.richiedente
        command = RegistraDomanda(
            comune=body.comune,
            canale=body.canale,
            persona=persona_from(body.persona),
            bisogno=body.bisogno,
            area_utenza=body.area_utenza,
            urgente=body.urgente,
            occurred_at=body.occurred_at,
            legal_basis=body.base_giuridica or LEGAL_BASIS_REGISTRA,
            richiedente=None if richiedente is None else Richiedente(**richiedente.model_dump()),
            sportello_id=body.sportello_id,
        )
        registrata = intake.registra_domanda(
            command, Richiesta(principal, "api", correlation_id(request))
        )
        response.headers["Location"] = f"/api/intake/domande/{registrata.id}"
        return DomandaRegistrata(id=registrata.id, posizione=registrata.posizione)

    @api.get("/domande/{domanda_id}", response_model=DomandaOut)
    def leggi_domanda(
        domanda_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        finalita: Annotated[
            FinalitaDichiarata, Query(description="Finalità della lettura")
        ] = "SPORTELLO",
    ) -> DomandaOut:
        event, version = intake.leggi_domanda(
            domanda_id, Richiesta(principal, "api", correlation_id(request)), finalita
        )
        response.headers["ETag"] = etag(version)
        return DomandaOut(
            id=event.originator_id,
            versione=version,
            comune=event.comune,
            canale=event.canale,
            area_utenza=event.area_utenza,
            urgente=event.urgente,
            bisogno=clear(event.bisogno),
            persona=persona_out(event.persona_id, event.persona),
            richiedente=_richiedente(event.richiedente),
            sportello_id=event.sportello_id,
            attore=attore_out(event.actor),
            base_giuridica=event.legal_basis,
            base_giuridica_descrizione=codes.legal_bases().get(event.legal_basis, ""),
            fonte=event.source,
            occurred_at=event.occurred_at,
            recorded_at=event.recorded_at,
        )

    return api
