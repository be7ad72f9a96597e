"""Events of the Segretariato sociale (service ``intake``): requests, appointments, applications.

Fields beyond the envelope may still change until the intake issue is resolved (design
section 3); after that a change is a new schema version with an upcaster.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, field_validator

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.model import ValueModel
from shared.events.personal import (
    Erased,
    OptionalCodiceFiscale,
    OptionalPersonalBelfiore,
    OptionalPersonalCountry,
    OptionalPersonalDate,
    OptionalPersonalIstat,
    OptionalPersonalStr,
    OptionalPersonalText,
    PersonaId,
    Personal,
    PersonalStr,
    PersonalText,
)
from shared.events.profile import ProfiloStatistico, Sesso
from shared.events.types import (
    AreaUtenza,
    Canale,
    CodiceBelfiore,
    CodicePrestazioneSiuss,
    ShortText,
)


class Residenza(ValueModel):
    """Where the person lives (SIUSS ``Indirizzo``): the country, and in Italy the ISTAT
    code of the comune, from which the region follows."""

    paese: OptionalPersonalCountry = None
    comune_istat: OptionalPersonalIstat = None
    indirizzo: OptionalPersonalText = None


TipoRichiedente = Literal[
    "familiare",
    "conoscente",
    "scuola",
    "medico",
    "forze_ordine",
    "asl",
    "servizio_sociale",
    "altro_servizio",
]


class Richiedente(ValueModel):
    """Who presented the request when it was not the person: a relative, a school, a doctor,
    the police, the ASL. Names and contacts are personal data, under the person's key."""

    tipo: Annotated[TipoRichiedente | Erased, Personal()]
    """Even the kind (the police, a doctor) says something about the person: encrypted."""
    nome: OptionalPersonalStr = None
    contatto: OptionalPersonalStr = None
    risorsa_id: UUID | None = None
    """The network resource that sent the person, when it is one."""


class DatiPersona(ValueModel):
    """Who the request is about; every identifying field is personal data."""

    nome: PersonalStr
    cognome: PersonalStr
    codice_fiscale: OptionalCodiceFiscale = None
    data_nascita: OptionalPersonalDate = None
    sesso: Sesso | None = None
    luogo_nascita: OptionalPersonalBelfiore = None
    cittadinanza: OptionalPersonalCountry = None
    """ISO 3166-1 numeric (Italy 380); only its class goes in clear, in the profile."""
    residenza: Residenza | None = None
    codice_fiscale_da_verificare: bool = False
    """Recorded apart although its codice fiscale is a known person's whose data disagree
    (decision 0032): a coordinatore links it or keeps it apart. Absent in events recorded
    before it existed, which were never flagged: hence a default, and no new version."""


@catalogued
class DomandaRicevuta(LedgerEvent):
    """A request (domanda) received by the Segretariato sociale."""

    schema_version = 2

    persona_id: PersonaId
    persona: DatiPersona
    comune: CodiceBelfiore
    canale: Canale
    bisogno: PersonalText
    area_utenza: AreaUtenza
    urgente: bool
    profilo: ProfiloStatistico
    richiedente: Richiedente | None = None
    """Who presented it, when not the person."""
    sportello_id: UUID | None = None
    """The desk that received it (its queue)."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 predates urgency flags: such a request was not marked urgent."""
        state["urgente"] = False


class ServizioIllustrato(ValueModel):
    """A service the person was told about: what they asked about is personal data."""

    nome: PersonalStr


@catalogued
class InformazioniFornite(LedgerEvent):
    """Information given: which services and their access criteria."""

    persona_id: PersonaId
    servizi: list[ServizioIllustrato]
    note: OptionalPersonalText = None

    @field_validator("servizi", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        """Services may be given by name alone."""
        if isinstance(value, list):
            return [{"nome": item} if isinstance(item, str) else item for item in value]
        return value


@catalogued
class DomandaOrientata(LedgerEvent):
    """The request was oriented to a resource of the territorial network."""

    persona_id: PersonaId
    risorsa_id: UUID
    motivazione: PersonalText


@catalogued
class AppuntamentoFissato(LedgerEvent):
    """An appointment booked with a social worker or the front office."""

    persona_id: PersonaId
    appuntamento_id: UUID
    inizio: AwareDatetime
    fine: AwareDatetime
    con: ShortText
    """User id of the social worker or operator met."""
    sportello_id: UUID


@catalogued
class AppuntamentoSvolto(LedgerEvent):
    persona_id: PersonaId
    appuntamento_id: UUID


@catalogued
class AppuntamentoMancato(LedgerEvent):
    """A missed appointment is recorded, never deleted."""

    persona_id: PersonaId
    appuntamento_id: UUID


@catalogued
class AppuntamentoAnnullato(LedgerEvent):
    persona_id: PersonaId
    appuntamento_id: UUID
    motivo: PersonalStr


@catalogued
class IstanzaIstruita(LedgerEvent):
    """An application for a service or benefit was opened, with its back-office deadline."""

    persona_id: PersonaId
    istanza_id: UUID
    tipo: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_]{2,40}$")]
    """Application type (``tipi_istanza.csv``), which sets the back-office deadline."""
    prestazione: CodicePrestazioneSiuss
    protocollo: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    scadenza: date


@catalogued
class IstanzaCompletata(LedgerEvent):
    persona_id: PersonaId
    istanza_id: UUID
    completata_il: AwareDatetime


@catalogued
class DomandaInoltrata(LedgerEvent):
    """Handed over to the Servizio sociale professionale, with who the person is (encrypted):
    the case that casework opens from it must know them without reading intake's ledger."""

    schema_version = 2

    persona_id: PersonaId
    area_utenza: AreaUtenza
    motivo: PersonalText
    urgente: bool
    profilo: ProfiloStatistico
    persona: DatiPersona | None = None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 did not carry the person: the case knows them by pseudonym only."""
        state["persona"] = None


@catalogued
class DomandaChiusa(LedgerEvent):
    persona_id: PersonaId
    esito: Literal["informata", "orientata", "inviata", "presa_in_carico", "non_di_competenza"]
    nota: OptionalPersonalText = None


class Fascia(ValueModel):
    """An opening slot of a desk: a weekday (0 = Monday) and local times (Europe/Rome)."""

    giorno: Annotated[int, Field(ge=0, le=6)]
    dalle: time
    alle: time

    @field_validator("dalle", "alle")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("ora locale, senza fuso orario")
        return value


@catalogued
class SportelloIstituito(LedgerEvent):
    """A front-office desk of the Segretariato sociale, in a comune."""

    comune: CodiceBelfiore
    nome: ShortText


@catalogued
class OrariSportelloDefiniti(LedgerEvent):
    """The desk's weekly opening hours, replacing the previous ones."""

    fasce: list[Fascia]


@catalogued
class AgendaAperta(LedgerEvent):
    """A worker's agenda for one day, opened by its first booking."""

    utente: ShortText
    giorno: date


@catalogued
class FasciaAgendaOccupata(LedgerEvent):
    """A slot of a worker's day taken by an appointment (the agenda forbids overlaps)."""

    appuntamento_id: UUID
    domanda_id: UUID
    inizio: AwareDatetime
    fine: AwareDatetime


@catalogued
class FasciaAgendaLiberata(LedgerEvent):
    """A cancelled appointment gives its slot back."""

    appuntamento_id: UUID
