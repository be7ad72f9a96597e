"""The Segretariato sociale's demo month (intake issue, last point): recorded through the
service layer on a fresh demo district, every state of a request present, plausible in time,
and finished (not doubled) after an interruption."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from services.demo import DEMO_REQUESTS
from services.intake.application import IntakeApplication
from services.intake.demo import (
    DEMO_ADMIN,
    DEMO_OPERATOR,
    Completa,
    Istruisci,
    domanda_id,
    piano,
    record_demo_intake,
    sportello_id,
    storie,
)
from services.intake.domain import Domanda
from services.network.demo import DISMISSED, demo_resources, record_demo_network, risorsa_id
from services.runtime import Runtime
from shared import codes
from shared.calendar import deadline, is_public_holiday, is_working_day
from shared.directory.projection import DirectoryProjection
from shared.events import intake as ev
from shared.events.envelope import LedgerEvent
from shared.identity.demo import ALL_COMUNI
from shared.projections.runner import ProjectionRunner
from tests.support.runtime import open_demo_runtime

ROME = ZoneInfo("Europe/Rome")
COMUNI = list(ALL_COMUNI)
ESITI = {"informata", "orientata", "inviata", "presa_in_carico", "non_di_competenza"}
SOON = timedelta(days=3)
"""Due soon, as the applications' read model has it (``in_scadenza``: within 3 days)."""


class Interruzione(Exception):
    """The simulated kill of a demo run."""


class InterruptedIntake(IntakeApplication):
    """Dies before its ``limite``-th save, like a process killed mid-demo."""

    def __init__(self, runtime: Runtime, limite: int) -> None:
        super().__init__(
            runtime.district.ledger("intake"),
            runtime.district.keystore,
            lambda: frozenset(COMUNI),
            directory=None,  # district mode before the services run: no directory yet
            staff=runtime.identity.get_user,
        )
        self.limite = limite
        self.salvati = 0

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.salvati == self.limite:
            raise Interruzione
        self.salvati += 1
        return super().save(*objs, **kwargs)


