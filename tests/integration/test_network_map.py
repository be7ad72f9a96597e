"""Acceptance 2 of the network issue: a network and a flow of referral and intervention
events, recorded in real ledgers (SQLite and PostgreSQL), projected, and analysed; edge
weights, ranking, isolated resources and gaps are checked against values worked out by hand.

The network, over the period [today - 60 days, today] (S = segretariato sociale, P =
servizio sociale professionale):

    collaborations active in the period: C1 {S, P, R1}; C2 {R1, R4}
    (C3 {P, R2} ended before the period: it does not count)
    referrals S -> R1: 3, S -> R3: 2 (and one S -> R4 before the period: not counted)
    hand-overs S -> P: 2
    interventions P -> R2: 4, P -> R3: 1

    edge weights: S-P 1+2 = 3, S-R1 1+3 = 4, P-R1 1, R1-R4 1, S-R3 2, P-R2 4, P-R3 1
    weighted degree: S 9, P 9, R1 6, R2 4, R3 3, R4 1, R5 0, R6 0

Betweenness with distance 1/weight (S-P 1/3, S-R1 1/4, P-R1 1, R1-R4 1, S-R3 1/2, P-R2 1/4,
P-R3 1). Every shortest path is unique:
    S lies on P-R1, P-R3, P-R4, R1-R3, R1-R2, R2-R3, R2-R4, R3-R4: 8 pairs
    P lies on S-R2, R1-R2, R2-R3, R2-R4: 4 pairs
    R1 lies on S-R4, P-R4, R2-R4, R3-R4: 4 pairs
networkx normalises an undirected graph of n = 8 nodes by 2 / ((n-1)(n-2)) = 1/21:
    S 8/21, P 4/21, R1 4/21, the others 0.

Ranking of resources (weighted degree, then betweenness, then name): R1, R2, R3, R4, then
R5 and R6 by name. Isolated: R5 (R6 has no ties either, but it was dismissed).

Demand in the period: (E094, FAM) 3, (B292, POV) 2, (G965, POV) 1 request + 1 emergency
case, (G965, ELD) 1, (B292, IMMNOM) 1; a case handed over from intake (B292, ADD) is not
counted again, a request before the period (E094, ADD) not at all. Served: E094 FAM by R1 and
R4, G965 ELD by R2 and R5; R6 served G965 POV but is dismissed. Gaps: (B292, POV, 2),
(G965, POV, 2), (B292, IMMNOM, 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from uuid import UUID, uuid4

import pytest

from services.network.application import Atto, NetworkApplication
from services.network.domain import DatiRisorsa
from services.network.mappa import Periodo
from services.network.projections import MappaRete
from services.network.queries import NetworkQueries
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.db import Engines, create_engines
from shared.directory.projection import DirectoryProjection
from shared.events import CommandContext, acting, new_person_id
from shared.events.casework import CasoAperto, InterventoAnnullato, InterventoAttivato
from shared.events.envelope import Actor, LedgerEvent
from shared.events.intake import DomandaInoltrata, DomandaOrientata, DomandaRicevuta
from shared.ledger.ledger import Ledger
from shared.projections.runner import ProjectionRunner
from tests.conftest import DatabaseFactory
from tests.support.samples import ENVELOPE, sample_fields

COMUNI = frozenset({"E094", "B292", "G965"})
TODAY = datetime.now(UTC).date()
PERIOD = Periodo(TODAY - timedelta(days=60), TODAY)
INSIDE = TODAY - timedelta(days=30)
BEFORE = TODAY - timedelta(days=90)
S: Final = "segretariato_sociale"
P: Final = "servizio_sociale_professionale"
PLANNER = Principal(subject="ufficio.piano", kind="user", role="ufficio_di_piano")


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), UTC)


def _record(ledger: Ledger, event_class: type[LedgerEvent], day: date, **fields: Any) -> None:
    """A catalogue event as the intake and casework services will record it."""
    context = CommandContext(
        actor=Actor(user="operatore", role="operatore", comune="E094"),
        legal_basis="L328_ART22",
        source="api",
        occurred_at=_at(day),
    )
    values = sample_fields(event_class, person_id=new_person_id(), skip=ENVELOPE)
    values.update(fields, originator_id=uuid4(), originator_version=1)
    with acting(context):
        event = event_class(**values)
    ledger.recorder.insert_events([ledger.mapper.to_stored_event(event)])


def _profile(comune: str, area: str) -> dict[str, Any]:
    return {"comune": comune, "area": area, "fascia_eta": "45-54"}


@pytest.fixture
def views(database_url: DatabaseFactory) -> Iterator[Engines]:
    engines = create_engines(database_url("views"))
    yield engines
    engines.dispose()


@pytest.fixture
def district(
    open_ledger: Callable[..., Ledger], views: Engines
) -> tuple[NetworkApplication, NetworkQueries, dict[str, UUID]]:
    network_ledger, intake, casework = (
        open_ledger("network"),
        open_ledger("intake"),
        open_ledger("casework"),
    )
    network = NetworkApplication(network_ledger, lambda: COMUNI)
    asker = Richiesta(PLANNER, "api")
    long_ago = Atto(occurred_at=_at(TODAY - timedelta(days=300)))

    def census(nome: str, tipo: Any, comuni: list[str], aree: list[str]) -> UUID:
        dati = DatiRisorsa(nome=nome, tipo=tipo, comuni=comuni, aree=aree)
        return network.censisci(dati, asker, long_ago).id

    ids = {
        "R1": census("Consultorio familiare", "servizio_asl", ["E094", "B292"], ["FAM"]),
        "R2": census(
            "Cooperativa Arcobaleno", "cooperativa_sociale", sorted(COMUNI), ["ELD", "DIS"]
        ),
        "R3": census("Caritas centro di ascolto", "associazione", ["E094"], ["POV"]),
        "R4": census("Istituto comprensivo Gorgonzola", "scuola", ["E094"], ["FAM"]),
        "R5": census("Auser Pozzuolo", "associazione", ["G965"], ["ELD"]),
        "R6": census("Gruppo AMA Pozzuolo", "gruppo_auto_mutuo_aiuto", ["G965"], ["POV"]),
    }
    network.dismetti(ids["R6"], "chiuso", asker, Atto(occurred_at=_at(TODAY - timedelta(days=20))))
    started = TODAY - timedelta(days=200)
    network.avvia_collaborazione([ids["R1"]], [S, P], "protocollo_intesa", "C1", started, asker)
    network.avvia_collaborazione(
        [ids["R1"], ids["R4"]], [], "accordo_informale", "C2", started, asker
    )
    c3 = network.avvia_collaborazione(
        [ids["R2"]], [P], "convenzione", "C3", TODAY - timedelta(days=400), asker
    )
    network.concludi_collaborazione(c3.id, TODAY - timedelta(days=70), "scaduta", asker)

    for resource, count in (("R1", 3), ("R3", 2)):
        for _ in range(count):
            _record(intake, DomandaOrientata, INSIDE, risorsa_id=ids[resource])
    _record(intake, DomandaOrientata, BEFORE, risorsa_id=ids["R4"])
    for _ in range(2):
        _record(
            intake, DomandaInoltrata, INSIDE, area_utenza="FAM", profilo=_profile("E094", "FAM")
        )
    for resource, count in (("R2", 4), ("R3", 1)):
        for _ in range(count):
            _record(casework, InterventoAttivato, INSIDE, risorsa_id=ids[resource])
    _record(casework, InterventoAttivato, INSIDE, risorsa_id=None)  # provided by the district
    for _ in range(2):  # recorded by mistake and withdrawn: R5 stays isolated
        mistaken = uuid4()
        _record(casework, InterventoAttivato, INSIDE, risorsa_id=ids["R5"], intervento_id=mistaken)
        _record(casework, InterventoAnnullato, INSIDE, intervento_id=mistaken)

    demand = [("E094", "FAM")] * 3 + [("B292", "POV")] * 2 + [("G965", "POV"), ("G965", "ELD")]
    for comune, area in [*demand, ("B292", "IMMNOM")]:
        _record(
            intake,
            DomandaRicevuta,
            INSIDE,
            comune=comune,
            area_utenza=area,
            profilo=_profile(comune, area),
        )
    _record(
        intake,
        DomandaRicevuta,
        BEFORE,
        comune="E094",
        area_utenza="ADD",
        profilo=_profile("E094", "ADD"),
    )
    _record(
        casework,
        CasoAperto,
        INSIDE,
        origine="emergenza",
        area_utenza="POV",
        profilo=_profile("G965", "POV"),
    )
    _record(
        casework,
        CasoAperto,
        INSIDE,
        origine="inoltro",
        area_utenza="ADD",
        profilo=_profile("B292", "ADD"),
    )

    sources = {
        "network": network_ledger.recorder,
        "intake": intake.recorder,
        "casework": casework.recorder,
    }
    directory = ProjectionRunner(DirectoryProjection(), views, {"network": network_ledger.recorder})
    flows = ProjectionRunner(MappaRete(), views, sources)
    directory.catch_up()
    flows.catch_up()
    return network, NetworkQueries(views, directory, flows), ids


def test_edge_weights_ranking_isolated_resources_and_gaps_match_the_hand_count(
    district: tuple[NetworkApplication, NetworkQueries, dict[str, UUID]],
) -> None:
    _, queries, ids = district
    name = {str(v): k for k, v in ids.items()} | {S: "S", P: "P"}
    analysis = queries.analisi(PLANNER, PERIOD)
    graph = analysis.graph

    weights = {
        tuple(sorted((name[a], name[b]))): data["peso"] for a, b, data in graph.edges(data=True)
    }
    assert weights == {
        ("P", "S"): 3,
        ("R1", "S"): 4,
        ("P", "R1"): 1,
        ("R1", "R4"): 1,
        ("R3", "S"): 2,
        ("P", "R2"): 4,
        ("P", "R3"): 1,
    }
    s_p = graph.edges[S, P]
    assert (s_p["collaborazioni"], s_p["inoltri"], s_p["invii"], s_p["interventi"]) == (1, 2, 0, 0)
    assert sorted(name[n] for n in graph.nodes) == ["P", "R1", "R2", "R3", "R4", "R5", "R6", "S"]
    assert graph.nodes[str(ids["R6"])]["attiva"] is False

    ranking = [(name[p.id], p.grado_pesato, round(p.betweenness, 9)) for p in analysis.classifica]
    assert ranking == [
        ("R1", 6.0, round(4 / 21, 9)),
        ("R2", 4.0, 0.0),
        ("R3", 3.0, 0.0),
        ("R4", 1.0, 0.0),
        ("R5", 0.0, 0.0),
        ("R6", 0.0, 0.0),
    ]
    assert graph.nodes[S]["betweenness"] == pytest.approx(8 / 21)
    assert graph.nodes[P]["betweenness"] == pytest.approx(4 / 21)
    assert graph.nodes[S]["grado_pesato"] == graph.nodes[P]["grado_pesato"] == 9.0

    assert [name[n] for n in analysis.isolate] == ["R5"]
    assert [(g.comune, g.area, g.domande) for g in analysis.lacune] == [
        ("B292", "POV", 2),
        ("G965", "POV", 2),
        ("B292", "IMMNOM", 1),
    ]


def test_a_period_before_the_flows_sees_only_the_collaborations_then_active(
    district: tuple[NetworkApplication, NetworkQueries, dict[str, UUID]],
) -> None:
    _, queries, ids = district
    early = Periodo(TODAY - timedelta(days=100), TODAY - timedelta(days=80))
    analysis = queries.analisi(PLANNER, early)
    pairs = {frozenset((a, b)): d["peso"] for a, b, d in analysis.graph.edges(data=True)}
    r1, r2, r4 = (str(ids[k]) for k in ("R1", "R2", "R4"))
    assert pairs == {
        frozenset((S, P)): 1,
        frozenset((S, r1)): 1,
        frozenset((P, r1)): 1,
        frozenset((r1, r4)): 1,
        frozenset((S, r4)): 1,  # the referral recorded 90 days ago
        frozenset((P, r2)): 1,  # C3 was still active then
    }
    assert [(g.comune, g.area, g.domande) for g in analysis.lacune] == [("E094", "ADD", 1)]
