"""Protection of one whole release at publication: the four tables of a year as ONE linear
program, and the loop that hides more until every hidden count covers its protection interval
(decision 0023).

Suppressing each table on its own is not enough: the tables print figures of the same people
and requests, and an attacker combines them (e.g. people with a case in an area are at most
that area's column total of people in ``utenti_comune_area``: a published 5 caps a hidden 4
below 4 + 2). Here the release is one model with every link between tables that the audit
knows, and while a hidden count's range misses its interval, the cheapest published count
whose hiding widens it is hidden and its table is suppressed again.

Keys of the counts (positions of the augmented grids of ``services.reporting.soppressione``):
``("U", i, j)`` utenti_comune_area (i = number of comuni: column totals; j = number of areas:
row totals); ``("D", i, j)`` domande_comune_canale likewise; ``("A", column, i)`` a count
column of indicatori_area (i = number of areas: the district total); ``("N",)`` the district's
distinct users of indicatori_distretto. Links (each true of the data):

- U and D: cells sum to row and column totals and to the grand total;
- the year's requests x[comune, canale, area, same day] >= 0 (not published): a D cell is x
  summed over area and same day, A's ``domande`` of an area is x summed over comune, canale and
  same day, A's ``risposte_stesso_giorno`` the same with same day = 1. Projected out exactly
  (see ``_vincoli``): D's grand total is A's requests total, same-day requests <= requests;
- A's count columns sum to their totals; people with a project <= people with a case (per area
  and in total); people with a case in an area <= U's column total of that area;
- every U cell and every A ``utenti_con_caso`` <= N <= U's grand total;
- the district's same-day share q (4 decimals), when published: (q - e) total requests <=
  same-day total <= (q + e) total requests.

The shares of indicatori_area are published only when both their counts are, so they add
nothing. Pure logic, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from services.reporting.audit_lp import (
    PROTEZIONE,
    TOLLERANZA,
    Modello,
    intervallo_di_protezione,
    protetta,
)

Chiave = tuple[str | int, ...]
Motivo = Literal["primaria", "secondaria"]
T = TypeVar("T")

COLONNE_AREA = ("utenti_con_caso", "utenti_con_progetto", "domande", "risposte_stesso_giorno")
ARROTONDAMENTO = 0.00005
"""Shares are published with 4 decimals."""
N: Chiave = ("N",)


@dataclass(frozen=True)
class Voce:
    """A count of the release: its true value, and how it is published."""

    valore: int
    pubblicata: bool
    primaria: bool = False
    totale: bool = False


@dataclass(frozen=True)
class Rilascio(Generic[T]):
    """One suppressed release: its counts by key, the published district same-day share (None:
    hidden) and the tables themselves (opaque here)."""

    comuni: int
    aree: int
    canali: int
    voci: Mapping[Chiave, Voce]
    quota_stesso_giorno: float | None
    tabelle: T


def _nome(chiave: Chiave) -> str:
    return "/".join(str(parte) for parte in chiave)


def _vincoli(r: Rilascio[T]) -> list[tuple[dict[Chiave, float], float, bool]]:
    """Every link of the release as (coefficients, right-hand side, is an equality)."""
    vincoli: list[tuple[dict[Chiave, float], float, bool]] = []

    def uguale(termini: Mapping[Any, float], b: float = 0.0) -> None:
        vincoli.append((dict(termini), b, True))

    def al_piu(termini: Mapping[Any, float], b: float = 0.0) -> None:
        vincoli.append((dict(termini), b, False))

    for sigla, colonne in (("U", r.aree), ("D", r.canali)):
        for i in range(r.comuni + 1):
            uguale({(sigla, i, j): 1.0 for j in range(colonne)} | {(sigla, i, colonne): -1.0})
        for j in range(colonne + 1):
            uguale({(sigla, i, j): 1.0 for i in range(r.comuni)} | {(sigla, r.comuni, j): -1.0})
    for colonna in COLONNE_AREA:
        uguale({("A", colonna, a): 1.0 for a in range(r.aree)} | {("A", colonna, r.aree): -1.0})
    for a in range(r.aree + 1):
        al_piu({("A", "utenti_con_progetto", a): 1.0, ("A", "utenti_con_caso", a): -1.0})
    for a in range(r.aree):
        al_piu({("A", "utenti_con_caso", a): 1.0, ("U", r.comuni, a): -1.0})
        al_piu({("A", "utenti_con_caso", a): 1.0, N: -1.0})
    for c in range(r.comuni):
        for a in range(r.aree):
            al_piu({("U", c, a): 1.0, N: -1.0})
    al_piu({N: 1.0, ("U", r.comuni, r.aree): -1.0})

    # The requests x[comune, canale, area, same day] >= 0 have D's cells and A's two
    # request columns as marginals; an array with full support and non-negative margins
    # exists exactly when the margins agree on the total (a transportation polytope), so x
    # is projected out: D's grand total is A's requests total, and the same-day requests of
    # an area are at most its requests.
    uguale({("D", r.comuni, r.canali): 1.0, ("A", "domande", r.aree): -1.0})
    for a in range(r.aree + 1):
        al_piu({("A", "risposte_stesso_giorno", a): 1.0, ("A", "domande", a): -1.0})
    q = r.quota_stesso_giorno
    if q is not None:
        svelte, domande = ("A", "risposte_stesso_giorno", r.aree), ("A", "domande", r.aree)
        al_piu({svelte: 1.0, domande: -(q + ARROTONDAMENTO)})
        al_piu({domande: q - ARROTONDAMENTO, svelte: -1.0})
    return vincoli


def modello(r: Rilascio[T]) -> Modello:
    """The attacker's LP: every count an unknown >= 0, the published ones fixed, and every
    link (a published count can be freed with ``liberi`` to try hiding it)."""
    m = Modello()
    for chiave, voce in r.voci.items():
        m.variabile(_nome(chiave))
        if voce.pubblicata:
            m.fissa(_nome(chiave), voce.valore)
    for termini, b, uguaglianza in _vincoli(r):
        coefficienti = {_nome(k): c for k, c in termini.items()}
        if uguaglianza:
            m.uguale(coefficienti, b)
        else:
            m.al_piu(coefficienti, b)
    return m


@dataclass(frozen=True)
class _Scoperta:
    chiave: Chiave
    lo: float
    hi: float
    versi: tuple[float, ...]
    """The directions to widen: 1.0 the minimum must go down, -1.0 the maximum up."""

    def allargata(self, m: Modello, liberi: Iterable[str] = ()) -> bool:
        liberi = tuple(liberi)
        for verso in self.versi:
            estremo = m.estremo(_nome(self.chiave), verso, liberi)
            if (verso > 0 and estremo < self.lo - TOLLERANZA) or (
                verso < 0 and estremo > self.hi + TOLLERANZA
            ):
                return True
        return False


def _scoperta(
    r: Rilascio[T], m: Modello, verificate: set[Chiave], livello: int
) -> _Scoperta | None:
    """The first hidden count whose range misses its protection interval. Counts found
    covered are remembered: hiding more only removes equations, so they stay covered."""
    for chiave in sorted(r.voci, key=str):
        voce = r.voci[chiave]
        if voce.pubblicata or chiave in verificate:
            continue
        lo, hi = m.intervallo(_nome(chiave))
        if protetta(voce.valore, voce.primaria, lo, hi, livello):
            verificate.add(chiave)
            continue
        basso, alto = intervallo_di_protezione(voce.valore, voce.primaria, livello)
        versi = tuple(
            verso
            for verso, manca in ((1.0, lo > basso + TOLLERANZA), (-1.0, hi < alto - TOLLERANZA))
            if manca
        )
        return _Scoperta(chiave, lo, hi, versi or (1.0, -1.0))
    return None


def _vicine(r: Rilascio[T], chiave: Chiave) -> set[Chiave]:
    """The published counts that share a link with ``chiave`` or with an unpublished count
    connected to it through links (only those can change its range when hidden)."""
    vincoli = [set(termini) for termini, _, _ in _vincoli(r)]
    per_chiave: dict[Chiave, list[int]] = {}
    for n, termini in enumerate(vincoli):
        for k in termini:
            per_chiave.setdefault(k, []).append(n)

    def aperta(k: Chiave) -> bool:
        voce = r.voci.get(k)
        return voce is None or not voce.pubblicata

    raggiunte, da_fare, vicine = {chiave}, [chiave], set()
    while da_fare:
        k = da_fare.pop()
        for n in per_chiave.get(k, []):
            for altra in vincoli[n]:
                if altra in raggiunte:
                    continue
                if aperta(altra):
                    raggiunte.add(altra)
                    da_fare.append(altra)
                else:
                    vicine.add(altra)
    return vicine


def _costo(r: Rilascio[T], chiave: Chiave) -> tuple[int, int, str]:
    """As within one table: small non-zero inner cells first, zero cells next, totals last."""
    voce = r.voci[chiave]
    if voce.totale:
        return (2, voce.valore, str(chiave))
    return (1 if voce.valore == 0 else 0, voce.valore, str(chiave))


def proteggi(
    costruisci: Callable[[Mapping[Chiave, Motivo]], Rilascio[T]], livello: int = PROTEZIONE
) -> Rilascio[T]:
    """Suppress the release (``costruisci``: the tables suppressed with these counts hidden
    from the start, each table on its own), then, while some hidden count's range over the
    whole release misses its interval, hide the cheapest published count whose hiding widens
    that range, first trying the figure alone, then with its table suppressed again (a total
    fixed by its published cells widens only once its table hides a cell of it too). Every
    count hidden so far stays hidden in the next round, so ranges only widen and this ends."""
    r = costruisci({})
    verificate: set[Chiave] = set()
    while True:
        m = modello(r)
        trovata = _scoperta(r, m, verificate, livello)
        if trovata is None:
            return r
        nascoste: dict[Chiave, Motivo] = {
            k: "primaria" if v.primaria else "secondaria"
            for k, v in r.voci.items()
            if not v.pubblicata
        }
        vicine = sorted(_vicine(r, trovata.chiave), key=lambda k: _costo(r, k))
        scelta = next((k for k in vicine if trovata.allargata(m, [_nome(k)])), None)
        prossimo: Rilascio[T] | None = None
        if scelta is None:
            for k in vicine:
                prova = costruisci(nascoste | {k: "secondaria"})
                if trovata.allargata(modello(prova)):
                    scelta, prossimo = k, prova
                    break
        if scelta is None:
            # nothing one step away widens it: hide the cheapest neighbour (or anything
            # left) and look again; with everything hidden nothing is pinned.
            rimaste = vicine or sorted(
                (k for k, v in r.voci.items() if v.pubblicata), key=lambda k: _costo(r, k)
            )
            if not rimaste:
                return r
            scelta = rimaste[0]
        r = prossimo or costruisci(nascoste | {scelta: "secondaria"})
        if r.voci[scelta].pubblicata:
            raise RuntimeError(f"il rilascio non ha nascosto {scelta}")
