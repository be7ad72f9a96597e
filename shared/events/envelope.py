"""The envelope every ledger event carries (design section 3), and who is acting.

The service layer states who acts, on what legal basis and from where by entering
``acting(CommandContext(...))``; every event created inside it takes its envelope from
there, so domain code never handles identity and no event can be created without an actor.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar
from uuid import UUID, uuid4, uuid5

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shared import codes
from shared.events.model import MODEL_CONFIG, ValueModel
from shared.events.types import CodiceBelfiore, Fonte, Ruolo

CLOCK_SKEW = timedelta(minutes=2)
"""How far in the future a client's ``occurred_at`` may be before it is refused."""

POLICY_NAMESPACE = UUID("6f1c7a52-3a4e-4c83-9a55-0d2f7f3f4a10")
"""Namespace of the ids that policies derive from the event that caused them."""


class Actor(ValueModel):
    """Who did it: the user (or client, or ``sistema``), their role and the comune acted for."""

    user: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    role: Ruolo
    comune: CodiceBelfiore | None = None


class CommandContext(ValueModel):
    """What the service layer knows about a command and every event it records."""

    actor: Actor
    legal_basis: str
    source: Fonte
    correlation_id: UUID = Field(default_factory=uuid4)
    causation_id: UUID | None = None
    occurred_at: AwareDatetime | None = None
    derive_ids: bool = False
    """Policies set this: event ids become uuid5 of the causing event, so redelivery is a no-op."""

    @field_validator("legal_basis")
    @classmethod
    def _known_legal_basis(cls, value: str) -> str:
        if value not in codes.legal_bases():
            raise ValueError("base giuridica sconosciuta")
        return value


_current_context: ContextVar[CommandContext | None] = ContextVar("ambito_command", default=None)


@contextmanager
def acting(context: CommandContext) -> Iterator[CommandContext]:
    """Every event created inside this block carries ``context`` as its envelope."""
    token = _current_context.set(context)
    try:
        yield context
    finally:
        _current_context.reset(token)


def current_context() -> CommandContext | None:
    return _current_context.get()


STORED = {"stored": True}
"""Validation context for events read back from a ledger: no checks that only bind new acts."""


def _is_stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored"))


class LedgerEvent(ValueModel):
    """Base of every catalogued event: the common envelope, flat beside the payload.

    Field names follow the ``eventsourcing`` library (``originator_id``, ``timestamp``) so
    that aggregates can use these classes directly; the published names are the aliases
    (``aggregate_id``, ``aggregate_version``, ``occurred_at``).
    """

    model_config = ConfigDict(
        **MODEL_CONFIG,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    event_type: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1

    event_id: UUID
    originator_id: UUID = Field(alias="aggregate_id")
    originator_version: int = Field(alias="aggregate_version", ge=1)
    timestamp: AwareDatetime = Field(alias="occurred_at")
    recorded_at: AwareDatetime | None = None
    actor: Actor
    legal_basis: str
    source: Fonte
    correlation_id: UUID
    causation_id: UUID | None = None

    @model_validator(mode="before")
    @classmethod
    def _envelope_from_context(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or _is_stored(info):
            return data
        data = dict(data)
        context = current_context()
        if context is not None:
            for key in ("actor", "legal_basis", "source", "correlation_id", "causation_id"):
                if key not in data:
                    data[key] = getattr(context, key)
            if context.occurred_at is not None:
                data.pop("occurred_at", None)
                data["timestamp"] = context.occurred_at
        if "timestamp" not in data and "occurred_at" not in data:
            data["timestamp"] = datetime.now(UTC)
        if "event_id" not in data:
            data["event_id"] = cls._new_event_id(data, context)
        return data

    @classmethod
    def _new_event_id(cls, data: dict[str, Any], context: CommandContext | None) -> UUID:
        if context is not None and context.derive_ids and context.causation_id is not None:
            originator = data.get("originator_id", data.get("aggregate_id"))
            version = data.get("originator_version", data.get("aggregate_version"))
            name = f"{context.causation_id}:{cls.event_type}:{originator}:{version}"
            return uuid5(POLICY_NAMESPACE, name)
        return uuid4()

    @field_validator("timestamp")
    @classmethod
    def _not_in_the_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        if not _is_stored(info) and value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("la data dell'evento non può essere nel futuro")
        return value

    @field_validator("legal_basis")
    @classmethod
    def _known_legal_basis(cls, value: str, info: ValidationInfo) -> str:
        if not _is_stored(info) and value not in codes.legal_bases():
            raise ValueError("base giuridica sconosciuta")
        return value

    @property
    def occurred_at(self) -> datetime:
        return self.timestamp

    @property
    def aggregate_id(self) -> UUID:
        return self.originator_id

    @property
    def aggregate_version(self) -> int:
        return self.originator_version
