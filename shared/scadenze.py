"""What a case owes, and when (decision 0020): pure rules over the casework events, the one
place they live. The case itself (``services.casework.domain.Caso``) keeps its deadline facts
with them as its events apply, the caseload read model keeps one row per fact, and the
cartella derives one case's deadlines from its events.

Three kinds of deadline fact: the project's review (``revisione_progetto``: the latest
``ProgettoDefinito``/``ProgettoRivisto`` date counts), an intervention's final verification
(``verifica_intervento``: due at its planned end, or at its end when none was planned, until
its outcome is verified at or after its end; a check while it runs leaves it due), and a
court report an order asks for (``relazione_tribunale``: until a ``RelazioneInviata`` names
that order). An intervention withdrawn (``InterventoAnnullato``: recorded by mistake, it never
happened) owes no verification from then on, whether it was running or concluded: its fact is
discharged for good, and nothing later revives it. Nothing is owed once the case is closed.

Nothing here depends on the clock: whether a deadline is overdue or due
this week is decided at query time (``scaduta``, ``in_settimana``), in Europe/Rome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")
SETTIMANA_GIORNI = 7
"""A week is today through the next 7 days."""

TipoScadenza = Literal["revisione_progetto", "verifica_intervento", "relazione_tribunale"]
TIPI: tuple[TipoScadenza, ...] = (
    "revisione_progetto",
    "verifica_intervento",
    "relazione_tribunale",
)
PROGETTO = ""
"""The reference of the project review: a case has one project, so it needs no id."""

EVENTI = frozenset(
    {
        "ProgettoDefinito",
        "ProgettoRivisto",
        "InterventoAttivato",
        "InterventoVerificato",
        "InterventoConcluso",
        "InterventoAnnullato",
        "ProvvedimentoRecepito",
        "RelazioneInviata",
    }
)
"""The events that change a case's deadline facts (``CasoChiuso`` clears them all)."""


class EventoCaso(Protocol):
    """A casework event as a projection sees it (``WireEvent``): its type and its data."""

    @property
    def type(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Fatto:
    """A deadline fact of a case and what tells whether it is still owed."""

    tipo: TipoScadenza
    riferimento: str
    """The intervention's or the order's id; ``PROGETTO`` for the project review."""
    entro: date | None
    """When it is due; None while an intervention runs with no planned end."""
    concluso: bool = False
    """An intervention that has ended: any verification now is the final one."""
    assolta: bool = False
    """Discharged: the final verification made, the report sent, or the intervention
    withdrawn (nothing was delivered, so there is nothing to verify)."""

    @property
    def dovuta(self) -> bool:
        return self.entro is not None and not self.assolta


@dataclass(frozen=True)
class Scadenza:
    """A deadline a case owes; whether it is overdue is decided at query time."""

    tipo: TipoScadenza
    entro: date
    riferimento_id: UUID | None = None


Chiave = tuple[str, str]
"""(tipo, riferimento): one fact per project, intervention, order."""


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def applica(
    fatti: Mapping[Chiave, Fatto], tipo_evento: str, data: Mapping[str, Any]
) -> list[Fatto]:
    """The facts an event creates or changes (the others stay as they are)."""
    if tipo_evento in ("ProgettoDefinito", "ProgettoRivisto"):
        # the latest review date counts: a revision sets the next review
        return [Fatto("revisione_progetto", PROGETTO, _day(data["revisione_entro"]))]
    if tipo_evento == "InterventoAttivato":
        return [
            Fatto(
                "verifica_intervento", str(data["intervento_id"]), _day(data.get("fine_prevista"))
            )
        ]
    if tipo_evento == "ProvvedimentoRecepito":
        entro = _day(data.get("relazione_entro"))
        if entro is None:
            return []  # the order asks for no report by a date: nothing owed
        return [Fatto("relazione_tribunale", str(data["provvedimento_id"]), entro)]
    if tipo_evento == "RelazioneInviata":
        if data.get("provvedimento_id") is None:
            return []  # a report on the service's own initiative meets no order's request
        found = fatti.get(("relazione_tribunale", str(data["provvedimento_id"])))
        return [] if found is None else [replace(found, assolta=True)]
    if tipo_evento == "InterventoAnnullato":
        found = fatti.get(("verifica_intervento", str(data["intervento_id"])))
        return [] if found is None else [replace(found, assolta=True)]
    if tipo_evento == "InterventoConcluso":
        found = fatti.get(("verifica_intervento", str(data["intervento_id"])))
        if found is None:
            return []
        # ended without a planned end: the verification is due from its end
        entro = found.entro or _day(data["concluso_il"])
        return [replace(found, entro=entro, concluso=True)]
    if tipo_evento == "InterventoVerificato":
        found = fatti.get(("verifica_intervento", str(data["intervento_id"])))
        if found is None:
            return []
        if found.concluso or data.get("concluso"):
            return [replace(found, concluso=True, assolta=True)]
        return []  # a check while it runs: the final verification stays due
    return []


def scadenze(fatti: Iterable[Fatto], chiuso: bool = False) -> list[Scadenza]:
    """The deadlines still owed, by due date: none once the case is closed."""
    if chiuso:
        return []
    found = [
        Scadenza(f.tipo, f.entro, None if f.riferimento == PROGETTO else UUID(f.riferimento))
        for f in fatti
        if f.dovuta and f.entro is not None
    ]
    return sorted(found, key=lambda s: (s.entro, TIPI.index(s.tipo), str(s.riferimento_id)))


def scadenze_del_caso(events: Iterable[EventoCaso]) -> list[Scadenza]:
    """One case's deadlines from its events in ledger order (the cartella's view)."""
    fatti: dict[Chiave, Fatto] = {}
    chiuso = False
    for event in events:
        if event.type == "CasoChiuso":
            chiuso = True
        for fatto in applica(fatti, event.type, event.data):
            fatti[(fatto.tipo, fatto.riferimento)] = fatto
    return scadenze(fatti.values(), chiuso)


# -- at query time ------------------------------------------------------------------------


def oggi(now: datetime | None = None) -> date:
    """Today in Europe/Rome."""
    return (now or datetime.now(ROME)).astimezone(ROME).date()


def scaduta(entro: date, today: date) -> bool:
    """Overdue: its day has passed (a deadline due today is not overdue yet)."""
    return entro < today


def fine_settimana(today: date) -> date:
    """The last day of "this week": today through the next 7 days."""
    return today + timedelta(days=SETTIMANA_GIORNI)


def in_settimana(entro: date, today: date) -> bool:
    return today <= entro <= fine_settimana(today)
