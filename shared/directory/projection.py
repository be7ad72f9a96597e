"""The resource directory read model: one row per resource, its current attributes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    update,
)

from shared.events.network import ATTRIBUTI_RISORSA
from shared.projections.base import WireEvent, occurred

metadata = MetaData()
risorse = Table(
    "rete_risorse",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("nome", String(200), nullable=False, index=True),
    Column("tipo", String(40), nullable=False),
    Column("descrizione", Text),
    Column("comuni", JSON, nullable=False),
    Column("aree", JSON, nullable=False),
    Column("prestazioni", JSON, nullable=False),
    Column("servizi", JSON, nullable=False),
    Column("contatti", JSON, nullable=False),
    Column("orari", Text),
    Column("capacita", BigInteger),
    Column("lista_attesa", BigInteger),
    Column("accreditamento", String(200)),
    Column("censita_il", DateTime(timezone=True), nullable=False),
    Column("confermata_il", DateTime(timezone=True), nullable=False),
    Column("dismessa_il", DateTime(timezone=True)),
    Column("motivo_dismissione", Text),
    Column("versione", BigInteger, nullable=False),
)
"""Times are stored as recorded (UTC); "to review" is computed at query time in Europe/Rome
(design section 4), so a rebuild equals the incremental state."""


class DirectoryProjection:
    name = "directory.risorse"
    sources: tuple[str, ...] = ("network",)
    event_types = frozenset(
        {"RisorsaCensita", "RisorsaAggiornata", "RisorsaConfermata", "RisorsaDismessa"}
    )
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        version = int(data["aggregate_version"])
        row = risorse.c.id == event.aggregate_id
        if event.type == "RisorsaCensita":
            connection.execute(
                risorse.insert().values(
                    id=event.aggregate_id,
                    **_attributes(data),
                    censita_il=occurred(event),
                    confermata_il=occurred(event),
                    versione=version,
                )
            )
        elif event.type == "RisorsaAggiornata":
            changes = {k: v for k, v in _attributes(data).items() if v is not None}
            changes.update(dict.fromkeys(data.get("azzerati", [])))
            connection.execute(
                update(risorse)
                .where(row)
                .values(**changes, confermata_il=occurred(event), versione=version)
            )
        elif event.type == "RisorsaConfermata":
            connection.execute(
                update(risorse).where(row).values(confermata_il=occurred(event), versione=version)
            )
        elif event.type == "RisorsaDismessa":
            connection.execute(
                update(risorse)
                .where(row)
                .values(
                    dismessa_il=occurred(event),
                    motivo_dismissione=data["motivo"],
                    versione=version,
                )
            )


def _attributes(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in ATTRIBUTI_RISORSA}
    if data.get("contatti") is not None:
        values["contatti"] = {k: v for k, v in data["contatti"].items() if v is not None}
    return values
