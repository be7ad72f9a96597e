"""The case file (fascicolo) as the Servizio sociale professionale keeps it. Pure domain: no
I/O. The rules of design section 2 live here, each refused with a Conflict naming it:

- no contract before an assessment;
- no project before a signed contract, unless a court order imposes the intervention (an
  order entrusting the person to the service);
- no intervention outside a defined project;
- no closure while an intervention is active or unverified (its outcome verified after it
  ended: decision 0020), nor while a court still waits for a report it asked for;
- an intervention recorded by mistake is withdrawn (annullato), running or concluded: it
  never happened, so it is neither running nor owed a verification, and it takes no more
  acts (no monitoring, verification, conclusion or second withdrawal);
- only the assigned social worker writes to the professional record; the coordinator
  assigns and reassigns (the service layer says who acts: ``autore``);
- a closed case takes nothing more: reopening is a new case that links it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from shared import scadenze as regole
from shared.errors import Conflict, FieldError, NotFound
from shared.events import casework, identita
from shared.events.casework import AutoritaGiudiziaria
from shared.events.identita import EsitoAttribuzione
from shared.events.intake import DatiPersona
from shared.events.profile import ProfiloStatistico
from shared.events.types import AreaUtenza
from shared.ledger.aggregate import LedgerAggregate
from shared.persons.identita import regola_attribuzione
from shared.scadenze import Chiave, Fatto, Scadenza

__all__ = ["Caso", "Intervento", "Scadenza", "area_di_riferimento", "id_riapertura"]

MINORI: frozenset[str] = frozenset({"0-2", "3-5", "6-10", "11-13", "14-17"})
RIAPERTURE = UUID("5b0c1a8e-3f7d-4c2a-9e61-7a4d2f0c9b13")
"""Namespace of reopened cases' ids."""
ORDINI_CHE_IMPONGONO: frozenset[str] = frozenset({"affidamento_servizio_sociale"})
"""The kinds of court order that impose the service's project without a contract."""
ANZIANI: frozenset[str] = frozenset({"65-74", "75-84", "85+"})


def area_di_riferimento(area_utenza: AreaUtenza, profilo: ProfiloStatistico) -> AreaUtenza:
    """The area whose social worker a case goes to. A foreign citizen goes to the referent
    of their age band (a minor to families and minors, an elderly person to the elderly)
    or, for an adult, of the case's own area (IMMNOM where the district has that referent)."""
    if profilo.cittadinanza in ("ue", "extra_ue"):
        if profilo.fascia_eta in MINORI:
            return "FAM"
        if profilo.fascia_eta in ANZIANI:
            return "ELD"
    return area_utenza


def id_riapertura(caso_precedente_id: UUID) -> UUID:
    """A closed case is reopened once: its reopening's id is derived from it, so a second
    reopening (or two at once) finds the id taken."""
    return uuid5(RIAPERTURE, str(caso_precedente_id))


@dataclass
class Intervento:
    prestazione: str
    inizio: date
    risorsa_id: UUID | None
    fine_prevista: date | None = None
    verificato: bool = False
    """Its outcome verified at or after its end (a verification while it runs is a check,
    which leaves the final verification due)."""
    concluso: bool = False
    concluso_il: date | None = None
    verifiche_in_itinere: int = 0
    annullato: bool = False
    """Withdrawn as recorded by mistake: it never happened."""

    @property
    def in_corso(self) -> bool:
        """Running: neither concluded nor withdrawn."""
        return not (self.concluso or self.annullato)

    @property
    def pendente(self) -> bool:
        """Blocks closure: still running, or ended without a verification (a withdrawn
        intervention owes nothing)."""
        return not self.annullato and not (self.concluso and self.verificato)


