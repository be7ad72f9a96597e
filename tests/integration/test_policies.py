"""Policies: one case per hand-over, whatever is redelivered, replayed or crashes.

A toy casework application opens a case (``CasoAperto``) for each ``DomandaInoltrata``
recorded in an intake ledger: embedded (the ledger feeds the policy) on SQLite and
PostgreSQL, and district (the intake relay publishes to a real Kafka broker).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import delete

from shared.bus.consumer import ForeignLedgerError
from shared.bus.relay import Relay
from shared.bus.topics import ensure_topics
from shared.events import Actor, CommandContext, LedgerEvent, acting, casework, new_person_id
from shared.events.intake import DomandaChiusa, DomandaInoltrata, DomandaRicevuta
from shared.ledger.aggregate import LedgerAggregate
from shared.ledger.application import LedgerApplication
from shared.ledger.ledger import Ledger
from shared.policies import (
    Cause,
    KafkaPolicyConsumer,
    PolicyError,
    PolicyRunner,
    cause_event,
    derived_id,
    policy_context,
)
from shared.policies.base import tracking_name
from shared.policies.consumer import PolicyOffsets
from shared.projections.base import WireEvent
from tests.support.samples import ENVELOPE, sample_fields

OPERATORE = Actor(user="operatore", role="operatore", comune="E094")


class Fascicolo(LedgerAggregate):
    """A case file, as small as it gets: opened by the catalogue's ``CasoAperto``."""

    class CasoAperto(LedgerAggregate.Created, casework.CasoAperto):
        """The catalogue's event, bound to this aggregate."""

    def __init__(self, persona_id: str) -> None:
        self.persona_id = persona_id


class Servizio(LedgerApplication):
    aggregate_classes = (Fascicolo,)


class ApriCaso:
    """The policy under test: a hand-over opens a case, with the hand-over's reason."""

    name = "apertura-casi"
    event_types = frozenset({"DomandaInoltrata"})

    def __init__(self, app: Servizio, source: str = "intake") -> None:
        self.app = app
        self.source = source
        self.calls = 0

    def handle(self, event: Cause) -> list[LedgerAggregate]:
        self.calls += 1
        domanda = event.opened(self.app.ledger.mapper)
        assert isinstance(domanda, DomandaInoltrata)
        fields = sample_fields(casework.CasoAperto, person_id=domanda.persona_id, skip=ENVELOPE)
        fields.update(
            origine="inoltro",
            area_utenza=domanda.area_utenza,
            profilo=domanda.profilo,
            motivo=domanda.motivo,
            domanda_id=domanda.aggregate_id,
            caso_precedente_id=None,
        )
        caso = Fascicolo._create(Fascicolo.CasoAperto, id=derived_id(event, "caso"), **fields)
        return [caso]


def _record(ledger: Ledger, event_class: type[LedgerEvent], count: int) -> list[LedgerEvent]:
    """Catalogue events as intake records them, each in its own correlation."""
    events = []
    for _ in range(count):
        values = sample_fields(event_class, person_id=new_person_id(), skip=ENVELOPE)
        values.update(originator_id=uuid4(), originator_version=1)
        context = CommandContext(actor=OPERATORE, legal_basis="L328_ART22", source="api")
        with acting(context):
            events.append(event_class(**values))
    ledger.recorder.insert_events([ledger.mapper.to_stored_event(e) for e in events])
    return events


def _case_id(cause: LedgerEvent) -> UUID:
    return derived_id(
        WireEvent("intake", 0, cause.event_type, {"event_id": str(cause.event_id)}), "caso"
    )


def _cases(app: Servizio) -> list[casework.CasoAperto]:
    recorder = app.ledger.recorder
    found = []
    for notification in recorder.select_notifications(0, 100_000):
        event = app.ledger.mapper.to_domain_event(notification)
        assert isinstance(event, casework.CasoAperto)
        found.append(event)
    return found


def _assert_one_case_each(app: Servizio, causes: list[LedgerEvent]) -> None:
    cases = {case.aggregate_id: case for case in _cases(app)}
    assert len(cases) == len(_cases(app)) == len(causes)
    for cause in causes:
        assert isinstance(cause, DomandaInoltrata)
        case = cases[_case_id(cause)]
        assert case.aggregate_version == 1
        assert case.causation_id == cause.event_id
        assert case.correlation_id == cause.correlation_id
        assert case.actor == Actor(user="sistema", role="sistema")
        assert case.source == "system"
        assert case.legal_basis == cause.legal_basis
        assert case.occurred_at == cause.occurred_at
        assert case.domanda_id == cause.aggregate_id
        assert case.persona_id == cause.persona_id
        assert case.motivo == cause.motivo  # decrypted from intake, encrypted again here
        assert case.event_id.version == 5  # derived from the cause
        fascicolo: Fascicolo = app.repository.get(case.aggregate_id)
        assert isinstance(fascicolo, Fascicolo)
        assert fascicolo.persona_id == cause.persona_id


