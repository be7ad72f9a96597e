"""The observatory over HTTP (in process, real SQLite) on data recorded here through the
intake and casework APIs: exact figures and indicators for a coordinator, their scope, the
Ufficio di Piano refused on free filtering but served the published tables, a cell of fewer
than 5 people suppressed with its complements, CSV/XLSX read back equal to the JSON tables,
the PDF report, and a rebuild from zero (SQLite and PostgreSQL read models) equal to the
incremental state row for row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest
from codicefiscale import codicefiscale
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.reporting.osservatorio import Osservatorio, casi, domande, istanze, questionari
from services.runtime import Runtime, create_app
from shared.db import Engines, create_engines
from shared.projections.base import create_tables, reset
from shared.projections.runner import ProjectionRunner
from tests.conftest import DatabaseFactory
from tests.support.runtime import bearer, open_demo_runtime, token

API = "/api/reporting/osservatorio"
ROME = ZoneInfo("Europe/Rome")
NOW = datetime.now(UTC)
ANNO = NOW.astimezone(ROME).year
BUSSERO_COORDINATOR = "coordinatore.bussero"


@dataclass
class World:
    runtime: Runtime
    client: TestClient
    headers: dict[str, dict[str, str]]
    caso: str

    def get(self, user: str, path: str, **params: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(
            f"{API}{path}", params=params, headers=self.headers[user]
        )
        return response


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _domanda(
    client: TestClient,
    headers: dict[str, str],
    k: int,
    comune: str,
    area: str,
    canale: str,
    occurred_at: datetime | None = None,
) -> tuple[str, int]:
    body: dict[str, Any] = {
        "comune": comune,
        "canale": canale,
        "persona": {
            "nome": f"Persona{chr(65 + k)}",
            "cognome": "Osservata",
            "data_nascita": "1950-01-01",
        },
        "bisogno": "Una richiesta di sostegno",
        "area_utenza": area,
        "urgente": False,
    }
    if occurred_at is not None:
        body["occurred_at"] = occurred_at.isoformat()
    answer = _ok(client.post("/api/intake/domande", json=body, headers=headers), 201)
    return str(answer["id"]), int(answer["posizione"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Recorded here:

    - Gorgonzola (E094), elderly (ELD), at the desk: 6 people, this year, 4 of them informed
      the same day; one more person's request a year ago (the previous year).
    - Bussero (B292), families (FAM), by phone: 2 people (a cell under 5).
    - A case in Gorgonzola, ELD, for a new person, assigned to as.anziani, who takes charge
      and collects an ex ante questionnaire (4, 5, 3).
    """
    runtime = open_demo_runtime(tmp_path_factory.mktemp("osservatorio"))
    runtime.identity.add_user(
        BUSSERO_COORDINATOR,
        "demo",
        role="coordinatore",
        codice_fiscale=codicefiscale.encode(
            lastname="Verdi",
            firstname="Paolo",
            gender="M",
            birthdate="1970-04-02",
            birthplace="Bussero",
        ),
        nome="Paolo Verdi",
        comuni=("B292",),
        demo=True,
        actor="test",
    )
    with TestClient(create_app(runtime)) as client:
        users = (
            "operatore",
            "coordinatore",
            "as.anziani",
            "ufficio.piano",
            "admin",
            BUSSERO_COORDINATOR,
        )
        headers = {u: bearer(token(client, u)) for u in users}
        op = headers["operatore"]
        intake = 0  # the intake ledger's position the last request reached
        for k in range(6):
            domanda_id, intake = _domanda(client, op, k, "E094", "ELD", "sportello")
            if k < 4:
                informata = _ok(
                    client.post(
                        f"/api/intake/domande/{domanda_id}/informazioni",
                        json={"servizi": ["SAD"]},
                        headers=op,
                    )
                )
                intake = int(informata["posizione"])
        last_year = NOW.astimezone(ROME).replace(
            year=ANNO - 1, day=min(NOW.astimezone(ROME).day, 28)
        )
        _domanda(client, op, 10, "E094", "ELD", "sportello", occurred_at=last_year)
        for k in range(2):
            _, intake = _domanda(client, op, 20 + k, "B292", "FAM", "telefono")
        caso = _ok(
            client.post(
                "/api/casework/casi",
                json={
                    "comune": "E094",
                    "area_utenza": "ELD",
                    "origine": "emergenza",
                    "motivo": "Anziana sola dopo una caduta",
                    "persona": {
                        "nome": "Giuseppina",
                        "cognome": "Esposito",
                        "data_nascita": "1938-05-05",
                    },
                },
                headers=headers["coordinatore"],
            ),
            201,
        )
        caso_id = str(caso["id"])
        _ok(
            client.post(
                f"/api/casework/casi/{caso_id}/assegnazione",
                json={"assistente_sociale": "as.anziani", "area_utenza": "ELD"},
                headers=headers["coordinatore"],
            )
        )
        _ok(
            client.post(
                f"/api/casework/casi/{caso_id}/presa-in-carico",
                json={},
                headers=headers["as.anziani"],
            )
        )
        ultimo = _ok(
            client.post(
                f"/api/casework/casi/{caso_id}/questionari",
                json={"momento": "ex_ante", "risposte": [4, 5, 3]},
                headers=headers["as.anziani"],
            ),
            201,
        )
        world = World(runtime, client, headers, caso_id)
        # read your writes, by the positions of both ledgers the observatory reads: the
        # requests (intake), then the case (casework)
        _ok(world.get("coordinatore", "", registro="intake", attendi_posizione=intake))
        _ok(
            world.get(
                "coordinatore", "", registro="casework", attendi_posizione=ultimo["posizione"]
            )
        )
        yield world


