"""HTTP entry points for what the Segretariato sociale does with a request, and for its desks:
they only translate."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from services.intake.application import LEGAL_BASIS_REGISTRA, Atto, Azione, IntakeApplication
from services.intake.schemas import (
    AnnullamentoIn,
    AppuntamentoIn,
    AzioneOut,
    ChiusuraIn,
    CompletamentoIn,
    EsitoAppuntamentoIn,
    InformazioniIn,
    InoltroIn,
    IstanzaIn,
    OrariIn,
    OrientamentoIn,
    SportelloIn,
    StoriaOut,
)
from shared.auth.richiesta import Richiesta
from shared.events.intake import Fascia
from shared.events.types import FinalitaDichiarata
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.contract import AttoIn
from shared.web.etag import IfMatch, etag, version_from_if_match
from shared.web.storia import evento_out

PREFIX = "/api/intake"


def _atto(body: AttoIn) -> Atto:
    return Atto(body.occurred_at, body.base_giuridica or LEGAL_BASIS_REGISTRA)


def _azione(done: Azione, response: Response, location: str | None = None) -> AzioneOut:
    response.headers["ETag"] = etag(done.versione)
    if location is not None:
        response.headers["Location"] = location
    return AzioneOut(
        id=done.id, posizione=done.posizione, versione=done.versione, creato=done.creato
    )


def router(intake: IntakeApplication) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["segretariato sociale"])

    def richiesta(principal: CurrentPrincipal, request: Request) -> Richiesta:
        return Richiesta(principal, "api", correlation_id(request))

    @api.post("/domande/{domanda_id}/informazioni", response_model=AzioneOut)
    def informa(
        domanda_id: UUID,
        body: InformazioniIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.informa(
            domanda_id,
            body.servizi,
            body.note,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.post("/domande/{domanda_id}/orientamenti", response_model=AzioneOut)
    def orienta(
        domanda_id: UUID,
        body: OrientamentoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.orienta(
            domanda_id,
            body.risorsa_id,
            body.motivazione,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.post(
        "/domande/{domanda_id}/appuntamenti",
        status_code=status.HTTP_201_CREATED,
        response_model=AzioneOut,
    )
    def fissa_appuntamento(
        domanda_id: UUID,
        body: AppuntamentoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.fissa_appuntamento(
            domanda_id,
            body.inizio,
            body.fine,
            body.con,
            body.sportello_id,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.post(
        "/domande/{domanda_id}/appuntamenti/{appuntamento_id}/esito", response_model=AzioneOut
    )
    def registra_appuntamento(
        domanda_id: UUID,
        appuntamento_id: UUID,
        body: EsitoAppuntamentoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.registra_appuntamento(
            domanda_id,
            appuntamento_id,
            body.esito == "svolto",
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.post(
        "/domande/{domanda_id}/appuntamenti/{appuntamento_id}/annullamento",
        response_model=AzioneOut,
    )
    def annulla_appuntamento(
        domanda_id: UUID,
        appuntamento_id: UUID,
        body: AnnullamentoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.annulla_appuntamento(
            domanda_id,
            appuntamento_id,
            body.motivo,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.post(
        "/domande/{domanda_id}/istanze",
        status_code=status.HTTP_201_CREATED,
        response_model=AzioneOut,
    )
    def istruisci(
        domanda_id: UUID,
        body: IstanzaIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.istruisci(
            domanda_id,
            body.tipo,
            body.protocollo,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.post("/domande/{domanda_id}/istanze/{istanza_id}/completamento", response_model=AzioneOut)
    def completa_istanza(
        domanda_id: UUID,
        istanza_id: UUID,
        body: CompletamentoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.completa_istanza(
            domanda_id,
            istanza_id,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.post("/domande/{domanda_id}/inoltro", response_model=AzioneOut)
    def inoltra(
        domanda_id: UUID,
        body: InoltroIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.inoltra(
            domanda_id,
            body.area_utenza,
            body.motivo,
            body.urgente,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.post("/domande/{domanda_id}/chiusura", response_model=AzioneOut)
    def chiudi(
        domanda_id: UUID,
        body: ChiusuraIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = intake.chiudi(
            domanda_id,
            body.esito,
            body.nota,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    @api.get("/domande/{domanda_id}/storia", response_model=StoriaOut)
    def storia(
        domanda_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        finalita: Annotated[
            FinalitaDichiarata, Query(description="Finalità della lettura")
        ] = "SPORTELLO",
    ) -> StoriaOut:
        events = intake.storia(domanda_id, richiesta(principal, request), finalita)
        version = events[-1].originator_version
        response.headers["ETag"] = etag(version)
        return StoriaOut(id=domanda_id, versione=version, items=[evento_out(e) for e in events])

    # -- desks -------------------------------------------------------------------------

    @api.post("/sportelli", status_code=status.HTTP_201_CREATED, response_model=AzioneOut)
    def istituisci_sportello(
        body: SportelloIn, principal: CurrentPrincipal, request: Request, response: Response
    ) -> AzioneOut:
        done = intake.istituisci_sportello(body.comune, body.nome, richiesta(principal, request))
        return _azione(done, response, f"{PREFIX}/sportelli?comune={body.comune}")

    @api.put("/sportelli/{sportello_id}/orari", response_model=AzioneOut)
    def definisci_orari(
        sportello_id: UUID,
        body: OrariIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        fasce = [Fascia(giorno=f.giorno, dalle=f.dalle, alle=f.alle) for f in body.fasce]
        done = intake.definisci_orari(
            sportello_id, fasce, richiesta(principal, request), version_from_if_match(if_match)
        )
        return _azione(done, response)

    return api
