"""The map of the territorial network for a period, and what it says (pure: no I/O).

Isolated resources and gaps are as of the period's end: the resources active on that day
(for the default period, today's directory).

Nodes are the resources that existed in the period and the district's own services. Two
nodes are linked when a collaboration joins them or cases flowed between them; an edge's
weight is the number of such ties in the period: each collaboration active in it counts 1,
each referral (intake to a resource), intervention (casework to its provider) and hand-over
(intake to casework) counts 1. Rankings use networkx: weighted degree, and betweenness with
distance = 1 / weight, so that strong ties are short paths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

import networkx as nx

SERVIZI_DISTRETTO = {
    "segretariato_sociale": "Segretariato sociale",
    "servizio_sociale_professionale": "Servizio sociale professionale",
}
TUTTE_LE_AREE = "MULBEN"
"""A resource for multiutenza serves every area."""
FLOW_KINDS = {"invio": "invii", "intervento": "interventi", "inoltro": "inoltri"}


@dataclass(frozen=True)
class Periodo:
    dal: date
    al: date

    def includes(self, day: date) -> bool:
        return self.dal <= day <= self.al

    def overlaps(self, start: date, end: date | None) -> bool:
        return start <= self.al and (end is None or end >= self.dal)


@dataclass(frozen=True)
class NodoRisorsa:
    id: str
    nome: str
    tipo: str
    comuni: tuple[str, ...]
    aree: tuple[str, ...]
    censita: date
    dismessa: date | None = None

    def active_on(self, day: date) -> bool:
        """Censused by that day and not dismissed by it."""
        return self.censita <= day and (self.dismessa is None or self.dismessa > day)

    def serves(self, comune: str, area: str) -> bool:
        return comune in self.comuni and (area in self.aree or TUTTE_LE_AREE in self.aree)


@dataclass(frozen=True)
class Collaborazione:
    id: str
    parti: tuple[str, ...]
    inizio: date
    fine: date | None = None


@dataclass(frozen=True)
class Flusso:
    tipo: str
    """``invio``, ``intervento`` or ``inoltro``."""
    da: str
    a: str
    giorno: date


@dataclass(frozen=True)
class Domanda:
    comune: str
    area: str
    giorno: date


@dataclass(frozen=True)
class Lacuna:
    comune: str
    area: str
    domande: int


@dataclass(frozen=True)
class Posizione:
    id: str
    nome: str
    grado_pesato: float
    betweenness: float


@dataclass(frozen=True)
class Fatti:
    """Everything the map is drawn from, for any period."""

    risorse: list[NodoRisorsa]
    collaborazioni: list[Collaborazione]
    flussi: list[Flusso]
    domande: list[Domanda]


@dataclass
class Analisi:
    graph: nx.Graph[str]
    classifica: list[Posizione] = field(default_factory=list)
    isolate: list[str] = field(default_factory=list)
    lacune: list[Lacuna] = field(default_factory=list)


def build_graph(
    periodo: Periodo,
    risorse: Iterable[NodoRisorsa],
    collaborazioni: Iterable[Collaborazione],
    flussi: Iterable[Flusso],
) -> nx.Graph[str]:
    graph: nx.Graph[str] = nx.Graph()
    for node_id, nome in SERVIZI_DISTRETTO.items():
        graph.add_node(node_id, tipo_nodo="servizio_distretto", nome=nome, tipo=node_id)
    for risorsa in risorse:
        if risorsa.censita <= periodo.al and (
            risorsa.dismessa is None or risorsa.dismessa >= periodo.dal
        ):
            graph.add_node(
                risorsa.id,
                tipo_nodo="risorsa",
                nome=risorsa.nome,
                tipo=risorsa.tipo,
                attiva=risorsa.active_on(periodo.al),
            )
    counts: dict[tuple[str, str], Counter[str]] = {}

    def tie(a: str, b: str, kind: str) -> None:
        if a == b or a not in graph or b not in graph:
            return
        counts.setdefault((a, b) if a < b else (b, a), Counter())[kind] += 1

    for collaborazione in collaborazioni:
        if periodo.overlaps(collaborazione.inizio, collaborazione.fine):
            for a, b in combinations(sorted(set(collaborazione.parti)), 2):
                tie(a, b, "collaborazioni")
    for flusso in flussi:
        if periodo.includes(flusso.giorno):
            tie(flusso.da, flusso.a, FLOW_KINDS[flusso.tipo])
    for (a, b), counter in counts.items():
        weight = sum(counter.values())
        graph.add_edge(
            a,
            b,
            collaborazioni=counter["collaborazioni"],
            invii=counter["invii"],
            interventi=counter["interventi"],
            inoltri=counter["inoltri"],
            peso=weight,
            distanza=1 / weight,
        )
    return graph


def analyse(
    periodo: Periodo,
    risorse: list[NodoRisorsa],
    collaborazioni: Iterable[Collaborazione],
    flussi: Iterable[Flusso],
    domande: Iterable[Domanda],
) -> Analisi:
    graph = build_graph(periodo, risorse, collaborazioni, flussi)
    degree = dict(graph.degree(weight="peso"))
    betweenness = nx.betweenness_centrality(graph, weight="distanza", normalized=True)
    for node_id in graph.nodes:
        graph.nodes[node_id]["grado_pesato"] = float(degree[node_id])
        graph.nodes[node_id]["betweenness"] = betweenness[node_id]
    resource_nodes = [n for n in graph.nodes if graph.nodes[n]["tipo_nodo"] == "risorsa"]
    classifica = sorted(
        (
            Posizione(n, graph.nodes[n]["nome"], float(degree[n]), betweenness[n])
            for n in resource_nodes
        ),
        key=lambda p: (-p.grado_pesato, -p.betweenness, p.nome, p.id),
    )
    isolate = sorted(
        (n for n in resource_nodes if graph.nodes[n]["attiva"] and graph.degree(n) == 0),
        key=lambda n: (graph.nodes[n]["nome"], n),
    )
    demand = Counter((d.comune, d.area) for d in domande if periodo.includes(d.giorno))
    active = [r for r in risorse if r.active_on(periodo.al)]
    lacune = sorted(
        (
            Lacuna(comune, area, count)
            for (comune, area), count in demand.items()
            if not any(r.serves(comune, area) for r in active)
        ),
        key=lambda lacuna: (-lacuna.domande, lacuna.comune, lacuna.area),
    )
    return Analisi(graph, classifica, isolate, lacune)
