"""Events of the observatory's own small ledger (service ``reporting``)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.model import ValueModel
from shared.events.personal import OptionalPersonalText, PersonaId
from shared.events.types import AreaUtenza, CodiceBelfiore, ShortText


@catalogued
class SogliaCaricoImpostata(LedgerEvent):
    """The caseload above which a social worker's load raises an alarm."""

    soglia: int = Field(ge=1, le=1000)
    area_utenza: AreaUtenza | None = None


TipoFlussoSiuss = Literal["PS_PSA_SINA", "SINBA"]
EsitoSiuss = Literal["OK", "DATI_NON_TROVATI", "RICHIESTA_INVALIDA", "ERRORE_GENERICO"]
"""``EsitoFlusso.codice_esito`` of INPS's ``api-comuni.yaml``."""


class FlussoDovuto(ValueModel):
    """Which flow, pseudonymously: the casework event that made it due and the case state
    (``versione_caso``) its XML is built from, again on every request (design section 12)."""

    chiave: ShortText
    """The due flow's key in ``reporting.siuss`` (event id, type, intervention)."""
    tipo: TipoFlussoSiuss
    operazione: Literal["I", "C"]
    comune: CodiceBelfiore
    caso_id: UUID
    persona_id: PersonaId
    intervento_id: UUID | None = None
    evento_id: UUID
    versione_caso: int = Field(ge=1)
    """The case's version the flow's content is read at (for a cancellation: the version of
    the benefit's last insertion)."""
    versione_evento: int = Field(ge=1)
    """The version of the event that made the flow due (its date is ``DataEvento``)."""
    posizione: int = Field(ge=1)
    """That event's position in the casework ledger: flows are issued in this order."""


@catalogued
class FlussoSiussEmesso(LedgerEvent):
    """A SIUSS flow was issued (first listed to INPS, or exported): its id and timestamp,
    read back ever after, and what it is built from; never its content, which holds names
    and the codice fiscale in clear."""

    flusso_id: ShortText
    ts_flusso: AwareDatetime
    """Strictly increasing across the district's flows, in whole milliseconds."""
    flusso: FlussoDovuto


@catalogued
class FlussoSiussBloccato(LedgerEvent):
    """A due flow could not be built: what is missing, never the value. A later event of
    the case makes a new flow due; this one stays blocked."""

    flusso: FlussoDovuto
    campo: ShortText
    motivo: ShortText
    superato: bool = False
    """Not blocked but no longer due (a benefit withdrawn before its insertion was sent; a
    minor come of age): nothing for a coordinator to fix."""


@catalogued
class EsitoSiussRicevuto(LedgerEvent):
    """INPS's outcome for a flow, as ``POST /waas/v1/esiti`` delivered it."""

    flusso_id: ShortText
    tipo: TipoFlussoSiuss
    ts_flusso: AwareDatetime
    ts_acquisizione: AwareDatetime
    esito: EsitoSiuss
    id_acquisizione: ShortText | None = None
    comune: CodiceBelfiore | None = None
    """The comune of the flow, when the flow is ours."""
    persona_id: PersonaId | None = None
    """The flow's beneficiary, when the flow is ours."""
    descrizione: OptionalPersonalText = None
    """INPS's text may quote the flow's values: encrypted under the beneficiary's key, and
    kept only for a flow of ours."""


@catalogued
class EsitoSiussScartato(LedgerEvent):
    """An item of ``POST /waas/v1/esiti`` that could not be read (a field missing or not of
    the spec's shape). INPS does not send an item again once the batch is answered 2xx, so
    it is kept for coordinators' review with the reason (decision 0033): which field and
    why, never a value; the flow's id only when it is one of this district's."""

    indice: int = Field(ge=0)
    """The item's place in the batch."""
    campo: ShortText
    """The item's field that could not be read (``corpo`` for the item as a whole)."""
    motivo: ShortText
    flusso_id: ShortText | None = None
    """Set when the item names a flow this district issued."""
    comune: CodiceBelfiore | None = None
    """That flow's comune (who may review it)."""


@catalogued
class AccessoEmergenzaConfermato(LedgerEvent):
    """The coordinatore of the case's comune confirmed a break-glass read (decision 0030).
    The aggregate is the decision's own, derived from the read (one decision per read)."""

    lettura_id: UUID
    """The ``event_id`` of the ``DatiPersonaliLetti`` reviewed."""
    caso_id: UUID
    persona_id: PersonaId
    nota: OptionalPersonalText = None
    """Free text that may name the person: encrypted under their key."""


@catalogued
class AccessoEmergenzaContestato(LedgerEvent):
    """The coordinatore of the case's comune contested a break-glass read (decision 0030)."""

    lettura_id: UUID
    caso_id: UUID
    persona_id: PersonaId
    nota: OptionalPersonalText = None
