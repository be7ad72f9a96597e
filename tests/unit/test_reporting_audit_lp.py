"""The LP audit of one table (decision 0023): on random tables with cells of 0 to 30 people,
every hidden entry's range of values consistent with the published figures (scipy's linprog,
on a model written here with every entry as an unknown, apart from the service's own) covers
its protection interval; and the weaker method (exact recoverability only) fails it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from services.reporting.audit_lp import PROTEZIONE, Modello, intervallo_di_protezione, protetta
from services.reporting.soppressione import TabellaSoppressa, sopprimi

Posizione = tuple[int, int]


def _voci(t: TabellaSoppressa, valori: list[list[int]]) -> dict[Posizione, tuple[int, str | None]]:
    """Every entry of the augmented grid: its true value and its motivo (None: published)."""
    r, c = len(valori), len(valori[0])
    voci: dict[Posizione, tuple[int, str | None]] = {
        (i, j): (valori[i][j], t.celle[i][j].motivo) for i in range(r) for j in range(c)
    }
    assert t.totali_riga is not None
    assert t.totali_colonna is not None
    assert t.totale is not None
    for i in range(r):
        voci[(i, c)] = (sum(valori[i]), t.totali_riga[i].motivo)
    for j in range(c):
        voci[(r, j)] = (sum(riga[j] for riga in valori), t.totali_colonna[j].motivo)
    voci[(r, c)] = (sum(map(sum, valori)), t.totale.motivo)
    return voci


def _intervalli(
    voci: dict[Posizione, tuple[int, str | None]], r: int, c: int
) -> dict[Posizione, tuple[float, float]]:
    """Min and max of each hidden entry: all entries unknown, published ones fixed,
    each row and column of the augmented grid summing to its total, all >= 0."""
    posizioni = sorted(voci)
    k = {p: n for n, p in enumerate(posizioni)}
    righe, termini = [], []
    for p, (v, motivo) in voci.items():
        if motivo is None:
            riga = np.zeros(len(posizioni))
            riga[k[p]] = 1
            righe.append(riga)
            termini.append(v)
    for i in range(r + 1):
        riga = np.zeros(len(posizioni))
        for j in range(c):
            riga[k[(i, j)]] = 1
        riga[k[(i, c)]] = -1
        righe.append(riga)
        termini.append(0)
    for j in range(c + 1):
        riga = np.zeros(len(posizioni))
        for i in range(r):
            riga[k[(i, j)]] = 1
        riga[k[(r, j)]] = -1
        righe.append(riga)
        termini.append(0)
    risultato = {}
    for p, (_, motivo) in voci.items():
        if motivo is None:
            continue
        estremi = []
        for verso in (1, -1):
            obiettivo = np.zeros(len(posizioni))
            obiettivo[k[p]] = verso
            esito = linprog(
                obiettivo, A_eq=np.array(righe), b_eq=np.array(termini), bounds=(0, None)
            )
            assert esito.status in (0, 3), esito.message
            estremi.append(np.inf if esito.status == 3 else verso * esito.fun)
        risultato[p] = (estremi[0], estremi[1])
    return risultato


def _scoperte(valori: list[list[int]], t: TabellaSoppressa) -> list[Posizione]:
    voci = _voci(t, valori)
    scoperte = []
    for p, (lo, hi) in _intervalli(voci, len(valori), len(valori[0])).items():
        v, motivo = voci[p]
        basso, alto = intervallo_di_protezione(v, motivo == "primaria")
        if not (hi - lo > 1e-6 and lo <= basso + 1e-6 and hi >= alto - 1e-6):
            scoperte.append(p)
    return scoperte


def test_the_protection_interval() -> None:
    assert intervallo_di_protezione(1, True) == (0, 1 + PROTEZIONE)
    assert intervallo_di_protezione(4, True) == (4 - PROTEZIONE, 4 + PROTEZIONE)
    assert intervallo_di_protezione(30, False) == (30, 30)
    assert protetta(3, True, 0, 10)
    assert not protetta(3, True, 2, 13)  # cannot be 2 less
    assert not protetta(3, True, 0, 3)  # cannot be more
    assert not protetta(20, False, 20, 20)  # recovered exactly


def test_the_model_bounds_a_hidden_pair_by_its_line() -> None:
    m = Modello()
    m.uguale({"a": 1, "b": 1}, 7)
    m.al_piu({"a": 1}, 5)
    assert m.intervallo("a") == (0, 5)
    assert m.intervallo("b") == (2, 7)
    m2 = Modello()
    m2.uguale({"a": 1, "b": -1}, 0)
    assert m2.intervallo("a")[1] == float("inf")


def test_a_small_opposite_corner_is_not_enough_protection() -> None:
    """3 and 1 on a diagonal hide each other's rows and columns: no entry is recoverable,
    but the 3 could only be 1 less (the 1 cannot go below 0), so more is hidden."""
    valori = [[3, 10], [12, 1]]
    debole = sopprimi(valori, valori, protezione=None)
    assert _scoperte(valori, debole) != []
    forte = sopprimi(valori, valori)
    assert _scoperte(valori, forte) == []
    flags = [c.soppressa for riga in forte.celle for c in riga]
    assert all(flags)


def test_zero_complements_cannot_protect_upwards() -> None:
    """A 2 whose row and column hold only zeros (the observatory's sparse tables): zero
    complements leave it at most 2, so the audit asks for more."""
    valori = [[0, 2], [6, 0], [0, 0]]
    debole = sopprimi(valori, valori, protezione=None)
    assert _scoperte(valori, debole) != []
    assert _scoperte(valori, sopprimi(valori, valori)) == []


def test_an_entry_hidden_in_another_table_is_hidden_and_protected_here() -> None:
    valori = [[6, 7], [8, 9]]
    t = sopprimi(valori, valori, sensibili={(2, 2): "secondaria"})
    assert t.totale is not None
    assert t.totale.motivo == "secondaria"
    assert _scoperte(valori, t) == []
    assert sopprimi(valori, valori, sensibili={(0, 0): "primaria"}).celle[0][0].motivo == "primaria"


tabelle = st.integers(min_value=1, max_value=3).flatmap(
    lambda r: st.integers(min_value=1, max_value=4).flatmap(
        lambda c: st.lists(
            st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 30]), min_size=c, max_size=c),
            min_size=r,
            max_size=r,
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(tabelle)
def test_every_hidden_entry_covers_its_protection_interval(valori: list[list[int]]) -> None:
    t = sopprimi(valori, valori)
    assert _scoperte(valori, t) == []
    voci = _voci(t, valori)
    for (i, j), (v, motivo) in voci.items():
        if i < len(valori) and j < len(valori[0]) and 0 < v < 5:
            assert motivo == "primaria"
        if motivo is None:
            cella = t.celle[i][j] if i < len(valori) and j < len(valori[0]) else None
            assert cella is None or cella.valore == v
