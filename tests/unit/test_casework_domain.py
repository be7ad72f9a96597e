"""The case file's rules (design section 2), driven by random sequences of commands
(hypothesis): whatever is tried, the recorded history respects every rule, and the case
rebuilt from its events equals the live one. Work in progress towards issue 7."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.casework.domain import Caso, Scadenza, area_di_riferimento
from shared.errors import Conflict, FieldError, NotFound
from shared.events import CommandContext, acting, new_person_id
from shared.events.casework import InterventoAnnullato
from shared.events.envelope import Actor, LedgerEvent
from shared.events.profile import ProfiloStatistico

WORKERS = ("as.anziani", "as.minori")
DAY = date(2026, 11, 2)
PROFESSIONAL = {
    "PresaInCarico",
    "ValutazioneEffettuata",
    "ContrattoFirmato",
    "ProgettoDefinito",
    "ProgettoRivisto",
    "InterventoAttivato",
    "MonitoraggioRegistrato",
    "InterventoVerificato",
    "InterventoConcluso",
    "InterventoAnnullato",
    "SegnalazioneTribunale",
    "RelazioneInviata",
    "CasoChiuso",
    "ValutazioneRettificata",
    "NucleoFamiliareRegistrato",
    "RappresentanteLegaleRegistrato",
    "QuestionarioRaccolto",
}


def _context(user: str, role: Any = "assistente_sociale") -> CommandContext:
    return CommandContext(
        actor=Actor(user=user, role=role, comune="E094"),
        legal_basis="L328_ART22",
        source="api",
    )


def _open(origine: str = "inoltro") -> Caso:
    with acting(_context("coordinatore", "coordinatore")):
        return Caso(
            persona_id=new_person_id(),
            origine=origine,
            area_utenza="ELD",
            profilo=ProfiloStatistico(comune="E094", area="ELD", fascia_eta="75-84"),
            motivo="Anziana sola, non più autonoma",
            domanda_id=None,
            caso_precedente_id=None,
        )


COMMANDS = st.sampled_from(
    [
        "assegna",
        "prendi_in_carico",
        "valuta",
        "firma_contratto",
        "definisci_progetto",
        "definisci_progetto_da_provvedimento",
        "rivedi_progetto",
        "attiva_intervento",
        "monitora",
        "verifica",
        "verifica_e_concludi",
        "concludi_intervento",
        "annulla_intervento",
        "segnala",
        "recepisci_provvedimento",
        "invia_relazione",
        "chiudi",
        "rettifica_valutazione",
        "registra_nucleo",
        "registra_rappresentante",
        "firma_contratto_rappresentante",
        "raccogli_questionario",
    ]
)
STEP = st.tuples(
    COMMANDS,
    st.sampled_from(["as.anziani"] * 4 + ["as.minori"]),  # mostly the assignee
    st.integers(min_value=0, max_value=3),
)
TIPI_PROVVEDIMENTO = ("affidamento_servizio_sociale", "indagine_psicosociale")
"""An order that imposes the service's project, and one that does not."""
HAPPY = [
    "assegna",
    "prendi_in_carico",
    "valuta",
    "firma_contratto",
    "definisci_progetto",
    "attiva_intervento",
    "attiva_intervento",
    "monitora",
    "recepisci_provvedimento",
]
"""The usual path, each step kept or skipped at random, so that random steps also start from
deep states, and steps are tried with what should come before them missing."""


