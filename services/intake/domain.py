"""The request (domanda) as the Segretariato sociale records it, the desks and their opening
hours, and each worker's agenda. Pure domain: no I/O; the service layer checks references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from shared.errors import Conflict, NotFound
from shared.events import identita, intake
from shared.events.identita import EsitoAttribuzione
from shared.events.intake import Fascia
from shared.events.profile import ProfiloStatistico
from shared.events.types import AreaUtenza, Canale
from shared.ledger.aggregate import LedgerAggregate
from shared.persons.identita import regola_attribuzione

ESITI_CON_REQUISITO = {
    "orientata": ("orientamenti", "la domanda non è stata orientata a nessuna risorsa"),
    "inviata": ("inoltrata", "la domanda non è stata inoltrata al servizio sociale"),
    "presa_in_carico": ("inoltrata", "la domanda non è stata inoltrata al servizio sociale"),
}
"""Closing outcomes that need an earlier act: which attribute shows it, and the refusal."""


@dataclass
class Appuntamento:
    inizio: datetime
    fine: datetime
    con: str
    sportello_id: UUID
    stato: str = "fissato"
    """``fissato``, ``svolto``, ``mancato`` or ``annullato``."""


@dataclass
class Istanza:
    tipo: str
    scadenza: date
    completata: bool = False


class Domanda(LedgerAggregate):
    class DomandaRicevuta(LedgerAggregate.Created, intake.DomandaRicevuta):
        pass

    class InformazioniFornite(LedgerAggregate.Event, intake.InformazioniFornite):
        pass

    class DomandaOrientata(LedgerAggregate.Event, intake.DomandaOrientata):
        def apply(self, aggregate: Any) -> None:
            aggregate.orientamenti += 1

    class AppuntamentoFissato(LedgerAggregate.Event, intake.AppuntamentoFissato):
        def apply(self, aggregate: Any) -> None:
            aggregate.appuntamenti[self.appuntamento_id] = Appuntamento(
                self.inizio, self.fine, self.con, self.sportello_id
            )

    class AppuntamentoSvolto(LedgerAggregate.Event, intake.AppuntamentoSvolto):
        def apply(self, aggregate: Any) -> None:
            aggregate.appuntamenti[self.appuntamento_id].stato = "svolto"

    class AppuntamentoMancato(LedgerAggregate.Event, intake.AppuntamentoMancato):
        def apply(self, aggregate: Any) -> None:
            aggregate.appuntamenti[self.appuntamento_id].stato = "mancato"

    class AppuntamentoAnnullato(LedgerAggregate.Event, intake.AppuntamentoAnnullato):
        def apply(self, aggregate: Any) -> None:
            aggregate.appuntamenti[self.appuntamento_id].stato = "annullato"

    class IstanzaIstruita(LedgerAggregate.Event, intake.IstanzaIstruita):
        def apply(self, aggregate: Any) -> None:
            aggregate.istanze[self.istanza_id] = Istanza(self.tipo, self.scadenza)

    class IstanzaCompletata(LedgerAggregate.Event, intake.IstanzaCompletata):
        def apply(self, aggregate: Any) -> None:
            aggregate.istanze[self.istanza_id].completata = True

    class DomandaInoltrata(LedgerAggregate.Event, intake.DomandaInoltrata):
        def apply(self, aggregate: Any) -> None:
            aggregate.inoltrata = True

    class DomandaChiusa(LedgerAggregate.Event, intake.DomandaChiusa):
        def apply(self, aggregate: Any) -> None:
            aggregate.esito = self.esito

    class DatiPersonaRettificati(LedgerAggregate.Event, identita.DatiPersonaRettificati):
        def apply(self, aggregate: Any) -> None:
            aggregate.persona = self.persona
            aggregate.profilo = self.profilo

    class PersonaAttribuita(LedgerAggregate.Event, identita.PersonaAttribuita):
        def apply(self, aggregate: Any) -> None:
            aggregate.persona_id = self.persona_id
            aggregate.persona = self.persona
            aggregate.profilo = self.profilo

    @event(DomandaRicevuta)
    def __init__(
        self,
        persona_id: str,
        persona: intake.DatiPersona,
        comune: str,
        canale: Canale,
        bisogno: str,
        area_utenza: AreaUtenza,
        urgente: bool,
        profilo: ProfiloStatistico,
        richiedente: intake.Richiedente | None,
        sportello_id: UUID | None,
    ) -> None:
        self.persona_id = persona_id
        self.persona = persona
        self.comune = comune
        self.area_utenza = area_utenza
        self.urgente = urgente
        self.profilo = profilo
        self.orientamenti = 0
        self.appuntamenti: dict[UUID, Appuntamento] = {}
        self.istanze: dict[UUID, Istanza] = {}
        self.inoltrata = False
        self.esito: str | None = None

    @property
    def chiusa(self) -> bool:
        return self.esito is not None

    def informa(self, servizi: list[str], note: str | None) -> None:
        self._require_open()
        self.trigger_event(
            self.InformazioniFornite, persona_id=self.persona_id, servizi=servizi, note=note
        )

    def orienta(self, risorsa_id: UUID, motivazione: str) -> None:
        self._require_open()
        self.trigger_event(
            self.DomandaOrientata,
            persona_id=self.persona_id,
            risorsa_id=risorsa_id,
            motivazione=motivazione,
        )

    def fissa_appuntamento(
        self, appuntamento_id: UUID, inizio: datetime, fine: datetime, con: str, sportello: UUID
    ) -> None:
        self._require_open()
        self.trigger_event(
            self.AppuntamentoFissato,
            persona_id=self.persona_id,
            appuntamento_id=appuntamento_id,
            inizio=inizio,
            fine=fine,
            con=con,
            sportello_id=sportello,
        )

    def appuntamento(self, appuntamento_id: UUID) -> Appuntamento:
        found = self.appuntamenti.get(appuntamento_id)
        if found is None:
            raise NotFound("appuntamento non trovato")
        return found

    def registra_appuntamento(self, appuntamento_id: UUID, svolto: bool, adesso: datetime) -> None:
        """Held or missed: recorded once it has started, never deleted."""
        found = self._booked(appuntamento_id)
        if adesso < found.inizio:
            raise Conflict("l'appuntamento non è ancora iniziato")
        kind = self.AppuntamentoSvolto if svolto else self.AppuntamentoMancato
        self.trigger_event(kind, persona_id=self.persona_id, appuntamento_id=appuntamento_id)

    def annulla_appuntamento(self, appuntamento_id: UUID, motivo: str, adesso: datetime) -> None:
        """Only before it starts: from then on it is held or missed, never cancelled."""
        found = self._booked(appuntamento_id)
        if adesso >= found.inizio:
            raise Conflict("l'appuntamento è già iniziato: registralo come svolto o mancato")
        self.trigger_event(
            self.AppuntamentoAnnullato,
            persona_id=self.persona_id,
            appuntamento_id=appuntamento_id,
            motivo=motivo,
        )

    def istruisci(
        self, istanza_id: UUID, tipo: str, prestazione: str, protocollo: str, scadenza: date
    ) -> None:
        self._require_open()
        self.trigger_event(
            self.IstanzaIstruita,
            persona_id=self.persona_id,
            istanza_id=istanza_id,
            tipo=tipo,
            prestazione=prestazione,
            protocollo=protocollo,
            scadenza=scadenza,
        )

    def completa_istanza(self, istanza_id: UUID, completata_il: datetime) -> None:
        """Back-office work may end after the front office closed the request."""
        found = self.istanze.get(istanza_id)
        if found is None:
            raise NotFound("istanza non trovata")
        if found.completata:
            raise Conflict("l'istanza è già completata")
        self.trigger_event(
            self.IstanzaCompletata,
            persona_id=self.persona_id,
            istanza_id=istanza_id,
            completata_il=completata_il,
        )

    def inoltra(self, area_utenza: AreaUtenza, motivo: str, urgente: bool) -> None:
        self._require_open()
        if self.inoltrata:
            raise Conflict("la domanda è già stata inoltrata al servizio sociale")
        profilo = self.profilo.model_copy(update={"area": area_utenza})
        self.trigger_event(
            self.DomandaInoltrata,
            persona_id=self.persona_id,
            area_utenza=area_utenza,
            motivo=motivo,
            urgente=urgente,
            profilo=profilo,
            persona=self.persona,
        )

    def chiudi(self, esito: str, nota: str | None) -> None:
        self._require_open()
        requirement = ESITI_CON_REQUISITO.get(esito)
        if requirement is not None and not getattr(self, requirement[0]):
            raise Conflict(requirement[1])
        if any(a.stato == "fissato" for a in self.appuntamenti.values()):
            raise Conflict("un appuntamento è ancora fissato: registralo o annullalo prima")
        self.trigger_event(self.DomandaChiusa, persona_id=self.persona_id, esito=esito, nota=nota)

    # -- who the request is about (decision 0032) ---------------------------------------

    def rettifica_persona(
        self, persona: intake.DatiPersona, profilo: ProfiloStatistico, motivo: str
    ) -> None:
        """A right of the person (GDPR art. 16), on a closed request too; the flag
        "codice fiscale da verificare" is the coordinatore's to clear, not the correction's."""
        corretta = persona.model_copy(
            update={"codice_fiscale_da_verificare": self.persona.codice_fiscale_da_verificare}
        )
        self.trigger_event(
            self.DatiPersonaRettificati,
            persona_id=self.persona_id,
            persona=corretta,
            profilo=profilo,
            motivo=motivo,
        )

    def attribuisci_persona(
        self,
        esito: EsitoAttribuzione,
        persona_id: str,
        persona: intake.DatiPersona,
        profilo: ProfiloStatistico,
        motivo: str,
    ) -> None:
        regola_attribuzione(
            esito, self.persona_id, persona_id, self.persona.codice_fiscale_da_verificare
        )
        self.trigger_event(
            self.PersonaAttribuita,
            persona_id=persona_id,
            persona_precedente_id=self.persona_id,
            esito=esito,
            persona=persona.model_copy(update={"codice_fiscale_da_verificare": False}),
            profilo=profilo,
            motivo=motivo,
        )

    def _booked(self, appuntamento_id: UUID) -> Appuntamento:
        found = self.appuntamento(appuntamento_id)
        if found.stato != "fissato":
            raise Conflict(f"l'appuntamento è già {found.stato}")
        return found

    def _require_open(self) -> None:
        if self.chiusa:
            raise Conflict("la domanda è chiusa")


class Sportello(LedgerAggregate):
    """A front-office desk and its weekly opening hours (set by an amministratore)."""

    class SportelloIstituito(LedgerAggregate.Created, intake.SportelloIstituito):
        pass

    class OrariSportelloDefiniti(LedgerAggregate.Event, intake.OrariSportelloDefiniti):
        def apply(self, aggregate: Any) -> None:
            aggregate.fasce = list(self.fasce)

    @event(SportelloIstituito)
    def __init__(self, comune: str, nome: str) -> None:
        self.comune = comune
        self.nome = nome
        self.fasce: list[Fascia] = []

    def definisci_orari(self, fasce: list[Fascia]) -> None:
        for fascia in fasce:
            if fascia.alle <= fascia.dalle:
                raise Conflict("una fascia oraria finisce prima di cominciare")
        for first, second in zip(
            sorted(fasce, key=_slot_key), sorted(fasce, key=_slot_key)[1:], strict=False
        ):
            if first.giorno == second.giorno and second.dalle < first.alle:
                raise Conflict("due fasce orarie dello stesso giorno si sovrappongono")
        self.trigger_event(self.OrariSportelloDefiniti, fasce=fasce)

    def aperto(self, giorno: int, dalle: time, alle: time) -> bool:
        """Whether [dalle, alle) on that weekday lies inside one opening slot."""
        return any(f.giorno == giorno and f.dalle <= dalle and alle <= f.alle for f in self.fasce)


def _slot_key(fascia: Fascia) -> tuple[int, time]:
    return (fascia.giorno, fascia.dalle)


AGENDA_NAMESPACE = UUID("6f1c1f0e-3c52-4a55-9d64-0a8d2b1e7a10")


def agenda_id(utente: str, giorno: date) -> UUID:
    """One agenda per worker and day: two bookings of one day meet on the same stream, so
    the ledger's version check refuses the second of two concurrent ones."""
    return uuid5(AGENDA_NAMESPACE, f"{utente}/{giorno.isoformat()}")


