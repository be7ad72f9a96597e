"""Issue 7, acceptance 2: a full lifecycle over HTTP on the embedded demo runtime, from a
hand-over in intake to closure and reopening. Its timeline, read back, matches the events in
order, with actor, times and legal basis, and matches the casework ledger's own record.

The operator registers a request and hands it over; the hand-over policy opens the case;
the coordinator assigns it; the elderly area's social worker takes charge and keeps the
professional record (household, a multidimensional assessment with SINA items and its
correction, questionnaires, contract, a project naming an educator, an intervention with a
network provider, monitoring, project review, verification and conclusion, a report to the
giudice tutelare, the order received, the legal representative it appoints, the report it
asks for) and closes the case with a restituzione; the coordinator reopens it.

Beside it, over the same API: a court report is refused without a legal basis of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from services.runtime import Runtime, create_app
from shared.ledger.ledger import Ledger
from tests.support.runtime import CONTRACT_BODY, bearer, open_demo_runtime, settle, token

ROME = ZoneInfo("Europe/Rome")
CASEWORK = "/api/casework"
STEP = timedelta(minutes=3)


@dataclass
class Clock:
    """The ``occurred_at`` of each act, increasing: from ``start`` a few minutes apart while
    ``dated``; once an act could not be dated (recorded at the server's now), every later act
    is at the current time, just after the previous one (an act never precedes the case's
    last act)."""

    start: datetime
    dated: bool = True
    last: datetime | None = None

    def next(self) -> datetime:
        if self.dated:
            when = self.start if self.last is None else self.last + STEP
        else:
            when = datetime.now(UTC)
            if self.last is not None and when <= self.last:
                when = self.last + timedelta(milliseconds=1)
        self.last = when
        return when

    def undated(self, recorded: datetime) -> None:
        """An act recorded at the server's ``recorded`` time: later acts follow it."""
        self.dated = False
        self.last = recorded


@dataclass
class Expected:
    """One event of the case as the test performed it."""

    tipo: str
    utente: str
    ruolo: str
    base_giuridica: str
    occurred_at: datetime | None
    fonte: str = "api"


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return open_demo_runtime(tmp_path)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _day(moment: datetime) -> str:
    return moment.astimezone(ROME).date().isoformat()


def _waiting_case(
    client: TestClient, runtime: Runtime, headers: dict[str, str], domanda_id: str
) -> dict[str, Any]:
    """The case the hand-over policy opened, once the policy and the queue have caught up."""
    settle(runtime)
    page = _ok(client.get(f"{CASEWORK}/casi/in-attesa", headers=headers))
    found: list[dict[str, Any]] = [
        item for item in page["items"] if item["domanda_id"] == domanda_id
    ]
    assert found, "the hand-over opened no case"
    return found[0]


def _ledger_events(ledger: Ledger, aggregate_id: UUID) -> list[Any]:
    """The casework ledger's own record of one case, in ledger order."""
    found = []
    head = ledger.recorder.max_notification_id() or 0
    for notification in ledger.recorder.select_notifications(1, head):
        if notification.originator_id == aggregate_id:
            found.append(ledger.mapper.to_domain_event(notification))
    return found


def _lifecycle(client: TestClient, runtime: Runtime, dated_assignment: bool) -> None:
    operatore = bearer(token(client, "operatore"))
    coordinatore = bearer(token(client, "coordinatore"))
    anziani = bearer(token(client, "as.anziani"))
    clock = Clock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3))
    expected: list[Expected] = []

    # -- intake: the request and its hand-over -------------------------------------------
    domanda = _ok(
        client.post(
            "/api/intake/domande",
            json={**CONTRACT_BODY, "occurred_at": clock.next().isoformat()},
            headers=operatore,
        ),
        201,
    )
    handed_over_at = clock.next()
    _ok(
        client.post(
            f"/api/intake/domande/{domanda['id']}/inoltro",
            json={
                "area_utenza": "ELD",
                "motivo": "Valutazione per l'assistenza domiciliare",
                "urgente": False,
                "occurred_at": handed_over_at.isoformat(),
                "base_giuridica": "GDPR_9_2_G",
            },
            headers=operatore,
        )
    )
    expected.append(
        Expected("CasoAperto", "sistema", "sistema", "GDPR_9_2_G", handed_over_at, "system")
    )

    # -- the policy opens the case ---------------------------------------------------------
    waiting = _waiting_case(client, runtime, coordinatore, domanda["id"])
    caso_id = waiting["id"]
    assert (waiting["origine"], waiting["area_utenza"], waiting["stato"]) == (
        "inoltro",
        "ELD",
        "in_attesa",
    )
    path = f"{CASEWORK}/casi/{caso_id}"
    version = 1

    def act(
        suffix: str,
        body: dict[str, Any],
        tipo: str,
        *,
        who: dict[str, str] = anziani,
        utente: str = "as.anziani",
        ruolo: str = "assistente_sociale",
        default_basis: str = "L328_ART22",
        status: int = 200,
    ) -> dict[str, Any]:
        """One act on the case, dated by the clock and sent with the version last read."""
        nonlocal version
        when = clock.next()
        answer = _ok(
            client.post(
                f"{path}/{suffix}",
                json={**body, "occurred_at": when.isoformat()},
                headers={**who, "If-Match": f'W/"{version}"'},
            ),
            status,
        )
        version += 1
        assert answer["versione"] == version
        assert answer["id"] == caso_id
        expected.append(
            Expected(tipo, utente, ruolo, body.get("base_giuridica", default_basis), when)
        )
        return answer

    # -- the coordinator assigns -----------------------------------------------------------
    assignment: dict[str, Any] = {"assistente_sociale": "as.anziani", "area_utenza": "ELD"}
    if dated_assignment:
        act(
            "assegnazione",
            assignment,
            "AssistenteSocialeAssegnato",
            who=coordinatore,
            utente="coordinatore",
            ruolo="coordinatore",
        )
    else:
        # the assignment takes no time of its own: it is recorded at the server's now
        before = datetime.now(UTC)
        assigned = _ok(
            client.post(
                f"{path}/assegnazione",
                json=assignment,
                headers={**coordinatore, "If-Match": f'W/"{version}"'},
            )
        )
        version += 1
        assert assigned["versione"] == version
        expected.append(
            Expected(
                "AssistenteSocialeAssegnato", "coordinatore", "coordinatore", "L328_ART22", None
            )
        )
        recorded = _ledger_events(runtime.district.ledger("casework"), UUID(caso_id))[-1]
        assert before <= recorded.occurred_at <= datetime.now(UTC)
        clock.undated(recorded.occurred_at)

    # -- the social worker's record --------------------------------------------------------
    act("presa-in-carico", {}, "PresaInCarico")
    act(
        "nucleo",
        {
            "membri": [
                {
                    "nome": "Paolo",
                    "cognome": "Rossi",
                    "data_nascita": "1968-04-12",
                    "relazione": "figlio",
                    "convivente": False,
                }
            ]
        },
        "NucleoFamiliareRegistrato",
    )
    valutazione = act(
        "valutazioni",
        {
            "tipo": "multidimensionale",
            "problemi": "Non autosufficiente negli spostamenti, vive sola",
            "risorse": "Il figlio la visita ogni settimana",
            "esito": "Assistenza domiciliare socio-assistenziale",
            "partecipanti": ["as.anziani", "UVM ASL Milano 2"],
            "nucleo": "Vive sola; il figlio abita in un altro comune",
            "sina": {
                "mobilita": "2",
                "attivita_vita_quotidiana": "2",
                "disturbi_area_cognitiva": "1",
                "disturbi_comportamentali": "1",
                "necessita_cure_sanitarie": "2",
                "area_reddituale": "2",
                "area_supporto": "3",
                "fonte_derivazione_valutazione": "1",
                "strumento_valutazione": "1",
                "necessita_interventi_sociali": ["A2.07"],
            },
            "base_giuridica": "GDPR_9_2_H",
        },
        "ValutazioneEffettuata",
        status=201,
    )
    act(
        f"valutazioni/{valutazione['creato']}/rettifiche",
        {"motivo": "Errore di trascrizione dell'esito", "esito": "SAD tre volte a settimana"},
        "ValutazioneRettificata",
        status=201,
    )
    act(
        "questionari",
        {"momento": "ex_ante", "risposte": [2, 3, 2, 4]},
        "QuestionarioRaccolto",
        status=201,
    )
    act(
        "contratto",
        {
            "obiettivi": "Restare a casa propria in sicurezza",
            "firmatario": "persona",
            "impegni_servizio": "SAD tre volte a settimana",
            "impegni_persona": "Accetta il servizio e partecipa alla spesa",
            "firmato_il": _day(clock.last or clock.start),
            "consenso_trattamento": True,
        },
        "ContrattoFirmato",
    )
    today = datetime.now(ROME).date()
    act(
        "progetto",
        {
            "obiettivi": "Restare a casa propria in sicurezza",
            "professionisti": ["educatore"],
            "revisione_entro": (today + timedelta(days=90)).isoformat(),
        },
        "ProgettoDefinito",
    )

    # the provider: a resource of the network, in the directory before the intervention
    risorsa = _ok(
        client.post(
            "/api/network/risorse",
            json={
                "nome": "Cooperativa Arcobaleno",
                "tipo": "cooperativa_sociale",
                "comuni": ["E094", "B292"],
                "aree": ["ELD", "DIS"],
                "descrizione": "Assistenza domiciliare e centro diurno",
                "prestazioni": ["A2.07"],
            },
            headers=coordinatore,
        ),
        201,
    )
    _ok(
        client.get(
            "/api/network/risorse",
            params={"attendi_posizione": risorsa["posizione"]},
            headers=coordinatore,
        )
    )
    fine_prevista = today + timedelta(days=60)
    intervento = act(
        "interventi",
        {
            "prestazione": "A2.07",
            "inizio": today.isoformat(),
            "fine_prevista": fine_prevista.isoformat(),
            "risorsa_id": risorsa["id"],
            "frequenza": "tre volte a settimana",
            "importo": "1200.00",
            "quota_utente": "200.00",
            "quota_ente": "1000.00",
            "prova_mezzi": True,
            "protocollo_domanda": "2026/0451",
            "descrizione": "SAD: igiene personale e spesa",
        },
        "InterventoAttivato",
        status=201,
    )
    intervento_id = intervento["creato"]
    act(
        f"interventi/{intervento_id}/monitoraggi",
        {"data": today.isoformat(), "note": "Servizio regolare, la signora è soddisfatta"},
        "MonitoraggioRegistrato",
    )
    revisione = today + timedelta(days=120)
    act(
        "progetto/revisioni",
        {
            "obiettivi": "Restare a casa propria; tutela giuridica",
            "motivo": "Peggiorata la capacità di gestire i propri interessi",
            "revisione_entro": revisione.isoformat(),
        },
        "ProgettoRivisto",
    )
    act(
        f"interventi/{intervento_id}/conclusione",
        {"concluso_il": today.isoformat(), "motivo": "Obiettivi raggiunti"},
        "InterventoConcluso",
    )
    act(
        f"interventi/{intervento_id}/verifiche",
        {
            "esito": "raggiunto",
            "efficacia": "Obiettivi di igiene e spesa raggiunti",
            "efficienza": "Ore in linea con il progetto",
            "concluso": False,
        },
        "InterventoVerificato",
    )  # the outcome is verified once it is over

    # -- the court: report, order, legal representative, report asked for ----------------
    act(
        "segnalazioni",
        {
            "autorita": "giudice_tutelare",
            "motivo": "Non è più in grado di gestire i propri interessi economici",
            "richiesta": "amministratore_sostegno",
            "base_giuridica": "CC_404_413",
        },
        "SegnalazioneTribunale",
        status=201,
    )
    relazione_entro = today + timedelta(days=30)
    ordine = act(
        "provvedimenti",
        {
            "autorita": "giudice_tutelare",
            "tipo": "nomina_amministratore_sostegno",
            "estremi": "Decreto di nomina, R.G. 123/2026",
            "numero": "123/2026",
            "data_provvedimento": today.isoformat(),
            "relazione_entro": relazione_entro.isoformat(),
        },
        "ProvvedimentoRecepito",
        default_basis="PROVV_AG",
        status=201,
    )
    ordine_id = ordine["creato"]
    caso = _ok(client.get(path, headers=anziani))
    assert [(s["tipo"], s["entro"], s["riferimento_id"]) for s in caso["scadenze"]] == [
        ("relazione_tribunale", relazione_entro.isoformat(), ordine_id),
        ("revisione_progetto", revisione.isoformat(), None),
    ]
    act(
        "rappresentante-legale",
        {
            "ruolo": "amministratore_sostegno",
            "nome": "Paolo",
            "cognome": "Rossi",
            "provvedimento_id": ordine_id,
        },
        "RappresentanteLegaleRegistrato",
    )
    act(
        "relazioni",
        {
            "autorita": "giudice_tutelare",
            "provvedimento_id": ordine_id,
            "sintesi": "La signora è seguita a domicilio; l'amministratore è attivo",
        },
        "RelazioneInviata",
        default_basis="PROVV_AG",
        status=201,
    )
    act(
        "questionari",
        {"momento": "ex_post", "risposte": [4, 5, 4, 5], "commento": "Molto soddisfatta"},
        "QuestionarioRaccolto",
        status=201,
    )
    closed = act(
        "chiusura",
        {
            "motivo": "obiettivi_raggiunti",
            "restituzione": "Colloquio di restituzione con la signora e il figlio",
        },
        "CasoChiuso",
    )

    # -- the closed case ------------------------------------------------------------------
    final = client.get(path, headers=anziani)
    assert final.headers["ETag"] == f'W/"{version}"'
    state = _ok(final)
    assert state["stato"] == "chiuso"
    assert state["versione"] == version == closed["versione"] == len(expected)
    assert state["scadenze"] == []
    assert (state["origine"], state["domanda_id"]) == ("inoltro", domanda["id"])
    assert state["assistente_sociale"] == "as.anziani"
    assert (state["valutazioni"], state["contratto"], state["progetto"]) == (1, True, True)
    assert state["rappresentante_legale"] is True
    assert state["segnalazioni"] == 1
    assert state["revisione_entro"] == revisione.isoformat()
    assert state["provvedimenti"] == [
        {
            "id": ordine_id,
            "relazione_entro": relazione_entro.isoformat(),
            "relazione_inviata": True,
        }
    ]
    (only,) = state["interventi"]
    assert only["id"] == intervento_id
    assert (only["prestazione"], only["risorsa_id"]) == ("A2.07", risorsa["id"])
    assert (only["verificato"], only["concluso"]) == (True, True)
    persona_id = state["persona"]["persona_id"]
    assert (state["persona"]["nome"], state["persona"]["cognome"]) == ("Maria", "Rossi")

    # -- the timeline, read back ----------------------------------------------------------
    storia = _ok(client.get(f"{path}/storia", headers=coordinatore))
    assert (storia["id"], storia["versione"]) == (caso_id, version)
    items = storia["items"]
    assert [item["tipo"] for item in items] == [e.tipo for e in expected]
    assert [item["versione"] for item in items] == list(range(1, len(expected) + 1))
    recorded_at: list[datetime] = []
    for item, wanted in zip(items, expected, strict=True):
        label = f"{wanted.tipo} (v{item['versione']})"
        assert item["attore"]["utente"] == wanted.utente, label
        assert item["attore"]["ruolo"] == wanted.ruolo, label
        assert item["base_giuridica"] == wanted.base_giuridica, label
        assert item["fonte"] == wanted.fonte, label
        if wanted.occurred_at is not None:
            assert datetime.fromisoformat(item["occurred_at"]) == wanted.occurred_at, label
        assert item["recorded_at"] is not None, label
        recorded_at.append(datetime.fromisoformat(item["recorded_at"]))
        if wanted.utente != "sistema":
            assert item["attore"]["comune"] == "E094", label
    assert recorded_at == sorted(recorded_at)
    occurred = [datetime.fromisoformat(item["occurred_at"]) for item in items]
    assert occurred == sorted(occurred)
    assert all(moment <= stamp for moment, stamp in zip(occurred, recorded_at, strict=True))

    opened = items[0]["dati"]
    assert opened["domanda_id"] == domanda["id"]
    assert opened["persona_id"] == persona_id
    assert opened["motivo"] == "Valutazione per l'assistenza domiciliare"
    by_type = {item["tipo"]: item["dati"] for item in items}
    assert by_type["ValutazioneRettificata"]["valutazione_event_id"] == valutazione["creato"]
    assert by_type["ValutazioneEffettuata"]["sina"]["necessita_interventi_sociali"] == ["A2.07"]
    assert by_type["ProgettoDefinito"]["professionisti"] == ["educatore"]
    assert by_type["InterventoAttivato"]["risorsa_id"] == risorsa["id"]
    assert by_type["InterventoAttivato"]["importo"] == "1200.00"
    assert by_type["SegnalazioneTribunale"]["richiesta"] == "amministratore_sostegno"
    assert by_type["RappresentanteLegaleRegistrato"]["provvedimento_id"] == ordine_id
    assert by_type["RelazioneInviata"]["provvedimento_id"] == ordine_id
    assert by_type["CasoChiuso"]["restituzione"] == (
        "Colloquio di restituzione con la signora e il figlio"
    )
    questionari = [
        item["dati"]["momento"] for item in items if item["tipo"] == "QuestionarioRaccolto"
    ]
    assert questionari == ["ex_ante", "ex_post"]

    # the same events as the casework ledger holds them, in the same order
    raw = _ledger_events(runtime.district.ledger("casework"), UUID(caso_id))
    assert [event.event_type for event in raw] == [item["tipo"] for item in items]
    assert [event.originator_version for event in raw] == [item["versione"] for item in items]
    for event, item in zip(raw, items, strict=True):
        assert event.occurred_at == datetime.fromisoformat(item["occurred_at"])
        assert event.recorded_at == datetime.fromisoformat(item["recorded_at"])
        assert event.legal_basis == item["base_giuridica"]
        assert event.actor.user == item["attore"]["utente"]
        assert event.source == item["fonte"]
    intake_events = list(runtime.district.ledger("intake").recorder.select_notifications(1, 100))
    (handover,) = [
        runtime.district.ledger("intake").mapper.to_domain_event(n)
        for n in intake_events
        if n.topic == "DomandaInoltrata"
    ]
    assert raw[0].causation_id == handover.event_id
    assert raw[0].correlation_id == handover.correlation_id

    # -- the coordinator reopens it -------------------------------------------------------
    reopened_at = clock.next()
    reopened = _ok(
        client.post(
            f"{CASEWORK}/casi",
            json={
                "comune": "E094",
                "area_utenza": "ELD",
                "origine": "emergenza",
                "motivo": "Nuova caduta in casa, l'amministratore chiede aiuto",
                "urgente": True,
                "caso_precedente_id": caso_id,
                "occurred_at": reopened_at.isoformat(),
            },
            headers=coordinatore,
        ),
        201,
    )
    assert reopened["id"] != caso_id
    assert reopened["versione"] == 1
    second = _ok(client.get(f"{CASEWORK}/casi/{reopened['id']}", headers=coordinatore))
    assert second["stato"] == "in_attesa"
    assert (second["origine"], second["urgente"]) == ("emergenza", True)
    assert second["caso_precedente_id"] == caso_id
    assert second["domanda_id"] is None
    assert second["assistente_sociale"] is None
    assert second["persona"]["persona_id"] == persona_id
    assert (second["persona"]["nome"], second["persona"]["cognome"]) == ("Maria", "Rossi")
    assert second["persona"]["codice_fiscale"] == "RSSMRA40A41E094R"
    assert second["scadenze"] == []
    (reopening,) = _ok(
        client.get(f"{CASEWORK}/casi/{reopened['id']}/storia", headers=coordinatore)
    )["items"]
    assert reopening["tipo"] == "CasoAperto"
    assert (reopening["attore"]["utente"], reopening["attore"]["ruolo"]) == (
        "coordinatore",
        "coordinatore",
    )
    assert (reopening["base_giuridica"], reopening["fonte"]) == ("L328_ART22", "api")
    assert datetime.fromisoformat(reopening["occurred_at"]) == reopened_at
    assert reopening["dati"]["caso_precedente_id"] == caso_id
    assert reopening["dati"]["persona_id"] == persona_id

    # the queue holds the reopened case; the closed one stays closed, untouched
    queue = _ok(
        client.get(
            f"{CASEWORK}/casi/in-attesa",
            params={"attendi_posizione": reopened["posizione"]},
            headers=coordinatore,
        )
    )
    (row,) = [item for item in queue["items"] if item["id"] == reopened["id"]]
    assert (row["caso_precedente_id"], row["persona_id"]) == (caso_id, persona_id)
    assert _ok(client.get(path, headers=anziani))["versione"] == version