def _run(caso: Caso, command: str, who: str, pick: int) -> None:
    """One command as ``who``; ``pick`` chooses among the case's interventions and orders."""
    interventi = list(caso.interventi) or [uuid4()]
    provvedimenti = list(caso.provvedimenti) or [uuid4()]
    intervento = interventi[pick % len(interventi)]
    provvedimento = provvedimenti[pick % len(provvedimenti)]
    role = "coordinatore" if command == "assegna" else "assistente_sociale"
    with acting(_context("coordinatore" if role == "coordinatore" else who, role)):
        match command:
            case "assegna":
                caso.assegna(who, "ELD")
            case "prendi_in_carico":
                caso.prendi_in_carico(who)
            case "valuta":
                caso.valuta(
                    who,
                    tipo="sociale",
                    problemi="Isolamento",
                    risorse="Figlia vicina",
                    esito="SAD",
                    partecipanti=[who],
                )
            case "firma_contratto":
                caso.firma_contratto(
                    who,
                    firmatario="persona",
                    impegni_servizio="SAD due volte a settimana",
                    impegni_persona="Accetta il servizio",
                    firmato_il=DAY,
                )
            case "definisci_progetto":
                caso.definisci_progetto(
                    who, obiettivi="Restare a casa", professionisti=[], revisione_entro=DAY
                )
            case "definisci_progetto_da_provvedimento":
                caso.definisci_progetto(
                    who,
                    imposto_da_provvedimento_id=provvedimento,
                    obiettivi="Come disposto dal giudice",
                    professionisti=[],
                    revisione_entro=DAY,
                )
            case "rivedi_progetto":
                caso.rivedi_progetto(
                    who, obiettivi="Restare a casa", motivo="Peggiorata", revisione_entro=DAY
                )
            case "attiva_intervento":
                caso.attiva_intervento(who, uuid4(), prestazione="A2.07", inizio=DAY)
            case "monitora":
                caso.monitora(who, intervento, data=DAY, note="Regolare")
            case "verifica" | "verifica_e_concludi":
                caso.verifica(
                    who,
                    intervento,
                    concluso=command == "verifica_e_concludi",
                    esito="raggiunto",
                    efficacia="Buona",
                )
            case "concludi_intervento":
                caso.concludi_intervento(who, intervento, concluso_il=DAY)
            case "annulla_intervento":
                caso.annulla_intervento(who, intervento, motivo="Registrato per errore")
            case "segnala":
                caso.segnala(
                    who,
                    "giudice_tutelare",
                    "Serve un amministratore di sostegno",
                    base_giuridica="CC_404_413",
                    richiesta="amministratore_sostegno",
                )
            case "recepisci_provvedimento":
                caso.recepisci_provvedimento(
                    who,
                    uuid4(),
                    autorita="giudice_tutelare",
                    tipo=TIPI_PROVVEDIMENTO[pick // 2],
                    estremi="R.G. 123/2026",
                    relazione_entro=DAY if pick % 2 else None,  # odd: asks for a report
                )
            case "invia_relazione":
                caso.invia_relazione(
                    who,
                    provvedimento if caso.provvedimenti else None,
                    autorita="giudice_tutelare",
                    sintesi="Relazione",
                )
            case "chiudi":
                caso.chiudi(who, motivo="obiettivi_raggiunti", restituzione="Colloquio finale")
            case "rettifica_valutazione":
                valutazioni = sorted(caso.valutazioni_registrate) or [uuid4()]
                caso.rettifica_valutazione(
                    who,
                    valutazioni[pick % len(valutazioni)],
                    motivo="Errore di trascrizione",
                    esito="SAD e pasti",
                )
            case "registra_nucleo":
                caso.registra_nucleo(
                    who,
                    [
                        {
                            "membro_id": uuid4(),
                            "nome": "Anna",
                            "cognome": "Rossi",
                            "relazione": "figlio",
                            "convivente": False,
                        }
                    ],
                )
            case "registra_rappresentante":
                caso.registra_rappresentante(
                    who, ruolo="amministratore_sostegno", nome="Luca", cognome="Bianchi"
                )
            case "firma_contratto_rappresentante":
                caso.firma_contratto(
                    who,
                    firmatario="rappresentante_legale",
                    impegni_servizio="SAD",
                    impegni_persona="Accetta",
                    firmato_il=DAY,
                )
            case "raccogli_questionario":
                caso.raccogli_questionario(who, momento="ex_ante", risposte=[4, 5, 3])


def _check_history(history: list[LedgerEvent]) -> None:
    """Every rule of design section 2, read off what was recorded."""
    seen: set[str] = set()
    assigned: str | None = None
    orders: set[UUID] = set()
    imposing: set[UUID] = set()
    reports_owed: set[UUID] = set()
    activated: set[UUID] = set()
    verified: set[UUID] = set()
    ended: set[UUID] = set()
    withdrawn: set[UUID] = set()
    assessments: set[UUID] = set()
    for event in history:
        kind = event.event_type
        assert "CasoChiuso" not in seen, "nothing after closure"
        data: Any = event
        if kind == "AssistenteSocialeAssegnato":
            assigned = data.assistente_sociale
        if kind in PROFESSIONAL:
            assert event.actor.user == assigned, f"{kind} by someone other than the assignee"
            assert kind == "PresaInCarico" or "PresaInCarico" in seen
        if kind == "ContrattoFirmato":
            assert "ValutazioneEffettuata" in seen
            if data.firmatario == "rappresentante_legale":
                assert "RappresentanteLegaleRegistrato" in seen
        if kind == "ValutazioneEffettuata":
            assessments.add(event.event_id)
        if kind == "ValutazioneRettificata":
            assert data.valutazione_event_id in assessments, "a correction of nothing"
        if kind == "ProgettoDefinito":
            imposed = data.imposto_da_provvedimento_id
            assert ("ContrattoFirmato" in seen) if imposed is None else imposed in imposing
        if kind == "InterventoAttivato":
            assert "ProgettoDefinito" in seen
            activated.add(data.intervento_id)
        if kind == "ProvvedimentoRecepito":
            orders.add(data.provvedimento_id)
            if data.tipo == "affidamento_servizio_sociale":
                imposing.add(data.provvedimento_id)
            if data.relazione_entro is not None:
                reports_owed.add(data.provvedimento_id)
        if kind == "RelazioneInviata":
            assert data.provvedimento_id is None or data.provvedimento_id in orders
            reports_owed.discard(data.provvedimento_id)
        if kind in ("MonitoraggioRegistrato", "InterventoVerificato", "InterventoConcluso"):
            assert data.intervento_id in activated
            assert data.intervento_id not in withdrawn, f"{kind} of a withdrawn intervention"
        if kind == "InterventoAnnullato":
            assert data.intervento_id in activated, "a withdrawal of nothing"
            assert data.intervento_id not in withdrawn, "withdrawn twice"
            assert data.motivo.strip()
            withdrawn.add(data.intervento_id)
        if kind == "InterventoVerificato":
            if data.concluso or data.intervento_id in ended:
                verified.add(data.intervento_id)  # its outcome, verified at or after its end
            if data.concluso:
                ended.add(data.intervento_id)
        if kind == "InterventoConcluso":
            assert data.intervento_id not in ended
            ended.add(data.intervento_id)
        if kind == "SegnalazioneTribunale":
            assert data.autorita
            assert data.motivo.strip()
            assert event.legal_basis.strip()
        if kind == "CasoChiuso":
            assert activated - withdrawn <= verified & ended, "closed with an intervention pending"
            assert not reports_owed, "closed while a court waits for a report"
        if kind == "AssistenteSocialeAssegnato":
            seen.discard("PresaInCarico")  # a reassigned case waits for its new worker
        seen.add(kind)


def _state(caso: Caso) -> dict[str, Any]:
    keys = (
        "assistente_sociale",
        "area_utenza",
        "in_carico",
        "valutazioni",
        "contratto",
        "progetto",
        "revisione_entro",
        "interventi",
        "segnalazioni",
        "provvedimenti",
        "relazioni_inviate",
        "chiuso",
        "version",
    )
    return {key: getattr(caso, key) for key in keys}


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keep=st.lists(st.booleans(), min_size=len(HAPPY), max_size=len(HAPPY)),
    steps=st.lists(STEP, min_size=1, max_size=40),
    court_order=st.booleans(),
)
def test_random_commands_never_break_a_rule_and_replay_to_the_same_case(
    keep: list[bool], steps: list[tuple[str, str, int]], court_order: bool
) -> None:
    caso = _open("provvedimento" if court_order else "inoltro")
    history: list[LedgerEvent] = list(caso.collect_events())  # type: ignore[arg-type]
    planned = [
        (command, "as.anziani", 0) for command, kept in zip(HAPPY, keep, strict=True) if kept
    ]
    for command, who, pick in planned + steps:
        with contextlib.suppress(Conflict, NotFound):  # a refusal records nothing
            _run(caso, command, who, pick)
        history.extend(caso.collect_events())  # type: ignore[arg-type]
        _check_history(history)

    rebuilt: Any = None
    for recorded in history:
        rebuilt = recorded.mutate(rebuilt)  # type: ignore[attr-defined]
    assert _state(rebuilt) == _state(caso)


