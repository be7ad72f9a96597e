"""Network map query time at district scale, embedded mode (SQLite read models), against
reading the same rows, measured in the same run.

The read models (``rete_risorse``, ``rete_collaborazioni``, ``rete_flussi``,
``rete_domanda``) are filled directly with seeded synthetic rows, not through the
projections: resources over a few comuni, collaborations among them and the district's
services, flows (referrals, interventions, hand-overs, skewed towards a few busy resources)
and recorded demand over two years. Then, in rounds (each in another order, after an
untimed warm-up), it times:

- baseline: a plain SELECT of the four tables, every row fetched (what any query of the map
  must at least do);
- ``NetworkQueries.analisi`` for the second year: reading, converting, ``mappa.analyse``;
  and its first part alone, reading the rows and converting them to the map's facts;
- ``mappa.analyse`` alone on the facts preloaded in memory, and its two parts:
  ``build_graph`` and ``nx.betweenness_centrality`` on the built graph;
- ``queries.graphml`` of the map ``analisi`` returned.

Medians in milliseconds and the ratio of each to the baseline are printed.

    python -m bench.network [--resources N] [--comuni C] [--collaborations K]
                            [--flows F] [--demand D] [--rounds R] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
from sqlalchemy import Table, func, select

from services.network import mappa
from services.network.projections import (
    SEGRETARIATO,
    SERVIZIO_SOCIALE,
    MappaRete,
    collaborazioni,
    domanda,
    flussi,
)
from services.network.queries import NetworkQueries, graphml
from shared.auth.principal import Principal
from shared.db import Engines, create_engines, sqlite_url
from shared.directory.projection import DirectoryProjection, risorse
from shared.projections.base import Projection, create_tables

PRINCIPAL = Principal(subject="bench", kind="user", role="ufficio_di_piano")
START = date(2024, 1, 1)
"""The data spans two years from here; the map is asked for the second one."""
PERIODO = mappa.Periodo(date(2025, 1, 1), date(2025, 12, 31))
COMUNI = ("E094", "A944", "B157", "C351", "D612", "F205", "G273", "H501", "L219", "M082")
AREE = ("FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN")
TIPI = (
    "servizio_comunale",
    "servizio_asl",
    "scuola",
    "cooperativa_sociale",
    "associazione",
    "gruppo_auto_mutuo_aiuto",
    "ente_pubblico",
    "altro",
)
FLOW_KINDS = (("invio", 0.45), ("intervento", 0.45), ("inoltro", 0.10))


@dataclass(frozen=True)
class Sizes:
    resources: int
    comuni: int
    collaborations: int
    flows: int
    demand: int


class _UpToDate:
    """A feed whose read model already holds everything: the rows were written directly."""

    def __init__(self, projection: Projection) -> None:
        self.projection = projection
        self.failing = False

    @property
    def running(self) -> bool:
        return True

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def wait_for(self, stream: str, position: int, timeout: float) -> bool:
        return True


# the read models


def _moment(rng: random.Random, first: date, days: int) -> datetime:
    """A random UTC instant within ``days`` days from ``first``."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start + timedelta(seconds=rng.randrange(days * 86_400))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _areas(rng: random.Random) -> list[str]:
    """One or two areas, rarely immigration or all of them: some demand finds no resource."""
    if rng.random() < 0.01:
        return ["MULBEN"]
    common = [area for area in AREE if area not in ("IMMNOM", "MULBEN")]
    return rng.sample(common, rng.randint(1, 2)) + (["IMMNOM"] if rng.random() < 0.01 else [])


