"""The observatory's first read model: requests per comune and area di utenza."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, MetaData, String, Table

from shared.db import dialect_insert
from shared.projections.base import WireEvent

metadata = MetaData()
domande_per_comune_area = Table(
    "domande_per_comune_area",
    metadata,
    Column("comune", String(4), primary_key=True),
    Column("area_utenza", String(10), primary_key=True),
    Column("domande", BigInteger, nullable=False),
)


class DomandePerComuneArea:
    """Counts only clear, coarse attributes of DomandaRicevuta: nothing to decrypt."""

    name = "reporting.domande_per_comune_area"
    sources: tuple[str, ...] = ("intake",)
    event_types = frozenset({"DomandaRicevuta"})
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        table = domande_per_comune_area
        statement = dialect_insert(connection, table).values(
            comune=event.data["comune"], area_utenza=event.data["area_utenza"], domande=1
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["comune", "area_utenza"],
                set_={"domande": table.c.domande + 1},
            )
        )