def _taken_in_charge() -> Caso:
    caso = _open()
    _run(caso, "assegna", "as.anziani", 0)
    _run(caso, "prendi_in_carico", "as.anziani", 0)
    return caso


@pytest.mark.parametrize(
    ("steps", "refused", "reason"),
    [
        ([], "firma_contratto", "prima di una valutazione"),
        (["valuta"], "definisci_progetto", "prima di un contratto"),
        (["valuta", "firma_contratto"], "attiva_intervento", "fuori da un progetto"),
        (
            ["valuta", "firma_contratto", "definisci_progetto", "attiva_intervento"],
            "chiudi",
            "ancora attivo",
        ),
        (
            ["valuta", "firma_contratto", "definisci_progetto", "attiva_intervento", "verifica"],
            "chiudi",
            "ancora attivo",
        ),
        (  # verified while it ran, then ended: its outcome is not verified yet
            [
                "valuta",
                "firma_contratto",
                "definisci_progetto",
                "attiva_intervento",
                "verifica",
                "concludi_intervento",
            ],
            "chiudi",
            "verifica dell'esito",
        ),
    ],
)
def test_each_rule_is_refused_with_its_reason(steps: list[str], refused: str, reason: str) -> None:
    caso = _taken_in_charge()
    for step in steps:
        _run(caso, step, "as.anziani", 0)
    with pytest.raises(Conflict, match=reason):
        _run(caso, refused, "as.anziani", 0)


