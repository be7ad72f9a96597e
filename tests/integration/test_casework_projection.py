"""The casework read model on real ledgers and read-model databases (SQLite and PostgreSQL):
cases recorded through the service layer, projected by the runner, read back through the
queries with the access rules' scoping, the assignment queue's order, paging, read your
writes, a rebuild equal to the incremental state, and no personal value in any row."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from services.casework import queries as casework_queries
from services.casework.application import (
    ApriCaso,
    Atto,
    CaseworkApplication,
    Esito,
    Provvedimento,
)
from services.casework.domain import Caso
from services.casework.policies import ApriCasoDaInoltro
from services.casework.projections import FascicoliCasework, casi, interventi
from services.casework.queries import CaseworkQueries
from services.intake.application import IntakeApplication, RegistraDomanda
from services.reporting.carichi import CarichiReporting, carichi_scadenze
from services.reporting.carichi_queries import CarichiQueries
from services.reporting.registro import RegistroOsservatorio
from shared.auth.policy import Forbidden
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.db import Engines, create_engines
from shared.errors import NotFound
from shared.events.types import AreaUtenza, Ruolo
from shared.identity.models import User
from shared.ledger.ledger import Ledger
from shared.persons.dati import Persona
from shared.persons.keystore import KeyStore
from shared.policies import PolicyRunner
from shared.projections.base import NotYetProjected, reset
from shared.projections.runner import ProjectionRunner
from shared.scadenze import Scadenza
from tests.conftest import DatabaseFactory

COMUNI = frozenset({"E094", "B292", "G965"})
DAY = date(2026, 11, 2)
NOW = datetime.now(UTC).replace(microsecond=0)

PERSONAL = (
    "Anziana sola dopo una caduta",
    "Isolamento sociale",
    "Figlia presente",
    "Assistenza domiciliare",
    "Restare a casa propria",
    "Colloquio di restituzione",
    "Minore in affidamento",
    "Decreto del tribunale",
    "Sintesi della relazione",
    "Obiettivi rivisti",
    "Giuseppina",
    "Esposito",
    "Jeanne",
    "Dubois",
    "Luca",
    "Bianchi",
    "Maria",
    "Rossi",
    "RSSMRA40A41E094R",
    "Vive sola e non riesce più a fare la spesa",
    "Valutazione per l'assistenza domiciliare",
)
"""Every personal value the cases below record: none may reach the read model."""


def _user(
    username: str, role: Ruolo, aree: tuple[str, ...] = (), comuni: frozenset[str] = COMUNI
) -> Principal:
    return Principal(subject=username, kind="user", role=role, comuni=comuni, aree=frozenset(aree))


COORDINATORE = _user("coordinatore", "coordinatore", ("ELD", "FAM"))
COORDINATORE_BUSSERO = _user("coord.bussero", "coordinatore", comuni=frozenset({"B292"}))
ANZIANI = _user("as.anziani", "assistente_sociale", ("ELD",))
ROSSI = _user("as.rossi", "assistente_sociale", ("ELD",))
MINORI = _user("as.minori", "assistente_sociale", ("FAM",))
ANZIANI_POZZUOLO = _user("as.pozzuolo", "assistente_sociale", ("ELD",), frozenset({"G965"}))
OPERATORE = _user("operatore", "operatore")
UFFICIO = _user("ufficio.piano", "ufficio_di_piano")


def _staff(username: str, aree: tuple[str, ...]) -> User:
    return User(
        username,
        "assistente_sociale",
        "FRRMRC79B07B292T",
        username,
        tuple(sorted(COMUNI)),
        aree,
        True,
        True,
    )


STAFF = {
    "as.anziani": _staff("as.anziani", ("ELD",)),
    "as.rossi": _staff("as.rossi", ("ELD",)),
    "as.minori": _staff("as.minori", ("FAM",)),
}


@dataclass
class District:
    casework: CaseworkApplication
    runner: ProjectionRunner
    queries: CaseworkQueries
    views: Engines
    intake: IntakeApplication


@pytest.fixture
def district(
    open_ledger: Callable[..., Ledger], database_url: DatabaseFactory, keystore: KeyStore
) -> Iterator[District]:
    ledger = open_ledger("casework")
    casework = CaseworkApplication(ledger, keystore, lambda: COMUNI, staff=STAFF.get)
    intake = IntakeApplication(open_ledger("intake"), keystore, lambda: COMUNI)
    views = create_engines(database_url("views"))
    runner = ProjectionRunner(FascicoliCasework(), views, {"casework": ledger.recorder})
    yield District(casework, runner, CaseworkQueries(views, runner), views, intake)
    runner.stop()
    views.dispose()


# -- recording cases -----------------------------------------------------------------------


_born = itertools.cycle(range(1, 29))


def _anziana() -> Persona:
    """An Italian woman of 75-84 whoever opens her case; a new person each time (another
    birth date), so that no two cases below share a person."""
    return Persona(
        nome="Giuseppina",
        cognome="Esposito",
        data_nascita=date(1945, 2, next(_born)),
        cittadinanza=380,
    )


MINORE = Persona(nome="Luca", cognome="Bianchi", data_nascita=date(2015, 5, 4), cittadinanza=380)
FRANCESE = Persona(
    nome="Jeanne", cognome="Dubois", data_nascita=date(1938, 7, 1), sesso="F", cittadinanza=250
)
"""An EU citizen of 85+ (France)."""
ORDINE = Provvedimento(
    autorita="tribunale_minorenni",
    tipo="affidamento_servizio_sociale",
    estremi="Decreto del tribunale",
    relazione_entro=DAY + timedelta(60),
)


def _open(
    casework: CaseworkApplication,
    comune: str,
    area: AreaUtenza,
    days_ago: float,
    *,
    previous: UUID | None = None,
    persona: Persona | None = None,
    order: Provvedimento | None = None,
    urgente: bool = False,
) -> Esito:
    """A case opened by the coordinator: an emergency, a court order's (``order``), or a
    reopening of ``previous`` (the person is then the closed case's)."""
    return casework.apri(
        ApriCaso(
            comune=comune,
            area_utenza=area,
            origine="emergenza" if order is None else "provvedimento",
            motivo="Anziana sola dopo una caduta",
            persona=persona or (None if previous else _anziana()),
            urgente=urgente,
            caso_precedente_id=previous,
            provvedimento=order,
        ),
        Richiesta(COORDINATORE),
        # a reopening comes after the closure, which was recorded just now
        Atto(occurred_at=None if previous else NOW - timedelta(days=days_ago)),
    )


def _write(
    casework: CaseworkApplication,
    caso_id: UUID,
    who: Principal,
    change: Callable[[Caso, str], None],
) -> Esito:
    return casework.scrive(caso_id, Richiesta(who), change)


def _assign(casework: CaseworkApplication, caso_id: UUID, worker: str, area: AreaUtenza) -> Esito:
    return casework.assegna(caso_id, worker, area, Richiesta(COORDINATORE))


@dataclass
class Cases:
    chiuso: UUID
    riassegnato: UUID
    provvedimento: UUID
    attesa_vecchio: UUID
    attesa_pozzuolo: UUID
    urgente: UUID
    riaperto: UUID
    interventi_provvedimento: tuple[UUID, UUID]
    ultimo_chiuso: Esito


def _row(district: District, caso_id: UUID) -> dict[str, Any]:
    return district.queries.caso(COORDINATORE, caso_id)


def _record(district: District) -> Cases:
    """Seven cases in every state, checking the states as the events arrive."""
    casework, runner = district.casework, district.runner

    # A: from opening to closure, then reopened (G)
    a = _open(casework, "E094", "ELD", 20).id
    runner.catch_up()
    assert _row(district, a)["stato"] == "in_attesa"
    _assign(casework, a, "as.anziani", "ELD")
    runner.catch_up()
    assigned = _row(district, a)
    assert (assigned["stato"], assigned["assistente_sociale"]) == ("assegnato", "as.anziani")
    assert assigned["assegnato_il"] is not None
    assert assigned["in_carico_dal"] is None
    _write(casework, a, ANZIANI, lambda c, who: c.prendi_in_carico(who))
    runner.catch_up()
    assert _row(district, a)["stato"] == "in_carico"
    intervento = uuid4()
    steps: list[Callable[[Caso, str], None]] = [
        lambda c, who: c.valuta(
            who,
            tipo="sociale",
            problemi="Isolamento sociale",
            risorse="Figlia presente",
            esito="Assistenza domiciliare",
            partecipanti=[who],
        ),
        lambda c, who: c.firma_contratto(
            who,
            firmatario="persona",
            impegni_servizio="Assistenza domiciliare",
            impegni_persona="Restare a casa propria",
            firmato_il=DAY,
        ),
        lambda c, who: c.definisci_progetto(
            who, obiettivi="Restare a casa propria", professionisti=[], revisione_entro=DAY
        ),
        lambda c, who: c.attiva_intervento(
            who, intervento, prestazione="A2.07", inizio=DAY, fine_prevista=DAY + timedelta(30)
        ),
    ]
    for step in steps:
        _write(casework, a, ANZIANI, step)
    runner.catch_up()
    assert _row(district, a)["interventi_attivi"] == 1
    _write(
        casework,
        a,
        ANZIANI,
        lambda c, who: c.verifica(
            who, intervento, concluso=True, esito="raggiunto", efficacia="Assistenza domiciliare"
        ),
    )
    ultimo = _write(
        casework,
        a,
        ANZIANI,
        lambda c, who: c.chiudi(
            who, motivo="obiettivi_raggiunti", restituzione="Colloquio di restituzione"
        ),
    )

    # B: taken charge, then reassigned to another area's worker
    b = _open(casework, "E094", "ELD", 15).id
    _assign(casework, b, "as.anziani", "ELD")
    _write(casework, b, ANZIANI, lambda c, who: c.prendi_in_carico(who))
    runner.catch_up()
    assert _row(district, b)["stato"] == "in_carico"
    _assign(casework, b, "as.minori", "FAM")

    # C: opened by a court order (recorded with the opening), which imposes the project
    opened_by_order = _open(casework, "B292", "FAM", 12, persona=MINORE, order=ORDINE)
    c_id, provvedimento = opened_by_order.id, opened_by_order.creato
    assert provvedimento is not None
    _assign(casework, c_id, "as.minori", "FAM")
    uno, due = uuid4(), uuid4()
    for step in [
        lambda c, who: c.prendi_in_carico(who),
        lambda c, who: c.definisci_progetto(
            who,
            imposto_da_provvedimento_id=provvedimento,
            obiettivi="Minore in affidamento",
            professionisti=["educatore"],
            revisione_entro=DAY,
        ),
        lambda c, who: c.attiva_intervento(who, uno, prestazione="A2.07", inizio=DAY),
        lambda c, who: c.attiva_intervento(
            who, due, prestazione="A1.06", inizio=DAY + timedelta(1), risorsa_id=uuid4()
        ),
        lambda c, who: c.concludi_intervento(who, uno, concluso_il=DAY + timedelta(10)),
        lambda c, who: c.verifica(
            who, due, concluso=False, esito="parzialmente_raggiunto", efficacia="Obiettivi rivisti"
        ),
        # verified after its end, concluding it again: it is counted once
        lambda c, who: c.verifica(
            who, uno, concluso=True, esito="raggiunto", efficacia="Obiettivi rivisti"
        ),
        lambda c, who: c.rivedi_progetto(
            who,
            obiettivi="Obiettivi rivisti",
            motivo="Obiettivi rivisti",
            revisione_entro=DAY + timedelta(90),
        ),
        lambda c, who: c.invia_relazione(
            who,
            provvedimento,
            autorita="tribunale_minorenni",
            sintesi="Sintesi della relazione",
        ),
    ]:
        _write(casework, c_id, MINORI, step)

    # D, E, F: waiting for assignment; G: A reopened
    d = _open(casework, "E094", "ELD", 10).id
    e = _open(casework, "G965", "DIS", 5).id
    f = _open(casework, "E094", "ELD", 1, persona=FRANCESE, urgente=True).id
    g = _open(casework, "E094", "ELD", 0, previous=a).id
    assert runner.catch_up() > 0
    return Cases(a, b, c_id, d, e, f, g, (uno, due), ultimo)


def _ids(page: Any) -> list[UUID]:
    return [UUID(item["id"]) for item in page.items]


def _tables(district: District) -> dict[str, list[tuple[Any, ...]]]:
    with district.views.reader.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(select(table)).all())
            for table in (casi, interventi)
        }


