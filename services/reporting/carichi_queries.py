"""Caseloads and deadlines as the Servizio sociale professionale reads them: my caseload,
what is due this week, what is overdue, and the coordinator's view per social worker and
per area with the caseload alarm.

These lists carry no personal data (ids, states, dates, areas, comuni only): they are not
reads of a case file, so they record no ``DatiPersonaliLetti``. Who sees what follows the
access rules: ``reporting.carichi.legge`` (a social worker: their own cases within their
comuni and areas; a coordinatore: their comuni) and ``reporting.scadenze.distretto``
(coordinators only: the Ufficio di Piano never sees case-level rows). "Today" and "this
week" are Europe/Rome dates, worked out when asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, func, select

from services.reporting.carichi import carichi_casi, carichi_scadenze
from services.reporting.registro import RegistroOsservatorio
from services.reporting.soglie import GENERALE, in_allarme, soglia_per
from shared import codes
from shared import scadenze as regole
from shared.auth.policy import RULES, require_role
from shared.auth.principal import Principal
from shared.auth.scope import ambito
from shared.db import Engines
from shared.paging import Pagina, fetch_page, page_of
from shared.projections.base import NotYetProjected, ProjectionFeed

MAX_WAIT_SECONDS = 5.0
CARICHI = "reporting.carichi.legge"
DISTRETTO = "reporting.scadenze.distretto"
SOGLIA = "reporting.soglia.imposta"
ATTIVI = ("assegnato", "in_carico")
"""An active caseload: cases assigned (waiting for the taking charge) or in charge."""

c = carichi_casi.c
s = carichi_scadenze.c
DOVUTA = and_(s.entro.is_not(None), s.assolta.is_(False), c.stato != "chiuso")
"""A deadline still owed (``scadenze.Fatto.dovuta``, and the case not closed)."""


@dataclass(frozen=True)
class ScadenzaCaso:
    """An owed deadline of a case, with ``scaduta`` as of today (Europe/Rome)."""

    caso_id: UUID
    tipo: str
    entro: date
    riferimento_id: UUID | None
    scaduta: bool
    comune: str
    area_utenza: str
    assistente_sociale: str | None


@dataclass(frozen=True)
class CasoInCarico:
    caso_id: UUID
    comune: str
    area_utenza: str
    stato: str
    aperto_il: datetime
    assegnato_il: datetime | None
    in_carico_dal: datetime | None
    progetto: bool
    prossima_scadenza: ScadenzaCaso | None


@dataclass(frozen=True)
class CaricoAssistente:
    assistente_sociale: str
    assegnati: int
    in_carico: int
    attivi: int
    """Active cases in the caller's comuni."""
    attivi_totali: int
    """Active cases across the district: what the alarm weighs (overload is the worker's)."""
    scadute: int
    """Overdue deadlines of their active cases in the caller's comuni."""
    soglia: int
    allarme: bool


@dataclass(frozen=True)
class CaricoArea:
    area_utenza: str
    in_attesa: int
    assegnati: int
    in_carico: int
    scadute: int


@dataclass(frozen=True)
class Carichi:
    assistenti: Pagina
    aree: list[CaricoArea]


