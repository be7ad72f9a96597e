"""The network service layer: records the directory and its links, checking references
against this service's own ledger (the authority on its resources)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from services.network import hsds
from services.network.domain import (
    Collaborazione,
    ControlloQualita,
    DatiRisorsa,
    IncontroDiRete,
    Risorsa,
)
from shared import codes
from shared.auth.policy import authorize
from shared.auth.richiesta import Richiesta
from shared.errors import Conflict, FieldError, NotFound, require_version
from shared.events import acting
from shared.events.network import ServizioDistretto
from shared.ledger.application import LedgerApplication
from shared.ledger.ledger import Ledger

LEGAL_BASIS_RETE = "L328_ART19"
ROME = ZoneInfo("Europe/Rome")

A = TypeVar("A")


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
    diverse: list[UUID]
    """Already here with other data: left as they are."""


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
        if risorsa_id is not None and self.recorded(risorsa_id) is not None:
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

    def importa_hsds(self, document: Any, richiesta: Richiesta) -> Importazione:
        """An Open Referral HSDS document (``services.network.hsds``): authorised before it
        is read."""
        authorize(richiesta.principal, "network.risorsa.gestisce")
        return self.importa(hsds.parse_directory(document), richiesta)

    def importa(
        self, risorse: Sequence[hsds.RisorsaImportata], richiesta: Richiesta
    ) -> Importazione:
        """Resources keep their ids and the dates of their history (census, last
        confirmation, dismissal). One already here with the same data is left alone, so an
        import can be repeated; one here with other data is left alone too and reported in
        ``diverse`` (update it with PATCH). All new ones are recorded in one transaction,
        after every one has been checked, or none."""
        authorize(richiesta.principal, "network.risorsa.gestisce")
        if len({imported.id for imported in risorse}) != len(risorse):
            raise FieldError(("body", "organizations"), "identificativo ripetuto")
        today = datetime.now(ROME).date()
        new: list[hsds.RisorsaImportata] = []
        diverse: list[UUID] = []
        for index, imported in enumerate(risorse):
            where = ("body", "organizations", index)
            district = self.district_comuni()
            for comune, location in zip(imported.dati.comuni, imported.luoghi_comuni, strict=True):
                if comune not in district:
                    raise FieldError(location, "comune non appartenente al distretto")
            dates = [imported.censita, imported.ultima_conferma, imported.dismessa]
            if any(day is not None and day > today for day in dates):
                raise FieldError(where, "una data della risorsa è nel futuro")
            if (
                imported.dismessa is not None
                and imported.ultima_conferma is not None
                and imported.dismessa < imported.ultima_conferma
            ):
                raise FieldError(where, "la dismissione precede l'ultima conferma")
            existing = self._existing(imported.id, (*where, "id"))
            if existing is None:
                new.append(imported)
            elif not _same_resource(existing, imported):
                diverse.append(imported.id)
        aggregates = [self._recreate(imported, richiesta) for imported in new]
        posizione = None
        if aggregates:
            recordings = self.save(*aggregates)
            posizione = recordings[-1].notification.id
        return Importazione(
            censite=len(new),
            gia_presenti=len(risorse) - len(new),
            dismesse=sum(1 for imported in new if imported.motivo_dismissione is not None),
            posizione=posizione,
            diverse=diverse,
        )

    def _existing(self, risorsa_id: UUID, location: tuple[str | int, ...]) -> Risorsa | None:
        found = self.recorded(risorsa_id)
        if found is None:
            return None
        if not isinstance(found, Risorsa):
            raise FieldError(location, "identificativo già usato per un altro dato della rete")
        return found

    def _recreate(self, imported: hsds.RisorsaImportata, richiesta: Richiesta) -> Risorsa:
        """A census on the day it was made, a confirmation on the last one, a dismissal."""
        censused = imported.censita or imported.ultima_conferma
        with acting(richiesta.context(None, LEGAL_BASIS_RETE, _at_noon(censused))):
            risorsa = _new_risorsa(imported.dati, imported.id)
        confirmed = imported.ultima_conferma
        if confirmed is not None and censused is not None and confirmed > censused:
            with acting(richiesta.context(None, LEGAL_BASIS_RETE, _at_noon(confirmed))):
                risorsa.conferma("importata da HSDS")
        if imported.motivo_dismissione is not None:
            with acting(richiesta.context(None, LEGAL_BASIS_RETE, _at_noon(imported.dismessa))):
                risorsa.dismetti(imported.motivo_dismissione)
        return risorsa

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
        versione_letta: int | None = None,
    ) -> Registrazione:
        authorize(richiesta.principal, "network.collaborazione.gestisce")
        self._check_act(atto)
        collaborazione = self._get(collaborazione_id, Collaborazione, "collaborazione")
        require_version(collaborazione.version, versione_letta)
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
        found = self.find(aggregate_id, kind)
        if found is None:
            raise NotFound(f"{label} non trovata")
        return found

    def _risorsa(
        self, risorsa_id: UUID, versione_letta: int | None = None, atto: Atto | None = None
    ) -> Risorsa:
        risorsa = self._get(risorsa_id, Risorsa, "risorsa")
        require_version(risorsa.version, versione_letta)
        if atto is not None:
            _not_before_last_act(risorsa.modified_on, atto)
        return risorsa

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


def _at_noon(day: date | None) -> datetime | None:
    """A day from an exchange format as an instant: noon in Rome, never after now."""
    if day is None:
        return None
    return min(datetime.combine(day, time(12), ROME), datetime.now(ROME))


def _same_resource(risorsa: Risorsa, imported: hsds.RisorsaImportata) -> bool:
    return risorsa.attributi == _fields(imported.dati) and risorsa.dismessa == (
        imported.motivo_dismissione is not None
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
