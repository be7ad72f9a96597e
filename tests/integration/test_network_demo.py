"""The demo district's territorial network: recorded through the real service layer on a
real ledger, complete, plausible in time, and finished (not doubled) after an interruption."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from services.network.application import NetworkApplication, Registrazione
from services.network.demo import (
    DISMISSED,
    DUE_FOR_REVIEW,
    demo_network_commands,
    demo_resources,
    record_demo_network,
    risorsa_id,
)
from services.network.domain import Risorsa
from shared.events import network as ev
from shared.events.envelope import LedgerEvent
from shared.identity.demo import ALL_AREE, ALL_COMUNI
from shared.ledger.ledger import Ledger

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

COMUNI = list(ALL_COMUNI)
TIPI_RISORSA = {
    "servizio_comunale",
    "servizio_asl",
    "scuola",
    "cooperativa_sociale",
    "associazione",
    "gruppo_auto_mutuo_aiuto",
    "ente_pubblico",
    "autorita_giudiziaria",
    "forze_ordine",
    "altro",
}
OpenLedger = Callable[..., Ledger]


class Interruzione(Exception):
    """The simulated kill of a demo run."""


class InterruptedNetwork(NetworkApplication):
    """Dies before recording its ``limite``-th event, like a process killed mid-demo."""

    def __init__(self, ledger: Ledger, limite: int) -> None:
        super().__init__(ledger, lambda: frozenset(COMUNI))
        self.limite = limite
        self.salvati = 0

    def _save(self, aggregate: Any) -> Registrazione:
        if self.salvati == self.limite:
            raise Interruzione
        self.salvati += 1
        return super()._save(aggregate)


def _network(ledger: Ledger) -> NetworkApplication:
    return NetworkApplication(ledger, lambda: frozenset(COMUNI))


def _events(app: NetworkApplication) -> list[LedgerEvent]:
    notifications = app.ledger.recorder.select_notifications(1, 100_000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    assert all(isinstance(event, LedgerEvent) for event in events)
    return events  # type: ignore[return-value]


def _sequence(app: NetworkApplication) -> list[tuple[str, str]]:
    """(event type, aggregate) in ledger order: a resource by its fixed id, any other
    aggregate (its id is random) by the order in which it first appears."""
    resources = {risorsa_id(r.slug) for r in demo_resources(datetime.now(UTC).date())}
    first_seen: dict[UUID | str, int] = {}
    sequence = []
    for notification in app.ledger.recorder.select_notifications(1, 100_000):
        aggregate = notification.originator_id
        if aggregate in resources:
            label = str(aggregate)
        else:
            label = f"#{first_seen.setdefault(aggregate, len(first_seen))}"
        sequence.append((notification.topic, label))
    return sequence


def test_the_demo_records_a_complete_and_plausible_network(open_ledger: OpenLedger) -> None:
    app = _network(open_ledger("network"))
    recorded = record_demo_network(app, COMUNI)

    events = _events(app)
    assert recorded == len(events) == len(demo_network_commands())
    counts = Counter(event.event_type for event in events)
    assert counts["RisorsaCensita"] >= 30
    assert counts["CollaborazioneAvviata"] >= 8
    assert counts["CollaborazioneConclusa"] >= 1
    assert counts["IncontroDiReteSvolto"] >= 6
    assert counts["ControlloQualitaEffettuato"] >= 4
    assert counts["RisorsaDismessa"] == 1
    assert {e.tipo for e in events if isinstance(e, ev.RisorsaCensita)} == TIPI_RISORSA
    assert {e.esito for e in events if isinstance(e, ev.ControlloQualitaEffettuato)} == {
        "conforme",
        "conforme_con_rilievi",
        "non_conforme",
    }
    assert all(e.actor.user == "ufficio.piano" and e.source == "cli" for e in events)

    now = datetime.now(UTC)
    moments = [event.occurred_at for event in events]
    assert moments == sorted(moments)
    assert moments[-1] < now
    assert moments[0] > now - timedelta(days=2 * 366)
    for event in events:
        if isinstance(event, ev.IncontroDiReteSvolto | ev.ControlloQualitaEffettuato):
            assert event.data < now.date()
        if isinstance(event, ev.CollaborazioneAvviata):
            assert event.inizio < now.date()
    concluse = [e for e in events if isinstance(e, ev.CollaborazioneConclusa)]
    inizi = {e.aggregate_id: e.inizio for e in events if isinstance(e, ev.CollaborazioneAvviata)}
    assert all(inizi[e.aggregate_id] < e.fine < now.date() for e in concluse)

    resources: list[Risorsa] = []
    for demo in demo_resources(now.date()):
        found: object = app.repository.get(risorsa_id(demo.slug))
        assert isinstance(found, Risorsa)
        resources.append(found)
    active = [r for r in resources if not r.dismessa]
    assert [r.id for r in resources if r.dismessa] == [risorsa_id(DISMISSED)]
    due = {r.id for r in active if r.modified_on < now - timedelta(days=365)}
    assert due == {risorsa_id(slug) for slug in DUE_FOR_REVIEW}

    def served(comune: str, area: str) -> bool:
        return any(comune in r.comuni and (area in r.aree or "MULBEN" in r.aree) for r in active)

    gaps = {(c, a) for c in COMUNI for a in ALL_AREE if not served(c, a)}
    assert gaps == {("B292", "IMMNOM"), ("B292", "MULBEN")}


def _interruption_points() -> list[int]:
    commands = [c.descrizione for c in demo_network_commands()]
    return [
        1,
        commands.index("collaborazione scuola-servizi"),
        commands.index("conclusione doposcuola-bussero"),  # its id is looked up in the ledger
        len(commands) - 1,
    ]


@pytest.mark.parametrize("interrotto_a", _interruption_points())
def test_an_interrupted_demo_is_finished_as_if_it_had_run_once(
    open_ledger: OpenLedger, interrotto_a: int
) -> None:
    full = _network(open_ledger("network"))
    record_demo_network(full, COMUNI)

    ledger = open_ledger("network_ripresa")
    with pytest.raises(Interruzione):
        record_demo_network(InterruptedNetwork(ledger, interrotto_a), COMUNI)
    assert ledger.recorder.count() == interrotto_a
    resumed = _network(ledger)
    recorded = record_demo_network(resumed, COMUNI, already=ledger.recorder.count())

    assert recorded == len(demo_network_commands()) - interrotto_a
    assert _sequence(resumed) == _sequence(full)


def test_a_finished_demo_records_nothing_more(open_ledger: OpenLedger) -> None:
    app = _network(open_ledger("network"))
    first = record_demo_network(app, COMUNI)
    count = app.ledger.recorder.count()
    assert first == count

    assert record_demo_network(app, COMUNI, already=count) == 0
    assert app.ledger.recorder.count() == count
