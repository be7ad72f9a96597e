"""The Servizio sociale professionale's read model: its register of case files (fascicoli)
and of their interventions, fed by the casework ledger.

Rows hold facts as they happened (UTC instants, the dates the events carry); "today",
"overdue" and every deadline are worked out when asked, in Europe/Rome, so a rebuild equals
the incremental state. Personal fields arrive encrypted and are never stored here: rows
hold ids, codes, dates and times, and the coarse statistical profile written in clear.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
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
    func,
    or_,
    select,
    update,
)

from shared.projections.base import WireEvent, instant

metadata = MetaData()
casi = Table(
    "casework_casi",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("persona_id", String(20), nullable=False, index=True),
    Column("stato", String(10), nullable=False, index=True),
    Column("origine", String(20), nullable=False),
    Column("area_utenza", String(10), nullable=False, index=True),
    Column("comune", String(4), nullable=False, index=True),
    Column("fascia_eta", String(10), nullable=False),
    Column("cittadinanza", String(10), nullable=False),
    Column("urgente", Boolean, nullable=False),
    Column("assistente_sociale", String(200), index=True),
    Column("aperto_il", DateTime(timezone=True), nullable=False, index=True),
    Column("assegnato_il", DateTime(timezone=True)),
    Column("in_carico_dal", DateTime(timezone=True)),
    Column("chiuso_il", DateTime(timezone=True)),
    Column("motivo_chiusura", String(30)),
    Column("domanda_id", String(36), index=True),
    Column("caso_precedente_id", String(36), index=True),
    Column("revisione_entro", Date),
    Column("interventi_attivi", Integer, nullable=False),
    Column("versione", Integer, nullable=False),
    Column("posizione", BigInteger, nullable=False),
)
"""One row per case: ``stato`` is ``in_attesa`` (opened, waiting for assignment),
``assegnato`` (a social worker assigned, or reassigned, and not yet taking charge),
``in_carico`` or ``chiuso`` (with its ``motivo_chiusura``). ``area_utenza`` is the one of the
latest assignment. ``versione`` is the case's (for ``If-Match`` after a list), ``posizione``
the ledger position of its latest event."""
professionisti = Table(
    "casework_professionisti",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("utente", String(100), primary_key=True, index=True),
)
"""The professionals a case's project names (``ProgettoDefinito.professionisti``): an
educatore, psicologo or pedagogista lists only these cases."""
interventi = Table(
    "casework_interventi",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("intervento_id", String(36), primary_key=True),
    Column("prestazione", String(10), nullable=False),
    Column("risorsa_id", String(36), index=True),
    Column("inizio", Date, nullable=False),
    Column("fine_prevista", Date),
    Column("verificato", Boolean, nullable=False),
    Column("concluso", Boolean, nullable=False),
    Column("annullato", Boolean, nullable=False),
)
"""One row per intervention of a case: concluded by InterventoConcluso, or by a
verification that concludes it (``concluso: true``), whichever comes first; ``annullato``
once withdrawn as recorded by mistake (InterventoAnnullato: it is then no longer running,
whether or not it had been concluded)."""

EVENT_TYPES = frozenset(
    {
        "CasoAperto",
        "AssistenteSocialeAssegnato",
        "PresaInCarico",
        "NucleoFamiliareRegistrato",
        "RappresentanteLegaleRegistrato",
        "ValutazioneEffettuata",
        "ValutazioneRettificata",
        "ContrattoFirmato",
        "ProgettoDefinito",
        "ProgettoRivisto",
        "InterventoAttivato",
        "MonitoraggioRegistrato",
        "InterventoVerificato",
        "InterventoConcluso",
        "InterventoAnnullato",
        "SegnalazioneTribunale",
        "ProvvedimentoRecepito",
        "RelazioneInviata",
        "CasoChiuso",
        "QuestionarioRaccolto",
        "DatiPersonaRettificati",
        "PersonaAttribuita",
    }
)
"""Every event of a case: those that change nothing listed here still move the case's
version and position."""


da_verificare = Table(
    "casework_da_verificare",
    metadata,
    Column("caso_id", String(36), primary_key=True),
    Column("persona_id", String(20), nullable=False),
    Column("comune", String(4), nullable=False, index=True),
    Column("area_utenza", String(10), nullable=False),
    Column("aperto_il", DateTime(timezone=True), nullable=False, index=True),
)
"""The cases whose person was recorded apart with "codice fiscale da verificare" (opened so,
or handed over from such a request), until a coordinatore decides (decision 0032). A table
of its own: such cases exist only since it does, so no rebuild is needed to add it."""


def _optional_id(value: Any) -> str | None:
    return None if value is None else str(value)


class FascicoliCasework:
    name = "casework.fascicoli"
    sources: tuple[str, ...] = ("casework",)
    event_types = EVENT_TYPES
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        handler = getattr(self, f"_{event.type}", None)
        if handler is None:
            self._touch(connection, event)
            return
        handler(connection, event, event.data)

    def _touch(self, connection: Connection, event: WireEvent, **values: Any) -> None:
        """Every event of a case moves its version and position."""
        connection.execute(
            update(casi)
            .where(casi.c.id == event.aggregate_id)
            .values(
                versione=int(event.data["aggregate_version"]), posizione=event.position, **values
            )
        )

    # -- the case --------------------------------------------------------------------

    def _CasoAperto(  # noqa: N802 - named after the event
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        profilo = data["profilo"]
        connection.execute(
            casi.insert().values(
                id=event.aggregate_id,
                persona_id=data["persona_id"],
                stato="in_attesa",
                origine=data["origine"],
                area_utenza=data["area_utenza"],
                comune=profilo["comune"],
                fascia_eta=profilo.get("fascia_eta", "non_nota"),
                cittadinanza=profilo.get("cittadinanza", "non_nota"),
                urgente=bool(data.get("urgente", False)),
                aperto_il=instant(data["occurred_at"]),
                domanda_id=_optional_id(data.get("domanda_id")),
                caso_precedente_id=_optional_id(data.get("caso_precedente_id")),
                interventi_attivi=0,
                versione=int(data["aggregate_version"]),
                posizione=event.position,
            )
        )
        if (data.get("persona") or {}).get("codice_fiscale_da_verificare"):
            connection.execute(
                da_verificare.insert().values(
                    caso_id=event.aggregate_id,
                    persona_id=data["persona_id"],
                    comune=profilo["comune"],
                    area_utenza=data["area_utenza"],
                    aperto_il=instant(data["occurred_at"]),
                )
            )

    def _DatiPersonaRettificati(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        profilo = data["profilo"]
        self._touch(
            connection,
            event,
            fascia_eta=profilo.get("fascia_eta", "non_nota"),
            cittadinanza=profilo.get("cittadinanza", "non_nota"),
        )

    def _PersonaAttribuita(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        """The case is about another person now, or stays apart: no longer to verify."""
        connection.execute(
            delete(da_verificare).where(da_verificare.c.caso_id == event.aggregate_id)
        )
        profilo = data["profilo"]
        self._touch(
            connection,
            event,
            persona_id=data["persona_id"],
            fascia_eta=profilo.get("fascia_eta", "non_nota"),
            cittadinanza=profilo.get("cittadinanza", "non_nota"),
        )

    def _AssistenteSocialeAssegnato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        """An assignment, or a reassignment: the case waits for the new worker's taking
        charge."""
        self._touch(
            connection,
            event,
            stato="assegnato",
            assistente_sociale=data["assistente_sociale"],
            area_utenza=data["area_utenza"],
            assegnato_il=instant(data["occurred_at"]),
            in_carico_dal=None,
        )

    def _PresaInCarico(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._touch(
            connection,
            event,
            stato="in_carico",
            assistente_sociale=data["assistente_sociale"],
            in_carico_dal=instant(data["occurred_at"]),
        )

    def _ProgettoDefinito(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._touch(connection, event, revisione_entro=date.fromisoformat(data["revisione_entro"]))
        self._nomina(connection, event.aggregate_id, data.get("professionisti") or [])

    def _ProgettoRivisto(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._touch(connection, event, revisione_entro=date.fromisoformat(data["revisione_entro"]))
        if data.get("professionisti") is not None:
            self._nomina(connection, event.aggregate_id, data["professionisti"])

    @staticmethod
    def _nomina(connection: Connection, caso_id: str, utenti: list[str]) -> None:
        """Who the project names from now on (none once the case is closed)."""
        connection.execute(professionisti.delete().where(professionisti.c.caso_id == caso_id))
        for utente in sorted(set(utenti)):
            connection.execute(professionisti.insert().values(caso_id=caso_id, utente=utente))

    def _CasoChiuso(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._nomina(connection, event.aggregate_id, [])  # the project's team reads no more
        self._touch(
            connection,
            event,
            stato="chiuso",
            chiuso_il=instant(data["occurred_at"]),
            motivo_chiusura=data["motivo"],
        )

    # -- interventions ---------------------------------------------------------------

    def _InterventoAttivato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        fine = data.get("fine_prevista")
        connection.execute(
            interventi.insert().values(
                caso_id=event.aggregate_id,
                intervento_id=str(data["intervento_id"]),
                prestazione=data["prestazione"],
                risorsa_id=_optional_id(data.get("risorsa_id")),
                inizio=date.fromisoformat(data["inizio"]),
                fine_prevista=None if fine is None else date.fromisoformat(fine),
                verificato=False,
                concluso=False,
                annullato=False,
            )
        )
        self._count_active(connection, event)

    def _InterventoVerificato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        """As the case does: the outcome is verified at or after its end; a check while it
        runs leaves the final verification due."""
        i = interventi.c
        values: dict[str, Any] = (
            {"verificato": True, "concluso": True}
            if data["concluso"]
            else {"verificato": or_(i.verificato, i.concluso)}
        )
        self._intervention(connection, event, data, values)

    def _InterventoConcluso(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._intervention(connection, event, data, {"concluso": True})

    def _InterventoAnnullato(  # noqa: N802
        self, connection: Connection, event: WireEvent, data: dict[str, Any]
    ) -> None:
        self._intervention(connection, event, data, {"annullato": True})

    def _intervention(
        self,
        connection: Connection,
        event: WireEvent,
        data: dict[str, Any],
        values: dict[str, Any],
    ) -> None:
        i = interventi.c
        connection.execute(
            update(interventi)
            .where(
                (i.caso_id == event.aggregate_id) & (i.intervento_id == str(data["intervento_id"]))
            )
            .values(**values)
        )
        self._count_active(connection, event)

    def _count_active(self, connection: Connection, event: WireEvent) -> None:
        """Active interventions: activated, neither concluded nor withdrawn, counted from
        their rows (an intervention concluded twice, by its verification and by its end,
        counts once)."""
        i = interventi.c
        active = connection.execute(
            select(func.count())
            .select_from(interventi)
            .where(
                (i.caso_id == event.aggregate_id) & i.concluso.is_(False) & i.annullato.is_(False)
            )
        ).scalar_one()
        self._touch(connection, event, interventi_attivi=int(active))
