"""Caseloads and deadlines (read model ``reporting.carichi``), fed by the casework ledger.

Two tables: one row per case (where it stands and whose it is) and one row per deadline fact
(a project review, an intervention's final verification, a court report), kept by the pure
rules of ``shared.scadenze``. Rows hold facts as they happened: UTC instants
and the dates the events carry. "Due this week" and "overdue" are computed at query time in
Europe/Rome, so a rebuild equals the incremental state row for row. Personal fields arrive
encrypted and are never stored here: ids, codes, states, dates only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    select,
    update,
)

from shared import scadenze as regole
from shared.db import dialect_insert
from shared.projections.base import WireEvent, instant

metadata = MetaData()
carichi_casi = Table(
    "reporting_carichi_casi",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False, index=True),
    Column("assistente_sociale", String(200), index=True),
    Column("stato", String(10), nullable=False, index=True),
    Column("aperto_il", DateTime(timezone=True), nullable=False),
    Column("assegnato_il", DateTime(timezone=True)),
    Column("in_carico_dal", DateTime(timezone=True)),
    Column("chiuso_il", DateTime(timezone=True)),
    Column("progetto", Boolean, nullable=False),
    Column("posizione", BigInteger, nullable=False),
)
"""One row per case: ``stato`` is ``in_attesa``, ``assegnato`` (assigned or reassigned, not
yet taken in charge), ``in_carico`` or ``chiuso``; ``area_utenza`` is the latest
assignment's; ``posizione`` the ledger position of its latest event that changed the row."""
carichi_scadenze = Table(
    "reporting_carichi_scadenze",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("tipo", String(20), primary_key=True),
    Column("riferimento", String(36), primary_key=True),
    Column("entro", Date, index=True),
    Column("concluso", Boolean, nullable=False),
    Column("assolta", Boolean, nullable=False),
)
"""One row per deadline fact (``scadenze.Fatto``): ``riferimento`` is the intervention's or
the order's id (empty for the project review), ``entro`` its due date (None while an
intervention runs with no planned end), ``assolta`` once met. Owed: ``entro`` set, not
``assolta``, and the case not closed."""

EVENT_TYPES = frozenset(
    {"CasoAperto", "AssistenteSocialeAssegnato", "PresaInCarico", "CasoChiuso"} | regole.EVENTI
)


class CarichiReporting:
    name = "reporting.carichi"
    sources: tuple[str, ...] = ("casework",)
    event_types = EVENT_TYPES
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        caso_id = event.aggregate_id
        if event.type == "CasoAperto":
            connection.execute(
                carichi_casi.insert().values(
                    caso_id=caso_id,
                    comune=data["profilo"]["comune"],
                    area_utenza=data["area_utenza"],
                    stato="in_attesa",
                    aperto_il=instant(data["occurred_at"]),
                    progetto=False,
                    posizione=event.position,
                )
            )
        elif event.type == "AssistenteSocialeAssegnato":
            self._caso(
                connection,
                event,
                stato="assegnato",
                assistente_sociale=data["assistente_sociale"],
                area_utenza=data["area_utenza"],
                assegnato_il=instant(data["occurred_at"]),
                in_carico_dal=None,
            )
        elif event.type == "PresaInCarico":
            self._caso(
                connection,
                event,
                stato="in_carico",
                assistente_sociale=data["assistente_sociale"],
                in_carico_dal=instant(data["occurred_at"]),
            )
        elif event.type == "CasoChiuso":
            self._caso(connection, event, stato="chiuso", chiuso_il=instant(data["occurred_at"]))
        if event.type == "ProgettoDefinito":
            self._caso(connection, event, progetto=True)
        if event.type in regole.EVENTI:
            self._fatti(connection, caso_id, event.type, data)

    def _caso(self, connection: Connection, event: WireEvent, **values: Any) -> None:
        connection.execute(
            update(carichi_casi)
            .where(carichi_casi.c.caso_id == event.aggregate_id)
            .values(posizione=event.position, **values)
        )

    def _fatti(
        self, connection: Connection, caso_id: str, tipo_evento: str, data: dict[str, Any]
    ) -> None:
        """Loads the case's facts, applies the rules, writes back what changed."""
        s = carichi_scadenze.c
        rows = connection.execute(select(carichi_scadenze).where(s.caso_id == caso_id))
        fatti = {
            (r.tipo, r.riferimento): regole.Fatto(
                r.tipo, r.riferimento, r.entro, bool(r.concluso), bool(r.assolta)
            )
            for r in rows
        }
        for fatto in regole.applica(fatti, tipo_evento, data):
            values = {"entro": fatto.entro, "concluso": fatto.concluso, "assolta": fatto.assolta}
            connection.execute(
                dialect_insert(connection, carichi_scadenze)
                .values(caso_id=caso_id, tipo=fatto.tipo, riferimento=fatto.riferimento, **values)
                .on_conflict_do_update(
                    index_elements=["caso_id", "tipo", "riferimento"], set_=values
                )
            )
