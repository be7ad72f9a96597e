"""The release audit of decision 0023 on seeded random small releases, in process.

For each seed, read-model rows of one year are generated (3 comuni; groups of 1 to 6 people
by comune, area and channel, some answered the same day; groups of 1 to 6 people with an open
case by comune and area, some with a project, some of them people who also made a request),
the four tables are published by the service's own ``OsservatorioQueries._rilascio`` (the
release-wide loop included), and the whole release is audited with the audit module's LP
(``_modello`` of ``test_reporting_release_audit``, written apart from the service, with the
requests array not projected out) against true counts computed here from the rows.

Seeds: 0 to 7 (``SEMI``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from services.reporting.audit_lp import PROTEZIONE
from services.reporting.osservatorio_queries import Dati, OsservatorioQueries, TabellaPubblicata
from shared.identity.models import Comune, DistrictSettings
from tests.integration.test_reporting_release_audit import AREE, CANALI, _modello

SEMI = range(8)
ANNO = 2025
COMUNI = (
    Comune("B292", "015038", "Bussero", "Lombardia", 8_700),
    Comune("E094", "015108", "Gorgonzola", "Lombardia", 20_700),
    Comune("G965", "015179", "Pozzuolo Martesana", "Lombardia", 8_500),
)
ISTANTE = datetime(ANNO, 3, 3, 9, tzinfo=UTC)


def _dati(seme: int) -> Dati:
    caso = random.Random(seme)
    dati = Dati()
    k = 0
    richiedenti: list[tuple[str, str, str]] = []  # (persona, comune, area)
    for _ in range(caso.randint(3, 7)):
        comune = caso.choice(COMUNI).belfiore
        area, canale = caso.choice(AREE[:4]), caso.choice(CANALI[:3])
        persone = caso.randint(1, 6)
        svelte = caso.randint(0, persone)
        for n in range(persone):
            persona = f"P{k:05d}"
            k += 1
            richiedenti.append((persona, comune, area))
            dati.domande.append(
                {
                    "domanda_id": f"d{k}",
                    "persona_id": persona,
                    "comune": comune,
                    "area_utenza": area,
                    "canale": canale,
                    "ricevuta_il": ISTANTE,
                    "prima_risposta_il": ISTANTE + timedelta(hours=1) if n < svelte else None,
                }
            )
    for _ in range(caso.randint(1, 4)):
        comune, area = caso.choice(COMUNI).belfiore, caso.choice(AREE[:4])
        for _ in range(caso.randint(1, 6)):
            stessi = [p for p, c, a in richiedenti if (c, a) == (comune, area)]
            if stessi and caso.random() < 0.3:
                persona = caso.choice(stessi)  # a person who also asked, same comune and area
            else:
                persona = f"P{k:05d}"
                k += 1
            dati.casi.append(
                {
                    "caso_id": f"c{k}-{len(dati.casi)}",
                    "persona_id": persona,
                    "comune": comune,
                    "area_utenza": area,
                    "fascia_eta": "65+",
                    "cittadinanza": "IT",
                    "assistente_sociale": None,
                    "aperto_il": ISTANTE,
                    "chiuso_il": None,
                    "progetto_il": ISTANTE if caso.random() < 0.5 else None,
                }
            )
    return dati


def _verita(dati: Dati) -> dict[tuple[str, ...], float]:
    """The true counts, straight from the rows."""
    persone: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in [*dati.domande, *dati.casi]:
        persone[(r["comune"], r["area_utenza"])].add(r["persona_id"])
    v: dict[tuple[str, ...], float] = defaultdict(float)
    for (comune, area), chi in persone.items():
        for chiave in ((comune, area), (comune, "T"), ("T", area), ("T", "T")):
            v[("U", *chiave)] += len(chi)
    for d in dati.domande:
        for chiave in ((d["comune"], d["canale"]), (d["comune"], "T"), ("T", d["canale"])):
            v[("D", *chiave)] += 1
        v[("D", "T", "T")] += 1
        for a in (d["area_utenza"], "T"):
            v[("A", a, "domande")] += 1
            v[("A", a, "risposte_stesso_giorno")] += d["prima_risposta_il"] is not None
    for colonna, casi in (
        ("utenti_con_caso", dati.casi),
        ("utenti_con_progetto", [c for c in dati.casi if c["progetto_il"] is not None]),
    ):
        per_area: dict[str, set[str]] = defaultdict(set)
        for c in casi:
            per_area[c["area_utenza"]].add(c["persona_id"])
        for area, chi in per_area.items():
            v[("A", area, colonna)] = len(chi)
        v[("A", "T", colonna)] = sum(len(chi) for chi in per_area.values())
    v[("N",)] = len({r["persona_id"] for r in [*dati.domande, *dati.casi]})
    return v


def _servita(t: TabellaPubblicata) -> dict[str, Any]:
    """The table as the audit reads it, each hidden cell with its reason."""

    def cella(c: Any) -> dict[str, Any]:
        return {"valore": c.valore, "soppressa": c.soppressa, "motivo": c.motivo}

    def linea(celle: Any) -> Any:
        return None if celle is None else [cella(c) for c in celle]

    return {
        "righe": list(t.righe),
        "colonne": list(t.colonne),
        "celle": [linea(riga) for riga in t.celle],
        "totali_riga": linea(t.totali_riga),
        "totali_colonna": linea(t.totali_colonna),
        "totale": None if t.totale is None else cella(t.totale),
    }


@pytest.mark.parametrize("seme", SEMI)
def test_a_random_release_covers_every_protection_interval(seme: int) -> None:
    distretto = DistrictSettings("Ambito di prova", False, COMUNI)
    queries = OsservatorioQueries(cast(Any, None), cast(Any, None), lambda: distretto, lambda: [])
    dati = _dati(seme)
    comuni = [c.belfiore for c in COMUNI]
    rilascio = queries._rilascio(dati, comuni, ANNO)
    lp, nascoste = _modello({nome: _servita(t) for nome, t in rilascio.items()})
    assert any(m == "primaria" for m in nascoste.values())  # the data has small cells
    vero = _verita(dati)
    scoperte = []
    for nome, motivo in sorted(nascoste.items()):
        v = vero[nome]
        lo, hi = lp.intervallo(nome)
        assert lo - 1e-6 <= v <= hi + 1e-6, (nome, v, lo, hi)  # the model is sound
        basso, alto = (v - min(v, PROTEZIONE), v + PROTEZIONE) if motivo == "primaria" else (v, v)
        if not (hi - lo > 1e-6 and lo <= basso + 1e-6 and hi >= alto - 1e-6):
            scoperte.append(f"{nome} = {v:g} ({motivo}): [{lo:g}, {hi:g}]")
    assert scoperte == [], f"seme {seme}"