def test_only_an_order_entrusting_the_person_imposes_a_project_without_a_contract() -> None:
    caso = _taken_in_charge()
    _run(caso, "recepisci_provvedimento", "as.anziani", 2)  # an inquiry: entrusts nobody
    with pytest.raises(Conflict, match="non affida la persona al servizio"):
        _run(caso, "definisci_progetto_da_provvedimento", "as.anziani", 0)
    assert not caso.progetto


def test_only_the_assigned_worker_writes_and_a_reassignment_waits_for_taking_charge() -> None:
    caso = _taken_in_charge()
    with pytest.raises(Conflict, match="solo l'assistente sociale assegnata"):
        _run(caso, "valuta", "as.minori", 0)
    _run(caso, "assegna", "as.minori", 0)
    with pytest.raises(Conflict, match="non è ancora stato preso in carico"):
        _run(caso, "valuta", "as.minori", 0)
    _run(caso, "prendi_in_carico", "as.minori", 0)
    _run(caso, "valuta", "as.minori", 0)


def test_a_court_order_may_impose_a_project_without_a_contract() -> None:
    caso = _taken_in_charge()
    _run(caso, "recepisci_provvedimento", "as.anziani", 1)  # entrusts, asks for a report
    _run(caso, "definisci_progetto_da_provvedimento", "as.anziani", 0)
    assert caso.progetto
    assert not caso.contratto
    assert list(caso.relazioni_dovute.values()) == [DAY]
    _run(caso, "invia_relazione", "as.anziani", 0)
    assert caso.relazioni_dovute == {}


def test_a_closed_case_takes_nothing_more() -> None:
    caso = _taken_in_charge()
    _run(caso, "chiudi", "as.anziani", 0)
    for command in ("valuta", "assegna", "recepisci_provvedimento"):
        with pytest.raises(Conflict, match="nuovo caso collegato"):
            _run(caso, command, "as.anziani", 0)


