"""The deadline rules of caseloads and the cartella (decision 0020), as pure functions over a
case's events: each rule, and what leaves a deadline owed or meets it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.reporting.soglie import (
    GENERALE,
    SOGLIA_PREDEFINITA,
    id_soglia,
    in_allarme,
    soglia_per,
)
from shared.scadenze import (
    Scadenza,
    fine_settimana,
    in_settimana,
    oggi,
    scadenze_del_caso,
    scaduta,
)

DAY = date(2026, 11, 2)


@dataclass(frozen=True)
class Evento:
    type: str
    data: dict[str, Any] = field(default_factory=dict)


def _progetto(entro: date, tipo: str = "ProgettoDefinito") -> Evento:
    return Evento(tipo, {"revisione_entro": entro.isoformat(), "obiettivi": "cifrato"})


def _attivato(intervento: UUID, fine: date | None = None) -> Evento:
    return Evento(
        "InterventoAttivato",
        {
            "intervento_id": str(intervento),
            "inizio": DAY.isoformat(),
            "fine_prevista": None if fine is None else fine.isoformat(),
        },
    )


def _verificato(intervento: UUID, concluso: bool) -> Evento:
    return Evento("InterventoVerificato", {"intervento_id": str(intervento), "concluso": concluso})


def _concluso(intervento: UUID, il: date) -> Evento:
    return Evento(
        "InterventoConcluso", {"intervento_id": str(intervento), "concluso_il": il.isoformat()}
    )


def _ordine(provvedimento: UUID, entro: date | None) -> Evento:
    return Evento(
        "ProvvedimentoRecepito",
        {
            "provvedimento_id": str(provvedimento),
            "relazione_entro": None if entro is None else entro.isoformat(),
        },
    )


def _relazione(provvedimento: UUID | None) -> Evento:
    return Evento(
        "RelazioneInviata",
        {"provvedimento_id": None if provvedimento is None else str(provvedimento)},
    )


APERTO = Evento("CasoAperto", {"area_utenza": "ELD"})


def test_the_latest_review_date_wins() -> None:
    events = [
        APERTO,
        _progetto(DAY + timedelta(30)),
        _progetto(DAY + timedelta(90), "ProgettoRivisto"),
    ]
    assert scadenze_del_caso(events) == [Scadenza("revisione_progetto", DAY + timedelta(90))]
    # an earlier date set by a later revision wins too: the latest event counts, not the max
    events.append(_progetto(DAY + timedelta(10), "ProgettoRivisto"))
    assert scadenze_del_caso(events) == [Scadenza("revisione_progetto", DAY + timedelta(10))]


def test_an_intervention_is_due_at_its_planned_end() -> None:
    intervento = uuid4()
    events = [APERTO, _progetto(DAY + timedelta(90)), _attivato(intervento, DAY + timedelta(30))]
    assert Scadenza("verifica_intervento", DAY + timedelta(30), intervento) in scadenze_del_caso(
        events
    )


def test_a_running_intervention_without_planned_end_owes_nothing_yet() -> None:
    intervento = uuid4()
    events = [APERTO, _attivato(intervento)]
    assert scadenze_del_caso(events) == []


def test_a_mid_run_check_leaves_the_deadline() -> None:
    intervento = uuid4()
    events = [APERTO, _attivato(intervento, DAY + timedelta(30)), _verificato(intervento, False)]
    assert scadenze_del_caso(events) == [
        Scadenza("verifica_intervento", DAY + timedelta(30), intervento)
    ]


def test_a_verification_that_concludes_meets_it() -> None:
    intervento = uuid4()
    events = [APERTO, _attivato(intervento, DAY + timedelta(30)), _verificato(intervento, True)]
    assert scadenze_del_caso(events) == []


def test_a_conclusion_without_planned_end_sets_the_deadline() -> None:
    intervento = uuid4()
    ended = DAY + timedelta(12)
    events = [APERTO, _attivato(intervento), _concluso(intervento, ended)]
    assert scadenze_del_caso(events) == [Scadenza("verifica_intervento", ended, intervento)]


def test_a_conclusion_keeps_the_planned_end_as_due_date() -> None:
    intervento = uuid4()
    events = [APERTO, _attivato(intervento, DAY + timedelta(30)), _concluso(intervento, DAY)]
    assert scadenze_del_caso(events) == [
        Scadenza("verifica_intervento", DAY + timedelta(30), intervento)
    ]


def test_any_verification_after_the_end_meets_it() -> None:
    intervento = uuid4()
    events = [
        APERTO,
        _attivato(intervento),
        _verificato(intervento, False),  # a check while it runs
        _concluso(intervento, DAY),
    ]
    assert len(scadenze_del_caso(events)) == 1
    events.append(_verificato(intervento, False))  # after its end: the final one
    assert scadenze_del_caso(events) == []


def _annullato(intervento: UUID) -> Evento:
    return Evento("InterventoAnnullato", {"intervento_id": str(intervento), "motivo": "cifrato"})


def test_a_withdrawn_intervention_owes_no_verification_running_or_concluded() -> None:
    running, ended, other = uuid4(), uuid4(), uuid4()
    events = [
        APERTO,
        _attivato(running, DAY + timedelta(30)),
        _attivato(ended),
        _concluso(ended, DAY),
        _attivato(other, DAY + timedelta(40)),
    ]
    assert len(scadenze_del_caso(events)) == 3
    events += [_annullato(running), _annullato(ended)]
    assert scadenze_del_caso(events) == [
        Scadenza("verifica_intervento", DAY + timedelta(40), other)
    ]
    # a withdrawal is final: nothing later makes its verification due again
    events.append(_concluso(running, DAY + timedelta(5)))
    assert [s.riferimento_id for s in scadenze_del_caso(events)] == [other]


def test_a_court_report_is_owed_until_a_report_names_that_order() -> None:
    ordine, altro = uuid4(), uuid4()
    entro = DAY + timedelta(60)
    events = [APERTO, _ordine(ordine, entro), _ordine(altro, None)]
    owed = [Scadenza("relazione_tribunale", entro, ordine)]
    assert scadenze_del_caso(events) == owed  # an order asking for no report owes nothing
    events.append(_relazione(altro))  # a report naming another order
    assert scadenze_del_caso(events) == owed
    events.append(_relazione(None))  # a report naming no order
    assert scadenze_del_caso(events) == owed
    events.append(_relazione(ordine))
    assert scadenze_del_caso(events) == []


def test_closure_clears_every_deadline() -> None:
    intervento, ordine = uuid4(), uuid4()
    events = [
        APERTO,
        _progetto(DAY + timedelta(90)),
        _attivato(intervento, DAY + timedelta(30)),
        _ordine(ordine, DAY + timedelta(60)),
    ]
    found = scadenze_del_caso(events)
    assert [s.tipo for s in found] == [
        "verifica_intervento",
        "relazione_tribunale",
        "revisione_progetto",
    ]  # by due date
    assert scadenze_del_caso([*events, Evento("CasoChiuso", {"motivo": "altro"})]) == []


def test_overdue_and_this_week_are_relative_to_today() -> None:
    today = DAY
    assert not scaduta(today, today)  # due today: not overdue yet
    assert scaduta(today - timedelta(1), today)
    assert fine_settimana(today) == today + timedelta(7)
    assert in_settimana(today, today)
    assert in_settimana(today + timedelta(7), today)
    assert not in_settimana(today + timedelta(8), today)
    assert not in_settimana(today - timedelta(1), today)


def test_today_is_the_date_in_rome() -> None:
    # 23:30 UTC on 31 December is already 1 January in Rome
    late = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert oggi(late) == date(2027, 1, 1)


def test_the_area_threshold_wins_over_the_general_one() -> None:
    assert soglia_per({}, "ELD") == SOGLIA_PREDEFINITA
    assert soglia_per({GENERALE: 40}, "ELD") == 40
    assert soglia_per({GENERALE: 40, "ELD": 25}, "ELD") == 25
    assert soglia_per({GENERALE: 40, "ELD": 25}, "FAM") == 40
    assert in_allarme(26, 25)
    assert not in_allarme(25, 25)


def test_threshold_ids_are_deterministic_per_area() -> None:
    assert id_soglia("ELD") == id_soglia("ELD")
    assert len({id_soglia(None), id_soglia("ELD"), id_soglia("FAM")}) == 3
