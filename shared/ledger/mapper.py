"""Maps catalogued events to stored bytes and back: canonical JSON, personal data sealed
per person, older schema versions upcast on read, never rewritten."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
)
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from shared.events.catalogue import CATALOGUE, event_class
from shared.events.envelope import STORED, LedgerEvent
from shared.ledger.codec import PersonalDataCodec, PersonalDataError
from shared.persons.keystore import KeyStoreError

ORIGINATOR_TOPIC = "originator_topic"
"""eventsourcing's pointer from a 'created' event to its aggregate class: derived, not stored."""


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


SAFE_MESSAGES = (MapperDeserialisationError, PersonalDataError, KeyStoreError, LookupError)


def _describe(error: Exception) -> str:
    """What went wrong, without any value: decrypted personal data must not reach a log."""
    if isinstance(error, ValidationError):
        problems = error.errors(include_input=False, include_url=False, include_context=False)
        return "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['type']}"
            for problem in problems
        )
    if isinstance(error, SAFE_MESSAGES):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


def upcast(cls: type[LedgerEvent], state: dict[str, Any], version: int) -> None:
    """Brings a stored state of ``version`` up to the class's schema version, in place."""
    if version > cls.schema_version:
        raise MapperDeserialisationError(
            f"{cls.event_type} v{version} is newer than this code (v{cls.schema_version})"
        )
    while version < cls.schema_version:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1


class EventClasses:
    """Which class each catalogued event type loads as: the catalogue's own, or the
    subclass an aggregate declared for it (so that ``mutate`` applies it)."""

    def __init__(self) -> None:
        self._classes: dict[str, type[LedgerEvent]] = {}
        self._aggregates: dict[str, str] = {}

    def bind(self, aggregate_class: type) -> None:
        for value in vars(aggregate_class).values():
            if not (isinstance(value, type) and issubclass(value, LedgerEvent)):
                continue
            if value.event_type not in CATALOGUE:
                continue
            bound = self._classes.get(value.event_type)
            if bound is not None and bound is not value:
                raise TypeError(f"{value.event_type} is bound to {bound} already")
            self._classes[value.event_type] = value
            self._aggregates[value.event_type] = get_topic(aggregate_class)

    def resolve(self, event_type: str) -> type[LedgerEvent]:
        return self._classes.get(event_type) or event_class(event_type)

    def aggregate_topic(self, event_type: str) -> str | None:
        return self._aggregates.get(event_type)


class LedgerMapper(Mapper[UUID]):
    def __init__(self, codec: PersonalDataCodec, classes: EventClasses | None = None) -> None:
        super().__init__(transcoder=JSONTranscoder())
        self.codec = codec
        self.classes = classes or EventClasses()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if not isinstance(domain_event, LedgerEvent) or domain_event.event_type not in CATALOGUE:
            raise TypeError(f"{type(domain_event).__qualname__} is not a catalogued event")
        cls = type(domain_event)
        data = domain_event.model_dump(mode="json", by_alias=True, exclude={"recorded_at"})
        data.pop(ORIGINATOR_TOPIC, None)
        data = self.codec.encrypt(cls, data, domain_event.event_id)
        state = {"type": cls.event_type, "schema_version": cls.schema_version, **data}
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=cls.event_type,
            state=canonical_json(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> LedgerEvent:
        try:
            return self._load(stored_event)
        except Exception as error:
            raise MapperDeserialisationError(
                f"event {stored_event.originator_id} v{stored_event.originator_version} "
                f"({stored_event.topic}) does not load: {_describe(error)}"
            ) from None

    def _load(self, stored_event: StoredEvent) -> LedgerEvent:
        raw = json.loads(stored_event.state)
        event_type = raw.pop("type")
        version = int(raw.pop("schema_version"))
        if event_type != stored_event.topic:
            raise MapperDeserialisationError("stored topic and event type disagree")
        cls = self.classes.resolve(event_type)
        data = self.codec.decrypt(raw, raw["event_id"])
        upcast(cls, data, version)
        if (
            str(data.get("aggregate_id")) != str(stored_event.originator_id)
            or data.get("aggregate_version") != stored_event.originator_version
        ):
            raise MapperDeserialisationError("stored columns and event state disagree")
        recorded_at = getattr(stored_event, "recorded_at", None)
        if recorded_at is not None:
            data["recorded_at"] = datetime.fromisoformat(recorded_at)
        aggregate_topic = self.classes.aggregate_topic(event_type)
        if aggregate_topic is not None and ORIGINATOR_TOPIC in cls.model_fields:
            data[ORIGINATOR_TOPIC] = aggregate_topic
        return cls.model_validate(data, context=STORED)
