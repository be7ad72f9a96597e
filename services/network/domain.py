"""The territorial network as the district keeps it: resources, collaborations, network
meetings and quality checks. Pure domain: no I/O; the service layer checks references."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from shared.errors import Conflict
from shared.events import network
from shared.events.network import Contatti, ServizioDistretto, TipoRisorsa
from shared.ledger.aggregate import LedgerAggregate

EDITABLE = network.ATTRIBUTI_RISORSA


@dataclass(frozen=True)
class DatiRisorsa:
    """The data of a resource, as a census records it."""

    nome: str
    tipo: TipoRisorsa
    comuni: list[str]
    aree: list[str]
    descrizione: str | None = None
    prestazioni: list[str] = field(default_factory=list)
    servizi: list[str] = field(default_factory=list)
    contatti: Contatti = field(default_factory=Contatti)
    orari: str | None = None
    capacita: int | None = None
    lista_attesa: int | None = None
    accreditamento: str | None = None


class Risorsa(LedgerAggregate):
    class RisorsaCensita(LedgerAggregate.Created, network.RisorsaCensita):
        pass

    class RisorsaAggiornata(LedgerAggregate.Event, network.RisorsaAggiornata):
        def apply(self, aggregate: Any) -> None:
            for name in EDITABLE:
                value = getattr(self, name)
                if value is not None:
                    setattr(aggregate, name, value)
            for name in self.azzerati:
                setattr(aggregate, name, None)
            aggregate.confermata_il = self.timestamp

    class RisorsaConfermata(LedgerAggregate.Event, network.RisorsaConfermata):
        def apply(self, aggregate: Any) -> None:
            aggregate.confermata_il = self.timestamp

    class RisorsaDismessa(LedgerAggregate.Event, network.RisorsaDismessa):
        def apply(self, aggregate: Any) -> None:
            aggregate.dismessa_il = self.timestamp
            aggregate.motivo_dismissione = self.motivo

    @event(RisorsaCensita)
    def __init__(
        self,
        nome: str,
        tipo: TipoRisorsa,
        comuni: list[str],
        aree: list[str],
        prestazioni: list[str],
        servizi: list[str],
        contatti: Contatti,
        descrizione: str | None = None,
        orari: str | None = None,
        capacita: int | None = None,
        lista_attesa: int | None = None,
        accreditamento: str | None = None,
    ) -> None:
        self.nome = nome
        self.tipo = tipo
        self.descrizione = descrizione
        self.comuni = list(comuni)
        self.aree = list(aree)
        self.prestazioni = list(prestazioni)
        self.servizi = list(servizi)
        self.contatti = contatti
        self.orari = orari
        self.capacita = capacita
        self.lista_attesa = lista_attesa
        self.accreditamento = accreditamento
        self.censita_il: datetime = self.created_on
        self.confermata_il: datetime = self.created_on
        self.dismessa_il: datetime | None = None
        self.motivo_dismissione: str | None = None

    @property
    def dismessa(self) -> bool:
        return self.dismessa_il is not None

    @property
    def attributi(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE}

    def aggiorna(self, changes: dict[str, Any]) -> None:
        """Records only what differs (a None value clears the attribute); an update that
        changes nothing is refused rather than recorded."""
        self._require_active()
        effective = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not effective:
            raise Conflict("nessuna modifica rispetto ai dati attuali della risorsa")
        cleared = sorted(k for k, v in effective.items() if v is None)
        kept = {k: v for k, v in effective.items() if v is not None}
        self.trigger_event(self.RisorsaAggiornata, azzerati=cleared, **kept)

    def conferma(self, nota: str | None) -> None:
        self._require_active()
        self.trigger_event(self.RisorsaConfermata, nota=nota)

    def dismetti(self, motivo: str) -> None:
        self._require_active()
        self.trigger_event(self.RisorsaDismessa, motivo=motivo)

    def _require_active(self) -> None:
        if self.dismessa:
            raise Conflict("la risorsa è dismessa: non si può più modificare")

    @property
    def convenzionata(self) -> bool:
        return bool(self.accreditamento)


class Collaborazione(LedgerAggregate):
    class CollaborazioneAvviata(LedgerAggregate.Created, network.CollaborazioneAvviata):
        pass

    class CollaborazioneConclusa(LedgerAggregate.Event, network.CollaborazioneConclusa):
        pass

    @event(CollaborazioneAvviata)
    def __init__(
        self,
        risorse: list[UUID],
        servizi_distretto: list[ServizioDistretto],
        tipo: str,
        oggetto: str,
        inizio: date,
    ) -> None:
        self.risorse = list(risorse)
        self.inizio = inizio
        self.fine: date | None = None

    def concludi(self, fine: date, motivo: str) -> None:
        if self.fine is not None:
            raise Conflict("la collaborazione è già conclusa")
        if fine < self.inizio:
            raise Conflict("la data di fine precede l'inizio della collaborazione")
        self._concludi(fine=fine, motivo=motivo)

    @event(CollaborazioneConclusa)
    def _concludi(self, fine: date, motivo: str) -> None:
        self.fine = fine


class IncontroDiRete(LedgerAggregate):
    class IncontroDiReteSvolto(LedgerAggregate.Created, network.IncontroDiReteSvolto):
        pass

    @event(IncontroDiReteSvolto)
    def __init__(
        self,
        data: date,
        partecipanti: list[UUID],
        servizi_distretto: list[ServizioDistretto],
        temi: list[str],
        decisioni: str,
    ) -> None:
        self.data = data


class ControlloQualita(LedgerAggregate):
    class ControlloQualitaEffettuato(LedgerAggregate.Created, network.ControlloQualitaEffettuato):
        pass

    @event(ControlloQualitaEffettuato)
    def __init__(self, risorsa_id: UUID, data: date, rilievi: str, esito: str) -> None:
        self.risorsa_id = risorsa_id
