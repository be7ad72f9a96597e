"""The case file's read models (the cartella): each case's current header and every event of
it, as the casework ledger stored them; and the latest verification of each ledger.

Rows hold facts as recorded: ids, codes, the two UTC instants, the actor and legal basis,
and each event's own fields exactly as stored, personal ones still encrypted (design
section 3): the service layer decrypts them per response, for a reader entitled to the case.
Nothing here depends on the day it is applied ("today", deadlines and "overdue" are worked
out when asked), so a rebuild equals the incremental state row for row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    update,
)

from shared.db import dialect_insert
from shared.events import CATALOGUE
from shared.projections.base import WireEvent, instant

metadata = MetaData()
casi = Table(
    "reporting_cartella_casi",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("persona_id", String(20), nullable=False, index=True),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False),
    Column("assistente_sociale", String(200), index=True),
    Column("stato", String(10), nullable=False),
    Column("versione", Integer, nullable=False),
    Column("posizione", BigInteger, nullable=False),
)
"""One row per case: ``stato`` is ``in_attesa``, ``assegnato``, ``in_carico`` or ``chiuso``;
``area_utenza`` the latest assignment's; ``versione`` and ``posizione`` its latest event's."""
eventi = Table(
    "reporting_cartella_eventi",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("versione", Integer, primary_key=True),
    Column("posizione", BigInteger, nullable=False, index=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("tipo", String(60), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True)),
    Column("attore_utente", String(100), nullable=False),
    Column("attore_ruolo", String(30), nullable=False),
    Column("attore_comune", String(4)),
    Column("base_giuridica", String(40), nullable=False),
    Column("fonte", String(20), nullable=False),
    Column("dati", JSON, nullable=False),
)
"""One row per event of a case, in the case's order (``versione``): ``dati`` holds the
event's own fields as stored (the envelope has its columns), personal values still
encrypted; ``recorded_at`` is the ledger's commit time."""

ENVELOPE = frozenset(
    {
        "event_id",
        "aggregate_id",
        "aggregate_version",
        "occurred_at",
        "recorded_at",
        "actor",
        "legal_basis",
        "source",
        "correlation_id",
        "causation_id",
    }
)
EVENT_TYPES = frozenset(
    name for name, cls in CATALOGUE.items() if cls.__module__ == "shared.events.casework"
) | {"DatiPersonaRettificati", "PersonaAttribuita"}
"""Every event of a case (casework's catalogue, and whom the case is about: decision 0032);
the reads the casework ledger also holds (``DatiPersonaliLetti``) and its verifications are
not the case's."""
STATO_DOPO = {
    "CasoAperto": "in_attesa",
    "AssistenteSocialeAssegnato": "assegnato",
    "PresaInCarico": "in_carico",
    "CasoChiuso": "chiuso",
}


def payload(data: dict[str, Any]) -> dict[str, Any]:
    """An event's own fields, without its envelope."""
    return {key: value for key, value in data.items() if key not in ENVELOPE}


class CartellaCasi:
    name = "reporting.cartella"
    sources: tuple[str, ...] = ("casework",)
    event_types = EVENT_TYPES
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        versione = int(data["aggregate_version"])
        if event.type == "CasoAperto":
            connection.execute(
                casi.insert().values(
                    caso_id=event.aggregate_id,
                    persona_id=data["persona_id"],
                    comune=data["profilo"]["comune"],
                    area_utenza=data["area_utenza"],
                    stato="in_attesa",
                    versione=versione,
                    posizione=event.position,
                )
            )
        else:
            values: dict[str, Any] = {"versione": versione, "posizione": event.position}
            if event.type in STATO_DOPO:
                values["stato"] = STATO_DOPO[event.type]
            if event.type in ("AssistenteSocialeAssegnato", "PresaInCarico"):
                values["assistente_sociale"] = data["assistente_sociale"]
            if event.type == "AssistenteSocialeAssegnato":
                values["area_utenza"] = data["area_utenza"]
            if event.type == "PersonaAttribuita":  # the case is about another person now
                values["persona_id"] = data["persona_id"]
            connection.execute(
                update(casi).where(casi.c.caso_id == event.aggregate_id).values(**values)
            )
        actor = data["actor"]
        connection.execute(
            eventi.insert().values(
                caso_id=event.aggregate_id,
                versione=versione,
                posizione=event.position,
                event_id=str(data["event_id"]),
                tipo=event.type,
                occurred_at=instant(str(data["occurred_at"])),
                recorded_at=None if event.recorded_at is None else instant(event.recorded_at),
                attore_utente=actor["user"],
                attore_ruolo=actor["role"],
                attore_comune=actor.get("comune"),
                base_giuridica=data["legal_basis"],
                fonte=data["source"],
                dati=payload(data),
            )
        )


verifiche_metadata = MetaData()
verifiche = Table(
    "reporting_verifiche",
    verifiche_metadata,
    Column("registro", String(40), primary_key=True),
    Column("esito", String(20), nullable=False),
    Column("eventi", BigInteger, nullable=False),
    Column("ultima_posizione", BigInteger),
    Column("checkpoint", BigInteger, nullable=False),
    Column("anello_rotto_posizione", BigInteger),
    Column("motivo", String(200)),
    Column("verificato_il", DateTime(timezone=True), nullable=False),
    Column("fonte_registro", String(40), nullable=False),
    Column("posizione", BigInteger, nullable=False),
)
"""The latest verification of each ledger (``registro``), as ``ambito audit verify`` recorded
it in reporting's ledger (``fonte_registro``, at ``posizione``)."""


class VerificheRegistri:
    name = "reporting.verifiche"
    sources: tuple[str, ...] = ("reporting",)
    event_types = frozenset({"VerificaRegistroEseguita"})
    metadata = verifiche_metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        values = {
            "esito": data["esito"],
            "eventi": int(data["eventi"]),
            "ultima_posizione": data.get("ultima_posizione"),
            "checkpoint": int(data["checkpoint"]),
            "anello_rotto_posizione": data.get("anello_rotto_posizione"),
            "motivo": data.get("motivo"),
            "verificato_il": instant(str(data["occurred_at"])),
            "fonte_registro": event.source,
            "posizione": event.position,
        }
        statement = dialect_insert(connection, verifiche).values(
            registro=data["registro"], **values
        )
        # every verification is recorded in reporting's one ledger, so they arrive in order
        connection.execute(
            statement.on_conflict_do_update(index_elements=["registro"], set_=values)
        )
