"""The request (domanda) as the Segretariato sociale records it. Pure domain: no I/O."""

from __future__ import annotations

from eventsourcing.domain import event

from shared.events import intake
from shared.events.profile import ProfiloStatistico
from shared.events.types import AreaUtenza, Canale
from shared.ledger.aggregate import LedgerAggregate


class Domanda(LedgerAggregate):
    class DomandaRicevuta(LedgerAggregate.Created, intake.DomandaRicevuta):
        pass

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
    ) -> None:
        self.persona_id = persona_id
        self.comune = comune
        self.area_utenza = area_utenza