def test_the_usual_path_reaches_monitoring_and_a_verified_closure() -> None:
    caso = _open()
    for step in HAPPY:
        _run(caso, step, "as.anziani", 0)
    assert len(caso.interventi) == 2
    for pick in (0, 1):
        _run(caso, "verifica_e_concludi", "as.anziani", pick)
    _run(caso, "invia_relazione", "as.anziani", 0)
    _run(caso, "chiudi", "as.anziani", 0)
    assert caso.chiuso


# -- the rules one at a time --------------------------------------------------------------


@pytest.mark.parametrize(
    ("motivo", "base_giuridica", "reason"),
    [
        ("", "CC_404_413", "richiede un motivo"),
        ("   ", "CC_404_413", "richiede un motivo"),
        ("Serve un amministratore di sostegno", "", "richiede una base giuridica"),
        ("Serve un amministratore di sostegno", "  ", "richiede una base giuridica"),
    ],
)
def test_a_court_report_needs_a_reason_and_a_legal_basis(
    motivo: str, base_giuridica: str, reason: str
) -> None:
    caso = _taken_in_charge()
    version = caso.version
    with (
        acting(_context("as.anziani")),
        pytest.raises(Conflict, match=reason),
    ):
        caso.segnala("as.anziani", "giudice_tutelare", motivo, base_giuridica=base_giuridica)
    assert caso.version == version  # nothing recorded
    assert caso.segnalazioni == 0
    _run(caso, "segnala", "as.anziani", 0)
    assert caso.segnalazioni == 1


def test_a_court_report_is_written_only_by_the_assignee() -> None:
    caso = _taken_in_charge()
    with (
        acting(_context("as.minori")),
        pytest.raises(Conflict, match="solo l'assistente sociale assegnata"),
    ):
        caso.segnala(
            "as.minori", "giudice_tutelare", "Serve un tutore", base_giuridica="CC_404_413"
        )


def test_the_state_follows_assignment_taking_charge_reassignment_and_closure() -> None:
    caso = _open()
    assert caso.stato == "in_attesa"
    _run(caso, "assegna", "as.anziani", 0)
    assert caso.stato == "assegnato"
    _run(caso, "prendi_in_carico", "as.anziani", 0)
    assert caso.stato == "in_carico"
    _run(caso, "assegna", "as.minori", 0)  # reassigned: waits for the new worker
    assert caso.stato == "assegnato"
    _run(caso, "prendi_in_carico", "as.minori", 0)
    assert caso.stato == "in_carico"
    _run(caso, "chiudi", "as.minori", 0)
    assert caso.stato == "chiuso"


def test_a_case_is_not_assigned_twice_to_the_same_worker_and_area() -> None:
    caso = _open()
    _run(caso, "assegna", "as.anziani", 0)
    with pytest.raises(Conflict, match="già assegnato"):
        _run(caso, "assegna", "as.anziani", 0)
    with acting(_context("coordinatore", "coordinatore")):
        caso.assegna("as.anziani", "DIS")  # the same worker for another area is a change
    assert (caso.assistente_sociale, caso.area_utenza, caso.stato) == (
        "as.anziani",
        "DIS",
        "assegnato",
    )


def _act(caso: Caso, method: str, *args: Any, **fields: Any) -> None:
    with acting(_context("as.anziani")):
        getattr(caso, method)("as.anziani", *args, **fields)


