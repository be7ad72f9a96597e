"""A small aggregate built the way services build theirs, to exercise the ledger."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import event

from shared.events import intake
from shared.events.profile import ProfiloStatistico, fascia_eta
from shared.events.types import AreaUtenza, Canale, CodiceBelfiore
from shared.ledger.aggregate import LedgerAggregate
from shared.ledger.application import LedgerApplication


class Domanda(LedgerAggregate):
    class DomandaRicevuta(LedgerAggregate.Created, intake.DomandaRicevuta):
        """The catalogue's event, bound to this aggregate."""

    class InformazioniFornite(LedgerAggregate.Event, intake.InformazioniFornite):
        """The catalogue's event, bound to this aggregate."""

    @event(DomandaRicevuta)
    def __init__(
        self,
        persona_id: str,
        persona: intake.DatiPersona,
        comune: CodiceBelfiore,
        canale: Canale,
        bisogno: str,
        area_utenza: AreaUtenza,
        urgente: bool,
        profilo: ProfiloStatistico,
    ) -> None:
        self.persona_id = persona_id
        self.informazioni = 0

    @event(InformazioniFornite)
    def informa(self, persona_id: str, servizi: list[str], note: str | None = None) -> None:
        self.informazioni += 1


class Sportello(LedgerApplication):
    aggregate_classes = (Domanda,)

    def ricevi(
        self, nome: str, cognome: str, codice_fiscale: str | None, persona_id: str, bisogno: str
    ) -> Domanda:
        return self.ricevi_con_posizioni(nome, cognome, codice_fiscale, persona_id, bisogno)[0]

    def ricevi_con_posizioni(
        self, nome: str, cognome: str, codice_fiscale: str | None, persona_id: str, bisogno: str
    ) -> tuple[Domanda, list[int]]:
        """Records a request; returns it with the ledger positions acknowledged."""
        born = date(1940, 1, 1)
        domanda = Domanda(
            persona_id=persona_id,
            persona=intake.DatiPersona(
                nome=nome, cognome=cognome, codice_fiscale=codice_fiscale, data_nascita=born
            ),
            comune="E094",
            canale="sportello",
            bisogno=bisogno,
            area_utenza="ELD",
            urgente=False,
            profilo=ProfiloStatistico(
                comune="E094", area="ELD", fascia_eta=fascia_eta(born, date(2026, 11, 23))
            ),
        )
        recordings = self.save(domanda)
        return domanda, [r.notification.id for r in recordings]
