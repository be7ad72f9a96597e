"""The network's read side: the directory, its registers and the map, from read models.

Nothing here is personal data (resources are organisations), so reads leave no access
event; they follow the policy's roles all the same.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import networkx as nx
from sqlalchemy import select

from services.network import mappa
from services.network.projections import collaborazioni, controlli, domanda, flussi, incontri
from shared.auth.policy import authorize
from shared.auth.principal import Principal
from shared.db import Engines
from shared.directory.lookup import RisorsaInElenco, from_row, local_date
from shared.directory.projection import risorse
from shared.errors import NotFound
from shared.events import testo
from shared.paging import Pagina, page_of
from shared.projections.base import NotYetProjected, ProjectionFeed

ROME = ZoneInfo("Europe/Rome")
REGISTERS = {
    "collaborazione": (collaborazioni, "collaborazione"),
    "incontro": (incontri, "riunione di rete"),
    "controllo": (controlli, "verifica di qualità"),
}
MAX_WAIT_SECONDS = 5.0


def today() -> date:
    return datetime.now(ROME).date()


@dataclass(frozen=True)
class FiltroRisorse:
    tipo: str | None = None
    comune: str | None = None
    area: str | None = None
    stato: str = "attive"
    """``attive``, ``dismesse`` or ``tutte``."""
    da_rivedere: bool | None = None
    testo: str | None = None

    def admits(self, risorsa: RisorsaInElenco, oggi: date) -> bool:
        checks = (
            self.tipo is None or risorsa.tipo == self.tipo,
            self.comune is None or self.comune in risorsa.comuni,
            self.area is None or self.area in risorsa.aree or mappa.TUTTE_LE_AREE in risorsa.aree,
            self.stato == "tutte" or risorsa.attiva == (self.stato == "attive"),
            self.da_rivedere is None or risorsa.da_rivedere(oggi) == self.da_rivedere,
            self.testo is None or self.testo.casefold() in risorsa.nome.casefold(),
        )
        return all(checks)


class NetworkQueries:
    def __init__(
        self, views: Engines, directory_feed: ProjectionFeed, map_feed: ProjectionFeed
    ) -> None:
        self.views = views
        self.directory_feed = directory_feed
        self.map_feed = map_feed

    def wait(self, posizione: int | None, *, directory: bool = True, map: bool = True) -> None:
        """Read your writes: wait (bounded) until the read models hold ``posizione`` of the
        network ledger."""
        if posizione is None:
            return
        feeds = [
            f for f, wanted in ((self.directory_feed, directory), (self.map_feed, map)) if wanted
        ]
        for feed in feeds:
            if not feed.wait_for("network", posizione, MAX_WAIT_SECONDS):
                raise NotYetProjected

    def directory(self) -> list[RisorsaInElenco]:
        with self.views.reader.connect() as connection:
            rows = connection.execute(select(risorse).order_by(risorse.c.nome, risorse.c.id))
            return [from_row(row) for row in rows]

    def risorse(
        self,
        principal: Principal,
        filtro: FiltroRisorse,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        authorize(principal, "network.elenco.legge")
        self.wait(attendi_posizione, map=False)
        oggi = today()
        return page_of([r for r in self.directory() if filtro.admits(r, oggi)], offset, limit)

    def collaborazioni(
        self,
        principal: Principal,
        attive: bool | None = None,
        risorsa: str | None = None,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        authorize(principal, "network.elenco.legge")
        self.wait(attendi_posizione, directory=False)
        oggi = today()
        table = collaborazioni
        with self.views.reader.connect() as connection:
            rows = list(
                connection.execute(select(table).order_by(table.c.inizio.desc(), table.c.id))
            )
        selected = [
            r._mapping
            for r in rows
            if (
                attive is None
                or ((r.inizio <= oggi and (r.fine is None or r.fine >= oggi)) == attive)
            )
            and (risorsa is None or risorsa in r.parti)
        ]
        return page_of(selected, offset, limit)

    def registro(
        self,
        principal: Principal,
        kind: str,
        record_id: UUID,
        attendi_posizione: int | None = None,
    ) -> Any:
        """One collaboration, meeting or quality check (``kind``), as its register holds it."""
        authorize(principal, "network.elenco.legge")
        self.wait(attendi_posizione, directory=False)
        table, label = REGISTERS[kind]
        with self.views.reader.connect() as connection:
            row = connection.execute(
                select(table).where(table.c.id == str(record_id))
            ).one_or_none()
        if row is None:
            raise NotFound(f"{label} non trovata")
        return row._mapping

    def incontri(
        self,
        principal: Principal,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        authorize(principal, "network.elenco.legge")
        self.wait(attendi_posizione, directory=False)
        table = incontri
        with self.views.reader.connect() as connection:
            rows = [
                r._mapping
                for r in connection.execute(select(table).order_by(table.c.data.desc(), table.c.id))
            ]
        return page_of(rows, offset, limit)

    def controlli(
        self,
        principal: Principal,
        risorsa: str | None = None,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        authorize(principal, "network.elenco.legge")
        self.wait(attendi_posizione, directory=False)
        table = controlli
        query = select(table).order_by(table.c.data.desc(), table.c.id)
        if risorsa is not None:
            query = query.where(table.c.risorsa_id == risorsa)
        with self.views.reader.connect() as connection:
            rows = [r._mapping for r in connection.execute(query)]
        return page_of(rows, offset, limit)

    def analisi(
        self, principal: Principal, periodo: mappa.Periodo, attendi_posizione: int | None = None
    ) -> mappa.Analisi:
        authorize(principal, "network.mappa.legge")
        self.wait(attendi_posizione)
        facts = self.map_facts()
        return mappa.analyse(
            periodo, facts.risorse, facts.collaborazioni, facts.flussi, facts.domande
        )

    def map_facts(self) -> mappa.Fatti:
        """The read models as the map needs them, instants turned into Europe/Rome dates."""
        nodes = [
            mappa.NodoRisorsa(
                id=str(r.id),
                nome=r.nome,
                tipo=r.tipo,
                comuni=tuple(r.comuni),
                aree=tuple(r.aree),
                censita=local_date(r.censita_il),
                dismessa=None if r.dismessa_il is None else local_date(r.dismessa_il),
            )
            for r in self.directory()
        ]
        with self.views.reader.connect() as connection:
            links = [
                mappa.Collaborazione(r.id, tuple(r.parti), r.inizio, r.fine)
                for r in connection.execute(select(collaborazioni))
            ]
            flows = [
                mappa.Flusso(r.tipo, r.da, r.a, local_date(r.avvenuto_il))
                for r in connection.execute(select(flussi))
            ]
            demand = [
                mappa.Domanda(r.comune, r.area, local_date(r.avvenuto_il))
                for r in connection.execute(select(domanda))
            ]
        return mappa.Fatti(nodes, links, flows, demand)


def graphml(graph: nx.Graph[str]) -> str:
    """The map as GraphML. A name stored before the API refused control characters is
    written cleaned (each such character as U+FFFD; decision 0033): lxml refuses it, and one
    resource's name would otherwise break the map for everyone."""
    pulito = graph.copy()
    for _, attributi in pulito.nodes(data=True):
        for chiave, valore in attributi.items():
            if isinstance(valore, str):
                attributi[chiave] = testo.ripulisci(valore)
    buffer = io.BytesIO()
    nx.write_graphml(pulito, buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")
