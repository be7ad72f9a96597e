"""The Servizio sociale professionale's demo cases (issue 7: cases in every stage, a minor with
a court order, an elderly person with home care): built by ``ambito demo`` on a fresh demo
district, through the service layer, every stage and area present, plausible in time, on
the network's map, and finished (not doubled) after an interruption."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.casework.application import CaseworkApplication
from services.casework.demo import (
    AS_ADULTI,
    AS_ANZIANI,
    AS_MINORI,
    COORDINATORE,
    DEMO_CASES,
    HANDED_OVER,
    apri_casi_inoltrati,
    demo_case_ids,
    demo_principal,
    piano,
    record_demo_casework,
)
from services.casework.domain import MINORI, Caso
from services.casework.projections import casi as casi_table
from services.cli import _create_demo
from services.intake.demo import Inoltra, domanda_id, record_demo_intake
from services.intake.demo import piano as intake_piano
from services.network.demo import DISMISSED, demo_resources, record_demo_network, risorsa_id
from services.network.projections import flussi
from services.runtime import Runtime, open_runtime
from shared.events import casework as ev
from shared.events.envelope import LedgerEvent
from shared.identity.demo import ALL_COMUNI, DEMO_USERS
from shared.projections.runner import ProjectionRunner
from tests.support.demo_district import copy_demo_district
from tests.support.runtime import demo_settings

ROME = ZoneInfo("Europe/Rome")
COMUNI = list(ALL_COMUNI)
SOCIAL_WORKERS = {AS_MINORI, AS_ANZIANI, AS_ADULTI}


class Interruzione(Exception):
    """The simulated kill of a demo run."""


class InterruptedCasework(CaseworkApplication):
    """Dies before its ``limite``-th save, like a process killed mid-demo; it has no
    directory projection (district mode before the services run)."""

    def __init__(self, runtime: Runtime, limite: int) -> None:
        super().__init__(
            runtime.district.ledger("casework"),
            runtime.district.keystore,
            lambda: frozenset(COMUNI),
            directory=None,
            staff=runtime.identity.get_user,
        )
        self.limite = limite
        self.salvati = 0

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.salvati == self.limite:
            raise Interruzione
        self.salvati += 1
        return super().save(*objs, **kwargs)


def _catch_up(runtime: Runtime) -> None:
    for feed in runtime.feeds:
        if isinstance(feed, ProjectionRunner):
            feed.catch_up()


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, demo_district_template: Path
) -> Iterator[Runtime]:
    """A fresh demo district as ``ambito demo`` builds it (network, intake, the hand-over
    policy, casework), opened again with its read models caught up."""
    settings = copy_demo_district(demo_district_template, tmp_path_factory.mktemp("demo"))
    runtime = open_runtime(settings)
    _catch_up(runtime)
    yield runtime
    runtime.close()


def _casework(runtime: Runtime) -> CaseworkApplication:
    assert runtime.casework is not None
    return runtime.casework


def _events(runtime: Runtime) -> list[LedgerEvent]:
    app = _casework(runtime)
    notifications = app.ledger.recorder.select_notifications(1, 100_000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    ledger_events = [event for event in events if isinstance(event, LedgerEvent)]
    assert len(ledger_events) == len(events)
    return ledger_events


def _ids(runtime: Runtime) -> dict[str, UUID]:
    return demo_case_ids(_casework(runtime))


def _casi(runtime: Runtime) -> dict[str, Caso]:
    found: dict[str, Caso] = {}
    for slug, identifier in _ids(runtime).items():
        caso = _casework(runtime).find(identifier, Caso)
        assert caso is not None, slug
        found[slug] = caso
    return found


def _storia(runtime: Runtime, slug: str) -> list[LedgerEvent]:
    identifier = _ids(runtime)[slug]
    return [e for e in _events(runtime) if e.aggregate_id == identifier]


def _one(events: list[LedgerEvent], kind: type[Any]) -> Any:
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, kind
    return found[0]


def _sequence(runtime: Runtime) -> list[tuple[str, str, int]]:
    """(event type, case slug, version) in ledger order."""
    slugs = {str(identifier): slug for slug, identifier in _ids(runtime).items()}
    recorder = _casework(runtime).ledger.recorder
    return [
        (n.topic, slugs[str(n.originator_id)], n.originator_version)
        for n in recorder.select_notifications(1, 100_000)
    ]


def test_every_stage_of_a_case_is_there(demo: Runtime) -> None:
    casi = _casi(demo)
    assert len(casi) == DEMO_CASES >= 20
    with demo.views.reader.connect() as connection:
        rows = connection.execute(select(casi_table)).all()
    assert len(rows) == DEMO_CASES
    stati = Counter(row.stato for row in rows)
    assert stati["in_attesa"] >= 2
    assert stati["assegnato"] >= 1
    assert stati["in_carico"] >= 10
    assert stati["chiuso"] >= 4
    assert stati == Counter(caso.stato for caso in casi.values())

    aperti = [c for c in casi.values() if c.stato == "in_carico"]
    interventi = [i for c in aperti for i in c.interventi.values()]
    assert any(c.valutazioni == 0 for c in aperti)  # just taken in charge
    assert any(c.valutazioni and not c.contratto and not c.progetto for c in aperti)
    assert any(c.contratto and not c.progetto for c in aperti)
    assert any(c.progetto and not c.interventi for c in aperti)
    assert any(not i.concluso for i in interventi)  # running
    assert any(c.interventi and not any(i.pendente for i in c.interventi.values()) for c in aperti)

    events = _events(demo)
    monitored = {e.intervento_id for e in events if isinstance(e, ev.MonitoraggioRegistrato)}
    running = {
        intervento_id
        for c in aperti
        for intervento_id, intervento in c.interventi.items()
        if not intervento.concluso
    }
    assert running <= monitored  # every running intervention is being monitored

    closed = [e for e in events if isinstance(e, ev.CasoChiuso)]
    assert {e.motivo for e in closed} >= {
        "obiettivi_raggiunti",
        "trasferimento",
        "rinuncia",
        "decesso",
    }
    assert all(isinstance(e.restituzione, str) and len(e.restituzione) > 40 for e in closed)


def test_a_closed_case_is_reopened_by_a_linked_case(demo: Runtime) -> None:
    events = _events(demo)
    opened = {e.aggregate_id: e for e in events if isinstance(e, ev.CasoAperto)}
    closed = {e.aggregate_id: e for e in events if isinstance(e, ev.CasoChiuso)}
    reopened = [e for e in opened.values() if e.caso_precedente_id is not None]
    assert reopened
    for case in reopened:
        assert case.caso_precedente_id is not None
        previous = opened[case.caso_precedente_id]
        assert case.persona_id == previous.persona_id
        assert closed[previous.aggregate_id].occurred_at < case.occurred_at


def test_the_hand_overs_became_cases_and_the_queue_is_not_empty(demo: Runtime) -> None:
    casi = _casi(demo)
    by_request = {c.domanda_id: c for c in casi.values() if c.domanda_id is not None}
    assert set(by_request) == {domanda_id(slug) for slug in HANDED_OVER}
    assert all(c.origine == "inoltro" for c in by_request.values())
    stati = Counter(c.stato for c in by_request.values())
    assert stati["in_attesa"] >= 1
    assert stati["in_carico"] >= 4
    opened = [e for e in _events(demo) if isinstance(e, ev.CasoAperto) and e.origine == "inoltro"]
    assert {(e.actor.user, e.source) for e in opened} == {("sistema", "system")}

    assert demo.casework_queries is not None
    queue = demo.casework_queries.in_attesa(demo_principal(COORDINATORE)).items
    assert len(queue) >= 3
    assert {row["origine"] for row in queue} == {"inoltro", "emergenza", "provvedimento"}
    urgency = [row["urgente"] for row in queue]
    assert urgency == sorted(urgency, reverse=True)
    assert urgency[0]
    mine = demo.casework_queries.casi(demo_principal(AS_MINORI), stato="in_carico").items
    assert mine
    assert all(row["assistente_sociale"] == AS_MINORI for row in mine)


def test_every_area_and_a_foreign_minor_by_age_band(demo: Runtime) -> None:
    casi = _casi(demo)
    assert {c.area_utenza for c in casi.values()} >= {"FAM", "ELD", "DIS", "POV", "ADD"}
    assert {c.comune for c in casi.values()} == set(COMUNI)
    workers = Counter(c.assistente_sociale for c in casi.values())
    assert set(workers) - {None} == SOCIAL_WORKERS
    foreign = [
        e
        for e in _events(demo)
        if isinstance(e, ev.CasoAperto)
        and e.area_utenza == "IMMNOM"
        and e.profilo.fascia_eta in MINORI
    ]
    assert len(foreign) == 1
    minor = _casework(demo).find(foreign[0].aggregate_id, Caso)
    assert minor is not None
    assert minor.profilo.cittadinanza == "extra_ue"
    assert (minor.assistente_sociale, minor.area_utenza) == (AS_MINORI, "FAM")
    assert any(i.risorsa_id == risorsa_id("comunita-casa-ponte") for i in minor.interventi.values())


def test_the_minor_with_a_court_order(demo: Runtime) -> None:
    events = _storia(demo, "minore-tribunale")
    opened = events[0]
    assert isinstance(opened, ev.CasoAperto)
    assert opened.origine == "provvedimento"
    assert opened.profilo.fascia_eta in MINORI
    assert opened.legal_basis == "PROVV_AG"
    assert opened.actor.user == COORDINATORE
    orders = [e for e in events if isinstance(e, ev.ProvvedimentoRecepito)]
    first = orders[0]
    assert first.aggregate_version == 2  # recorded with the opening
    assert (first.autorita, first.tipo) == ("tribunale_minorenni", "affidamento_servizio_sociale")
    assert first.relazione_entro is not None
    assert isinstance(first.numero, str)
    assert not [e for e in events if isinstance(e, ev.ContrattoFirmato)]
    project = _one(events, ev.ProgettoDefinito)
    assert project.imposto_da_provvedimento_id == first.provvedimento_id
    assert set(project.professionisti) >= {AS_MINORI, "educatore", "psicologa"}
    assert any(isinstance(e, ev.ValutazioneEffettuata) and e.sinba is not None for e in events)
    intervention = _one(events, ev.InterventoAttivato)
    assert intervention.prestazione == "A2.02"
    assert intervention.risorsa_id == risorsa_id("coop-contatto-adm")
    assert intervention.occurred_at > project.occurred_at
    report = _one(events, ev.RelazioneInviata)
    assert report.provvedimento_id == first.provvedimento_id
    assert report.autorita == "tribunale_minorenni"
    assert report.legal_basis == "PROVV_AG"
    assert report.occurred_at.astimezone(ROME).date() <= first.relazione_entro
    assert len([e for e in events if isinstance(e, ev.MonitoraggioRegistrato)]) >= 3

    caso = _casi(demo)["minore-tribunale"]
    today = datetime.now(ROME).date()
    due = [s for s in caso.scadenze if s.tipo == "relazione_tribunale"]
    assert len(due) == 1
    assert due[0].entro > today
    assert due[0].riferimento_id == orders[-1].provvedimento_id != first.provvedimento_id


def test_every_minor_has_what_a_sinba_flow_needs(demo: Runtime) -> None:
    """SINBA requires the household's parents by sex and the later assessment items: every
    demo SINBA assessment has them, and only the unaccompanied foreign minor is one."""
    stranieri = {}
    for slug in ("minore-tribunale", "msna", "assenze-scuola"):
        assessment = _one(_storia(demo, slug), ev.ValutazioneEffettuata)
        assert assessment.sinba is not None, slug
        assert (assessment.sinba.condizione_lavoro, assessment.sinba.disabilita) == ("1", "2")
        stranieri[slug] = assessment.sinba.minore_straniero_non_accompagnato
    assert stranieri == {"minore-tribunale": "2", "msna": "1", "assenze-scuola": "2"}

    for slug in ("minore-tribunale", "assenze-scuola"):
        household = _one(_storia(demo, slug), ev.NucleoFamiliareRegistrato)
        parents = sorted(m.sesso or "?" for m in household.membri if m.relazione == "genitore")
        assert parents == ["F", "M"], slug
    events = _storia(demo, "minore-tribunale")
    assert [e for e in events if isinstance(e, ev.ProvvedimentoRecepito)]
    assert [e for e in events if isinstance(e, ev.InterventoAttivato)]


def test_the_elderly_person_with_home_care(demo: Runtime) -> None:
    events = _storia(demo, "anziana-sad")
    opened = events[0]
    assert isinstance(opened, ev.CasoAperto)
    assert opened.area_utenza == "ELD"
    assert opened.profilo.fascia_eta in {"75-84", "85+"}
    assessment = _one(events, ev.ValutazioneEffettuata)
    assert assessment.tipo == "multidimensionale"
    assert assessment.sina is not None
    assert "A2.07" in (assessment.sina.necessita_interventi_sociali or [])
    correction = _one(events, ev.ValutazioneRettificata)
    assert correction.valutazione_event_id == assessment.event_id
    assert correction.sina is not None
    assert correction.sina.invalidita_civile == ["2"]
    contract = _one(events, ev.ContrattoFirmato)
    home_care = _one(events, ev.InterventoAttivato)
    assert contract.occurred_at < home_care.occurred_at
    assert home_care.prestazione == "A2.07"
    assert home_care.risorsa_id == risorsa_id("coop-il-naviglio-sad")
    assert home_care.importo is not None
    assert home_care.importo > 0
    assert home_care.quota_utente is not None
    assert home_care.quota_ente is not None
    assert home_care.quota_utente + home_care.quota_ente == home_care.importo
    assert home_care.prova_mezzi
    assert home_care.protocollo_domanda
    assert home_care.frequenza
    checks = [e for e in events if isinstance(e, ev.MonitoraggioRegistrato)]
    assert len(checks) >= 5
    assert all(e.intervento_id == home_care.intervento_id for e in checks)
    moments = {e.momento for e in events if isinstance(e, ev.QuestionarioRaccolto)}
    assert moments == {"ex_ante", "in_itinere"}
    caso = _casi(demo)["anziana-sad"]
    assert caso.stato == "in_carico"
    assert not caso.interventi[home_care.intervento_id].concluso


def test_a_report_to_the_giudice_tutelare_and_the_amministratore_di_sostegno(
    demo: Runtime,
) -> None:
    events = _storia(demo, "ads-anziano")
    report = _one(events, ev.SegnalazioneTribunale)
    assert (report.autorita, report.richiesta) == ("giudice_tutelare", "amministratore_sostegno")
    assert report.legal_basis == "CC_404_413"
    order = _one(events, ev.ProvvedimentoRecepito)
    assert (order.autorita, order.tipo) == ("giudice_tutelare", "nomina_amministratore_sostegno")
    representative = _one(events, ev.RappresentanteLegaleRegistrato)
    assert representative.ruolo == "amministratore_sostegno"
    assert representative.provvedimento_id == order.provvedimento_id
    contract = _one(events, ev.ContrattoFirmato)
    assert contract.firmatario == "rappresentante_legale"
    assert report.occurred_at < order.occurred_at < representative.occurred_at
    assert representative.occurred_at < contract.occurred_at
    caso = _casi(demo)["ads-anziano"]
    assert caso.interventi
    assert all(i.verificato and i.concluso for i in caso.interventi.values())
    assert not caso.chiuso


def test_questionnaires_corrections_and_deadlines(demo: Runtime) -> None:
    events = _events(demo)
    moments = {e.momento for e in events if isinstance(e, ev.QuestionarioRaccolto)}
    assert moments == {"ex_ante", "in_itinere", "ex_post"}
    assert any(isinstance(e, ev.ValutazioneRettificata) for e in events)
    assert any(
        isinstance(e, ev.SegnalazioneTribunale) and str(e.autorita).startswith("procura")
        for e in events
    )

    today = datetime.now(ROME).date()
    deadlines = [s for c in _casi(demo).values() for s in c.scadenze]
    overdue = {s.tipo for s in deadlines if s.entro < today}
    upcoming = {s.tipo for s in deadlines if s.entro >= today}
    assert overdue == {"relazione_tribunale", "revisione_progetto", "verifica_intervento"}
    assert upcoming == {"relazione_tribunale", "revisione_progetto", "verifica_intervento"}
    assert any(today <= s.entro <= today + timedelta(days=30) for s in deadlines)


def test_the_cases_are_plausible_in_time_and_recorded_by_their_workers(demo: Runtime) -> None:
    now = datetime.now(ROME)
    events = _events(demo)
    assert all(e.occurred_at <= now for e in events)
    opened = [e.occurred_at for e in events if isinstance(e, ev.CasoAperto)]
    assert min(opened) < now - timedelta(days=300)  # most of a year of casework
    users = {u.username: u for u in DEMO_USERS}
    by_case: dict[UUID, list[LedgerEvent]] = {}
    for event in events:
        by_case.setdefault(event.aggregate_id, []).append(event)
    for stream in by_case.values():
        assert [e.aggregate_version for e in stream] == list(range(1, len(stream) + 1))
        assert all(a.occurred_at <= b.occurred_at for a, b in pairwise(stream))
        assigned: str | None = None
        for event in stream:
            if isinstance(event, ev.CasoAperto) and event.origine == "inoltro":
                continue
            assert event.source == "cli"
            if isinstance(event, ev.AssistenteSocialeAssegnato):
                assert event.actor.user == COORDINATORE
                assigned = event.assistente_sociale
            elif assigned is not None:
                assert event.actor.user == assigned, event.event_type
            else:
                assert event.actor.user in {COORDINATORE, *SOCIAL_WORKERS}
            assert event.actor.role == users[event.actor.user].role
    for event in events:
        if isinstance(event, ev.ProgettoDefinito):
            assert all(users[p].role != "coordinatore" for p in event.professionisti)


def test_interventions_go_to_active_resources_and_reach_the_network_map(demo: Runtime) -> None:
    resources = {risorsa_id(r.slug): r for r in demo_resources(datetime.now(ROME).date())}
    events = _events(demo)
    opened = {e.aggregate_id: e for e in events if isinstance(e, ev.CasoAperto)}
    activated = [e for e in events if isinstance(e, ev.InterventoAttivato)]
    provided = [e for e in activated if e.risorsa_id is not None]
    assert len({e.risorsa_id for e in provided}) >= 7
    assert any(e.risorsa_id is None for e in activated)  # benefits the district gives itself
    casi = {caso.id: caso for caso in _casi(demo).values()}
    for intervention in provided:
        assert intervention.risorsa_id is not None
        resource = resources[intervention.risorsa_id]
        case = casi[intervention.aggregate_id]
        assert resource.slug != DISMISSED
        assert case.comune in resource.dati.comuni
        areas = {opened[case.id].area_utenza, case.area_utenza, "MULBEN"}
        assert areas & set(resource.dati.aree), resource.slug
        assert (
            intervention.prestazione in resource.dati.prestazioni or not resource.dati.prestazioni
        )
    with demo.views.reader.connect() as connection:
        flows = connection.execute(select(flussi).where(flussi.c.tipo == "intervento")).all()
    assert Counter(row.a for row in flows) == Counter(str(e.risorsa_id) for e in provided)
    assert {row.da for row in flows} == {"servizio_sociale_professionale"}


def test_a_finished_demo_records_nothing_more(demo: Runtime) -> None:
    before = _sequence(demo)
    assert apri_casi_inoltrati(demo) == 0
    assert record_demo_casework(_casework(demo)) == 0
    assert _sequence(demo) == before
    assert not _create_demo(demo.settings)  # complete: `ambito demo` leaves it as it is


def test_an_interrupted_demo_is_finished_as_if_it_had_run_once(
    demo: Runtime, tmp_path: Path
) -> None:
    """Killed halfway through the cases, finished by a second run, in district mode's
    conditions: the hand-over policy run straight from the intake ledger, and no directory
    projection (interventions with network resources through the domain)."""
    runtime = open_runtime(demo_settings(tmp_path))
    embedded = list(runtime.policies)
    runtime.policies.clear()  # district mode: the policy reads Kafka once serving
    try:
        assert runtime.network is not None
        assert runtime.intake is not None
        record_demo_network(runtime.network, COMUNI)
        record_demo_intake(runtime.intake, COMUNI)
        assert apri_casi_inoltrati(runtime) == len(HANDED_OVER)
        # one save per act: an order received with the opening is saved with it
        total = sum(
            not (kind == "ProvvedimentoRecepito" and version == 2)
            for kind, _, version in _sequence(demo)
        ) - len(HANDED_OVER)
        interrupted_at = total // 2
        with pytest.raises(Interruzione):
            record_demo_casework(InterruptedCasework(runtime, interrupted_at))
        recorded = record_demo_casework(InterruptedCasework(runtime, 10_000))
        assert recorded == total - interrupted_at
        assert _sequence(runtime) == _sequence(demo)
    finally:
        for policy in embedded:
            policy.stop()
        runtime.close()


def _inoltri(now: datetime) -> dict[str, datetime]:
    """When the intake demo hands each request over, as its plan has it."""
    plan = intake_piano(now)
    found = {}
    for atto in plan.atti:
        storia = plan.storie[atto.storia]
        if atto.passo and isinstance(storia.passi[atto.passo - 1], Inoltra):
            found[storia.slug] = atto.quando
    return found


def test_the_plan_holds_on_any_day_of_the_year() -> None:
    """Holidays and weekends move the dates, never the story: no act today (but the day's
    own openings and assignments) or in the future, each case's acts in order, each after
    its hand-over."""
    for day in range(365):
        for hour in (7, 19):
            now = datetime(2027, 1, 1, hour, tzinfo=ROME) + timedelta(days=day)
            inoltri = _inoltri(now)
            plan = piano(now, inoltri)  # raises on an act today or in the future
            last = dict(enumerate(plan.aperture))
            for atto in plan.atti:
                if atto.quando is None or atto.passo == 0:
                    continue
                assert last[atto.storia] < atto.quando < now
                last[atto.storia] = atto.quando
