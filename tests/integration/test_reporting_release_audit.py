"""Acceptance 2 of issue 8: the published tables of one release, as served to the Ufficio di
Piano, audited by linear programming (decision 0023).

Data recorded here through the intake and casework APIs has cells of 1 to 6 people. All four
tables of the year are modelled as ONE linear program over the underlying counts, with these
links between tables (the attacker knows them):

- ``utenti_comune_area`` (U) and ``domande_comune_canale`` (D): cells sum to row and column
  totals and to the grand total.
- The year's requests are one array x[comune, canale, area, same_day] >= 0: a D cell is
  x summed over area and same_day; the ``domande`` column of ``indicatori_area`` (A) is x
  summed over comune and canale; its ``risposte_stesso_giorno`` column is the same with
  same_day = 1. So D's grand total and A's requests total are the same figure.
- A's count columns sum to its totals; people with a project <= people with a case; a
  published share (4 decimals) times its count denominator is its numerator, within rounding;
  the district's same-day share in ``indicatori_distretto`` likewise against A's totals.
- People with a case in an area <= U's column total for that area; every U cell and every
  A ``utenti_con_caso`` <= the district's distinct users N (``indicatori_distretto.utenti``)
  <= U's grand total.

For every hidden count the LP's minimum and maximum must cover its protection interval
(primary, true value v: [v - min(v, 2), v + 2]; secondary: more than a single value). The
negative controls weaken the suppression (primary only; exact recoverability only) and the
same audit must fail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from scipy.optimize import linprog

from services.reporting import osservatorio_queries, soppressione
from services.reporting.audit_lp import PROTEZIONE
from services.reporting.osservatorio_queries import OsservatorioQueries, TabellaPubblicata
from services.runtime import create_app
from tests.support.runtime import bearer, open_demo_runtime, token

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first

API = "/api/reporting/osservatorio"
ANNO = datetime.now(UTC).astimezone(ZoneInfo("Europe/Rome")).year
AREE = ("FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN")
CANALI = ("sportello", "telefono", "email", "pec", "domicilio", "invio_servizio", "web")
CONTEGGI_AREA = ("utenti_con_caso", "utenti_con_progetto", "domande", "risposte_stesso_giorno")
ARROTONDAMENTO = 0.00005  # shares are published with 4 decimals

# (comune, area, canale, people, of whom answered the same day): one request each
DOMANDE = (
    ("E094", "ELD", "sportello", 6, 4),
    ("E094", "FAM", "telefono", 1, 0),
    ("B292", "DIS", "sportello", 3, 3),
    ("B292", "ELD", "email", 5, 2),
    ("G965", "POV", "sportello", 4, 1),
    ("G965", "FAM", "telefono", 2, 0),
)
CASI = (("G965", "ELD"), ("G965", "ELD"))  # two more people, each with an open case

# A second release (a reviewer's data), for the inequality links between tables: area ELD
# has 5 people in utenti_comune_area (1 request + 4 cases), so indicatori_area's
# utenti_con_caso[ELD] = 4 (hidden) is capped by U's ELD column total: published, it
# would pin the 4 below 4 + 2.
DOMANDE_INCROCIO = (
    ("E094", "ELD", "sportello", 1, 0),
    ("B292", "DIS", "sportello", 6, 3),
    ("G965", "POV", "telefono", 6, 2),
)

CASI_INCROCIO = tuple(("E094", "ELD") for _ in range(4))

Domande = tuple[tuple[str, str, str, int, int], ...]
Casi = tuple[tuple[str, str], ...]


@dataclass
class Mondo:
    client: TestClient
    headers: dict[str, str]
    queries: OsservatorioQueries
    domande: Domande = DOMANDE
    casi: Casi = CASI

    def weakened(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Releases computed from now on with the patched suppression, not from the cache."""
        monkeypatch.setattr(self.queries, "_rilasci", {})


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _nome(k: int) -> str:
    return "Audit" + chr(97 + k // 26) + chr(97 + k % 26)


@pytest.fixture(scope="module")
def mondo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mondo]:
    yield from _mondo(tmp_path_factory, DOMANDE, CASI)