# -- the tests -----------------------------------------------------------------------------


def test_rows_follow_the_cases_and_a_rebuild_gives_the_same_rows(district: District) -> None:
    cases = _record(district)
    q = district.queries

    chiuso = q.caso(ANZIANI, cases.chiuso)
    assert chiuso["stato"] == "chiuso"
    assert chiuso["motivo_chiusura"] == "obiettivi_raggiunti"
    assert (chiuso["comune"], chiuso["area_utenza"], chiuso["origine"]) == (
        "E094",
        "ELD",
        "emergenza",
    )
    assert (chiuso["fascia_eta"], chiuso["cittadinanza"], chiuso["urgente"]) == (
        "75-84",
        "italiana",
        False,
    )
    assert chiuso["aperto_il"] == NOW - timedelta(days=20)
    assert chiuso["aperto_il"].tzinfo is not None
    assert chiuso["aperto_il"] < chiuso["assegnato_il"] <= chiuso["in_carico_dal"]
    assert chiuso["in_carico_dal"] <= chiuso["chiuso_il"]
    assert chiuso["revisione_entro"] == DAY
    assert chiuso["interventi_attivi"] == 0
    assert (chiuso["versione"], chiuso["posizione"]) == (
        cases.ultimo_chiuso.versione,
        cases.ultimo_chiuso.posizione,
    )
    assert chiuso["versione"] == 9  # every event of the case moves it
    assert chiuso["domanda_id"] is None
    assert chiuso["caso_precedente_id"] is None
    (intervento,) = q.interventi(ANZIANI, cases.chiuso).items
    assert (intervento["prestazione"], intervento["inizio"], intervento["fine_prevista"]) == (
        "A2.07",
        DAY,
        DAY + timedelta(30),
    )
    assert intervento["verificato"]
    assert intervento["concluso"]

    riaperto = q.caso(ANZIANI, cases.riaperto)
    assert riaperto["stato"] == "in_attesa"
    assert riaperto["caso_precedente_id"] == str(cases.chiuso)
    assert riaperto["assistente_sociale"] is None
    assert riaperto["versione"] == 1

    riassegnato = q.caso(MINORI, cases.riassegnato)
    assert riassegnato["stato"] == "assegnato"
    assert riassegnato["assistente_sociale"] == "as.minori"
    assert riassegnato["area_utenza"] == "FAM"  # the assignment carries the area
    assert riassegnato["in_carico_dal"] is None  # the new worker has not taken charge yet
    district.casework.scrive(
        cases.riassegnato, Richiesta(MINORI), lambda c, who: c.prendi_in_carico(who)
    )
    district.runner.catch_up()
    assert q.caso(MINORI, cases.riassegnato)["stato"] == "in_carico"

    provvedimento = q.caso(MINORI, cases.provvedimento)
    assert (provvedimento["stato"], provvedimento["origine"]) == ("in_carico", "provvedimento")
    assert provvedimento["revisione_entro"] == DAY + timedelta(90)  # as revised
    assert provvedimento["interventi_attivi"] == 1
    uno, due = cases.interventi_provvedimento
    found = {UUID(i["intervento_id"]): i for i in q.interventi(MINORI, cases.provvedimento).items}
    assert (found[uno]["verificato"], found[uno]["concluso"]) == (True, True)
    # checked while it runs: its final verification is still due
    assert (found[due]["verificato"], found[due]["concluso"]) == (False, False)
    assert found[uno]["risorsa_id"] is None
    assert found[due]["risorsa_id"] is not None

    urgente = q.caso(COORDINATORE, cases.urgente)
    assert urgente["urgente"] is True
    assert (urgente["origine"], urgente["domanda_id"]) == ("emergenza", None)
    assert (urgente["fascia_eta"], urgente["cittadinanza"]) == ("85+", "ue")

    before = _tables(district)
    reset(district.runner.projection, district.views)
    assert _tables(district) == {"casework_casi": [], "casework_interventi": []}
    district.runner.catch_up()
    assert _tables(district) == before


