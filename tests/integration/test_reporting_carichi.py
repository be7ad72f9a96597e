"""Caseloads, deadlines and the caseload alarm (reporting), on real ledgers and read-model
databases (SQLite and PostgreSQL): cases recorded through the casework service layer,
projected by ``reporting.carichi``, read back through the queries with each role's scope;
the thresholds in reporting's own ledger; a rebuild equal to the incremental tables. Then
over HTTP (in process, demo district on SQLite): the endpoints, the threshold set through
the API turning the alarm on and off, its event and actor, 403 and 422.

Dates are relative to today (Europe/Rome), as users read them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.casework.application import ApriCaso, CaseworkApplication, Esito, Provvedimento
from services.casework.domain import Caso
from services.reporting.carichi import CarichiReporting, carichi_casi, carichi_scadenze
from services.reporting.carichi_queries import CarichiQueries
from services.reporting.registro import RegistroOsservatorio
from services.reporting.soglie import SOGLIA_PREDEFINITA, id_soglia
from services.runtime import Runtime, create_app
from shared.auth.policy import Forbidden
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.db import Engines, create_engines
from shared.errors import Conflict
from shared.events.envelope import LedgerEvent
from shared.events.types import AreaUtenza, Ruolo
from shared.identity.models import User
from shared.ledger.ledger import Ledger
from shared.persons.dati import Persona
from shared.persons.keystore import KeyStore
from shared.projections.base import reset
from shared.projections.runner import ProjectionRunner
from shared.scadenze import Scadenza
from tests.conftest import DatabaseFactory
from tests.support.runtime import bearer, open_demo_runtime, token

ROME = ZoneInfo("Europe/Rome")
COMUNI = frozenset({"E094", "B292", "G965"})
AREE = frozenset({"FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN"})
TODAY = datetime.now(ROME).date()


def _user(
    username: str, role: Ruolo, aree: frozenset[str] = frozenset(), comuni: frozenset[str] = COMUNI
) -> Principal:
    return Principal(subject=username, kind="user", role=role, comuni=comuni, aree=aree)


COORDINATORE = _user("coordinatore", "coordinatore", AREE)
COORD_BUSSERO = _user("coord.bussero", "coordinatore", comuni=frozenset({"B292"}))
ANZIANI = _user("as.anziani", "assistente_sociale", frozenset({"ELD", "DIS"}))
MINORI = _user("as.minori", "assistente_sociale", frozenset({"FAM"}))
UFFICIO = _user("ufficio.piano", "ufficio_di_piano")
OPERATORE = _user("operatore", "operatore")


def _staff(username: str, aree: tuple[str, ...]) -> User:
    return User(
        username, "assistente_sociale", "FRRMRC79B07B292T", username, tuple(sorted(COMUNI)),
        aree, True, True,
    )  # fmt: skip


STAFF = {
    "as.anziani": _staff("as.anziani", ("ELD", "DIS")),
    "as.minori": _staff("as.minori", ("FAM",)),
}
_born = itertools.cycle(range(1, 29))


def _day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# -- recording cases -----------------------------------------------------------------------


def _persona() -> Persona:
    return Persona(
        nome="Giuseppina", cognome="Esposito", data_nascita=date(1945, 2, next(_born)),
        cittadinanza=380,
    )  # fmt: skip


def _open(
    casework: CaseworkApplication,
    coordinatore: Principal,
    comune: str,
    area: AreaUtenza,
    order: Provvedimento | None = None,
) -> Esito:
    return casework.apri(
        ApriCaso(
            comune=comune,
            area_utenza=area,
            origine="emergenza" if order is None else "provvedimento",
            motivo="Anziana sola dopo una caduta",
            persona=_persona(),
            provvedimento=order,
        ),
        Richiesta(coordinatore),
    )


def _write(
    casework: CaseworkApplication, caso_id: UUID, who: Principal, *steps: Callable[[Caso, str], Any]
) -> Esito:
    done: Esito | None = None
    for step in steps:
        done = casework.scrive(caso_id, Richiesta(who), step)
    assert done is not None
    return done


def _take(
    casework: CaseworkApplication, coordinatore: Principal, caso_id: UUID, who: Principal,
    area: AreaUtenza,
) -> Esito:  # fmt: skip
    casework.assegna(caso_id, who.subject, area, Richiesta(coordinatore))
    return _write(casework, caso_id, who, lambda c, w: c.prendi_in_carico(w))


def _with_project(revisione: date) -> list[Callable[[Caso, str], Any]]:
    return [
        lambda c, w: c.valuta(
            w,
            tipo="sociale",
            problemi="Isolamento",
            risorse="Figlia",
            esito="Assistenza",
            partecipanti=[w],
        ),
        lambda c, w: c.firma_contratto(
            w,
            firmatario="persona",
            impegni_servizio="Assistenza",
            impegni_persona="Visite",
            firmato_il=TODAY,
        ),
        lambda c, w: c.definisci_progetto(
            w, obiettivi="Restare a casa", professionisti=[], revisione_entro=revisione
        ),
    ]


@dataclass
class Cases:
    a: UUID
    """as.anziani, in charge, E094 ELD: review in 3 days, an intervention overdue by 5."""
    intervento_a: UUID
    b: UUID
    """as.anziani, assigned only, G965 ELD."""
    c: UUID
    """A court order's case in B292 FAM, waiting for assignment, its report overdue by 2."""
    ordine_c: UUID
    d: UUID
    """as.anziani, closed: owes nothing."""
    last: Esito


