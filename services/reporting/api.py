"""HTTP entry points of the observatory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from services.reporting.application import ReportingApplication
from shared.web.authentication import CurrentPrincipal
from shared.web.paging import attendi


class ConteggioOut(BaseModel):
    comune: str
    area_utenza: str
    domande: int


class ConteggiOut(BaseModel):
    items: list[ConteggioOut]
    next: str | None = None


def router(reporting: ReportingApplication) -> APIRouter:
    api = APIRouter(prefix="/api/reporting", tags=["osservatorio"])

    @api.get("/domande/conteggi", response_model=ConteggiOut)
    def conteggi_domande(
        principal: CurrentPrincipal,
        attendi_posizione: Annotated[int | None, attendi("del registro intake")] = None,
    ) -> ConteggiOut:
        rows = reporting.conteggi_domande(principal, attendi_posizione)
        return ConteggiOut(
            items=[
                ConteggioOut(comune=r.comune, area_utenza=r.area_utenza, domande=r.domande)
                for r in rows
            ]
        )

    return api