def test_no_personal_value_reaches_the_read_model(district: District) -> None:
    _record(district)
    values = [value for rows in _tables(district).values() for row in rows for value in row]
    assert values
    text = "\n".join(str(value) for value in values)
    for personal in PERSONAL:
        assert personal not in text
    assert "$enc" not in text
    assert not any(isinstance(value, dict | list) for value in values)


def test_each_caller_lists_only_the_cases_of_their_scope(district: District) -> None:
    cases = _record(district)
    q = district.queries
    a, b, c = cases.chiuso, cases.riassegnato, cases.provvedimento
    d, e, f, g = cases.attesa_vecchio, cases.attesa_pozzuolo, cases.urgente, cases.riaperto

    # most recently opened first
    assert _ids(q.casi(COORDINATORE)) == [g, f, e, d, c, b, a]
    assert _ids(q.casi(COORDINATORE_BUSSERO)) == [c]
    assert _ids(q.casi(ANZIANI)) == [g, f, d, a]  # ELD, any comune
    assert _ids(q.casi(MINORI)) == [c, b]  # FAM, b since its reassignment
    assert _ids(q.casi(ANZIANI_POZZUOLO)) == []  # ELD in G965: there is none

    assert _ids(q.casi(COORDINATORE, stato="in_attesa")) == [g, f, e, d]
    assert _ids(q.casi(COORDINATORE, stato="chiuso")) == [a]
    assert _ids(q.casi(COORDINATORE, area="FAM")) == [c, b]
    assert _ids(q.casi(COORDINATORE, comune="G965")) == [e]
    assert _ids(q.casi(COORDINATORE, assistente_sociale="as.minori")) == [c, b]
    assert _ids(q.casi(ANZIANI, area="FAM")) == []  # a filter never widens the scope
    assert _ids(q.casi(COORDINATORE_BUSSERO, comune="E094")) == []

    first = q.casi(COORDINATORE, limit=3)
    assert (_ids(first), first.next_offset) == ([g, f, e], 3)
    second = q.casi(COORDINATORE, offset=3, limit=3)
    assert (_ids(second), second.next_offset) == ([d, c, b], 6)
    last = q.casi(COORDINATORE, offset=6, limit=3)
    assert (_ids(last), last.next_offset) == ([a], None)

    assert q.caso(ANZIANI, a)["id"] == str(a)
    assert q.caso(COORDINATORE_BUSSERO, c)["id"] == str(c)
    for who, caso_id in [
        (MINORI, a),  # another area
        (ANZIANI_POZZUOLO, a),  # another comune
        (COORDINATORE_BUSSERO, a),  # another comune
        (ANZIANI, b),  # reassigned to another area
        (COORDINATORE, uuid4()),  # no such case
    ]:
        with pytest.raises(NotFound):
            q.caso(who, caso_id)
    with pytest.raises(NotFound):
        q.interventi(MINORI, a)

    for who in (OPERATORE, UFFICIO):
        with pytest.raises(Forbidden):
            q.casi(who)
        with pytest.raises(Forbidden):
            q.caso(who, a)
        with pytest.raises(Forbidden):
            q.in_attesa(who)


