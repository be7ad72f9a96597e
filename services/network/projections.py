"""The network service's read models: its registers (collaborations, meetings, quality
checks) and the facts of the map, fed by every service's events.

Facts are stored as they happened (UTC times, node ids); periods, weights and rankings are
worked out when asked (``services.network.mappa``), so a rebuild equals the incremental
state and any period can be chosen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    delete,
    update,
)

from shared.projections.base import WireEvent, occurred

SEGRETARIATO = "segretariato_sociale"
SERVIZIO_SOCIALE = "servizio_sociale_professionale"

metadata = MetaData()
collaborazioni = Table(
    "rete_collaborazioni",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tipo", String(40), nullable=False),
    Column("oggetto", Text, nullable=False),
    Column("parti", JSON, nullable=False),
    Column("inizio", Date, nullable=False),
    Column("fine", Date),
    Column("motivo_conclusione", Text),
)
incontri = Table(
    "rete_incontri",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("data", Date, nullable=False, index=True),
    Column("partecipanti", JSON, nullable=False),
    Column("servizi_distretto", JSON, nullable=False),
    Column("temi", JSON, nullable=False),
    Column("decisioni", Text, nullable=False),
)
controlli = Table(
    "rete_controlli",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("risorsa_id", String(36), nullable=False, index=True),
    Column("data", Date, nullable=False),
    Column("rilievi", Text, nullable=False),
    Column("esito", String(30), nullable=False),
)
flussi = Table(
    "rete_flussi",
    metadata,
    Column("source", String(20), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("tipo", String(20), nullable=False),
    Column("da", String(40), nullable=False),
    Column("a", String(40), nullable=False),
    Column("avvenuto_il", DateTime(timezone=True), nullable=False),
    Column("intervento_id", String(36), index=True),
)
"""A flow that a case made real: a referral (intake to a resource), an intervention
(casework to its provider, with its ``intervento_id``), a hand-over (intake to casework).
An intervention withdrawn as recorded by mistake (InterventoAnnullato) never happened: its
flow is removed, so the map counts no tie it did not make."""
domanda = Table(
    "rete_domanda",
    metadata,
    Column("source", String(20), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("comune", String(4), nullable=False),
    Column("area", String(10), nullable=False),
    Column("avvenuto_il", DateTime(timezone=True), nullable=False),
)
"""Recorded demand: each request received, and each case opened without a request."""


def _day(value: str) -> date:
    return date.fromisoformat(value)


class MappaRete:
    name = "network.mappa"
    sources: tuple[str, ...] = ("network", "intake", "casework")
    event_types = frozenset(
        {
            "CollaborazioneAvviata",
            "CollaborazioneConclusa",
            "IncontroDiReteSvolto",
            "ControlloQualitaEffettuato",
            "DomandaRicevuta",
            "DomandaOrientata",
            "DomandaInoltrata",
            "CasoAperto",
            "InterventoAttivato",
            "InterventoAnnullato",
        }
    )
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        handler = getattr(self, f"_{event.type}")
        handler(connection, event, data)

    def _CollaborazioneAvviata(  # noqa: N802 - named after the event
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            collaborazioni.insert().values(
                id=event.aggregate_id,
                tipo=data["tipo"],
                oggetto=data["oggetto"],
                parti=[*data.get("servizi_distretto", []), *data["risorse"]],
                inizio=_day(data["inizio"]),
            )
        )

    def _CollaborazioneConclusa(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            update(collaborazioni)
            .where(collaborazioni.c.id == event.aggregate_id)
            .values(fine=_day(data["fine"]), motivo_conclusione=data["motivo"])
        )

    def _IncontroDiReteSvolto(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            incontri.insert().values(
                id=event.aggregate_id,
                data=_day(data["data"]),
                partecipanti=data["partecipanti"],
                servizi_distretto=data.get("servizi_distretto", []),
                temi=data["temi"],
                decisioni=data["decisioni"],
            )
        )

    def _ControlloQualitaEffettuato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            controlli.insert().values(
                id=event.aggregate_id,
                risorsa_id=str(data["risorsa_id"]),
                data=_day(data["data"]),
                rilievi=data["rilievi"],
                esito=data["esito"],
            )
        )

    def _flow(
        self,
        connection: Connection,
        event: WireEvent,
        tipo: str,
        da: str,
        a: str,
        intervento_id: str | None = None,
    ) -> None:
        connection.execute(
            flussi.insert().values(
                source=event.source,
                position=event.position,
                tipo=tipo,
                da=da,
                a=a,
                avvenuto_il=occurred(event),
                intervento_id=intervento_id,
            )
        )

    def _demand(self, connection: Connection, event: WireEvent, comune: str, area: str) -> None:
        connection.execute(
            domanda.insert().values(
                source=event.source,
                position=event.position,
                comune=comune,
                area=area,
                avvenuto_il=occurred(event),
            )
        )

    def _DomandaRicevuta(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._demand(connection, event, data["comune"], data["area_utenza"])

    def _CasoAperto(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        if data["origine"] != "inoltro":  # a hand-over's demand was counted at intake
            self._demand(connection, event, data["profilo"]["comune"], data["area_utenza"])

    def _DomandaOrientata(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._flow(connection, event, "invio", SEGRETARIATO, str(data["risorsa_id"]))

    def _DomandaInoltrata(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._flow(connection, event, "inoltro", SEGRETARIATO, SERVIZIO_SOCIALE)

    def _InterventoAttivato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        if data.get("risorsa_id"):  # provided by the district itself otherwise
            self._flow(
                connection,
                event,
                "intervento",
                SERVIZIO_SOCIALE,
                str(data["risorsa_id"]),
                str(data["intervento_id"]),
            )

    def _InterventoAnnullato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        """A withdrawn intervention never happened: its tie leaves the map."""
        f = flussi.c
        connection.execute(
            delete(flussi).where(
                (f.source == event.source)
                & (f.tipo == "intervento")
                & (f.intervento_id == str(data["intervento_id"]))
            )
        )
