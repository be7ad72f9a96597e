"""District secrets: created once, private files, kept outside the data directory."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from shared.keys import load_district_keys
from shared.settings import Settings


def test_init_creates_private_secrets_and_never_overwrites(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    runner = CliRunner()
    first = runner.invoke(
        main, ["--key-dir", str(keys), "--data-dir", str(tmp_path / "data"), "init"]
    )
    assert first.exit_code == 0, first.output
    names = {p.name for p in keys.iterdir() if p.is_file()}
    assert names == {
        "seal.key",
        "blind-index.key",
        "kek.key",
        "checkpoint.key",
        "checkpoint.pub",
        "token.key",
        "token.pub",
    }
    for path in keys.iterdir():
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    before = load_district_keys(keys)

    again = runner.invoke(
        main, ["--key-dir", str(keys), "--data-dir", str(tmp_path / "data"), "init"]
    )
    assert again.exit_code == 0
    assert "already present" in again.output
    assert load_district_keys(keys).seal_key == before.seal_key


def test_key_directory_inside_the_data_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside"):
        Settings(data_dir=tmp_path, key_dir=tmp_path / "keys")
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path), "--key-dir", str(tmp_path / "k"), "init"]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "k").exists()


def test_ledger_urls_default_to_one_sqlite_file_per_service(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", key_dir=tmp_path / "k")
    assert settings.ledger_database_url("intake") == f"sqlite:///{tmp_path / 'd' / 'intake.sqlite'}"
    district = Settings(
        data_dir=tmp_path / "d",
        key_dir=tmp_path / "k",
        ledger_url="postgresql+psycopg://h/ambito_{service}",
    )
    assert district.ledger_database_url("casework") == "postgresql+psycopg://h/ambito_casework"
