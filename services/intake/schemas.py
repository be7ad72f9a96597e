"""The intake API's public contract: what outside clients send and get back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

import pycountry
from codicefiscale import codicefiscale
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.events.envelope import CLOCK_SKEW
from shared.events.types import AreaUtenza, Canale

CONTRACT = ConfigDict(extra="forbid", hide_input_in_errors=True)


def _codice_fiscale(value: str) -> str:
    code = value.strip().upper()
    if not codicefiscale.is_valid(code):
        raise ValueError("codice fiscale non valido (formato o carattere di controllo)")
    return code


def _country(value: int) -> int:
    if pycountry.countries.get(numeric=f"{value:03d}") is None:
        raise ValueError("codice paese ISO 3166-1 numerico sconosciuto")
    return value


Nome = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Belfiore = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z]\d{3}$")]


class PersonaIn(BaseModel):
    """Who the request is about. A codice fiscale, when given, must agree with the birth date
    and sex given beside it."""

    model_config = CONTRACT

    nome: Nome
    cognome: Nome
    codice_fiscale: Annotated[StrictStr, AfterValidator(_codice_fiscale)] | None = None
    data_nascita: date | None = None
    sesso: Literal["M", "F"] | None = None
    luogo_nascita: Belfiore | None = None
    cittadinanza: Annotated[int, AfterValidator(_country)] | None = Field(
        default=None, description="ISO 3166-1 numerico (Italia 380)"
    )

    @field_validator("data_nascita")
    @classmethod
    def _birth_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is None:
            return None
        if value > date.today():
            raise ValueError("la data di nascita non può essere nel futuro")
        code = info.data.get("codice_fiscale")
        if code:
            encoded = codicefiscale.decode(code)["birthdate"]
            if (encoded.day, encoded.month, encoded.year % 100) != (
                value.day,
                value.month,
                value.year % 100,
            ):
                raise ValueError("non coerente con il codice fiscale")
        return value

    @field_validator("sesso")
    @classmethod
    def _sex(cls, value: str | None, info: ValidationInfo) -> str | None:
        code = info.data.get("codice_fiscale")
        if value and code and codicefiscale.decode(code)["gender"] != value:
            raise ValueError("non coerente con il codice fiscale")
        return value


class DomandaIn(BaseModel):
    """The body of ``POST /api/intake/domande``."""

    model_config = CONTRACT

    comune: Belfiore
    canale: Canale
    persona: PersonaIn
    bisogno: Annotated[StrictStr, StringConstraints(min_length=1, max_length=4000)]
    area_utenza: AreaUtenza
    urgente: StrictBool = False
    occurred_at: AwareDatetime | None = Field(
        default=None, description="Quando è avvenuto (predefinito: ora); mai nel futuro."
    )

    @field_validator("occurred_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("non può essere nel futuro")
        return value

    base_giuridica: StrictStr | None = Field(
        default=None, description="Codice della base giuridica (predefinito: L328_ART22)."
    )


class DomandaRegistrata(BaseModel):
    id: UUID
    posizione: int
    """Ledger position reached: pass it as ``attendi_posizione`` to read your write."""


class AttoreOut(BaseModel):
    utente: str
    ruolo: str
    comune: str | None


class PersonaOut(BaseModel):
    persona_id: str
    nome: str | None
    cognome: str | None
    codice_fiscale: str | None
    data_nascita: date | None
    sesso: str | None
    cancellata: bool
    """True when the person was erased: their personal fields read as null."""


class DomandaOut(BaseModel):
    id: UUID
    versione: int
    comune: str
    canale: str
    area_utenza: str
    urgente: bool
    bisogno: str | None
    persona: PersonaOut
    attore: AttoreOut
    base_giuridica: str
    base_giuridica_descrizione: str
    fonte: str
    occurred_at: datetime
    recorded_at: datetime | None
