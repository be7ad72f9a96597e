"""The intake API's public contract: what outside clients send and get back."""

from __future__ import annotations

from datetime import date, datetime
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
)

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
