"""HTTP entry points of caseloads, deadlines and the caseload threshold: they only translate.

The lists carry no personal data (ids, states, dates, areas, comuni), so they are not reads
of a case file and record no access event (``services.reporting.carichi_queries``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.reporting.carichi_queries import CarichiQueries
from services.reporting.registro import RegistroOsservatorio
from services.reporting.schemas_carichi import (
    CarichiMieiOut,
    CarichiOut,
    CaricoAreaOut,
    CaricoAssistenteOut,
    CasoInCaricoOut,
    ScadenzaOut,
    ScadenzeOut,
    SogliaImpostataOut,
    SogliaIn,
    SogliaOut,
    SoglieOut,
)
from services.reporting.soglie import SOGLIA_PREDEFINITA
from shared.auth.richiesta import Richiesta
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.paging import Attendi, Limit, Offset, next_link

PREFIX = "/api/reporting"


def router(queries: CarichiQueries, registro: RegistroOsservatorio) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["carichi e scadenze"])

    @api.get("/carichi/miei", response_model=CarichiMieiOut)
    def carichi_miei(
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> CarichiMieiOut:
        """The caller's open cases (assigned or in charge) with each one's next deadline."""
        page = queries.miei(principal, offset, limit, attendi_posizione)
        return CarichiMieiOut(
            items=[CasoInCaricoOut.model_validate(item) for item in page.items],
            next=next_link(request, page),
        )

    @api.get("/scadenze/settimana", response_model=ScadenzeOut)
    def scadenze_settimana(
        principal: CurrentPrincipal,
        request: Request,
        includi_scadute: Annotated[
            bool, Query(description="Includi anche le scadenze già passate e non assolte")
        ] = False,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> ScadenzeOut:
        """Deadlines due today through the next 7 days (Europe/Rome)."""
        page = queries.settimana(principal, includi_scadute, offset, limit, attendi_posizione)
        return ScadenzeOut(
            items=[ScadenzaOut.model_validate(item) for item in page.items],
            next=next_link(request, page),
        )

    @api.get("/scadenze/scadute", response_model=ScadenzeOut)
    def scadenze_scadute(
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> ScadenzeOut:
        """Overdue deadlines in the caller's scope, oldest first."""
        page = queries.scadute(principal, offset, limit, attendi_posizione)
        return ScadenzeOut(
            items=[ScadenzaOut.model_validate(item) for item in page.items],
            next=next_link(request, page),
        )

    @api.get("/carichi", response_model=CarichiOut)
    def carichi(
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> CarichiOut:
        """Per social worker (paged) and per area, in the coordinator's comuni."""
        found = queries.carichi(principal, offset, limit, attendi_posizione)
        return CarichiOut(
            items=[CaricoAssistenteOut.model_validate(item) for item in found.assistenti.items],
            aree=[CaricoAreaOut.model_validate(area) for area in found.aree],
            next=next_link(request, found.assistenti),
        )

    @api.get("/soglie", response_model=SoglieOut)
    def soglie(principal: CurrentPrincipal) -> SoglieOut:
        """The thresholds set, and the default one where none is."""
        return SoglieOut(
            items=[SogliaOut.model_validate(item) for item in queries.soglie(principal)],
            predefinita=SOGLIA_PREDEFINITA,
        )

    @api.put("/soglie", response_model=SogliaImpostataOut)
    def imposta_soglia(
        body: SogliaIn, principal: CurrentPrincipal, request: Request
    ) -> SogliaImpostataOut:
        """Sets the general threshold, or an area's (409 when it is already that value)."""
        done = registro.imposta_soglia(
            body.soglia, body.area_utenza, Richiesta(principal, "api", correlation_id(request))
        )
        return SogliaImpostataOut(
            area_utenza=done.area_utenza,
            soglia=done.soglia,
            versione=done.versione,
            posizione=done.posizione,
        )

    return api
