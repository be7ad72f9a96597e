"""The reporting service layer: queries over its read models, with read-your-writes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from services.reporting.projections import domande_per_comune_area
from shared.auth.policy import visible_comuni
from shared.auth.principal import Principal
from shared.db import Engines
from shared.projections.base import NotYetProjected, ProjectionFeed

MAX_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Conteggio:
    comune: str
    area_utenza: str
    domande: int


class ReportingApplication:
    def __init__(self, views: Engines, requests_feed: ProjectionFeed) -> None:
        self.views = views
        self.requests_feed = requests_feed

    def conteggi_domande(
        self, principal: Principal, attendi_posizione: int | None = None
    ) -> list[Conteggio]:
        if attendi_posizione is not None and not self.requests_feed.wait_for(
            "intake", attendi_posizione, MAX_WAIT_SECONDS
        ):
            raise NotYetProjected
        table = domande_per_comune_area
        query = select(table).order_by(table.c.comune, table.c.area_utenza)
        comuni = visible_comuni(principal, "reporting.conteggi.legge")
        if comuni is not None:
            query = query.where(table.c.comune.in_(sorted(comuni)))
        with self.views.reader.connect() as connection:
            return [
                Conteggio(r.comune, r.area_utenza, int(r.domande))
                for r in connection.execute(query)
            ]