def record_cases(casework: CaseworkApplication, coordinatore: Principal) -> Cases:
    a = _open(casework, coordinatore, "E094", "ELD").id
    _take(casework, coordinatore, a, ANZIANI, "ELD")
    intervento = uuid4()
    _write(
        casework,
        a,
        ANZIANI,
        *_with_project(_day(3)),
        lambda c, w: c.attiva_intervento(
            w, intervento, prestazione="A2.07", inizio=_day(-20), fine_prevista=_day(-5)
        ),
        # a check while it runs: the final verification stays due
        lambda c, w: c.verifica(
            w, intervento, concluso=False, esito="parzialmente_raggiunto", efficacia="Parziale"
        ),
    )
    b = _open(casework, coordinatore, "G965", "ELD").id
    casework.assegna(b, "as.anziani", "ELD", Richiesta(coordinatore))
    order = Provvedimento(
        autorita="tribunale_minorenni",
        tipo="indagine_psicosociale",
        estremi="Decreto del tribunale",
        relazione_entro=_day(-2),
    )
    opened = _open(casework, coordinatore, "B292", "FAM", order)
    assert opened.creato is not None
    d = _open(casework, coordinatore, "E094", "ELD").id
    _take(casework, coordinatore, d, ANZIANI, "ELD")
    last = _write(
        casework,
        d,
        ANZIANI,
        *_with_project(_day(1)),
        lambda c, w: c.chiudi(w, motivo="obiettivi_raggiunti", restituzione="Colloquio"),
    )
    return Cases(a, intervento, b, opened.id, opened.creato, d, last)


# -- the read model and its queries (SQLite and PostgreSQL) --------------------------------


@dataclass
class World:
    casework: CaseworkApplication
    registro: RegistroOsservatorio
    runner: ProjectionRunner
    queries: CarichiQueries
    views: Engines
    casework_ledger: Ledger


@pytest.fixture
def world(
    open_ledger: Callable[..., Ledger], database_url: DatabaseFactory, keystore: KeyStore
) -> Iterator[World]:
    ledger = open_ledger("casework")
    casework = CaseworkApplication(ledger, keystore, lambda: COMUNI, staff=STAFF.get)
    registro = RegistroOsservatorio(open_ledger("reporting"))
    views = create_engines(database_url("views"))
    runner = ProjectionRunner(CarichiReporting(), views, {"casework": ledger.recorder})
    yield World(casework, registro, runner, CarichiQueries(views, runner, registro), views, ledger)
    runner.stop()
    views.dispose()