def _fill(views: Engines, sizes: Sizes, seed: int) -> None:
    """Seeded synthetic rows, bulk-inserted into the four tables the map reads."""
    rng = random.Random(seed)
    span = (PERIODO.al - START).days + 1
    comuni = COMUNI[: sizes.comuni]
    resource_rows: list[dict[str, Any]] = []
    for n in range(sizes.resources):
        censita = _moment(rng, START - timedelta(days=3 * 365), 3 * 365 + span)
        dismessa = censita + timedelta(days=rng.randrange(30, 700)) if rng.random() < 0.1 else None
        resource_rows.append(
            {
                "id": _uuid(rng),
                "nome": f"Risorsa {n:04d}",
                "tipo": rng.choice(TIPI),
                "descrizione": "Risorsa sintetica per il benchmark della mappa di rete",
                "comuni": rng.sample(comuni, rng.randint(1, min(3, len(comuni)))),
                "aree": _areas(rng),
                "prestazioni": [],
                "servizi": [],
                "contatti": {"telefono": "0123 456789"},
                "orari": "lun-ven 9-13",
                "capacita": rng.randint(5, 50),
                "lista_attesa": rng.randint(0, 20),
                "accreditamento": None,
                "censita_il": censita,
                "confermata_il": censita,
                "dismessa_il": dismessa,
                "motivo_dismissione": None if dismessa is None else "chiusa",
                "versione": 1,
            }
        )
    ids = [row["id"] for row in resource_rows]
    # Few busy resources, many quiet ones: flows go to resources with Zipf-like weights.
    weights = [1 / (rank + 1) ** 1.5 for rank in range(len(ids))]
    link_rows = []
    for _ in range(sizes.collaborations):
        parti = rng.sample(ids, rng.randint(2, 5))
        if rng.random() < 0.5:
            parti.insert(0, rng.choice((SEGRETARIATO, SERVIZIO_SOCIALE)))
        inizio = START + timedelta(days=rng.randrange(span))
        fine = inizio + timedelta(days=rng.randrange(60, 500)) if rng.random() < 0.4 else None
        link_rows.append(
            {
                "id": _uuid(rng),
                "tipo": rng.choice(("protocollo_intesa", "convenzione", "accordo_informale")),
                "oggetto": "Collaborazione sintetica",
                "parti": parti,
                "inizio": inizio,
                "fine": fine,
                "motivo_conclusione": None,
            }
        )
    kinds = rng.choices([k for k, _ in FLOW_KINDS], [w for _, w in FLOW_KINDS], k=sizes.flows)
    targets = rng.choices(ids, weights, k=sizes.flows)
    flow_rows = []
    for position, (kind, target) in enumerate(zip(kinds, targets, strict=True), start=1):
        da, a = {
            "invio": (SEGRETARIATO, target),
            "intervento": (SERVIZIO_SOCIALE, target),
            "inoltro": (SEGRETARIATO, SERVIZIO_SOCIALE),
        }[kind]
        flow_rows.append(
            {
                "source": "intake" if kind != "intervento" else "casework",
                "position": position,
                "tipo": kind,
                "da": da,
                "a": a,
                "avvenuto_il": _moment(rng, START, span),
            }
        )
    demand_rows = [
        {
            "source": "intake",
            "position": position,
            "comune": rng.choice(comuni),
            "area": rng.choice(AREE[:-1]),  # not MULBEN: a request is about one area
            "avvenuto_il": _moment(rng, START, span),
        }
        for position in range(1, sizes.demand + 1)
    ]
    with views.writer.begin() as connection:
        for table, rows in (
            (risorse, resource_rows),
            (collaborazioni, link_rows),
            (flussi, flow_rows),
            (domanda, demand_rows),
        ):
            if rows:
                connection.execute(table.insert(), rows)


def _baseline(views: Engines) -> int:
    """A plain SELECT of the four tables, every row fetched: the floor of any map query."""
    count = 0
    with views.reader.connect() as connection:
        for table in (risorse, collaborazioni, flussi, domanda):
            count += len(connection.execute(select(table)).all())
    return count


