"""Issue 8, acceptance 1: the observatory's figures for a generated district equal the same
figures computed independently from the raw events, in the test.

The district is the demo (``ambito demo``: a month of requests at three desks, applications,
hand-overs, 22 cases in every stage, questionnaires) with two years of whole journeys from
the projections bench's generator written into the same ledgers. Only the observatory's
projection is fed (no lifespan: the other feeds stay idle). The expected figures come from
``tests.support.osservatorio_atteso``, which reads the decoded events of the intake and
casework ledgers and imports nothing of the reporting service; ``GET
/api/reporting/osservatorio`` is asked as the demo's ``coordinatore`` (every comune), for
whole years, months and filter combinations, and must match exactly (rounded values within
their rounding).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bench.projections import Generator
from services.runtime import Runtime, create_app, open_runtime
from shared.identity.demo import ALL_COMUNI
from shared.projections.runner import ProjectionRunner
from shared.settings import SERVICES
from tests.support import osservatorio_atteso as atteso
from tests.support.demo_district import copy_demo_district
from tests.support.runtime import bearer, token

API = "/api/reporting/osservatorio"
TODAY = datetime.now(atteso.ROME)
YEAR = TODAY.year
GENERATED_EVENTS = 6000


@dataclass
class World:
    runtime: Runtime
    client: TestClient
    headers: dict[str, str]
    facts: atteso.Facts


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, demo_district_template: Path
) -> Iterator[World]:
    settings = copy_demo_district(
        demo_district_template, tmp_path_factory.mktemp("osservatorio-indipendente")
    )
    runtime = open_runtime(settings)
    try:
        ledgers = {service: runtime.district.ledger(service) for service in SERVICES}
        generated = Generator(ledgers, seed=8, now=datetime.now(UTC), persons=700).run(
            GENERATED_EVENTS
        )
        assert generated.total == GENERATED_EVENTS
        (feed,) = [f for f in runtime.feeds if f.projection.name == "reporting.osservatorio"]
        assert isinstance(feed, ProjectionRunner)
        feed.catch_up()
        # not entered as a context manager: the lifespan would start every other feed
        client = TestClient(create_app(runtime))
        headers = bearer(token(client, "coordinatore"))
        facts = atteso.facts(runtime.district.ledger("intake"), runtime.district.ledger("casework"))
        yield World(runtime, client, headers, facts)
    finally:
        runtime.close()


def _close(actual: float | None, expected: float | None, decimals: int) -> None:
    """The endpoint rounds to ``decimals``: equal within half a unit of the last digit."""
    if expected is None:
        assert actual is None
        return
    assert actual is not None
    assert abs(actual - expected) <= 0.5 * 10**-decimals + 1e-9, (actual, expected)


def _ask(world: World, filters: atteso.Filters) -> tuple[dict[str, Any], dict[str, Any]]:
    """The endpoint's answer and the independent figures, with the same Europe/Rome "today"
    (asked again if midnight passed in between)."""
    params = {
        k: v
        for k, v in {
            "anno": filters.year,
            "mese": filters.month,
            "comune": filters.comune,
            "area_utenza": filters.area,
            "canale": filters.canale,
        }.items()
        if v is not None
    }
    while True:
        before: date = datetime.now(atteso.ROME).date()
        response = world.client.get(API, params=params, headers=world.headers)
        if datetime.now(atteso.ROME).date() == before:
            break
    assert response.status_code == 200, response.text
    identity = world.runtime.identity
    figures = atteso.expected(world.facts, identity.district(), identity.users(), filters, before)
    body: dict[str, Any] = response.json()
    return body, figures


def _compare(body: dict[str, Any], exp: dict[str, Any], filters: atteso.Filters) -> None:
    assert body["filtri"] == {
        "anno": filters.year,
        "mese": filters.month,
        "comuni": exp["comuni"],
        "area_utenza": filters.area,
        "canale": filters.canale,
    }

    assert [r["comune"] for r in body["per_comune"]] == exp["comuni"]
    for row in body["per_comune"]:
        want = exp["per_comune"][row["comune"]]
        assert {k: row[k] for k in ("domande", "casi_aperti", "utenti")} == {
            k: want[k] for k in ("domande", "casi_aperti", "utenti")
        }, row["comune"]
        _close(row["utenti_per_1000_abitanti"], want["utenti_per_1000_abitanti"], 2)

    assert {
        r["area_utenza"]: {k: v for k, v in r.items() if k != "area_utenza"}
        for r in body["per_area"]
    } == exp["per_area"]

    per_canale = {r["canale"]: r for r in body["per_canale"]}
    assert set(per_canale) == set(exp["per_canale"])
    for canale, want in exp["per_canale"].items():
        row = per_canale[canale]
        assert row["domande"] == want["domande"], canale
        assert row["risposte_stesso_giorno"] == want["risposte_stesso_giorno"], canale
        _close(row["quota_stesso_giorno"], want["quota_stesso_giorno"], 4)

    assert {
        r["mese"]: {k: v for k, v in r.items() if k != "mese"} for r in body["per_mese"]
    } == exp["per_mese"]
    assert [r["mese"] for r in body["per_mese"]] == sorted(exp["per_mese"])

    assert {
        (r["comune"], r["area_utenza"], r["canale"], r["mese"]): {
            "domande": r["domande"],
            "persone": r["persone"],
        }
        for r in body["conteggi"]
    } == exp["conteggi"]

    ind = body["indicatori"]
    staff, want_staff = ind["assistenti_sociali"], exp["assistenti_sociali"]
    assert staff["abitanti"] == want_staff["abitanti"]
    _close(staff["assistenti_sociali"], want_staff["assistenti_sociali"], 2)
    _close(staff["abitanti_per_assistente"], want_staff["abitanti_per_assistente"], 1)
    assert {
        o["abitanti_per_assistente"]: (o["assistenti_necessari"], o["raggiunto"])
        for o in staff["obiettivi"]
    } == want_staff["obiettivi"]

    progetto, want_progetto = ind["progetto_personalizzato"], exp["progetto_personalizzato"]
    assert (progetto["utenti_con_caso"], progetto["con_progetto"]) == (
        want_progetto["utenti_con_caso"],
        want_progetto["con_progetto"],
    )
    _close(progetto["quota"], want_progetto["quota"], 4)

    variazione, want_variazione = ind["variazione_utenti"], exp["variazione_utenti"]
    for key in ("anno", "anno_precedente", "differenza"):
        assert variazione[key] == want_variazione[key], key
    _close(variazione["percentuale"], want_variazione["percentuale"], 4)

    front, want_front = ind["front_office"], exp["front_office"]
    assert (front["domande"], front["risposte_stesso_giorno"]) == (
        want_front["domande"],
        want_front["risposte_stesso_giorno"],
    )
    _close(front["quota_stesso_giorno"], want_front["quota_stesso_giorno"], 4)

    back, want_back = ind["back_office"], exp["back_office"]
    for key in ("nei_termini", "fuori_termini", "scadute", "in_corso"):
        assert back[key] == want_back[key], key
    _close(back["quota_nei_termini"], want_back["quota_nei_termini"], 4)

    loads, want_loads = ind["carichi"], exp["carichi"]
    for key in ("assistenti", "minimo", "mediana", "massimo"):
        assert loads[key] == want_loads[key], key
    assert [f["assistenti"] for f in loads["fasce"]] == want_loads["fasce"]

    soddisfazione = {s["momento"]: s for s in ind["soddisfazione"]}
    assert set(soddisfazione) == set(exp["soddisfazione"])
    for momento, want in exp["soddisfazione"].items():
        got = soddisfazione[momento]
        assert got["questionari"] == want["questionari"], momento
        assert len(got["medie"]) == len(want["medie"]), momento
        for mine, theirs in zip(got["medie"], want["medie"], strict=True):
            _close(mine, theirs, 2)
        _close(got["media"], want["media"], 2)


def test_the_demo_coordinator_covers_every_comune(world: World) -> None:
    """The comparisons below are for the whole district: the coordinator sees it all."""
    user = world.runtime.identity.get_user("coordinatore")
    assert user is not None
    assert (
        set(user.comuni)
        == set(ALL_COMUNI)
        == {c.belfiore for c in world.runtime.identity.district().comuni}
    )


@pytest.mark.parametrize("year", [YEAR, YEAR - 1], ids=["this-year", "last-year"])
def test_a_whole_year_matches_the_raw_events(world: World, year: int) -> None:
    filters = atteso.Filters(year)
    body, exp = _ask(world, filters)
    # the generated district is not empty where it matters: the comparison is not vacuous
    assert exp["front_office"]["domande"] > 100
    assert exp["progetto_personalizzato"]["utenti_con_caso"] > 20
    assert exp["progetto_personalizzato"]["con_progetto"] > 0
    assert exp["variazione_utenti"]["anno_precedente"] > 0
    assert len(exp["per_canale"]) > 3
    assert len(exp["per_area"]) > 3
    assert exp["back_office"]["nei_termini"] + exp["back_office"]["fuori_termini"] > 0
    assert sum(s["questionari"] for s in exp["soddisfazione"].values()) > 0
    assert exp["carichi"]["massimo"] > 0
    _compare(body, exp, filters)


FILTERED = [
    atteso.Filters(YEAR - 1, 3),
    atteso.Filters(YEAR, TODAY.month),
    atteso.Filters(YEAR - 1, comune="B292", area="ELD"),
    atteso.Filters(YEAR - 1, canale="sportello"),
    atteso.Filters(YEAR, area="FAM"),
    atteso.Filters(YEAR - 1, 10, comune="E094", area="POV", canale="telefono"),
]


@pytest.mark.parametrize(
    "filters",
    FILTERED,
    ids=["last-march", "this-month", "bussero-elderly", "desk", "families", "narrow"],
)
def test_a_month_and_filters_match_the_raw_events(world: World, filters: atteso.Filters) -> None:
    body, exp = _ask(world, filters)
    assert exp["per_comune"], "the comuni in scope"
    _compare(body, exp, filters)
