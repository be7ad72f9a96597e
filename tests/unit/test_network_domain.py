"""The territorial network's aggregates and the map's pure rules, without a database: what a
census, an update, a confirmation and a dismissal record and refuse; when a collaboration may
end; which resources fill a gap (MULBEN serves every area); and which collaborations and
facts a period takes in, at its edges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.network.domain import Collaborazione, Risorsa
from services.network.mappa import (
    Collaborazione as Legame,
)
from services.network.mappa import (
    Domanda,
    Flusso,
    NodoRisorsa,
    Periodo,
    analyse,
    build_graph,
)
from shared.errors import Conflict
from shared.events import Actor, CommandContext, acting
from shared.events import network as events
from shared.events.envelope import LedgerEvent
from shared.events.network import Contatti

NOW = datetime.now(UTC).replace(microsecond=0)
CENSUS_AT = NOW - timedelta(days=400)
LATER = NOW - timedelta(days=10)


def _context(at: datetime | None = None) -> CommandContext:
    return CommandContext(
        actor=Actor(user="ufficio.piano", role="ufficio_di_piano"),
        legal_basis="L328_ART19",
        source="api",
        occurred_at=at,
    )


def _risorsa(**overrides: Any) -> Risorsa:
    values: dict[str, Any] = {
        "nome": "Cooperativa Arcobaleno",
        "tipo": "cooperativa_sociale",
        "comuni": ["E094", "B292"],
        "aree": ["ELD"],
        "descrizione": "Assistenza domiciliare",
        "prestazioni": ["A1.01"],
        "servizi": ["SAD"],
        "contatti": Contatti(telefono="02 1234567"),
        "orari": "lun-ven 9-17",
        "capacita": 40,
        "lista_attesa": 3,
        "accreditamento": "ACC-2024-17",
    }
    values.update(overrides)
    with acting(_context(CENSUS_AT)):
        return Risorsa(**values)


def _pending(aggregate: Risorsa | Collaborazione) -> list[LedgerEvent]:
    collected = aggregate.collect_events()
    assert all(isinstance(event, LedgerEvent) for event in collected)
    return [event for event in collected if isinstance(event, LedgerEvent)]


def _replayed(recorded: Sequence[LedgerEvent]) -> Any:
    """The aggregate as a repository rebuilds it from its recorded events."""
    aggregate: Any = None
    for event in recorded:
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


# -- Risorsa -----------------------------------------------------------------------------


def test_a_census_sets_every_attribute_and_is_its_first_confirmation() -> None:
    risorsa = _risorsa()
    assert risorsa.attributi == {
        "nome": "Cooperativa Arcobaleno",
        "tipo": "cooperativa_sociale",
        "descrizione": "Assistenza domiciliare",
        "comuni": ["E094", "B292"],
        "aree": ["ELD"],
        "prestazioni": ["A1.01"],
        "servizi": ["SAD"],
        "contatti": Contatti(telefono="02 1234567"),
        "orari": "lun-ven 9-17",
        "capacita": 40,
        "lista_attesa": 3,
        "accreditamento": "ACC-2024-17",
    }
    assert risorsa.censita_il == risorsa.confermata_il == CENSUS_AT
    assert (risorsa.dismessa, risorsa.dismessa_il, risorsa.motivo_dismissione) == (
        False,
        None,
        None,
    )
    assert risorsa.convenzionata
    (census,) = _pending(risorsa)
    assert isinstance(census, events.RisorsaCensita)
    assert (census.actor.user, census.actor.role) == ("ufficio.piano", "ufficio_di_piano")
    assert census.legal_basis == "L328_ART19"
    assert census.occurred_at == CENSUS_AT
    assert census.aggregate_version == 1


def test_a_resource_without_accreditation_is_not_under_contract() -> None:
    risorsa = _risorsa(accreditamento=None, descrizione=None, capacita=None)
    assert (risorsa.descrizione, risorsa.capacita, risorsa.accreditamento) == (None, None, None)
    assert not risorsa.convenzionata


def test_an_update_records_only_the_attributes_that_change() -> None:
    risorsa = _risorsa()
    _pending(risorsa)
    with acting(_context(LATER)):
        risorsa.aggiorna(
            {"nome": "Cooperativa Arcobaleno", "tipo": "cooperativa_sociale", "capacita": 45}
        )
    (update,) = _pending(risorsa)
    assert isinstance(update, events.RisorsaAggiornata)
    assert update.capacita == 45
    assert (update.nome, update.tipo, update.azzerati) == (None, None, [])
    assert risorsa.capacita == 45
    assert risorsa.nome == "Cooperativa Arcobaleno"
    assert risorsa.confermata_il == LATER  # an update also confirms the resource
    assert risorsa.censita_il == CENSUS_AT
    assert risorsa.version == 2


def test_an_update_clears_optional_attributes_given_as_none() -> None:
    risorsa = _risorsa()
    census = _pending(risorsa)
    with acting(_context(LATER)):
        risorsa.aggiorna({"accreditamento": None, "orari": None, "lista_attesa": 0})
    (update,) = _pending(risorsa)
    assert isinstance(update, events.RisorsaAggiornata)
    assert update.azzerati == ["accreditamento", "orari"]
    assert (update.accreditamento, update.orari, update.lista_attesa) == (None, None, 0)
    assert (risorsa.accreditamento, risorsa.orari, risorsa.lista_attesa) == (None, None, 0)
    assert not risorsa.convenzionata

    rebuilt = _replayed([*census, update])
    assert isinstance(rebuilt, Risorsa)
    assert rebuilt.attributi == risorsa.attributi
    assert rebuilt.confermata_il == LATER


def test_an_update_replaces_lists_and_contacts() -> None:
    risorsa = _risorsa()
    census = _pending(risorsa)
    with acting(_context(LATER)):
        risorsa.aggiorna({"prestazioni": [], "contatti": Contatti(email="info@coop.example")})
    (update,) = _pending(risorsa)
    assert isinstance(update, events.RisorsaAggiornata)
    assert update.prestazioni == []
    assert risorsa.prestazioni == []
    assert risorsa.contatti == Contatti(email="info@coop.example")
    assert _replayed([*census, update]).attributi == risorsa.attributi


@pytest.mark.parametrize(
    "changes",
    [
        {"nome": "Cooperativa Arcobaleno"},
        {"comuni": ["E094", "B292"], "capacita": 40},
        {"contatti": Contatti(telefono="02 1234567")},
        {"descrizione": "Assistenza domiciliare", "accreditamento": "ACC-2024-17"},
    ],
)
def test_an_update_that_changes_nothing_is_refused(changes: dict[str, Any]) -> None:
    risorsa = _risorsa()
    _pending(risorsa)
    with acting(_context()), pytest.raises(Conflict):
        risorsa.aggiorna(changes)
    assert _pending(risorsa) == []
    assert risorsa.version == 1


def test_clearing_an_attribute_that_is_already_empty_is_refused() -> None:
    risorsa = _risorsa(accreditamento=None)
    with acting(_context()), pytest.raises(Conflict):
        risorsa.aggiorna({"accreditamento": None})


def test_a_confirmation_moves_the_last_confirmation_only() -> None:
    risorsa = _risorsa()
    census = _pending(risorsa)
    with acting(_context(LATER)):
        risorsa.conferma("sentiti al telefono")
    (confirmation,) = _pending(risorsa)
    assert isinstance(confirmation, events.RisorsaConfermata)
    assert confirmation.nota == "sentiti al telefono"
    assert risorsa.confermata_il == LATER
    assert risorsa.censita_il == CENSUS_AT
    assert risorsa.attributi == _risorsa().attributi
    assert _replayed([*census, confirmation]).confermata_il == LATER


def test_a_dismissal_records_when_and_why() -> None:
    risorsa = _risorsa()
    census = _pending(risorsa)
    with acting(_context(LATER)):
        risorsa.dismetti("cessata attività")
    (dismissal,) = _pending(risorsa)
    assert isinstance(dismissal, events.RisorsaDismessa)
    assert risorsa.dismessa
    assert (risorsa.dismessa_il, risorsa.motivo_dismissione) == (LATER, "cessata attività")
    rebuilt = _replayed([*census, dismissal])
    assert (rebuilt.dismessa_il, rebuilt.motivo_dismissione) == (LATER, "cessata attività")


@pytest.mark.parametrize(
    "act",
    [
        lambda r: r.dismetti("di nuovo"),
        lambda r: r.conferma(None),
        lambda r: r.aggiorna({"nome": "Riaperta"}),
        lambda r: r.aggiorna({"accreditamento": None}),
    ],
    ids=["dismetti", "conferma", "aggiorna", "azzera"],
)
def test_nothing_is_recorded_after_a_dismissal(act: Any) -> None:
    risorsa = _risorsa()
    with acting(_context()):
        risorsa.dismetti("chiusa")
        _pending(risorsa)
        with pytest.raises(Conflict):
            act(risorsa)
    assert _pending(risorsa) == []
    assert risorsa.version == 2


# -- Collaborazione ----------------------------------------------------------------------


def _collaborazione(inizio: date = date(2025, 1, 15)) -> Collaborazione:
    with acting(_context()):
        return Collaborazione(
            risorse=[uuid4(), uuid4()],
            servizi_distretto=["segretariato_sociale"],
            tipo="protocollo_intesa",
            oggetto="Dimissioni protette",
            inizio=inizio,
        )


def test_a_collaboration_is_concluded_once() -> None:
    collaborazione = _collaborazione()
    started = _pending(collaborazione)
    assert isinstance(started[0], events.CollaborazioneAvviata)
    assert collaborazione.fine is None
    with acting(_context()):
        collaborazione.concludi(date(2025, 6, 30), "protocollo scaduto")
    (concluded,) = _pending(collaborazione)
    assert isinstance(concluded, events.CollaborazioneConclusa)
    assert (concluded.fine, concluded.motivo) == (date(2025, 6, 30), "protocollo scaduto")
    assert collaborazione.fine == date(2025, 6, 30)
    assert _replayed([*started, concluded]).fine == date(2025, 6, 30)

    with acting(_context()), pytest.raises(Conflict):
        collaborazione.concludi(date(2025, 7, 31), "di nuovo")
    assert _pending(collaborazione) == []
    assert collaborazione.fine == date(2025, 6, 30)


def test_a_collaboration_cannot_end_before_it_started_but_may_end_the_day_it_did() -> None:
    collaborazione = _collaborazione(date(2025, 1, 15))
    _pending(collaborazione)
    with acting(_context()), pytest.raises(Conflict):
        collaborazione.concludi(date(2025, 1, 14), "errore")
    assert collaborazione.fine is None
    assert _pending(collaborazione) == []
    with acting(_context()):
        collaborazione.concludi(date(2025, 1, 15), "annullata")
    assert collaborazione.fine == date(2025, 1, 15)


# -- the map: MULBEN and gaps -------------------------------------------------------------

DAY = date(2025, 6, 1)
PERIOD = Periodo(date(2025, 1, 1), date(2025, 12, 31))


def _nodo(
    node_id: str,
    comuni: tuple[str, ...] = ("E094",),
    aree: tuple[str, ...] = ("FAM",),
    dismessa: date | None = None,
) -> NodoRisorsa:
    return NodoRisorsa(
        id=node_id,
        nome=node_id,
        tipo="associazione",
        comuni=comuni,
        aree=aree,
        censita=date(2024, 1, 1),
        dismessa=dismessa,
    )


def test_a_mulben_resource_serves_every_area_of_its_comuni_only() -> None:
    multi = _nodo("multi", comuni=("E094",), aree=("MULBEN",))
    for area in ("FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN"):
        assert multi.serves("E094", area), area
    assert not multi.serves("B292", "FAM")
    family = _nodo("family", aree=("FAM",))
    assert family.serves("E094", "FAM")
    assert not family.serves("E094", "POV")


def _gaps(risorse: list[NodoRisorsa], domande: list[Domanda]) -> set[tuple[str, str, int]]:
    found = analyse(PERIOD, risorse, [], [], domande)
    return {(lacuna.comune, lacuna.area, lacuna.domande) for lacuna in found.lacune}


def test_a_mulben_resource_fills_the_gap_of_any_area_in_its_comune() -> None:
    demand = [Domanda("E094", "POV", DAY), Domanda("E094", "POV", DAY), Domanda("B292", "ELD", DAY)]
    assert _gaps([], demand) == {("E094", "POV", 2), ("B292", "ELD", 1)}
    assert _gaps([_nodo("multi", comuni=("E094",), aree=("MULBEN",))], demand) == {
        ("B292", "ELD", 1)
    }
    assert _gaps([_nodo("family", comuni=("E094",), aree=("FAM",))], demand) == {
        ("E094", "POV", 2),
        ("B292", "ELD", 1),
    }
    dismissed = _nodo("closed", comuni=("E094", "B292"), aree=("MULBEN",), dismessa=DAY)
    assert _gaps([dismissed], demand) == {("E094", "POV", 2), ("B292", "ELD", 1)}


def test_demand_outside_the_period_makes_no_gap() -> None:
    outside = [
        Domanda("E094", "POV", PERIOD.dal - timedelta(days=1)),
        Domanda("E094", "POV", PERIOD.al + timedelta(days=1)),
    ]
    assert _gaps([], outside) == set()
    edges = [Domanda("E094", "POV", PERIOD.dal), Domanda("E094", "POV", PERIOD.al)]
    assert _gaps([], edges) == {("E094", "POV", 2)}


# -- the map: the period's edges ------------------------------------------------------------


def test_a_period_includes_both_its_ends() -> None:
    assert PERIOD.includes(PERIOD.dal)
    assert PERIOD.includes(PERIOD.al)
    assert not PERIOD.includes(PERIOD.dal - timedelta(days=1))
    assert not PERIOD.includes(PERIOD.al + timedelta(days=1))


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (date(2024, 6, 1), date(2025, 1, 1), True),  # ends the day the period starts
        (date(2024, 6, 1), date(2024, 12, 31), False),  # ends the day before
        (date(2025, 12, 31), None, True),  # starts the day the period ends
        (date(2026, 1, 1), None, False),  # starts the day after it ends
        (date(2024, 6, 1), None, True),  # open, started before
        (date(2024, 6, 1), date(2026, 6, 1), True),  # spans the whole period
        (date(2025, 3, 1), date(2025, 4, 1), True),  # inside
    ],
)
def test_a_collaboration_overlaps_a_period_at_its_edges(
    start: date, end: date | None, overlaps: bool
) -> None:
    assert PERIOD.overlaps(start, end) is overlaps


def test_the_graph_takes_collaborations_and_flows_of_the_period_only() -> None:
    nodes = [_nodo(name) for name in ("a", "b", "c", "d")]
    links = [
        Legame("ends-on-start", ("a", "b"), date(2024, 1, 1), PERIOD.dal),
        Legame("starts-day-after", ("c", "d"), PERIOD.al + timedelta(days=1)),
        Legame("ended-day-before", ("a", "c"), date(2024, 1, 1), PERIOD.dal - timedelta(days=1)),
        Legame("starts-on-end", ("b", "d"), PERIOD.al),
    ]
    flows = [
        Flusso("invio", "segretariato_sociale", "a", PERIOD.al),
        Flusso("invio", "segretariato_sociale", "c", PERIOD.al + timedelta(days=1)),
    ]
    graph = build_graph(PERIOD, nodes, links, flows)
    edges = {frozenset((a, b)): data for a, b, data in graph.edges(data=True)}
    assert set(edges) == {
        frozenset(("a", "b")),
        frozenset(("b", "d")),
        frozenset(("segretariato_sociale", "a")),
    }
    assert edges[frozenset(("a", "b"))]["collaborazioni"] == 1
    assert edges[frozenset(("a", "b"))]["peso"] == 1
    assert edges[frozenset(("segretariato_sociale", "a"))]["invii"] == 1


def test_resources_outside_the_period_are_not_nodes_and_isolated_ones_are_listed() -> None:
    nodes = [
        _nodo("tied"),
        _nodo("partner"),
        _nodo("alone"),
        _nodo("closed-before", dismessa=PERIOD.dal - timedelta(days=1)),
        _nodo("closed-inside", dismessa=DAY),
        NodoRisorsa("later", "later", "scuola", ("E094",), ("FAM",), PERIOD.al + timedelta(days=1)),
    ]
    links = [Legame("c", ("tied", "partner"), date(2024, 1, 1))]
    found = analyse(PERIOD, nodes, links, [], [])
    assert "closed-before" not in found.graph
    assert "later" not in found.graph
    assert "closed-inside" in found.graph
    assert found.isolate == ["alone"]  # a dismissed resource is not "isolated"
    assert [p.id for p in found.classifica[:2]] == ["partner", "tied"]
    assert found.classifica[0].grado_pesato == 1.0


def test_gaps_and_isolated_resources_are_as_of_the_end_of_the_period() -> None:
    """A resource censused after the period does not hide an old gap; one dismissed after
    the period did serve it, and was isolated in it."""
    demand = [Domanda("E094", "FAM", DAY)]
    later = NodoRisorsa("later", "later", "associazione", ("E094",), ("FAM",), date(2026, 3, 1))
    then = NodoRisorsa(
        "then", "then", "associazione", ("E094",), ("FAM",), date(2024, 1, 1), date(2026, 3, 1)
    )
    assert _gaps([later], demand) == {("E094", "FAM", 1)}
    assert _gaps([then], demand) == set()
    found = analyse(PERIOD, [later, then], [], [], demand)
    assert found.isolate == ["then"]
    assert found.graph.nodes["then"]["attiva"] is True
    assert "later" not in found.graph.nodes
