"""Statistical disclosure control of the published tables: primary and secondary suppression.

Pure logic, no I/O (method and choices: ``docs/decisions/0023-statistical-disclosure-control.md``).

A table is a grid of cells, each with the value it publishes and the number of distinct people
behind it, optionally with row totals, column totals and the grand total. The totals are
part of the published table, so the table is handled as its augmented grid: every row line
(the row's cells and its total) and every column line is a linear equation "the cells sum to
the total" that an attacker knows.

- **Primary**: a cell (or total) behind 1 to ``soglia - 1`` people is suppressed. Zero
  people reveal nobody: a zero cell is published.
- **Secondary**: while some line holds exactly one suppressed entry, the cheapest other entry
  of that line is suppressed too (the smallest non-zero inner cell, then a zero cell, then a
  total). Then, since two per line is not enough in general (a suppressed cell that bridges
  two groups of suppressed cells is still the difference of known sums), every suppressed
  entry is checked exactly: it is recoverable when its unit vector lies in the row space of
  the equations restricted to the suppressed entries (exact rational arithmetic). A
  recoverable entry gets one more complement in one of its lines, and the whole repeats until
  nothing is recoverable.
- **Protection interval**: then every hidden entry's range of consistent values is found by
  linear programming (``services.reporting.audit_lp``); a primary entry of value v must be
  able to be ``min(v, PROTEZIONE)`` less and ``PROTEZIONE`` more, a complement must not be a
  single value. While one is not, the cheapest entry whose hiding widens its range is hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from services.reporting.audit_lp import (
    PROTEZIONE,
    TOLLERANZA,
    Modello,
    intervallo_di_protezione,
    protetta,
)

SOGLIA = 5
"""Fewer than this many people in a cell: the cell is suppressed (design section 8)."""

Motivo = Literal["primaria", "secondaria"]
Posizione = tuple[int, int]


@dataclass(frozen=True)
class CellaPubblicata:
    """What a published cell shows: its value, or None with the reason it is hidden."""

    valore: int | None
    motivo: Motivo | None = None

    @property
    def soppressa(self) -> bool:
        return self.motivo is not None


@dataclass(frozen=True)
class TabellaSoppressa:
    """The published grid. ``totali_riga``/``totali_colonna``/``totale`` are None when the
    table has no such totals."""

    celle: tuple[tuple[CellaPubblicata, ...], ...]
    totali_riga: tuple[CellaPubblicata, ...] | None
    totali_colonna: tuple[CellaPubblicata, ...] | None
    totale: CellaPubblicata | None


@dataclass
class _Griglia:
    """The augmented grid: inner cells at (i < R, j < C), row totals at column C, column
    totals at row R, the grand total at (R, C) when both kinds of totals exist."""

    righe: int
    colonne: int
    totali_riga: bool
    totali_colonna: bool
    valori: dict[Posizione, int]
    persone: dict[Posizione, int]

    def interna(self, posizione: Posizione) -> bool:
        return posizione[0] < self.righe and posizione[1] < self.colonne

    def linee(self) -> list[list[Posizione]]:
        """Each equation as the entries it links (the total last)."""
        linee: list[list[Posizione]] = []
        ultima_riga = self.righe + (1 if self.totali_colonna else 0)
        ultima_colonna = self.colonne + (1 if self.totali_riga else 0)
        if self.totali_riga:
            for i in range(ultima_riga):
                linee.append([(i, j) for j in range(self.colonne)] + [(i, self.colonne)])
        if self.totali_colonna:
            for j in range(ultima_colonna):
                linee.append([(i, j) for i in range(self.righe)] + [(self.righe, j)])
        return linee


def _costo(griglia: _Griglia, posizione: Posizione) -> tuple[int, int, Posizione]:
    """Complements cost little when they hide little: small non-zero inner cells first,
    zero cells next (they protect less), totals last; ties broken by position, so the
    result is deterministic."""
    valore = griglia.valori[posizione]
    if not griglia.interna(posizione):
        return (2, valore, posizione)
    return (1 if valore == 0 else 0, valore, posizione)


def _ridotta(righe: list[list[Fraction]]) -> tuple[list[list[Fraction]], list[int]]:
    """The reduced row echelon form (exact) and its pivot columns, in row order."""
    matrice = [list(riga) for riga in righe]
    perni: list[int] = []
    colonne = len(matrice[0]) if matrice else 0
    for colonna in range(colonne):
        rango = len(perni)
        perno = next((r for r in range(rango, len(matrice)) if matrice[r][colonna] != 0), None)
        if perno is None:
            continue
        matrice[rango], matrice[perno] = matrice[perno], matrice[rango]
        guida = matrice[rango][colonna]
        matrice[rango] = [a / guida for a in matrice[rango]]
        for r in range(len(matrice)):
            if r != rango and matrice[r][colonna] != 0:
                fattore = matrice[r][colonna]
                matrice[r] = [
                    a - fattore * b for a, b in zip(matrice[r], matrice[rango], strict=True)
                ]
        perni.append(colonna)
    return matrice, perni


def recuperabili(
    linee: Sequence[Sequence[Posizione]], soppresse: set[Posizione]
) -> list[Posizione]:
    """The suppressed entries that the published ones determine exactly: those whose unit
    vector lies in the row space of the line equations restricted to suppressed entries."""
    incognite = sorted(soppresse)
    if not incognite:
        return []
    indice = {posizione: k for k, posizione in enumerate(incognite)}
    equazioni: list[list[Fraction]] = []
    for linea in linee:
        riga = [Fraction(0)] * len(incognite)
        *celle, totale = linea
        for posizione in celle:
            if posizione in indice:
                riga[indice[posizione]] += 1
        if totale in indice:
            riga[indice[totale]] -= 1
        if any(riga):
            equazioni.append(riga)
    if not equazioni:
        return []
    # One reduced row echelon form: an unknown is determined exactly when it is a pivot
    # whose row has no entry in a free column (every null-space vector is 0 there).
    ridotta, perni = _ridotta(equazioni)
    libere = [j for j in range(len(incognite)) if j not in perni]
    trovate = []
    for numero, colonna in enumerate(perni):
        if all(ridotta[numero][j] == 0 for j in libere):
            trovate.append(incognite[colonna])
    return sorted(trovate)


def sopprimi(
    valori: Sequence[Sequence[int]],
    persone: Sequence[Sequence[int]],
    *,
    totali_riga: bool = True,
    totali_colonna: bool = True,
    soglia: int = SOGLIA,
    protezione: int | None = PROTEZIONE,
    sensibili: Mapping[Posizione, Motivo] | None = None,
) -> TabellaSoppressa:
    """Primary and secondary suppression of a table of non-negative integer values, each
    with the number of distinct people behind it. A total's people are the sum of its
    cells' (an upper bound of the distinct people: a cautious choice).

    ``protezione``: the protection level that every primary cell's LP range must cover
    (``None``: only exact recoverability is checked, the weaker method of the first
    release, kept for the audit's negative control). ``sensibili``: entries of the augmented
    grid hidden from the start because the same figure is hidden in another table of the
    release, with the reason it has there (``primaria``: it gets a primary's protection)."""
    sensibili = sensibili or {}
    righe = len(valori)
    colonne = len(valori[0]) if righe else 0
    griglia = _Griglia(righe, colonne, totali_riga, totali_colonna, {}, {})
    for i in range(righe):
        for j in range(colonne):
            griglia.valori[(i, j)] = int(valori[i][j])
            griglia.persone[(i, j)] = int(persone[i][j])
    if totali_riga:
        for i in range(righe):
            griglia.valori[(i, colonne)] = sum(griglia.valori[(i, j)] for j in range(colonne))
            griglia.persone[(i, colonne)] = sum(griglia.persone[(i, j)] for j in range(colonne))
    if totali_colonna:
        ultima = colonne + (1 if totali_riga else 0)
        for j in range(ultima):
            griglia.valori[(righe, j)] = sum(griglia.valori[(i, j)] for i in range(righe))
            griglia.persone[(righe, j)] = sum(griglia.persone[(i, j)] for i in range(righe))

    primarie = {p for p, n in griglia.persone.items() if 0 < n < soglia}
    primarie |= {p for p, m in sensibili.items() if m == "primaria" and p in griglia.valori}
    soppresse = primarie | {p for p in sensibili if p in griglia.valori}
    linee = griglia.linee()
    verificate: set[Posizione] = set()  # covered: hiding more keeps them so
    while True:
        aggiunta = _complemento_di_linea(griglia, linee, soppresse)
        if aggiunta is None:
            aggiunta = _complemento_per_recuperabili(griglia, linee, soppresse)
        if aggiunta is None and protezione is not None:
            aggiunta = _complemento_per_intervallo(
                griglia, linee, soppresse, primarie, protezione, verificate
            )
        if aggiunta is None:
            break
        soppresse.add(aggiunta)

    def cella(posizione: Posizione) -> CellaPubblicata:
        if posizione in primarie:
            return CellaPubblicata(None, "primaria")
        if posizione in soppresse:
            return CellaPubblicata(None, "secondaria")
        return CellaPubblicata(griglia.valori[posizione])

    return TabellaSoppressa(
        celle=tuple(tuple(cella((i, j)) for j in range(colonne)) for i in range(righe)),
        totali_riga=tuple(cella((i, colonne)) for i in range(righe)) if totali_riga else None,
        totali_colonna=tuple(cella((righe, j)) for j in range(colonne)) if totali_colonna else None,
        totale=cella((righe, colonne)) if totali_riga and totali_colonna else None,
    )


def _complemento_di_linea(
    griglia: _Griglia, linee: list[list[Posizione]], soppresse: set[Posizione]
) -> Posizione | None:
    for linea in linee:
        nascoste = [p for p in linea if p in soppresse]
        if len(nascoste) == 1:
            candidati = [p for p in linea if p not in soppresse]
            if candidati:
                return min(candidati, key=lambda p: _costo(griglia, p))
    return None


def _complemento_per_recuperabili(
    griglia: _Griglia, linee: list[list[Posizione]], soppresse: set[Posizione]
) -> Posizione | None:
    trovate = recuperabili(linee, soppresse)
    for posizione in trovate:
        candidati = {p for linea in linee if posizione in linea for p in linea} - soppresse
        if candidati:
            return min(candidati, key=lambda p: _costo(griglia, p))
    if trovate:
        # Its lines are all hidden already: hide the cheapest entry left anywhere (with
        # everything hidden nothing is recoverable, so this ends).
        rimaste = set(griglia.valori) - soppresse
        if rimaste:
            return min(rimaste, key=lambda p: _costo(griglia, p))
    return None


def modello_della_tabella(
    griglia: _Griglia, linee: Sequence[Sequence[Posizione]], soppresse: set[Posizione]
) -> Modello:
    """The attacker's LP: one unknown per hidden entry, one equation per line with the
    published entries moved to the right-hand side."""
    modello = Modello()
    for posizione in sorted(soppresse):
        modello.variabile(str(posizione))
    for linea in linee:
        *celle, totale = linea
        coefficienti: dict[str, float] = {}
        termine = 0.0
        for posizione in celle:
            if posizione in soppresse:
                coefficienti[str(posizione)] = coefficienti.get(str(posizione), 0.0) + 1.0
            else:
                termine -= griglia.valori[posizione]
        if totale in soppresse:
            coefficienti[str(totale)] = coefficienti.get(str(totale), 0.0) - 1.0
        else:
            termine += griglia.valori[totale]
        if coefficienti:
            modello.uguale(coefficienti, termine)
    return modello


def _modello_completo(
    griglia: _Griglia, linee: Sequence[Sequence[Posizione]], soppresse: set[Posizione]
) -> Modello:
    """The same LP with every entry an unknown and the published ones fixed, so that hiding
    one more can be tried by freeing it (``Modello.estremo(..., liberi=...)``)."""
    modello = Modello()
    for posizione in sorted(griglia.valori):
        modello.variabile(str(posizione))
        if posizione not in soppresse:
            modello.fissa(str(posizione), griglia.valori[posizione])
    for linea in linee:
        *celle, totale = linea
        coefficienti: dict[str, float] = {}
        for posizione in celle:
            coefficienti[str(posizione)] = coefficienti.get(str(posizione), 0.0) + 1.0
        coefficienti[str(totale)] = coefficienti.get(str(totale), 0.0) - 1.0
        modello.uguale(coefficienti, 0.0)
    return modello


def _scoperta(
    modello: Modello,
    griglia: _Griglia,
    soppresse: set[Posizione],
    primarie: set[Posizione],
    livello: int,
    verificate: set[Posizione],
) -> tuple[Posizione, float, float, tuple[float, ...]] | None:
    """The first hidden entry whose LP range does not cover its protection interval, with
    the directions in which it must widen (1.0: the minimum down, -1.0: the maximum up)."""
    for posizione in sorted(soppresse - verificate):
        valore, primaria = griglia.valori[posizione], posizione in primarie
        lo, hi = modello.intervallo(str(posizione))
        if protetta(valore, primaria, lo, hi, livello):
            verificate.add(posizione)
            continue
        basso, alto = intervallo_di_protezione(valore, primaria, livello)
        versi = tuple(
            verso
            for verso, manca in ((1.0, lo > basso + TOLLERANZA), (-1.0, hi < alto - TOLLERANZA))
            if manca
        )
        return posizione, lo, hi, versi or (1.0, -1.0)
    return None


def _complemento_per_intervallo(
    griglia: _Griglia,
    linee: list[list[Posizione]],
    soppresse: set[Posizione],
    primarie: set[Posizione],
    livello: int,
    verificate: set[Posizione] | None = None,
) -> Posizione | None:
    """For an entry whose range is too narrow, the cheapest useful complement: first in its
    own lines, then anywhere, the cheapest entry whose hiding widens its range (hiding
    removes equations, so ranges only ever widen and the loop ends)."""
    modello = _modello_completo(griglia, linee, soppresse)
    trovata = _scoperta(
        modello, griglia, soppresse, primarie, livello, set() if verificate is None else verificate
    )
    if trovata is None:
        return None
    posizione, lo, hi, versi = trovata

    def allarga(candidata: Posizione) -> bool:
        for verso in versi:
            estremo = modello.estremo(str(posizione), verso, [str(candidata)])
            if (verso > 0 and estremo < lo - TOLLERANZA) or (
                verso < 0 and estremo > hi + TOLLERANZA
            ):
                return True
        return False

    vicine = {p for linea in linee if posizione in linea for p in linea} - soppresse
    lontane = set(griglia.valori) - soppresse - vicine
    for gruppo in (vicine, lontane):
        for candidata in sorted(gruppo, key=lambda p: _costo(griglia, p)):
            if allarga(candidata):
                return candidata
    rimaste = set(griglia.valori) - soppresse
    return min(rimaste, key=lambda p: _costo(griglia, p)) if rimaste else None