# measuring


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _rows(views: Engines, table: Table) -> int:
    with views.reader.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--resources", type=int, default=300)
    parser.add_argument("--comuni", type=int, default=8, choices=range(1, len(COMUNI) + 1))
    parser.add_argument("--collaborations", type=int, default=60)
    parser.add_argument("--flows", type=int, default=20_000)
    parser.add_argument("--demand", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (median)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    if options.resources < 5:
        parser.error("--resources must be at least 5 (collaborations join up to 5)")
    sizes = Sizes(
        options.resources, options.comuni, options.collaborations, options.flows, options.demand
    )

    work = Path(tempfile.mkdtemp(prefix="ambito-bench-network-"))
    try:
        views = create_engines(sqlite_url(work / "views.sqlite"))
        try:
            for projection in (DirectoryProjection(), MappaRete()):
                create_tables(projection, views)
            started = time.perf_counter()
            _fill(views, sizes, options.seed)
            fill_seconds = time.perf_counter() - started
            queries = NetworkQueries(
                views, _UpToDate(DirectoryProjection()), _UpToDate(MappaRete())
            )
            facts = queries.map_facts()
            result = queries.analisi(PRINCIPAL, PERIODO)  # warm-up, not timed
            graph = mappa.build_graph(PERIODO, facts.risorse, facts.collaborazioni, facts.flussi)
            variants: list[tuple[str, Callable[[], object]]] = [
                ("baseline", lambda: _baseline(views)),
                ("analisi", lambda: queries.analisi(PRINCIPAL, PERIODO)),
                ("load", lambda: queries.map_facts()),
                (
                    "analyse",
                    lambda: mappa.analyse(
                        PERIODO, facts.risorse, facts.collaborazioni, facts.flussi, facts.domande
                    ),
                ),
                (
                    "build_graph",
                    lambda: mappa.build_graph(
                        PERIODO, facts.risorse, facts.collaborazioni, facts.flussi
                    ),
                ),
                (
                    "betweenness",
                    lambda: nx.betweenness_centrality(graph, weight="distanza", normalized=True),
                ),
                ("graphml", lambda: graphml(result.graph)),
            ]
            ms: dict[str, list[float]] = {name: [] for name, _ in variants}
            for n in range(options.rounds):  # each round in another order
                shift = n % len(variants)
                for name, run in variants[shift:] + variants[:shift]:
                    ms[name].append(_timed(run))
            counts = {table.name: _rows(views, table) for table in _TABLES}
        finally:
            views.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    _print(sizes, options, fill_seconds, counts, result, ms)
    return 0


_TABLES = (risorse, collaborazioni, flussi, domanda)
_LABELS = {
    "baseline": "baseline: SELECT the 4 tables",
    "analisi": "NetworkQueries.analisi (1 year)",
    "load": "  its reading and converting",
    "analyse": "mappa.analyse, facts preloaded",
    "build_graph": "  of which build_graph",
    "betweenness": "  of which betweenness_centrality",
    "graphml": "graphml(analisi.graph)",
}


def _print(
    sizes: Sizes,
    options: argparse.Namespace,
    fill_seconds: float,
    counts: dict[str, int],
    result: mappa.Analisi,
    ms: dict[str, list[float]],
) -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, networkx {nx.__version__}"
    )
    print(
        "read models (SQLite, seed "
        f"{options.seed}, filled in {fill_seconds:.1f} s): "
        + ", ".join(f"{name} {count}" for name, count in counts.items())
        + f"; {sizes.comuni} comuni, {START} to {PERIODO.al}"
    )
    graph = result.graph
    print(
        f"map of {PERIODO.dal} to {PERIODO.al}: {graph.number_of_nodes()} nodes, "
        f"{graph.number_of_edges()} edges, {len(result.isolate)} isolated, "
        f"{len(result.lacune)} gaps; median of {options.rounds} interleaved rounds"
    )
    baseline = statistics.median(ms["baseline"])
    print(f"  {'':<36}{'ms':>9}{'min':>9}{'max':>9}{'vs baseline':>13}")
    for name, label in _LABELS.items():
        values = ms[name]
        median = statistics.median(values)
        print(
            f"  {label:<36}{median:>9.1f}{min(values):>9.1f}{max(values):>9.1f}"
            f"{median / baseline:>13.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())
