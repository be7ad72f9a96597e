"""The event catalogue: every event type any ledger may hold, by its stable name.

The catalogue is the contract between services and with Kafka consumers; its JSON Schema
is what ``ambito events schema`` publishes.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from shared.events.envelope import LedgerEvent
from shared.events.personal import Erased, Personal

CATALOGUE: dict[str, type[LedgerEvent]] = {}

E = TypeVar("E", bound=type[LedgerEvent])


def catalogued(cls: E) -> E:
    """Adds an event class to the catalogue under its class name."""
    name = cls.__name__
    if name in CATALOGUE:
        raise TypeError(f"event type {name} is catalogued twice")
    cls.event_type = name
    personal_plan(cls)  # fails now, at import, on a badly declared personal field
    CATALOGUE[name] = cls
    return cls


def event_class(event_type: str) -> type[LedgerEvent]:
    try:
        return CATALOGUE[event_type]
    except KeyError:
        raise LookupError(f"event type {event_type!r} is not in the catalogue") from None


@dataclass(frozen=True)
class PersonalLeaf:
    key: str
    subject: str


@dataclass(frozen=True)
class NestedModel:
    key: str
    many: bool
    model: type[BaseModel]


FieldPlan = PersonalLeaf | NestedModel


@cache
def personal_plan(model: type[BaseModel]) -> tuple[FieldPlan, ...]:
    """Where a model's personal fields are, by serialised key, including nested models."""
    plan: list[FieldPlan] = []
    for name, info in model.model_fields.items():
        key = info.serialization_alias or info.alias or name
        marker = next((m for m in info.metadata if isinstance(m, Personal)), None)
        if marker is not None:
            if not _admits_erased(info.annotation):
                raise TypeError(f"{model.__name__}.{name}: a personal field must admit Erased")
            plan.append(PersonalLeaf(key, marker.subject))
            continue
        _refuse_buried_marker(model, name, info.annotation)
        nested = _nested_model(info.annotation)
        if nested is not None and personal_plan(nested[1]):
            plan.append(NestedModel(key, nested[0], nested[1]))
        elif nested is None and _holds_personal_model(info.annotation):
            raise TypeError(
                f"{model.__name__}.{name}: personal data inside a dict or a union of models "
                "cannot be encrypted; use a model or a list of models"
            )
    return tuple(plan)


def _args(annotation: Any) -> tuple[Any, ...]:
    return typing.get_args(annotation)


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _admits_erased(annotation: Any) -> bool:
    return annotation is Erased or (_is_union(annotation) and Erased in _args(annotation))


def _refuse_buried_marker(model: type[BaseModel], name: str, annotation: Any) -> None:
    """A ``Personal`` inside ``X | None`` would be silently ignored by pydantic: refuse it."""
    if typing.get_origin(annotation) is typing.Annotated:
        if any(isinstance(m, Personal) for m in annotation.__metadata__):
            raise TypeError(
                f"{model.__name__}.{name}: put Personal() on the outermost Annotated "
                "(write Annotated[T | Erased | None, Personal()])"
            )
        annotation = _args(annotation)[0]
    for arg in _args(annotation):
        _refuse_buried_marker(model, name, arg)


def _holds_personal_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return bool(personal_plan(annotation))
    return any(_holds_personal_model(arg) for arg in _args(annotation))


def _nested_model(annotation: Any) -> tuple[bool, type[BaseModel]] | None:
    """(many, model) when the field holds a model or a list of models, else None."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = _args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False, annotation
    if _is_union(annotation):
        models = [_nested_model(a) for a in _args(annotation) if a is not type(None)]
        return models[0] if len(models) == 1 else None
    if typing.get_origin(annotation) in (list, tuple, frozenset, set):
        inner = [a for a in _args(annotation) if a is not Ellipsis]
        found = _nested_model(inner[0]) if len(inner) == 1 else None
        return (True, found[1]) if found is not None else None
    return None


ENCRYPTED_FIELD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "A personal value as stored and published: AES-GCM under the key of the person "
        "'persona', base64 of nonce and ciphertext."
    ),
    "properties": {
        "$enc": {"type": "string", "contentEncoding": "base64"},
        "persona": {"type": "string", "pattern": "^[A-Z0-9]{20}$"},
    },
    "required": ["$enc", "persona"],
    "additionalProperties": False,
}
ENCRYPTED_FIELD = "CampoCifrato"


def _admit_ciphertext(
    schema: dict[str, Any], model: type[BaseModel], definitions: dict[str, Any], seen: set[str]
) -> None:
    """Lets each personal property be its encrypted form too, as the ledger and Kafka carry it."""
    for item in personal_plan(model):
        if isinstance(item, PersonalLeaf):
            clear = schema["properties"][item.key]
            moved = {k: clear.pop(k) for k in ("title", "default", "description") if k in clear}
            schema["properties"][item.key] = {
                **moved,
                "anyOf": [clear, {"$ref": f"#/$defs/{ENCRYPTED_FIELD}"}],
                "x-personal": True,
            }
        elif item.model.__name__ not in seen:
            seen.add(item.model.__name__)
            _admit_ciphertext(definitions[item.model.__name__], item.model, definitions, seen)


def catalogue_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of every catalogued event as published: personal properties
    (marked ``x-personal``) are valid both clear and in their encrypted form."""
    definitions: dict[str, Any] = {ENCRYPTED_FIELD: ENCRYPTED_FIELD_SCHEMA}
    variants: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name in sorted(CATALOGUE):
        cls = CATALOGUE[name]
        schema = cls.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        for model_name, definition in schema.pop("$defs", {}).items():
            # a model shared by several events is defined (and made cipher-aware) once
            definitions.setdefault(model_name, definition)
        _admit_ciphertext(schema, cls, definitions, seen)
        schema["properties"] = {
            "type": {"const": name},
            "schema_version": {"const": cls.schema_version},
            **schema["properties"],
        }
        schema["required"] = ["type", "schema_version", *schema.get("required", [])]
        schema["description"] = (cls.__doc__ or name).strip().splitlines()[0]
        definitions[name] = schema
        variants.append({"$ref": f"#/$defs/{name}"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ambito.example/schemas/events.json",
        "title": "Ambito event catalogue",
        "description": (
            "Every event a ledger of Ambito may hold, in its published form. Personal "
            "properties travel encrypted (CampoCifrato), see docs/architecture.md."
        ),
        "oneOf": variants,
        "discriminator": {"propertyName": "type"},
        "$defs": definitions,
    }