# embedded: the intake ledger feeds the policy


@pytest.fixture
def embedded(open_ledger: Callable[..., Ledger]) -> tuple[Ledger, Servizio]:
    return open_ledger("intake"), Servizio(open_ledger("casework"))


def test_each_hand_over_opens_exactly_one_case_however_often_it_runs(
    embedded: tuple[Ledger, Servizio],
) -> None:
    intake, app = embedded
    causes = _record(intake, DomandaInoltrata, 4)
    policy = ApriCaso(app)
    runner = PolicyRunner(policy, app, intake.recorder)
    assert runner.catch_up() == 4
    _assert_one_case_each(app, causes)
    assert runner.catch_up() == 0
    runner.stop()

    # a restart: a new runner, a new policy object, the same ledgers
    again = ApriCaso(app)
    restarted = PolicyRunner(again, app, intake.recorder)
    assert restarted.catch_up() == 0
    assert again.calls == 0  # tracked causes are not even handed to the policy
    more = _record(intake, DomandaInoltrata, 2)
    assert restarted.catch_up() == 2
    restarted.stop()
    _assert_one_case_each(app, causes + more)
    head = intake.recorder.max_notification_id()
    assert app.ledger.recorder.max_tracking_id("apertura-casi/intake/0") == head


def test_the_running_worker_follows_the_ledger_and_answers_read_your_writes(
    embedded: tuple[Ledger, Servizio],
) -> None:
    intake, app = embedded
    runner = PolicyRunner(ApriCaso(app), app, intake.recorder)
    runner.start()
    try:
        causes = []
        for _ in range(3):
            causes += _record(intake, DomandaInoltrata, 2)
            _record(intake, DomandaRicevuta, 1)
            head = intake.recorder.max_notification_id() or 0
            assert runner.wait_for("intake", head, timeout=30)
        assert runner.running
        assert not runner.failing
    finally:
        runner.stop()
    _assert_one_case_each(app, causes)
    assert not runner.running
    with pytest.raises(ValueError, match="follows intake"):
        runner.wait_for("network", 1, timeout=0)


def test_a_crash_before_the_commit_leaves_nothing_and_a_restart_opens_one_case(
    embedded: tuple[Ledger, Servizio],
) -> None:
    intake, app = embedded
    causes = _record(intake, DomandaInoltrata, 3)
    policy = ApriCaso(app)

    def die() -> None:
        raise RuntimeError("killed after the inserts, before the commit")

    dying = PolicyRunner(policy, app, intake.recorder, before_commit=die)
    with pytest.raises(RuntimeError, match="killed"):
        dying.catch_up()
    dying.stop()
    assert policy.calls == 1  # the first cause was handled, then its transaction died
    assert app.ledger.recorder.count() == 0
    assert app.ledger.recorder.max_tracking_id("apertura-casi/intake/0") is None

    restarted = PolicyRunner(ApriCaso(app), app, intake.recorder)
    assert restarted.catch_up() == 3
    restarted.stop()
    _assert_one_case_each(app, causes)


def test_a_worker_whose_commit_fails_reports_it_and_recovers(
    embedded: tuple[Ledger, Servizio],
) -> None:
    intake, app = embedded
    failures = [2]

    def flaky() -> None:
        if failures[0]:
            failures[0] -= 1
            raise RuntimeError("the database went away")

    runner = PolicyRunner(ApriCaso(app), app, intake.recorder, before_commit=flaky)
    causes = _record(intake, DomandaInoltrata, 2)
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while not runner.failing and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runner.failing  # readiness says so
        assert runner.wait_for("intake", 2, timeout=30)
        assert runner.running
        deadline = time.monotonic() + 5
        while runner.failing and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not runner.failing
    finally:
        runner.stop()
    _assert_one_case_each(app, causes)


def test_effects_recorded_without_their_tracking_are_recognised_not_repeated(
    embedded: tuple[Ledger, Servizio],
) -> None:
    """Impossible through the runner (one transaction), defended anyway: the derived case
    exists already, the ledger refuses a second one, the runner tracks the cause."""
    intake, app = embedded
    causes = _record(intake, DomandaInoltrata, 2)
    policy = ApriCaso(app)
    first = intake.recorder.select_notifications(1, 1)[0]
    cause = cause_event("intake", first.id, first.state)
    with acting(policy_context(cause)):
        app.save(*policy.handle(cause))  # no tracking: as if the tracking row were lost
    assert len(_cases(app)) == 1

    runner = PolicyRunner(policy, app, intake.recorder)
    assert runner.catch_up() == 1  # only the second one is new
    runner.stop()
    _assert_one_case_each(app, causes)
    assert app.ledger.recorder.max_tracking_id("apertura-casi/intake/0") == 2


