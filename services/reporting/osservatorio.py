"""The observatory's read model: facts about requests, applications, cases and satisfaction
questionnaires, from the intake and casework ledgers.

Only clear, coarse attributes are kept (pseudonymous ``persona_id`` to count distinct people,
comune, area, channel, age band, citizenship class, instants and dates): nothing here is
ever decrypted, so the figures survive an erasure (design section 3). Rows hold facts only;
years, months, "same day", "within the deadline" and caseloads are worked out when asked,
in Europe/Rome (``services.reporting.indicatori``), so a rebuild equals the incremental
state row for row.

No indicator counts interventions yet, so interventions are not followed here. Whoever adds
one: a withdrawn intervention (``InterventoAnnullato``, recorded by mistake) is no benefit
delivered and must not count, whether it was running or concluded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    select,
    update,
)

from shared.projections.base import WireEvent, instant, occurred

metadata = MetaData()
domande = Table(
    "osservatorio_domande",
    metadata,
    Column("domanda_id", String(36), primary_key=True),
    Column("persona_id", String(20), nullable=False, index=True),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False),
    Column("canale", String(20), nullable=False),
    Column("ricevuta_il", DateTime(timezone=True), nullable=False, index=True),
    Column("prima_risposta_il", DateTime(timezone=True)),
)
"""One row per request: when it was received, and the earliest front-office answer
(information given, orientation, hand-over or closure), whichever came first."""
istanze = Table(
    "osservatorio_istanze",
    metadata,
    Column("istanza_id", String(36), primary_key=True),
    Column("domanda_id", String(36), nullable=False, index=True),
    Column("persona_id", String(20), nullable=False),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False),
    Column("istruita_il", DateTime(timezone=True), nullable=False),
    Column("scadenza", Date, nullable=False),
    Column("completata_il", DateTime(timezone=True)),
)
"""One row per back-office application: its deadline as recorded, and when it was done."""
casi = Table(
    "osservatorio_casi",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("persona_id", String(20), nullable=False, index=True),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False),
    Column("fascia_eta", String(10), nullable=False),
    Column("cittadinanza", String(10), nullable=False),
    Column("assistente_sociale", String(200)),
    Column("aperto_il", DateTime(timezone=True), nullable=False),
    Column("chiuso_il", DateTime(timezone=True)),
    Column("progetto_il", DateTime(timezone=True)),
)
"""One row per case: its area is the latest assignment's, ``progetto_il`` when its
personalised project was first defined (a case counts "with a project" in a period from
then on)."""
questionari = Table(
    "osservatorio_questionari",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("caso_id", String(36), nullable=False),
    Column("persona_id", String(20), nullable=False),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False),
    Column("momento", String(12), nullable=False),
    Column("raccolto_il", DateTime(timezone=True), nullable=False),
    Column("risposte", String(200), nullable=False),
)
"""One row per satisfaction questionnaire; ``risposte`` are its 1–5 answers, comma-separated,
with the comune and area of the case at the time it was collected."""

RISPOSTE_FRONT_OFFICE = frozenset(
    {"InformazioniFornite", "DomandaOrientata", "DomandaInoltrata", "DomandaChiusa"}
)


def risposte(testo: str) -> list[int]:
    return [int(v) for v in testo.split(",") if v]


class Osservatorio:
    name = "reporting.osservatorio"
    sources: tuple[str, ...] = ("intake", "casework")
    event_types = frozenset(
        {
            "DomandaRicevuta",
            *RISPOSTE_FRONT_OFFICE,
            "IstanzaIstruita",
            "IstanzaCompletata",
            "CasoAperto",
            "AssistenteSocialeAssegnato",
            "ProgettoDefinito",
            "CasoChiuso",
            "QuestionarioRaccolto",
            "DatiPersonaRettificati",
            "PersonaAttribuita",
        }
    )
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        if event.type in RISPOSTE_FRONT_OFFICE:
            self._risposta(connection, event)
            return
        getattr(self, f"_{event.type}")(connection, event, event.data)

    # -- intake ------------------------------------------------------------------------

    def _DomandaRicevuta(  # noqa: N802 - named after the event
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            domande.insert().values(
                domanda_id=event.aggregate_id,
                persona_id=data["persona_id"],
                comune=data["comune"],
                area_utenza=data["area_utenza"],
                canale=data["canale"],
                ricevuta_il=occurred(event),
            )
        )

    def _risposta(self, connection: Connection, event: WireEvent) -> None:
        """The earliest answer counts, whatever order the acts were recorded in."""
        quando = occurred(event)
        attuale = connection.execute(
            select(domande.c.prima_risposta_il).where(domande.c.domanda_id == event.aggregate_id)
        ).scalar_one_or_none()
        if attuale is not None and instant(_iso(attuale)) <= quando:
            return
        connection.execute(
            update(domande)
            .where(domande.c.domanda_id == event.aggregate_id)
            .values(prima_risposta_il=quando)
        )

    def _IstanzaIstruita(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        domanda = connection.execute(
            select(domande.c.comune, domande.c.area_utenza).where(
                domande.c.domanda_id == event.aggregate_id
            )
        ).one()
        connection.execute(
            istanze.insert().values(
                istanza_id=str(data["istanza_id"]),
                domanda_id=event.aggregate_id,
                persona_id=data["persona_id"],
                comune=domanda.comune,
                area_utenza=domanda.area_utenza,
                istruita_il=occurred(event),
                scadenza=date.fromisoformat(str(data["scadenza"])),
            )
        )

    def _IstanzaCompletata(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            update(istanze)
            .where(istanze.c.istanza_id == str(data["istanza_id"]))
            .values(completata_il=instant(str(data["completata_il"])))
        )

    # -- casework ----------------------------------------------------------------------

    def _CasoAperto(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        profilo = data["profilo"]
        connection.execute(
            casi.insert().values(
                caso_id=event.aggregate_id,
                persona_id=data["persona_id"],
                comune=profilo["comune"],
                area_utenza=data["area_utenza"],
                fascia_eta=profilo.get("fascia_eta", "non_nota"),
                cittadinanza=profilo.get("cittadinanza", "non_nota"),
                aperto_il=occurred(event),
                progetto_il=None,
            )
        )

    def _AssistenteSocialeAssegnato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._caso(
            connection,
            event,
            assistente_sociale=data["assistente_sociale"],
            area_utenza=data["area_utenza"],
        )

    def _ProgettoDefinito(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._caso(connection, event, progetto_il=occurred(event))

    # -- whom a request or a case is about (decision 0032) ------------------------------

    def _DatiPersonaRettificati(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        """A corrected birth date or citizenship moves a case's coarse attributes."""
        if event.source == "casework":
            self._caso(connection, event, **_attributi(data["profilo"]))

    def _PersonaAttribuita(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        """The record counts for the person it is about now (distinct people counted)."""
        persona_id = data["persona_id"]
        if event.source == "intake":
            for table in (domande, istanze):
                connection.execute(
                    update(table)
                    .where(table.c.domanda_id == event.aggregate_id)
                    .values(persona_id=persona_id)
                )
            return
        self._caso(connection, event, persona_id=persona_id, **_attributi(data["profilo"]))
        connection.execute(
            update(questionari)
            .where(questionari.c.caso_id == event.aggregate_id)
            .values(persona_id=persona_id)
        )

    def _CasoChiuso(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._caso(connection, event, chiuso_il=occurred(event))

    def _QuestionarioRaccolto(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        caso = connection.execute(
            select(casi.c.comune, casi.c.area_utenza).where(casi.c.caso_id == event.aggregate_id)
        ).one()
        connection.execute(
            questionari.insert().values(
                event_id=str(data["event_id"]),
                caso_id=event.aggregate_id,
                persona_id=data["persona_id"],
                comune=caso.comune,
                area_utenza=caso.area_utenza,
                momento=data["momento"],
                raccolto_il=occurred(event),
                risposte=",".join(str(int(v)) for v in data["risposte"]),
            )
        )

    def _caso(self, connection: Connection, event: WireEvent, **values: Any) -> None:
        connection.execute(
            update(casi).where(casi.c.caso_id == event.aggregate_id).values(**values)
        )


def _iso(value: datetime | str) -> str:
    """A stored instant back as ISO text (SQLite may hand back naive UTC)."""
    return value if isinstance(value, str) else value.isoformat()


def _attributi(profilo: dict[str, Any]) -> dict[str, Any]:
    return {
        "fascia_eta": profilo.get("fascia_eta", "non_nota"),
        "cittadinanza": profilo.get("cittadinanza", "non_nota"),
    }
