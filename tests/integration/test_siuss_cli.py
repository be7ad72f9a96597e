"""``ambito siuss export``: the same flows as files, for a comune that uploads by hand."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.reporting.siuss import SchemaSiuss
from shared.settings import Settings
from tests.support.demo_district import copy_demo_district

FIXTURES = Path(__file__).parents[1] / "fixtures" / "siuss"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, demo_district_template: Path) -> Settings:
    found = copy_demo_district(demo_district_template, tmp_path_factory.mktemp("siuss-cli"))
    return found


def _export(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "AMBITO_DATA_DIR": str(settings.data_dir),
        "AMBITO_KEY_DIR": str(settings.key_dir),
        "AMBITO_AS_PASSWORD": "demo",
    }
    result = CliRunner().invoke(main, ["siuss", "export", *args], env=env)
    return result.exit_code, result.output


def test_export_writes_the_comunes_flows_each_valid_and_the_same_twice(
    settings: Settings, tmp_path: Path
) -> None:
    oggi = date.today()
    periodo = [
        "--dal",
        (oggi - timedelta(days=1)).isoformat(),
        "--al",
        (oggi + timedelta(days=1)).isoformat(),
    ]
    codice, output = _export(
        settings,
        "--comune",
        "E094",
        *periodo,
        "--as",
        "coordinatore",
        "--cartella",
        str(tmp_path / "a"),
    )
    assert codice == 0, output
    files = sorted((tmp_path / "a").glob("*.xml"))
    assert files, output
    assert f"{len(files)} flussi SIUSS di E094" in output
    schemi = {
        "PS": SchemaSiuss.da_xsd("PS_PSA_SINA", (FIXTURES / "PS_PSA_SINA201812.xsd").read_bytes()),
        "SINBA": SchemaSiuss.da_xsd("SINBA", (FIXTURES / "SINBA.xsd").read_bytes()),
    }
    for file in files:
        assert file.name.startswith("E094.")
        sigla = file.name.split(".")[1]
        assert schemi[sigla].errori(file.read_bytes()) == [], file.name
        assert file.stat().st_mode & 0o077 == 0  # the owner's only: names in clear
    # a second export issues nothing new and writes the same flows byte for byte
    codice, output = _export(
        settings,
        "--comune",
        "E094",
        *periodo,
        "--as",
        "coordinatore",
        "--cartella",
        str(tmp_path / "b"),
    )
    assert codice == 0, output
    again = sorted((tmp_path / "b").glob("*.xml"))
    assert [f.name for f in again] == [f.name for f in files]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(files, again, strict=True))
    # another comune's flows are not in this one's files
    codice, output = _export(
        settings,
        "--comune",
        "B292",
        *periodo,
        "--as",
        "coordinatore",
        "--cartella",
        str(tmp_path / "c"),
    )
    assert codice == 0, output
    assert all(f.name.startswith("B292.") for f in (tmp_path / "c").glob("*.xml"))
    # a period before any flow: nothing
    codice, output = _export(
        settings,
        "--comune",
        "E094",
        "--dal",
        "2020-01-01",
        "--al",
        "2020-12-31",
        "--as",
        "coordinatore",
        "--cartella",
        str(tmp_path / "d"),
    )
    assert codice == 0, output
    assert not list((tmp_path / "d").glob("*.xml"))


def test_export_refusals_name_the_option(settings: Settings, tmp_path: Path) -> None:
    base = ["--dal", "2026-01-01", "--al", "2026-12-31", "--cartella", str(tmp_path)]
    codice, output = _export(settings, "--comune", "Z999", *base, "--as", "coordinatore")
    assert codice == 2
    assert "--comune" in output
    codice, output = _export(
        settings,
        "--comune",
        "E094",
        "--dal",
        "2026-02-01",
        "--al",
        "2026-01-01",
        "--as",
        "coordinatore",
    )
    assert codice == 2
    assert "--al" in output
    codice, output = _export(
        settings, "--comune", "E094", "--dal", "ieri", "--al", "2026-01-01", "--as", "coordinatore"
    )
    assert codice == 2
    assert "--dal" in output
    codice, output = _export(settings, "--comune", "E094", *base)
    assert codice == 1
    assert "--as" in output
    codice, output = _export(settings, "--comune", "E094", *base, "--as", "admin")
    assert codice == 1  # the amministratore reads no case
    assert "coordinatore" in output
    assert not list(tmp_path.glob("*.xml"))
