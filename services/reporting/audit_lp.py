"""The linear-programming audit of published figures (decision 0023).

An attacker knows every published figure and the linear relations between them (cells sum
to totals, the same count printed in two tables, a share times a published denominator);
the counts are non-negative. For a hidden count, the values consistent with all that form
an interval [lo, hi], found by minimising and maximising it with ``scipy.optimize.linprog``
(the LP relaxation, the standard audit: integrality would only narrow the interval by less
than one). A hidden count is protected when that interval contains its protection interval.

Pure logic, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PROTEZIONE = 2
"""Protection level, in people (or requests), of a cell hidden as primary (tau-ARGUS style
lower and upper protection levels): the published figures must be consistent with the
cell being ``PROTEZIONE`` more, and ``min(v, PROTEZIONE)`` less, than its true value ``v``."""

TOLLERANZA = 1e-6


def intervallo_di_protezione(
    valore: float, primaria: bool, livello: int = PROTEZIONE
) -> tuple[float, float]:
    """[v - L, v + U]: L = min(v, livello), U = livello for a primary cell; a complement
    (secondary) has no protection level of its own, only [v, v]."""
    if not primaria:
        return (valore, valore)
    return (valore - min(valore, livello), valore + livello)


def protetta(
    valore: float, primaria: bool, lo: float, hi: float, livello: int = PROTEZIONE
) -> bool:
    """The consistent range [lo, hi] contains the protection interval and is more than a
    single value (a hidden figure that can be recovered exactly is never protected)."""
    basso, alto = intervallo_di_protezione(valore, primaria, livello)
    return hi - lo > TOLLERANZA and lo <= basso + TOLLERANZA and hi >= alto - TOLLERANZA


@dataclass
class Modello:
    """Unknown non-negative counts, with equalities and ``<=`` inequalities between them.
    Published figures are constants: either written with the published part moved to the
    right-hand side, or fixed with ``fissa`` (a bound, which ``liberi`` can lift to ask what
    hiding that figure would change without building the model again)."""

    nomi: list[str] = field(default_factory=list)
    indice: dict[str, int] = field(default_factory=dict)
    uguaglianze: list[tuple[dict[int, float], float]] = field(default_factory=list)
    disuguaglianze: list[tuple[dict[int, float], float]] = field(default_factory=list)
    fissati: dict[int, float] = field(default_factory=dict)
    _matrici: Any = field(default=None, repr=False, compare=False)

    def variabile(self, nome: str) -> int:
        if nome not in self.indice:
            self.indice[nome] = len(self.nomi)
            self.nomi.append(nome)
            self._matrici = None
        return self.indice[nome]

    def uguale(self, coefficienti: Mapping[str, float], termine: float) -> None:
        """sum(coefficient * unknown) == termine."""
        self.uguaglianze.append(
            ({self.variabile(n): c for n, c in coefficienti.items()}, float(termine))
        )
        self._matrici = None

    def al_piu(self, coefficienti: Mapping[str, float], termine: float) -> None:
        """sum(coefficient * unknown) <= termine."""
        self.disuguaglianze.append(
            ({self.variabile(n): c for n, c in coefficienti.items()}, float(termine))
        )
        self._matrici = None

    def fissa(self, nome: str, valore: float) -> None:
        """A published figure: the unknown equals ``valore``."""
        self.fissati[self.variabile(nome)] = float(valore)

    def _matrice(
        self, righe: list[tuple[dict[int, float], float]]
    ) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
        if not righe:
            return None, None
        a = np.zeros((len(righe), len(self.nomi)))
        b = np.zeros(len(righe))
        for k, (coefficienti, termine) in enumerate(righe):
            for j, c in coefficienti.items():
                a[k, j] += c
            b[k] = termine
        return a, b

    def estremo(self, nome: str, verso: float, liberi: Iterable[str] = ()) -> float:
        """The minimum (``verso`` = 1) or maximum (-1) of one unknown over everything known,
        with the figures ``liberi`` treated as hidden (the maximum may be infinite). scipy is
        imported here, when a table is published, not by every start of every process."""
        from scipy.optimize import linprog

        j = self.variabile(nome)
        if self._matrici is None:
            self._matrici = (self._matrice(self.uguaglianze), self._matrice(self.disuguaglianze))
        (a_eq, b_eq), (a_ub, b_ub) = self._matrici
        sciolti = {self.indice[n] for n in liberi if n in self.indice}
        limiti = [
            (self.fissati[k], self.fissati[k])
            if k in self.fissati and k not in sciolti
            else (0.0, None)
            for k in range(len(self.nomi))
        ]
        c = np.zeros(len(self.nomi))
        c[j] = verso
        esito = linprog(
            c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=limiti, method="highs"
        )
        if esito.status == 3:  # unbounded: only the maximum can be
            return math.inf
        if esito.status != 0:
            raise ValueError(f"modello non risolvibile: {esito.message}")
        return verso * float(esito.fun)

    def intervallo(self, nome: str, liberi: Iterable[str] = ()) -> tuple[float, float]:
        """Min and max of one unknown over everything known (hi may be infinite)."""
        liberi = tuple(liberi)
        return self.estremo(nome, 1.0, liberi), self.estremo(nome, -1.0, liberi)
