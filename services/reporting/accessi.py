"""The access log (design section 2): every read of personal data that any service served,
from the ``DatiPersonaliLetti`` each one records in its own ledger, by case and by user.

Rows hold who read (user, role, the comune they read for), what (kind and id of the record,
the person's pseudonymous id), why (the purpose's code), where (the endpoint's template,
never a value) and when: no personal value, so listing them records no read. Who may list
them: ``reporting.accessi.legge`` (a coordinatore the reads made for their comuni, an
amministratore all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    MetaData,
    Row,
    String,
    Table,
    select,
)

from shared.auth.policy import visible_comuni
from shared.auth.principal import Principal
from shared.db import Engines
from shared.paging import Pagina, fetch_page
from shared.projections.base import WireEvent, instant

LEGGE = "reporting.accessi.legge"

metadata = MetaData()
accessi = Table(
    "reporting_accessi",
    metadata,
    Column("fonte", String(20), primary_key=True),
    Column("posizione", BigInteger, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("utente", String(100), nullable=False, index=True),
    Column("ruolo", String(30), nullable=False),
    Column("comune", String(4), index=True),
    Column("oggetto", String(200), nullable=False),
    Column("oggetto_id", String(36), nullable=False, index=True),
    Column("persona_id", String(20), index=True),
    Column("finalita", String(40), nullable=False),
    Column("endpoint", String(200), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
)
"""One row per read, keyed by the ledger that recorded it (``fonte``, the service that
served the read) and its position there."""


class RegistroAccessi:
    name = "reporting.accessi"
    sources: tuple[str, ...] = ("intake", "casework", "network", "reporting")
    event_types = frozenset({"DatiPersonaliLetti"})
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        actor = data["actor"]
        connection.execute(
            accessi.insert().values(
                fonte=event.source,
                posizione=event.position,
                event_id=str(data["event_id"]),
                utente=actor["user"],
                ruolo=actor["role"],
                comune=actor.get("comune"),
                oggetto=data["oggetto"],
                oggetto_id=str(data["oggetto_id"]),
                persona_id=data.get("persona_id"),
                finalita=data["finalita"],
                endpoint=data["endpoint"],
                occurred_at=instant(str(data["occurred_at"])),
            )
        )


@dataclass(frozen=True)
class Accesso:
    fonte: str
    posizione: int
    event_id: str
    utente: str
    ruolo: str
    comune: str | None
    oggetto: str
    oggetto_id: str
    persona_id: str | None
    finalita: str
    endpoint: str
    occurred_at: datetime


def _accesso(row: Row[Any]) -> Accesso:
    values = dict(row._mapping)
    moment = values["occurred_at"]
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        values["occurred_at"] = moment.replace(tzinfo=UTC)
    values["posizione"] = int(values["posizione"])
    return Accesso(**values)


class AccessiQueries:
    def __init__(self, views: Engines) -> None:
        self.views = views

    def elenco(
        self,
        principal: Principal,
        *,
        caso_id: UUID | None = None,
        utente: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Pagina:
        """The reads of one record (a case) or by one user, most recent first; a
        coordinatore sees those made for their comuni (403 for a role that sees none)."""
        comuni = visible_comuni(principal, LEGGE)
        a = accessi.c
        query = select(accessi).order_by(a.occurred_at.desc(), a.fonte, a.posizione.desc())
        if comuni is not None:
            query = query.where(a.comune.in_(sorted(comuni)))
        if caso_id is not None:
            query = query.where(a.oggetto_id == str(caso_id))
        if utente is not None:
            query = query.where(a.utente == utente)
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        return Pagina([_accesso(row) for row in page.items], page.next_offset)