def test_deadlines_come_and_go_with_the_acts_that_set_and_meet_them() -> None:
    caso = _taken_in_charge()
    assert caso.scadenze == []
    _run(caso, "valuta", "as.anziani", 0)
    _run(caso, "firma_contratto", "as.anziani", 0)
    revisione = date(2027, 3, 1)
    _act(
        caso,
        "definisci_progetto",
        obiettivi="Restare a casa",
        professionisti=[],
        revisione_entro=revisione,
    )
    assert caso.scadenze == [Scadenza("revisione_progetto", revisione)]

    lungo, breve, aperto = uuid4(), uuid4(), uuid4()
    _act(
        caso,
        "attiva_intervento",
        lungo,
        prestazione="A2.07",
        inizio=DAY,
        fine_prevista=date(2027, 6, 30),
    )
    _act(
        caso,
        "attiva_intervento",
        breve,
        prestazione="A1.06",
        inizio=DAY,
        fine_prevista=date(2026, 12, 31),
    )
    _act(caso, "attiva_intervento", aperto, prestazione="A2.01", inizio=DAY)  # no end: no due date
    ordine, altro = uuid4(), uuid4()
    _act(
        caso,
        "recepisci_provvedimento",
        ordine,
        autorita="giudice_tutelare",
        tipo="indagine_psicosociale",
        estremi="R.G. 123/2026",
        relazione_entro=date(2027, 1, 15),
    )
    _act(
        caso,
        "recepisci_provvedimento",
        altro,
        autorita="giudice_tutelare",
        tipo="nomina_amministratore_sostegno",
        estremi="R.G. 124/2026",
    )  # asks for no report: no deadline
    assert caso.scadenze == [
        Scadenza("verifica_intervento", date(2026, 12, 31), breve),
        Scadenza("relazione_tribunale", date(2027, 1, 15), ordine),
        Scadenza("revisione_progetto", revisione),
        Scadenza("verifica_intervento", date(2027, 6, 30), lungo),
    ]
    assert [s.entro for s in caso.scadenze] == sorted(s.entro for s in caso.scadenze)

    # a check while the intervention goes on leaves its final verification due
    _act(caso, "verifica", breve, concluso=False, esito="raggiunto", efficacia="Buona")
    assert Scadenza("verifica_intervento", date(2026, 12, 31), breve) in caso.scadenze
    _act(caso, "verifica", breve, concluso=True, esito="raggiunto", efficacia="Buona")
    # a report that names no order, or another order, leaves the deadline
    _act(caso, "invia_relazione", None, autorita="giudice_tutelare", sintesi="Aggiornamento")
    _act(caso, "invia_relazione", altro, autorita="giudice_tutelare", sintesi="Relazione")
    # a revision moves the review
    nuova = date(2027, 5, 1)
    _act(
        caso,
        "rivedi_progetto",
        obiettivi="Restare a casa",
        motivo="Peggiorata",
        revisione_entro=nuova,
    )
    assert caso.scadenze == [
        Scadenza("relazione_tribunale", date(2027, 1, 15), ordine),
        Scadenza("revisione_progetto", nuova),
        Scadenza("verifica_intervento", date(2027, 6, 30), lungo),
    ]
    _act(caso, "invia_relazione", ordine, autorita="giudice_tutelare", sintesi="Relazione")
    assert caso.relazioni_dovute == {}
    assert [s.tipo for s in caso.scadenze] == ["revisione_progetto", "verifica_intervento"]

    # a concluded but unverified intervention is still to verify
    _act(caso, "concludi_intervento", lungo, concluso_il=date(2026, 12, 1))
    assert Scadenza("verifica_intervento", date(2027, 6, 30), lungo) in caso.scadenze
    for intervento in (lungo, aperto):
        _act(caso, "verifica", intervento, concluso=True, esito="raggiunto", efficacia="Buona")
    assert caso.scadenze == [Scadenza("revisione_progetto", nuova)]
    _run(caso, "chiudi", "as.anziani", 0)
    assert caso.scadenze == []


def test_a_case_does_not_close_while_a_court_waits_for_its_report() -> None:
    caso = _taken_in_charge()
    _run(caso, "recepisci_provvedimento", "as.anziani", 1)  # asks for a report by DAY
    _run(caso, "definisci_progetto_da_provvedimento", "as.anziani", 0)  # review by DAY
    assert {s.tipo for s in caso.scadenze} == {"relazione_tribunale", "revisione_progetto"}
    with pytest.raises(Conflict, match="attende ancora una relazione"):
        _run(caso, "chiudi", "as.anziani", 0)
    _run(caso, "invia_relazione", "as.anziani", 0)
    _run(caso, "chiudi", "as.anziani", 0)
    assert caso.scadenze == []  # the review was still pending: nothing is due once closed