class Agenda(LedgerAggregate):
    class AgendaAperta(LedgerAggregate.Created, intake.AgendaAperta):
        pass

    class FasciaAgendaOccupata(LedgerAggregate.Event, intake.FasciaAgendaOccupata):
        def apply(self, aggregate: Any) -> None:
            aggregate.occupate[self.appuntamento_id] = (self.inizio, self.fine)

    class FasciaAgendaLiberata(LedgerAggregate.Event, intake.FasciaAgendaLiberata):
        def apply(self, aggregate: Any) -> None:
            aggregate.occupate.pop(self.appuntamento_id, None)

    @event(AgendaAperta)
    def __init__(self, utente: str, giorno: date) -> None:
        self.utente = utente
        self.giorno = giorno
        self.occupate: dict[UUID, tuple[datetime, datetime]] = {}

    def occupa(
        self, appuntamento_id: UUID, domanda_id: UUID, inizio: datetime, fine: datetime
    ) -> None:
        for start, end in self.occupate.values():
            if inizio < end and start < fine:
                raise Conflict("l'operatore ha già un appuntamento in quell'orario")
        self.trigger_event(
            self.FasciaAgendaOccupata,
            appuntamento_id=appuntamento_id,
            domanda_id=domanda_id,
            inizio=inizio,
            fine=fine,
        )

    def libera(self, appuntamento_id: UUID) -> None:
        if appuntamento_id in self.occupate:
            self.trigger_event(self.FasciaAgendaLiberata, appuntamento_id=appuntamento_id)