def _catch_up_directory(runtime: Runtime) -> None:
    for feed in runtime.feeds:
        if isinstance(feed, ProjectionRunner) and isinstance(feed.projection, DirectoryProjection):
            feed.catch_up()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A fresh demo district with the network demo and then the intake demo, as
    ``ambito demo`` builds it in embedded mode."""
    runtime = open_demo_runtime(tmp_path_factory.mktemp("demo"))
    assert runtime.network is not None
    assert runtime.intake is not None
    record_demo_network(runtime.network, COMUNI)
    _catch_up_directory(runtime)
    record_demo_intake(runtime.intake, COMUNI)
    yield runtime
    runtime.close()


def _intake(runtime: Runtime) -> IntakeApplication:
    assert runtime.intake is not None
    return runtime.intake


def _events(runtime: Runtime) -> list[LedgerEvent]:
    app = _intake(runtime)
    notifications = app.ledger.recorder.select_notifications(1, 100_000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    ledger_events = [event for event in events if isinstance(event, LedgerEvent)]
    assert len(ledger_events) == len(events)
    return ledger_events


def _sequence(runtime: Runtime) -> list[tuple[str, UUID | str, int]]:
    """(event type, aggregate, version) in ledger order: every aggregate of the demo has a
    fixed id (requests, desks, and agendas by worker and day)."""
    recorder = _intake(runtime).ledger.recorder
    return [
        (n.topic, n.originator_id, n.originator_version)
        for n in recorder.select_notifications(1, 100_000)
    ]


def _domande(runtime: Runtime) -> dict[str, Domanda]:
    found: dict[str, Domanda] = {}
    for storia in storie():
        domanda: object = _intake(runtime).repository.get(domanda_id(storia.slug))
        assert isinstance(domanda, Domanda)
        found[storia.slug] = domanda
    return found


def test_the_demo_holds_every_kind_of_event(demo: Runtime) -> None:
    events = _events(demo)
    counts = Counter(event.event_type for event in events)
    assert counts["DomandaRicevuta"] == DEMO_REQUESTS == 48
    assert counts["SportelloIstituito"] == 3
    assert counts["OrariSportelloDefiniti"] >= 3
    for kind in (
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
    ):
        assert counts[kind] >= 1, kind
    assert counts["FasciaAgendaOccupata"] == counts["AppuntamentoFissato"]
    assert counts["FasciaAgendaLiberata"] == counts["AppuntamentoAnnullato"]
    assert {e.esito for e in events if isinstance(e, ev.DomandaChiusa)} == ESITI

    received = [e for e in events if isinstance(e, ev.DomandaRicevuta)]
    richiedenti = {e.richiedente.tipo for e in received if e.richiedente is not None}
    assert richiedenti >= {"familiare", "scuola", "medico", "forze_ordine", "asl"}
    residenze = [e.persona.residenza for e in received if e.persona.residenza is not None]
    assert len(residenze) >= DEMO_REQUESTS // 2
    assert "015146" in {r.comune_istat for r in residenze}  # one lives outside the district
    assert {e.canale for e in received} >= {"sportello", "telefono", "email", "invio_servizio"}
    assert {e.comune for e in received} == set(COMUNI)
    assert {e.urgente for e in received} == {True, False}

    for event in events:
        assert event.source == "cli"
        if isinstance(event, ev.SportelloIstituito | ev.OrariSportelloDefiniti):
            assert (event.actor.user, event.actor.role) == (DEMO_ADMIN, "amministratore")
        else:
            assert (event.actor.user, event.actor.role) == (DEMO_OPERATOR, "operatore")


def test_the_month_is_plausible_in_time(demo: Runtime) -> None:
    events = _events(demo)
    now = datetime.now(ROME)
    moments = [event.occurred_at for event in events]
    assert moments == sorted(moments)  # recorded in the order it happened
    assert moments[-1] < now
    received = [e.occurred_at.astimezone(ROME) for e in events if e.event_type == "DomandaRicevuta"]
    assert all(now - timedelta(days=45) < moment for moment in received)
    assert sorted(received)[len(received) // 2] > now - timedelta(days=20)  # a month's
    assert sum(m.date() == now.date() for m in received) >= 2  # today's queue
    earlier = [m for m in received if m.date() < now.date()]
    assert all(is_working_day(m.date()) for m in earlier)
    desks = [e.occurred_at for e in events if isinstance(e, ev.SportelloIstituito)]
    assert max(desks) < min(received)


def test_appointments_keep_the_desks_hours_and_the_workers_agendas(demo: Runtime) -> None:
    events = _events(demo)
    hours = {e.aggregate_id: e.fasce for e in events if isinstance(e, ev.OrariSportelloDefiniti)}
    assert set(hours) == {sportello_id(c) for c in COMUNI}
    for fasce in hours.values():
        assert len(fasce) == 5
        assert sum(f.dalle.hour < 12 for f in fasce) == 3  # three mornings
        assert sum(f.dalle.hour >= 14 for f in fasce) == 2  # and two afternoons
    booked = [e for e in events if isinstance(e, ev.AppuntamentoFissato)]
    by_worker: dict[tuple[str, date], list[tuple[datetime, datetime]]] = {}
    for appointment in booked:
        start, end = appointment.inizio.astimezone(ROME), appointment.fine.astimezone(ROME)
        assert appointment.con in {"as.anziani", "as.minori", "operatore"}
        assert start.weekday() < 5
        assert not is_public_holiday(start.date())
        assert any(
            f.giorno == start.weekday() and f.dalle <= start.time() and end.time() <= f.alle
            for f in hours[appointment.sportello_id]
        )
        assert appointment.occurred_at < start  # booked beforehand
        by_worker.setdefault((appointment.con, start.date()), []).append((start, end))
    for slots in by_worker.values():
        slots.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(slots))


def test_every_state_of_a_request_is_there(demo: Runtime) -> None:
    now = datetime.now(ROME)
    today = now.date()
    domande = _domande(demo)
    closed = Counter(d.esito for d in domande.values() if d.chiusa)
    assert set(closed) == ESITI
    open_ = [d for d in domande.values() if not d.chiusa]
    assert len(open_) >= 10

    states = [a.stato for d in domande.values() for a in d.appuntamenti.values()]
    assert {"fissato", "svolto", "mancato", "annullato"} <= set(states)
    future = [
        a for d in open_ for a in d.appuntamenti.values() if a.stato == "fissato" and a.inizio > now
    ]
    assert len(future) >= 4  # the coming days' appointments
    assert all(
        a.inizio <= now
        for d in domande.values()
        for a in d.appuntamenti.values()
        if a.stato in ("svolto", "mancato")
    )

    istanze = [i for d in domande.values() for i in d.istanze.values()]
    pending = [i for i in istanze if not i.completata]
    assert any(i.completata for i in istanze)
    assert any(i.scadenza < today for i in pending)  # overdue
    if _deadline_possible(today):
        assert any(today <= i.scadenza <= today + SOON for i in pending)  # due soon
    assert any(i.scadenza > today + SOON for i in pending)  # due later

    assert any(d.version == 1 for d in open_)  # just received: in today's queue
    assert any(d.inoltrata for d in domande.values())
    assert any(d.orientamenti and not d.chiusa for d in domande.values())


def test_orientations_point_at_active_resources_that_serve_the_request(demo: Runtime) -> None:
    resources = {risorsa_id(r.slug): r for r in demo_resources(datetime.now(ROME).date())}
    events = _events(demo)
    received = {e.aggregate_id: e for e in events if isinstance(e, ev.DomandaRicevuta)}
    oriented = [e for e in events if isinstance(e, ev.DomandaOrientata)]
    assert len({e.risorsa_id for e in oriented}) >= 8
    for orientation in oriented:
        resource = resources[orientation.risorsa_id]
        request = received[orientation.aggregate_id]
        assert resource.slug != DISMISSED
        assert request.comune in resource.dati.comuni
        assert request.area_utenza in resource.dati.aree or "MULBEN" in resource.dati.aree


def test_a_returning_person_is_linked_not_duplicated(demo: Runtime) -> None:
    received = [e for e in _events(demo) if isinstance(e, ev.DomandaRicevuta)]
    by_request = {e.aggregate_id: e for e in received}
    first = by_request[domanda_id("buoni-spesa")]
    again = by_request[domanda_id("buoni-spesa-ritorno")]
    assert first.persona_id == again.persona_id
    assert first.persona.codice_fiscale == again.persona.codice_fiscale is not None
    assert first.occurred_at < again.occurred_at - timedelta(days=20)
    assert len({e.persona_id for e in received}) == DEMO_REQUESTS - 1  # nobody else twice


def _interruption_points() -> list[int]:
    """Saves before the interruption: within the desks, right after them, in the middle of
    the month (a past appointment recorded through the domain among them), near the end."""
    total = 3 + len(piano(datetime.now(ROME)).atti) - 1  # one save per desk and per act
    return [1, 3, 40, 90, total]


@pytest.mark.parametrize("interrotto_a", _interruption_points())
def test_an_interrupted_demo_is_finished_as_if_it_had_run_once(
    demo: Runtime, tmp_path: Path, interrotto_a: int
) -> None:
    runtime = open_demo_runtime(tmp_path)
    try:
        with pytest.raises(Interruzione):
            record_demo_intake(InterruptedIntake(runtime, interrotto_a), COMUNI)
        recorded = record_demo_intake(InterruptedIntake(runtime, 10_000), COMUNI)
        assert recorded == 3 + len(piano(datetime.now(ROME)).atti) - interrotto_a
        assert _sequence(runtime) == _sequence(demo)
        oriented = [
            (e.aggregate_id, e.risorsa_id)
            for e in _events(runtime)
            if isinstance(e, ev.DomandaOrientata)
        ]
        assert oriented == [
            (e.aggregate_id, e.risorsa_id)
            for e in _events(demo)
            if isinstance(e, ev.DomandaOrientata)
        ]
    finally:
        runtime.close()


def test_a_finished_demo_records_nothing_more(demo: Runtime) -> None:
    before = _sequence(demo)
    assert record_demo_intake(_intake(demo), COMUNI) == 0
    assert _sequence(demo) == before


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_the_plan_holds_on_any_day_of_the_year(year: int) -> None:
    """Holidays and weekends move the dates, never the story: no act in the future, the
    coming appointments at least two working days ahead (clear of a booking made for the
    next one), the same applications overdue, some due soon and some not yet due."""
    types = codes.application_types()
    for day in range(365):
        for hour in (7, 19):
            now = datetime(year, 1, 1, hour, tzinfo=ROME) + timedelta(days=day)
            today = now.date()
            plan = piano(now)
            assert all(atto.quando < now for atto in plan.atti)
            next_working = today + timedelta(days=1)
            while not is_working_day(next_working):
                next_working += timedelta(days=1)
            deadlines: dict[str, date] = {}
            completed: set[str] = set()
            for atto in plan.atti:
                storia = plan.storie[atto.storia]
                passo = storia.passi[atto.passo - 1] if atto.passo else None
                if atto.slot is not None and atto.slot.inizio > now:
                    assert atto.slot.inizio.date() > next_working
                if isinstance(passo, Istruisci):
                    found = types[passo.tipo]
                    due = deadline(atto.quando.date(), found.giorni, working=found.lavorativi)
                    deadlines[f"{storia.slug}/{passo.tipo}"] = due
                if isinstance(passo, Completa):
                    completed.add(f"{storia.slug}/{atto.tipo_istanza}")
            pending = {key: due for key, due in deadlines.items() if key not in completed}
            overdue = {key.split("/")[0] for key, due in pending.items() if due < today}
            assert overdue == {"pasti", "trasporto-cdd", "sfratto"}, now
            if _deadline_possible(today):
                assert any(today <= due <= today + SOON for due in pending.values()), now
            assert any(due > today + SOON for due in pending.values()), now
            assert len(completed) == 3


def _deadline_possible(today: date) -> bool:
    """Whether an application can fall due in the next days (a deadline is a working day)."""
    return any(is_working_day(today + timedelta(days=n)) for n in range(SOON.days + 1))