@pytest.fixture(scope="module")
def mondo_incrocio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mondo]:
    yield from _mondo(tmp_path_factory, DOMANDE_INCROCIO, CASI_INCROCIO)


def _mondo(
    tmp_path_factory: pytest.TempPathFactory, domande: Domande, casi: Casi
) -> Iterator[Mondo]:
    """A runtime with these requests and cases recorded through the APIs."""
    runtime = open_demo_runtime(tmp_path_factory.mktemp("audit_rilascio"))
    with TestClient(create_app(runtime)) as client:
        op = bearer(token(client, "operatore"))
        coordinatore = bearer(token(client, "coordinatore"))
        k = 0
        for comune, area, canale, persone, svelte in domande:
            for n in range(persone):
                body = {
                    "comune": comune,
                    "canale": canale,
                    "persona": {"nome": _nome(k), "cognome": "Audit", "data_nascita": "1960-02-02"},
                    "bisogno": "Una richiesta di sostegno",
                    "area_utenza": area,
                    "urgente": False,
                }
                k += 1
                domanda = _ok(client.post("/api/intake/domande", json=body, headers=op), 201)
                if n < svelte:
                    _ok(
                        client.post(
                            f"/api/intake/domande/{domanda['id']}/informazioni",
                            json={"servizi": ["SAD"]},
                            headers=op,
                        )
                    )
        ultima = 0
        for comune, area in casi:
            caso = _ok(
                client.post(
                    "/api/casework/casi",
                    json={
                        "comune": comune,
                        "area_utenza": area,
                        "origine": "emergenza",
                        "motivo": "Persona sola",
                        "persona": {
                            "nome": _nome(k),
                            "cognome": "Audit",
                            "data_nascita": "1940-03-03",
                        },
                    },
                    headers=coordinatore,
                ),
                201,
            )
            k += 1
            ultima = int(caso["posizione"])
        _ok(
            client.get(
                API,
                params={"anno": ANNO, "registro": "casework", "attendi_posizione": ultima},
                headers=coordinatore,
            )
        )
        assert runtime.osservatorio is not None
        yield Mondo(
            client, bearer(token(client, "ufficio.piano")), runtime.osservatorio, domande, casi
        )


def _verita(mondo: Mondo) -> dict[tuple[str, ...], float]:
    """The true counts, from what was recorded (independent of the service)."""
    v: dict[tuple[str, ...], float] = defaultdict(float)
    for comune, area, canale, persone, svelte in mondo.domande:
        for chiave in ((comune, area), (comune, "T"), ("T", area), ("T", "T")):
            v[("U", *chiave)] += persone
        for chiave in ((comune, canale), (comune, "T"), ("T", canale), ("T", "T")):
            v[("D", *chiave)] += persone
        for a in (area, "T"):
            v[("A", a, "domande")] += persone
            v[("A", a, "risposte_stesso_giorno")] += svelte
    for comune, area in mondo.casi:
        for chiave in ((comune, area), (comune, "T"), ("T", area), ("T", "T")):
            v[("U", *chiave)] += 1
        for a in (area, "T"):
            v[("A", a, "utenti_con_caso")] += 1
    v[("N",)] = sum(p for *_, p, _ in mondo.domande) + len(mondo.casi)
    return v