def test_events_of_other_types_are_skipped_but_tracked(
    embedded: tuple[Ledger, Servizio],
) -> None:
    intake, app = embedded
    _record(intake, DomandaRicevuta, 3)
    causes = _record(intake, DomandaInoltrata, 1)
    _record(intake, DomandaChiusa, 2)
    tracking = "apertura-casi/intake/0"

    policy = ApriCaso(app)
    every_event = PolicyRunner(policy, app, intake.recorder, track_every=1)
    assert every_event.catch_up() == 1
    assert policy.calls == 1
    assert app.ledger.recorder.max_tracking_id(tracking) == 6
    every_event.stop()
    _assert_one_case_each(app, causes)

    # by default a run of other events is kept in memory, and in the ledger every
    # TRACK_EVERY of them and on stop: read your writes still sees it at once
    _record(intake, DomandaRicevuta, 4)
    lazy = PolicyRunner(ApriCaso(app), app, intake.recorder, track_every=3)
    assert lazy.catch_up() == 0
    assert lazy.wait_for("intake", 10, timeout=0)
    assert lazy.position("intake") == 10
    assert app.ledger.recorder.max_tracking_id(tracking) == 9  # the third of the run
    lazy.stop()
    assert app.ledger.recorder.max_tracking_id(tracking) == 10
    assert app.ledger.recorder.count() == 1


def test_a_policy_that_could_open_a_second_case_is_refused(
    embedded: tuple[Ledger, Servizio],
) -> None:
    intake, app = embedded
    _record(intake, DomandaInoltrata, 1)

    class RandomId(ApriCaso):
        def handle(self, event: Cause) -> list[LedgerAggregate]:
            caso = super().handle(event)[0]
            return [Fascicolo._create(Fascicolo.CasoAperto, id=uuid4(), **_fields(caso))]

    class OwnContext(ApriCaso):
        def handle(self, event: Cause) -> list[LedgerAggregate]:
            with acting(CommandContext(actor=OPERATORE, legal_basis="L328_ART22", source="api")):
                return super().handle(event)

    for policy in (RandomId(app), OwnContext(app)):
        runner = PolicyRunner(policy, app, intake.recorder)
        with pytest.raises(PolicyError):
            runner.catch_up()
        runner.stop()
    assert app.ledger.recorder.count() == 0

    with pytest.raises(ValueError, match="follows intake"):
        PolicyRunner(ApriCaso(app), app, app.ledger.recorder)


def _fields(caso: LedgerAggregate) -> dict[str, Any]:
    created = caso.pending_events[0]
    assert isinstance(created, casework.CasoAperto)
    return created.model_dump(include=set(casework.CasoAperto.model_fields) - ENVELOPE)


# district: the intake relay publishes to Kafka, the consumer feeds the policy


@pytest.fixture
def prefix(topic_prefix: str) -> str:
    """A topic prefix of its own for each test, on the shared broker."""
    return topic_prefix


@pytest.fixture
def district(
    kafka_bootstrap: str, prefix: str, open_ledger: Callable[..., Ledger]
) -> Iterator[tuple[Ledger, Relay, Servizio]]:
    ensure_topics(kafka_bootstrap, ["intake"], partitions=3, prefix=prefix)
    intake = open_ledger("intake")
    relay = Relay(intake, kafka_bootstrap, prefix, partitions=3)
    yield intake, relay, Servizio(open_ledger("casework"))
    relay.stop()


def _consumer(app: Servizio, bootstrap: str, prefix: str, **options: Any) -> KafkaPolicyConsumer:
    return KafkaPolicyConsumer(
        ApriCaso(app), app, bootstrap, prefix=prefix, partitions=3, **options
    )


def _consume_until(consumer: KafkaPolicyConsumer, position: int) -> None:
    """Polls until the source is handled up to ``position`` (the broker's last stable offset
    may lag a just-committed transaction: "read to the end" alone could stop short)."""
    deadline = time.monotonic() + 120
    while consumer.position("intake") < position:
        assert time.monotonic() < deadline, f"stuck at {consumer.position('intake')}"
        consumer.poll_once(timeout_ms=200)


