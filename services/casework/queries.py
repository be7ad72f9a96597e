"""The Servizio sociale professionale's read side: the cases in the caller's scope, the queue
of cases waiting for assignment, one case and its interventions, from the read model
(``services.casework.projections``).

Rows hold no personal data (ids, codes, dates, times), so these reads leave no access event.
Who may see what follows the access rules (``shared.auth.policy``): ``casework.caso.legge``
for the cases (an assistente sociale: the comuni and areas of their competence; a
coordinatore: their comuni), ``casework.caso.assegna`` for the queue (coordinatori). A case
out of the caller's scope is not found (404), like one that does not exist.

Items are plain mappings, column name to value, with instants as aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import Row, select

from services.casework.projections import casi, da_verificare, interventi, professionisti
from shared.auth.policy import OutOfScope, authorize, require_role
from shared.auth.principal import Principal
from shared.auth.scope import ambito
from shared.db import Engines
from shared.errors import NotFound
from shared.paging import Pagina, fetch_page
from shared.projections.base import NotYetProjected, ProjectionFeed

MAX_WAIT_SECONDS = 5.0
LEGGE = "casework.caso.legge"
ASSEGNA = "casework.caso.assegna"

StatoCaso = Literal["in_attesa", "assegnato", "in_carico", "chiuso"]


def _plain(row: Row[Any]) -> dict[str, Any]:
    """A row as a mapping, its instants as aware UTC datetimes (SQLite hands back naive
    UTC)."""
    return {
        key: value.replace(tzinfo=UTC)
        if isinstance(value, datetime) and value.tzinfo is None
        else value
        for key, value in row._mapping.items()
    }


class CaseworkQueries:
    def __init__(self, views: Engines, feed: ProjectionFeed) -> None:
        self.views = views
        self.feed = feed

    def wait(self, posizione: int | None) -> None:
        """Read your writes: wait (bounded) until the read model holds ``posizione`` of the
        casework ledger."""
        if posizione is not None and not self.feed.wait_for(
            "casework", posizione, MAX_WAIT_SECONDS
        ):
            raise NotYetProjected

    def casi(
        self,
        principal: Principal,
        *,
        stato: StatoCaso | None = None,
        area: str | None = None,
        comune: str | None = None,
        assistente_sociale: str | None = None,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """The cases the caller may read, most recently opened first, optionally of one
        state, area, comune or social worker."""
        scope = ambito(principal, LEGGE)  # 403 before any wait
        self.wait(attendi_posizione)
        c = casi.c
        query = (
            select(casi)
            .where(scope.filtro(c.comune, c.area_utenza))
            .order_by(c.aperto_il.desc(), c.id)
        )
        if scope.nominato is not None:
            nominati = select(professionisti.c.caso_id).where(
                professionisti.c.utente == scope.nominato
            )
            query = query.where(c.id.in_(nominati))
        if stato is not None:
            query = query.where(c.stato == stato)
        if area is not None:
            query = query.where(c.area_utenza == area)
        if comune is not None:
            query = query.where(c.comune == comune)
        if assistente_sociale is not None:
            query = query.where(c.assistente_sociale == assistente_sociale)
        return self._page(query, offset, limit)

    def in_attesa(
        self,
        principal: Principal,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """The coordinator's queue: cases of their comuni waiting for assignment, urgent
        first, then oldest first."""
        scope = ambito(principal, ASSEGNA)
        self.wait(attendi_posizione)
        c = casi.c
        query = (
            select(casi)
            .where((c.stato == "in_attesa") & scope.filtro(c.comune, c.area_utenza))
            .order_by(c.urgente.desc(), c.aperto_il, c.id)
        )
        return self._page(query, offset, limit)

    def da_verificare(
        self,
        principal: Principal,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """The cases of the coordinatore's comuni whose codice fiscale is to verify
        (decision 0032), oldest first."""
        scope = ambito(principal, "casework.persona.attribuisce")
        self.wait(attendi_posizione)
        v = da_verificare.c
        query = (
            select(da_verificare)
            .where(scope.filtro(v.comune, v.area_utenza))
            .order_by(v.aperto_il, v.caso_id)
        )
        return self._page(query, offset, limit)

    def caso(
        self, principal: Principal, caso_id: UUID | str, attendi_posizione: int | None = None
    ) -> dict[str, Any]:
        """One case, if the caller may read it (404 otherwise: missing or out of scope)."""
        require_role(principal, LEGGE)  # 403 before any lookup or wait
        self.wait(attendi_posizione)
        with self.views.reader.connect() as connection:
            row = connection.execute(select(casi).where(casi.c.id == str(caso_id))).one_or_none()
            nominati = frozenset(
                connection.execute(
                    select(professionisti.c.utente).where(professionisti.c.caso_id == str(caso_id))
                ).scalars()
            )
        if row is None:
            raise NotFound("caso non trovato")
        try:
            authorize(principal, LEGGE, comune=row.comune, area=row.area_utenza, nominati=nominati)
        except OutOfScope:
            raise NotFound("caso non trovato") from None
        return _plain(row)

    def interventi(
        self,
        principal: Principal,
        caso_id: UUID | str,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """A case's interventions, by start (404 for a case the caller may not read)."""
        self.caso(principal, caso_id, attendi_posizione)
        i = interventi.c
        query = (
            select(interventi).where(i.caso_id == str(caso_id)).order_by(i.inizio, i.intervento_id)
        )
        return self._page(query, offset, limit)

    def _page(self, query: Any, offset: int, limit: int) -> Pagina:
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        return Pagina([_plain(row) for row in page.items], page.next_offset)
