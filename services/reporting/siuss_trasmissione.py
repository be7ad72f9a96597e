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
from uuid import UUID, uuid4, uuid5

from pydantic import ValidationError
from sqlalchemy import Row, func, or_, select

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
from services.reporting.siuss.dovuti import PS, esiti, esiti_scartati, flussi, interventi
from services.reporting.siuss.errori import (
    FlussoNonCostruibile,
    FlussoNonDovuto,
    FlussoNonValido,
)
from services.reporting.siuss.formato import TipoFlusso, id_flusso
from services.reporting.siuss.schemi import SchemaSiuss
from shared import codes
from shared.auth.policy import authorize, require_role
from shared.auth.richiesta import Richiesta
from shared.auth.scope import ambito
from shared.db import Engines
from shared.events import acting, testo
from shared.events.reporting import EsitoSiussRicevuto, EsitoSiussScartato, FlussoDovuto
from shared.identity.store import IdentityStore
from shared.ledger.codec import PersonalDataCodec
from shared.observability import PERSONAL_DATA_READS
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
MAX_MS: Final = 2**63 - 1
"""``since`` beyond a 64-bit column: no flow is that late."""
ESITI: Final = UUID("5d3c1e8a-77b0-4f0e-9a43-2b6f1d9c8e20")
"""Namespace of the outcomes' ids: one per flow, outcome and acquisition id, so that a
repeated outcome is the same record and is not recorded again."""

ERRORI_DEI_DATI: Final = (ValueError, TypeError, LookupError, AttributeError)
"""What a builder raises on a stored value it cannot carry; never a database or network
error, which must not block a flow for good."""

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
class EsitoIlleggibile:
    """An item of INPS's batch that could not be read: where and why, never its values;
    the flow's id as INPS wrote it, only looked up (kept only when it is one of ours)."""

    indice: int
    campo: str
    motivo: str
    id_flusso: str | None = None


