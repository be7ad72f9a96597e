"""Which SIUSS flows are due (read model ``reporting.siuss``), from the casework events and
from reporting's own record of what it issued, blocked, and heard back from INPS.

Only pseudonymous facts: ids, codes, versions, states. A flow's XML is built again from the
case's events on every request and never stored (design section 12). Decision 0025 says which
event makes which flow:

- PS-PSA-SINA, per benefit: an intervention started, ended (concluded, or verified as
  concluded) or withdrawn (a cancellation, ``C``); an assessment with SINA items restates
  every running benefit of the case.
- SINBA, per minor taken in charge: every event that changes what the flow says, once the
  case has a SINBA assessment, a household and a benefit (before that there is nothing to
  report, so nothing is due).

Reporting's events (``FlussoSiussEmesso``, ``FlussoSiussBloccato``) restate the whole due
flow, so a rebuild gives the same rows whichever ledger it reads first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    case,
    or_,
    select,
    update,
)

from shared.db import dialect_insert
from shared.projections.base import WireEvent, instant

EPOCA: Final = datetime(1970, 1, 1, tzinfo=UTC)
FASCE_MINORI: Final = frozenset({"0-2", "3-5", "6-10", "11-13", "14-17"})

metadata = MetaData()
flussi = Table(
    "reporting_siuss_flussi",
    metadata,
    Column("chiave", String(100), primary_key=True),
    Column("tipo", String(12), nullable=False),
    Column("operazione", String(1), nullable=False),
    Column("comune", String(4), nullable=False, index=True),
    Column("caso_id", String(36), nullable=False, index=True),
    Column("persona_id", String(20), nullable=False),
    Column("intervento_id", String(36)),
    Column("evento_id", String(36), nullable=False),
    Column("versione_caso", Integer, nullable=False),
    Column("versione_evento", Integer, nullable=False),
    Column("posizione", BigInteger, nullable=False, index=True),
    Column("stato", String(12), nullable=False, index=True),
    Column("flusso_id", String(64), unique=True),
    Column("ts_flusso", DateTime(timezone=True)),
    Column("ts_ms", BigInteger, index=True),
    Column("emesso_posizione", BigInteger),
    Column("campo", String(200)),
    Column("motivo", String(200)),
)
"""One row per due flow: ``stato`` is ``da_emettere``, ``emesso``, ``bloccato`` or
``superato`` (no longer due); once issued, its id and timestamp (``ts_ms``: whole
milliseconds since the epoch, what ``since`` compares with) from the first issuing recorded
(``emesso_posizione``, reporting's ledger); ``campo`` and ``motivo`` say what blocks it, also
for an issued flow that can no longer be built (it is then never sent again)."""
esiti = Table(
    "reporting_siuss_esiti",
    metadata,
    Column("flusso_id", String(200), primary_key=True),
    Column("esito", String(20), nullable=False),
    Column("id_acquisizione", String(200)),
    Column("evento_id", String(36), nullable=False),
    Column("descrizione", JSON),
    Column("posizione", BigInteger, nullable=False),
)
"""INPS's latest outcome per flow (the latest recorded: highest position in reporting's
ledger, whatever order the topic's partitions deliver them in); its description as
recorded, still encrypted. A table of its own: an outcome may be read before the flow's
issuing when a rebuild reads another partition first."""
esiti_scartati = Table(
    "reporting_siuss_esiti_scartati",
    metadata,
    Column("evento_id", String(36), primary_key=True),
    Column("ricevuto_il", DateTime(timezone=True), nullable=False),
    Column("indice", Integer, nullable=False),
    Column("campo", String(200), nullable=False),
    Column("motivo", String(200), nullable=False),
    Column("flusso_id", String(200)),
    Column("comune", String(4), index=True),
    Column("posizione", BigInteger, nullable=False, index=True),
)
"""INPS's outcomes that could not be read (``EsitoSiussScartato``): the field and the
reason, for coordinators to review with INPS (decision 0033); the comune only when the
item names a flow of ours."""
casi = Table(
    "reporting_siuss_casi",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("persona_id", String(20), nullable=False),
    Column("comune", String(4), nullable=False),
    Column("minore", Boolean, nullable=False),
    Column("sinba", Boolean, nullable=False),
    Column("nucleo", Boolean, nullable=False),
)
"""What decides whether a SINBA flow is due: a minor (by the age band at opening) with a
SINBA assessment and a household."""
interventi = Table(
    "reporting_siuss_interventi",
    metadata,
    Column("intervento_id", String(36), primary_key=True),
    Column("caso_id", String(36), nullable=False, index=True),
    Column("stato", String(10), nullable=False),
    Column("versione_inserimento", Integer, nullable=False),
)
"""Each benefit: ``attivo``, ``concluso`` or ``annullato``, and the case version its latest
insertion flow was read at (a cancellation restates that content)."""

PS: Final = "PS_PSA_SINA"
SINBA: Final = "SINBA"
EVENTI_SINBA: Final = frozenset(
    {
        "InterventoAttivato",
        "InterventoConcluso",
        "InterventoVerificato",
        "InterventoAnnullato",
        "ValutazioneEffettuata",
        "ValutazioneRettificata",
        "NucleoFamiliareRegistrato",
        "SegnalazioneTribunale",
        "ProvvedimentoRecepito",
        "CasoChiuso",
    }
)


def chiave(evento_id: str, tipo: str, intervento_id: str | None) -> str:
    """A due flow's key: one per event, type and benefit."""
    return f"{evento_id}:{'PS' if tipo == PS else 'SINBA'}:{intervento_id or ''}"


class FlussiSiuss:
    name = "reporting.siuss"
    sources: tuple[str, ...] = ("casework", "reporting")
    event_types = frozenset(
        {
            "CasoAperto",
            *EVENTI_SINBA,
            "FlussoSiussEmesso",
            "FlussoSiussBloccato",
            "EsitoSiussRicevuto",
            "EsitoSiussScartato",
        }
    )
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        if event.source == "reporting":
            self._reporting(connection, event)
            return
        data = event.data
        caso_id = event.aggregate_id
        if event.type == "CasoAperto":
            profilo = data["profilo"]
            connection.execute(
                dialect_insert(connection, casi)
                .values(
                    caso_id=caso_id,
                    persona_id=data["persona_id"],
                    comune=profilo["comune"],
                    minore=profilo.get("fascia_eta") in FASCE_MINORI,
                    sinba=False,
                    nucleo=False,
                )
                .on_conflict_do_nothing()
            )
            return
        caso = connection.execute(select(casi).where(casi.c.caso_id == caso_id)).one_or_none()
        if caso is None:
            return
        dovuti = self._ps(connection, event, caso)
        if caso.minore and self._sinba_dovuto(connection, event, caso):
            dovuti.append(self._dovuto(event, caso, SINBA, None, "I"))
        for dovuto in dovuti:
            connection.execute(
                dialect_insert(connection, flussi).values(**dovuto).on_conflict_do_nothing()
            )

    def _ps(self, connection: Connection, event: WireEvent, caso: Any) -> list[dict[str, Any]]:
        data = event.data
        versione = int(data["aggregate_version"])
        tipo = event.type
        if tipo == "InterventoAttivato":
            intervento = str(data["intervento_id"])
            connection.execute(
                dialect_insert(connection, interventi)
                .values(
                    intervento_id=intervento,
                    caso_id=caso.caso_id,
                    stato="attivo",
                    versione_inserimento=versione,
                )
                .on_conflict_do_nothing()
            )
            return [self._dovuto(event, caso, PS, intervento, "I")]
        if tipo in ("InterventoConcluso", "InterventoVerificato", "InterventoAnnullato"):
            if tipo == "InterventoVerificato" and not data.get("concluso"):
                return []
            intervento = str(data["intervento_id"])
            found = connection.execute(
                select(interventi).where(interventi.c.intervento_id == intervento)
            ).one_or_none()
            if found is None or found.stato == "annullato":
                return []
            if tipo == "InterventoAnnullato":
                self._stato(connection, intervento, "annullato")
                return [
                    self._dovuto(
                        event, caso, PS, intervento, "C", versione_caso=found.versione_inserimento
                    )
                ]
            if found.stato == "concluso":
                return []  # a second end (verified after concluded) changes nothing
            self._stato(connection, intervento, "concluso", versione)
            return [self._dovuto(event, caso, PS, intervento, "I")]
        if tipo in ("ValutazioneEffettuata", "ValutazioneRettificata") and data.get("sina"):
            attivi = connection.execute(
                select(interventi.c.intervento_id)
                .where(interventi.c.caso_id == caso.caso_id, interventi.c.stato == "attivo")
                .order_by(interventi.c.intervento_id)
            ).scalars()
            dovuti = []
            for intervento in list(attivi):
                self._stato(connection, intervento, "attivo", versione)
                dovuti.append(self._dovuto(event, caso, PS, intervento, "I"))
            return dovuti
        return []

    def _sinba_dovuto(self, connection: Connection, event: WireEvent, caso: Any) -> bool:
        if event.type not in EVENTI_SINBA:
            return False
        data = event.data
        valori: dict[str, Any] = {}
        if event.type in ("ValutazioneEffettuata", "ValutazioneRettificata"):
            if not data.get("sinba"):
                return False
            valori["sinba"] = True
        if event.type == "NucleoFamiliareRegistrato":
            valori["nucleo"] = True
        if event.type == "InterventoVerificato" and not data.get("concluso"):
            return False
        if valori:
            connection.execute(update(casi).where(casi.c.caso_id == caso.caso_id).values(**valori))
        sinba = valori.get("sinba", caso.sinba)
        nucleo = valori.get("nucleo", caso.nucleo)
        prestazioni = connection.execute(
            select(interventi.c.intervento_id).where(
                interventi.c.caso_id == caso.caso_id, interventi.c.stato != "annullato"
            )
        ).first()
        return bool(sinba and nucleo and prestazioni is not None)

    @staticmethod
    def _stato(
        connection: Connection, intervento: str, stato: str, versione: int | None = None
    ) -> None:
        valori: dict[str, Any] = {"stato": stato}
        if versione is not None:
            valori["versione_inserimento"] = versione
        connection.execute(
            update(interventi).where(interventi.c.intervento_id == intervento).values(**valori)
        )

    @staticmethod
    def _dovuto(
        event: WireEvent,
        caso: Any,
        tipo: str,
        intervento: str | None,
        operazione: str,
        *,
        versione_caso: int | None = None,
    ) -> dict[str, Any]:
        data = event.data
        versione = int(data["aggregate_version"])
        evento_id = str(data["event_id"])
        return {
            "chiave": chiave(evento_id, tipo, intervento),
            "tipo": tipo,
            "operazione": operazione,
            "comune": caso.comune,
            "caso_id": caso.caso_id,
            "persona_id": caso.persona_id,
            "intervento_id": intervento,
            "evento_id": evento_id,
            "versione_caso": versione_caso or versione,
            "versione_evento": versione,
            "posizione": event.position,
            "stato": "da_emettere",
        }

    def _reporting(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        if event.type == "EsitoSiussScartato":
            connection.execute(
                dialect_insert(connection, esiti_scartati)
                .values(
                    evento_id=str(data["event_id"]),
                    ricevuto_il=instant(str(data["occurred_at"])),
                    indice=int(data["indice"]),
                    campo=data["campo"],
                    motivo=data["motivo"],
                    flusso_id=data.get("flusso_id"),
                    comune=data.get("comune"),
                    posizione=event.position,
                )
                .on_conflict_do_nothing()
            )
            return
        if event.type == "EsitoSiussRicevuto":
            valori = {
                "esito": data["esito"],
                "id_acquisizione": data.get("id_acquisizione"),
                "evento_id": str(data["event_id"]),
                "descrizione": data.get("descrizione"),
                "posizione": event.position,
            }
            statement = dialect_insert(connection, esiti).values(
                flusso_id=data["flusso_id"], **valori
            )
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["flusso_id"],
                    set_=valori,
                    where=esiti.c.posizione < statement.excluded.posizione,
                )
            )
            return
        dovuto = data["flusso"]
        riga = {
            "chiave": dovuto["chiave"],
            "tipo": dovuto["tipo"],
            "operazione": dovuto["operazione"],
            "comune": dovuto["comune"],
            "caso_id": str(dovuto["caso_id"]),
            "persona_id": dovuto["persona_id"],
            "intervento_id": None
            if dovuto.get("intervento_id") is None
            else str(dovuto["intervento_id"]),
            "evento_id": str(dovuto["evento_id"]),
            "versione_caso": int(dovuto["versione_caso"]),
            "versione_evento": int(dovuto["versione_evento"]),
            "posizione": int(dovuto["posizione"]),
        }
        if event.type == "FlussoSiussEmesso":
            ts = instant(str(data["ts_flusso"]))
            emissione = {
                "stato": "emesso",
                "flusso_id": data["flusso_id"],
                "ts_flusso": ts,
                "ts_ms": millisecondi(ts),
                "emesso_posizione": event.position,
            }
            statement = dialect_insert(connection, flussi).values(**riga, **emissione)
            # the first issuing recorded wins, whatever order a rebuild reads them in
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["chiave"],
                    set_=emissione,
                    where=or_(
                        flussi.c.emesso_posizione.is_(None),
                        flussi.c.emesso_posizione > statement.excluded.emesso_posizione,
                    ),
                )
            )
            return
        stato = "superato" if data.get("superato") else "bloccato"
        blocco = {"campo": data["campo"], "motivo": data["motivo"]}
        statement = dialect_insert(connection, flussi).values(**riga, **blocco, stato=stato)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["chiave"],
                set_={
                    **blocco,
                    # an issued flow keeps its id: it is only never sent again
                    "stato": case((flussi.c.stato == "emesso", "emesso"), else_=stato),
                },
            )
        )


def millisecondi(ts: datetime) -> int:
    """An instant as whole milliseconds since the epoch (``since`` of the API); exact
    integer arithmetic, never a float."""
    return (ts - EPOCA) // timedelta(milliseconds=1)
