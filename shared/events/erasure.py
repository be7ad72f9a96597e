"""The erasure of a person (crypto-shredding, GDPR art. 17; decision 0029).

It is a district-level record, kept in reporting's own ledger: who erased whom (by the
pseudonymous id only), when, why and on what legal basis (the envelope's). It carries no
personal field: it could not be encrypted under the key it records the destruction of. So
since schema version 2 nothing in it is free text: the reason is a code and the protocol
reference is digits only (decision 0034).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final
from uuid import UUID, uuid5

from pydantic import StringConstraints, ValidationInfo, field_validator, model_validator

from shared import codes
from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.personal import PersonaId
from shared.events.types import ShortText

MOTIVO_TESTO_LIBERO: Final = "TESTO_LIBERO"
"""The code an erasure recorded at schema version 1 (a free-text reason) reads with: never
in ``motivi_cancellazione.csv``, so that no new erasure can use it."""

PROTOCOLLO: Final = re.compile(r"^[0-9]{1,12}(/[0-9]{4})?$")
"""A protocol reference: the number, optionally ``/`` and the year of registration
(``123``, ``0012345/2025``). Digits only, so that it cannot hold a name, a codice fiscale or
a whole date (decision 0034)."""

CodiceMotivo = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Protocollo = Annotated[str, StringConstraints(pattern=PROTOCOLLO.pattern)]


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored"))


ERASURE_NAMESPACE: Final = UUID("2b7d3c7e-5f0a-4b8e-9a61-7c4e0f1d9a35")
"""Namespace of the erasure's aggregate id, derived from the person's id: one per person."""


def id_cancellazione(persona_id: str) -> UUID:
    """The aggregate id of a person's erasure: the same on every run, so that the ledger
    holds at most one (a second save of version 1 is refused)."""
    return uuid5(ERASURE_NAMESPACE, persona_id)


@catalogued
class PersonaCancellata(LedgerEvent):
    """The person's key and blind indexes were destroyed (or are about to be: the event is
    recorded first, decision 0029); their data in every ledger, topic and read model reads
    as erased from then on, while statistics and seals stay as they were."""

    schema_version = 2

    persona_id: PersonaId
    motivo: CodiceMotivo
    """Why: a code of ``motivi_cancellazione.csv`` (``MOTIVO_TESTO_LIBERO`` for an erasure
    recorded at version 1)."""
    protocollo: Protocollo | None = None
    """The protocol reference of the request or act behind the erasure, digits only."""
    motivo_testo: ShortText | None = None
    """The free-text reason of a version-1 erasure, kept as recorded (the ledger is
    append-only) and shown to the dpo alone: it may name someone. Never set on a new one."""

    @field_validator("motivo")
    @classmethod
    def _known_reason(cls, value: str, info: ValidationInfo) -> str:
        """A new erasure cites a code of the list; a stored one loads whatever the list has
        become since (as legal bases do)."""
        if not _stored(info) and value not in codes.erasure_reasons():
            raise ValueError("motivo di cancellazione sconosciuto")
        return value

    @model_validator(mode="after")
    def _no_free_text_in_new_erasures(self, info: ValidationInfo) -> PersonaCancellata:
        if not _stored(info) and self.motivo_testo is not None:
            raise ValueError("una nuova cancellazione non ha un motivo in testo libero")
        return self

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 carried the reason as free text, which could name the erased person:
        it moves to ``motivo_testo`` (the dpo's only) and the reason reads as uncoded."""
        state["motivo_testo"] = state.pop("motivo")
        state["motivo"] = MOTIVO_TESTO_LIBERO
        state["protocollo"] = None
