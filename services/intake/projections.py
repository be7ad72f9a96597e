"""The Segretariato sociale's read models: its registers of requests, appointments,
applications and desks, fed by the intake ledger.

Rows hold facts as they happened (UTC instants, the deadline date the application was given);
"today", the day's queue, "due" and "overdue" are worked out when asked
(``services.intake.queries``), in Europe/Rome, so a rebuild equals the incremental state.
Personal fields arrive encrypted and are never stored here: rows hold ids, codes and times.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    select,
    update,
)

from shared.projections.base import WireEvent, instant, occurred

metadata = MetaData()
domande = Table(
    "intake_domande",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("persona_id", String(20), nullable=False, index=True),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False),
    Column("canale", String(20), nullable=False),
    Column("urgente", Boolean, nullable=False),
    Column("sportello_id", String(36), index=True),
    Column("ricevuta_il", DateTime(timezone=True), nullable=False, index=True),
    Column("stato", String(10), nullable=False),
    Column("esito", String(30)),
    Column("chiusa_il", DateTime(timezone=True)),
    Column("inoltrata_il", DateTime(timezone=True)),
    Column("versione", Integer, nullable=False),
)
"""One row per request: ``stato`` is ``aperta``, ``inoltrata`` (handed over, not yet
closed) or ``chiusa`` (with its ``esito``)."""
appuntamenti = Table(
    "intake_appuntamenti",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("domanda_id", String(36), nullable=False, index=True),
    Column("persona_id", String(20), nullable=False),
    Column("con", String(200), nullable=False, index=True),
    Column("sportello_id", String(36), nullable=False, index=True),
    Column("inizio", DateTime(timezone=True), nullable=False, index=True),
    Column("fine", DateTime(timezone=True), nullable=False),
    Column("stato", String(10), nullable=False),
    Column("comune", String(4), nullable=False),
)
"""One row per appointment: ``fissato``, ``svolto``, ``mancato`` or ``annullato``; the
comune is the request's."""
istanze = Table(
    "intake_istanze",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("domanda_id", String(36), nullable=False, index=True),
    Column("persona_id", String(20), nullable=False),
    Column("comune", String(4), nullable=False, index=True),
    Column("tipo", String(40), nullable=False),
    Column("prestazione", String(10), nullable=False),
    Column("protocollo", String(32), nullable=False),
    Column("scadenza", Date, nullable=False, index=True),
    Column("aperta_il", DateTime(timezone=True), nullable=False),
    Column("completata_il", DateTime(timezone=True)),
)
"""One row per application, with the back-office deadline it was given when opened."""
sportelli = Table(
    "intake_sportelli",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("comune", String(4), nullable=False),
    Column("nome", String(200), nullable=False),
    Column("fasce", JSON, nullable=False),
    Column("versione", Integer, nullable=False),
)
"""The desks and their weekly hours: ``[{giorno, dalle, alle}]``, local times (Europe/Rome),
``giorno`` 0 = Monday. ``versione`` is the desk's, for ``If-Match`` on its hours."""


da_verificare = Table(
    "intake_da_verificare",
    metadata,
    Column("domanda_id", String(36), primary_key=True),
    Column("persona_id", String(20), nullable=False),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False),
    Column("ricevuta_il", DateTime(timezone=True), nullable=False, index=True),
)
"""The requests recorded apart with "codice fiscale da verificare", until a coordinatore
links them or keeps them apart (decision 0032). A table of its own: flagged requests exist
only since it does, so no rebuild is needed to add it."""


APPOINTMENT_OUTCOMES = {
    "AppuntamentoSvolto": "svolto",
    "AppuntamentoMancato": "mancato",
    "AppuntamentoAnnullato": "annullato",
}


