"""SIUSS's service layer: issuing the due flows, serving them to INPS, recording INPS's
outcomes, and the lists coordinators read (decision 0025).

A due flow is issued once, when it is first listed (or exported): its id and ``ts_flusso``
are recorded in reporting's ledger (``FlussoSiussEmesso``) and read back ever after. Its
XML, which names the person in clear, is built again from the case's events on every
request, validated against the official XSD, sent, and dropped; each flow sent is a read of
personal data, recorded before the response leaves. A flow that cannot be built is recorded
as blocked with the reason (``FlussoSiussBloccato``) and never sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final
from uuid import UUID, uuid5

from sqlalchemy import Row, func, select

from services.reporting.cartella import eventi as eventi_cartella
from services.reporting.giornata_siuss import (
    GiornataSiuss,
    id_giornata,
    prima_emissione,
    primo_blocco,
    ts_dopo,
)
from services.reporting.registro import RegistroOsservatorio
from services.reporting.siuss import costruisci_ps, costruisci_sinba
from services.reporting.siuss.dagli_eventi import (
    Contesto,
    EventoCaso,
    FlussoRichiesto,
    flusso_ps,
    flusso_sinba,
)
from services.reporting.siuss.dovuti import PS, esiti, flussi
from services.reporting.siuss.errori import FlussoNonCostruibile, FlussoNonValido
from services.reporting.siuss.formato import TipoFlusso, id_flusso
from services.reporting.siuss.schemi import SchemaSiuss
from shared import codes
from shared.auth.policy import require_role
from shared.auth.richiesta import Richiesta
from shared.auth.scope import ambito
from shared.db import Engines
from shared.events import acting
from shared.events.reporting import EsitoSiussRicevuto, FlussoDovuto
from shared.identity.store import IdentityStore
from shared.ledger.codec import PersonalDataCodec
from shared.persons.keystore import KeyStore
from shared.projections.base import ProjectionFeed, instant
from shared.scadenze import oggi

LEGGE_FLUSSI: Final = "reporting.siuss.flussi"
NOTIFICA_ESITI: Final = "reporting.siuss.esiti"
ANOMALIE: Final = "reporting.siuss.anomalie"
ESPORTA: Final = "reporting.siuss.esporta"
LEGAL_BASIS: Final = "DLGS147_ART24"
FINALITA: Final = "TRASMISSIONE_SIUSS"
FINALITA_ANOMALIE: Final = "COORDINAMENTO"
ENDPOINT_FLUSSI: Final = "GET /waas/v1/flussi"
ENDPOINT_ANOMALIE: Final = "GET /api/reporting/siuss/respinti"
MAX_WAIT_SECONDS: Final = 5.0
ESITI: Final = UUID("5d3c1e8a-77b0-4f0e-9a43-2b6f1d9c8e20")
"""Namespace of the outcomes' ids: one per flow, outcome and acquisition id, so that a
repeated outcome is the same record and is not recorded again."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlussoServito:
    codice_ente: str
    denominazione_ente: str
    id_flusso: str
    tipo: str
    ts_flusso: datetime
    xml: bytes