@dataclass(frozen=True)
class Soglia:
    area_utenza: str | None
    """None: the general threshold."""
    soglia: int
    impostata_da: str | None
    impostata_il: datetime | None
    versione: int


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands instants back naive (UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _scadenza(row: Any, today: date) -> ScadenzaCaso:
    return ScadenzaCaso(
        caso_id=UUID(row.caso_id),
        tipo=row.tipo,
        entro=row.entro,
        riferimento_id=None if row.riferimento == regole.PROGETTO else UUID(row.riferimento),
        scaduta=regole.scaduta(row.entro, today),
        comune=row.comune,
        area_utenza=row.area_utenza,
        assistente_sociale=row.assistente_sociale,
    )


class CarichiQueries:
    def __init__(
        self, views: Engines, feed: ProjectionFeed, registro: RegistroOsservatorio
    ) -> None:
        self.views = views
        self.feed = feed
        self.registro = registro

    def wait(self, posizione: int | None) -> None:
        """Read your writes: wait (bounded) until the read model holds ``posizione`` of the
        casework ledger (503 otherwise)."""
        if posizione is not None and not self.feed.wait_for(
            "casework", posizione, MAX_WAIT_SECONDS
        ):
            raise NotYetProjected

    # -- the social worker -----------------------------------------------------------

    def miei(
        self,
        principal: Principal,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
        today: date | None = None,
    ) -> Pagina:
        """The caller's open cases (assigned to them, or in their charge), with the next
        deadline of each; oldest assignment first."""
        scope = ambito(principal, CARICHI)
        self.wait(attendi_posizione)
        today = today or regole.oggi()
        query = (
            select(carichi_casi)
            .where(
                scope.filtro(c.comune, c.area_utenza)
                & (c.assistente_sociale == principal.subject)
                & c.stato.in_(ATTIVI)
            )
            .order_by(c.assegnato_il, c.caso_id)
        )
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
            ids = [row.caso_id for row in page.items]
            owed = connection.execute(
                self._owed().where(s.caso_id.in_(ids)).order_by(s.entro, s.tipo, s.riferimento)
            ).all()
        prossime: dict[str, ScadenzaCaso] = {}
        for row in owed:
            prossime.setdefault(row.caso_id, _scadenza(row, today))
        items = [
            CasoInCarico(
                caso_id=UUID(row.caso_id),
                comune=row.comune,
                area_utenza=row.area_utenza,
                stato=row.stato,
                aperto_il=_aware(row.aperto_il),  # type: ignore[arg-type]
                assegnato_il=_aware(row.assegnato_il),
                in_carico_dal=_aware(row.in_carico_dal),
                progetto=bool(row.progetto),
                prossima_scadenza=prossime.get(row.caso_id),
            )
            for row in page.items
        ]
        return Pagina(items, page.next_offset)

    # -- deadlines ---------------------------------------------------------------------

    def settimana(
        self,
        principal: Principal,
        includi_scadute: bool = False,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
        today: date | None = None,
    ) -> Pagina:
        """Owed deadlines due today through the next 7 days (with the overdue ones too when
        asked), for a social worker on their own cases, for a coordinator in their comuni."""
        where = self._deadline_scope(principal, CARICHI)
        self.wait(attendi_posizione)
        today = today or regole.oggi()
        window = s.entro <= regole.fine_settimana(today)
        if not includi_scadute:
            window = window & (s.entro >= today)
        return self._deadlines(where & window, offset, limit, today)

    def scadute(
        self,
        principal: Principal,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
        today: date | None = None,
    ) -> Pagina:
        """Overdue deadlines in the caller's scope: a coordinator's across their comuni
        (``reporting.scadenze.distretto``), a social worker's on their own cases."""
        action = DISTRETTO if principal.role in RULES[DISTRETTO].roles else CARICHI
        where = self._deadline_scope(principal, action)
        self.wait(attendi_posizione)
        today = today or regole.oggi()
        return self._deadlines(where & (s.entro < today), offset, limit, today)

    def scadenze_caso(
        self, caso_id: UUID | str, attendi_posizione: int | None = None
    ) -> list[regole.Scadenza]:
        """One case's owed deadlines, by due date (none once it is closed). For the
        cartella, which has already authorised the caller on the case."""
        self.wait(attendi_posizione)
        with self.views.reader.connect() as connection:
            chiuso = connection.execute(
                select(c.stato).where(c.caso_id == str(caso_id))
            ).scalar_one_or_none()
            rows = connection.execute(
                select(carichi_scadenze).where(s.caso_id == str(caso_id))
            ).all()
        fatti = [
            regole.Fatto(r.tipo, r.riferimento, r.entro, bool(r.concluso), bool(r.assolta))
            for r in rows
        ]
        return regole.scadenze(fatti, chiuso == "chiuso")

    def _deadline_scope(self, principal: Principal, action: str) -> ColumnElement[bool]:
        """A coordinator's comuni; a social worker's own cases (within their scope)."""
        scope = ambito(principal, action)
        where = scope.filtro(c.comune, c.area_utenza)
        if scope.aree is not None:  # scoped by area: a social worker
            where = where & (c.assistente_sociale == principal.subject)
        return where

    def _owed(self) -> Select[Any]:
        return (
            select(
                s.caso_id,
                s.tipo,
                s.riferimento,
                s.entro,
                c.comune,
                c.area_utenza,
                c.assistente_sociale,
            )
            .select_from(carichi_scadenze.join(carichi_casi, c.caso_id == s.caso_id))
            .where(DOVUTA)
        )

    def _deadlines(
        self, where: ColumnElement[bool], offset: int, limit: int, today: date
    ) -> Pagina:
        query = self._owed().where(where).order_by(s.entro, s.caso_id, s.tipo, s.riferimento)
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        return Pagina([_scadenza(row, today) for row in page.items], page.next_offset)

    # -- the coordinator ---------------------------------------------------------------

    def carichi(
        self,
        principal: Principal,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
        today: date | None = None,
    ) -> Carichi:
        """Per social worker (active cases by state, overdue deadlines, the threshold in
        force and the alarm) and per area, within the coordinator's comuni. The alarm weighs
        the worker's whole active caseload: overload is theirs, whichever comune it is in."""
        scope = ambito(principal, DISTRETTO)
        self.wait(attendi_posizione)
        today = today or regole.oggi()
        in_scope = scope.filtro(c.comune, c.area_utenza)
        with self.views.reader.connect() as connection:
            totals = connection.execute(
                select(c.assistente_sociale, c.area_utenza, func.count())
                .where(c.stato.in_(ATTIVI))
                .group_by(c.assistente_sociale, c.area_utenza)
            ).all()
            visible = connection.execute(
                select(c.assistente_sociale, c.stato, func.count())
                .where(in_scope & c.stato.in_(ATTIVI))
                .group_by(c.assistente_sociale, c.stato)
            ).all()
            areas = connection.execute(
                select(c.area_utenza, c.stato, func.count())
                .where(in_scope & (c.stato != "chiuso"))
                .group_by(c.area_utenza, c.stato)
            ).all()
            overdue = connection.execute(
                select(c.assistente_sociale, c.area_utenza, func.count())
                .select_from(carichi_scadenze.join(carichi_casi, c.caso_id == s.caso_id))
                .where(DOVUTA & in_scope & (s.entro < today))
                .group_by(c.assistente_sociale, c.area_utenza)
            ).all()
        soglie = self.soglie_in_vigore()
        return Carichi(
            page_of(self._workers(totals, visible, overdue, soglie), offset, limit),
            self._areas(areas, overdue),
        )

    def _workers(
        self,
        totals: Iterable[Any],
        visible: Iterable[Any],
        overdue: Iterable[Any],
        soglie: dict[str, int],
    ) -> list[CaricoAssistente]:
        """Workers with an active case in the caller's comuni, by name."""
        areas: dict[str, set[str]] = defaultdict(set)
        total: dict[str, int] = defaultdict(int)
        for worker, area, count in totals:
            areas[worker].add(area)
            total[worker] += count
        seen: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for worker, stato, count in visible:
            seen[worker][stato] += count
        late: dict[str, int] = defaultdict(int)
        for worker, _area, count in overdue:
            if worker is not None:
                late[worker] += count
        workers = []
        for worker in sorted(seen):
            # the strictest threshold among the areas of their active cases
            soglia = min(soglia_per(soglie, area) for area in areas[worker])
            workers.append(
                CaricoAssistente(
                    assistente_sociale=worker,
                    assegnati=seen[worker]["assegnato"],
                    in_carico=seen[worker]["in_carico"],
                    attivi=seen[worker]["assegnato"] + seen[worker]["in_carico"],
                    attivi_totali=total[worker],
                    scadute=late[worker],
                    soglia=soglia,
                    allarme=in_allarme(total[worker], soglia),
                )
            )
        return workers

    def _areas(self, rows: Iterable[Any], overdue: Iterable[Any]) -> list[CaricoArea]:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for area, stato, count in rows:
            counts[area][stato] += count
        for _worker, area, count in overdue:
            counts[area]["scadute"] += count
        return [
            CaricoArea(
                area_utenza=area,
                in_attesa=counts[area]["in_attesa"],
                assegnati=counts[area]["assegnato"],
                in_carico=counts[area]["in_carico"],
                scadute=counts[area]["scadute"],
            )
            for area in sorted(counts)
        ]

    # -- thresholds --------------------------------------------------------------------

    def soglie(self, principal: Principal) -> list[Soglia]:
        """The thresholds coordinators have set (general first, then by area), read from
        reporting's ledger (they survive restarts and need no read model)."""
        require_role(principal, CARICHI)
        found = []
        for area in (None, *sorted(codes.user_areas())):
            aggregate = self.registro.soglia(area)
            if aggregate is not None:
                found.append(
                    Soglia(
                        area,
                        aggregate.soglia,
                        aggregate.impostata_da,
                        aggregate.impostata_il,
                        aggregate.version,
                    )
                )
        return found

    def soglie_in_vigore(self) -> dict[str, int]:
        """Area (or ``GENERALE``) to threshold, for those set."""
        found = {}
        for area in (None, *codes.user_areas()):
            aggregate = self.registro.soglia(area)
            if aggregate is not None:
                found[area or GENERALE] = aggregate.soglia
        return found
