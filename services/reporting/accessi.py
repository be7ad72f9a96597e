"""The access log (design section 2): every read of personal data that any service served,
from the ``DatiPersonaliLetti`` each one records in its own ledger, by case and by user.

Rows hold who read (user, role, the comune they read for), what (kind and id of the record,
the person's pseudonymous id), why (the purpose's code), where (the endpoint's template,
never a value) and when: no personal value, so listing them records no read. Who may list
them: ``reporting.accessi.legge`` (a coordinatore the reads made for their comuni, an
amministratore and the dpo all; decision 0030).

Break-glass reads (purpose ``EMERGENZA``) also get a row in ``reporting_accessi_emergenza``,
which holds their reason as stored (ciphertext) and the coordinatore's decision on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    MetaData,
    Row,
    String,
    Table,
    func,
    select,
)

from services.reporting.cartella import casi
from shared.auth.policy import authorize_read, require_role, visible_comuni
from shared.auth.principal import Principal
from shared.db import Engines
from shared.errors import NotFound
from shared.paging import Pagina, fetch_page
from shared.projections.base import NotYetProjected, ProjectionFeed, WireEvent, instant

LEGGE = "reporting.accessi.legge"
EMERGENZA = "EMERGENZA"
DECISIONI = {"AccessoEmergenzaConfermato": "confermato", "AccessoEmergenzaContestato": "contestato"}
MAX_WAIT_SECONDS = 5.0

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

letture_emergenza = Table(
    "reporting_accessi_emergenza",
    metadata,
    Column("lettura_id", String(36), primary_key=True),
    Column("fonte", String(20), nullable=False),
    Column("posizione", BigInteger, nullable=False),
    Column("caso_id", String(36), nullable=False, index=True),
    Column("persona_id", String(20), index=True),
    Column("comune", String(4), index=True),
    Column("utente", String(100), nullable=False),
    Column("ruolo", String(30), nullable=False),
    Column("motivo", JSON),  # as stored: encrypted under the person's key
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
)
"""One row per break-glass read (decision 0030)."""
decisioni_emergenza = Table(
    "reporting_accessi_emergenza_decisioni",
    metadata,
    Column("lettura_id", String(36), primary_key=True),
    Column("stato", String(20), nullable=False),
    Column("decisione_id", String(36), nullable=False),  # its ``nota`` is sealed with it
    Column("decisione_utente", String(100), nullable=False),
    Column("decisione_ruolo", String(30), nullable=False),
    Column("decisione_at", DateTime(timezone=True), nullable=False),
    Column("nota", JSON),
)
"""The coordinatore's review of a break-glass read: a table of its own, because the read and
its review are events of different aggregates, which Kafka may deliver in either order (a
rebuild must not lose the review)."""
emergenze = (
    select(
        letture_emergenza,
        func.coalesce(decisioni_emergenza.c.stato, "da_rivedere").label("stato"),
        decisioni_emergenza.c.decisione_id,
        decisioni_emergenza.c.decisione_utente,
        decisioni_emergenza.c.decisione_ruolo,
        decisioni_emergenza.c.decisione_at,
        decisioni_emergenza.c.nota,
    )
    .select_from(
        letture_emergenza.outerjoin(
            decisioni_emergenza,
            decisioni_emergenza.c.lettura_id == letture_emergenza.c.lettura_id,
        )
    )
    .subquery("emergenze")
)
"""Each break-glass read with its review: ``da_rivedere`` until the coordinatore of the
case's comune confirms or contests it."""


class RegistroAccessi:
    name = "reporting.accessi"
    sources: tuple[str, ...] = ("intake", "casework", "network", "reporting")
    event_types = frozenset({"DatiPersonaliLetti", *DECISIONI})
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        actor = data["actor"]
        if event.type in DECISIONI:
            connection.execute(
                decisioni_emergenza.insert().values(
                    lettura_id=str(data["lettura_id"]),
                    stato=DECISIONI[event.type],
                    decisione_id=str(data["event_id"]),
                    decisione_utente=actor["user"],
                    decisione_ruolo=actor["role"],
                    decisione_at=instant(str(data["occurred_at"])),
                    nota=data.get("nota"),
                )
            )
            return
        if data["finalita"] == EMERGENZA:
            connection.execute(
                letture_emergenza.insert().values(
                    lettura_id=str(data["event_id"]),
                    fonte=event.source,
                    posizione=event.position,
                    caso_id=str(data["oggetto_id"]),
                    persona_id=data.get("persona_id"),
                    comune=actor.get("comune"),
                    utente=actor["user"],
                    ruolo=actor["role"],
                    motivo=data.get("motivo"),
                    occurred_at=instant(str(data["occurred_at"])),
                )
            )
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
    return _accesso_from(dict(row._mapping))


def _accesso_from(values: dict[str, Any]) -> Accesso:
    moment = values["occurred_at"]
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        values["occurred_at"] = moment.replace(tzinfo=UTC)
    values["posizione"] = int(values["posizione"])
    return Accesso(**values)


class AccessiQueries:
    def __init__(self, views: Engines, feed: ProjectionFeed | None = None) -> None:
        self.views = views
        self.feed = feed

    def attendi(self, posizioni: dict[str, int]) -> None:
        """Waits (bounded) until the log holds each ledger's reads up to the given position
        (``NotYetProjected`` otherwise): the citizen's report is complete, not lagging."""
        for fonte, posizione in posizioni.items():
            if posizione <= 0:
                continue
            if self.feed is None or not self.feed.wait_for(fonte, posizione, MAX_WAIT_SECONDS):
                raise NotYetProjected

    def del_caso(
        self, principal: Principal, caso_id: UUID, *, offset: int = 0, limit: int = 50
    ) -> Pagina:
        """A case's reads, newest first: for whoever may read the log of the case's comune
        (403 before any lookup for a role that may never; 404 for an unknown case and,
        identically, for a case of another comune). Reads of its break-glass reviews are the
        person's, not the case's."""
        require_role(principal, LEGGE)
        with self.views.reader.connect() as connection:
            comune = connection.execute(
                select(casi.c.comune).where(casi.c.caso_id == str(caso_id))
            ).scalar_one_or_none()
        if comune is None:
            raise NotFound("caso non trovato")
        authorize_read(principal, LEGGE, not_found="caso non trovato", comune=comune)
        a = accessi.c
        query = (
            select(accessi)
            .where(a.oggetto_id == str(caso_id))
            .order_by(a.occurred_at.desc(), a.fonte, a.posizione.desc())
        )
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        return Pagina([_accesso(row) for row in page.items], page.next_offset)

    def della_persona(self, persona_id: str) -> list[tuple[Accesso, str | None]]:
        """Every read of one person's data, oldest first, each with its break-glass review
        state (None for an ordinary read): the citizen's access report (GDPR art. 15). The
        caller has checked that the user may produce it."""
        a = accessi.c
        query = (
            select(accessi, emergenze.c.stato)
            .outerjoin(emergenze, emergenze.c.lettura_id == a.event_id)
            .where(a.persona_id == persona_id)
            .order_by(a.occurred_at, a.fonte, a.posizione)
        )
        with self.views.reader.connect() as connection:
            rows = connection.execute(query).all()
        found = []
        for row in rows:
            values = dict(row._mapping)
            stato = values.pop("stato")
            found.append((_accesso_from(values), stato))
        return found

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
