"""HTTP entry points of the observatory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.reporting.application import ReportingApplication
from shared.web.authentication import CurrentPrincipal


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
        attendi_posizione: Annotated[
            int | None, Query(ge=1, description="Attendi (al massimo 5 s) questa posizione")
        ] = None,
    ) -> ConteggiOut:
        rows = reporting.conteggi_domande(principal, attendi_posizione)
        return ConteggiOut(
            items=[
                ConteggioOut(comune=r.comune, area_utenza=r.area_utenza, domande=r.domande)
                for r in rows
            ]
        )

    return api
