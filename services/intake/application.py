"""The intake service layer: records requests and serves them back, reads recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.intake.domain import Agenda, Domanda, Sportello, agenda_id
from shared import codes
from shared.auth.policy import OutOfScope, authorize, require_role
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.calendar import deadline, is_public_holiday
from shared.directory.lookup import ResourceDirectory
from shared.errors import Conflict, FieldError, NotFound, require_version
from shared.events import Erased, acting, new_person_id
from shared.events.access import DatiPersonaliLetti
from shared.events.envelope import CLOCK_SKEW, LedgerEvent
from shared.events.identita import EsitoAttribuzione
from shared.events.intake import DomandaRicevuta, Fascia, Richiedente
from shared.events.types import AreaUtenza, Canale
from shared.identity.models import User
from shared.ledger.application import LedgerApplication
from shared.ledger.ledger import Ledger
from shared.observability import PERSONAL_DATA_READS
from shared.persons.attribuzione import attribuzione, persona_attuale
from shared.persons.dati import Persona, dati_persona, identita_di, profilo_statistico
from shared.persons.keystore import KeyStore, PersonErasedError

ROME = ZoneInfo("Europe/Rome")
LEGAL_BASIS_REGISTRA = "L328_ART22"
LEGAL_BASIS_RETTIFICA = "GDPR_16"
LEGAL_BASIS_ATTRIBUZIONE = "GDPR_5_1_D"
PURPOSE_LETTURA = "SPORTELLO"
APPOINTMENT_ROLES = frozenset({"assistente_sociale", "operatore"})


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
    richiedente: Richiedente | None = None
    sportello_id: UUID | None = None
    domanda_id: UUID | None = None
    """An id chosen by the caller (the demo, an import): a second request with it is a 409."""


@dataclass(frozen=True)
class Atto:
    """When an action happened (default: now, never before the request's last act) and on
    which legal basis (default: L. 328/2000 art. 22)."""

    occurred_at: datetime | None = None
    legal_basis: str = LEGAL_BASIS_REGISTRA


@dataclass(frozen=True)
class Azione:
    id: UUID
    posizione: int
    versione: int
    creato: UUID | None = None
    """The id of what the action created (an appointment, an application)."""


@dataclass(frozen=True)
class Registrazione:
    id: UUID
    posizione: int
    persona_id: str


class IntakeApplication(LedgerApplication):
    name = "intake"
    aggregate_classes = (Domanda, Sportello, Agenda)

    def __init__(
        self,
        ledger: Ledger,
        keystore: KeyStore,
        district_comuni: Callable[[], frozenset[str]],
        directory: ResourceDirectory | None = None,
        staff: Callable[[str], User | None] = lambda _: None,
    ) -> None:
        super().__init__(ledger)
        self.keystore = keystore
        self.district_comuni = district_comuni
        self.directory = directory
        """The network directory's projection: orientations point only at active resources."""
        self.staff = staff
        """Who works in the district (the identity store): appointments are with them."""

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
        if command.sportello_id is not None:
            desk = self._sportello(command.sportello_id, ("body", "sportello_id"))
            if desk.comune != command.comune:
                raise FieldError(("body", "sportello_id"), "sportello di un altro comune")
        if command.domanda_id is not None and self.recorded(command.domanda_id) is not None:
            raise Conflict("esiste già una domanda con questo identificativo")
        richiedente = command.richiedente
        if richiedente is not None and richiedente.risorsa_id is not None:
            self._resource(richiedente.risorsa_id, ("body", "richiedente", "risorsa_id"))
        persona = command.persona
        persona_id = self.keystore.claim(
            new_person_id(),
            **identita_di(persona),
            separata=persona.codice_fiscale_da_verificare,
        )
        fields: dict[str, Any] = {
            "persona_id": persona_id,
            "persona": dati_persona(persona),
            "comune": command.comune,
            "canale": command.canale,
            "bisogno": command.bisogno,
            "area_utenza": command.area_utenza,
            "urgente": command.urgente,
            "profilo": profilo_statistico(persona, command.comune, command.area_utenza, when),
            "richiedente": command.richiedente,
            "sportello_id": command.sportello_id,
        }
        context = richiesta.context(command.comune, command.legal_basis, command.occurred_at)
        with acting(context):
            if command.domanda_id is None:
                domanda = Domanda(**fields)
            else:
                domanda = Domanda._create(Domanda.DomandaRicevuta, id=command.domanda_id, **fields)
            recordings = self.save(domanda)
        return Registrazione(domanda.id, recordings[-1].notification.id, persona_id)

    def leggi_domanda(
        self, domanda_id: UUID, richiesta: Richiesta, finalita: str = PURPOSE_LETTURA
    ) -> tuple[DomandaRicevuta, int]:
        """The request as recorded, and its version; the read is recorded first."""
        events = self._read(
            domanda_id, richiesta, "intake.domanda.legge", "GET /api/intake/domande/{id}", finalita
        )
        received = events[0]
        assert isinstance(received, DomandaRicevuta)
        persona_id, persona = persona_attuale(events)
        current = received.model_copy(
            update={"persona_id": persona_id, "persona": persona or received.persona}
        )
        return current, events[-1].originator_version

    # -- desks -------------------------------------------------------------------------

    def istituisci_sportello(self, comune: str, nome: str, richiesta: Richiesta) -> Azione:
        authorize(richiesta.principal, "intake.sportello.gestisce")
        if comune not in self.district_comuni():
            raise FieldError(("body", "comune"), "comune non appartenente al distretto")
        with acting(richiesta.context(comune, LEGAL_BASIS_REGISTRA)):
            sportello = Sportello(comune=comune, nome=nome)
        recordings = self.save(sportello)
        return Azione(sportello.id, recordings[-1].notification.id, sportello.version)

    def definisci_orari(
        self,
        sportello_id: UUID,
        fasce: list[Fascia],
        richiesta: Richiesta,
        versione_letta: int | None = None,
    ) -> Azione:
        authorize(richiesta.principal, "intake.sportello.gestisce")
        sportello = self._sportello(sportello_id, None)
        require_version(sportello.version, versione_letta)
        with acting(richiesta.context(sportello.comune, LEGAL_BASIS_REGISTRA)):
            sportello.definisci_orari(fasce)
        recordings = self.save(sportello)
        return Azione(sportello.id, recordings[-1].notification.id, sportello.version)

    # -- actions on a request ------------------------------------------------------------

    def informa(
        self,
        domanda_id: UUID,
        servizi: list[str],
        note: str | None,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        return self._act(
            domanda_id, richiesta, atto, versione_letta, lambda d: d.informa(servizi, note)
        )

    def orienta(
        self,
        domanda_id: UUID,
        risorsa_id: UUID,
        motivazione: str,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        """Only to a resource the network directory lists as active (its projection)."""
        self._domanda(domanda_id, richiesta.principal, "intake.domanda.agisce")
        self._resource(risorsa_id, ("body", "risorsa_id"))
        return self._act(
            domanda_id,
            richiesta,
            atto,
            versione_letta,
            lambda d: d.orienta(risorsa_id, motivazione),
        )

    def fissa_appuntamento(
        self,
        domanda_id: UUID,
        inizio: datetime,
        fine: datetime,
        con: str,
        sportello_id: UUID,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        """Inside the desk's opening hours, not on a public holiday, and never two
        appointments of one worker at once (the worker's agenda of the day, saved with the
        request in one transaction). The desk and the worker must serve the request's comune."""
        domanda = self._domanda(domanda_id, richiesta.principal, "intake.domanda.agisce")
        start, end = inizio.astimezone(ROME), fine.astimezone(ROME)
        if end <= start:
            raise FieldError(("body", "fine"), "deve seguire l'inizio")
        if end.date() != start.date():
            raise FieldError(("body", "fine"), "l'appuntamento si svolge in un solo giorno")
        if start < datetime.now(ROME):
            raise FieldError(("body", "inizio"), "non può essere nel passato")
        worker = self.staff(con)
        if worker is None or not worker.active or worker.role not in APPOINTMENT_ROLES:
            raise FieldError(("body", "con"), "operatore o assistente sociale sconosciuto")
        if domanda.comune not in worker.comuni:
            raise FieldError(("body", "con"), "non lavora per il comune della domanda")
        sportello = self._sportello(sportello_id, ("body", "sportello_id"))
        if sportello.comune != domanda.comune:
            raise FieldError(("body", "sportello_id"), "sportello di un altro comune")
        if is_public_holiday(start.date()):
            raise Conflict("lo sportello è chiuso nei giorni festivi")
        if not sportello.aperto(start.weekday(), start.time(), end.time()):
            raise Conflict("fuori dall'orario di apertura dello sportello")
        appuntamento_id = uuid4()

        def book(domanda: Domanda) -> list[Any]:
            domanda.fissa_appuntamento(appuntamento_id, start, end, con, sportello_id)
            agenda = self.agenda(con, start.date())
            agenda.occupa(appuntamento_id, domanda.id, start, end)
            return [agenda]

        done = self._act(domanda_id, richiesta, atto, versione_letta, book)
        return Azione(done.id, done.posizione, done.versione, appuntamento_id)

    def registra_appuntamento(
        self,
        domanda_id: UUID,
        appuntamento_id: UUID,
        svolto: bool,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        """Held or missed: a missed appointment is recorded, never deleted."""
        when = (atto.occurred_at or datetime.now(ROME)).astimezone(ROME)
        return self._act(
            domanda_id,
            richiesta,
            atto,
            versione_letta,
            lambda d: d.registra_appuntamento(appuntamento_id, svolto, when),
        )

    def annulla_appuntamento(
        self,
        domanda_id: UUID,
        appuntamento_id: UUID,
        motivo: str,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        when = (atto.occurred_at or datetime.now(ROME)).astimezone(ROME)

        def cancel(domanda: Domanda) -> list[Any]:
            booked = domanda.appuntamento(appuntamento_id)
            domanda.annulla_appuntamento(appuntamento_id, motivo, when)
            agenda = self.agenda(booked.con, booked.inizio.astimezone(ROME).date())
            agenda.libera(appuntamento_id)
            return [agenda]

        return self._act(domanda_id, richiesta, atto, versione_letta, cancel)

    def istruisci(
        self,
        domanda_id: UUID,
        tipo: str,
        protocollo: str,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        """An application with its protocol number; its back-office deadline follows from
        its type (``tipi_istanza.csv``: 2 to 30 calendar or working days)."""
        found = codes.application_types().get(tipo)
        if found is None:
            raise FieldError(("body", "tipo"), "tipo di istanza sconosciuto")
        opened = (atto.occurred_at or datetime.now(ROME)).astimezone(ROME).date()
        due = deadline(opened, found.giorni, working=found.lavorativi)
        istanza_id = uuid4()
        done = self._act(
            domanda_id,
            richiesta,
            atto,
            versione_letta,
            lambda d: d.istruisci(istanza_id, tipo, found.prestazione, protocollo, due),
        )
        return Azione(done.id, done.posizione, done.versione, istanza_id)

    def completa_istanza(
        self,
        domanda_id: UUID,
        istanza_id: UUID,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        when = atto.occurred_at or datetime.now(ROME)
        return self._act(
            domanda_id,
            richiesta,
            atto,
            versione_letta,
            lambda d: d.completa_istanza(istanza_id, when),
        )

    def inoltra(
        self,
        domanda_id: UUID,
        area_utenza: AreaUtenza,
        motivo: str,
        urgente: bool,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        """Hands the request over to the Servizio sociale professionale (its issue turns
        the hand-over into a case)."""
        return self._act(
            domanda_id,
            richiesta,
            atto,
            versione_letta,
            lambda d: d.inoltra(area_utenza, motivo, urgente),
        )

    def chiudi(
        self,
        domanda_id: UUID,
        esito: str,
        nota: str | None,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Azione:
        return self._act(
            domanda_id, richiesta, atto, versione_letta, lambda d: d.chiudi(esito, nota)
        )

    # -- who the request is about (decision 0032) ---------------------------------------

    def rettifica_persona(
        self,
        domanda_id: UUID,
        persona: Persona,
        motivo: str,
        richiesta: Richiesta,
        atto: Atto = Atto(legal_basis=LEGAL_BASIS_RETTIFICA),
        versione_letta: int | None = None,
    ) -> Azione:
        """Corrects the person's data on the request (GDPR art. 16), by whoever may act on
        it; the key store recognises the person by the corrected data from then on."""
        corretta: list[str] = []

        def change(domanda: Domanda) -> None:
            if self.keystore.is_erased(domanda.persona_id):
                raise PersonErasedError(domanda.persona_id)
            self.keystore.verifica_rettifica(domanda.persona_id, persona.codice_fiscale)
            profilo = profilo_statistico(
                persona, domanda.comune, domanda.area_utenza, domanda.created_on
            )
            domanda.rettifica_persona(dati_persona(persona), profilo, motivo)
            corretta[:] = [domanda.persona_id]

        done = self._act(domanda_id, richiesta, atto, versione_letta, change)
        self.keystore.rettifica(corretta[0], **identita_di(persona))
        return done

    def da_verificare(self, domanda_id: UUID, richiesta: Richiesta) -> Domanda:
        """The request, for a coordinatore deciding whom it is about (404 out of scope)."""
        return self._domanda(domanda_id, richiesta.principal, "intake.persona.attribuisce")

    def attribuisci_persona(
        self,
        domanda_id: UUID,
        esito: EsitoAttribuzione,
        motivo: str,
        richiesta: Richiesta,
        persona: Persona | None = None,
        persona_id: str | None = None,
        atto: Atto = Atto(legal_basis=LEGAL_BASIS_ATTRIBUZIONE),
        versione_letta: int | None = None,
    ) -> Azione:
        """A coordinatore of the request's comune decides whom it is about: ``collegata``
        (to the known holder of its codice fiscale, ``persona_id`` when several), ``distinta``
        (kept apart), ``separata`` (to a new person with the right data, ``persona``)."""
        domanda = self.da_verificare(domanda_id, richiesta)
        scelta = attribuzione(
            self.keystore, esito, domanda.persona_id, domanda.persona, persona, persona_id
        )

        def change(domanda: Domanda) -> None:
            profilo = profilo_statistico(
                scelta.persona, domanda.comune, domanda.area_utenza, domanda.created_on
            )
            domanda.attribuisci_persona(
                esito, scelta.persona_id, dati_persona(scelta.persona), profilo, motivo
            )

        done = self._act(
            domanda_id, richiesta, atto, versione_letta, change, "intake.persona.attribuisce"
        )
        scelta.dopo(self.keystore)
        return done

    def storia(
        self, domanda_id: UUID, richiesta: Richiesta, finalita: str = PURPOSE_LETTURA
    ) -> list[LedgerEvent]:
        """Every event of the request, as recorded (personal fields decrypted, or Erased);
        readable by the operators of its comune and by coordinators; the read is recorded
        first."""
        return self._read(
            domanda_id,
            richiesta,
            "intake.domanda.storia",
            "GET /api/intake/domande/{id}/storia",
            finalita,
        )

    def _read(
        self, domanda_id: UUID, richiesta: Richiesta, action: str, endpoint: str, finalita: str
    ) -> list[LedgerEvent]:
        """The request's events for a reader entitled to them (else 404); the read is recorded
        before anything is returned."""
        require_role(richiesta.principal, action)
        events = [e for e in self.events.get(domanda_id) if isinstance(e, LedgerEvent)]
        if not events or not isinstance(events[0], DomandaRicevuta):
            raise NotFound("domanda non trovata")
        received = events[0]
        try:
            authorize(
                richiesta.principal, action, comune=received.comune, area=received.area_utenza
            )
        except OutOfScope:
            raise NotFound("domanda non trovata") from None
        self.registra_lettura(
            richiesta,
            persona_attuale(events)[0],
            "domanda",
            domanda_id,
            finalita,
            endpoint,
            received.comune,
        )
        return events

    def _act(
        self,
        domanda_id: UUID,
        richiesta: Richiesta,
        atto: Atto,
        versione_letta: int | None,
        change: Callable[[Domanda], list[Any] | None],
        action: str = "intake.domanda.agisce",
    ) -> Azione:
        """Loads, checks, changes and saves a request (and what changes with it) in one
        transaction. Without ``If-Match`` a concurrent change is retried on the new state
        (the rules are checked again); with it, the caller gets 412."""
        if atto.legal_basis not in codes.legal_bases():
            raise FieldError(("body", "base_giuridica"), "base giuridica sconosciuta")
        if atto.occurred_at is not None and atto.occurred_at > datetime.now(ROME) + CLOCK_SKEW:
            raise FieldError(("body", "occurred_at"), "non può essere nel futuro")
        require_role(richiesta.principal, action)
        domanda: Domanda | None = None

        def attempt() -> list[Any]:
            nonlocal domanda
            domanda = self._domanda(domanda_id, richiesta.principal, action)
            require_version(domanda.version, versione_letta)
            if atto.occurred_at is not None and atto.occurred_at < domanda.modified_on:
                raise FieldError(
                    ("body", "occurred_at"), "non può precedere l'ultimo atto della domanda"
                )
            context = richiesta.context(domanda.comune, atto.legal_basis, atto.occurred_at)
            with acting(context):
                others = change(domanda) or []
            return [domanda, *others]

        recordings = self.save_retrying(attempt)
        assert domanda is not None
        return Azione(domanda.id, recordings[-1].notification.id, domanda.version)

    def _domanda(self, domanda_id: UUID, principal: Principal, action: str) -> Domanda:
        require_role(principal, action)
        found = self.find(domanda_id, Domanda)
        if found is None:
            raise NotFound("domanda non trovata")
        try:
            authorize(principal, action, comune=found.comune, area=found.area_utenza)
        except OutOfScope:
            raise NotFound("domanda non trovata") from None
        return found

    def persone_per_elenco(
        self, domanda_ids: list[UUID], richiesta: Richiesta, endpoint: str, finalita: str
    ) -> dict[UUID, tuple[str | None, str | None]]:
        """Names of the people of these requests, for a list a user is entitled to (the
        caller checked it): one recorded read per person, all saved before any name leaves."""
        found: dict[UUID, tuple[str | None, str | None]] = {}
        reads: list[DatiPersonaliLetti] = []
        for domanda_id in domanda_ids:
            events = [e for e in self.events.get(domanda_id) if isinstance(e, LedgerEvent)]
            received = events[0] if events else None
            if not isinstance(received, DomandaRicevuta):
                continue
            persona_id, attuale = persona_attuale(events)
            persona = attuale or received.persona
            reads.append(
                self.read_event(
                    richiesta,
                    persona_id,
                    "domanda",
                    domanda_id,
                    finalita,
                    endpoint,
                    received.comune,
                )
            )
            found[domanda_id] = (
                None if isinstance(persona.nome, Erased) else persona.nome,
                None if isinstance(persona.cognome, Erased) else persona.cognome,
            )
        if reads:
            self.save(*reads)
            PERSONAL_DATA_READS.labels(service=self.name, purpose=finalita).inc(len(reads))
        return found

    def _sportello(self, sportello_id: UUID, location: tuple[str | int, ...] | None) -> Sportello:
        found = self.find(sportello_id, Sportello)
        if found is None:
            if location is None:
                raise NotFound("sportello non trovato")
            raise FieldError(location, "sportello sconosciuto")
        return found

    def agenda(self, utente: str, giorno: date) -> Agenda:
        """The worker's agenda of the day, new if nothing was booked that day yet."""
        identifier = agenda_id(utente, giorno)
        found = self.find(identifier, Agenda)
        if found is None:
            return Agenda._create(Agenda.AgendaAperta, id=identifier, utente=utente, giorno=giorno)
        return found

    def _resource(self, risorsa_id: UUID, location: tuple[str | int, ...]) -> None:
        if self.directory is None:
            raise Conflict("l'elenco della rete territoriale non è disponibile in questo servizio")
        self.directory.require_available(risorsa_id, location)
