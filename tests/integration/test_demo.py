"""`ambito demo`: builds the demo district, finishes an interrupted one, refuses real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.demo import DEMO_REQUESTS, load_demo_identities
from shared.keys import init_key_directory
from shared.ledger.district import open_district
from shared.settings import Settings

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first


def _requests(settings: Settings) -> int:
    district = open_district(settings)
    try:
        recorder = district.ledger("intake").recorder
        return len(recorder.select_notifications(1, 10_000, topics=["DomandaRicevuta"]))
    finally:
        district.close()


def test_demo_is_built_once_and_an_interrupted_one_is_finished(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", key_dir=tmp_path / "keys")
    init_key_directory(settings.key_dir)
    load_demo_identities(settings)  # as if `ambito demo` had died right after this step
    options = ["--data-dir", str(settings.data_dir), "--key-dir", str(settings.key_dir)]

    first = CliRunner().invoke(main, [*options, "demo"])
    assert first.exit_code == 0, first.output
    assert "distretto demo creato" in first.output
    assert _requests(settings) == DEMO_REQUESTS

    again = CliRunner().invoke(main, [*options, "demo"])
    assert again.exit_code == 0
    assert "è già un distretto demo" in again.output
    assert _requests(settings) == DEMO_REQUESTS


def test_demo_refuses_a_directory_that_is_not_a_demo(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "intake.sqlite").write_bytes(b"real data")
    result = CliRunner().invoke(
        main, ["--data-dir", str(data), "--key-dir", str(tmp_path / "keys"), "demo"]
    )
    assert result.exit_code == 1
    assert "non contiene un distretto demo" in result.output
    assert (data / "intake.sqlite").read_bytes() == b"real data"