def test_coordinator_sees_exact_counts_and_indicators(world: World) -> None:
    body = _ok(world.get("coordinatore", "", anno=ANNO))
    per_comune = {r["comune"]: r for r in body["per_comune"]}
    assert per_comune["E094"]["domande"] == 6
    assert per_comune["E094"]["utenti"] == 7  # six who asked, one with a case
    assert per_comune["E094"]["casi_aperti"] == 1
    assert per_comune["E094"]["utenti_per_1000_abitanti"] == round(7000 / 20_700, 2)
    assert per_comune["B292"]["domande"] == 2
    assert per_comune["G965"]["utenti"] == 0
    canali = {r["canale"]: r for r in body["per_canale"]}
    assert canali["sportello"]["risposte_stesso_giorno"] == 4
    assert canali["telefono"]["domande"] == 2
    assert sum(r["domande"] for r in body["conteggi"]) == 8
    ind = body["indicatori"]
    assert ind["front_office"] == {
        "domande": 8,
        "risposte_stesso_giorno": 4,
        "quota_stesso_giorno": 0.5,
    }
    assert ind["variazione_utenti"]["anno"] == 9
    assert ind["variazione_utenti"]["anno_precedente"] == 1
    assert ind["variazione_utenti"]["percentuale"] == 8.0
    assert ind["progetto_personalizzato"] == {"utenti_con_caso": 1, "con_progetto": 0, "quota": 0.0}
    social = ind["assistenti_sociali"]
    assert social["abitanti"] == 38_000
    assert social["assistenti_sociali"] == 3.0  # the demo's three, each for all three comuni
    assert [o["raggiunto"] for o in social["obiettivi"]] == [False, False, False]
    carichi = ind["carichi"]
    assert (carichi["assistenti"], carichi["minimo"], carichi["massimo"]) == (3, 0, 1)
    ex_ante = next(s for s in ind["soddisfazione"] if s["momento"] == "ex_ante")
    assert ex_ante["questionari"] == 1
    assert ex_ante["medie"] == [4.0, 5.0, 3.0]
    assert ind["back_office"]["quota_nei_termini"] is None


def test_filters_narrow_the_figures(world: World) -> None:
    body = _ok(world.get("coordinatore", "", anno=ANNO, comune="B292"))
    assert body["filtri"]["comuni"] == ["B292"]
    assert [r["comune"] for r in body["per_comune"]] == ["B292"]
    assert body["indicatori"]["front_office"]["domande"] == 2
    assert body["indicatori"]["assistenti_sociali"]["assistenti_sociali"] == 1.0
    phone = _ok(world.get("coordinatore", "", anno=ANNO, canale="telefono"))
    assert phone["indicatori"]["variazione_utenti"]["anno"] == 2
    eld = _ok(world.get("coordinatore", "", anno=ANNO, area_utenza="ELD"))
    assert eld["indicatori"]["front_office"]["domande"] == 6
    month = NOW.astimezone(ROME).month
    other = month % 12 + 1
    assert _ok(world.get("coordinatore", "", anno=ANNO, mese=other))["indicatori"]["front_office"][
        "domande"
    ] == (0 if other != month else 8)
    previous = _ok(world.get("coordinatore", "", anno=ANNO - 1))
    assert previous["indicatori"]["front_office"]["domande"] == 1


def test_coordinator_scope(world: World) -> None:
    own = _ok(world.get(BUSSERO_COORDINATOR, "", anno=ANNO))
    assert own["filtri"]["comuni"] == ["B292"]
    assert own["indicatori"]["front_office"]["domande"] == 2
    refused = world.get(BUSSERO_COORDINATOR, "", anno=ANNO, comune="E094")
    assert refused.status_code == 403
    assert "comune" in refused.json()["detail"]
    assert world.get("coordinatore", "", comune="Z999").status_code == 404


