"""What every command body of the public API shares: strict, silent about its input, and the
act's time and legal basis."""

from __future__ import annotations

import types
from datetime import UTC, datetime
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
    create_model,
    field_validator,
)

from shared.events.envelope import CLOCK_SKEW
from shared.events.personal import Erased, Personal
from shared.events.testo import RIGA, RIGHE

CONTRACT = ConfigDict(extra="forbid", hide_input_in_errors=True)
"""Unknown fields refused; submitted values never copied into errors (design section 4)."""

Testo = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), RIGHE
]
"""Free text about a person (design section 4: at most 4,000 characters), on several lines;
no control character (decision 0033)."""
Breve = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), RIGA
]
"""A short label on one line (decision 0033)."""


class AttoIn(BaseModel):
    """When the act happened (default now, never in the future) and its legal basis (default:
    the service's own)."""

    model_config = CONTRACT

    occurred_at: AwareDatetime | None = Field(
        default=None, description="Quando è avvenuto (predefinito: ora); mai nel futuro."
    )
    base_giuridica: Annotated[StrictStr, RIGA] | None = Field(
        default=None,
        description="Codice della base giuridica (predefinito: quella propria del servizio).",
    )

    @field_validator("occurred_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("non può essere nel futuro")
        return value


def clear_input(model: type[BaseModel]) -> type[BaseModel]:
    """The API's input twin of an event's value model: the same fields and checks, without
    the ``Erased`` marker that personal fields admit when read back (a client never sends
    one), under the contract's rules. Errors then name the field itself."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        if get_origin(annotation) in (Union, types.UnionType):
            kept = tuple(arg for arg in get_args(annotation) if arg is not Erased)
            annotation = kept[0] if len(kept) == 1 else Union[kept]  # noqa: UP007
        metadata = [item for item in info.metadata if not isinstance(item, Personal)]
        if metadata:
            annotation = Annotated[(annotation, *metadata)]
        default = ... if info.is_required() else info.default
        fields[name] = (annotation, Field(default, description=info.description))
    created: type[BaseModel] = create_model(
        f"{model.__name__}In", __config__=CONTRACT, __doc__=model.__doc__, **fields
    )
    return created
