"""The intake API's public contract: what outside clients send and get back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import pairwise
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import pycountry
from codicefiscale import codicefiscale
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.events.envelope import CLOCK_SKEW
from shared.events.intake import TipoRichiedente
from shared.events.types import AreaUtenza, Canale
from shared.identity.registers import comune_by_istat
from shared.web.contract import CONTRACT, AttoIn

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


Nome = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
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
    indirizzo: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)] | None = None

    @field_validator("comune_istat")
    @classmethod
    def _italy_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("paese")
        if country == ITALIA and value is None:
            raise ValueError("obbligatorio per chi risiede in Italia")
        if country is not None and country != ITALIA and value is not None:
            raise ValueError("solo per chi risiede in Italia")
        return value


class RichiedenteIn(BaseModel):
    """Who presents the request when it is not the person."""

    model_config = CONTRACT

    tipo: TipoRichiedente
    nome: Nome | None = None
    contatto: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)] | None = None
    risorsa_id: UUID | None = Field(
        default=None, description="La risorsa della rete che ha inviato la persona"
    )


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
    residenza: ResidenzaIn | None = None

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
    richiedente: RichiedenteIn | None = None
    sportello_id: UUID | None = Field(default=None, description="Lo sportello che la riceve")


Testo = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
]
Breve = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class InformazioniIn(AttoIn):
    servizi: list[Breve] = Field(min_length=1, max_length=50)
    note: Testo | None = None


class OrientamentoIn(AttoIn):
    risorsa_id: UUID
    motivazione: Testo


class AppuntamentoIn(AttoIn):
    inizio: AwareDatetime
    fine: AwareDatetime
    con: Breve = Field(description="Utente dell'assistente sociale o dell'operatore")
    sportello_id: UUID


class EsitoAppuntamentoIn(AttoIn):
    esito: Literal["svolto", "mancato"]


class AnnullamentoIn(AttoIn):
    motivo: Breve


class IstanzaIn(AttoIn):
    tipo: Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z0-9_]{2,40}$")] = Field(
        description="Tipo di istanza (tipi_istanza.csv): fissa la scadenza"
    )
    protocollo: Annotated[StrictStr, StringConstraints(min_length=1, max_length=32)]


class CompletamentoIn(AttoIn):
    pass


class InoltroIn(AttoIn):
    area_utenza: AreaUtenza
    motivo: Testo
    urgente: StrictBool = False


class ChiusuraIn(AttoIn):
    esito: Literal["informata", "orientata", "inviata", "presa_in_carico", "non_di_competenza"]
    nota: Testo | None = None


class SportelloIn(BaseModel):
    model_config = CONTRACT

    comune: Belfiore
    nome: Breve


class FasciaIn(BaseModel):
    model_config = CONTRACT

    giorno: Annotated[int, Field(ge=0, le=6, description="0 = lunedì … 6 = domenica")]
    dalle: time = Field(description="Ora locale (Europe/Rome), senza fuso")
    alle: time = Field(description="Ora locale (Europe/Rome), senza fuso")

    @field_validator("dalle", "alle")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("ora locale, senza fuso orario")
        return value

    @field_validator("alle")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("dalle")
        if start is not None and value <= start:
            raise ValueError("deve seguire l'ora di apertura")
        return value


class OrariIn(BaseModel):
    model_config = CONTRACT

    fasce: list[FasciaIn] = Field(max_length=50)

    @field_validator("fasce")
    @classmethod
    def _no_overlap(cls, value: list[FasciaIn]) -> list[FasciaIn]:
        ordered = sorted(value, key=lambda f: (f.giorno, f.dalle))
        for first, second in pairwise(ordered):
            if first.giorno == second.giorno and second.dalle < first.alle:
                raise ValueError("due fasce dello stesso giorno si sovrappongono")
        return value


class AzioneOut(BaseModel):
    id: UUID
    posizione: int
    """Ledger position reached: pass it as ``attendi_posizione`` to read your write."""
    versione: int
    creato: UUID | None = None
    """The appointment or application the action created."""


class EventoOut(BaseModel):
    tipo: str
    versione: int
    occurred_at: datetime
    recorded_at: datetime | None
    attore: AttoreOut
    base_giuridica: str
    fonte: str
    dati: dict[str, Any]
    """The event's own fields; personal ones decrypted (null once the person is erased)."""


class StoriaOut(BaseModel):
    id: UUID
    versione: int
    items: list[EventoOut]


class DomandaRegistrata(BaseModel):
    id: UUID
    posizione: int
    """Ledger position reached: pass it as ``attendi_posizione`` to read your write."""


class AttoreOut(BaseModel):
    utente: str
    ruolo: str
    comune: str | None


class ResidenzaOut(BaseModel):
    paese: int | None
    comune_istat: str | None
    comune: str | None
    """The comune's name, from the ISTAT register."""
    regione: str | None
    """Follows from the comune (SIUSS needs it)."""
    indirizzo: str | None


class RichiedenteOut(BaseModel):
    tipo: str | None
    nome: str | None
    contatto: str | None
    risorsa_id: UUID | None


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


class DomandaOut(BaseModel):
    id: UUID
    versione: int
    comune: str
    canale: str
    area_utenza: str
    urgente: bool
    bisogno: str | None
    persona: PersonaOut
    richiedente: RichiedenteOut | None = None
    sportello_id: UUID | None = None
    attore: AttoreOut
    base_giuridica: str
    base_giuridica_descrizione: str
    fonte: str
    occurred_at: datetime
    recorded_at: datetime | None
