"""Acceptance 4: concurrent writers (threads; two processes on one SQLite ledger) never fork
a chain, never hit an unhandled busy error and never lose an acknowledged event."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from shared.events import CommandContext, acting, new_person_id
from shared.keys import DistrictKeys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore
from tests.conftest import DatabaseFactory
from tests.support.domain import Domanda, Sportello
from tests.support.writer import append_requests

THREADS = 6
REQUESTS_PER_THREAD = 15


def test_threads_appending_at_once(
    open_ledger: Callable[..., Ledger], operatore: CommandContext
) -> None:
    ledger = open_ledger(checkpoint_every=20)
    app = Sportello(ledger)
    acknowledged: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work() -> None:
        try:
            start.wait()
            with acting(operatore):
                for index in range(REQUESTS_PER_THREAD):
                    created, positions = app.ricevi_con_posizioni(
                        "Nome", "Cognome", None, new_person_id(), f"b{index}"
                    )
                    created.informa(persona_id=created.persona_id, servizi=["SAD"])
                    recordings = app.save(created)
                    with lock:
                        acknowledged.extend(positions)
                        acknowledged.extend(r.notification.id for r in recordings)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = THREADS * REQUESTS_PER_THREAD * 2
    assert ledger.recorder.max_notification_id() == total
    assert sorted(acknowledged) == list(range(1, total + 1))
    report = ledger.verify()
    assert report.ok, report.summary()
    assert report.events == total


def test_separate_ledger_instances_on_one_database(
    open_ledger: Callable[..., Ledger], operatore: CommandContext, database_url: DatabaseFactory
) -> None:
    """No shared Python lock: only the database's lock keeps the writers in one chain."""
    url = database_url("intake")
    ledgers = [open_ledger("intake", url=url, checkpoint_every=20) for _ in range(4)]
    acknowledged: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(ledgers))

    def work(ledger: Ledger) -> None:
        app = Sportello(ledger)
        try:
            start.wait()
            with acting(operatore):
                for index in range(REQUESTS_PER_THREAD):
                    created, positions = app.ricevi_con_posizioni(
                        "Nome", "Cognome", None, new_person_id(), f"b{index}"
                    )
                    created.informa(persona_id=created.persona_id, servizi=["SAD"])
                    recordings = app.save(created)
                    with lock:
                        acknowledged.extend(positions)
                        acknowledged.extend(r.notification.id for r in recordings)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = len(ledgers) * REQUESTS_PER_THREAD * 2
    assert sorted(acknowledged) == list(range(1, total + 1))
    report = ledgers[0].verify()
    assert report.ok, report.summary()
    assert report.events == total


def test_two_writers_on_one_aggregate_cannot_fork_its_stream(
    open_ledger: Callable[..., Ledger], operatore: CommandContext
) -> None:
    ledger = open_ledger()
    app = Sportello(ledger)
    with acting(operatore):
        original = app.ricevi("Nome", "Cognome", None, new_person_id(), "bisogno")
        first: Domanda = app.repository.get(original.id)
        second: Domanda = app.repository.get(original.id)
        first.informa(persona_id=original.persona_id, servizi=["A"])
        second.informa(persona_id=original.persona_id, servizi=["B"])
        app.save(first)
        with pytest.raises(IntegrityError):
            app.save(second)
    assert [e.originator_version for e in app.events.get(original.id)] == [1, 2]
    assert ledger.verify().ok


def test_two_processes_on_one_sqlite_ledger(
    tmp_path: Path, key_dir: Path, keys: DistrictKeys
) -> None:
    ledger_url = f"sqlite:///{tmp_path / 'data' / 'intake.sqlite'}"
    keystore_url = f"sqlite:///{tmp_path / 'data' / 'keystore.sqlite'}"
    per_process = 60
    start_at = time.time() + 4.0  # both processes imported and connected by then
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(
            append_requests, [(str(key_dir), ledger_url, keystore_url, per_process, start_at)] * 2
        )
    first, second = set(results[0]), set(results[1])
    assert min(second) < max(first), "the writers did not overlap"
    assert min(first) < max(second), "the writers did not overlap"

    keystore = KeyStore(keystore_url, keys.key_encryption_key, keys.blind_index_key)
    ledger = Ledger("intake", ledger_url, keys, keystore)
    try:
        total = 2 * per_process * 2
        assert ledger.recorder.max_notification_id() == total
        acknowledged = sorted(p for result in results for p in result)
        assert acknowledged == list(range(1, total + 1))
        loaded = list(
            ledger.mapper.to_domain_event(n) for n in ledger.recorder.select_notifications(1, total)
        )
        assert len(loaded) == total
        report = ledger.verify()
        assert report.ok, report.summary()
        assert report.events == total
        assert report.checkpoints >= 2
    finally:
        ledger.close()
        keystore.close()
