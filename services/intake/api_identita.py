"""HTTP entry points for whom a request is about (decision 0032): the coordinatore's list of
codici fiscali to verify and decisions, and the rectification of a person's data (GDPR
art. 16). They only translate."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from services.intake.application import (
    LEGAL_BASIS_ATTRIBUZIONE,
    LEGAL_BASIS_RETTIFICA,
    Atto,
    IntakeApplication,
)
from services.intake.queries import IntakeQueries, aware
from shared.auth.richiesta import Richiesta
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.etag import IfMatch, etag, version_from_if_match
from shared.web.identita import (
    AttribuzionePersonaIn,
    DaVerificareElenco,
    DaVerificareOut,
    RettificaPersonaIn,
)
from shared.web.paging import Attendi, Limit, Offset, next_link
from shared.web.persona import persona_from
from shared.web.storia import AzioneOut

PREFIX = "/api/intake"


def router(intake: IntakeApplication, queries: IntakeQueries) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["segretariato sociale"])

    def richiesta(principal: CurrentPrincipal, request: Request) -> Richiesta:
        return Richiesta(principal, "api", correlation_id(request))

    @api.get("/persone-da-verificare", response_model=DaVerificareElenco)
    def da_verificare(
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> DaVerificareElenco:
        page = queries.da_verificare(principal, offset, limit, attendi_posizione)
        return DaVerificareElenco(
            items=[
                DaVerificareOut(
                    id=row["domanda_id"],
                    persona_id=row["persona_id"],
                    comune=row["comune"],
                    area_utenza=row["area_utenza"],
                    registrata_il=aware(row["ricevuta_il"]),
                )
                for row in page.items
            ],
            next=next_link(request, page),
        )

    @api.post("/domande/{domanda_id}/rettifica-persona", response_model=AzioneOut)
    def rettifica_persona(
        domanda_id: UUID,
        body: RettificaPersonaIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.rettifica_persona(
            domanda_id,
            persona_from(body.persona),
            body.motivo,
            richiesta(principal, request),
            Atto(body.occurred_at, body.base_giuridica or LEGAL_BASIS_RETTIFICA),
            version_from_if_match(if_match),
        )
        response.headers["ETag"] = etag(done.versione)
        return AzioneOut(id=done.id, posizione=done.posizione, versione=done.versione)

    @api.post("/domande/{domanda_id}/attribuzione-persona", response_model=AzioneOut)
    def attribuisci_persona(
        domanda_id: UUID,
        body: AttribuzionePersonaIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.attribuisci_persona(
            domanda_id,
            body.esito,
            body.motivo,
            richiesta(principal, request),
            persona=None if body.persona is None else persona_from(body.persona),
            persona_id=body.persona_id,
            atto=Atto(body.occurred_at, body.base_giuridica or LEGAL_BASIS_ATTRIBUZIONE),
            versione_letta=version_from_if_match(if_match),
        )
        response.headers["ETag"] = etag(done.versione)
        return AzioneOut(id=done.id, posizione=done.posizione, versione=done.versione)

    return api
