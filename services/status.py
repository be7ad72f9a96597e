"""``GET /api/<service>/stato``: a service's ledger position, for clients that read their writes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from shared.auth.policy import authorize
from shared.ledger.ledger import Ledger
from shared.web.authentication import CurrentPrincipal


class StatoOut(BaseModel):
    servizio: str
    posizione: int


def status_router(service: str, ledger: Ledger) -> APIRouter:
    api = APIRouter(prefix=f"/api/{service}", tags=[service])

    @api.get("/stato", response_model=StatoOut)
    def stato(principal: CurrentPrincipal) -> StatoOut:
        authorize(principal, "servizio.stato")
        return StatoOut(servizio=service, posizione=ledger.recorder.max_notification_id() or 0)

    return api
