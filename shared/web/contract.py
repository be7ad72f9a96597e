"""What every command body of the public API shares: strict, silent about its input, and the
act's time and legal basis."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictStr, field_validator

from shared.events.envelope import CLOCK_SKEW

CONTRACT = ConfigDict(extra="forbid", hide_input_in_errors=True)
"""Unknown fields refused; submitted values never copied into errors (design section 4)."""


class AttoIn(BaseModel):
    """When the act happened (default now, never in the future) and its legal basis (default:
    the service's own)."""

    model_config = CONTRACT

    occurred_at: AwareDatetime | None = Field(
        default=None, description="Quando è avvenuto (predefinito: ora); mai nel futuro."
    )
    base_giuridica: StrictStr | None = Field(
        default=None,
        description="Codice della base giuridica (predefinito: quella propria del servizio).",
    )

    @field_validator("occurred_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("non può essere nel futuro")
        return value
