"""The Segretariato sociale's read side: the day's queue of a desk, the workers' agendas, the
back-office deadlines, the desks, and a person's other requests, from the read models.

Rows hold no personal data (ids, codes, times), so these reads leave no access event; the
queue's names are read from the ledger, one recorded read per request, by the service layer
(``IntakeApplication.persone_per_elenco``). Days and deadlines are worked out here, at query
time, in Europe/Rome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.intake.projections import (
    appuntamenti,
    da_verificare,
    domande,
    istanze,
    sportelli,
)
from shared.auth.policy import Forbidden, OutOfScope, authorize, visible_comuni
from shared.auth.principal import Principal
from shared.auth.scope import ambito
from shared.db import Engines
from shared.errors import NotFound
from shared.paging import Pagina, fetch_page, page_of
from shared.projections.base import NotYetProjected, ProjectionFeed

ROME = ZoneInfo("Europe/Rome")
MAX_WAIT_SECONDS = 5.0
DUE_SOON_DAYS = 3
"""An open application is ``in_scadenza`` when due within this many calendar days."""

StatoIstanze = Literal["aperte", "in_scadenza", "scadute", "completate"]


def today() -> date:
    return datetime.now(ROME).date()


def aware(moment: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_date(moment: datetime) -> date:
    return aware(moment).astimezone(ROME).date()


def day_bounds(giorno: date) -> tuple[datetime, datetime]:
    """The Europe/Rome day as [start, end) UTC instants (23 or 25 hours at a DST change)."""
    start = datetime.combine(giorno, time(0), ROME)
    end = datetime.combine(giorno + timedelta(days=1), time(0), ROME)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class VoceCoda:
    """One entry of a desk's queue: a booked appointment, or a request received that day
    and still open (``tipo`` ``appuntamento`` or ``arrivo``)."""

    tipo: Literal["appuntamento", "arrivo"]
    domanda_id: str
    comune: str
    area_utenza: str
    urgente: bool
    ora: datetime
    """The appointment's start, or the request's arrival."""
    appuntamento_id: str | None = None
    fine: datetime | None = None
    con: str | None = None
    canale: str | None = None
    nominativo: bool = False
    """Whether the caller may read this request, and so see who it is about (a social
    worker sees the names of their areas' requests only)."""


@dataclass(frozen=True)
class Coda:
    sportello: Any
    giorno: date
    pagina: Pagina


@dataclass(frozen=True)
class IstanzaInElenco:
    row: Any
    giorni_alla_scadenza: int | None
    """Calendar days from today (Europe/Rome) to the deadline; negative when overdue;
    None once completed."""
    in_ritardo: bool
    """Open past its deadline, or completed after it."""


def _readable(principal: Principal, comune: str, area: str) -> bool:
    try:
        authorize(principal, "intake.domanda.legge", comune=comune, area=area)
    except Forbidden:
        return False
    return True


class IntakeQueries:
    def __init__(self, views: Engines, feed: ProjectionFeed) -> None:
        self.views = views
        self.feed = feed

    def wait(self, posizione: int | None) -> None:
        """Read your writes: wait (bounded) until the read models hold ``posizione`` of the
        intake ledger."""
        if posizione is not None and not self.feed.wait_for("intake", posizione, MAX_WAIT_SECONDS):
            raise NotYetProjected

    # -- desks -------------------------------------------------------------------------

    def sportelli(
        self,
        principal: Principal,
        comune: str | None = None,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        authorize(principal, "intake.sportello.legge")
        self.wait(attendi_posizione)
        query = select(sportelli).order_by(sportelli.c.comune, sportelli.c.nome, sportelli.c.id)
        if comune is not None:
            query = query.where(sportelli.c.comune == comune)
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        return Pagina([r._mapping for r in page.items], page.next_offset)

    def sportello(self, sportello_id: str) -> Any:
        with self.views.reader.connect() as connection:
            row = connection.execute(
                select(sportelli).where(sportelli.c.id == sportello_id)
            ).one_or_none()
        if row is None:
            raise NotFound("sportello non trovato")
        return row._mapping

    # -- the day's queue ---------------------------------------------------------------

    def coda(
        self,
        principal: Principal,
        sportello_id: str,
        giorno: date | None = None,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Coda:
        """A desk's queue for a day (default today): its appointments still booked, by
        start, then the requests it received that day and that are still open, by arrival."""
        visible_comuni(principal, "intake.agenda.legge")  # 403 before any wait
        self.wait(attendi_posizione)
        desk = self.sportello(sportello_id)
        try:
            authorize(principal, "intake.agenda.legge", comune=desk["comune"])
        except OutOfScope:
            raise NotFound("sportello non trovato") from None
        day = giorno or today()
        start, end = day_bounds(day)
        a, d = appuntamenti.c, domande.c
        with self.views.reader.connect() as connection:
            booked = connection.execute(
                select(
                    a.id, a.domanda_id, a.comune, a.inizio, a.fine, a.con, d.area_utenza, d.urgente
                )
                .add_columns(d.canale)
                .join(domande, d.id == a.domanda_id)
                .where(
                    (a.sportello_id == sportello_id)
                    & (a.stato == "fissato")
                    & (a.inizio >= start)
                    & (a.inizio < end)
                )
                .order_by(a.inizio, a.id)
            ).all()
            arrived = connection.execute(
                select(domande)
                .where(
                    (d.sportello_id == sportello_id)
                    & (d.stato == "aperta")
                    & (d.ricevuta_il >= start)
                    & (d.ricevuta_il < end)
                )
                .order_by(d.ricevuta_il, d.id)
            ).all()
        entries = [
            VoceCoda(
                tipo="appuntamento",
                domanda_id=r.domanda_id,
                comune=r.comune,
                area_utenza=r.area_utenza,
                urgente=r.urgente,
                ora=aware(r.inizio),
                appuntamento_id=r.id,
                fine=aware(r.fine),
                con=r.con,
                canale=r.canale,
                nominativo=_readable(principal, r.comune, r.area_utenza),
            )
            for r in booked
        ] + [
            VoceCoda(
                tipo="arrivo",
                domanda_id=r.id,
                comune=r.comune,
                area_utenza=r.area_utenza,
                urgente=r.urgente,
                ora=aware(r.ricevuta_il),
                canale=r.canale,
                nominativo=_readable(principal, r.comune, r.area_utenza),
            )
            for r in arrived
        ]
        return Coda(desk, day, page_of(entries, offset, limit))

    # -- agendas -----------------------------------------------------------------------

    def appuntamenti(
        self,
        principal: Principal,
        con: str,
        giorno: date | None = None,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """A worker's appointments of a day (default today), in every state, by start; only
        those of requests in the caller's comuni."""
        scope = ambito(principal, "intake.agenda.legge")
        self.wait(attendi_posizione)
        start, end = day_bounds(giorno or today())
        a, d = appuntamenti.c, domande.c
        query = (
            select(appuntamenti, d.area_utenza, d.urgente)
            .join(domande, d.id == a.domanda_id)
            .where(
                (a.con == con)
                & (a.inizio >= start)
                & (a.inizio < end)
                & scope.filtro(a.comune, d.area_utenza)
            )
            .order_by(a.inizio, a.id)
        )
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        return Pagina([r._mapping for r in page.items], page.next_offset)

    # -- back-office deadlines ---------------------------------------------------------

    def istanze(
        self,
        principal: Principal,
        stato: StatoIstanze = "aperte",
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """Applications by state, worked out today in Europe/Rome: ``aperte`` (all open, by
        deadline), ``in_scadenza`` (open, due within 3 days, today included), ``scadute``
        (open, deadline passed), ``completate`` (most recent first)."""
        scope = ambito(principal, "intake.domanda.legge")
        self.wait(attendi_posizione)
        oggi = today()
        i, d = istanze.c, domande.c
        query = (
            select(istanze, d.area_utenza)
            .join(domande, d.id == i.domanda_id)
            .where(scope.filtro(i.comune, d.area_utenza))
        )
        if stato == "completate":
            query = query.where(i.completata_il.is_not(None)).order_by(i.completata_il.desc(), i.id)
        else:
            query = query.where(i.completata_il.is_(None)).order_by(i.scadenza, i.aperta_il, i.id)
            if stato == "in_scadenza":
                query = query.where(
                    (i.scadenza >= oggi) & (i.scadenza <= oggi + timedelta(days=DUE_SOON_DAYS))
                )
            elif stato == "scadute":
                query = query.where(i.scadenza < oggi)
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        items = []
        for row in page.items:
            if row.completata_il is None:
                days: int | None = (row.scadenza - oggi).days
                late = row.scadenza < oggi
            else:
                days, late = None, local_date(row.completata_il) > row.scadenza
            items.append(IstanzaInElenco(row._mapping, days, late))
        return Pagina(items, page.next_offset)

    # -- codici fiscali to verify (decision 0032) ----------------------------------------

    def da_verificare(
        self,
        principal: Principal,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """The requests of the caller's comuni recorded apart with "codice fiscale da
        verificare", oldest first: each awaits a coordinatore's decision."""
        scope = ambito(principal, "intake.persona.attribuisce")
        self.wait(attendi_posizione)
        v = da_verificare.c
        query = (
            select(da_verificare)
            .where(scope.filtro(v.comune, v.area_utenza))
            .order_by(v.ricevuta_il, v.domanda_id)
        )
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        return Pagina([r._mapping for r in page.items], page.next_offset)

    # -- a person's requests -----------------------------------------------------------

    def precedenti(
        self,
        principal: Principal,
        domanda_id: str,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """The other requests of the person a request is about (404 for a request the caller
        may not read)."""
        visible_comuni(principal, "intake.domanda.legge")  # 403 before any wait
        self.wait(attendi_posizione)
        row = self.domanda(principal, domanda_id)
        return self.domande_della_persona(row["persona_id"], principal, domanda_id, offset, limit)

    def domanda(self, principal: Principal, domanda_id: str) -> Any:
        """A request's row, if the caller may read the request (404 otherwise)."""
        with self.views.reader.connect() as connection:
            row = connection.execute(
                select(domande).where(domande.c.id == domanda_id)
            ).one_or_none()
        if row is None:
            raise NotFound("domanda non trovata")
        try:
            authorize(principal, "intake.domanda.legge", comune=row.comune, area=row.area_utenza)
        except OutOfScope:
            raise NotFound("domanda non trovata") from None
        return row._mapping

    def domande_della_persona(
        self,
        persona_id: str,
        principal: Principal,
        escludi: str | None = None,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """The person's requests (all but ``escludi``), most recent first, among those the
        caller may read: a person presenting again is recognised (the same pseudonymous id
        through the blind indexes) and the operator sees what came before."""
        scope = ambito(principal, "intake.domanda.legge")
        self.wait(attendi_posizione)
        d = domande.c
        query = (
            select(domande)
            .where((d.persona_id == persona_id) & scope.filtro(d.comune, d.area_utenza))
            .order_by(d.ricevuta_il.desc(), d.id)
        )
        if escludi is not None:
            query = query.where(d.id != escludi)
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        return Pagina([r._mapping for r in page.items], page.next_offset)
