"""``bench/projections.py``: its generated events are valid sealed events, its rebuild fills
every projection of the runtime with what was generated, and a wrong read model is caught."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from bench import projections as bench
from services.casework.projections import casi
from services.intake.projections import domande
from services.runtime import projections
from shared.db import create_engines
from shared.events import LedgerEvent
from shared.settings import SERVICES
from tests.conftest import DatabaseFactory


def _stores(database_url: DatabaseFactory, backend: str, tmp_path: Path) -> bench.Stores:
    (tmp_path / "data").mkdir(exist_ok=True)
    return bench.Stores(
        backend,
        {service: database_url(service) for service in SERVICES},
        database_url("keystore"),
        database_url("views"),
        tmp_path / "keys",
    )


def test_main_prints_both_rates_their_ratio_and_every_projection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench.main(["--events", "400", "--seed", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()

    header = next(i for i, line in enumerate(lines) if line.startswith("backend"))
    assert lines[header].split() == [
        "backend",
        "events",
        "baseline",
        "ev/s",
        "rebuild",
        "ev/s",
        "ratio",
    ]
    backend, events, baseline, rebuilt, ratio = lines[header + 1].split()
    assert (backend, events) == ("sqlite", "400")
    assert float(baseline) > 0
    assert float(rebuilt) > 0
    assert float(ratio) == pytest.approx(float(rebuilt) / float(baseline), rel=0.05, abs=0.01)
    names = {line.split()[0] for line in lines if line.startswith("  ")}
    assert {projection.name for projection in projections()} <= names
    assert lines[-1].startswith("verified:")


def test_the_rebuilt_read_models_hold_what_was_generated(
    backend: str, database_url: DatabaseFactory, tmp_path: Path
) -> None:
    stores = _stores(database_url, backend, tmp_path)
    result = bench.measure(stores, 700, seed=5, persons=50)

    assert result.problems == []
    generated = result.generated
    assert generated.total == 700
    assert generated.persons == 50  # the pool filled, then people came back
    assert {ledger for ledger, _ in generated.counts} == set(SERVICES)
    assert generated.of("CasoAperto") > 0
    assert generated.of("DatiPersonaliLetti") > 0
    assert [p.name for p in result.projections] == [p.name for p in projections()]
    assert result.rows["intake_domande"] == generated.of("DomandaRicevuta")
    assert result.rows["casework_casi"] == generated.of("CasoAperto")
    assert result.rows["casework_interventi"] == generated.of("InterventoAttivato")

    views = create_engines(stores.views)
    try:
        with views.reader.connect() as connection:
            closed = connection.execute(
                select(func.count()).select_from(casi).where(casi.c.stato == "chiuso")
            ).scalar_one()
            by_comune = dict(
                connection.execute(
                    select(domande.c.comune, func.count()).group_by(domande.c.comune)
                )
                .tuples()
                .all()
            )
    finally:
        views.dispose()
    assert closed == generated.of("CasoChiuso")
    assert set(by_comune) <= set(bench.COMUNI)
    assert sum(by_comune.values()) == generated.of("DomandaRicevuta")

    # the ledgers hold exactly what was counted, every seal verifies, every event loads back
    district = bench.open_district(stores)
    try:
        loaded: Counter[tuple[str, str]] = Counter()
        for name, ledger in district.ledgers.items():
            assert ledger.verify().ok, name
            for notification in ledger.recorder.select_notifications(0, 10_000):
                event = ledger.mapper.to_domain_event(notification)
                assert isinstance(event, LedgerEvent)
                loaded[(name, event.event_type)] += 1
    finally:
        district.close()
    assert loaded == generated.counts


def test_a_read_model_that_misses_rows_is_reported(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with bench.sqlite_stores(tmp_path / "data") as stores:
        result = bench.measure(stores, 300, seed=7)
        assert result.problems == []
        views = create_engines(stores.views)
        district = bench.open_district(stores)
        try:
            with views.writer.begin() as connection:
                connection.execute(delete(casi).where(casi.c.stato != "chiuso"))
            problems = bench.verify(district, views, projections(), result.generated)
        finally:
            views.dispose()
            district.close()
    assert any(problem.startswith("casework_casi: rows") for problem in problems)