class _Lp:
    """A plain LP over named non-negative unknowns (written here, apart from the service)."""

    def __init__(self) -> None:
        self.indice: dict[tuple[str, ...], int] = {}
        self.eq: list[tuple[dict[tuple[str, ...], float], float]] = []
        self.ub: list[tuple[dict[tuple[str, ...], float], float]] = []

    def uguale(self, termini: dict[tuple[str, ...], float], b: float) -> None:
        for n in termini:
            self.indice.setdefault(n, len(self.indice))
        self.eq.append((termini, b))

    def al_piu(self, termini: dict[tuple[str, ...], float], b: float) -> None:
        for n in termini:
            self.indice.setdefault(n, len(self.indice))
        self.ub.append((termini, b))

    def quota(self, num: tuple[str, ...], den: tuple[str, ...], q: float) -> None:
        """num / den == q to 4 decimals: (q - e) den <= num <= (q + e) den."""
        self.al_piu({num: 1.0, den: -(q + ARROTONDAMENTO)}, 0.0)
        self.al_piu({den: q - ARROTONDAMENTO, num: -1.0}, 0.0)

    def _matrici(self, righe: list[tuple[dict[tuple[str, ...], float], float]]) -> Any:
        a = np.zeros((len(righe), len(self.indice)))
        b = np.zeros(len(righe))
        for r, (termini, valore) in enumerate(righe):
            for n, c in termini.items():
                a[r, self.indice[n]] += c
            b[r] = valore
        return a, b

    def intervallo(self, nome: tuple[str, ...]) -> tuple[float, float]:
        a_eq, b_eq = self._matrici(self.eq)
        a_ub, b_ub = self._matrici(self.ub)
        estremi = []
        for verso in (1.0, -1.0):
            c = np.zeros(len(self.indice))
            c[self.indice[nome]] = verso
            r = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
            assert r.status in (0, 3), r.message  # infeasible would mean a wrong model
            estremi.append(np.inf if r.status == 3 else verso * r.fun)
        return estremi[0], estremi[1]


def _modello(tabelle: dict[str, dict[str, Any]]) -> tuple[_Lp, dict[tuple[str, ...], str]]:
    """The release as one LP; returns it with the hidden counts and their motivo."""
    lp = _Lp()
    nascoste: dict[tuple[str, ...], str] = {}

    def pubblica(nome: tuple[str, ...], cella: dict[str, Any]) -> None:
        lp.indice.setdefault(nome, len(lp.indice))
        if cella["soppressa"]:
            nascoste[nome] = cella["motivo"]
        else:
            lp.uguale({nome: 1.0}, float(cella["valore"]))

    for sigla, nome in (("U", "utenti_comune_area"), ("D", "domande_comune_canale")):
        t = tabelle[nome]
        righe, colonne = t["righe"], t["colonne"]
        for i, r in enumerate(righe):
            for j, c in enumerate(colonne):
                pubblica((sigla, r, c), t["celle"][i][j])
            pubblica((sigla, r, "T"), t["totali_riga"][i])
        for j, c in enumerate(colonne):
            pubblica((sigla, "T", c), t["totali_colonna"][j])
        pubblica((sigla, "T", "T"), t["totale"])
        for r in [*righe, "T"]:  # rows: cells sum to the row total
            lp.uguale({(sigla, r, c): 1.0 for c in colonne} | {(sigla, r, "T"): -1.0}, 0.0)
        for c in [*colonne, "T"]:  # columns: cells sum to the column total
            lp.uguale({(sigla, r, c): 1.0 for r in righe} | {(sigla, "T", c): -1.0}, 0.0)
    comuni = tabelle["domande_comune_canale"]["righe"]

    a = tabelle["indicatori_area"]
    colonne = a["colonne"]
    for i, area in enumerate(a["righe"]):
        for conteggio in CONTEGGI_AREA:
            pubblica(("A", area, conteggio), a["celle"][i][colonne.index(conteggio)])
    for conteggio in CONTEGGI_AREA:
        pubblica(("A", "T", conteggio), a["totali_colonna"][colonne.index(conteggio)])
        somma: dict[tuple[str, ...], float] = {("A", r, conteggio): 1.0 for r in a["righe"]}
        lp.uguale(somma | {("A", "T", conteggio): -1.0}, 0.0)
    for j, area in enumerate([*a["righe"], "T"]):
        celle = a["celle"][j] if area != "T" else a["totali_colonna"]
        lp.al_piu(
            {("A", area, "utenti_con_progetto"): 1.0, ("A", area, "utenti_con_caso"): -1.0}, 0
        )
        for quota, num, den in (
            ("quota_progetto", "utenti_con_progetto", "utenti_con_caso"),
            ("quota_stesso_giorno", "risposte_stesso_giorno", "domande"),
        ):
            cella = celle[colonne.index(quota)]
            if not cella["soppressa"] and cella["valore"] is not None:
                lp.quota(("A", area, num), ("A", area, den), float(cella["valore"]))
        if area != "T":
            # people with a case in the area are among U's people of that area
            lp.al_piu({("A", area, "utenti_con_caso"): 1.0, ("U", "T", area): -1.0}, 0.0)

    # the requests: one array, marginals published in D and in A
    x = {
        (c, k, ar, s): ("x", c, k, ar, s)
        for c in comuni
        for k in CANALI
        for ar in AREE
        for s in "01"
    }
    for c in comuni:
        for k in CANALI:
            lp.uguale(
                {x[(c, k, ar, s)]: 1.0 for ar in AREE for s in "01"} | {("D", c, k): -1.0}, 0.0
            )
    for ar in AREE:
        lp.uguale(
            {x[(c, k, ar, s)]: 1.0 for c in comuni for k in CANALI for s in "01"}
            | {("A", ar, "domande"): -1.0},
            0.0,
        )
        lp.uguale(
            {x[(c, k, ar, "1")]: 1.0 for c in comuni for k in CANALI}
            | {("A", ar, "risposte_stesso_giorno"): -1.0},
            0.0,
        )

    d = tabelle["indicatori_distretto"]
    valori = {r: d["celle"][k][0] for k, r in enumerate(d["righe"])}
    pubblica(("N",), valori["utenti"])
    lp.al_piu({("N",): 1.0, ("U", "T", "T"): -1.0}, 0.0)
    for c in comuni:
        for ar in AREE:
            lp.al_piu({("U", c, ar): 1.0, ("N",): -1.0}, 0.0)
    for ar in AREE:
        lp.al_piu({("A", ar, "utenti_con_caso"): 1.0, ("N",): -1.0}, 0.0)
    quota = valori["quota_domande_risposta_stesso_giorno"]
    if not quota["soppressa"] and quota["valore"] is not None:
        lp.quota(("A", "T", "risposte_stesso_giorno"), ("A", "T", "domande"), quota["valore"])
    return lp, nascoste