class Caso(LedgerAggregate):
    class CasoAperto(LedgerAggregate.Created, casework.CasoAperto):
        pass

    class AssistenteSocialeAssegnato(LedgerAggregate.Event, casework.AssistenteSocialeAssegnato):
        def apply(self, aggregate: Any) -> None:
            aggregate.assistente_sociale = self.assistente_sociale
            aggregate.area_utenza = self.area_utenza
            aggregate.in_carico = False

    class PresaInCarico(LedgerAggregate.Event, casework.PresaInCarico):
        def apply(self, aggregate: Any) -> None:
            aggregate.in_carico = True

    class ValutazioneEffettuata(LedgerAggregate.Event, casework.ValutazioneEffettuata):
        def apply(self, aggregate: Any) -> None:
            aggregate.valutazioni += 1
            aggregate.valutazioni_registrate.add(self.event_id)

    class ValutazioneRettificata(LedgerAggregate.Event, casework.ValutazioneRettificata):
        pass

    class NucleoFamiliareRegistrato(LedgerAggregate.Event, casework.NucleoFamiliareRegistrato):
        pass

    class RappresentanteLegaleRegistrato(
        LedgerAggregate.Event, casework.RappresentanteLegaleRegistrato
    ):
        def apply(self, aggregate: Any) -> None:
            aggregate.rappresentante_legale = True

    class QuestionarioRaccolto(LedgerAggregate.Event, casework.QuestionarioRaccolto):
        pass

    class ContrattoFirmato(LedgerAggregate.Event, casework.ContrattoFirmato):
        def apply(self, aggregate: Any) -> None:
            aggregate.contratto = True

    class ProgettoDefinito(LedgerAggregate.Event, casework.ProgettoDefinito):
        def apply(self, aggregate: Any) -> None:
            aggregate.progetto = True
            aggregate.professionisti = frozenset(self.professionisti)
            aggregate.revisione_entro = self.revisione_entro
            aggregate._segna_scadenze(self)

    class ProgettoRivisto(LedgerAggregate.Event, casework.ProgettoRivisto):
        def apply(self, aggregate: Any) -> None:
            aggregate.revisione_entro = self.revisione_entro
            if self.professionisti is not None:
                aggregate.professionisti = frozenset(self.professionisti)
            aggregate._segna_scadenze(self)

    class InterventoAttivato(LedgerAggregate.Event, casework.InterventoAttivato):
        def apply(self, aggregate: Any) -> None:
            aggregate.interventi[self.intervento_id] = Intervento(
                self.prestazione, self.inizio, self.risorsa_id, self.fine_prevista
            )
            aggregate._segna_scadenze(self)

    class MonitoraggioRegistrato(LedgerAggregate.Event, casework.MonitoraggioRegistrato):
        pass

    class InterventoVerificato(LedgerAggregate.Event, casework.InterventoVerificato):
        def apply(self, aggregate: Any) -> None:
            found = aggregate.interventi[self.intervento_id]
            if found.concluso or self.concluso:
                found.verificato = True
                found.concluso = True
            else:
                found.verifiche_in_itinere += 1
            aggregate._segna_scadenze(self)

    class InterventoConcluso(LedgerAggregate.Event, casework.InterventoConcluso):
        def apply(self, aggregate: Any) -> None:
            found = aggregate.interventi[self.intervento_id]
            found.concluso = True
            found.concluso_il = self.concluso_il
            aggregate._segna_scadenze(self)

    class InterventoAnnullato(LedgerAggregate.Event, casework.InterventoAnnullato):
        def apply(self, aggregate: Any) -> None:
            aggregate.interventi[self.intervento_id].annullato = True
            aggregate._segna_scadenze(self)

    class SegnalazioneTribunale(LedgerAggregate.Event, casework.SegnalazioneTribunale):
        def apply(self, aggregate: Any) -> None:
            aggregate.segnalazioni += 1

    class ProvvedimentoRecepito(LedgerAggregate.Event, casework.ProvvedimentoRecepito):
        def apply(self, aggregate: Any) -> None:
            aggregate.provvedimenti[self.provvedimento_id] = self.relazione_entro
            if self.tipo in ORDINI_CHE_IMPONGONO:
                aggregate.ordini_che_impongono.add(self.provvedimento_id)
            aggregate._segna_scadenze(self)

    class RelazioneInviata(LedgerAggregate.Event, casework.RelazioneInviata):
        def apply(self, aggregate: Any) -> None:
            if self.provvedimento_id is not None:
                aggregate.relazioni_inviate.add(self.provvedimento_id)
            aggregate._segna_scadenze(self)

    class CasoChiuso(LedgerAggregate.Event, casework.CasoChiuso):
        def apply(self, aggregate: Any) -> None:
            aggregate.chiuso = True

    class DatiPersonaRettificati(LedgerAggregate.Event, identita.DatiPersonaRettificati):
        def apply(self, aggregate: Any) -> None:
            aggregate.persona = self.persona
            aggregate.profilo = self.profilo

    class PersonaAttribuita(LedgerAggregate.Event, identita.PersonaAttribuita):
        def apply(self, aggregate: Any) -> None:
            aggregate.persona_id = self.persona_id
            aggregate.persona = self.persona
            aggregate.profilo = self.profilo

    @event(CasoAperto)
    def __init__(
        self,
        persona_id: str,
        origine: str,
        area_utenza: AreaUtenza,
        profilo: ProfiloStatistico,
        motivo: str,
        domanda_id: UUID | None,
        caso_precedente_id: UUID | None,
        persona: DatiPersona | None = None,
        urgente: bool = False,
    ) -> None:
        self.persona_id = persona_id
        self.persona = persona
        self.motivo = motivo
        self.origine = origine
        self.urgente = urgente
        self.area_utenza: AreaUtenza = area_utenza
        self.profilo = profilo
        self.comune = profilo.comune
        self.domanda_id = domanda_id
        self.caso_precedente_id = caso_precedente_id
        self.assistente_sociale: str | None = None
        self.in_carico = False
        self.valutazioni = 0
        self.valutazioni_registrate: set[UUID] = set()
        self.rappresentante_legale = False
        self.contratto = False
        self.progetto = False
        self.professionisti: frozenset[str] = frozenset()
        self.revisione_entro: date | None = None
        self.interventi: dict[UUID, Intervento] = {}
        self.segnalazioni = 0
        self.provvedimenti: dict[UUID, date | None] = {}
        self.ordini_che_impongono: set[UUID] = set()
        self.relazioni_inviate: set[UUID] = set()
        self.fatti: dict[Chiave, Fatto] = {}
        """Its deadline facts, kept by the rules every service shares (``shared.scadenze``)."""
        self.chiuso = False

    # -- assignment (the coordinator) ---------------------------------------------------

    def assegna(self, assistente_sociale: str, area_utenza: AreaUtenza) -> None:
        """Assigns or reassigns; a reassigned case waits for the new worker's taking charge."""
        self._require_open()
        if assistente_sociale == self.assistente_sociale and area_utenza == self.area_utenza:
            raise Conflict("il caso è già assegnato a questa assistente sociale")
        self.trigger_event(
            self.AssistenteSocialeAssegnato,
            persona_id=self.persona_id,
            assistente_sociale=assistente_sociale,
            area_utenza=area_utenza,
        )

    # -- who the case is about (decision 0032) ------------------------------------------

    @property
    def da_verificare(self) -> bool:
        return self.persona is not None and self.persona.codice_fiscale_da_verificare

    def rettifica_persona(
        self, autore: str, persona: DatiPersona, profilo: ProfiloStatistico, motivo: str
    ) -> None:
        """The assigned social worker corrects the person's data (GDPR art. 16), on a closed
        case too; the flag "codice fiscale da verificare" is the coordinatore's to clear."""
        self._require_author(autore)
        self.trigger_event(
            self.DatiPersonaRettificati,
            persona_id=self.persona_id,
            persona=persona.model_copy(update={"codice_fiscale_da_verificare": self.da_verificare}),
            profilo=profilo,
            motivo=motivo,
        )

    def attribuisci_persona(
        self,
        esito: EsitoAttribuzione,
        persona_id: str,
        persona: DatiPersona,
        profilo: ProfiloStatistico,
        motivo: str,
    ) -> None:
        """A coordinatore's decision on whom the case is about (``regola_attribuzione``)."""
        regola_attribuzione(esito, self.persona_id, persona_id, self.da_verificare)
        self.trigger_event(
            self.PersonaAttribuita,
            persona_id=persona_id,
            persona_precedente_id=self.persona_id,
            esito=esito,
            persona=persona.model_copy(update={"codice_fiscale_da_verificare": False}),
            profilo=profilo,
            motivo=motivo,
        )

    # -- the professional record (the assigned social worker) ---------------------------

    def prendi_in_carico(self, autore: str) -> None:
        self._require_open()
        if self.assistente_sociale is None:
            raise Conflict("il caso attende l'assegnazione a un'assistente sociale")
        self._require_author(autore)
        if self.in_carico:
            raise Conflict("il caso è già in carico")
        self.trigger_event(
            self.PresaInCarico, persona_id=self.persona_id, assistente_sociale=autore
        )

    def valuta(self, autore: str, **fields: Any) -> None:
        self._require_writer(autore)
        self.trigger_event(self.ValutazioneEffettuata, persona_id=self.persona_id, **fields)

    def rettifica_valutazione(self, autore: str, valutazione_event_id: UUID, **fields: Any) -> None:
        """A correction points at the assessment it corrects; nothing is edited in place."""
        self._require_writer(autore)
        if valutazione_event_id not in self.valutazioni_registrate:
            raise NotFound("valutazione non trovata nel fascicolo")
        self.trigger_event(
            self.ValutazioneRettificata,
            persona_id=self.persona_id,
            valutazione_event_id=valutazione_event_id,
            **fields,
        )

    def registra_nucleo(self, autore: str, membri: list[Any]) -> None:
        self._require_writer(autore)
        self.trigger_event(
            self.NucleoFamiliareRegistrato, persona_id=self.persona_id, membri=membri
        )

    def registra_rappresentante(self, autore: str, **fields: Any) -> None:
        self._require_writer(autore)
        provvedimento = fields.get("provvedimento_id")
        if provvedimento is not None and provvedimento not in self.provvedimenti:
            raise NotFound("provvedimento non trovato nel fascicolo")
        self.trigger_event(
            self.RappresentanteLegaleRegistrato, persona_id=self.persona_id, **fields
        )

    def raccogli_questionario(self, autore: str, **fields: Any) -> None:
        self._require_writer(autore)
        self.trigger_event(self.QuestionarioRaccolto, persona_id=self.persona_id, **fields)

    def firma_contratto(self, autore: str, **fields: Any) -> None:
        self._require_writer(autore)
        if not self.valutazioni:
            raise Conflict("nessun contratto prima di una valutazione")
        if fields.get("firmatario") == "rappresentante_legale" and not self.rappresentante_legale:
            raise Conflict("nessun rappresentante legale registrato nel fascicolo")
        self.trigger_event(self.ContrattoFirmato, persona_id=self.persona_id, **fields)

    def definisci_progetto(
        self, autore: str, imposto_da_provvedimento_id: UUID | None = None, **fields: Any
    ) -> None:
        self._require_writer(autore)
        if self.progetto:
            raise Conflict("il progetto è già definito: rivedilo")
        if imposto_da_provvedimento_id is not None:
            if imposto_da_provvedimento_id not in self.provvedimenti:
                raise NotFound("provvedimento non trovato nel fascicolo")
            if imposto_da_provvedimento_id not in self.ordini_che_impongono:
                raise Conflict(
                    "questo provvedimento non affida la persona al servizio: il progetto "
                    "richiede un contratto firmato"
                )
        elif not self.contratto:
            raise Conflict(
                "nessun progetto prima di un contratto firmato, salvo provvedimento del giudice"
            )
        self.trigger_event(
            self.ProgettoDefinito,
            persona_id=self.persona_id,
            imposto_da_provvedimento_id=imposto_da_provvedimento_id,
            **fields,
        )

    def rivedi_progetto(self, autore: str, **fields: Any) -> None:
        self._require_writer(autore)
        if not self.progetto:
            raise Conflict("nessun progetto da rivedere")
        self.trigger_event(self.ProgettoRivisto, persona_id=self.persona_id, **fields)

    def attiva_intervento(self, autore: str, intervento_id: UUID, **fields: Any) -> None:
        self._require_writer(autore)
        if not self.progetto:
            raise Conflict("nessun intervento fuori da un progetto definito")
        if intervento_id in self.interventi:
            raise Conflict("intervento già attivato")
        fine, inizio = fields.get("fine_prevista"), fields["inizio"]
        if fine is not None and fine < inizio:
            raise FieldError(("body", "fine_prevista"), "non può precedere l'inizio")
        self.trigger_event(
            self.InterventoAttivato,
            persona_id=self.persona_id,
            intervento_id=intervento_id,
            **fields,
        )

    def monitora(self, autore: str, intervento_id: UUID, **fields: Any) -> None:
        """The case's social worker, or a professional its project names (their own
        contribution: the monitoring they did)."""
        self._require_open()
        if autore != self.assistente_sociale and autore not in self.nominati:
            raise Conflict("solo l'assistente sociale o un professionista del progetto monitora")
        if not self.in_carico:
            raise Conflict("il caso non è ancora stato preso in carico")
        found = self._intervento(intervento_id)
        self._require_not_withdrawn(found)
        if found.concluso:
            raise Conflict("l'intervento è concluso")
        self.trigger_event(
            self.MonitoraggioRegistrato,
            persona_id=self.persona_id,
            intervento_id=intervento_id,
            **fields,
        )

    def verifica(self, autore: str, intervento_id: UUID, concluso: bool, **fields: Any) -> None:
        self._require_writer(autore)
        self._require_not_withdrawn(self._intervento(intervento_id))
        self.trigger_event(
            self.InterventoVerificato,
            persona_id=self.persona_id,
            intervento_id=intervento_id,
            concluso=concluso,
            **fields,
        )

    def concludi_intervento(self, autore: str, intervento_id: UUID, **fields: Any) -> None:
        self._require_writer(autore)
        found = self._intervento(intervento_id)
        self._require_not_withdrawn(found)
        if found.concluso:
            raise Conflict("l'intervento è già concluso")
        if fields["concluso_il"] < found.inizio:
            raise FieldError(("body", "concluso_il"), "non può precedere l'inizio dell'intervento")
        self.trigger_event(
            self.InterventoConcluso,
            persona_id=self.persona_id,
            intervento_id=intervento_id,
            **fields,
        )

    def annulla_intervento(self, autore: str, intervento_id: UUID, motivo: str) -> None:
        """Withdraws an intervention recorded by mistake (SIUSS's cancellation): it never
        happened. A concluded intervention may be withdrawn too, since an error may come to
        light after its end; once withdrawn it takes no more acts. Nothing is erased: the
        activation stays in the history, with the withdrawal pointing at it."""
        self._require_writer(autore)
        self._require_not_withdrawn(self._intervento(intervento_id))
        if not motivo.strip():
            raise FieldError(("body", "motivo"), "l'annullamento richiede un motivo")
        self.trigger_event(
            self.InterventoAnnullato,
            persona_id=self.persona_id,
            intervento_id=intervento_id,
            motivo=motivo,
        )

    def segnala(
        self,
        autore: str,
        autorita: AutoritaGiudiziaria,
        motivo: str,
        base_giuridica: str,
        richiesta: str | None = None,
    ) -> None:
        """A report needs an authority, a reason and a legal basis (the envelope's: the
        service layer records it in a context with ``base_giuridica``)."""
        self._require_writer(autore)
        if not motivo.strip():
            raise Conflict("una segnalazione richiede un motivo")
        if not base_giuridica.strip():
            raise Conflict("una segnalazione richiede una base giuridica")
        self.trigger_event(
            self.SegnalazioneTribunale,
            persona_id=self.persona_id,
            autorita=autorita,
            motivo=motivo,
            richiesta=richiesta,
        )

    def recepisci_provvedimento(self, autore: str, provvedimento_id: UUID, **fields: Any) -> None:
        """A court order may arrive before anyone takes charge (it may open the case)."""
        self._require_open()
        if self.assistente_sociale is not None:
            self._require_author(autore)
        if provvedimento_id in self.provvedimenti:
            raise Conflict("provvedimento già recepito")
        self.trigger_event(
            self.ProvvedimentoRecepito,
            persona_id=self.persona_id,
            provvedimento_id=provvedimento_id,
            **fields,
        )

    def invia_relazione(
        self, autore: str, provvedimento_id: UUID | None = None, **fields: Any
    ) -> None:
        self._require_writer(autore)
        if provvedimento_id is not None and provvedimento_id not in self.provvedimenti:
            raise NotFound("provvedimento non trovato nel fascicolo")
        self.trigger_event(
            self.RelazioneInviata,
            persona_id=self.persona_id,
            provvedimento_id=provvedimento_id,
            **fields,
        )

    def chiudi(self, autore: str, **fields: Any) -> None:
        self._require_writer(autore)
        interventi = [i for i in self.interventi.values() if not i.annullato]
        if any(not intervento.concluso for intervento in interventi):
            raise Conflict("un intervento è ancora attivo: concludilo prima di chiudere il caso")
        if any(not intervento.verificato for intervento in interventi):
            raise Conflict("un intervento concluso non ha ancora la verifica dell'esito")
        if self.relazioni_dovute:
            raise Conflict("il giudice attende ancora una relazione chiesta da un provvedimento")
        self.trigger_event(self.CasoChiuso, persona_id=self.persona_id, **fields)

    @property
    def stato(self) -> str:
        if self.chiuso:
            return "chiuso"
        if self.assistente_sociale is None:
            return "in_attesa"
        return "in_carico" if self.in_carico else "assegnato"

    @property
    def nominati(self) -> frozenset[str]:
        """Who reads the case as a professional of its project: those it names, while the
        case is open."""
        return frozenset() if self.chiuso else self.professionisti

    @property
    def minore(self) -> bool:
        return self.profilo.fascia_eta in MINORI

    @property
    def scadenze(self) -> list[Scadenza]:
        """What the case owes, by due date: none once it is closed."""
        return regole.scadenze(self.fatti.values(), self.chiuso)

    @property
    def relazioni_dovute(self) -> dict[UUID, date]:
        """Court reports asked for and not yet sent: deadlines."""
        return {
            UUID(f.riferimento): f.entro
            for f in self.fatti.values()
            if f.tipo == "relazione_tribunale" and f.dovuta and f.entro is not None
        }

    def _segna_scadenze(self, evento: LedgerAggregate.Event) -> None:
        for fatto in regole.applica(self.fatti, evento.event_type, evento.model_dump(mode="json")):
            self.fatti[(fatto.tipo, fatto.riferimento)] = fatto

    # -- guards -------------------------------------------------------------------------

    def _intervento(self, intervento_id: UUID) -> Intervento:
        found = self.interventi.get(intervento_id)
        if found is None:
            raise NotFound("intervento non trovato")
        return found

    @staticmethod
    def _require_not_withdrawn(found: Intervento) -> None:
        if found.annullato:
            raise Conflict("l'intervento è annullato: non accetta altri atti")

    def _require_writer(self, autore: str) -> None:
        self._require_open()
        self._require_author(autore)
        if not self.in_carico:
            raise Conflict("il caso non è ancora stato preso in carico")

    def _require_author(self, autore: str) -> None:
        if autore != self.assistente_sociale:
            raise Conflict("solo l'assistente sociale assegnata scrive nel fascicolo")

    def _require_open(self) -> None:
        if self.chiuso:
            raise Conflict("il caso è chiuso: per riaprirlo si apre un nuovo caso collegato")