def test_ufficio_di_piano_is_refused_free_filtering_but_gets_the_published_tables(
    world: World,
) -> None:
    assert world.get("ufficio.piano", "").status_code == 403
    assert world.get("as.anziani", "").status_code == 403
    tables = _ok(world.get("ufficio.piano", "/tabelle", anno=ANNO))["items"]
    assert [t["nome"] for t in tables] == [
        "utenti_comune_area",
        "domande_comune_canale",
        "indicatori_area",
        "indicatori_distretto",
    ]
    assert world.get("as.anziani", "/tabelle").status_code == 403


def _cella(tabella: dict[str, Any], riga: str, colonna: str) -> dict[str, Any]:
    cella: dict[str, Any] = tabella["celle"][tabella["righe"].index(riga)][
        tabella["colonne"].index(colonna)
    ]
    return cella


def test_cells_of_fewer_than_five_people_are_suppressed(world: World) -> None:
    utenti = _ok(world.get("ufficio.piano", "/tabelle/utenti_comune_area", anno=ANNO))
    # Bussero FAM: 2 people, hidden; its row and column get complements (decision 0023).
    # hidden, and without saying why: "primaria" would tell it holds 1 to 4 people
    assert _cella(utenti, "B292", "FAM") == {"valore": None, "soppressa": True}
    for riga in utenti["celle"]:
        for cella in riga:
            if cella["soppressa"]:
                assert cella["valore"] is None
    flat = (
        [c for riga in utenti["celle"] for c in riga]
        + utenti["totali_riga"]
        + utenti["totali_colonna"]
    )
    assert sum(c["soppressa"] for c in flat) >= 2
    assert 2 not in [c["valore"] for c in flat]  # the hidden 2 is never printed
    domande = _ok(world.get("ufficio.piano", "/tabelle/domande_comune_canale", anno=ANNO))
    assert _cella(domande, "B292", "telefono")["soppressa"] is True
    # Bussero's row and the phone column hold only zero cells, which cannot hide that the 2
    # could be 2 more (the LP protection interval of decision 0023): the row and column
    # totals are primary (2 people) and the grand total is the useful complement, so
    # Gorgonzola's desk count (6) stays published.
    assert _cella(domande, "E094", "sportello")["valore"] == 6
    assert domande["totale"] == {"valore": None, "soppressa": True}
    for k, riga in enumerate(domande["celle"]):
        linea = [*riga, domande["totali_riga"][k]]
        assert sum(c["soppressa"] for c in linea) != 1
    area = _ok(world.get("ufficio.piano", "/tabelle/indicatori_area", anno=ANNO))
    eld = area["celle"][area["righe"].index("ELD")]
    assert eld[0]["soppressa"] is True  # one person with a case
    assert eld[2]["valore"] is None  # its share goes with it
    # FAM's 2 requests are hidden; the year's requests total is hidden in
    # domande_comune_canale, and it is the same figure here, so it is hidden here too (the
    # release is suppressed as a whole, decision 0023) and ELD's 6 needs no complement.
    assert area["celle"][area["righe"].index("FAM")][3]["soppressa"] is True
    assert eld[3]["valore"] == 6
    assert area["totali_colonna"][3] == {"valore": None, "soppressa": True}
    distretto = _ok(world.get("ufficio.piano", "/tabelle/indicatori_distretto", anno=ANNO))
    valori = {r: distretto["celle"][k][0] for k, r in enumerate(distretto["righe"])}
    assert valori["utenti"]["valore"] == 9
    assert valori["utenti_anno_precedente"]["soppressa"] is True
    assert valori["soddisfazione_media_ex_ante"]["soppressa"] is True
    assert valori["assistenti_sociali"]["valore"] == 3


def test_coordinator_gets_the_published_rows_of_their_comuni(world: World) -> None:
    utenti = _ok(world.get(BUSSERO_COORDINATOR, "/tabelle/utenti_comune_area", anno=ANNO))
    assert utenti["righe"] == ["B292"]
    district = _ok(world.get("ufficio.piano", "/tabelle/utenti_comune_area", anno=ANNO))
    assert utenti["celle"][0] == district["celle"][district["righe"].index("B292")]