def _tables(views: Engines) -> dict[str, list[tuple[Any, ...]]]:
    with views.reader.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
            ]
            for table in (carichi_casi, carichi_scadenze)
        }


def test_caseloads_deadlines_and_alarm(world: World) -> None:
    cases = record_cases(world.casework, COORDINATORE)
    world.runner.catch_up()
    q = world.queries

    # my caseload: open cases only, each with its next deadline
    mine = {item.caso_id: item for item in q.miei(ANZIANI).items}
    assert set(mine) == {cases.a, cases.b}
    assert (mine[cases.a].stato, mine[cases.b].stato) == ("in_carico", "assegnato")
    assert mine[cases.a].progetto
    assert not mine[cases.b].progetto
    prossima = mine[cases.a].prossima_scadenza
    assert prossima is not None
    assert (prossima.tipo, prossima.entro, prossima.scaduta) == (
        "verifica_intervento",
        _day(-5),
        True,
    )
    assert mine[cases.b].prossima_scadenza is None
    assert q.miei(MINORI).items == []

    # this week: the review in 3 days; the overdue verification only when asked
    week = q.settimana(ANZIANI).items
    assert [(s.caso_id, s.tipo, s.entro, s.scaduta) for s in week] == [
        (cases.a, "revisione_progetto", _day(3), False)
    ]
    with_late = q.settimana(ANZIANI, includi_scadute=True).items
    assert [(s.tipo, s.scaduta) for s in with_late] == [
        ("verifica_intervento", True),
        ("revisione_progetto", False),
    ]
    assert [s.caso_id for s in q.settimana(COORDINATORE).items] == [cases.a]

    # overdue: the worker's own; the coordinator's across their comuni, oldest first
    assert [(s.caso_id, s.riferimento_id) for s in q.scadute(ANZIANI).items] == [
        (cases.a, cases.intervento_a)
    ]
    district = q.scadute(COORDINATORE).items
    assert [(s.caso_id, s.tipo, s.entro) for s in district] == [
        (cases.a, "verifica_intervento", _day(-5)),
        (cases.c, "relazione_tribunale", _day(-2)),
    ]
    assert all(s.scaduta for s in district)
    assert [s.caso_id for s in q.scadute(COORD_BUSSERO).items] == [cases.c]
    assert q.scadute(MINORI).items == []  # the order's case is nobody's yet

    # paging
    first = q.scadute(COORDINATORE, limit=1)
    assert len(first.items) == 1
    assert first.next_offset == 1
    assert q.scadute(COORDINATORE, offset=1, limit=1).items[0].caso_id == cases.c

    # one case's deadlines (the cartella's query); a closed case owes nothing
    assert q.scadenze_caso(cases.a) == [
        Scadenza("verifica_intervento", _day(-5), cases.intervento_a),
        Scadenza("revisione_progetto", _day(3)),
    ]
    assert q.scadenze_caso(cases.c) == [Scadenza("relazione_tribunale", _day(-2), cases.ordine_c)]
    assert q.scadenze_caso(cases.d) == []

    # per worker and per area, with the default threshold
    carichi = q.carichi(COORDINATORE)
    (anziani,) = carichi.assistenti.items
    assert (anziani.assistente_sociale, anziani.assegnati, anziani.in_carico) == (
        "as.anziani",
        1,
        1,
    )
    assert (anziani.attivi, anziani.attivi_totali, anziani.scadute) == (2, 2, 1)
    assert (anziani.soglia, anziani.allarme) == (SOGLIA_PREDEFINITA, False)
    aree = {area.area_utenza: area for area in carichi.aree}
    assert (aree["ELD"].assegnati, aree["ELD"].in_carico, aree["ELD"].scadute) == (1, 1, 1)
    assert (aree["FAM"].in_attesa, aree["FAM"].scadute) == (1, 1)
    # a coordinator of Bussero sees no worker there, and the order's case in FAM
    bussero = q.carichi(COORD_BUSSERO)
    assert bussero.assistenti.items == []
    assert [(a.area_utenza, a.in_attesa) for a in bussero.aree] == [("FAM", 1)]

    # the alarm follows the threshold in force: the area's wins over the general one
    coordinatore = Richiesta(COORDINATORE)
    world.registro.imposta_soglia(1, None, coordinatore)
    assert _alarm(q) == (1, True)
    world.registro.imposta_soglia(2, "ELD", coordinatore)
    assert _alarm(q) == (2, False)  # 2 active cases do not pass 2
    world.registro.imposta_soglia(1, "ELD", coordinatore)
    assert _alarm(q) == (1, True)
    with pytest.raises(Conflict):
        world.registro.imposta_soglia(1, "ELD", coordinatore)
    soglie = {s.area_utenza: s for s in q.soglie(COORDINATORE)}
    assert {area: s.soglia for area, s in soglie.items()} == {None: 1, "ELD": 1}
    assert soglie["ELD"].versione == 2
    assert soglie["ELD"].impostata_da == "coordinatore"

    # the report that names the order meets it; the case's worker now carries it
    _take(world.casework, COORDINATORE, cases.c, MINORI, "FAM")
    _write(
        world.casework,
        cases.c,
        MINORI,
        lambda c, w: c.invia_relazione(
            w, cases.ordine_c, autorita="tribunale_minorenni", sintesi="Sintesi"
        ),
    )
    world.runner.catch_up()
    assert [s.caso_id for s in q.scadute(COORDINATORE).items] == [cases.a]
    assert [item.caso_id for item in q.miei(MINORI).items] == [cases.c]

    # a rebuild from zero equals the incremental tables, row for row
    incremental = _tables(world.views)
    assert len(incremental["reporting_carichi_casi"]) == 4
    reset(world.runner.projection, world.views)
    assert _tables(world.views) == {"reporting_carichi_casi": [], "reporting_carichi_scadenze": []}
    rebuilt = ProjectionRunner(
        CarichiReporting(), world.views, {"casework": world.casework_ledger.recorder}
    )
    rebuilt.catch_up()
    assert _tables(world.views) == incremental


