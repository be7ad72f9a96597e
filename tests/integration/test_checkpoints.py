"""Checkpoints are written automatically (every N events, or after T seconds) and on demand,
and a ciphertext moved between events does not open."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

from services.cli import main
from shared.events import CommandContext, acting, new_person_id
from shared.ledger.ledger import Ledger
from shared.ledger.mapper import canonical_json
from tests.support.domain import Sportello


def _positions(ledger: Ledger) -> list[int]:
    return [signed.checkpoint.position for signed in ledger.checkpoints.read()]


def test_a_checkpoint_every_n_events(
    open_ledger: Callable[..., Ledger], operatore: CommandContext
) -> None:
    ledger = open_ledger(checkpoint_every=3)
    app = Sportello(ledger)
    with acting(operatore):
        for index in range(7):
            app.ricevi("N", "C", None, new_person_id(), f"b{index}")
    assert _positions(ledger) == [3, 6]
    assert ledger.verify().ok


def test_a_checkpoint_after_t_seconds_with_events_pending(
    open_ledger: Callable[..., Ledger], operatore: CommandContext
) -> None:
    ledger = open_ledger(checkpoint_every=1000, checkpoint_seconds=0.3)
    app = Sportello(ledger)
    assert ledger.checkpointer.tick() is None  # nothing pending
    # the ledger's own timer (started with it) does the rest
    with acting(operatore):
        app.ricevi("N", "C", None, new_person_id(), "b")
    deadline = time.monotonic() + 10
    while not _positions(ledger) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _positions(ledger) == [1]
    time.sleep(0.7)
    assert _positions(ledger) == [1]  # no new events, no new checkpoint


def test_checkpoint_and_verify_commands_over_every_ledger(tmp_path: Path) -> None:
    env = {"AMBITO_DATA_DIR": str(tmp_path / "data"), "AMBITO_KEY_DIR": str(tmp_path / "keys")}
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    verify_before = runner.invoke(main, ["audit", "verify"], env=env)
    assert verify_before.exit_code == 0
    assert "intake: no ledger yet" in verify_before.output

    result = runner.invoke(main, ["audit", "checkpoint"], env=env)
    assert result.exit_code == 0, result.output
    for service in ("intake", "casework", "network", "reporting"):
        assert f"{service}: checkpoint #1 at position 0" in result.output
    verified = runner.invoke(main, ["audit", "verify"], env=env)
    assert verified.exit_code == 0, verified.output
    assert "reporting: ok, 0 events, 1 checkpoints" in verified.output


def test_a_ciphertext_moved_to_another_event_does_not_open(
    open_ledger: Callable[..., Ledger], operatore: CommandContext
) -> None:
    ledger = open_ledger()
    app = Sportello(ledger)
    person = new_person_id()
    with acting(operatore):
        first = app.ricevi("N", "C", None, person, "primo bisogno")
        second = app.ricevi("N", "C", None, person, "secondo bisogno")
    donor = json.loads(ledger.recorder.select_events(first.id)[0].state)
    target_stored = ledger.recorder.select_events(second.id)[0]
    target = json.loads(target_stored.state)
    target["bisogno"] = donor["bisogno"]
    moved = StoredEvent(
        originator_id=target_stored.originator_id,
        originator_version=1,
        topic=target_stored.topic,
        state=canonical_json(target),
    )
    with pytest.raises(MapperDeserialisationError, match="bisogno"):
        ledger.mapper.to_domain_event(moved)


def test_a_failing_checkpoint_neither_fails_a_committed_save_nor_stops_the_timer(
    open_ledger: Callable[..., Ledger], operatore: CommandContext, tmp_path: Path
) -> None:
    ledger = open_ledger(checkpoint_every=1, checkpoint_seconds=0.2)
    app = Sportello(ledger)
    good_path = ledger.checkpoints.path
    ledger.checkpoints.path = tmp_path / "unwritable"
    ledger.checkpoints.path.mkdir()  # appending to a directory fails
    with acting(operatore):
        domanda = app.ricevi("N", "C", None, new_person_id(), "b")  # must not raise
    assert ledger.recorder.max_notification_id() == 1
    time.sleep(0.6)  # the timer fails a few times meanwhile
    ledger.checkpoints.path = good_path
    deadline = time.monotonic() + 10
    while not _positions(ledger) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _positions(ledger) == [1]
    assert domanda.version == 1


def test_checkpoints_can_live_outside_a_read_only_key_directory(tmp_path: Path) -> None:
    env = {
        "AMBITO_DATA_DIR": str(tmp_path / "data"),
        "AMBITO_KEY_DIR": str(tmp_path / "keys"),
        "AMBITO_CHECKPOINT_DIR": str(tmp_path / "signed"),
    }
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    assert (
        runner.invoke(main, ["audit", "checkpoint", "--service", "intake"], env=env).exit_code == 0
    )
    assert (tmp_path / "signed" / "intake.jsonl").exists()
    assert not (tmp_path / "keys" / "checkpoints" / "intake.jsonl").exists()
    verified = runner.invoke(main, ["audit", "verify", "--service", "intake"], env=env)
    assert verified.exit_code == 0
    assert "1 checkpoints" in verified.output
