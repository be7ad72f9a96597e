"""Acceptance 2: raw-SQL tampering with a real ledger is reported by `ambito audit verify`,
naming the first broken link; an untouched ledger verifies clean (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Connection, TextClause, create_engine, text

from services.cli import main
from shared.events import CommandContext, acting, new_person_id
from shared.ledger.ledger import Ledger
from shared.ledger.seals import GENESIS, SEAL_FORMAT
from tests.support.domain import Sportello

TABLE = "intake_events"


@dataclass
class TamperedLedger:
    url: str
    key_dir: Path
    data_dir: Path

    @contextmanager
    def sql(self) -> Iterator[Connection]:
        engine = create_engine(self.url)
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            engine.dispose()

    def row(self, position: int) -> dict[str, Any]:
        with self.sql() as connection:
            found = (
                connection.execute(
                    text(f"SELECT * FROM {TABLE} WHERE position = :p"), {"p": position}
                )
                .mappings()
                .one()
            )
        return dict(found)

    def verify(self) -> Result:
        env = {
            "AMBITO_KEY_DIR": str(self.key_dir),
            "AMBITO_DATA_DIR": str(self.data_dir),
            "AMBITO_LEDGER_URL": self.url,
        }
        return CliRunner().invoke(main, ["audit", "verify", "--service", "intake"], env=env)


@pytest.fixture
def ledger_with_history(
    open_ledger: Callable[..., Ledger], operatore: CommandContext, key_dir: Path, tmp_path: Path
) -> TamperedLedger:
    """Eight events: six covered by checkpoint #1, two newer than it."""
    ledger = open_ledger("intake", checkpoint_every=10_000)
    app = Sportello(ledger)
    with acting(operatore):
        for index in range(3):
            domanda = app.ricevi(
                "Ermenegilda", "Zappacosta", None, new_person_id(), f"bisogno {index}"
            )
            domanda.informa(persona_id=domanda.persona_id, servizi=["SAD"], note="nota")
            app.save(domanda)
        ledger.checkpoint()
        extra = app.ricevi("Ugo", "Foscolo", None, new_person_id(), "bisogno tardivo")
        extra.informa(persona_id=extra.persona_id, servizi=["SAD"])
        app.save(extra)
    assert ledger.recorder.max_notification_id() == 8
    return TamperedLedger(
        str(ledger.engines.writer.url.render_as_string(hide_password=False)),
        key_dir,
        tmp_path / "data",
    )


def _insert_statement(columns: list[str]) -> TextClause:
    names = ", ".join(columns)
    values = ", ".join(f":{c}" for c in columns)
    return text(f"INSERT INTO {TABLE} ({names}) VALUES ({values})")


def assert_broken_at(result: Result, position: int, reason: str) -> None:
    assert result.exit_code == 1, result.output
    assert f"first broken link at position {position}" in result.output, result.output
    assert reason in result.output, result.output


def test_untouched_ledger_verifies_clean(ledger_with_history: TamperedLedger) -> None:
    result = ledger_with_history.verify()
    assert result.exit_code == 0, result.output
    assert "intake: ok, 8 events, 1 checkpoints (last at position 6)" in result.output


def test_one_changed_byte_of_stored_state(ledger_with_history: TamperedLedger) -> None:
    state = bytearray(ledger_with_history.row(3)["state"])
    index = state.index(b'"canale":"') + len(b'"canale":"')
    state[index] ^= 0x01
    with ledger_with_history.sql() as connection:
        connection.execute(
            text(f"UPDATE {TABLE} SET state = :s WHERE position = 3"), {"s": bytes(state)}
        )
    assert_broken_at(ledger_with_history.verify(), 3, "seal does not match the stored event")


def test_an_event_deleted_in_the_middle(ledger_with_history: TamperedLedger) -> None:
    with ledger_with_history.sql() as connection:
        connection.execute(text(f"DELETE FROM {TABLE} WHERE position = 4"))
    assert_broken_at(ledger_with_history.verify(), 5, "expected position 4 before this one")


def test_newest_events_covered_by_a_checkpoint_deleted(ledger_with_history: TamperedLedger) -> None:
    with ledger_with_history.sql() as connection:
        connection.execute(text(f"DELETE FROM {TABLE} WHERE position >= 5"))
    assert_broken_at(
        ledger_with_history.verify(),
        5,
        "checkpoint #1 covers up to position 6, but the ledger ends at position 4",
    )


def test_verifying_leaves_a_tampered_ledger_as_it_was_found(
    ledger_with_history: TamperedLedger, open_ledger: Callable[..., Ledger]
) -> None:
    """The verdict is recorded in reporting's ledger, never in the ledger verified: run
    again, the same break is reported at the same place, and nothing was added to it."""
    open_ledger("reporting", url=ledger_with_history.url)  # the district's, beside it
    with ledger_with_history.sql() as connection:
        connection.execute(text(f"DELETE FROM {TABLE} WHERE position >= 5"))
    reports = [ledger_with_history.verify() for _ in range(3)]
    for report in reports:
        assert_broken_at(
            report, 5, "checkpoint #1 covers up to position 6, but the ledger ends at position 4"
        )
    with ledger_with_history.sql() as connection:
        positions = connection.execute(text(f"SELECT position FROM {TABLE}")).scalars().all()
        recorded = (
            connection.execute(text("SELECT topic FROM reporting_events ORDER BY position"))
            .scalars()
            .all()
        )
    assert sorted(positions) == [1, 2, 3, 4]
    assert len(recorded) == 3  # one verdict per run, in reporting's ledger
    assert set(recorded) == {"VerificaRegistroEseguita"}


