"""Projections apply each event exactly once: rows and position in one transaction."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, select

from services.reporting.projections import DomandePerComuneArea, domande_per_comune_area
from shared.db import create_engines
from shared.events import CommandContext, acting, new_person_id
from shared.ledger.ledger import Ledger
from shared.projections.base import WireEvent
from shared.projections.runner import ProjectionRunner
from tests.conftest import DatabaseFactory
from tests.support.domain import Sportello


class Crashing(DomandePerComuneArea):
    """Fails on the n-th event it sees, like a process dying in the middle of a batch."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at = fail_at
        self.seen = 0

    def apply(self, connection: Connection, event: WireEvent) -> None:
        self.seen += 1
        if self.seen == self.fail_at:
            raise RuntimeError("crash")
        super().apply(connection, event)


def _counts(runner: ProjectionRunner) -> dict[tuple[str, str], int]:
    table = domande_per_comune_area
    with runner.views.reader.connect() as connection:
        return {(r.comune, r.area_utenza): r.domande for r in connection.execute(select(table))}


def test_a_crash_mid_batch_leaves_neither_rows_nor_position_and_a_rerun_counts_once(
    open_ledger: Callable[..., Ledger],
    operatore: CommandContext,
    database_url: DatabaseFactory,
) -> None:
    ledger = open_ledger("intake")
    app = Sportello(ledger)
    with acting(operatore):
        for index in range(5):
            app.ricevi("N", "C", None, new_person_id(), f"b{index}")
    views = create_engines(database_url("views"))
    crashing = ProjectionRunner(Crashing(fail_at=4), views, {"intake": ledger.recorder})
    with pytest.raises(RuntimeError):
        crashing.catch_up()
    assert crashing.position("intake") == 0
    assert _counts(crashing) == {}
    crashing.stop()

    runner = ProjectionRunner(DomandePerComuneArea(), views, {"intake": ledger.recorder})
    assert runner.catch_up() == 5
    assert runner.catch_up() == 0  # nothing twice
    assert runner.position("intake") == 5
    assert _counts(runner) == {("E094", "ELD"): 5}
    with acting(operatore):
        app.ricevi("N", "C", None, new_person_id(), "b")
    runner.start()
    assert runner.wait_for("intake", 6, timeout=10)
    assert _counts(runner) == {("E094", "ELD"): 6}
    runner.stop()
    views.dispose()


def test_two_runners_on_one_read_model_never_double_count(
    open_ledger: Callable[..., Ledger],
    operatore: CommandContext,
    database_url: DatabaseFactory,
) -> None:
    import threading

    ledger = open_ledger("intake")
    app = Sportello(ledger)
    with acting(operatore):
        for index in range(60):
            app.ricevi("N", "C", None, new_person_id(), f"b{index}")
    views = create_engines(database_url("views"))
    runners = [
        ProjectionRunner(DomandePerComuneArea(), views, {"intake": ledger.recorder})
        for _ in range(2)
    ]
    for runner in runners:
        runner.BATCH = 7  # many small batches: many chances to interleave
    start = threading.Barrier(2)

    def run(runner: ProjectionRunner) -> None:
        start.wait()
        runner.catch_up()

    threads = [threading.Thread(target=run, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _counts(runners[0]) == {("E094", "ELD"): 60}
    assert runners[0].position("intake") == 60
    for runner in runners:
        runner.stop()
    views.dispose()
