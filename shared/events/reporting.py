"""Events of the observatory's own small ledger (service ``reporting``)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.types import AreaUtenza, CodiceBelfiore, ShortText


@catalogued
class SogliaCaricoImpostata(LedgerEvent):
    """The caseload above which a social worker's load raises an alarm."""

    soglia: int = Field(ge=1, le=1000)
    area_utenza: AreaUtenza | None = None


@catalogued
class FlussoSiussEmesso(LedgerEvent):
    """A SIUSS flow was issued: only its id and timestamp, never its content."""

    flusso_id: ShortText
    tipo: Literal["PS_PSA_SINA", "SINBA"]
    comune: CodiceBelfiore
    ts_flusso: AwareDatetime
    eventi: list[UUID]


@catalogued
class EsitoSiussRicevuto(LedgerEvent):
    flusso_id: ShortText
    esito: ShortText
    id_acquisizione: ShortText | None = None
    messaggio: ShortText | None = None
