"""The intake aggregates' rules, without a database (``services/intake/domain.py``).

A request (Domanda): every action is refused once it is closed; a hand-over happens once;
closing as ``orientata`` needs an orientation and as ``inviata``/``presa_in_carico`` a
hand-over; nothing closes while an appointment is still booked; an appointment is held or
missed only once it has started, and only once; an application is completed once. A desk
(Sportello): its slots begin before they end and never overlap on one day; ``aperto`` takes
a time span inside one slot, edges included. A worker's day (Agenda): no two appointments
overlap, adjacent ones do not clash, a freed slot can be booked again.

Every rule is checked on the aggregate as created and again as a repository rebuilds it
from its recorded events (``apply``), where that state matters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from services.intake.domain import Agenda, Domanda, Sportello, agenda_id
from shared.errors import Conflict, NotFound
from shared.events import CommandContext, acting, intake
from shared.events.envelope import LedgerEvent
from shared.events.intake import Fascia
from shared.events.profile import ProfiloStatistico

ROME = ZoneInfo("Europe/Rome")
PERSONA_ID = "ABCDEFGHIJ0123456789"
SPORTELLO = uuid4()
RISORSA = uuid4()
START = datetime(2026, 12, 9, 10, 0, tzinfo=ROME)
END = START + timedelta(minutes=30)
EXPECTED_CLOSED = "la domanda è chiusa"


def _domanda(**overrides: Any) -> Domanda:
    values: dict[str, Any] = {
        "persona_id": PERSONA_ID,
        "persona": intake.DatiPersona(nome="Maria", cognome="Rossi"),
        "comune": "E094",
        "canale": "sportello",
        "bisogno": "Vive sola e non riesce più a fare la spesa",
        "area_utenza": "ELD",
        "urgente": False,
        "profilo": ProfiloStatistico(
            fascia_eta="85+", sesso="F", cittadinanza="italiana", comune="E094", area="ELD"
        ),
        "richiedente": None,
        "sportello_id": None,
    }
    values.update(overrides)
    return Domanda(**values)


def _pending(aggregate: Any) -> list[LedgerEvent]:
    collected = aggregate.collect_events()
    assert all(isinstance(event, LedgerEvent) for event in collected)
    return [event for event in collected if isinstance(event, LedgerEvent)]


def _replayed(recorded: Sequence[LedgerEvent]) -> Any:
    """The aggregate as a repository rebuilds it from its recorded events."""
    aggregate: Any = None
    for event in recorded:
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def _rebuilt(domanda: Domanda) -> Domanda:
    rebuilt = _replayed(_pending(domanda))
    assert isinstance(rebuilt, Domanda)
    assert rebuilt.version == domanda.version
    return rebuilt


@pytest.fixture
def acting_as(operatore: CommandContext) -> Any:
    with acting(operatore) as context:
        yield context


@pytest.fixture
def domanda(acting_as: CommandContext) -> Domanda:
    return _domanda()


def _book(domanda: Domanda, start: datetime = START, con: str = "as.anziani") -> UUID:
    appuntamento_id = uuid4()
    domanda.fissa_appuntamento(
        appuntamento_id, start, start + timedelta(minutes=30), con, SPORTELLO
    )
    return appuntamento_id


def _closed(domanda: Domanda) -> Domanda:
    domanda.informa(["SAD"], None)
    domanda.chiudi("informata", None)
    assert domanda.chiusa
    return domanda


# -- what each action records ----------------------------------------------------------


def test_each_action_records_its_event_with_the_acting_context(
    domanda: Domanda, operatore: CommandContext
) -> None:
    domanda.informa(["SAD", "pasti a domicilio"], "criteri ISEE spiegati")
    domanda.orienta(RISORSA, "centro diurno vicino a casa")
    appuntamento_id = _book(domanda)
    istanza_id = uuid4()
    domanda.istruisci(istanza_id, "SAD", "A2.07", "PROT-2026-1", date(2026, 12, 21))
    domanda.completa_istanza(istanza_id, START)
    domanda.registra_appuntamento(appuntamento_id, True, END)
    domanda.inoltra("DIS", "serve una valutazione multidimensionale", True)
    domanda.chiudi("inviata", "presa in carico attesa")
    recorded = _pending(domanda)
    assert [type(event).__name__ for event in recorded] == [
        "DomandaRicevuta",
        "InformazioniFornite",
        "DomandaOrientata",
        "AppuntamentoFissato",
        "IstanzaIstruita",
        "IstanzaCompletata",
        "AppuntamentoSvolto",
        "DomandaInoltrata",
        "DomandaChiusa",
    ]
    assert [event.originator_version for event in recorded] == list(range(1, 10))
    for event in recorded:
        assert event.actor == operatore.actor
        assert event.legal_basis == "L328_ART22"
        assert event.source == "api"
    assert all(getattr(event, "persona_id", PERSONA_ID) == PERSONA_ID for event in recorded)
    handed_over = recorded[7]
    assert isinstance(handed_over, intake.DomandaInoltrata)
    assert (handed_over.area_utenza, handed_over.motivo, handed_over.urgente) == (
        "DIS",
        "serve una valutazione multidimensionale",
        True,
    )
    # the hand-over's profile carries the area it was handed over in, the rest unchanged
    assert handed_over.profilo.area == "DIS"
    assert (handed_over.profilo.comune, handed_over.profilo.fascia_eta) == ("E094", "85+")
    booked = recorded[3]
    assert isinstance(booked, intake.AppuntamentoFissato)
    assert (booked.inizio, booked.fine, booked.con, booked.sportello_id) == (
        START,
        END,
        "as.anziani",
        SPORTELLO,
    )
    rebuilt = _replayed(recorded)
    assert rebuilt.esito == "inviata"
    assert rebuilt.inoltrata is True
    assert rebuilt.orientamenti == 1
    assert rebuilt.appuntamenti[appuntamento_id].stato == "svolto"
    assert rebuilt.istanze[istanza_id].completata is True
    assert rebuilt.istanze[istanza_id].scadenza == date(2026, 12, 21)


def test_no_event_without_an_acting_context() -> None:
    with pytest.raises(ValueError, match="actor"):
        _domanda()


# -- a closed request ----------------------------------------------------------------------

ON_A_CLOSED_REQUEST: list[tuple[str, Any]] = [
    ("informazioni", lambda d: d.informa(["SAD"], None)),
    ("orientamento", lambda d: d.orienta(RISORSA, "motivo")),
    ("appuntamento", lambda d: _book(d)),
    ("istanza", lambda d: d.istruisci(uuid4(), "SAD", "A2.07", "P-1", date(2026, 12, 21))),
    ("inoltro", lambda d: d.inoltra("ELD", "motivo", False)),
    ("chiusura", lambda d: d.chiudi("non_di_competenza", None)),
]


@pytest.mark.parametrize(
    "action", [case[1] for case in ON_A_CLOSED_REQUEST], ids=[c[0] for c in ON_A_CLOSED_REQUEST]
)
@pytest.mark.parametrize("rebuilt", [False, True], ids=["creata", "ricostruita"])
def test_every_action_is_refused_on_a_closed_request(
    domanda: Domanda, action: Any, rebuilt: bool
) -> None:
    closed = _closed(domanda)
    if rebuilt:
        closed = _rebuilt(closed)
    version = closed.version
    with pytest.raises(Conflict, match=EXPECTED_CLOSED):
        action(closed)
    assert closed.version == version


def test_no_hand_over_of_a_closed_request(domanda: Domanda) -> None:
    domanda.chiudi("non_di_competenza", "competenza dell'INPS")
    with pytest.raises(Conflict, match=EXPECTED_CLOSED):
        domanda.inoltra("ELD", "anziana sola", False)
    assert not domanda.inoltrata


def test_appointments_of_a_closed_request_are_already_settled(domanda: Domanda) -> None:
    held = _book(domanda)
    domanda.registra_appuntamento(held, True, END)
    domanda.chiudi("informata", None)
    with pytest.raises(Conflict, match="già svolto"):
        domanda.registra_appuntamento(held, False, END)
    with pytest.raises(Conflict, match="già svolto"):
        domanda.annulla_appuntamento(held, "errore", START - timedelta(hours=1))


def test_an_application_may_be_completed_after_the_request_is_closed(domanda: Domanda) -> None:
    """Back-office work may end after the front office closed the request."""
    istanza_id = uuid4()
    domanda.istruisci(istanza_id, "SAD", "A2.07", "P-1", date(2026, 12, 21))
    domanda.chiudi("informata", None)
    domanda.completa_istanza(istanza_id, START)
    assert domanda.istanze[istanza_id].completata


# -- hand-over and closing ------------------------------------------------------------------


def test_a_request_is_handed_over_once(domanda: Domanda) -> None:
    domanda.inoltra("ELD", "anziana sola", False)
    for candidate in (domanda, _rebuilt(domanda)):
        with pytest.raises(Conflict, match="già stata inoltrata"):
            candidate.inoltra("POV", "di nuovo", True)


@pytest.mark.parametrize(
    ("esito", "reason"),
    [
        ("orientata", "non è stata orientata"),
        ("inviata", "non è stata inoltrata"),
        ("presa_in_carico", "non è stata inoltrata"),
    ],
)
def test_closing_with_an_outcome_needs_the_act_behind_it(
    domanda: Domanda, esito: str, reason: str
) -> None:
    domanda.informa(["SAD"], None)
    for candidate in (domanda, _rebuilt(domanda)):
        with pytest.raises(Conflict, match=reason):
            candidate.chiudi(esito, None)
        assert not candidate.chiusa


@pytest.mark.parametrize(
    ("esito", "act"),
    [
        ("orientata", lambda d: d.orienta(RISORSA, "consultorio")),
        ("inviata", lambda d: d.inoltra("FAM", "minore a rischio", True)),
        ("presa_in_carico", lambda d: d.inoltra("FAM", "minore a rischio", True)),
    ],
)
def test_closing_with_an_outcome_after_its_act(domanda: Domanda, esito: str, act: Any) -> None:
    act(domanda)
    rebuilt = _rebuilt(domanda)
    for candidate in (domanda, rebuilt):
        candidate.chiudi(esito, None)
        assert candidate.esito == esito


@pytest.mark.parametrize("esito", ["informata", "non_di_competenza"])
def test_outcomes_without_a_prerequisite_close_at_once(domanda: Domanda, esito: str) -> None:
    domanda.chiudi(esito, "nota")
    assert domanda.chiusa
    closed = _pending(domanda)[-1]
    assert isinstance(closed, intake.DomandaChiusa)
    assert (closed.esito, closed.nota) == (esito, "nota")


def test_no_closing_while_an_appointment_is_still_booked(domanda: Domanda) -> None:
    held = _book(domanda)
    booked = _book(domanda, START + timedelta(hours=1))
    domanda.registra_appuntamento(held, True, END)
    for candidate in (domanda, _rebuilt(domanda)):
        with pytest.raises(Conflict, match="ancora fissato"):
            candidate.chiudi("informata", None)
    domanda.annulla_appuntamento(booked, "la persona ha rinunciato", START - timedelta(hours=1))
    domanda.chiudi("informata", None)
    assert domanda.chiusa


@pytest.mark.parametrize("settle", ["svolto", "mancato", "annullato"])
def test_a_settled_appointment_no_longer_blocks_closing(domanda: Domanda, settle: str) -> None:
    appuntamento_id = _book(domanda)
    if settle == "annullato":
        domanda.annulla_appuntamento(appuntamento_id, "rinuncia", START - timedelta(hours=1))
    else:
        domanda.registra_appuntamento(appuntamento_id, settle == "svolto", END)
    domanda.chiudi("informata", None)
    assert _rebuilt(domanda).appuntamenti[appuntamento_id].stato == settle


# -- appointments -------------------------------------------------------------------------


@pytest.mark.parametrize("svolto", [True, False], ids=["svolto", "mancato"])
def test_an_appointment_is_held_or_missed_only_once_it_has_started(
    domanda: Domanda, svolto: bool
) -> None:
    appuntamento_id = _book(domanda)
    version = domanda.version
    with pytest.raises(Conflict, match="non è ancora iniziato"):
        domanda.registra_appuntamento(appuntamento_id, svolto, START - timedelta(seconds=1))
    assert domanda.version == version
    domanda.registra_appuntamento(appuntamento_id, svolto, START)  # from its very start
    recorded = _pending(domanda)[-1]
    expected = intake.AppuntamentoSvolto if svolto else intake.AppuntamentoMancato
    assert isinstance(recorded, expected)
    assert recorded.appuntamento_id == appuntamento_id
    assert domanda.appuntamenti[appuntamento_id].stato == ("svolto" if svolto else "mancato")


def test_a_missed_appointment_is_recorded_not_deleted(domanda: Domanda) -> None:
    appuntamento_id = _book(domanda)
    domanda.registra_appuntamento(appuntamento_id, False, END)
    rebuilt = _rebuilt(domanda)
    assert appuntamento_id in rebuilt.appuntamenti
    assert rebuilt.appuntamenti[appuntamento_id].stato == "mancato"


SETTLE: list[tuple[str, Any]] = [
    ("svolto", lambda d, a: d.registra_appuntamento(a, True, END)),
    ("mancato", lambda d, a: d.registra_appuntamento(a, False, END)),
    ("annullato", lambda d, a: d.annulla_appuntamento(a, "rinuncia", START - timedelta(hours=1))),
]


@pytest.mark.parametrize(("stato", "first"), SETTLE, ids=[f"già {case[0]}" for case in SETTLE])
@pytest.mark.parametrize(
    "then", [case[1] for case in SETTLE], ids=[f"poi {case[0]}" for case in SETTLE]
)
def test_a_settled_appointment_is_not_settled_again(
    domanda: Domanda, stato: str, first: Any, then: Any
) -> None:
    appuntamento_id = _book(domanda)
    first(domanda, appuntamento_id)
    for candidate in (domanda, _rebuilt(domanda)):
        version = candidate.version
        with pytest.raises(Conflict, match=f"l'appuntamento è già {stato}"):
            then(candidate, appuntamento_id)
        assert candidate.version == version


@pytest.mark.parametrize(
    "action",
    [
        lambda d, a: d.registra_appuntamento(a, True, END),
        lambda d, a: d.registra_appuntamento(a, False, END),
        lambda d, a: d.annulla_appuntamento(a, "rinuncia", START - timedelta(hours=1)),
        lambda d, a: d.appuntamento(a),
    ],
    ids=["svolto", "mancato", "annullamento", "lettura"],
)
def test_an_unknown_appointment_is_not_found(domanda: Domanda, action: Any) -> None:
    _book(domanda)
    with pytest.raises(NotFound, match="appuntamento non trovato"):
        action(domanda, uuid4())


def test_a_cancellation_records_its_reason(domanda: Domanda) -> None:
    appuntamento_id = _book(domanda)
    domanda.annulla_appuntamento(
        appuntamento_id, "la persona è ricoverata", START - timedelta(hours=1)
    )
    cancelled = _pending(domanda)[-1]
    assert isinstance(cancelled, intake.AppuntamentoAnnullato)
    assert (cancelled.appuntamento_id, cancelled.motivo) == (
        appuntamento_id,
        "la persona è ricoverata",
    )


# -- applications ---------------------------------------------------------------------------


def test_an_application_is_opened_with_its_protocol_and_deadline(domanda: Domanda) -> None:
    istanza_id = uuid4()
    domanda.istruisci(istanza_id, "BUONI_SPESA", "A1.06", "PROT-2026-0042", date(2026, 12, 14))
    opened = _pending(domanda)[-1]
    assert isinstance(opened, intake.IstanzaIstruita)
    assert (opened.istanza_id, opened.tipo, opened.prestazione) == (
        istanza_id,
        "BUONI_SPESA",
        "A1.06",
    )
    assert (opened.protocollo, opened.scadenza) == ("PROT-2026-0042", date(2026, 12, 14))


def test_completing_an_unknown_application_is_not_found(domanda: Domanda) -> None:
    domanda.istruisci(uuid4(), "SAD", "A2.07", "P-1", date(2026, 12, 21))
    with pytest.raises(NotFound, match="istanza non trovata"):
        domanda.completa_istanza(uuid4(), START)


def test_an_application_is_completed_once(domanda: Domanda) -> None:
    istanza_id = uuid4()
    domanda.istruisci(istanza_id, "SAD", "A2.07", "P-1", date(2026, 12, 21))
    domanda.completa_istanza(istanza_id, START)
    recorded = _pending(domanda)
    completed = recorded[-1]
    assert isinstance(completed, intake.IstanzaCompletata)
    assert (completed.istanza_id, completed.completata_il) == (istanza_id, START)
    for candidate in (domanda, _replayed(recorded)):
        version = candidate.version
        with pytest.raises(Conflict, match="già completata"):
            candidate.completa_istanza(istanza_id, END)
        assert candidate.version == version


# -- desks and their opening hours ------------------------------------------------------


def _fascia(giorno: int, dalle: str, alle: str) -> Fascia:
    return Fascia(giorno=giorno, dalle=time.fromisoformat(dalle), alle=time.fromisoformat(alle))


@pytest.fixture
def sportello(acting_as: CommandContext) -> Sportello:
    return Sportello(comune="E094", nome="Sportello di Gorgonzola")


def test_opening_hours_are_recorded_and_replace_the_previous_ones(sportello: Sportello) -> None:
    week = [_fascia(day, "08:00", "18:00") for day in range(5)]
    sportello.definisci_orari(week)
    sportello.definisci_orari([_fascia(0, "09:00", "12:30"), _fascia(3, "14:00", "17:00")])
    recorded = _pending(sportello)
    assert [type(event).__name__ for event in recorded] == [
        "SportelloIstituito",
        "OrariSportelloDefiniti",
        "OrariSportelloDefiniti",
    ]
    rebuilt = _replayed(recorded)
    assert isinstance(rebuilt, Sportello)
    assert (rebuilt.comune, rebuilt.nome) == ("E094", "Sportello di Gorgonzola")
    assert rebuilt.fasce == [_fascia(0, "09:00", "12:30"), _fascia(3, "14:00", "17:00")]
    assert not rebuilt.aperto(1, time(10), time(10, 30))  # Tuesday no longer open


@pytest.mark.parametrize(
    ("fasce", "reason"),
    [
        ([("0", "12:00", "09:00")], "finisce prima di cominciare"),
        ([("0", "09:00", "09:00")], "finisce prima di cominciare"),
        ([("1", "08:00", "12:00"), ("2", "14:00", "13:00")], "finisce prima di cominciare"),
        ([("0", "08:00", "12:00"), ("0", "11:59", "14:00")], "si sovrappongono"),
        ([("0", "14:00", "18:00"), ("0", "08:00", "14:01")], "si sovrappongono"),
        ([("4", "08:00", "18:00"), ("4", "10:00", "11:00")], "si sovrappongono"),
        (
            [("2", "08:00", "10:00"), ("2", "10:00", "12:00"), ("2", "09:00", "09:30")],
            "si sovrappongono",
        ),
    ],
    ids=[
        "fine prima dell'inizio",
        "fascia vuota",
        "seconda fascia rovesciata",
        "sovrapposte di un minuto",
        "sovrapposte in ordine inverso",
        "una dentro l'altra",
        "tre fasce, una dentro",
    ],
)
def test_slots_end_after_they_start_and_never_overlap(
    sportello: Sportello, fasce: list[tuple[str, str, str]], reason: str
) -> None:
    with pytest.raises(Conflict, match=reason):
        sportello.definisci_orari([_fascia(int(g), dalle, alle) for g, dalle, alle in fasce])
    assert sportello.version == 1
    assert sportello.fasce == []


def test_adjacent_slots_and_the_same_hours_on_different_days_are_allowed(
    sportello: Sportello,
) -> None:
    fasce = [
        _fascia(0, "08:00", "12:00"),
        _fascia(0, "12:00", "13:00"),
        _fascia(1, "08:00", "12:00"),
        _fascia(0, "14:00", "17:00"),
    ]
    sportello.definisci_orari(fasce)
    assert sportello.fasce == fasce


def test_a_desk_may_be_closed_every_day(sportello: Sportello) -> None:
    sportello.definisci_orari([_fascia(0, "08:00", "12:00")])
    sportello.definisci_orari([])
    assert sportello.fasce == []
    assert not sportello.aperto(0, time(9), time(10))


@pytest.fixture
def open_three_mornings_two_afternoons(sportello: Sportello) -> Sportello:
    """As the seeds have it: three mornings and two afternoons a week."""
    sportello.definisci_orari(
        [
            _fascia(0, "09:00", "12:30"),
            _fascia(2, "09:00", "12:30"),
            _fascia(4, "09:00", "12:30"),
            _fascia(1, "14:00", "17:00"),
            _fascia(3, "14:00", "17:00"),
        ]
    )
    return sportello


@pytest.mark.parametrize(
    ("giorno", "dalle", "alle", "open_"),
    [
        (0, "09:00", "09:30", True),  # from the opening, edge included
        (0, "12:00", "12:30", True),  # until the closing, edge included
        (0, "09:00", "12:30", True),  # the whole slot
        (2, "10:00", "11:00", True),
        (3, "14:00", "17:00", True),
        (0, "08:59", "09:30", False),  # starts a minute before opening
        (0, "12:00", "12:31", False),  # ends a minute after closing
        (0, "08:00", "09:00", False),  # ends at the opening: before it
        (0, "12:30", "13:00", False),  # starts at the closing: after it
        (1, "10:00", "10:30", False),  # Tuesday morning: closed
        (0, "14:00", "14:30", False),  # Monday afternoon: closed
        (5, "10:00", "10:30", False),  # Saturday
        (6, "10:00", "10:30", False),  # Sunday
        (0, "11:00", "15:00", False),  # across the lunch break
    ],
)
def test_open_means_inside_one_slot(
    open_three_mornings_two_afternoons: Sportello,
    giorno: int,
    dalle: str,
    alle: str,
    open_: bool,
) -> None:
    sportello = open_three_mornings_two_afternoons
    window = (giorno, time.fromisoformat(dalle), time.fromisoformat(alle))
    assert sportello.aperto(*window) is open_
    assert _replayed(_pending(sportello)).aperto(*window) is open_


def test_a_span_across_two_adjacent_slots_is_not_inside_one(sportello: Sportello) -> None:
    sportello.definisci_orari([_fascia(0, "08:00", "12:00"), _fascia(0, "12:00", "13:00")])
    assert sportello.aperto(0, time(11, 30), time(12))
    assert sportello.aperto(0, time(12), time(12, 30))
    assert not sportello.aperto(0, time(11, 30), time(12, 30))


def test_a_desk_without_hours_is_never_open(sportello: Sportello) -> None:
    assert not sportello.aperto(0, time(10), time(10, 30))


# -- a worker's agenda ---------------------------------------------------------------------


def test_one_agenda_per_worker_and_day() -> None:
    day = date(2026, 12, 9)
    assert agenda_id("as.anziani", day) == agenda_id("as.anziani", day)
    assert agenda_id("as.anziani", day) != agenda_id("as.minori", day)
    assert agenda_id("as.anziani", day) != agenda_id("as.anziani", day + timedelta(days=1))


@pytest.fixture
def agenda(acting_as: CommandContext) -> Agenda:
    day = START.date()
    agenda = Agenda._create(
        Agenda.AgendaAperta, id=agenda_id("as.anziani", day), utente="as.anziani", giorno=day
    )
    agenda.occupa(uuid4(), uuid4(), START, END)  # 10:00-10:30
    return agenda


def _at(hour: int, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute)


@pytest.mark.parametrize(
    ("inizio", "fine"),
    [
        (_at(10), _at(10, 30)),  # the same slot
        (_at(10, 15), _at(10, 45)),  # starts inside
        (_at(9, 45), _at(10, 15)),  # ends inside
        (_at(10, 5), _at(10, 25)),  # inside
        (_at(9), _at(11)),  # around
        (_at(9, 59), _at(10, 1)),
    ],
    ids=["stessa fascia", "inizia dentro", "finisce dentro", "dentro", "intorno", "un minuto"],
)
def test_no_double_booking(agenda: Agenda, inizio: datetime, fine: datetime) -> None:
    for candidate in (agenda, _replayed(_pending(agenda))):
        version = candidate.version
        with pytest.raises(Conflict, match="già un appuntamento in quell'orario"):
            candidate.occupa(uuid4(), uuid4(), inizio, fine)
        assert candidate.version == version


def test_overlap_is_judged_on_instants_whatever_the_time_zone(agenda: Agenda) -> None:
    utc_same_instant = START.astimezone(ZoneInfo("UTC"))
    with pytest.raises(Conflict):
        agenda.occupa(uuid4(), uuid4(), utc_same_instant, utc_same_instant + timedelta(minutes=5))


@pytest.mark.parametrize(
    ("inizio", "fine"),
    [(_at(9, 30), _at(10)), (_at(10, 30), _at(11)), (_at(14), _at(15))],
    ids=["subito prima", "subito dopo", "nel pomeriggio"],
)
def test_adjacent_or_separate_slots_are_allowed(
    agenda: Agenda, inizio: datetime, fine: datetime
) -> None:
    appuntamento_id = uuid4()
    agenda.occupa(appuntamento_id, uuid4(), inizio, fine)
    assert agenda.occupate[appuntamento_id] == (inizio, fine)
    assert len(agenda.occupate) == 2


def test_a_freed_slot_can_be_booked_again(agenda: Agenda) -> None:
    (taken,) = agenda.occupate
    agenda.libera(taken)
    recorded = _pending(agenda)
    freed = recorded[-1]
    assert isinstance(freed, intake.FasciaAgendaLiberata)
    assert freed.appuntamento_id == taken
    again = uuid4()
    for candidate in (agenda, _replayed(recorded)):
        assert taken not in candidate.occupate
        candidate.occupa(again, uuid4(), START, END)
        assert candidate.occupate[again] == (START, END)


def test_freeing_a_slot_that_is_not_taken_records_nothing(agenda: Agenda) -> None:
    version = agenda.version
    agenda.libera(uuid4())
    assert agenda.version == version


def test_an_appointment_already_started_is_held_or_missed_never_cancelled(
    domanda: Domanda,
) -> None:
    appuntamento_id = _book(domanda)
    with pytest.raises(Conflict, match="già iniziato"):
        domanda.annulla_appuntamento(appuntamento_id, "troppo tardi", START)
    domanda.registra_appuntamento(appuntamento_id, False, START)
    assert domanda.appuntamenti[appuntamento_id].stato == "mancato"
