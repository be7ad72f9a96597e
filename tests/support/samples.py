"""A valid instance of any catalogued event, built from its declared fields.

Every optional field is filled, so that each personal field really goes through the
ledger's encryption in the round-trip test.
"""

from __future__ import annotations

import types
import typing
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID, uuid4

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel

from shared.events.envelope import LedgerEvent
from shared.events.personal import Erased

BY_NAME: dict[str, Any] = {
    "comune": "E094",
    "comuni": ["E094", "M309"],
    "luogo_nascita": "F205",
    "codice_fiscale": "RSSMRA40A41E094R",
    "persona_precedente_id": "PERSONAPRECEDENTE000",
    "prestazione": "A2.07",
    "prestazioni": ["A2.07", "A1.04"],
    "finalita": "SPORTELLO",
    "data_nascita": date(1940, 1, 1),
    "protocollo": "PROT-2026-0001",
    "protocollo_domanda": "PROT-2026-0002",
    "data_provvedimento": date(2026, 10, 5),
    "necessita_interventi_sociali": ["A2.07", "A1.04"],
    "data_prima_segnalazione": "03/2026",
}
BY_MODEL: dict[str, dict[str, Any]] = {
    # a coded reason, a protocol of digits, and no free text: version 2 (decision 0034)
    "PersonaCancellata": {
        "motivo": "RICHIESTA_INTERESSATO",
        "protocollo": "0012345/2026",
        "motivo_testo": None,
    },
}
"""Fields whose value depends on the event (checked against each other or a code list)."""
ENVELOPE = frozenset(LedgerEvent.model_fields)


def sample_event(cls: type[LedgerEvent], *, person_id: str, **envelope: Any) -> LedgerEvent:
    values = sample_fields(cls, person_id=person_id, skip=ENVELOPE)
    return cls(**values, **envelope)


def sample_fields(
    model: type[BaseModel], *, person_id: str, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    overrides = BY_MODEL.get(model.__name__, {})
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        if name in overrides:
            values[name] = overrides[name]
        elif name == "persona_id":
            values[name] = person_id
        elif name in BY_NAME:
            values[name] = BY_NAME[name]
        else:
            values[name] = _value(info.annotation, name, info.metadata, person_id)
    return values


def _value(annotation: Any, name: str, metadata: list[Any], person_id: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _value(inner, name, [*metadata, *extra], person_id)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a not in (type(None), Erased)]
        return _value(options[0], name, metadata, person_id)
    if origin is Literal:
        return typing.get_args(annotation)[0]
    if origin in (list, tuple, set, frozenset):
        return [_value(typing.get_args(annotation)[0], name, [], person_id)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation(**sample_fields(annotation, person_id=person_id))
    if annotation is bool:
        return True
    if annotation is int:
        return 380 if name == "cittadinanza" else 3
    if annotation is str:
        return _text(name, metadata)
    if annotation is date:
        return date(2026, 11, 2)
    if annotation is time:
        return time(9, 0)
    if annotation is Decimal:
        return Decimal("120.50")
    if annotation is datetime or getattr(annotation, "__name__", "") == "AwareDatetime":
        return datetime.now(UTC) - timedelta(days=1)
    if annotation is UUID:
        return uuid4()
    raise TypeError(f"no sample for field {name}: {annotation!r}")


PATTERNS = {r"^\d{6}$": "015108", r"^[A-Z0-9_]{2,40}$": "SAD"}
"""Samples for pattern-constrained strings the catalogue uses beyond BY_NAME."""


def _text(name: str, metadata: list[Any]) -> str:
    for constraint in metadata:
        pattern = getattr(constraint, "pattern", None)
        if pattern in PATTERNS:
            return PATTERNS[pattern]
    text = f"Testo di prova per {name}, con accenti: è così"
    for constraint in metadata:
        for limit in getattr(constraint, "metadata", [constraint]):
            if isinstance(limit, MaxLen):
                text = text[: limit.max_length]
            if isinstance(limit, MinLen):
                text = text.ljust(limit.min_length, "x")
    return text
