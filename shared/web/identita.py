"""How the API takes a rectification of a person's data and a coordinatore's decision on
whom a record is about, and lists the records to verify (decision 0032): the same shapes in
intake (requests) and casework (cases)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, StrictStr, StringConstraints

from shared.events.identita import EsitoAttribuzione
from shared.web.contract import AttoIn, Testo
from shared.web.persona import PersonaIn

IdPersona = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z0-9]{20}$")]


class RettificaPersonaIn(AttoIn):
    """The person's data as corrected, whole (GDPR art. 16; base giuridica predefinita
    GDPR_16), and what was wrong."""

    persona: PersonaIn
    motivo: Testo = Field(description="Che cosa era inesatto e su quale riscontro")


class AttribuzionePersonaIn(AttoIn):
    """A coordinatore's decision on whom the record is about (base giuridica predefinita
    GDPR_5_1_D): ``collegata`` to the known holder of its codice fiscale (``persona_id`` when
    several), ``distinta`` (kept apart), ``separata`` to a new person (``persona``)."""

    esito: EsitoAttribuzione
    motivo: Testo = Field(description="Perché: il riscontro su cui si decide")
    persona: PersonaIn | None = Field(
        default=None, description="Per «separata»: i dati giusti della persona"
    )
    persona_id: IdPersona | None = Field(
        default=None, description="Per «collegata»: la persona nota, se più di una"
    )


class DaVerificareOut(BaseModel):
    """A record whose codice fiscale is to verify: ids and codes only, no personal value."""

    id: UUID
    persona_id: str
    comune: str
    area_utenza: str
    registrata_il: datetime


class DaVerificareElenco(BaseModel):
    items: list[DaVerificareOut]
    next: str | None