def _poll_for(consumer: KafkaPolicyConsumer, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        consumer.poll_once(timeout_ms=200)


def _tracked(app: Servizio, prefix: str) -> list[int]:
    topic = f"{prefix}.intake.v1"
    recorder = app.ledger.recorder
    return [
        recorder.max_tracking_id(tracking_name("apertura-casi", topic, p)) or 0 for p in range(3)
    ]


def test_district_each_hand_over_opens_one_case_across_restarts(
    district: tuple[Ledger, Relay, Servizio], kafka_bootstrap: str, prefix: str
) -> None:
    intake, relay, app = district
    causes = _record(intake, DomandaInoltrata, 10)
    _record(intake, DomandaRicevuta, 15)
    assert relay.catch_up() == 25

    consumer = _consumer(app, kafka_bootstrap, prefix)
    _consume_until(consumer, 25)
    assert consumer.wait_for("intake", 25, timeout=0)
    _assert_one_case_each(app, causes)
    consumer.stop()
    assert max(_tracked(app, prefix)) == 25  # other types tracked too (flushed on stop)

    # a restart resumes from the kept offsets; one without them reads everything again
    for forget in (False, True):
        if forget:
            offsets = PolicyOffsets(app.ledger.name, app.ledger.engines)
            with app.ledger.engines.writer.begin() as connection:
                connection.execute(delete(offsets.table))
        again = _consumer(app, kafka_bootstrap, prefix)
        _consume_until(again, 25)
        assert again.wait_for("intake", 25, timeout=0)
        assert isinstance(again.policy, ApriCaso)
        assert again.policy.calls == 0
        again.stop()
    _assert_one_case_each(app, causes)

    # and it goes on with what comes next, in its own thread
    running = _consumer(app, kafka_bootstrap, prefix)
    running.start()
    more = _record(intake, DomandaInoltrata, 3)
    relay.catch_up()
    assert running.wait_for("intake", 28, timeout=60)
    assert running.running
    assert not running.failing
    running.stop()
    _assert_one_case_each(app, causes + more)


def test_district_a_batch_resent_after_a_relay_restart_opens_no_second_case(
    district: tuple[Ledger, Relay, Servizio],
    kafka_bootstrap: str,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    intake, relay, app = district
    causes = _record(intake, DomandaInoltrata, 6)
    _record(intake, DomandaChiusa, 4)

    def crash(_position: int) -> None:
        raise RuntimeError("killed after the broker committed, before the position was kept")

    monkeypatch.setattr(relay, "_record", crash)
    with pytest.raises(RuntimeError):
        relay.relay_once()
    monkeypatch.undo()
    assert relay.position() == 0

    consumer = _consumer(app, kafka_bootstrap, prefix)
    _consume_until(consumer, 10)  # the first copy: six cases
    _assert_one_case_each(app, causes)

    more = _record(intake, DomandaInoltrata, 2)
    assert relay.catch_up() == 12  # the first batch again, at new offsets, and the new events
    _consume_until(consumer, 12)
    assert consumer.wait_for("intake", 12, timeout=0)
    consumer.stop()
    _assert_one_case_each(app, causes + more)
    assert max(_tracked(app, prefix)) == 12


def test_district_a_crash_before_the_commit_then_a_restart_opens_one_case(
    district: tuple[Ledger, Relay, Servizio], kafka_bootstrap: str, prefix: str
) -> None:
    intake, relay, app = district
    causes = _record(intake, DomandaInoltrata, 5)
    relay.catch_up()

    def die() -> None:
        raise SystemExit("killed just before the commit")

    dying = _consumer(app, kafka_bootstrap, prefix, before_commit=die)
    with pytest.raises(SystemExit):
        _poll_for(dying, 90)
    assert app.ledger.recorder.count() == 0
    assert _tracked(app, prefix) == [0, 0, 0]
    dying.effects.before_commit = None  # the process "restarts": same object, no fault
    _consume_until(dying, 5)
    dying.stop()
    _assert_one_case_each(app, causes)

    restarted = _consumer(app, kafka_bootstrap, prefix)
    _consume_until(restarted, 5)
    restarted.stop()
    _assert_one_case_each(app, causes)


def test_district_a_topic_of_another_ledger_stops_the_policy(
    district: tuple[Ledger, Relay, Servizio],
    kafka_bootstrap: str,
    prefix: str,
    open_ledger: Callable[..., Ledger],
    database_url: Callable[[str], str],
) -> None:
    intake, relay, app = district
    causes = _record(intake, DomandaInoltrata, 3)
    relay.catch_up()
    consumer = _consumer(app, kafka_bootstrap, prefix)
    _consume_until(consumer, 3)

    reset = open_ledger("intake", url=database_url("intake_reset"))  # same name, new ledger
    _record(reset, DomandaInoltrata, 3)
    other = Relay(reset, kafka_bootstrap, prefix, partitions=3)
    other.catch_up()
    other.stop()
    with pytest.raises(ForeignLedgerError, match="another ledger"):
        _poll_for(consumer, 90)
    consumer.stop()
    _assert_one_case_each(app, causes)


def test_tracking_names_must_fit_the_tracking_table() -> None:
    assert (
        tracking_name("apertura-casi", "ambito.intake.v1", 2) == "apertura-casi/ambito.intake.v1/2"
    )
    with pytest.raises(ValueError, match="longer than"):
        tracking_name("p" * 90, "ambito.intake.v1", 0)