def test_two_events_swapped(ledger_with_history: TamperedLedger) -> None:
    second, third = ledger_with_history.row(2), ledger_with_history.row(3)
    columns = [c for c in second if c != "position"]
    with ledger_with_history.sql() as connection:
        connection.execute(text(f"DELETE FROM {TABLE} WHERE position IN (2, 3)"))
        for position, row in ((2, third), (3, second)):
            connection.execute(
                _insert_statement(["position", *columns]), {**row, "position": position}
            )
    assert_broken_at(ledger_with_history.verify(), 2, "does not chain to the previous event")


def _seal_message(row: dict[str, Any], prev_log: bytes, prev_stream: bytes) -> bytes:
    return json.dumps(
        [
            SEAL_FORMAT,
            row["position"],
            row["originator_id"],
            row["originator_version"],
            row["topic"],
            row["recorded_at"],
            hashlib.sha256(bytes(row["state"])).hexdigest(),
            prev_log.hex(),
            prev_stream.hex(),
        ],
        separators=(",", ":"),
    ).encode()


def test_a_forged_event_chained_in_the_right_format_without_the_key(
    ledger_with_history: TamperedLedger,
) -> None:
    head = ledger_with_history.row(8)
    forged = {
        **head,
        "position": 9,
        "originator_version": 3,
        "prev_log_seal": bytes(head["seal"]),
        "prev_stream_seal": bytes(head["seal"]),
    }
    guessed_key = os.urandom(32)
    forged["seal"] = hmac.new(
        guessed_key,
        _seal_message(forged, forged["prev_log_seal"], forged["prev_stream_seal"]),
        hashlib.sha256,
    ).digest()
    with ledger_with_history.sql() as connection:
        connection.execute(_insert_statement(list(forged)), forged)
    assert_broken_at(ledger_with_history.verify(), 9, "forged without the seal key")


def test_whole_log_rewritten_with_recomputed_sha256_chain(
    ledger_with_history: TamperedLedger,
) -> None:
    rows = [ledger_with_history.row(p) for p in range(1, 9)]
    rows[1]["state"] = bytes(rows[1]["state"]).replace(b'"sportello"', b'"telefono"')
    prev_log, streams = GENESIS, dict[str, bytes]()
    for row in rows:
        prev_stream = streams.get(row["originator_id"], GENESIS)
        row["prev_log_seal"], row["prev_stream_seal"] = prev_log, prev_stream
        row["seal"] = hashlib.sha256(_seal_message(row, prev_log, prev_stream)).digest()
        prev_log = streams[row["originator_id"]] = row["seal"]
    with ledger_with_history.sql() as connection:
        for row in rows:
            connection.execute(
                text(
                    f"UPDATE {TABLE} SET state = :state, prev_log_seal = :prev_log_seal, "
                    "prev_stream_seal = :prev_stream_seal, seal = :seal WHERE position = :position"
                ),
                row,
            )
    assert_broken_at(ledger_with_history.verify(), 1, "seal does not match the stored event")


def test_a_forged_row_below_position_one(ledger_with_history: TamperedLedger) -> None:
    head = ledger_with_history.row(8)
    forged = {**head, "position": 0, "originator_version": 3, "seal": bytes(32)}
    with ledger_with_history.sql() as connection:
        for constraint in ("intake_position_positive", "intake_version_positive"):
            if "sqlite" not in ledger_with_history.url:
                connection.execute(text(f"ALTER TABLE {TABLE} DROP CONSTRAINT {constraint}"))
        if "sqlite" in ledger_with_history.url:  # SQLite cannot drop a CHECK: rebuild the table
            connection.execute(text(f"CREATE TABLE bare AS SELECT * FROM {TABLE}"))
            connection.execute(text(f"DROP TABLE {TABLE}"))
            connection.execute(text(f"ALTER TABLE bare RENAME TO {TABLE}"))
        connection.execute(_insert_statement(list(forged)), forged)
    assert_broken_at(ledger_with_history.verify(), 0, "expected position 1 before this one")


def test_the_whole_ledger_dropped(ledger_with_history: TamperedLedger) -> None:
    with ledger_with_history.sql() as connection:
        connection.execute(text(f"DROP TABLE {TABLE}"))
    assert_broken_at(
        ledger_with_history.verify(), 1, "the ledger is missing, but checkpoints cover it"
    )


def test_a_checkpoint_with_a_forged_signature(ledger_with_history: TamperedLedger) -> None:
    path = ledger_with_history.key_dir / "checkpoints" / "intake.jsonl"
    record = json.loads(path.read_text())
    record["position"] = 8
    path.write_text(json.dumps(record) + "\n")
    assert_broken_at(ledger_with_history.verify(), 8, "signature does not verify")