@pytest.mark.parametrize(
    ("method", "fields", "field"),
    [
        ("attiva_intervento", {"inizio": DAY, "fine_prevista": date(2026, 11, 1)}, "fine_prevista"),
        ("concludi_intervento", {"concluso_il": date(2026, 11, 1)}, "concluso_il"),
    ],
)
def test_an_intervention_does_not_end_before_it_starts(
    method: str, fields: dict[str, Any], field: str
) -> None:
    caso = _taken_in_charge()
    for step in ("valuta", "firma_contratto", "definisci_progetto", "attiva_intervento"):
        _run(caso, step, "as.anziani", 0)
    version = caso.version
    target = uuid4() if method == "attiva_intervento" else next(iter(caso.interventi))
    extra = {"prestazione": "A2.07"} if method == "attiva_intervento" else {}
    with pytest.raises(FieldError) as refused:
        _act(caso, method, target, **extra, **fields)
    assert refused.value.location == ("body", field)
    assert caso.version == version


# -- withdrawing an intervention recorded by mistake ---------------------------------------


def _with_interventions() -> Caso:
    caso = _taken_in_charge()
    for step in ("valuta", "firma_contratto", "definisci_progetto"):
        _run(caso, step, "as.anziani", 0)
    return caso


def _activate(caso: Caso, fine_prevista: date | None = date(2026, 12, 31)) -> UUID:
    intervento = uuid4()
    _act(
        caso,
        "attiva_intervento",
        intervento,
        prestazione="A2.07",
        inizio=DAY,
        fine_prevista=fine_prevista,
    )
    return intervento


def _withdraw(caso: Caso, intervento: UUID, who: str = "as.anziani") -> None:
    with acting(_context(who)):
        caso.annulla_intervento(who, intervento, motivo="Registrato per errore")


def test_a_running_intervention_withdrawn_is_no_longer_running_nor_owed() -> None:
    caso = _with_interventions()
    annullato, resta = _activate(caso), _activate(caso, date(2027, 2, 1))
    assert Scadenza("verifica_intervento", date(2026, 12, 31), annullato) in caso.scadenze

    _withdraw(caso, annullato)

    (event,) = [e for e in caso.collect_events() if isinstance(e, InterventoAnnullato)]
    assert event.intervento_id == annullato
    assert event.motivo == "Registrato per errore"
    found = caso.interventi[annullato]
    assert found.annullato
    assert not found.in_corso
    assert not found.pendente
    assert caso.interventi[resta].in_corso
    assert [s.riferimento_id for s in caso.scadenze if s.tipo == "verifica_intervento"] == [resta]


def test_a_concluded_intervention_may_be_withdrawn_and_then_owes_no_verification() -> None:
    caso = _with_interventions()
    intervento = _activate(caso)
    _act(caso, "concludi_intervento", intervento, concluso_il=date(2026, 12, 1))
    assert caso.interventi[intervento].pendente  # ended, not verified

    _withdraw(caso, intervento)

    assert not caso.interventi[intervento].pendente
    assert [s.tipo for s in caso.scadenze] == ["revisione_progetto"]


def test_a_case_whose_only_intervention_was_withdrawn_may_close() -> None:
    caso = _with_interventions()
    intervento = _activate(caso, fine_prevista=None)
    with pytest.raises(Conflict, match="ancora attivo"):
        _run(caso, "chiudi", "as.anziani", 0)
    _withdraw(caso, intervento)
    _run(caso, "chiudi", "as.anziani", 0)
    assert caso.chiuso


