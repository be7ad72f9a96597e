"""``GET /api/reporting/cancellazioni``: the erasures of persons, for the dpo and the
amministratore (decision 0029). Pseudonymous ids, actors, legal bases and reasons only."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from services.reporting.cancellazioni import CancellazioniQueries
from shared.web.authentication import CurrentPrincipal
from shared.web.paging import Attendi, Limit, Offset, next_link

PREFIX = "/api/reporting"


class CancellazioneOut(BaseModel):
    persona_id: str
    posizione: int
    """Position of the ``PersonaCancellata`` in reporting's ledger."""
    event_id: str
    utente: str
    ruolo: str
    base_giuridica: str
    motivo: str
    occurred_at: datetime
    completata: bool
    """The person's key is destroyed (else the service completes it)."""


class CancellazioniOut(BaseModel):
    items: list[CancellazioneOut]
    next: str | None = None


def router(queries: CancellazioniQueries) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["osservatorio"])

    @api.get("/cancellazioni", response_model=CancellazioniOut)
    def elenco(
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> CancellazioniOut:
        """The persons erased, most recent first: who erased them, when, why and on what
        legal basis."""
        page = queries.elenco(
            principal, offset=offset, limit=limit, attendi_posizione=attendi_posizione
        )
        return CancellazioniOut(
            items=[
                CancellazioneOut.model_validate(item, from_attributes=True) for item in page.items
            ],
            next=next_link(request, page),
        )

    return api
