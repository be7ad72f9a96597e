"""Primary and secondary suppression of the published tables (decision 0023): small cells
hidden, zero cells published, and on random tables no hidden cell recoverable from the
published cells and totals, checked by an independent exact computation."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.soppressione import TabellaSoppressa, sopprimi


def _griglia(t: TabellaSoppressa) -> dict[tuple[int, int], bool]:
    """Suppressed flags of the augmented grid (totals at row R / column C)."""
    flags = {(i, j): c.soppressa for i, riga in enumerate(t.celle) for j, c in enumerate(riga)}
    r, c = len(t.celle), len(t.celle[0])
    for i, cella in enumerate(t.totali_riga or ()):
        flags[(i, c)] = cella.soppressa
    for j, cella in enumerate(t.totali_colonna or ()):
        flags[(r, j)] = cella.soppressa
    if t.totale is not None:
        flags[(r, c)] = t.totale.soppressa
    return flags


def _linee(r: int, c: int) -> list[list[tuple[int, int]]]:
    righe = [[(i, j) for j in range(c + 1)] for i in range(r + 1)]
    colonne = [[(i, j) for i in range(r + 1)] for j in range(c + 1)]
    return righe + colonne


def _determinata(
    flags: dict[tuple[int, int], bool], r: int, c: int, cella: tuple[int, int]
) -> bool:
    """Independent check: is there a change of the hidden entries that keeps every line
    balanced (cells sum to the total) and moves ``cella``? The solution space's directions
    are the kernel of the constraint matrix over hidden entries; ``cella`` is determined
    when every kernel vector is zero on it."""
    nascoste = sorted(p for p, f in flags.items() if f)
    indice = {p: k for k, p in enumerate(nascoste)}
    righe = []
    for linea in _linee(r, c):
        *dentro, totale = linea
        v = [Fraction(0)] * len(nascoste)
        for p in dentro:
            if p in indice:
                v[indice[p]] += 1
        if totale in indice:
            v[indice[totale]] -= 1
        righe.append(v)
    # Gauss-Jordan to reduced row echelon form, then read the kernel basis.
    m = [row[:] for row in righe]
    pivots: list[int] = []
    rank = 0
    for col in range(len(nascoste)):
        perno = next((k for k in range(rank, len(m)) if m[k][col] != 0), None)
        if perno is None:
            continue
        m[rank], m[perno] = m[perno], m[rank]
        m[rank] = [x / m[rank][col] for x in m[rank]]
        for k in range(len(m)):
            if k != rank and m[k][col] != 0:
                f = m[k][col]
                m[k] = [a - f * b for a, b in zip(m[k], m[rank], strict=True)]
        pivots.append(col)
        rank += 1
    liberi = [col for col in range(len(nascoste)) if col not in pivots]
    target = indice[cella]
    for libero in liberi:
        vettore = [Fraction(0)] * len(nascoste)
        vettore[libero] = Fraction(1)
        for k, col in enumerate(pivots):
            vettore[col] = -m[k][libero]
        if vettore[target] != 0:
            return False
    return True


def test_a_cell_of_fewer_than_five_people_is_hidden_as_primary() -> None:
    t = sopprimi([[3, 10], [12, 20]], [[3, 10], [12, 20]])
    assert t.celle[0][0].valore is None
    assert t.celle[0][0].motivo == "primaria"
    assert t.celle[1][1].valore == 20 or t.celle[1][1].soppressa


def test_secondary_suppression_hides_a_complement_in_its_row_and_column() -> None:
    t = sopprimi([[3, 10, 40], [12, 20, 50]], [[3, 10, 40], [12, 20, 50]])
    flags = _griglia(t)
    assert [flags[(0, j)] for j in range(3)].count(True) >= 2
    assert [flags[(i, 0)] for i in range(2)].count(True) >= 2
    # The smallest non-zero cells are the complements: 10 in the row, 12 in the column.
    assert t.celle[0][1].motivo == "secondaria"
    assert t.celle[1][0].motivo == "secondaria"
    assert t.celle[1][2].valore == 50
    assert t.totale is not None
    assert t.totale.valore == 135


def test_zero_cells_are_not_sensitive_and_are_published() -> None:
    t = sopprimi([[0, 7], [6, 0]], [[0, 7], [6, 0]])
    assert all(not c.soppressa for riga in t.celle for c in riga)
    assert t.celle[0][0].valore == 0


def test_zero_cells_are_complements_only_when_nothing_else_is_left() -> None:
    t = sopprimi([[2, 0, 9]], [[2, 0, 9]], totali_colonna=False)
    assert t.celle[0][0].soppressa
    assert t.celle[0][2].motivo == "secondaria"
    assert not t.celle[0][1].soppressa


def test_a_single_column_with_its_total_hides_two_cells() -> None:
    t = sopprimi([[2], [30], [40]], [[2], [30], [40]], totali_riga=False)
    assert [r[0].soppressa for r in t.celle] == [True, True, False]
    assert t.totali_colonna is not None
    assert t.totali_colonna[0].valore == 72


def test_a_small_total_is_hidden_too() -> None:
    t = sopprimi([[1, 2], [30, 40]], [[1, 2], [30, 40]])
    assert t.totali_riga is not None
    assert t.totali_riga[0].motivo == "primaria"


tabelle = st.integers(min_value=1, max_value=4).flatmap(
    lambda r: st.integers(min_value=1, max_value=4).flatmap(
        lambda c: st.lists(
            st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 30]), min_size=c, max_size=c),
            min_size=r,
            max_size=r,
        )
    )
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(tabelle)
def test_no_hidden_cell_can_be_recovered_from_the_published_figures(
    valori: list[list[int]],
) -> None:
    t = sopprimi(valori, valori)
    r, c = len(valori), len(valori[0])
    flags = _griglia(t)
    for i in range(r):
        for j in range(c):
            if 0 < valori[i][j] < 5:
                assert t.celle[i][j].valore is None
            if not t.celle[i][j].soppressa:
                assert t.celle[i][j].valore == valori[i][j]
    for linea in _linee(r, c):
        nascoste = sum(flags[p] for p in linea)
        assert nascoste != 1, f"una linea con una sola cella nascosta: {linea}"
    for posizione, nascosta in flags.items():
        if nascosta:
            assert not _determinata(flags, r, c, posizione), posizione