@dataclass(frozen=True)
class EsitoNotificato:
    id_flusso: str
    tipo: str
    """As INPS sent it; the flow's own type is recorded when the flow is ours."""
    ts_flusso: datetime
    ts_acquisizione: datetime
    codice_esito: str
    descrizione_esito: str | None = None
    id_acquisizione_siuss: str | None = None
    indice: int = 0
    """The item's place in INPS's batch."""


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
        self.guasto = False
        """Set when the last request for flows failed (``/waas/v1/status`` then says so)."""

    def pronto(self) -> bool:
        """Whether the due flows are being followed (the projection's feed runs) and the
        last request for them was served."""
        return bool(
            self.feed.running and not getattr(self.feed, "failing", False) and not self.guasto
        )

    def anomalie(self) -> tuple[int, int]:
        """How many flows are blocked (for a coordinator to fix) and how many of INPS's
        outcomes could not be read, in the whole district: counts only, for the status."""
        with self.views.reader.connect() as connection:
            bloccati = connection.execute(
                select(func.count())
                .select_from(flussi)
                .where(flussi.c.stato.in_(("bloccato", "emesso")), flussi.c.motivo.is_not(None))
            ).scalar_one()
            scartati = connection.execute(
                select(func.count()).select_from(esiti_scartati)
            ).scalar_one()
        return int(bloccati), int(scartati)

    # -- INPS: /waas/v1 ------------------------------------------------------------------

    def flussi(self, richiesta: Richiesta, since_ms: int, limite: int) -> list[FlussoServito]:
        """The issued flows after ``since_ms`` (whole milliseconds), oldest first, after
        issuing every flow that has become due; each read is recorded before it is sent. An
        issued flow that can no longer be built (its person erased since) is recorded as
        blocked and skipped, and the page is filled from the flows after it: an empty answer
        means nothing new, as INPS reads it."""
        require_role(richiesta.principal, LEGGE_FLUSSI)
        try:
            serviti = self._flussi(richiesta, since_ms, limite)
        except Exception:
            self.guasto = True
            raise
        self.guasto = False
        return serviti

    def _flussi(self, richiesta: Richiesta, since_ms: int, limite: int) -> list[FlussoServito]:
        self.emetti_dovuti(richiesta)
        serviti: list[FlussoServito] = []
        dopo = since_ms
        while len(serviti) < limite and dopo < MAX_MS:
            with self.views.reader.connect() as connection:
                rows = connection.execute(
                    select(flussi)
                    .where(
                        flussi.c.stato == "emesso",
                        flussi.c.motivo.is_(None),
                        flussi.c.ts_ms > dopo,
                    )
                    .order_by(flussi.c.ts_ms)
                    .limit(limite - len(serviti))
                ).all()
            if not rows:
                break
            serviti += self._servi(richiesta, rows, ENDPOINT_FLUSSI)
            dopo = int(rows[-1].ts_ms)
        return serviti

    def esporta(
        self, richiesta: Richiesta, comune: str, dal: date, al: date
    ) -> list[FlussoServito]:
        """The comune's flows issued from ``dal`` to ``al`` (the date in their ids), for a
        comune that uploads by hand: the same flows, ids and XML that INPS reads from the
        API. Only that comune's due flows are issued first."""
        authorize(richiesta.principal, ESPORTA, comune=comune)
        self.emetti_dovuti(richiesta, comune)
        with self.views.reader.connect() as connection:
            rows = connection.execute(
                select(flussi)
                .where(
                    flussi.c.stato == "emesso",
                    flussi.c.motivo.is_(None),
                    flussi.c.comune == comune,
                )
                .order_by(flussi.c.ts_ms)
            ).all()
        nel_periodo = [r for r in rows if dal <= giorno_del_flusso(r.flusso_id) <= al]
        return self._servi(richiesta, nel_periodo, "CLI ambito siuss export")

    def registra_esiti(
        self,
        richiesta: Richiesta,
        esiti: Sequence[EsitoNotificato],
        scartati: Sequence[EsitoIlleggibile] = (),
    ) -> int:
        """Records each outcome once (``EsitoSiussRicevuto``); a repeated outcome changes
        nothing. An item that could not be read is kept for coordinators with its reason
        (``EsitoSiussScartato``, decision 0033): INPS will not send it again. Everything in
        one transaction, so that a failure makes INPS resend the whole batch and nothing is
        kept twice. Returns how many outcomes were new."""
        require_role(richiesta.principal, NOTIFICA_ESITI)
        self._attendi_propri()  # an outcome for a flow issued a moment ago finds it
        nuovi: dict[UUID, EsitoSiussRicevuto] = {}
        illeggibili: list[EsitoSiussScartato] = []
        da_scartare = list(scartati)
        with self.views.reader.connect() as connection:
            for esito in esiti:
                chiave = f"{esito.id_flusso}|{esito.codice_esito}|{esito.id_acquisizione_siuss}"
                aggregate_id = uuid5(ESITI, chiave)
                if aggregate_id in nuovi or self._registrato(aggregate_id):
                    continue
                nostro = connection.execute(
                    select(flussi.c.comune, flussi.c.persona_id, flussi.c.tipo).where(
                        flussi.c.flusso_id == esito.id_flusso
                    )
                ).one_or_none()
                tipo = esito.tipo if nostro is None else nostro.tipo
                if tipo not in ("PS_PSA_SINA", "SINBA"):
                    log.warning("esito SIUSS senza tipo di flusso riconoscibile: ignorato")
                    continue
                with acting(
                    richiesta.context(None if nostro is None else nostro.comune, LEGAL_BASIS)
                ):
                    try:
                        nuovi[aggregate_id] = EsitoSiussRicevuto.model_validate(
                            {
                                "aggregate_id": aggregate_id,
                                "aggregate_version": 1,
                                "flusso_id": esito.id_flusso[:200],
                                "tipo": tipo,
                                "ts_flusso": esito.ts_flusso,
                                "ts_acquisizione": esito.ts_acquisizione,
                                "esito": esito.codice_esito,
                                "id_acquisizione": esito.id_acquisizione_siuss,
                                "comune": None if nostro is None else nostro.comune,
                                "persona_id": None if nostro is None else nostro.persona_id,
                                "descrizione": None
                                if nostro is None or not esito.descrizione_esito
                                else testo.ripulisci(
                                    esito.descrizione_esito[:4000], multilinea=True
                                ),
                            }
                        )
                    except ValidationError as errore:
                        # a value the spec admits and the record cannot hold: kept for
                        # review like an unreadable item, never a 500 INPS would resend
                        (primo, *_) = errore.errors()
                        campo = ".".join(str(p) for p in primo["loc"]) or "corpo"
                        da_scartare.append(
                            EsitoIlleggibile(
                                esito.indice,
                                campo,
                                "valore non registrabile",
                                None if nostro is None else esito.id_flusso,
                            )
                        )
                        continue
                if nostro is None:
                    log.warning("esito SIUSS per un flusso non emesso da questo distretto")
            for scarto in da_scartare:
                nostro_id = (
                    None
                    if scarto.id_flusso is None
                    else connection.execute(
                        select(flussi.c.flusso_id, flussi.c.comune).where(
                            flussi.c.flusso_id == scarto.id_flusso
                        )
                    ).one_or_none()
                )
                comune = None if nostro_id is None else nostro_id.comune
                with acting(richiesta.context(comune, LEGAL_BASIS)):
                    illeggibili.append(
                        EsitoSiussScartato.model_validate(
                            {
                                "aggregate_id": uuid4(),
                                "aggregate_version": 1,
                                "indice": scarto.indice,
                                "campo": scarto.campo[:200] or "corpo",
                                "motivo": scarto.motivo[:200] or "non leggibile",
                                "flusso_id": None if nostro_id is None else nostro_id.flusso_id,
                                "comune": comune,
                            }
                        )
                    )
        if illeggibili:
            log.warning(
                "esiti SIUSS non leggibili, conservati per i coordinatori: %d", len(illeggibili)
            )
        if nuovi or illeggibili:
            self.registro.save(*nuovi.values(), *illeggibili)
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
                .where(
                    flussi.c.stato.in_(("bloccato", "emesso")),
                    flussi.c.motivo.is_not(None),
                    scope.filtro(flussi.c.comune, None),
                )
                .order_by(flussi.c.posizione, flussi.c.chiave)
            ).all()
        return [
            {
                "tipo": r.tipo,
                "operazione": r.operazione,
                "comune": r.comune,
                "caso_id": r.caso_id,
                "intervento_id": r.intervento_id,
                "id_flusso": r.flusso_id,
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
            PERSONAL_DATA_READS.labels(service=self.registro.name, purpose=FINALITA_ANOMALIE).inc(
                len(letture)
            )
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

    def esiti_scartati(self, richiesta: Richiesta) -> list[dict[str, Any]]:
        """INPS's outcomes that could not be read, newest first: where and why, never a
        value. An item naming a flow of ours is listed to that comune's coordinators; one
        naming no flow of ours, to every coordinator (it holds nothing of anyone)."""
        scope = ambito(richiesta.principal, ANOMALIE)
        with self.views.reader.connect() as connection:
            rows = connection.execute(
                select(esiti_scartati)
                .where(
                    or_(
                        esiti_scartati.c.comune.is_(None),
                        scope.filtro(esiti_scartati.c.comune, None),
                    )
                )
                .order_by(esiti_scartati.c.posizione.desc())
                .limit(1000)
            ).all()
        return [
            {
                "ricevuto_il": _utc(r.ricevuto_il),
                "indice": r.indice,
                "campo": r.campo,
                "motivo": r.motivo,
                "id_flusso": r.flusso_id,
                "comune": r.comune,
            }
            for r in rows
        ]

    # -- issuing -----------------------------------------------------------------------------

    def emetti_dovuti(self, richiesta: Richiesta, comune: str | None = None) -> None:
        """Issues (or blocks) every due flow (of ``comune``, or all) in the order of the
        events that made it due, on today's stream; one writer at a time in this process,
        and the ledger's optimistic concurrency between processes. Nothing is issued while
        the read model lags behind reporting's own ledger: it would not know what was
        issued already."""
        with self._lock:
            if not self._attendi_propri():
                log.warning("flussi SIUSS non emessi: il modello di lettura è in ritardo")
                return
            self.registro.save_retrying(lambda: self._emissione(richiesta, comune))
            self._attendi_propri()

    def _attendi_propri(self) -> bool:
        posizione = self.registro.recorder.max_notification_id() or 0
        return not posizione or self.feed.wait_for("reporting", posizione, MAX_WAIT_SECONDS)

    def _emissione(self, richiesta: Richiesta, comune: str | None) -> list[GiornataSiuss]:
        query = select(flussi).where(flussi.c.stato == "da_emettere")
        if comune is not None:
            query = query.where(flussi.c.comune == comune)
        with self.views.reader.connect() as connection:
            dovuti = connection.execute(query.order_by(flussi.c.posizione, flussi.c.chiave)).all()
            precedente = _utc(connection.execute(select(func.max(flussi.c.ts_flusso))).scalar())
        if not dovuti:
            return []
        adesso = self.adesso()
        giorno = oggi(adesso)
        giornata = self.registro.find(id_giornata(giorno), GiornataSiuss)
        inseriti: set[str] = set()
        """Benefits whose insertion this batch issued (a cancellation needs one)."""
        for row in dovuti:
            if giornata is not None and row.chiave in giornata.chiavi:
                continue
            if not self.cartella_feed.wait_for("casework", int(row.posizione), MAX_WAIT_SECONDS):
                break  # the case's events are not in the cartella yet: next time
            dovuto = _dovuto(row)
            esito = self._superato(row, inseriti)
            fid = ts = None
            if esito is None:
                progressivo = 1 if giornata is None else giornata.prossimo(row.comune, row.tipo)
                fid = id_flusso(row.comune, row.tipo, giorno, progressivo)
                ts = ts_dopo(adesso, None if giornata is None else giornata.ultimo_ts, precedente)
                try:
                    self._xml(row, fid)
                except FlussoNonDovuto as e:
                    esito = (e.campo, e.motivo, True)
                except FlussoNonCostruibile as e:
                    esito = (e.campo, e.motivo, False)
                except FlussoNonValido as e:
                    esito = ("schema " + e.tipo, "; ".join(e.errori), False)
            with acting(richiesta.context(row.comune, LEGAL_BASIS)):
                if esito is None:
                    assert fid is not None
                    assert ts is not None
                    if giornata is None:
                        giornata = prima_emissione(giorno, dovuto, fid, ts)
                    else:
                        giornata.emetti(dovuto, fid, ts)
                    if row.operazione == "I" and row.intervento_id is not None:
                        inseriti.add(row.intervento_id)
                elif giornata is None:
                    giornata = primo_blocco(giorno, dovuto, *esito)
                else:
                    giornata.blocca(dovuto, *esito)
        return [] if giornata is None else [giornata]

    def _superato(self, row: Row[Any], inseriti: set[str]) -> tuple[str, str, bool] | None:
        """A PS flow no longer due: an insertion of a benefit withdrawn since (INPS must not
        hear of it), or a cancellation of a benefit whose insertion was never sent."""
        if row.tipo != PS or row.intervento_id is None:
            return None
        with self.views.reader.connect() as connection:
            if row.operazione == "I":
                stato = connection.execute(
                    select(interventi.c.stato).where(
                        interventi.c.intervento_id == row.intervento_id
                    )
                ).scalar()
                if stato == "annullato":
                    return ("PrestazioniSociali", "prestazione annullata prima dell'invio", True)
                return None
            inviato = (
                row.intervento_id in inseriti
                or connection.execute(
                    select(flussi.c.chiave).where(
                        flussi.c.intervento_id == row.intervento_id,
                        flussi.c.operazione == "I",
                        flussi.c.stato == "emesso",
                    )
                ).first()
                is not None
            )
        if not inviato:
            return ("PrestazioniSociali", "nessun inserimento inviato da annullare", True)
        return None

    def _servi(
        self, richiesta: Richiesta, rows: Sequence[Row[Any]], endpoint: str
    ) -> list[FlussoServito]:
        serviti: list[FlussoServito] = []
        letture = []
        non_inviabili: list[tuple[Row[Any], FlussoNonCostruibile | FlussoNonValido]] = []
        district = self.identity.district()
        for row in rows:
            try:
                xml = self._xml(row, row.flusso_id)
            except (FlussoNonCostruibile, FlussoNonValido) as e:
                non_inviabili.append((row, e))
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
            PERSONAL_DATA_READS.labels(service=self.registro.name, purpose=FINALITA).inc(
                len(letture)
            )
        if non_inviabili:
            self._blocca_emessi(richiesta, non_inviabili)
        return serviti

    def _blocca_emessi(
        self,
        richiesta: Richiesta,
        falliti: Sequence[tuple[Row[Any], FlussoNonCostruibile | FlussoNonValido]],
    ) -> None:
        """Issued flows that can no longer be built (their person erased since): recorded
        as blocked, with the reason, and never sent again."""

        def attempt() -> list[GiornataSiuss]:
            giorno = oggi(self.adesso())
            giornata = self.registro.find(id_giornata(giorno), GiornataSiuss)
            for row, errore in falliti:
                if isinstance(errore, FlussoNonValido):
                    campo, motivo = "schema " + errore.tipo, "; ".join(errore.errori)
                else:
                    campo, motivo = errore.campo, errore.motivo
                with acting(richiesta.context(row.comune, LEGAL_BASIS)):
                    if giornata is None:
                        giornata = primo_blocco(giorno, _dovuto(row), campo, motivo)
                    else:
                        giornata.blocca(_dovuto(row), campo, motivo)
            return [] if giornata is None else [giornata]

        log.warning("flussi SIUSS emessi e non più costruibili: %d", len(falliti))
        self.registro.save_retrying(attempt)

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
        try:
            if row.tipo == PS:
                xml = costruisci_ps(flusso_ps(richiesta, eventi, contesto))
            else:
                xml = costruisci_sinba(flusso_sinba(richiesta, eventi, contesto))
        except (FlussoNonCostruibile, FlussoNonValido):
            raise
        except ERRORI_DEI_DATI as errore:
            # a stored value the builder did not foresee (lxml refuses a character, an old
            # event's shape): this flow is blocked, the feed goes on (decision 0033)
            log.warning("flusso SIUSS non costruibile: %s", type(errore).__name__)
            raise FlussoNonCostruibile(
                "Flusso", "dato memorizzato non rappresentabile nel flusso (da correggere)"
            ) from None
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


def giorno_del_flusso(flusso_id: str) -> date:
    """The creation date an id carries (``EEEE.TIPO.AAAAMMGG.NNNNNNN``)."""
    return datetime.strptime(flusso_id.split(".")[2], "%Y%m%d").date()


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