def test_a_full_lifecycle_reads_back_in_order_with_actor_times_and_legal_basis(
    client: TestClient, runtime: Runtime
) -> None:
    """The assignment sent without a time (recorded at the server's clock): the acts after
    it are dated at the time they are sent."""
    _lifecycle(client, runtime, dated_assignment=False)


def test_a_full_lifecycle_with_every_act_dated_in_the_past(
    client: TestClient, runtime: Runtime
) -> None:
    """Every act dated explicitly, the assignment too, minutes apart in the past."""
    _lifecycle(client, runtime, dated_assignment=True)


def _case_in_charge(client: TestClient) -> tuple[str, dict[str, str]]:
    """A case opened in an emergency, assigned and taken in charge; its path and the
    assignee's headers."""
    coordinatore = bearer(token(client, "coordinatore"))
    anziani = bearer(token(client, "as.anziani"))
    opened = _ok(
        client.post(
            f"{CASEWORK}/casi",
            json={
                "comune": "E094",
                "area_utenza": "ELD",
                "origine": "emergenza",
                "motivo": "Anziana sola dopo una caduta",
                "persona": CONTRACT_BODY["persona"],
            },
            headers=coordinatore,
        ),
        201,
    )
    path = f"{CASEWORK}/casi/{opened['id']}"
    _ok(
        client.post(
            f"{path}/assegnazione", json={"assistente_sociale": "as.anziani"}, headers=coordinatore
        )
    )
    _ok(client.post(f"{path}/presa-in-carico", json={}, headers=anziani))
    return path, anziani


REPORT = {
    "autorita": "giudice_tutelare",
    "motivo": "Non è più in grado di gestire i propri interessi economici",
    "richiesta": "amministratore_sostegno",
}


def test_a_court_report_without_a_legal_basis_is_refused(client: TestClient) -> None:
    path, anziani = _case_in_charge(client)
    for basis in ({}, {"base_giuridica": "   "}, {"base_giuridica": "NESSUNA"}):
        refused = client.post(f"{path}/segnalazioni", json={**REPORT, **basis}, headers=anziani)
        assert refused.status_code == 422, refused.text
        assert [e["campo"] for e in refused.json()["errori"]] == ["body.base_giuridica"]
    assert _ok(client.get(path, headers=anziani))["segnalazioni"] == 0


def test_a_court_report_with_an_empty_legal_basis_is_refused(client: TestClient) -> None:
    path, anziani = _case_in_charge(client)
    refused = client.post(
        f"{path}/segnalazioni", json={**REPORT, "base_giuridica": ""}, headers=anziani
    )
    assert refused.status_code == 422, refused.text
    assert _ok(client.get(path, headers=anziani))["segnalazioni"] == 0
