"""How a person is given to and returned by the public API (intake's requests, casework's
cases opened directly): the same checks and the same shape everywhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo

import pycountry
from codicefiscale import codicefiscale
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.events import Erased
from shared.events.intake import DatiPersona, Residenza
from shared.events.testo import RIGA
from shared.identity.registers import comune_by_istat
from shared.persons import identita
from shared.persons.dati import Persona
from shared.web.contract import CONTRACT

ROME = ZoneInfo("Europe/Rome")
T = TypeVar("T")
ITALIA = 380
ROME = ZoneInfo("Europe/Rome")


def _codice_fiscale(value: str) -> str:
    code = value.strip().upper()
    if not codicefiscale.is_valid(code):
        raise ValueError("codice fiscale non valido (formato o carattere di controllo)")
    return code


def _country(value: int) -> int:
    if pycountry.countries.get(numeric=f"{value:03d}") is None:
        raise ValueError("codice paese ISO 3166-1 numerico sconosciuto")
    return value


Nome = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), RIGA
]
"""A name on one line, no control character (decision 0033)."""
Belfiore = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z]\d{3}$")]


def _istat(value: str) -> str:
    if comune_by_istat(value) is None:
        raise ValueError("codice ISTAT di comune sconosciuto")
    return value


class ResidenzaIn(BaseModel):
    """Residence (SIUSS ``Indirizzo``): the country; for Italy the comune's ISTAT code."""

    model_config = CONTRACT

    paese: Annotated[int, AfterValidator(_country)] = Field(
        description="ISO 3166-1 numerico (Italia 380)"
    )
    comune_istat: (
        Annotated[StrictStr, StringConstraints(pattern=r"^\d{6}$"), AfterValidator(_istat)] | None
    ) = Field(
        default=None,
        validate_default=True,
        description="Codice ISTAT del comune (obbligatorio per l'Italia)",
    )
    indirizzo: (
        Annotated[StrictStr, StringConstraints(min_length=1, max_length=200), RIGA] | None
    ) = None

    @field_validator("comune_istat")
    @classmethod
    def _italy_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("paese")
        if country == ITALIA and value is None:
            raise ValueError("obbligatorio per chi risiede in Italia")
        if country is not None and country != ITALIA and value is not None:
            raise ValueError("solo per chi risiede in Italia")
        return value


class PersonaIn(BaseModel):
    """Who the request is about. A codice fiscale, when given, must agree with the name,
    surname, birth date, sex and birthplace given beside it (decision 0032)."""

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
    residenza: ResidenzaIn | None = None
    codice_fiscale_da_verificare: bool = Field(
        default=False,
        description=(
            "Registra la persona a parte quando il codice fiscale è di una persona nota i cui "
            "dati non concordano (risposta 409): un coordinatore la collegherà o la terrà "
            "distinta"
        ),
    )

    @field_validator("codice_fiscale")
    @classmethod
    def _names_in_code(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The code's first six letters come from the surname and the name(s)."""
        if value is None:
            return None
        cognome, nome = info.data.get("cognome"), info.data.get("nome")
        if cognome is not None and not identita.cognome_coerente(value, cognome):
            raise ValueError("non coerente con il cognome")
        if nome is not None and not identita.nome_coerente(value, nome):
            raise ValueError("non coerente con il nome")
        return value

    @field_validator("data_nascita")
    @classmethod
    def _birth_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is None:
            return None
        if value > datetime.now(ROME).date():
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

    @field_validator("luogo_nascita")
    @classmethod
    def _birthplace(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A comune's cadastral code or a country's Z code, the one in the codice fiscale,
        of a comune (or country) that existed on the birth date."""
        if value is None:
            return None
        if not identita.luogo_conosciuto(value):
            raise ValueError("codice catastale di comune o di Stato estero sconosciuto")
        code = info.data.get("codice_fiscale")
        if code and identita.luogo_del_codice(code) != value:
            raise ValueError("non coerente con il codice fiscale")
        nascita = info.data.get("data_nascita")
        if nascita is None and code:
            nascita = identita.nascita_del_codice(code)
        if nascita is not None and not identita.luogo_valido_il(value, nascita):
            raise ValueError("comune o Stato non esistente alla data di nascita")
        return value

    @field_validator("codice_fiscale_da_verificare")
    @classmethod
    def _flag(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not info.data.get("codice_fiscale"):
            raise ValueError("solo per una persona indicata con il codice fiscale")
        return value


class ResidenzaOut(BaseModel):
    paese: int | None
    comune_istat: str | None
    comune: str | None
    """The comune's name, from the ISTAT register."""
    regione: str | None
    """Follows from the comune (SIUSS needs it)."""
    indirizzo: str | None


class PersonaOut(BaseModel):
    persona_id: str
    nome: str | None
    cognome: str | None
    codice_fiscale: str | None
    data_nascita: date | None
    sesso: str | None
    luogo_nascita: str | None = None
    cittadinanza: int | None = None
    residenza: ResidenzaOut | None = None
    cancellata: bool
    """True when the person was erased: their personal fields read as null."""
    codice_fiscale_da_verificare: bool = False
    """Recorded apart from the known holder of its codice fiscale: a coordinatore decides."""


def persona_from(body: PersonaIn) -> Persona:
    residenza = body.residenza
    return Persona(
        **body.model_dump(exclude={"residenza"}),
        residenza_paese=residenza.paese if residenza else None,
        residenza_comune_istat=residenza.comune_istat if residenza else None,
        residenza_indirizzo=residenza.indirizzo if residenza else None,
    )


def clear(value: T | Erased) -> T | None:
    """A personal value as the API returns it: null once the person is erased."""
    return None if isinstance(value, Erased) else value


def residenza_out(residenza: Residenza | None) -> ResidenzaOut | None:
    if residenza is None:
        return None
    istat = clear(residenza.comune_istat)
    comune = comune_by_istat(istat) if istat else None
    return ResidenzaOut(
        paese=clear(residenza.paese),
        comune_istat=istat,
        comune=comune.nome if comune else None,
        regione=comune.regione if comune else None,
        indirizzo=clear(residenza.indirizzo),
    )


def persona_out(persona_id: str, persona: DatiPersona) -> PersonaOut:
    return PersonaOut(
        persona_id=persona_id,
        nome=clear(persona.nome),
        cognome=clear(persona.cognome),
        codice_fiscale=clear(persona.codice_fiscale),
        data_nascita=clear(persona.data_nascita),
        sesso=persona.sesso,
        luogo_nascita=clear(persona.luogo_nascita),
        cittadinanza=clear(persona.cittadinanza),
        residenza=residenza_out(persona.residenza),
        cancellata=isinstance(persona.nome, Erased),
        codice_fiscale_da_verificare=persona.codice_fiscale_da_verificare,
    )