def _lunghe(tabella: dict[str, Any]) -> list[tuple[str, str, Any, bool]]:
    righe = []
    for i, r in enumerate(tabella["righe"]):
        for j, c in enumerate(tabella["colonne"]):
            cella = tabella["celle"][i][j]
            righe.append((r, c, cella["valore"], cella["soppressa"]))
        if tabella["totali_riga"] is not None:
            cella = tabella["totali_riga"][i]
            righe.append((r, "Totale", cella["valore"], cella["soppressa"]))
    if tabella["totali_colonna"] is not None:
        for j, c in enumerate(tabella["colonne"]):
            cella = tabella["totali_colonna"][j]
            righe.append(("Totale", c, cella["valore"], cella["soppressa"]))
    if tabella["totale"] is not None:
        righe.append(
            ("Totale", "Totale", tabella["totale"]["valore"], tabella["totale"]["soppressa"])
        )
    return righe


def _numero(testo: Any) -> Any:
    if testo in ("", None):
        return None
    return float(testo)


@pytest.mark.parametrize(
    "nome",
    ["utenti_comune_area", "domande_comune_canale", "indicatori_area", "indicatori_distretto"],
)
def test_csv_and_xlsx_hold_the_same_cells_as_the_json_table(world: World, nome: str) -> None:
    tabella = _ok(world.get("ufficio.piano", f"/tabelle/{nome}", anno=ANNO))
    attese = [(r, c, None if v is None else float(v), s) for r, c, v, s in _lunghe(tabella)]

    risposta = world.get("ufficio.piano", f"/esportazioni/{nome}.csv", anno=ANNO)
    assert risposta.status_code == 200
    assert (
        risposta.headers["content-disposition"]
        == f'attachment; filename="osservatorio_{nome}_{ANNO}.csv"'
    )
    lette = list(csv.DictReader(io.StringIO(risposta.content.decode("utf-8"))))
    assert [
        (r["riga"], r["colonna"], _numero(r["valore"]), r["soppressa"] == "si") for r in lette
    ] == attese
    assert {r["tabella"] for r in lette} == {nome}

    risposta = world.get("ufficio.piano", f"/esportazioni/{nome}.xlsx", anno=ANNO)
    assert risposta.status_code == 200
    assert risposta.headers["content-disposition"].endswith(f'{nome}_{ANNO}.xlsx"')
    libro = openpyxl.load_workbook(io.BytesIO(risposta.content))
    righe = list(libro[nome[:31]].iter_rows(values_only=True))
    assert righe[0] == ("tabella", "anno", "riga", "colonna", "valore", "soppressa")
    assert [(r[2], r[3], _numero(r[4]), r[5] == "si") for r in righe[1:]] == attese


def test_exports_follow_the_published_tables_rule(world: World) -> None:
    assert world.get("as.anziani", "/esportazioni/utenti_comune_area.csv").status_code == 403
    assert world.get("admin", "/esportazioni/utenti_comune_area.csv").status_code == 200
    assert world.get("ufficio.piano", "/esportazioni/sconosciuta.csv").status_code == 404


def test_the_pdf_report(world: World) -> None:
    risposta = world.get("ufficio.piano", "/rapporto.pdf", anno=ANNO)
    assert risposta.status_code == 200
    assert risposta.headers["content-type"] == "application/pdf"
    assert "attachment" in risposta.headers["content-disposition"]
    assert risposta.content.startswith(b"%PDF")
    assert len(risposta.content) > 5000
    assert world.get("as.anziani", "/rapporto.pdf").status_code == 403


def _rows(views: Engines) -> dict[str, list[tuple[Any, ...]]]:
    def normal(value: Any) -> Any:
        if isinstance(value, datetime):
            return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).astimezone(UTC)
        return value

    result = {}
    with views.reader.connect() as connection:
        for table in (domande, istanze, casi, questionari):
            key = next(iter(table.primary_key.columns))
            result[table.name] = [
                tuple(normal(v) for v in row)
                for row in connection.execute(select(table).order_by(key))
            ]
    return result


def test_a_rebuild_equals_the_incremental_tables(
    world: World, database_url: DatabaseFactory
) -> None:
    incremental = _rows(world.runtime.views)
    assert len(incremental["osservatorio_domande"]) == 9
    assert len(incremental["osservatorio_casi"]) == 1
    assert len(incremental["osservatorio_questionari"]) == 1
    views = create_engines(database_url("osservatorio_rebuild"))
    try:
        projection = Osservatorio()
        create_tables(projection, views)
        reset(projection, views)
        sources = {
            name: world.runtime.district.ledger(name).recorder for name in projection.sources
        }
        ProjectionRunner(projection, views, sources).catch_up()
        assert _rows(views) == incremental
        # and once more from zero on the same database
        reset(projection, views)
        ProjectionRunner(projection, views, sources).catch_up()
        assert _rows(views) == incremental
    finally:
        views.dispose()