def _con_motivi(
    servite: dict[str, dict[str, Any]], rilascio: dict[str, TabellaPubblicata]
) -> dict[str, dict[str, Any]]:
    """The served tables with each hidden cell's reason, which is not published (it would
    tell that a cell holds 1 to 4 people): taken from the release as the service built it,
    after checking that the service served exactly that release."""

    def cella(interna: Any, servita: dict[str, Any]) -> dict[str, Any]:
        assert set(servita) == {"valore", "soppressa"}  # no reason is published
        assert (servita["valore"], servita["soppressa"]) == (
            None if interna.soppressa else interna.valore,
            interna.soppressa,
        )
        return {**servita, "motivo": interna.motivo}

    def linea(interne: Any, servite: Any) -> Any:
        if servite is None:
            return None
        return [cella(i, c) for i, c in zip(interne, servite, strict=True)]

    unite = {}
    for nome, t in servite.items():
        interna = rilascio[nome]
        unite[nome] = {
            **t,
            "celle": [linea(i, c) for i, c in zip(interna.celle, t["celle"], strict=True)],
            "totali_riga": linea(interna.totali_riga, t["totali_riga"]),
            "totali_colonna": linea(interna.totali_colonna, t["totali_colonna"]),
            "totale": None if t["totale"] is None else cella(interna.totale, t["totale"]),
        }
    return unite


