"""The intake service layer: records requests and serves them back, reads recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from codicefiscale import codicefiscale

from services.intake.domain import Domanda
from shared import codes
from shared.auth.policy import OutOfScope, authorize
from shared.auth.richiesta import Richiesta
from shared.errors import FieldError, NotFound
from shared.events import acting, new_person_id
from shared.events.access import DatiPersonaliLetti
from shared.events.envelope import CLOCK_SKEW
from shared.events.intake import DatiPersona, DomandaRicevuta
from shared.events.profile import ProfiloStatistico, classe_cittadinanza, fascia_eta
from shared.events.types import AreaUtenza, Canale
from shared.ledger.application import LedgerApplication
from shared.ledger.ledger import Ledger
from shared.observability import PERSONAL_DATA_READS
from shared.persons.keystore import KeyStore

ROME = ZoneInfo("Europe/Rome")
LEGAL_BASIS_REGISTRA = "L328_ART22"
LEGAL_BASIS_LETTURA = "GDPR_9_2_G"
PURPOSE_LETTURA = "SPORTELLO"


@dataclass(frozen=True)
class Persona:
    nome: str
    cognome: str
    codice_fiscale: str | None = None
    data_nascita: date | None = None
    sesso: str | None = None
    luogo_nascita: str | None = None
    cittadinanza: int | None = None


@dataclass(frozen=True)
class RegistraDomanda:
    comune: str
    canale: Canale
    persona: Persona
    bisogno: str
    area_utenza: AreaUtenza
    urgente: bool
    occurred_at: datetime | None = None
    legal_basis: str = LEGAL_BASIS_REGISTRA


@dataclass(frozen=True)
class Registrazione:
    id: UUID
    posizione: int
    persona_id: str


class IntakeApplication(LedgerApplication):
    name = "intake"
    aggregate_classes = (Domanda,)

    def __init__(
        self, ledger: Ledger, keystore: KeyStore, district_comuni: Callable[[], frozenset[str]]
    ) -> None:
        super().__init__(ledger)
        self.keystore = keystore
        self.district_comuni = district_comuni

    def registra_domanda(self, command: RegistraDomanda, richiesta: Richiesta) -> Registrazione:
        """Every check comes before the first write: a refused request leaves nothing."""
        if command.comune not in self.district_comuni():
            raise FieldError(("body", "comune"), "comune non appartenente al distretto")
        if command.legal_basis not in codes.legal_bases():
            raise FieldError(("body", "base_giuridica"), "base giuridica sconosciuta")
        when = command.occurred_at or datetime.now(ROME)
        if when > datetime.now(ROME) + CLOCK_SKEW:
            raise FieldError(("body", "occurred_at"), "non può essere nel futuro")
        authorize(
            richiesta.principal,
            "intake.domanda.registra",
            comune=command.comune,
            area=command.area_utenza,
        )
        persona = command.persona
        persona_id = self.keystore.claim(
            new_person_id(),
            codice_fiscale=persona.codice_fiscale,
            nome=persona.nome,
            cognome=persona.cognome,
            data_nascita=persona.data_nascita,
        )
        context = richiesta.context(command.comune, command.legal_basis, command.occurred_at)
        with acting(context):
            domanda = Domanda(
                persona_id=persona_id,
                persona=_dati_persona(persona),
                comune=command.comune,
                canale=command.canale,
                bisogno=command.bisogno,
                area_utenza=command.area_utenza,
                urgente=command.urgente,
                profilo=_profilo(command, when),
            )
            recordings = self.save(domanda)
        return Registrazione(domanda.id, recordings[-1].notification.id, persona_id)

    def leggi_domanda(
        self, domanda_id: UUID, richiesta: Richiesta, finalita: str = PURPOSE_LETTURA
    ) -> tuple[DomandaRicevuta, int]:
        """The request as recorded, and its version; the read is recorded first."""
        events = list(self.events.get(domanda_id))
        if not events or not isinstance(events[0], DomandaRicevuta):
            raise NotFound("domanda non trovata")
        received = events[0]
        try:
            authorize(
                richiesta.principal,
                "intake.domanda.legge",
                comune=received.comune,
                area=received.area_utenza,
            )
        except OutOfScope:
            raise NotFound("domanda non trovata") from None
        self.registra_lettura(
            richiesta,
            received.persona_id,
            "domanda",
            domanda_id,
            finalita,
            "GET /api/intake/domande/{id}",
            received.comune,
        )
        return received, events[-1].originator_version

    def registra_lettura(
        self,
        richiesta: Richiesta,
        persona_id: str | None,
        oggetto: str,
        oggetto_id: UUID,
        finalita: str,
        endpoint: str,
        comune: str | None,
    ) -> None:
        """Every read of personal data leaves an event, before the data leaves the service."""
        with acting(richiesta.context(comune, LEGAL_BASIS_LETTURA)):
            read = DatiPersonaliLetti.model_validate(
                {
                    "aggregate_id": uuid4(),
                    "aggregate_version": 1,
                    "persona_id": persona_id,
                    "oggetto": oggetto,
                    "oggetto_id": oggetto_id,
                    "finalita": finalita,
                    "endpoint": endpoint,
                }
            )
        self.save(read)
        PERSONAL_DATA_READS.labels(service=self.name, purpose=finalita).inc()


def _dati_persona(persona: Persona) -> DatiPersona:
    return DatiPersona.model_validate(
        {
            "nome": persona.nome,
            "cognome": persona.cognome,
            "codice_fiscale": persona.codice_fiscale,
            "data_nascita": persona.data_nascita,
            "sesso": _sesso(persona),
            "luogo_nascita": persona.luogo_nascita,
            "cittadinanza": persona.cittadinanza,
        }
    )


def _sesso(persona: Persona) -> str | None:
    if persona.sesso:
        return persona.sesso
    if persona.codice_fiscale:
        return str(codicefiscale.decode(persona.codice_fiscale)["gender"])
    return None


def _profilo(command: RegistraDomanda, when: datetime) -> ProfiloStatistico:
    persona = command.persona
    return ProfiloStatistico.model_validate(
        {
            "fascia_eta": fascia_eta(persona.data_nascita, when.astimezone(ROME).date()),
            "sesso": _sesso(persona),
            "cittadinanza": classe_cittadinanza(persona.cittadinanza),
            "comune": command.comune,
            "area": command.area_utenza,
        }
    )
