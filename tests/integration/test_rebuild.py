"""`ambito projections rebuild` (embedded): a rebuilt read model equals the incremental one."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.cli import main
from services.reporting.projections import domande_per_comune_area
from services.runtime import create_app
from shared.db import create_engines
from tests.support.runtime import CONTRACT_BODY, bearer, open_demo_runtime, token


def _rows(url: str) -> list[tuple[str, str, int]]:
    views = create_engines(url)
    try:
        table = domande_per_comune_area
        with views.reader.connect() as connection:
            return sorted(
                (r.comune, r.area_utenza, int(r.domande)) for r in connection.execute(select(table))
            )
    finally:
        views.dispose()


def test_a_rebuilt_read_model_equals_the_incremental_one(tmp_path: Path) -> None:
    runtime = open_demo_runtime(tmp_path)
    settings = runtime.settings
    with TestClient(create_app(runtime)) as client:
        headers = bearer(token(client, "operatore"))
        for area in ("ELD", "FAM", "ELD"):
            body = {**CONTRACT_BODY, "area_utenza": area}
            assert client.post("/api/intake/domande", json=body, headers=headers).status_code == 201
    incremental = _rows(settings.views_database_url())
    assert sum(count for _, _, count in incremental) == 3

    result = CliRunner().invoke(
        main,
        [
            "--data-dir",
            str(settings.data_dir),
            "--key-dir",
            str(settings.key_dir),
            "projections",
            "rebuild",
        ],
    )
    assert result.exit_code == 0, result.output
    assert _rows(settings.views_database_url()) == incremental