@pytest.mark.parametrize(
    ("method", "fields"),
    [
        ("monitora", {"data": DAY, "note": "Regolare"}),
        ("verifica", {"concluso": False, "esito": "raggiunto", "efficacia": "Buona"}),
        ("verifica", {"concluso": True, "esito": "raggiunto", "efficacia": "Buona"}),
        ("concludi_intervento", {"concluso_il": DAY}),
        ("annulla_intervento", {"motivo": "Di nuovo"}),
    ],
)
def test_a_withdrawn_intervention_takes_no_more_acts(method: str, fields: dict[str, Any]) -> None:
    caso = _with_interventions()
    intervento = _activate(caso)
    _withdraw(caso, intervento)
    version = caso.version
    with pytest.raises(Conflict, match="l'intervento è annullato"):
        _act(caso, method, intervento, **fields)
    assert caso.version == version


def test_a_withdrawal_follows_the_record_s_rules() -> None:
    caso = _with_interventions()
    intervento = _activate(caso)
    with pytest.raises(NotFound, match="intervento non trovato"):
        _withdraw(caso, uuid4())
    with pytest.raises(Conflict, match="solo l'assistente sociale assegnata"):
        _withdraw(caso, intervento, "as.minori")
    with pytest.raises(FieldError) as blank:
        _act(caso, "annulla_intervento", intervento, motivo="   ")
    assert blank.value.location == ("body", "motivo")
    assert not caso.interventi[intervento].annullato

    _withdraw(caso, intervento)
    _run(caso, "chiudi", "as.anziani", 0)
    with pytest.raises(Conflict, match="il caso è chiuso"):
        _withdraw(caso, intervento)


def _profilo(fascia: str, cittadinanza: str, area: str = "POV") -> ProfiloStatistico:
    return ProfiloStatistico.model_validate(
        {"comune": "E094", "area": area, "fascia_eta": fascia, "cittadinanza": cittadinanza}
    )


@pytest.mark.parametrize(
    ("fascia", "cittadinanza", "area", "expected"),
    [
        # a foreign minor goes to families and minors, whatever the case's area
        ("0-2", "extra_ue", "IMMNOM", "FAM"),
        ("14-17", "ue", "POV", "FAM"),
        ("11-13", "extra_ue", "DIS", "FAM"),
        # a foreign elderly person to the elderly
        ("65-74", "extra_ue", "IMMNOM", "ELD"),
        ("85+", "ue", "POV", "ELD"),
        # a foreign adult keeps the case's area
        ("18-24", "extra_ue", "IMMNOM", "IMMNOM"),
        ("55-64", "ue", "POV", "POV"),
        ("35-44", "extra_ue", "DIS", "DIS"),
        # an Italian (or unknown) citizen keeps the case's area at any age
        ("6-10", "italiana", "DIS", "DIS"),
        ("75-84", "italiana", "POV", "POV"),
        ("45-54", "italiana", "ADD", "ADD"),
        ("14-17", "non_nota", "POV", "POV"),
        # a foreign citizen of unknown age keeps the area
        ("non_nota", "extra_ue", "IMMNOM", "IMMNOM"),
    ],
)
def test_the_referent_area_of_a_foreign_citizen_follows_the_age_band(
    fascia: str, cittadinanza: str, area: str, expected: str
) -> None:
    profilo = _profilo(fascia, cittadinanza, area)
    assert area_di_riferimento(area, profilo) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fascia", "minore"),
    [
        ("0-2", True),
        ("3-5", True),
        ("6-10", True),
        ("11-13", True),
        ("14-17", True),
        ("18-24", False),
        ("45-54", False),
        ("85+", False),
        ("non_nota", False),
    ],
)
def test_a_case_is_a_minor_s_by_the_age_band_recorded(fascia: str, minore: bool) -> None:
    with acting(_context("coordinatore", "coordinatore")):
        caso = Caso(
            persona_id=new_person_id(),
            origine="emergenza",
            area_utenza="FAM",
            profilo=_profilo(fascia, "italiana", "FAM"),
            motivo="Situazione da valutare",
            domanda_id=None,
            caso_precedente_id=None,
        )
    assert caso.minore is minore
