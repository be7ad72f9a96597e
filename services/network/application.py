"""The network service layer: records the directory and its links, checking references
against this service's own ledger (the authority on its resources)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Protocol, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError

from services.network.domain import (
    Collaborazione,
    ControlloQualita,
    IncontroDiRete,
    Risorsa,
)
from shared import codes
from shared.auth.policy import authorize
from shared.auth.richiesta import Richiesta
from shared.errors import Conflict, FieldError, NotFound, StaleVersion
from shared.events import acting
from shared.events.network import Contatti, ServizioDistretto, TipoRisorsa
from shared.ledger.application import LedgerApplication
from shared.ledger.ledger import Ledger

LEGAL_BASIS_RETE = "L328_ART19"
ROME = ZoneInfo("Europe/Rome")

A = TypeVar("A")


@dataclass(frozen=True)
class DatiRisorsa:
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


@dataclass(frozen=True)
class Atto:
    """When the act happened (default: now), and on which legal basis."""

    occurred_at: datetime | None = None
    legal_basis: str = LEGAL_BASIS_RETE


@dataclass(frozen=True)
class Importazione:
    censite: int
    gia_presenti: int
    dismesse: int
    posizione: int | None


class DaImportare(Protocol):
    """A resource read from an exchange format (``services.network.hsds``)."""

    @property
    def id(self) -> UUID: ...
    @property
    def dati(self) -> DatiRisorsa: ...
    @property
    def ultima_conferma(self) -> date | None: ...
    @property
    def motivo_dismissione(self) -> str | None: ...


@dataclass(frozen=True)
class Registrazione:
    id: UUID
    posizione: int
    versione: int


class NetworkApplication(LedgerApplication):
    name = "network"
    aggregate_classes = (Risorsa, Collaborazione, IncontroDiRete, ControlloQualita)

    def __init__(self, ledger: Ledger, district_comuni: Callable[[], frozenset[str]]) -> None:
        super().__init__(ledger)
        self.district_comuni = district_comuni

    # -- resources ---------------------------------------------------------------------

    def censisci(
        self,
        dati: DatiRisorsa,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        risorsa_id: UUID | None = None,
    ) -> Registrazione:
        """A new resource; ``risorsa_id`` keeps an id given from outside (an import)."""
        authorize(richiesta.principal, "network.risorsa.gestisce")
        self._check_comuni(dati.comuni, ("body", "comuni"))
        self._check_act(atto)
        if risorsa_id is not None and self._exists(risorsa_id):
            raise Conflict("esiste già una risorsa con questo identificativo")
        with acting(richiesta.context(None, atto.legal_basis, atto.occurred_at)):
            risorsa = _new_risorsa(dati, risorsa_id)
        return self._save(risorsa)

    def aggiorna(
        self,
        risorsa_id: UUID,
        changes: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Registrazione:
        authorize(richiesta.principal, "network.risorsa.gestisce")
        if changes.get("comuni") is not None:
            self._check_comuni(changes["comuni"], ("body", "comuni"))
        self._check_act(atto)
        risorsa = self._risorsa(risorsa_id, versione_letta, atto)
        with acting(richiesta.context(None, atto.legal_basis, atto.occurred_at)):
            risorsa.aggiorna(changes)
        return self._save(risorsa)

    def conferma(
        self,
        risorsa_id: UUID,
        nota: str | None,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Registrazione:
        authorize(richiesta.principal, "network.risorsa.gestisce")
        self._check_act(atto)
        risorsa = self._risorsa(risorsa_id, versione_letta, atto)
        with acting(richiesta.context(None, atto.legal_basis, atto.occurred_at)):
            risorsa.conferma(nota)
        return self._save(risorsa)

    def dismetti(
        self,
        risorsa_id: UUID,
        motivo: str,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Registrazione:
        authorize(richiesta.principal, "network.risorsa.gestisce")
        self._check_act(atto)
        risorsa = self._risorsa(risorsa_id, versione_letta, atto)
        with acting(richiesta.context(None, atto.legal_basis, atto.occurred_at)):
            risorsa.dismetti(motivo)
        return self._save(risorsa)

    def importa(self, risorse: Sequence[DaImportare], richiesta: Richiesta) -> Importazione:
        """Resources keep their ids; those already here are left as they are, so an import
        can be repeated. All new ones are recorded in one transaction, or none."""
        authorize(richiesta.principal, "network.risorsa.gestisce")
        for index, imported in enumerate(risorse):
            self._check_comuni(imported.dati.comuni, ("body", "organizations", index, "comuni"))
        if len({imported.id for imported in risorse}) != len(risorse):
            raise FieldError(("body", "organizations"), "identificativo ripetuto")
        new = [imported for imported in risorse if not self._exists(imported.id)]
        aggregates: list[Risorsa] = []
        now = datetime.now(ROME)
        for imported in new:
            confirmed = imported.ultima_conferma
            when = min(datetime.combine(confirmed, time(12), ROME), now) if confirmed else None
            with acting(richiesta.context(None, LEGAL_BASIS_RETE, when)):
                risorsa = _new_risorsa(imported.dati, imported.id)
            if imported.motivo_dismissione is not None:
                with acting(richiesta.context(None, LEGAL_BASIS_RETE)):
                    risorsa.dismetti(imported.motivo_dismissione)
            aggregates.append(risorsa)
        posizione = None
        if aggregates:
            recordings = self.save(*aggregates)
            posizione = recordings[-1].notification.id
        return Importazione(
            censite=len(new),
            gia_presenti=len(risorse) - len(new),
            dismesse=sum(1 for imported in new if imported.motivo_dismissione is not None),
            posizione=posizione,
        )

    def leggi_risorsa(self, risorsa_id: UUID, richiesta: Richiesta) -> Risorsa:
        authorize(richiesta.principal, "network.elenco.legge")
        return self._risorsa(risorsa_id)

    # -- links -------------------------------------------------------------------------

    def avvia_collaborazione(
        self,
        risorse: Sequence[UUID],
        servizi_distretto: Sequence[ServizioDistretto],
        tipo: str,
        oggetto: str,
        inizio: date,
        richiesta: Richiesta,
        atto: Atto = Atto(),
    ) -> Registrazione:
        authorize(richiesta.principal, "network.collaborazione.gestisce")
        self._check_act(atto)
        _distinct(risorse, ("body", "risorse"))
        _distinct(servizi_distretto, ("body", "servizi_distretto"))
        if len(risorse) + len(servizi_distretto) < 2:
            raise FieldError(
                ("body", "risorse"), "una collaborazione ha almeno due parti (risorse o servizi)"
            )
        self._active_resources(risorse, ("body", "risorse"))
        with acting(richiesta.context(None, atto.legal_basis, atto.occurred_at)):
            collaborazione = Collaborazione(
                risorse=list(risorse),
                servizi_distretto=list(servizi_distretto),
                tipo=tipo,
                oggetto=oggetto,
                inizio=inizio,
            )
        return self._save(collaborazione)

    def concludi_collaborazione(
        self,
        collaborazione_id: UUID,
        fine: date,
        motivo: str,
        richiesta: Richiesta,
        atto: Atto = Atto(),
    ) -> Registrazione:
        authorize(richiesta.principal, "network.collaborazione.gestisce")
        self._check_act(atto)
        collaborazione = self._get(collaborazione_id, Collaborazione, "collaborazione")
        _not_before_last_act(collaborazione.modified_on, atto)
        with acting(richiesta.context(None, atto.legal_basis, atto.occurred_at)):
            collaborazione.concludi(fine, motivo)
        return self._save(collaborazione)

    def registra_incontro(
        self,
        data: date,
        partecipanti: Sequence[UUID],
        servizi_distretto: Sequence[ServizioDistretto],
        temi: list[str],
        decisioni: str,
        richiesta: Richiesta,
        atto: Atto = Atto(),
    ) -> Registrazione:
        authorize(richiesta.principal, "network.incontro.registra")
        self._check_act(atto)
        _not_future(data, ("body", "data"))
        if not partecipanti:
            raise FieldError(("body", "partecipanti"), "almeno una risorsa della rete partecipa")
        _distinct(partecipanti, ("body", "partecipanti"))
        _distinct(servizi_distretto, ("body", "servizi_distretto"))
        self._active_resources(partecipanti, ("body", "partecipanti"))
        with acting(richiesta.context(None, atto.legal_basis, atto.occurred_at)):
            incontro = IncontroDiRete(
                data=data,
                partecipanti=list(partecipanti),
                servizi_distretto=list(servizi_distretto),
                temi=temi,
                decisioni=decisioni,
            )
        return self._save(incontro)

    def registra_controllo(
        self,
        risorsa_id: UUID,
        data: date,
        rilievi: str,
        esito: str,
        richiesta: Richiesta,
        atto: Atto = Atto(),
    ) -> Registrazione:
        authorize(richiesta.principal, "network.controllo.registra")
        self._check_act(atto)
        _not_future(data, ("body", "data"))
        (risorsa,) = self._active_resources([risorsa_id], ("body", "risorsa_id"))
        if not risorsa.convenzionata:
            raise Conflict(
                f"«{risorsa.nome}» non ha accreditamento né contratto con il distretto: "
                "il controllo di qualità riguarda i fornitori convenzionati"
            )
        with acting(richiesta.context(None, atto.legal_basis, atto.occurred_at)):
            controllo = ControlloQualita(
                risorsa_id=risorsa_id, data=data, rilievi=rilievi, esito=esito
            )
        return self._save(controllo)

    # -- helpers -----------------------------------------------------------------------

    def _save(
        self, aggregate: Risorsa | Collaborazione | IncontroDiRete | ControlloQualita
    ) -> Registrazione:
        recordings = self.save(aggregate)
        return Registrazione(aggregate.id, recordings[-1].notification.id, aggregate.version)

    def _get(self, aggregate_id: UUID, kind: type[A], label: str) -> A:
        try:
            found: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{label} non trovata") from None
        if not isinstance(found, kind):
            raise NotFound(f"{label} non trovata")
        return found

    def _risorsa(
        self, risorsa_id: UUID, versione_letta: int | None = None, atto: Atto | None = None
    ) -> Risorsa:
        risorsa = self._get(risorsa_id, Risorsa, "risorsa")
        if versione_letta is not None and versione_letta != risorsa.version:
            raise StaleVersion("la risorsa è cambiata dopo la tua lettura: rileggila e riprova")
        if atto is not None:
            _not_before_last_act(risorsa.modified_on, atto)
        return risorsa

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def _active_resources(
        self, ids: Sequence[UUID], location: tuple[str | int, ...]
    ) -> list[Risorsa]:
        """Every id a resource of this directory (else 422 on the field), none dismissed
        (else 409)."""
        found: list[Risorsa] = []
        for index, risorsa_id in enumerate(ids):
            try:
                risorsa = self._get(risorsa_id, Risorsa, "risorsa")
            except NotFound:
                where = location if location[-1] == "risorsa_id" else (*location, index)
                raise FieldError(where, "risorsa non presente nell'elenco") from None
            if risorsa.dismessa:
                raise Conflict(f"la risorsa «{risorsa.nome}» è dismessa")
            found.append(risorsa)
        return found

    def _check_comuni(self, comuni: Sequence[str], location: tuple[str | int, ...]) -> None:
        district = self.district_comuni()
        for index, comune in enumerate(comuni):
            if comune not in district:
                raise FieldError((*location, index), "comune non appartenente al distretto")

    def _check_act(self, atto: Atto) -> None:
        if atto.legal_basis not in codes.legal_bases():
            raise FieldError(("body", "base_giuridica"), "base giuridica sconosciuta")


def _distinct(values: Sequence[object], location: tuple[str | int, ...]) -> None:
    if len(set(values)) != len(values):
        raise FieldError(location, "un elemento è indicato più di una volta")


def _not_future(day: date, location: tuple[str | int, ...]) -> None:
    if day > datetime.now(ROME).date():
        raise FieldError(location, "non può essere nel futuro")


def _not_before_last_act(last: datetime, atto: Atto) -> None:
    """A back-dated act may not precede what is already recorded: the record's history, and
    its last-confirmed date, stay in the order things happened."""
    if atto.occurred_at is not None and atto.occurred_at < last:
        raise FieldError(
            ("body", "occurred_at"), "non può precedere l'ultimo atto registrato su questo dato"
        )


def _new_risorsa(dati: DatiRisorsa, risorsa_id: UUID | None) -> Risorsa:
    """A new resource, keeping an id given from outside (an import) when there is one."""
    if risorsa_id is None:
        return Risorsa(**_fields(dati))
    return Risorsa._create(Risorsa.RisorsaCensita, id=risorsa_id, **_fields(dati))


def _fields(dati: DatiRisorsa) -> dict[str, Any]:
    return {
        "nome": dati.nome,
        "tipo": dati.tipo,
        "comuni": list(dati.comuni),
        "aree": list(dati.aree),
        "descrizione": dati.descrizione,
        "prestazioni": list(dati.prestazioni),
        "servizi": list(dati.servizi),
        "contatti": dati.contatti,
        "orari": dati.orari,
        "capacita": dati.capacita,
        "lista_attesa": dati.lista_attesa,
        "accreditamento": dati.accreditamento,
    }