def _alarm(q: CarichiQueries) -> tuple[int, bool]:
    (worker,) = q.carichi(COORDINATORE).assistenti.items
    return worker.soglia, worker.allarme


def test_roles_outside_the_rules_are_refused(world: World) -> None:
    q = world.queries
    for who in (UFFICIO, OPERATORE):
        for read in (q.miei, q.settimana, q.scadute, q.carichi):
            with pytest.raises(Forbidden):
                read(who)
    with pytest.raises(Forbidden):
        q.carichi(ANZIANI)  # the view per worker is the coordinator's
    for who in (ANZIANI, UFFICIO):
        with pytest.raises(Forbidden):
            world.registro.imposta_soglia(10, None, Richiesta(who))
    assert world.registro.soglia(None) is None


# -- over HTTP -----------------------------------------------------------------------------


@pytest.fixture
def api(tmp_path: Any) -> Iterator[tuple[TestClient, Runtime]]:
    runtime = open_demo_runtime(tmp_path)
    with TestClient(create_app(runtime)) as client:
        yield client, runtime


def test_the_api(api: tuple[TestClient, Runtime]) -> None:
    client, runtime = api
    assert runtime.casework is not None
    assert runtime.registro is not None
    headers = {user: bearer(token(client, user)) for user in ("coordinatore", "as.anziani")}
    coordinatore, anziani = headers["coordinatore"], headers["as.anziani"]
    ufficio = bearer(token(client, "ufficio.piano"))
    cases = record_cases(runtime.casework, COORDINATORE)
    wait = {"attendi_posizione": cases.last.posizione}

    mine = client.get("/api/reporting/carichi/miei", params=wait, headers=anziani)
    assert mine.status_code == 200, mine.text
    assert {item["caso_id"] for item in mine.json()["items"]} == {str(cases.a), str(cases.b)}
    assert mine.json()["next"] is None
    week = client.get("/api/reporting/scadenze/settimana", params=wait, headers=anziani).json()
    assert [(s["tipo"], s["entro"], s["scaduta"]) for s in week["items"]] == [
        ("revisione_progetto", _day(3).isoformat(), False)
    ]
    late = client.get("/api/reporting/scadenze/scadute", params=wait, headers=coordinatore)
    assert [(s["caso_id"], s["scaduta"]) for s in late.json()["items"]] == [
        (str(cases.a), True),
        (str(cases.c), True),
    ]
    paged = client.get("/api/reporting/scadenze/scadute?limit=1", headers=coordinatore).json()
    assert paged["next"] is not None
    assert "offset=1" in paged["next"]

    def alarm() -> tuple[int, bool]:
        answer = client.get("/api/reporting/carichi", params=wait, headers=coordinatore)
        assert answer.status_code == 200, answer.text
        (worker,) = answer.json()["items"]
        assert worker["assistente_sociale"] == "as.anziani"
        assert worker["attivi"] == 2
        return worker["soglia"], worker["allarme"]

    assert alarm() == (SOGLIA_PREDEFINITA, False)
    put = client.put("/api/reporting/soglie", json={"soglia": 1}, headers=coordinatore)
    assert put.status_code == 200, put.text
    assert (put.json()["soglia"], put.json()["area_utenza"]) == (1, None)
    assert alarm() == (1, True)
    again = client.put("/api/reporting/soglie", json={"soglia": 1}, headers=coordinatore)
    assert again.status_code == 409
    put = client.put(
        "/api/reporting/soglie", json={"soglia": 2, "area_utenza": "ELD"}, headers=coordinatore
    )
    assert put.status_code == 200, put.text
    assert alarm() == (2, False)
    listed = client.get("/api/reporting/soglie", headers=coordinatore).json()
    assert [(s["area_utenza"], s["soglia"]) for s in listed["items"]] == [(None, 1), ("ELD", 2)]
    assert listed["predefinita"] == SOGLIA_PREDEFINITA

    # the threshold events are in reporting's ledger, the coordinator their actor
    events = [
        e for e in runtime.registro.events.get(id_soglia("ELD")) if isinstance(e, LedgerEvent)
    ]
    assert [type(e).__name__ for e in events] == ["SogliaCaricoImpostata"]
    assert (events[0].actor.user, events[0].actor.role) == ("coordinatore", "coordinatore")
    assert runtime.registro.soglia("ELD") is not None

    # 422 naming the field, never echoing the value
    for body in ({"soglia": 0}, {"soglia": 1001}, {"soglia": "dieci"}, {}):
        refused = client.put("/api/reporting/soglie", json=body, headers=coordinatore)
        assert refused.status_code == 422, body
        assert "soglia" in refused.text
        assert "dieci" not in refused.text
    refused = client.put(
        "/api/reporting/soglie", json={"soglia": 5, "area_utenza": "XYZ"}, headers=coordinatore
    )
    assert refused.status_code == 422
    assert "area_utenza" in refused.text

    # 403 for roles outside the rules
    for path in ("/api/reporting/carichi", "/api/reporting/scadenze/scadute"):
        assert client.get(path, headers=ufficio).status_code == 403
    assert client.get("/api/reporting/carichi", headers=anziani).status_code == 403
    for who in (anziani, ufficio):
        answer = client.put("/api/reporting/soglie", json={"soglia": 7}, headers=who)
        assert answer.status_code == 403
    assert client.get("/api/reporting/carichi").status_code == 401