def _audit(mondo: Mondo) -> tuple[list[str], int]:
    """The hidden counts whose LP range does not cover their protection interval, and how
    many hidden counts were audited."""
    items = _ok(mondo.client.get(f"{API}/tabelle", params={"anno": ANNO}, headers=mondo.headers))[
        "items"
    ]
    tabelle = {t["nome"]: t for t in items}
    assert set(tabelle) == {
        "utenti_comune_area",
        "domande_comune_canale",
        "indicatori_area",
        "indicatori_distretto",
    }
    lp, nascoste = _modello(_con_motivi(tabelle, mondo.queries._rilascio_di(ANNO)))
    vero = _verita(mondo)
    scoperte = []
    for nome, motivo in sorted(nascoste.items()):
        v = vero[nome]
        lo, hi = lp.intervallo(nome)
        assert lo - 1e-6 <= v <= hi + 1e-6, (nome, v, lo, hi)  # the model is sound
        if motivo == "primaria":
            basso, alto = v - min(v, PROTEZIONE), v + PROTEZIONE
        else:
            basso, alto = v, v
        if not (hi - lo > 1e-6 and lo <= basso + 1e-6 and hi >= alto - 1e-6):
            scoperte.append(f"{nome} = {v:g} ({motivo}): [{lo:g}, {hi:g}]")
    return scoperte, len(nascoste)


def test_the_data_has_cells_of_one_to_six_people() -> None:
    persone = sorted({p for *_, p, _ in DOMANDE} | {len(CASI)})
    assert persone == [1, 2, 3, 4, 5, 6]
    incrocio = sorted({p for *_, p, _ in DOMANDE_INCROCIO} | {len(CASI_INCROCIO)})
    assert incrocio == [1, 4, 6]


@pytest.mark.parametrize("dati", ["mondo", "mondo_incrocio"])
def test_every_hidden_count_of_the_release_covers_its_protection_interval(
    dati: str, request: pytest.FixtureRequest
) -> None:
    scoperte, nascoste = _audit(request.getfixturevalue(dati))
    assert nascoste >= 10  # the small cells and their complements were hidden
    assert scoperte == []


def _tabella_per_tabella(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publication without the release-wide loop: each table suppressed on its own (with
    only the equality link of the requests total), the release not checked as one LP."""
    monkeypatch.setattr(osservatorio_queries, "proteggi", lambda costruisci, *args: costruisci({}))


def test_tables_protected_one_by_one_fail_the_audit_on_a_cross_table_link(
    mondo_incrocio: Mondo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every table covers its intervals on its own, yet U's published ELD column total (5)
    caps the hidden 4 people with a case in ELD below 4 + 2: only the release-wide LP at
    publication (``services.reporting.rilascio_lp``) sees it."""
    _tabella_per_tabella(monkeypatch)
    mondo_incrocio.weakened(monkeypatch)
    scoperte, _ = _audit(mondo_incrocio)
    assert any("('A', 'ELD', 'utenti_con_caso') = 4" in s for s in scoperte), scoperte


def test_primary_suppression_alone_fails_the_audit(
    mondo: Mondo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for nome in (
        "_complemento_di_linea",
        "_complemento_per_recuperabili",
        "_complemento_per_intervallo",
    ):
        monkeypatch.setattr(soppressione, nome, lambda *args: None)
    _tabella_per_tabella(monkeypatch)
    mondo.weakened(monkeypatch)
    scoperte, _ = _audit(mondo)
    assert scoperte, "the audit must be able to fail"
    # a cell of 1 in a row whose total is published is recovered exactly
    assert any("('U', 'E094', 'FAM') = 1" in s for s in scoperte)


def test_exact_recoverability_alone_fails_the_audit(
    mondo: Mondo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first release's method (no hidden cell recoverable exactly) still lets some
    small cell be bounded closer than its protection interval on this data."""
    monkeypatch.setattr(soppressione, "_complemento_per_intervallo", lambda *args: None)
    _tabella_per_tabella(monkeypatch)
    mondo.weakened(monkeypatch)
    scoperte, _ = _audit(mondo)
    assert any("primaria" in s for s in scoperte), scoperte
