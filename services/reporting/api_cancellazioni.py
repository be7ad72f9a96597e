"""``GET /api/reporting/cancellazioni``: the erasures of persons, for the dpo and the
amministratore (decision 0029). Pseudonymous ids, actors, legal bases, coded reasons and
protocol references only; the free-text reason of an erasure recorded before reasons were
coded is the dpo's alone (decision 0034)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from services.reporting.cancellazioni import CancellazioniQueries
from shared import codes
from shared.events.erasure import MOTIVO_TESTO_LIBERO
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
    """A code of ``motivi_cancellazione.csv``; ``TESTO_LIBERO`` for an erasure recorded with
    a free-text reason (before decision 0034)."""
    motivo_descrizione: str | None = None
    """The code's label, as the list has it now."""
    protocollo: str | None = None
    """The protocol reference of the request or act (digits, optionally ``/`` and year)."""
    motivo_testo: str | None = None
    """The free-text reason of an erasure recorded before reasons were coded: shown to the
    dpo alone, always null for anyone else (it may name someone)."""
    occurred_at: datetime
    completata: bool
    """The person's key is destroyed (else the service completes it)."""


class CancellazioniOut(BaseModel):
    items: list[CancellazioneOut]
    next: str | None = None


def _descrizione(motivo: str) -> str | None:
    if motivo == MOTIVO_TESTO_LIBERO:
        return "motivo registrato in testo libero, prima della codifica dei motivi"
    return codes.erasure_reasons().get(motivo)


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
                CancellazioneOut.model_validate(item, from_attributes=True).model_copy(
                    update={"motivo_descrizione": _descrizione(item.motivo)}
                )
                for item in page.items
            ],
            next=next_link(request, page),
        )

    return api