@dataclass(frozen=True)
class EsitoNotificato:
    id_flusso: str
    tipo: TipoFlusso
    ts_flusso: datetime
    ts_acquisizione: datetime
    codice_esito: str
    descrizione_esito: str | None = None
    id_acquisizione_siuss: str | None = None


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class TrasmissioneSiuss:
    def __init__(
        self,
        views: Engines,
        feed: ProjectionFeed,
        cartella_feed: ProjectionFeed,
        registro: RegistroOsservatorio,
        keystore: KeyStore,
        identity: IdentityStore,
        schemi: Mapping[TipoFlusso, SchemaSiuss],
        adesso: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.views = views
        self.feed = feed
        self.cartella_feed = cartella_feed
        self.registro = registro
        self.codec = PersonalDataCodec(keystore)
        self.identity = identity
        self.schemi = schemi
        self.adesso = adesso
        self._lock = threading.Lock()

    def pronto(self) -> bool:
        """Whether the due flows are being followed (the projection's feed runs)."""
        return bool(self.feed.running and not getattr(self.feed, "failing", False))

    # -- INPS: /waas/v1 ------------------------------------------------------------------

    def flussi(
        self, richiesta: Richiesta, since_ms: int, limite: int, comune: str | None = None
    ) -> list[FlussoServito]:
        """The issued flows after ``since_ms`` (whole milliseconds), oldest first, after
        issuing every flow that has become due; each read is recorded before it is sent."""
        require_role(richiesta.principal, LEGGE_FLUSSI)
        self.emetti_dovuti(richiesta)
        if limite == 0:
            return []
        query = (
            select(flussi)
            .where(flussi.c.stato == "emesso", flussi.c.ts_ms > since_ms)
            .order_by(flussi.c.ts_ms)
            .limit(limite)
        )
        if comune is not None:
            query = query.where(flussi.c.comune == comune)
        with self.views.reader.connect() as connection:
            rows = connection.execute(query).all()
        return self._servi(richiesta, rows, ENDPOINT_FLUSSI)

    def esporta(
        self, richiesta: Richiesta, comune: str, dal: date, al: date
    ) -> list[FlussoServito]:
        """The comune's flows issued from ``dal`` to ``al`` (Europe/Rome), for a comune that
        uploads by hand: the same flows, ids and XML that INPS reads from the API."""
        require_role(richiesta.principal, ESPORTA)
        self.emetti_dovuti(richiesta)
        with self.views.reader.connect() as connection:
            rows = connection.execute(
                select(flussi)
                .where(flussi.c.stato == "emesso", flussi.c.comune == comune)
                .order_by(flussi.c.ts_ms)
            ).all()
        nel_periodo = [r for r in rows if dal <= oggi(_utc(r.ts_flusso)) <= al]
        return self._servi(richiesta, nel_periodo, "CLI ambito siuss export")

    def registra_esiti(self, richiesta: Richiesta, esiti: Sequence[EsitoNotificato]) -> int:
        """Records each outcome once (``EsitoSiussRicevuto``); a repeated outcome changes
        nothing. Returns how many were new."""
        require_role(richiesta.principal, NOTIFICA_ESITI)
        nuovi: dict[UUID, EsitoSiussRicevuto] = {}
        with self.views.reader.connect() as connection:
            for esito in esiti:
                chiave = f"{esito.id_flusso}|{esito.codice_esito}|{esito.id_acquisizione_siuss}"
                aggregate_id = uuid5(ESITI, chiave)
                if aggregate_id in nuovi or self._registrato(aggregate_id):
                    continue
                nostro = connection.execute(
                    select(flussi.c.comune, flussi.c.persona_id).where(
                        flussi.c.flusso_id == esito.id_flusso
                    )
                ).one_or_none()
                with acting(
                    richiesta.context(None if nostro is None else nostro.comune, LEGAL_BASIS)
                ):
                    nuovi[aggregate_id] = EsitoSiussRicevuto.model_validate(
                        {
                            "aggregate_id": aggregate_id,
                            "aggregate_version": 1,
                            "flusso_id": esito.id_flusso[:200],
                            "tipo": esito.tipo,
                            "ts_flusso": esito.ts_flusso,
                            "ts_acquisizione": esito.ts_acquisizione,
                            "esito": esito.codice_esito,
                            "id_acquisizione": esito.id_acquisizione_siuss,
                            "comune": None if nostro is None else nostro.comune,
                            "persona_id": None if nostro is None else nostro.persona_id,
                            "descrizione": None
                            if nostro is None or not esito.descrizione_esito
                            else esito.descrizione_esito[:4000],
                        }
                    )
                if nostro is None:
                    log.warning("esito SIUSS per un flusso non emesso da questo distretto")
        if nuovi:
            self.registro.save(*nuovi.values())
        return len(nuovi)

    def _registrato(self, aggregate_id: UUID) -> bool:
        return next(iter(self.registro.events.get(aggregate_id, lte=1)), None) is not None

    # -- coordinators ----------------------------------------------------------------------

    def bloccati(self, richiesta: Richiesta) -> list[dict[str, Any]]:
        """Flows that could not be built, with what is missing, on the caller's comuni."""
        scope = ambito(richiesta.principal, ANOMALIE)
        with self.views.reader.connect() as connection:
            rows = connection.execute(
                select(flussi)
                .where(flussi.c.stato == "bloccato", scope.filtro(flussi.c.comune, None))
                .order_by(flussi.c.posizione, flussi.c.chiave)
            ).all()
        return [
            {
                "tipo": r.tipo,
                "operazione": r.operazione,
                "comune": r.comune,
                "caso_id": r.caso_id,
                "intervento_id": r.intervento_id,
                "campo": r.campo,
                "motivo": r.motivo,
            }
            for r in rows
        ]

    def respinti(self, richiesta: Richiesta) -> list[dict[str, Any]]:
        """Flows INPS refused, with its reason (decrypted, and the read recorded)."""
        scope = ambito(richiesta.principal, ANOMALIE)
        with self.views.reader.connect() as connection:
            rows = connection.execute(
                select(
                    flussi,
                    esiti.c.esito,
                    esiti.c.descrizione.label("descrizione_esito"),
                    esiti.c.evento_id.label("esito_evento_id"),
                )
                .join(esiti, esiti.c.flusso_id == flussi.c.flusso_id)
                .where(esiti.c.esito != "OK", scope.filtro(flussi.c.comune, None))
                .order_by(flussi.c.ts_ms)
            ).all()
        letture = [
            self.registro.read_event(
                richiesta,
                r.persona_id,
                "flusso_siuss",
                UUID(r.caso_id),
                FINALITA_ANOMALIE,
                ENDPOINT_ANOMALIE,
                r.comune,
            )
            for r in rows
            if r.descrizione_esito is not None
        ]
        if letture:
            self.registro.save(*letture)
        return [
            {
                "id_flusso": r.flusso_id,
                "tipo": r.tipo,
                "comune": r.comune,
                "caso_id": r.caso_id,
                "intervento_id": r.intervento_id,
                "ts_flusso": _utc(r.ts_flusso),
                "esito": r.esito,
                "descrizione": self._descrizione(r),
            }
            for r in rows
        ]

    # -- issuing -----------------------------------------------------------------------------

    def emetti_dovuti(self, richiesta: Richiesta) -> None:
        """Issues (or blocks) every due flow in the order of the events that made it due,
        on today's stream; one writer at a time in this process, and the ledger's
        optimistic concurrency between processes."""
        with self._lock:
            self._attendi_propri()
            self.registro.save_retrying(lambda: self._emissione(richiesta))
            self._attendi_propri()

    def _attendi_propri(self) -> None:
        posizione = self.registro.recorder.max_notification_id() or 0
        if posizione:
            self.feed.wait_for("reporting", posizione, MAX_WAIT_SECONDS)

    def _emissione(self, richiesta: Richiesta) -> list[GiornataSiuss]:
        with self.views.reader.connect() as connection:
            dovuti = connection.execute(
                select(flussi)
                .where(flussi.c.stato == "da_emettere")
                .order_by(flussi.c.posizione, flussi.c.chiave)
            ).all()
            precedente = _utc(connection.execute(select(func.max(flussi.c.ts_flusso))).scalar())
        if not dovuti:
            return []
        adesso = self.adesso()
        giorno = oggi(adesso)
        giornata = self.registro.find(id_giornata(giorno), GiornataSiuss)
        for row in dovuti:
            if giornata is not None and row.chiave in giornata.chiavi:
                continue
            if not self.cartella_feed.wait_for("casework", int(row.posizione), MAX_WAIT_SECONDS):
                break  # the case's events are not in the cartella yet: next time
            dovuto = _dovuto(row)
            progressivo = 1 if giornata is None else giornata.prossimo(row.comune, row.tipo)
            fid = id_flusso(row.comune, row.tipo, giorno, progressivo)
            ts = ts_dopo(adesso, None if giornata is None else giornata.ultimo_ts, precedente)
            errore: tuple[str, str] | None = None
            try:
                self._xml(row, fid)
            except FlussoNonCostruibile as e:
                errore = (e.campo, e.motivo)
            except FlussoNonValido as e:
                errore = ("schema " + e.tipo, "; ".join(e.errori))
            with acting(richiesta.context(row.comune, LEGAL_BASIS)):
                if errore is None:
                    if giornata is None:
                        giornata = prima_emissione(giorno, dovuto, fid, ts)
                    else:
                        giornata.emetti(dovuto, fid, ts)
                elif giornata is None:
                    giornata = primo_blocco(giorno, dovuto, *errore)
                else:
                    giornata.blocca(dovuto, *errore)
        return [] if giornata is None else [giornata]

    def _servi(
        self, richiesta: Richiesta, rows: Sequence[Row[Any]], endpoint: str
    ) -> list[FlussoServito]:
        serviti: list[FlussoServito] = []
        letture = []
        district = self.identity.district()
        for row in rows:
            try:
                xml = self._xml(row, row.flusso_id)
            except (FlussoNonCostruibile, FlussoNonValido) as e:
                # issued, and no longer buildable (the person was erased since): never sent
                log.warning("flusso SIUSS emesso non più costruibile: %s", type(e).__name__)
                continue
            comune = district.comune(row.comune)
            ts = _utc(row.ts_flusso)
            assert ts is not None
            serviti.append(
                FlussoServito(
                    codice_ente=row.comune,
                    denominazione_ente=_denominazione(None if comune is None else comune.nome)
                    or row.comune,
                    id_flusso=row.flusso_id,
                    tipo=row.tipo,
                    ts_flusso=ts,
                    xml=xml,
                )
            )
            letture.append(
                self.registro.read_event(
                    richiesta,
                    row.persona_id,
                    "flusso_siuss",
                    UUID(row.caso_id),
                    FINALITA,
                    endpoint,
                    row.comune,
                )
            )
        if letture:
            self.registro.save(*letture)
        return serviti

    def _xml(self, row: Row[Any], fid: str) -> bytes:
        """The flow built again from the case's events, validated against its XSD."""
        fino_a = max(int(row.versione_caso), int(row.versione_evento))
        with self.views.reader.connect() as connection:
            righe = connection.execute(
                select(eventi_cartella)
                .where(
                    eventi_cartella.c.caso_id == row.caso_id,
                    eventi_cartella.c.versione <= fino_a,
                )
                .order_by(eventi_cartella.c.versione)
            ).all()
        eventi = [
            EventoCaso(
                tipo=r.tipo,
                versione=int(r.versione),
                event_id=r.event_id,
                occurred_at=instant(r.occurred_at.isoformat())
                if isinstance(r.occurred_at, datetime)
                else instant(str(r.occurred_at)),
                attore=r.attore_utente,
                dati=self.codec.decrypt(dict(r.dati), r.event_id),
            )
            for r in righe
        ]
        richiesta = FlussoRichiesto(
            id_flusso=fid,
            comune=row.comune,
            persona_id=row.persona_id,
            intervento_id=row.intervento_id,
            operazione=row.operazione,
            versione_caso=int(row.versione_caso),
            versione_evento=int(row.versione_evento),
        )
        contesto = self._contesto()
        if row.tipo == PS:
            xml = costruisci_ps(flusso_ps(richiesta, eventi, contesto))
        else:
            xml = costruisci_sinba(flusso_sinba(richiesta, eventi, contesto))
        tipo: TipoFlusso = PS if row.tipo == PS else "SINBA"
        self.schemi[tipo].valida(xml)
        return xml

    def _contesto(self) -> Contesto:
        district = self.identity.district()
        prestazioni = codes.siuss_benefits()

        def denominazione_comune(belfiore: str) -> str | None:
            comune = district.comune(belfiore)
            return None if comune is None else _denominazione(comune.nome)

        def cf_operatore(username: str) -> str | None:
            user = self.identity.get_user(username)
            return None if user is None else user.codice_fiscale

        return Contesto(
            denominazione_comune=denominazione_comune,
            cf_operatore=cf_operatore,
            regione_del_comune=codes.regione_del_comune,
            etichetta_prestazione=prestazioni.get,
        )

    def _descrizione(self, row: Row[Any]) -> str | None:
        if row.descrizione_esito is None or row.esito_evento_id is None:
            return None
        chiaro = self.codec.decrypt(
            {"persona_id": row.persona_id, "descrizione": row.descrizione_esito},
            row.esito_evento_id,
        )["descrizione"]
        return "[dato cancellato]" if isinstance(chiaro, dict) else str(chiaro)


def _denominazione(nome: str | None) -> str | None:
    return None if nome is None else f"Comune di {nome}"


def _dovuto(row: Row[Any]) -> FlussoDovuto:
    return FlussoDovuto(
        chiave=row.chiave,
        tipo=row.tipo,
        operazione=row.operazione,
        comune=row.comune,
        caso_id=UUID(row.caso_id),
        persona_id=row.persona_id,
        intervento_id=None if row.intervento_id is None else UUID(row.intervento_id),
        evento_id=UUID(row.evento_id),
        versione_caso=int(row.versione_caso),
        versione_evento=int(row.versione_evento),
        posizione=int(row.posizione),
    )