class RegistriIntake:
    name = "intake.registri"
    sources: tuple[str, ...] = ("intake",)
    event_types = frozenset(
        {
            "DomandaRicevuta",
            "InformazioniFornite",
            "DomandaOrientata",
            "AppuntamentoFissato",
            "AppuntamentoSvolto",
            "AppuntamentoMancato",
            "AppuntamentoAnnullato",
            "IstanzaIstruita",
            "IstanzaCompletata",
            "DomandaInoltrata",
            "DomandaChiusa",
            "DatiPersonaRettificati",
            "PersonaAttribuita",
            "SportelloIstituito",
            "OrariSportelloDefiniti",
        }
    )
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        outcome = APPOINTMENT_OUTCOMES.get(event.type)
        if outcome is not None:
            self._appointment_outcome(connection, event, data, outcome)
            return
        handler = getattr(self, f"_{event.type}")
        handler(connection, event, data)

    # -- requests ----------------------------------------------------------------------

    def _DomandaRicevuta(  # noqa: N802 - named after the event
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        sportello = data.get("sportello_id")
        connection.execute(
            domande.insert().values(
                id=event.aggregate_id,
                persona_id=data["persona_id"],
                comune=data["comune"],
                area_utenza=data["area_utenza"],
                canale=data["canale"],
                urgente=bool(data["urgente"]),
                sportello_id=None if sportello is None else str(sportello),
                ricevuta_il=occurred(event),
                stato="aperta",
                versione=int(data["aggregate_version"]),
            )
        )
        self._segnala(connection, event, data)

    def _segnala(self, connection: Connection, event: WireEvent, data: dict[str, Any]) -> None:
        if (data.get("persona") or {}).get("codice_fiscale_da_verificare"):
            connection.execute(
                da_verificare.insert().values(
                    domanda_id=event.aggregate_id,
                    persona_id=data["persona_id"],
                    comune=data["comune"],
                    area_utenza=data["area_utenza"],
                    ricevuta_il=occurred(event),
                )
            )

    def _DatiPersonaRettificati(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._touch(connection, event)

    def _PersonaAttribuita(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        """The request (its appointments and applications) is about another person now, or
        stays apart: either way it is no longer to verify."""
        domanda_id, persona_id = event.aggregate_id, data["persona_id"]
        for table in (appuntamenti, istanze):
            connection.execute(
                update(table).where(table.c.domanda_id == domanda_id).values(persona_id=persona_id)
            )
        connection.execute(delete(da_verificare).where(da_verificare.c.domanda_id == domanda_id))
        self._touch(connection, event, persona_id=persona_id)

    def _touch(self, connection: Connection, event: WireEvent, **values: Any) -> None:
        """Every event of a request moves its version (for ``If-Match`` after a list)."""
        connection.execute(
            update(domande)
            .where(domande.c.id == event.aggregate_id)
            .values(versione=int(event.data["aggregate_version"]), **values)
        )

    def _InformazioniFornite(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._touch(connection, event)

    def _DomandaOrientata(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._touch(connection, event)

    def _DomandaInoltrata(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._touch(connection, event, stato="inoltrata", inoltrata_il=occurred(event))

    def _DomandaChiusa(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._touch(
            connection, event, stato="chiusa", esito=data["esito"], chiusa_il=occurred(event)
        )

    def _comune(self, connection: Connection, domanda_id: str) -> str:
        """The request's comune: its DomandaRicevuta came first on the same stream."""
        return str(
            connection.execute(
                select(domande.c.comune).where(domande.c.id == domanda_id)
            ).scalar_one()
        )

    # -- appointments ------------------------------------------------------------------

    def _AppuntamentoFissato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            appuntamenti.insert().values(
                id=str(data["appuntamento_id"]),
                domanda_id=event.aggregate_id,
                persona_id=data["persona_id"],
                con=data["con"],
                sportello_id=str(data["sportello_id"]),
                inizio=instant(data["inizio"]),
                fine=instant(data["fine"]),
                stato="fissato",
                comune=self._comune(connection, event.aggregate_id),
            )
        )
        self._touch(connection, event)

    def _appointment_outcome(
        self, connection: Connection, event: WireEvent, data: dict[str, Any], stato: str
    ) -> None:
        connection.execute(
            update(appuntamenti)
            .where(appuntamenti.c.id == str(data["appuntamento_id"]))
            .values(stato=stato)
        )
        self._touch(connection, event)

    # -- applications ------------------------------------------------------------------

    def _IstanzaIstruita(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            istanze.insert().values(
                id=str(data["istanza_id"]),
                domanda_id=event.aggregate_id,
                persona_id=data["persona_id"],
                comune=self._comune(connection, event.aggregate_id),
                tipo=data["tipo"],
                prestazione=data["prestazione"],
                protocollo=data["protocollo"],
                scadenza=date.fromisoformat(data["scadenza"]),
                aperta_il=occurred(event),
            )
        )
        self._touch(connection, event)

    def _IstanzaCompletata(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            update(istanze)
            .where(istanze.c.id == str(data["istanza_id"]))
            .values(completata_il=instant(data["completata_il"]))
        )
        self._touch(connection, event)

    # -- desks -------------------------------------------------------------------------

    def _SportelloIstituito(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            sportelli.insert().values(
                id=event.aggregate_id,
                comune=data["comune"],
                nome=data["nome"],
                fasce=[],
                versione=int(data["aggregate_version"]),
            )
        )

    def _OrariSportelloDefiniti(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        fasce = [
            {"giorno": int(f["giorno"]), "dalle": f["dalle"], "alle": f["alle"]}
            for f in data["fasce"]
        ]
        connection.execute(
            update(sportelli)
            .where(sportelli.c.id == event.aggregate_id)
            .values(fasce=fasce, versione=int(data["aggregate_version"]))
        )
