"""The event catalogue (design section 3): import from here, never from the submodules."""

from shared.events import (
    access,
    audit,
    casework,
    erasure,
    identita,
    intake,
    network,
    reporting,
)
from shared.events.catalogue import CATALOGUE, catalogue_json_schema, catalogued, event_class
from shared.events.envelope import STORED, Actor, CommandContext, LedgerEvent, acting
from shared.events.personal import Erased, Personal, new_person_id

__all__ = [
    "CATALOGUE",
    "STORED",
    "Actor",
    "CommandContext",
    "Erased",
    "LedgerEvent",
    "Personal",
    "access",
    "acting",
    "audit",
    "casework",
    "catalogue_json_schema",
    "catalogued",
    "erasure",
    "event_class",
    "identita",
    "intake",
    "network",
    "new_person_id",
    "reporting",
]