def test_the_queue_holds_waiting_cases_urgent_first_then_oldest(district: District) -> None:
    cases = _record(district)
    q = district.queries
    d, e, f, g = cases.attesa_vecchio, cases.attesa_pozzuolo, cases.urgente, cases.riaperto

    assert _ids(q.in_attesa(COORDINATORE)) == [f, d, e, g]
    first = q.in_attesa(COORDINATORE, limit=2)
    assert (_ids(first), first.next_offset) == ([f, d], 2)
    rest = q.in_attesa(COORDINATORE, offset=2, limit=2)
    assert (_ids(rest), rest.next_offset) == ([e, g], None)
    assert _ids(q.in_attesa(COORDINATORE_BUSSERO)) == []
    with pytest.raises(Forbidden):  # social workers do not assign
        q.in_attesa(ANZIANI)

    district.casework.assegna(d, "as.rossi", "ELD", Richiesta(COORDINATORE))
    district.runner.catch_up()
    assert _ids(q.in_attesa(COORDINATORE)) == [f, e, g]
    assert q.caso(ROSSI, d)["assistente_sociale"] == "as.rossi"


def test_reads_wait_for_the_position_a_command_reached(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    district.runner.catch_up()
    monkeypatch.setattr(casework_queries, "MAX_WAIT_SECONDS", 0.3)
    with pytest.raises(NotYetProjected):  # the runner is not running: the row never comes
        district.queries.in_attesa(COORDINATORE, attendi_posizione=1)
    monkeypatch.setattr(casework_queries, "MAX_WAIT_SECONDS", 10.0)
    district.runner.start()
    opened = _open(district.casework, "E094", "ELD", 0)
    page = district.queries.in_attesa(COORDINATORE, attendi_posizione=opened.posizione)
    assert _ids(page) == [opened.id]
    row = district.queries.caso(COORDINATORE, opened.id, attendi_posizione=opened.posizione)
    assert row["posizione"] == opened.posizione


def test_a_hand_over_s_case_carries_its_request_and_urgency(district: District) -> None:
    """The hand-over policy's case (origine ``inoltro``): the request's id and urgency reach
    the row, and an urgent hand-over heads the queue."""
    operatore = Richiesta(OPERATORE)
    registered = district.intake.registra_domanda(
        RegistraDomanda(
            comune="E094",
            canale="sportello",
            persona=Persona(
                nome="Maria",
                cognome="Rossi",
                codice_fiscale="RSSMRA40A41E094R",
                data_nascita=date(1940, 1, 1),
                cittadinanza=380,
            ),
            bisogno="Vive sola e non riesce più a fare la spesa",
            area_utenza="ELD",
            urgente=True,
        ),
        operatore,
    )
    older = _open(district.casework, "E094", "ELD", 3).id
    district.intake.inoltra(
        registered.id, "ELD", "Valutazione per l'assistenza domiciliare", True, operatore
    )
    policy = PolicyRunner(
        ApriCasoDaInoltro(district.casework),
        district.casework,
        district.intake.ledger.recorder,
    )
    try:
        assert policy.catch_up() > 0
    finally:
        policy.stop()
    district.runner.catch_up()

    (handed_over,) = [
        row
        for row in district.queries.casi(COORDINATORE, stato="in_attesa").items
        if row["id"] != str(older)
    ]
    assert (handed_over["origine"], handed_over["domanda_id"]) == ("inoltro", str(registered.id))
    assert handed_over["urgente"] is True
    assert handed_over["persona_id"] == registered.persona_id
    assert (handed_over["fascia_eta"], handed_over["cittadinanza"]) == ("85+", "italiana")
    assert _ids(district.queries.in_attesa(COORDINATORE)) == [
        UUID(handed_over["id"]),
        older,
    ]
    text = "\n".join(
        str(value) for rows in _tables(district).values() for row in rows for value in row
    )
    for personal in PERSONAL:
        assert personal not in text


def test_a_withdrawn_intervention_is_not_running_and_owes_no_deadline_in_the_caseloads(
    district: District, open_ledger: Callable[..., Ledger]
) -> None:
    """Both read models that follow interventions follow the withdrawal, and a rebuild of
    each equals its incremental state."""
    casework, runner = district.casework, district.runner
    carichi = ProjectionRunner(
        CarichiReporting(), district.views, {"casework": casework.ledger.recorder}
    )
    carichi_queries = CarichiQueries(
        district.views, carichi, RegistroOsservatorio(open_ledger("reporting"))
    )
    caso = _open(casework, "E094", "ELD", 5).id
    _assign(casework, caso, "as.anziani", "ELD")
    annullato, resta = uuid4(), uuid4()
    steps: list[Callable[[Caso, str], None]] = [
        lambda c, who: c.prendi_in_carico(who),
        lambda c, who: c.valuta(
            who,
            tipo="sociale",
            problemi="Isolamento sociale",
            risorse="Figlia presente",
            esito="Assistenza domiciliare",
            partecipanti=[who],
        ),
        lambda c, who: c.firma_contratto(
            who,
            firmatario="persona",
            impegni_servizio="Assistenza domiciliare",
            impegni_persona="Restare a casa propria",
            firmato_il=DAY,
        ),
        lambda c, who: c.definisci_progetto(
            who,
            obiettivi="Restare a casa propria",
            professionisti=[],
            revisione_entro=DAY + timedelta(180),
        ),
        lambda c, who: c.attiva_intervento(
            who, annullato, prestazione="A2.07", inizio=DAY, fine_prevista=DAY + timedelta(30)
        ),
        lambda c, who: c.attiva_intervento(
            who, resta, prestazione="A1.04", inizio=DAY, fine_prevista=DAY + timedelta(60)
        ),
    ]
    for step in steps:
        _write(casework, caso, ANZIANI, step)
    runner.catch_up()
    carichi.catch_up()
    assert _row(district, caso)["interventi_attivi"] == 2
    owed = {s.riferimento_id for s in carichi_queries.scadenze_caso(caso)}
    assert owed == {None, annullato, resta}

    done = _write(
        casework,
        caso,
        ANZIANI,
        lambda c, who: c.annulla_intervento(who, annullato, motivo="Registrato per errore"),
    )
    runner.catch_up()
    carichi.catch_up()

    row = _row(district, caso)
    assert row["interventi_attivi"] == 1
    assert (row["versione"], row["posizione"]) == (done.versione, done.posizione)
    found = {UUID(i["intervento_id"]): i for i in district.queries.interventi(ANZIANI, caso).items}
    assert found[annullato]["annullato"] is True
    assert found[resta]["annullato"] is False
    assert carichi_queries.scadenze_caso(caso) == [
        Scadenza("verifica_intervento", DAY + timedelta(60), resta),
        Scadenza("revisione_progetto", DAY + timedelta(180)),
    ]
    with district.views.reader.connect() as connection:
        carichi_before = sorted(tuple(r) for r in connection.execute(select(carichi_scadenze)))

    before = _tables(district)
    reset(runner.projection, district.views)
    runner.catch_up()
    assert _tables(district) == before
    reset(carichi.projection, district.views)
    carichi.catch_up()
    with district.views.reader.connect() as connection:
        assert sorted(tuple(r) for r in connection.execute(select(carichi_scadenze))) == (
            carichi_before
        )
    carichi.stop()
