"""The intake issue's acceptance over HTTP (in process, real SQLite): what the Segretariato
sociale does with a request, and its desks.

- Every action recorded through its endpoint (status, ETag, ledger position, the event with
  its actor and legal basis L328_ART22), desks and their hours set by an amministratore.
- Refusals that record nothing: 422 naming the field (never echoing the value) for every
  kind of bad input, 404 for unknown ids and requests outside the caller's comuni, 409 for
  an action the request's state forbids (the domain rules, a dismissed resource, opening
  hours, public holidays, double booking), 412 for a stale ``If-Match``, 403 by role.
- Acceptance 2: operators acting on one request at once never lose an update, and the
  ledger shows exactly what happened (contiguous versions; one winner per ``If-Match``;
  one booking per worker's slot).
- Acceptances 3 and 4: the request's history lists every event with actor, time and legal
  basis (the hand-over with area and reason); it is read by the operators of its comune
  and by coordinators, each read recorded first; after an erasure its personal fields
  read as null.

Refusals share one district per module (``world``); tests that write have their own.
Appointments are booked on the next working day that is not a public holiday, between the
demo desk's hours (Monday to Friday, 08:00-18:00, Europe/Rome).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from services.intake.application import IntakeApplication
from services.intake.domain import Domanda, agenda_id
from services.runtime import Runtime, create_app
from shared import codes
from shared.calendar import deadline, is_public_holiday, is_working_day
from shared.events import Actor, CommandContext, acting
from shared.events import intake as events
from shared.events.access import DatiPersonaliLetti
from shared.events.envelope import LedgerEvent
from tests.support.runtime import CONTRACT_BODY, bearer, open_demo_runtime, token

API = "/api/intake"
NETWORK = "/api/network"
ROME = ZoneInfo("Europe/Rome")
LEGAL_BASIS = "L328_ART22"
SECRET = "Zanzibar-7Q"
"""A distinctive submitted value that no response may echo."""

WEEKDAYS_8_TO_18 = {
    "fasce": [{"giorno": day, "dalle": "08:00", "alle": "18:00"} for day in range(5)]
}
OTHER_COMUNE_USER = "operatore.bussero"
USERS = (
    "operatore",
    "coordinatore",
    "admin",
    "ufficio.piano",
    "as.minori",
    "as.anziani",
    OTHER_COMUNE_USER,
)


# -- dates ---------------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(ROME).date()


def _next_day(accept: Callable[[date], bool], after: date | None = None) -> date:
    day = (after or _today()) + timedelta(days=1)
    while not accept(day):
        day += timedelta(days=1)
    return day


def _next_working_day(after: date | None = None) -> date:
    """After today (or ``after``): Monday to Friday, not a public holiday."""
    return _next_day(is_working_day, after)


def _next_weekday_holiday() -> date:
    """The next public holiday from Monday to Friday: inside the desk's weekly hours."""
    return _next_day(lambda day: day.weekday() < 5 and is_public_holiday(day))


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), ROME).isoformat()


# -- the ledger ----------------------------------------------------------------------------


def _intake(runtime: Runtime) -> IntakeApplication:
    assert runtime.intake is not None
    return runtime.intake


def _position(runtime: Runtime) -> int:
    return runtime.district.ledger("intake").recorder.max_notification_id() or 0


def _events(runtime: Runtime, aggregate_id: str | UUID) -> list[LedgerEvent]:
    found = list(_intake(runtime).events.get(UUID(str(aggregate_id))))
    assert all(isinstance(event, LedgerEvent) for event in found)
    return [event for event in found if isinstance(event, LedgerEvent)]


def _since(runtime: Runtime, position: int) -> list[LedgerEvent]:
    """Every event the intake ledger recorded after ``position``, in order."""
    recorder = runtime.district.ledger("intake").recorder
    notifications = recorder.select_notifications(position + 1, 1000)
    found = [_intake(runtime).mapper.to_domain_event(n) for n in notifications]
    return [event for event in found if isinstance(event, LedgerEvent)]


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"] == "dati non validi"
    return [error["campo"] for error in body["errori"]]


def _assert_acted(
    runtime: Runtime,
    response: Any,
    domanda_id: str,
    kind: type[LedgerEvent],
    *,
    status: int = 200,
    user: str = "operatore",
    role: str = "operatore",
) -> LedgerEvent:
    """The action answered with the request's new version (body and ETag) and the ledger
    position it reached, and recorded ``kind`` as the request's last event, by ``user``, on
    L. 328/2000 art. 22, from the API."""
    assert response.status_code == status, response.text
    body = response.json()
    recorded = _events(runtime, domanda_id)
    assert body["id"] == domanda_id
    assert body["versione"] == len(recorded)
    assert response.headers["ETag"] == f'W/"{len(recorded)}"'
    assert body["posizione"] == _position(runtime)
    event = recorded[-1]
    assert isinstance(event, kind)
    assert event.originator_version == len(recorded)
    assert (event.actor.user, event.actor.role, event.actor.comune) == (user, role, "E094")
    assert event.legal_basis == LEGAL_BASIS
    assert event.source == "api"
    return event


def _domanda_body(**overrides: Any) -> dict[str, Any]:
    """The runtime contract's request, with a residence in Gorgonzola."""
    body: dict[str, Any] = json.loads(json.dumps(CONTRACT_BODY))
    body["persona"]["residenza"] = {
        "paese": 380,
        "comune_istat": "015108",
        "indirizzo": "Via Roma 1",
    }
    body.update(overrides)
    return body


def _persona(**overrides: Any) -> dict[str, Any]:
    return {**_domanda_body()["persona"], **overrides}


# -- a district of one's own ---------------------------------------------------------------


@dataclass
class District:
    runtime: Runtime
    client: TestClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_(self, user: str) -> dict[str, str]:
        if user not in self.headers:
            self.headers[user] = bearer(token(self.client, user))
        return self.headers[user]

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        user: str = "operatore",
        if_match: str | None = None,
    ) -> Any:
        headers = dict(self.as_(user))
        if if_match is not None:
            headers["If-Match"] = if_match
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
        return self.client.request(method, API + path, **kwargs)

    def post(self, path: str, body: Any, user: str = "operatore", **kwargs: Any) -> Any:
        return self.send("POST", path, body, user, **kwargs)

    def domanda(self, user: str = "operatore", **overrides: Any) -> str:
        created = self.post("/domande", _domanda_body(**overrides), user)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def sportello(self, comune: str = "E094", hours: dict[str, Any] = WEEKDAYS_8_TO_18) -> str:
        created = self.post("/sportelli", {"comune": comune, "nome": "Sportello"}, "admin")
        assert created.status_code == 201, created.text
        sportello_id = str(created.json()["id"])
        defined = self.send("PUT", f"/sportelli/{sportello_id}/orari", hours, "admin")
        assert defined.status_code == 200, defined.text
        return sportello_id

    def risorsa(self, nome: str = "Cooperativa Arcobaleno", dismessa: bool = False) -> str:
        """A resource of the network directory, once the directory's projection has it."""
        planner = self.as_("ufficio.piano")
        created = self.client.post(
            f"{NETWORK}/risorse",
            json={"nome": nome, "tipo": "cooperativa_sociale", "comuni": ["E094"], "aree": ["ELD"]},
            headers=planner,
        )
        assert created.status_code == 201, created.text
        risorsa_id = str(created.json()["id"])
        position = created.json()["posizione"]
        if dismessa:
            dismissed = self.client.post(
                f"{NETWORK}/risorse/{risorsa_id}/dismissione",
                json={"motivo": "cessata attività"},
                headers=planner,
            )
            assert dismissed.status_code == 200, dismissed.text
            position = dismissed.json()["posizione"]
        assert self.runtime.network_queries is not None
        assert self.runtime.network_queries.directory_feed.wait_for("network", position, 5)
        return risorsa_id

    def appuntamento(
        self,
        domanda_id: str,
        sportello_id: str,
        day: date,
        hour: int,
        minute: int = 0,
        con: str = "as.anziani",
    ) -> str:
        booked = self.post(
            f"/domande/{domanda_id}/appuntamenti",
            _appuntamento(day, hour, minute, con=con, sportello_id=sportello_id),
        )
        assert booked.status_code == 201, booked.text
        return str(booked.json()["creato"])


def _appuntamento(
    day: date, hour: int, minute: int = 0, length: int = 30, **overrides: Any
) -> dict[str, Any]:
    start = datetime.combine(day, time(hour, minute), ROME)
    body: dict[str, Any] = {
        "inizio": start.isoformat(),
        "fine": (start + timedelta(minutes=length)).isoformat(),
        "con": "as.anziani",
    }
    body.update(overrides)
    return body


def _add_other_comune_operator(runtime: Runtime) -> None:
    """An operator of Bussero only: the requests of Gorgonzola are outside their scope."""
    runtime.identity.add_user(
        OTHER_COMUNE_USER,
        "demo",
        role="operatore",
        codice_fiscale="BNCLCU85C01B292Z",
        nome="Luca Bianchi",
        comuni=("B292",),
        demo=True,
        actor="test",
    )


def _book_started(runtime: Runtime, domanda_id: str, sportello_id: str, con: str) -> str:
    """An appointment that began an hour ago. The API books only future ones, so this one is
    recorded through the domain, as it was when booked."""
    intake = _intake(runtime)
    domanda: object = intake.repository.get(UUID(domanda_id))
    assert isinstance(domanda, Domanda)
    start = datetime.now(ROME).replace(microsecond=0) - timedelta(hours=1)
    appuntamento_id = uuid4()
    context = CommandContext(
        actor=Actor(user="operatore", role="operatore", comune="E094"),
        legal_basis=LEGAL_BASIS,
        source="api",
    )
    with acting(context):
        domanda.fissa_appuntamento(
            appuntamento_id, start, start + timedelta(minutes=30), con, UUID(sportello_id)
        )
    intake.save(domanda)
    return str(appuntamento_id)


@pytest.fixture
def district(tmp_path: Path) -> Iterator[District]:
    runtime = open_demo_runtime(tmp_path)
    with TestClient(create_app(runtime)) as client:
        yield District(runtime, client)


@pytest.fixture
def sportello(district: District) -> str:
    return district.sportello()


@pytest.fixture
def giorno() -> date:
    return _next_working_day()


# -- every action: recorded, with its actor, legal basis and position ----------------------


def test_a_desk_is_created_and_given_hours_by_an_amministratore(district: District) -> None:
    runtime = district.runtime
    created = district.post(
        "/sportelli", {"comune": "B292", "nome": "Sportello di Bussero"}, "admin"
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == f"{API}/sportelli?comune=B292"
    assert created.headers["ETag"] == 'W/"1"'
    assert (body["versione"], body["posizione"]) == (1, _position(runtime))
    (istituito,) = _events(runtime, body["id"])
    assert isinstance(istituito, events.SportelloIstituito)
    assert (istituito.comune, istituito.nome) == ("B292", "Sportello di Bussero")
    assert (istituito.actor.user, istituito.actor.role, istituito.actor.comune) == (
        "admin",
        "amministratore",
        "B292",
    )
    assert istituito.legal_basis == LEGAL_BASIS

    hours: dict[str, list[dict[str, Any]]] = {
        "fasce": [
            {"giorno": 0, "dalle": "09:00", "alle": "12:30"},
            {"giorno": 2, "dalle": "09:00", "alle": "12:30"},
            {"giorno": 4, "dalle": "09:00", "alle": "12:30"},
            {"giorno": 1, "dalle": "14:00", "alle": "17:00"},
            {"giorno": 3, "dalle": "14:00", "alle": "17:00"},
        ]
    }
    defined = district.send(
        "PUT", f"/sportelli/{body['id']}/orari", hours, "admin", if_match='W/"1"'
    )
    assert defined.status_code == 200, defined.text
    assert defined.headers["ETag"] == 'W/"2"'
    assert "Location" not in defined.headers
    assert (defined.json()["versione"], defined.json()["posizione"]) == (2, _position(runtime))
    orari = _events(runtime, body["id"])[-1]
    assert isinstance(orari, events.OrariSportelloDefiniti)
    assert [(f.giorno, f.dalle, f.alle) for f in orari.fasce] == [
        (f["giorno"], time.fromisoformat(f["dalle"]), time.fromisoformat(f["alle"]))
        for f in hours["fasce"]
    ]
    assert orari.actor.user == "admin"


def test_information_given_is_recorded(district: District) -> None:
    domanda_id = district.domanda()
    answered = district.post(
        f"/domande/{domanda_id}/informazioni",
        {"servizi": ["SAD", "pasti a domicilio"], "note": "Criteri ISEE spiegati"},
        if_match='W/"1"',
    )
    event = _assert_acted(district.runtime, answered, domanda_id, events.InformazioniFornite)
    assert isinstance(event, events.InformazioniFornite)
    assert ([s.nome for s in event.servizi], event.note) == (
        ["SAD", "pasti a domicilio"],
        "Criteri ISEE spiegati",
    )
    assert answered.json()["creato"] is None


def test_an_orientation_to_an_active_resource_is_recorded(district: District) -> None:
    risorsa_id = district.risorsa()
    domanda_id = district.domanda()
    oriented = district.post(
        f"/domande/{domanda_id}/orientamenti",
        {"risorsa_id": risorsa_id, "motivazione": "Centro diurno vicino a casa"},
    )
    event = _assert_acted(district.runtime, oriented, domanda_id, events.DomandaOrientata)
    assert isinstance(event, events.DomandaOrientata)
    assert (event.risorsa_id, event.motivazione) == (
        UUID(risorsa_id),
        "Centro diurno vicino a casa",
    )


def test_an_appointment_is_booked_in_the_request_and_in_the_workers_agenda(
    district: District, sportello: str, giorno: date
) -> None:
    runtime = district.runtime
    domanda_id = district.domanda()
    body = _appuntamento(giorno, 10, sportello_id=sportello)
    booked = district.post(f"/domande/{domanda_id}/appuntamenti", body, if_match='W/"1"')
    event = _assert_acted(runtime, booked, domanda_id, events.AppuntamentoFissato, status=201)
    assert isinstance(event, events.AppuntamentoFissato)
    assert "Location" not in booked.headers  # the appointment lives in the request's history
    appuntamento_id = UUID(booked.json()["creato"])
    assert event.appuntamento_id == appuntamento_id
    assert (event.inizio, event.fine) == (
        datetime.fromisoformat(body["inizio"]),
        datetime.fromisoformat(body["fine"]),
    )
    assert (event.con, event.sportello_id) == ("as.anziani", UUID(sportello))
    opened, occupied = _events(runtime, agenda_id("as.anziani", giorno))
    assert isinstance(opened, events.AgendaAperta)
    assert (opened.utente, opened.giorno) == ("as.anziani", giorno)
    assert isinstance(occupied, events.FasciaAgendaOccupata)
    assert (occupied.appuntamento_id, occupied.domanda_id) == (appuntamento_id, UUID(domanda_id))
    assert occupied.actor.user == "operatore"
    assert occupied.legal_basis == LEGAL_BASIS


def test_an_appointment_given_in_utc_is_judged_in_rome_time(
    district: District, sportello: str, giorno: date
) -> None:
    """17:30 in Rome is 16:30 UTC (15:30 in summer): inside the hours whatever the offset."""
    domanda_id = district.domanda()
    start = datetime.combine(giorno, time(17, 30), ROME).astimezone(UTC)
    booked = district.post(
        f"/domande/{domanda_id}/appuntamenti",
        {
            "inizio": start.isoformat(),
            "fine": (start + timedelta(minutes=30)).isoformat(),
            "con": "operatore",
            "sportello_id": sportello,
        },
    )
    assert booked.status_code == 201, booked.text
    late = datetime.combine(giorno, time(17, 45), ROME).astimezone(UTC)
    refused = district.post(
        f"/domande/{domanda_id}/appuntamenti",
        {
            "inizio": late.isoformat(),
            "fine": (late + timedelta(minutes=30)).isoformat(),
            "con": "as.anziani",
            "sportello_id": sportello,
        },
    )
    assert refused.status_code == 409, refused.text
    assert "orario di apertura" in refused.json()["detail"]


def test_appointments_are_with_active_operators_and_social_workers_only(
    district: District, sportello: str, giorno: date
) -> None:
    domanda_id = district.domanda()
    district.runtime.identity.set_user_active("as.minori", False, actor="test")
    before = _position(district.runtime)
    refused = district.post(
        f"/domande/{domanda_id}/appuntamenti",
        _appuntamento(giorno, 10, con="as.minori", sportello_id=sportello),
    )
    assert _fields(refused) == ["body.con"]
    assert _position(district.runtime) == before
    for con in ("coordinatore", "operatore", "as.anziani"):
        booked = district.post(
            f"/domande/{domanda_id}/appuntamenti",
            _appuntamento(giorno, 10, con=con, sportello_id=sportello),
        )
        expected = 422 if con == "coordinatore" else 201
        assert booked.status_code == expected, (con, booked.text)


def test_a_cancelled_appointment_frees_the_workers_slot(
    district: District, sportello: str, giorno: date
) -> None:
    runtime = district.runtime
    first, second = district.domanda(), district.domanda()
    appuntamento_id = district.appuntamento(first, sportello, giorno, 11)
    taken = district.post(
        f"/domande/{second}/appuntamenti", _appuntamento(giorno, 11, sportello_id=sportello)
    )
    assert taken.status_code == 409, taken.text
    cancelled = district.post(
        f"/domande/{first}/appuntamenti/{appuntamento_id}/annullamento",
        {"motivo": "La persona è ricoverata"},
        if_match='W/"2"',
    )
    event = _assert_acted(runtime, cancelled, first, events.AppuntamentoAnnullato)
    assert isinstance(event, events.AppuntamentoAnnullato)
    assert (event.appuntamento_id, event.motivo) == (
        UUID(appuntamento_id),
        "La persona è ricoverata",
    )
    freed = _events(runtime, agenda_id("as.anziani", giorno))[-1]
    assert isinstance(freed, events.FasciaAgendaLiberata)
    assert freed.appuntamento_id == UUID(appuntamento_id)
    assert cancelled.json()["posizione"] == _position(runtime)
    again = district.post(
        f"/domande/{second}/appuntamenti", _appuntamento(giorno, 11, sportello_id=sportello)
    )
    assert again.status_code == 201, again.text


@pytest.mark.parametrize(
    ("esito", "kind"),
    [("svolto", events.AppuntamentoSvolto), ("mancato", events.AppuntamentoMancato)],
)
def test_a_started_appointment_is_recorded_held_or_missed(
    district: District, sportello: str, esito: str, kind: type[LedgerEvent]
) -> None:
    domanda_id = district.domanda()
    appuntamento_id = _book_started(district.runtime, domanda_id, sportello, "as.anziani")
    recorded = district.post(
        f"/domande/{domanda_id}/appuntamenti/{appuntamento_id}/esito",
        {"esito": esito},
        if_match='W/"2"',
    )
    event = _assert_acted(district.runtime, recorded, domanda_id, kind)
    assert getattr(event, "appuntamento_id") == UUID(appuntamento_id)  # noqa: B009
    history = district.send("GET", f"/domande/{domanda_id}/storia").json()["items"]
    assert [item["tipo"] for item in history][-2:] == ["AppuntamentoFissato", kind.event_type]


@pytest.mark.parametrize("tipo", ["ATTESTAZIONE", "BUONI_SPESA", "SAD", "CONTRIBUTO_ECONOMICO"])
def test_an_application_is_opened_with_its_deadline_by_type(district: District, tipo: str) -> None:
    domanda_id = district.domanda()
    opened = district.post(
        f"/domande/{domanda_id}/istanze", {"tipo": tipo, "protocollo": "PROT-2026-0042"}
    )
    event = _assert_acted(district.runtime, opened, domanda_id, events.IstanzaIstruita, status=201)
    assert isinstance(event, events.IstanzaIstruita)
    assert "Location" not in opened.headers
    found = codes.application_types()[tipo]
    assert event.istanza_id == UUID(opened.json()["creato"])
    assert (event.tipo, event.prestazione, event.protocollo) == (
        tipo,
        found.prestazione,
        "PROT-2026-0042",
    )
    assert event.scadenza == deadline(_today(), found.giorni, working=found.lavorativi)


def test_a_back_dated_application_counts_its_deadline_from_when_it_was_opened(
    district: District,
) -> None:
    received = datetime.now(ROME) - timedelta(days=20)
    opened_at = datetime.now(ROME) - timedelta(days=12)
    domanda_id = district.domanda(occurred_at=received.isoformat())
    opened = district.post(
        f"/domande/{domanda_id}/istanze",
        {"tipo": "PASTI_DOMICILIO", "protocollo": "P-7", "occurred_at": opened_at.isoformat()},
    )
    event = _assert_acted(district.runtime, opened, domanda_id, events.IstanzaIstruita, status=201)
    assert isinstance(event, events.IstanzaIstruita)
    assert event.occurred_at == opened_at
    assert event.scadenza == deadline(opened_at.date(), 7, working=True)


def test_an_application_is_completed(district: District) -> None:
    domanda_id = district.domanda()
    opened = district.post(f"/domande/{domanda_id}/istanze", {"tipo": "SAD", "protocollo": "P-1"})
    istanza_id = opened.json()["creato"]
    completed = district.post(
        f"/domande/{domanda_id}/istanze/{istanza_id}/completamento", {}, if_match='W/"2"'
    )
    event = _assert_acted(district.runtime, completed, domanda_id, events.IstanzaCompletata)
    assert isinstance(event, events.IstanzaCompletata)
    assert event.istanza_id == UUID(istanza_id)
    assert abs(event.completata_il - event.occurred_at) < timedelta(seconds=5)


def test_a_hand_over_is_recorded_with_area_and_reason(district: District) -> None:
    domanda_id = district.domanda()
    handed = district.post(
        f"/domande/{domanda_id}/inoltro",
        {
            "area_utenza": "DIS",
            "motivo": "Serve una valutazione multidimensionale",
            "urgente": True,
        },
    )
    event = _assert_acted(district.runtime, handed, domanda_id, events.DomandaInoltrata)
    assert isinstance(event, events.DomandaInoltrata)
    assert (event.area_utenza, event.motivo, event.urgente) == (
        "DIS",
        "Serve una valutazione multidimensionale",
        True,
    )
    assert (event.profilo.area, event.profilo.comune) == ("DIS", "E094")


def test_a_request_is_closed_with_its_outcome(district: District) -> None:
    domanda_id = district.domanda()
    district.post(f"/domande/{domanda_id}/informazioni", {"servizi": ["SAD"]})
    closed = district.post(
        f"/domande/{domanda_id}/chiusura",
        {"esito": "informata", "nota": "Richiamerà a gennaio"},
        if_match='W/"2"',
    )
    event = _assert_acted(district.runtime, closed, domanda_id, events.DomandaChiusa)
    assert isinstance(event, events.DomandaChiusa)
    assert (event.esito, event.nota) == ("informata", "Richiamerà a gennaio")


def test_an_action_records_the_time_and_legal_basis_it_is_given(district: District) -> None:
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    domanda_id = district.domanda(occurred_at=received.isoformat())
    when = received + timedelta(days=1)
    answered = district.post(
        f"/domande/{domanda_id}/informazioni",
        {"servizi": ["SAD"], "occurred_at": when.isoformat(), "base_giuridica": "GDPR_9_2_G"},
    )
    assert answered.status_code == 200, answered.text
    event = _events(district.runtime, domanda_id)[-1]
    assert (event.occurred_at, event.legal_basis) == (when, "GDPR_9_2_G")
    # an act dated exactly at the last one is not "before" it
    same = district.post(
        f"/domande/{domanda_id}/informazioni", {"servizi": ["ADI"], "occurred_at": when.isoformat()}
    )
    assert same.status_code == 200, same.text


def test_a_coordinator_and_a_social_worker_of_the_area_act_too(district: District) -> None:
    domanda_id = district.domanda()
    by_coordinator = district.post(
        f"/domande/{domanda_id}/informazioni", {"servizi": ["SAD"]}, "coordinatore"
    )
    _assert_acted(
        district.runtime,
        by_coordinator,
        domanda_id,
        events.InformazioniFornite,
        user="coordinatore",
        role="coordinatore",
    )
    by_social_worker = district.post(
        f"/domande/{domanda_id}/informazioni", {"servizi": ["ADI"]}, "as.anziani"
    )
    _assert_acted(
        district.runtime,
        by_social_worker,
        domanda_id,
        events.InformazioniFornite,
        user="as.anziani",
        role="assistente_sociale",
    )


def test_if_match_chains_through_a_request_s_whole_life(
    district: District, sportello: str, giorno: date
) -> None:
    """Each answer's ETag is the next command's If-Match; the read's ETag too."""
    risorsa_id = district.risorsa()
    domanda_id = district.domanda()
    etag = district.send("GET", f"/domande/{domanda_id}").headers["ETag"]
    assert etag == 'W/"1"'
    steps: list[tuple[str, dict[str, Any]]] = [
        ("/informazioni", {"servizi": ["SAD"]}),
        ("/orientamenti", {"risorsa_id": risorsa_id, "motivazione": "Centro diurno"}),
        ("/appuntamenti", _appuntamento(giorno, 9, sportello_id=sportello)),
        ("/istanze", {"tipo": "SAD", "protocollo": "P-1"}),
    ]
    created: list[str] = []
    for suffix, body in steps:
        answer = district.post(f"/domande/{domanda_id}{suffix}", body, if_match=etag)
        assert answer.status_code in (200, 201), (suffix, answer.text)
        if answer.json()["creato"]:
            created.append(answer.json()["creato"])
        assert answer.headers["ETag"] != etag
        etag = answer.headers["ETag"]
    appuntamento_id, istanza_id = created
    for suffix, body in [
        (f"/appuntamenti/{appuntamento_id}/annullamento", {"motivo": "rinuncia"}),
        (f"/istanze/{istanza_id}/completamento", {}),
        ("/inoltro", {"area_utenza": "ELD", "motivo": "Anziana sola"}),
        ("/chiusura", {"esito": "inviata"}),
    ]:
        answer = district.post(f"/domande/{domanda_id}{suffix}", body, if_match=etag)
        assert answer.status_code == 200, (suffix, answer.text)
        etag = answer.headers["ETag"]
    assert etag == 'W/"9"'
    assert district.send("GET", f"/domande/{domanda_id}").headers["ETag"] == etag
    assert district.send("GET", f"/domande/{domanda_id}/storia").headers["ETag"] == etag


def test_if_match_star_accepts_any_current_version(district: District) -> None:
    domanda_id = district.domanda()
    district.post(f"/domande/{domanda_id}/informazioni", {"servizi": ["SAD"]})
    answered = district.post(
        f"/domande/{domanda_id}/informazioni", {"servizi": ["ADI"]}, if_match="*"
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["versione"] == 3


# -- refusals that record nothing: one district for the module ----------------------------


@dataclass
class World:
    district: District
    ids: dict[str, str]

    @property
    def runtime(self) -> Runtime:
        return self.district.runtime

    def path(self, template: str) -> str:
        return template.format(**self.ids)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A desk open Monday to Friday 08:00-18:00; an active and a dismissed resource; and
    requests of Gorgonzola (ELD):

    - ``aperta``: an appointment booked with as.anziani on the next working day at 10:00, a
      cancelled one, a held one and a missed one; an open application and a completed one;
    - ``altra``: open, nothing done;
    - ``inoltrata``: handed over, still open;
    - ``chiusa``: informed and closed.
    """
    runtime = open_demo_runtime(tmp_path_factory.mktemp("intake"))
    _add_other_comune_operator(runtime)
    with TestClient(create_app(runtime)) as client:
        district = District(runtime, client)
        for user in USERS:
            district.as_(user)
        giorno = _next_working_day()
        sportello = district.sportello()
        attiva = district.risorsa()
        dismessa = district.risorsa("Gruppo chiuso", dismessa=True)
        aperta, altra, inoltrata, chiusa = (district.domanda() for _ in range(4))
        fissato = district.appuntamento(aperta, sportello, giorno, 10)
        annullato = district.appuntamento(aperta, sportello, giorno, 16)
        assert (
            district.post(
                f"/domande/{aperta}/appuntamenti/{annullato}/annullamento", {"motivo": "rinuncia"}
            ).status_code
            == 200
        )
        svolto = _book_started(runtime, aperta, sportello, "operatore")
        mancato = _book_started(runtime, aperta, sportello, "operatore")
        for appuntamento_id, esito in ((svolto, "svolto"), (mancato, "mancato")):
            assert (
                district.post(
                    f"/domande/{aperta}/appuntamenti/{appuntamento_id}/esito", {"esito": esito}
                ).status_code
                == 200
            )
        istanza, completata = (
            district.post(
                f"/domande/{aperta}/istanze", {"tipo": "SAD", "protocollo": "P-1"}
            ).json()["creato"]
            for _ in range(2)
        )
        assert (
            district.post(f"/domande/{aperta}/istanze/{completata}/completamento", {}).status_code
            == 200
        )
        assert (
            district.post(
                f"/domande/{inoltrata}/inoltro", {"area_utenza": "ELD", "motivo": "Anziana sola"}
            ).status_code
            == 200
        )
        district.post(f"/domande/{chiusa}/informazioni", {"servizi": ["SAD"]})
        assert (
            district.post(f"/domande/{chiusa}/chiusura", {"esito": "informata"}).status_code == 200
        )
        sabato = _next_day(lambda day: day.weekday() == 5)
        festivo = _next_weekday_holiday()
        ids = {
            "sportello": sportello,
            "attiva": attiva,
            "dismessa": dismessa,
            "aperta": aperta,
            "altra": altra,
            "inoltrata": inoltrata,
            "chiusa": chiusa,
            "fissato": fissato,
            "annullato": annullato,
            "svolto": svolto,
            "mancato": mancato,
            "istanza": istanza,
            "completata": completata,
            "ignota": str(uuid4()),
            # the booked appointment, a free slot, and slots outside the hours
            "occupato_inizio": _at(giorno, 10),
            "occupato_fine": _at(giorno, 10, 30),
            "sovrapposto_inizio": _at(giorno, 10, 15),
            "sovrapposto_fine": _at(giorno, 10, 45),
            "libero_inizio": _at(giorno, 14),
            "libero_fine": _at(giorno, 14, 30),
            "domani_libero_fine": _at(giorno + timedelta(days=1), 9),
            "sera_inizio": _at(giorno, 18),
            "sera_fine": _at(giorno, 18, 30),
            "presto_inizio": _at(giorno, 7, 45),
            "presto_fine": _at(giorno, 8, 15),
            "chiusura_inizio": _at(giorno, 17, 45),
            "chiusura_fine": _at(giorno, 18, 15),
            "sabato_inizio": _at(sabato, 10),
            "sabato_fine": _at(sabato, 10, 30),
            "domenica_inizio": _at(sabato + timedelta(days=1), 10),
            "domenica_fine": _at(sabato + timedelta(days=1), 10, 30),
            "festivo_inizio": _at(festivo, 10),
            "festivo_fine": _at(festivo, 10, 30),
            "ieri_inizio": _at(_today() - timedelta(days=1), 10),
            "ieri_fine": _at(_today() - timedelta(days=1), 10, 30),
            "senza_fuso": datetime.combine(giorno, time(14)).isoformat(),
        }
        yield World(district, ids)


def _fill(world: World, value: Any) -> Any:
    """A body with ``{name}`` placeholders replaced by the world's ids."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world.ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(world, item) for item in value]
    if isinstance(value, dict):
        return {key: _fill(world, item) for key, item in value.items()}
    return value


def _send(
    world: World,
    method: str,
    path: str,
    body: Any,
    user: str = "operatore",
    if_match: str | None = None,
) -> Any:
    return world.district.send(
        method, world.path(path), _fill(world, body), user, if_match=if_match
    )


def _slot(name: str = "libero", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "inizio": f"{{{name}_inizio}}",
        "fine": f"{{{name}_fine}}",
        "con": "as.anziani",
        "sportello_id": "{sportello}",
    }
    body.update(overrides)
    return body


def _registration(**persona: Any) -> dict[str, Any]:
    return _domanda_body(persona=_persona(**persona))


ACTIONS: list[tuple[str, str, dict[str, Any]]] = [
    # (name, path on a request, a valid body)
    ("informazioni", "/informazioni", {"servizi": ["SAD"]}),
    ("orientamenti", "/orientamenti", {"risorsa_id": "{attiva}", "motivazione": "Centro diurno"}),
    ("appuntamenti", "/appuntamenti", _slot()),
    ("esito", "/appuntamenti/{fissato}/esito", {"esito": "svolto"}),
    ("annullamento", "/appuntamenti/{fissato}/annullamento", {"motivo": "rinuncia"}),
    ("istanze", "/istanze", {"tipo": "SAD", "protocollo": "P-9"}),
    ("completamento", "/istanze/{istanza}/completamento", {}),
    ("inoltro", "/inoltro", {"area_utenza": "ELD", "motivo": "Anziana sola"}),
    ("chiusura", "/chiusura", {"esito": "non_di_competenza"}),
]

INVALID: list[tuple[str, str, str, Any, str]] = [
    # (case, method, path, body, field named)
    # -- the request's person and who presents it
    (
        "residenza in Italia senza comune ISTAT",
        "POST",
        "/domande",
        _registration(residenza={"paese": 380, "indirizzo": SECRET}),
        "body.persona.residenza.comune_istat",
    ),
    (
        "residenza in Italia con comune ISTAT nullo",
        "POST",
        "/domande",
        _registration(residenza={"paese": 380, "comune_istat": None, "indirizzo": SECRET}),
        "body.persona.residenza.comune_istat",
    ),
    (
        "codice ISTAT inesistente",
        "POST",
        "/domande",
        _registration(residenza={"paese": 380, "comune_istat": "999999"}),
        "body.persona.residenza.comune_istat",
    ),
    (
        "codice ISTAT malformato",
        "POST",
        "/domande",
        _registration(residenza={"paese": 380, "comune_istat": SECRET}),
        "body.persona.residenza.comune_istat",
    ),
    (
        "comune ISTAT per una residenza all'estero",
        "POST",
        "/domande",
        _registration(residenza={"paese": 250, "comune_istat": "015108"}),
        "body.persona.residenza.comune_istat",
    ),
    (
        "paese di residenza sconosciuto",
        "POST",
        "/domande",
        _registration(residenza={"paese": 999}),
        "body.persona.residenza.paese",
    ),
    (
        "cittadinanza sconosciuta",
        "POST",
        "/domande",
        _registration(cittadinanza=999),
        "body.persona.cittadinanza",
    ),
    (
        "luogo di nascita non Belfiore",
        "POST",
        "/domande",
        _registration(luogo_nascita=SECRET),
        "body.persona.luogo_nascita",
    ),
    ("sesso non ammesso", "POST", "/domande", _registration(sesso="X"), "body.persona.sesso"),
    (
        "nata nel futuro",
        "POST",
        "/domande",
        _registration(codice_fiscale=None, data_nascita="2999-01-01"),
        "body.persona.data_nascita",
    ),
    (
        "richiedente di tipo sconosciuto",
        "POST",
        "/domande",
        _domanda_body(richiedente={"tipo": SECRET}),
        "body.richiedente.tipo",
    ),
    (
        "richiedente, risorsa sconosciuta",
        "POST",
        "/domande",
        _domanda_body(richiedente={"tipo": "asl", "risorsa_id": "{ignota}"}),
        "body.richiedente.risorsa_id",
    ),
    (
        "richiedente, nome troppo lungo",
        "POST",
        "/domande",
        _domanda_body(richiedente={"tipo": "familiare", "nome": SECRET + "x" * 100}),
        "body.richiedente.nome",
    ),
    (
        "sportello sconosciuto",
        "POST",
        "/domande",
        _domanda_body(sportello_id="{ignota}"),
        "body.sportello_id",
    ),
    (
        "bisogno troppo lungo",
        "POST",
        "/domande",
        _domanda_body(bisogno=SECRET + "x" * 4000),
        "body.bisogno",
    ),
    # -- informazioni
    ("nessun servizio", "POST", "/domande/{aperta}/informazioni", {"servizi": []}, "body.servizi"),
    ("servizi mancanti", "POST", "/domande/{aperta}/informazioni", {}, "body.servizi"),
    (
        "servizio troppo lungo",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": [SECRET + "x" * 200]},
        "body.servizi.0",
    ),
    (
        "servizio vuoto",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD", "  "]},
        "body.servizi.1",
    ),
    (
        "troppi servizi",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD"] * 51},
        "body.servizi",
    ),
    (
        "nota troppo lunga",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD"], "note": SECRET + "x" * 4000},
        "body.note",
    ),
    (
        "base giuridica sconosciuta",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD"], "base_giuridica": SECRET},
        "body.base_giuridica",
    ),
    (
        "occurred_at nel futuro",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD"], "occurred_at": "2099-01-01T00:00:00+00:00"},
        "body.occurred_at",
    ),
    (
        "occurred_at prima dell'ultimo atto",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD"], "occurred_at": "2020-01-01T00:00:00+00:00"},
        "body.occurred_at",
    ),
    (
        "occurred_at senza fuso",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD"], "occurred_at": "2025-01-01T10:00:00"},
        "body.occurred_at",
    ),
    (
        "campo non previsto",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD"], SECRET: "x"},
        "body",
    ),
    (
        "domanda non identificativo",
        "POST",
        f"/domande/{SECRET}/informazioni",
        {"servizi": ["SAD"]},
        "path.domanda_id",
    ),
    # -- orientamenti
    (
        "risorsa sconosciuta",
        "POST",
        "/domande/{aperta}/orientamenti",
        {"risorsa_id": "{ignota}", "motivazione": "x"},
        "body.risorsa_id",
    ),
    (
        "risorsa non identificativo",
        "POST",
        "/domande/{aperta}/orientamenti",
        {"risorsa_id": SECRET, "motivazione": "x"},
        "body.risorsa_id",
    ),
    (
        "motivazione mancante",
        "POST",
        "/domande/{aperta}/orientamenti",
        {"risorsa_id": "{attiva}"},
        "body.motivazione",
    ),
    (
        "motivazione troppo lunga",
        "POST",
        "/domande/{aperta}/orientamenti",
        {"risorsa_id": "{attiva}", "motivazione": SECRET + "x" * 4000},
        "body.motivazione",
    ),
    (
        "orientamento prima dell'ultimo atto",
        "POST",
        "/domande/{aperta}/orientamenti",
        {"risorsa_id": "{attiva}", "motivazione": "x", "occurred_at": "2020-01-01T00:00:00Z"},
        "body.occurred_at",
    ),
    # -- appuntamenti
    (
        "fine prima dell'inizio",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(inizio="{libero_fine}", fine="{libero_inizio}"),
        "body.fine",
    ),
    (
        "fine uguale all'inizio",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(fine="{libero_inizio}"),
        "body.fine",
    ),
    (
        "appuntamento su due giorni",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(fine="{domani_libero_fine}"),
        "body.fine",
    ),
    (
        "appuntamento nel passato",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot("ieri"),
        "body.inizio",
    ),
    (
        "inizio senza fuso",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(inizio="{senza_fuso}"),
        "body.inizio",
    ),
    (
        "con un utente sconosciuto",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(con=SECRET),
        "body.con",
    ),
    (
        "con l'Ufficio di piano",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(con="ufficio.piano"),
        "body.con",
    ),
    (
        "con l'amministratore",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(con="admin"),
        "body.con",
    ),
    (
        "con, troppo lungo",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(con=SECRET + "x" * 200),
        "body.con",
    ),
    (
        "sportello sconosciuto",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(sportello_id="{ignota}"),
        "body.sportello_id",
    ),
    (
        "una domanda come sportello",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot(sportello_id="{altra}"),
        "body.sportello_id",
    ),
    (
        "sportello mancante",
        "POST",
        "/domande/{aperta}/appuntamenti",
        {"inizio": "{libero_inizio}", "fine": "{libero_fine}", "con": "as.anziani"},
        "body.sportello_id",
    ),
    # -- esito e annullamento
    (
        "esito non ammesso",
        "POST",
        "/domande/{aperta}/appuntamenti/{fissato}/esito",
        {"esito": SECRET},
        "body.esito",
    ),
    ("esito mancante", "POST", "/domande/{aperta}/appuntamenti/{fissato}/esito", {}, "body.esito"),
    (
        "appuntamento non identificativo",
        "POST",
        "/domande/{aperta}/appuntamenti/" + SECRET + "/esito",
        {"esito": "svolto"},
        "path.appuntamento_id",
    ),
    (
        "annullamento senza motivo",
        "POST",
        "/domande/{aperta}/appuntamenti/{fissato}/annullamento",
        {},
        "body.motivo",
    ),
    (
        "motivo dell'annullamento troppo lungo",
        "POST",
        "/domande/{aperta}/appuntamenti/{fissato}/annullamento",
        {"motivo": SECRET + "x" * 200},
        "body.motivo",
    ),
    # -- istanze
    (
        "tipo di istanza sconosciuto",
        "POST",
        "/domande/{aperta}/istanze",
        {"tipo": "TIPO_INESISTENTE", "protocollo": "P-1"},
        "body.tipo",
    ),
    (
        "tipo di istanza malformato",
        "POST",
        "/domande/{aperta}/istanze",
        {"tipo": SECRET, "protocollo": "P-1"},
        "body.tipo",
    ),
    (
        "protocollo mancante",
        "POST",
        "/domande/{aperta}/istanze",
        {"tipo": "SAD"},
        "body.protocollo",
    ),
    (
        "protocollo troppo lungo",
        "POST",
        "/domande/{aperta}/istanze",
        {"tipo": "SAD", "protocollo": SECRET + "x" * 32},
        "body.protocollo",
    ),
    (
        "istanza non identificativo",
        "POST",
        "/domande/{aperta}/istanze/" + SECRET + "/completamento",
        {},
        "path.istanza_id",
    ),
    (
        "completamento nel futuro",
        "POST",
        "/domande/{aperta}/istanze/{istanza}/completamento",
        {"occurred_at": "2099-01-01T00:00:00+00:00"},
        "body.occurred_at",
    ),
    (
        "completamento, base giuridica sconosciuta",
        "POST",
        "/domande/{aperta}/istanze/{istanza}/completamento",
        {"base_giuridica": SECRET},
        "body.base_giuridica",
    ),
    # -- inoltro e chiusura
    (
        "area sconosciuta",
        "POST",
        "/domande/{aperta}/inoltro",
        {"area_utenza": SECRET, "motivo": "x"},
        "body.area_utenza",
    ),
    (
        "inoltro senza motivo",
        "POST",
        "/domande/{aperta}/inoltro",
        {"area_utenza": "ELD"},
        "body.motivo",
    ),
    (
        "motivo dell'inoltro troppo lungo",
        "POST",
        "/domande/{aperta}/inoltro",
        {"area_utenza": "ELD", "motivo": SECRET + "x" * 4000},
        "body.motivo",
    ),
    (
        "urgenza non booleana",
        "POST",
        "/domande/{aperta}/inoltro",
        {"area_utenza": "ELD", "motivo": "x", "urgente": SECRET},
        "body.urgente",
    ),
    (
        "esito di chiusura non ammesso",
        "POST",
        "/domande/{aperta}/chiusura",
        {"esito": SECRET},
        "body.esito",
    ),
    (
        "nota di chiusura troppo lunga",
        "POST",
        "/domande/{aperta}/chiusura",
        {"esito": "informata", "nota": SECRET + "x" * 4000},
        "body.nota",
    ),
    (
        "chiusura nel futuro",
        "POST",
        "/domande/{aperta}/chiusura",
        {"esito": "informata", "occurred_at": "2099-01-01T00:00:00+00:00"},
        "body.occurred_at",
    ),
    # -- storia
    (
        "finalità sconosciuta",
        "GET",
        "/domande/{aperta}/storia?finalita=" + SECRET,
        None,
        "query.finalita",
    ),
    ("storia, id non valido", "GET", f"/domande/{SECRET}/storia", None, "path.domanda_id"),
]

DESK_INVALID: list[tuple[str, str, str, Any, str]] = [
    ("comune non Belfiore", "POST", "/sportelli", {"comune": SECRET, "nome": "S"}, "body.comune"),
    (
        "comune fuori distretto",
        "POST",
        "/sportelli",
        {"comune": "F205", "nome": "S"},
        "body.comune",
    ),
    ("nome mancante", "POST", "/sportelli", {"comune": "E094"}, "body.nome"),
    (
        "nome troppo lungo",
        "POST",
        "/sportelli",
        {"comune": "E094", "nome": SECRET + "x" * 200},
        "body.nome",
    ),
    (
        "giorno fuori settimana",
        "PUT",
        "/sportelli/{sportello}/orari",
        {"fasce": [{"giorno": 7, "dalle": "08:00", "alle": "12:00"}]},
        "body.fasce.0.giorno",
    ),
    (
        "ora non valida",
        "PUT",
        "/sportelli/{sportello}/orari",
        {"fasce": [{"giorno": 0, "dalle": SECRET, "alle": "12:00"}]},
        "body.fasce.0.dalle",
    ),
    ("fasce mancanti", "PUT", "/sportelli/{sportello}/orari", {}, "body.fasce"),
    (
        "troppe fasce",
        "PUT",
        "/sportelli/{sportello}/orari",
        {"fasce": [{"giorno": 0, "dalle": "08:00", "alle": "08:01"}] * 51},
        "body.fasce",
    ),
    (
        "sportello non identificativo",
        "PUT",
        f"/sportelli/{SECRET}/orari",
        WEEKDAYS_8_TO_18,
        "path.sportello_id",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_input_is_422_naming_the_field_never_echoing_it_and_records_nothing(
    world: World, method: str, path: str, body: Any, field: str
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, body)
    assert field in _fields(response)
    assert SECRET not in response.text
    assert _position(world.runtime) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [case[1:] for case in DESK_INVALID],
    ids=[case[0] for case in DESK_INVALID],
)
def test_invalid_desks_and_hours_are_422_naming_the_field(
    world: World, method: str, path: str, body: Any, field: str
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, body, "admin")
    assert field in _fields(response)
    assert SECRET not in response.text
    assert _position(world.runtime) == before


@pytest.mark.parametrize(
    ("path", "body"), [case[1:] for case in ACTIONS], ids=[case[0] for case in ACTIONS]
)
@pytest.mark.parametrize("if_match", ["v1", 'W/"uno"', 'W/"1", W/"2"', SECRET])
def test_a_malformed_if_match_is_422_on_the_header(
    world: World, path: str, body: dict[str, Any], if_match: str
) -> None:
    before = _position(world.runtime)
    response = _send(world, "POST", "/domande/{aperta}" + path, body, if_match=if_match)
    assert _fields(response) == ["header.If-Match"]
    assert SECRET not in response.text
    assert _position(world.runtime) == before


def test_a_malformed_if_match_on_hours_is_422_on_the_header(world: World) -> None:
    response = _send(
        world, "PUT", "/sportelli/{sportello}/orari", WEEKDAYS_8_TO_18, "admin", if_match="v1"
    )
    assert _fields(response) == ["header.If-Match"]


def test_a_refused_registration_leaves_no_trace_of_the_person(world: World) -> None:
    keystore = world.runtime.district.keystore
    before = keystore.find_by_codice_fiscale("VRDNNA50H55E094I")
    body = _domanda_body(
        persona={
            "nome": "Anna",
            "cognome": "Verdi",
            "codice_fiscale": "VRDNNA50H55E094I",
            "residenza": {"paese": 380, "comune_istat": "999999"},
        }
    )
    response = world.district.post("/domande", body)
    assert response.status_code == 422
    assert "Anna" not in response.text
    assert keystore.find_by_codice_fiscale("VRDNNA50H55E094I") == before == []


@pytest.mark.parametrize(
    ("path", "body"), [case[1:] for case in ACTIONS], ids=[case[0] for case in ACTIONS]
)
def test_a_stale_if_match_is_412_on_every_action(
    world: World, path: str, body: dict[str, Any]
) -> None:
    before = _position(world.runtime)
    response = _send(world, "POST", "/domande/{aperta}" + path, body, if_match='W/"99"')
    assert response.status_code == 412, response.text
    assert "rileggilo" in response.json()["detail"]
    assert _position(world.runtime) == before


def test_a_stale_if_match_on_hours_is_412(world: World) -> None:
    before = _position(world.runtime)
    response = _send(
        world, "PUT", "/sportelli/{sportello}/orari", WEEKDAYS_8_TO_18, "admin", if_match='W/"1"'
    )
    assert response.status_code == 412, response.text
    assert _position(world.runtime) == before


NOT_FOUND: list[tuple[str, str, str, Any, str]] = [
    # (case, method, path, body, user)
    *[
        (f"{name} su una domanda ignota", "POST", "/domande/{ignota}" + path, body, "operatore")
        for name, path, body in ACTIONS
        if "{" not in path
    ],
    (
        "esito su una domanda ignota",
        "POST",
        "/domande/{ignota}/appuntamenti/{fissato}/esito",
        {"esito": "svolto"},
        "operatore",
    ),
    (
        "completamento su una domanda ignota",
        "POST",
        "/domande/{ignota}/istanze/{istanza}/completamento",
        {},
        "operatore",
    ),
    ("lettura di una domanda ignota", "GET", "/domande/{ignota}", None, "operatore"),
    ("storia di una domanda ignota", "GET", "/domande/{ignota}/storia", None, "operatore"),
    (
        "storia di una domanda ignota, coordinatore",
        "GET",
        "/domande/{ignota}/storia",
        None,
        "coordinatore",
    ),
    (
        "esito di un appuntamento ignoto",
        "POST",
        "/domande/{aperta}/appuntamenti/{ignota}/esito",
        {"esito": "svolto"},
        "operatore",
    ),
    (
        "annullamento di un appuntamento ignoto",
        "POST",
        "/domande/{aperta}/appuntamenti/{ignota}/annullamento",
        {"motivo": "x"},
        "operatore",
    ),
    (
        "appuntamento di un'altra domanda",
        "POST",
        "/domande/{altra}/appuntamenti/{fissato}/annullamento",
        {"motivo": "x"},
        "operatore",
    ),
    (
        "completamento di un'istanza ignota",
        "POST",
        "/domande/{aperta}/istanze/{ignota}/completamento",
        {},
        "operatore",
    ),
    (
        "istanza di un'altra domanda",
        "POST",
        "/domande/{altra}/istanze/{istanza}/completamento",
        {},
        "operatore",
    ),
    (
        "uno sportello come domanda",
        "POST",
        "/domande/{sportello}/informazioni",
        {"servizi": ["SAD"]},
        "operatore",
    ),
    ("storia di uno sportello", "GET", "/domande/{sportello}/storia", None, "coordinatore"),
    (
        "orari di uno sportello ignoto",
        "PUT",
        "/sportelli/{ignota}/orari",
        WEEKDAYS_8_TO_18,
        "admin",
    ),
    ("orari di una domanda", "PUT", "/sportelli/{aperta}/orari", WEEKDAYS_8_TO_18, "admin"),
    # outside the caller's comuni or areas: as if it did not exist
    *[
        (
            f"{name} fuori dai comuni dell'operatore",
            "POST",
            "/domande/{aperta}" + path,
            body,
            OTHER_COMUNE_USER,
        )
        for name, path, body in ACTIONS
    ],
    (
        "lettura fuori dai comuni dell'operatore",
        "GET",
        "/domande/{aperta}",
        None,
        OTHER_COMUNE_USER,
    ),
    (
        "storia fuori dai comuni dell'operatore",
        "GET",
        "/domande/{aperta}/storia",
        None,
        OTHER_COMUNE_USER,
    ),
    (
        "informazioni fuori dall'area dell'assistente sociale",
        "POST",
        "/domande/{aperta}/informazioni",
        {"servizi": ["SAD"]},
        "as.minori",
    ),
    (
        "inoltro fuori dall'area dell'assistente sociale",
        "POST",
        "/domande/{aperta}/inoltro",
        {"area_utenza": "FAM", "motivo": "x"},
        "as.minori",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "user"),
    [case[1:] for case in NOT_FOUND],
    ids=[case[0] for case in NOT_FOUND],
)
def test_unknown_records_are_404_and_record_nothing(
    world: World, method: str, path: str, body: Any, user: str
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, body, user)
    assert response.status_code == 404, response.text
    assert "non trovat" in response.json()["detail"]
    assert _position(world.runtime) == before


@pytest.mark.parametrize(
    ("path", "body"), [case[1:] for case in ACTIONS], ids=[case[0] for case in ACTIONS]
)
def test_a_stale_if_match_on_an_unknown_request_is_still_404(
    world: World, path: str, body: dict[str, Any]
) -> None:
    response = _send(world, "POST", "/domande/{ignota}" + path, body, if_match='W/"99"')
    assert response.status_code == 404, response.text


CONFLICTS: list[tuple[str, str, str, Any, str]] = [
    # (case, method, path, body, what the refusal says)
    # a closed request
    *[
        (f"{name} su una domanda chiusa", "POST", "/domande/{chiusa}" + path, body, "è chiusa")
        for name, path, body in ACTIONS
        if "{" not in path
    ],
    (
        "secondo inoltro",
        "POST",
        "/domande/{inoltrata}/inoltro",
        {"area_utenza": "ELD", "motivo": "x"},
        "già stata inoltrata",
    ),
    # closing needs the act behind the outcome, and no appointment still booked
    (
        "chiusa orientata senza orientamento",
        "POST",
        "/domande/{altra}/chiusura",
        {"esito": "orientata"},
        "non è stata orientata",
    ),
    (
        "chiusa inviata senza inoltro",
        "POST",
        "/domande/{altra}/chiusura",
        {"esito": "inviata"},
        "non è stata inoltrata",
    ),
    (
        "chiusa presa in carico senza inoltro",
        "POST",
        "/domande/{altra}/chiusura",
        {"esito": "presa_in_carico"},
        "non è stata inoltrata",
    ),
    (
        "chiusa con un appuntamento fissato",
        "POST",
        "/domande/{aperta}/chiusura",
        {"esito": "informata"},
        "ancora fissato",
    ),
    # appointments: held or missed once started, settled once
    (
        "svolto prima dell'inizio",
        "POST",
        "/domande/{aperta}/appuntamenti/{fissato}/esito",
        {"esito": "svolto"},
        "non è ancora iniziato",
    ),
    (
        "mancato prima dell'inizio",
        "POST",
        "/domande/{aperta}/appuntamenti/{fissato}/esito",
        {"esito": "mancato"},
        "non è ancora iniziato",
    ),
    *[
        (
            f"{esito} di un appuntamento già {stato}",
            "POST",
            f"/domande/{{aperta}}/appuntamenti/{{{stato}}}/esito",
            {"esito": esito},
            f"già {stato}",
        )
        for stato in ("svolto", "mancato", "annullato")
        for esito in ("svolto", "mancato")
    ],
    *[
        (
            f"annullamento di un appuntamento già {stato}",
            "POST",
            f"/domande/{{aperta}}/appuntamenti/{{{stato}}}/annullamento",
            {"motivo": "x"},
            f"già {stato}",
        )
        for stato in ("svolto", "mancato", "annullato")
    ],
    (
        "istanza già completata",
        "POST",
        "/domande/{aperta}/istanze/{completata}/completamento",
        {},
        "già completata",
    ),
    # the network directory
    (
        "orientamento a una risorsa dismessa",
        "POST",
        "/domande/{aperta}/orientamenti",
        {"risorsa_id": "{dismessa}", "motivazione": "x"},
        "Gruppo chiuso",
    ),
    (
        "domanda inviata da una risorsa dismessa",
        "POST",
        "/domande",
        _domanda_body(richiedente={"tipo": "altro_servizio", "risorsa_id": "{dismessa}"}),
        "è dismessa",
    ),
    # opening hours, public holidays, a worker's agenda
    (
        "appuntamento dopo la chiusura",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot("sera"),
        "orario di apertura",
    ),
    (
        "appuntamento prima dell'apertura",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot("presto"),
        "orario di apertura",
    ),
    (
        "appuntamento a cavallo della chiusura",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot("chiusura"),
        "orario di apertura",
    ),
    (
        "appuntamento di sabato",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot("sabato"),
        "orario di apertura",
    ),
    (
        "appuntamento di domenica",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot("domenica"),
        "orario di apertura",
    ),
    (
        "appuntamento in un giorno festivo",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot("festivo"),
        "festivi",
    ),
    (
        "stesso operatore, altra domanda, stessa ora",
        "POST",
        "/domande/{altra}/appuntamenti",
        _slot("occupato"),
        "già un appuntamento",
    ),
    (
        "stesso operatore, altra domanda, ore sovrapposte",
        "POST",
        "/domande/{altra}/appuntamenti",
        _slot("sovrapposto"),
        "già un appuntamento",
    ),
    (
        "stesso operatore, stessa domanda, ore sovrapposte",
        "POST",
        "/domande/{aperta}/appuntamenti",
        _slot("sovrapposto"),
        "già un appuntamento",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "reason"),
    [case[1:] for case in CONFLICTS],
    ids=[case[0] for case in CONFLICTS],
)
def test_acts_the_state_forbids_are_409_with_the_reason_and_record_nothing(
    world: World, method: str, path: str, body: Any, reason: str
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, body)
    assert response.status_code == 409, response.text
    assert reason in response.json()["detail"]
    assert _position(world.runtime) == before


@pytest.mark.parametrize(
    ("fasce", "campo"),
    [
        ([{"giorno": 0, "dalle": "12:00", "alle": "09:00"}], "body.fasce.0.alle"),
        (
            [
                {"giorno": 0, "dalle": "08:00", "alle": "12:00"},
                {"giorno": 0, "dalle": "11:00", "alle": "14:00"},
            ],
            "body.fasce",
        ),
        ([{"giorno": 0, "dalle": "08:00+01:00", "alle": "12:00+01:00"}], "body.fasce.0.dalle"),
    ],
    ids=["fascia rovesciata", "fasce sovrapposte", "ora con fuso"],
)
def test_hours_that_cannot_be_are_refused_and_record_nothing(
    world: World, fasce: list[dict[str, Any]], campo: str
) -> None:
    """Bad input (422 on the field): inverted or overlapping slots, or times with an offset
    (opening hours are Rome's local times)."""
    before = _position(world.runtime)
    response = _send(world, "PUT", "/sportelli/{sportello}/orari", {"fasce": fasce}, "admin")
    assert response.status_code == 422, response.text
    assert response.json()["errori"][0]["campo"] == campo
    assert _position(world.runtime) == before


FORBIDDEN: list[tuple[str, str, str, Any]] = [
    ("coordinatore", "POST", "/sportelli", {"comune": "E094", "nome": "Sportello"}),
    ("operatore", "POST", "/sportelli", {"comune": "E094", "nome": "Sportello"}),
    ("ufficio.piano", "POST", "/sportelli", {"comune": "E094", "nome": "Sportello"}),
    ("operatore", "PUT", "/sportelli/{sportello}/orari", WEEKDAYS_8_TO_18),
    ("coordinatore", "PUT", "/sportelli/{sportello}/orari", WEEKDAYS_8_TO_18),
    ("as.anziani", "PUT", "/sportelli/{sportello}/orari", WEEKDAYS_8_TO_18),
    ("admin", "POST", "/domande/{aperta}/informazioni", {"servizi": ["SAD"]}),
    ("ufficio.piano", "POST", "/domande/{aperta}/informazioni", {"servizi": ["SAD"]}),
    ("ufficio.piano", "POST", "/domande/{aperta}/inoltro", {"area_utenza": "ELD", "motivo": "x"}),
    ("admin", "POST", "/domande/{aperta}/chiusura", {"esito": "non_di_competenza"}),
    # the history: operators of its comune and coordinators only
    ("as.minori", "GET", "/domande/{aperta}/storia", None),
    ("as.anziani", "GET", "/domande/{aperta}/storia", None),
    ("ufficio.piano", "GET", "/domande/{aperta}/storia", None),
    ("admin", "GET", "/domande/{aperta}/storia", None),
]


@pytest.mark.parametrize(
    ("user", "method", "path", "body"),
    FORBIDDEN,
    ids=[f"{c[0]} {c[1]} {c[2]}" for c in FORBIDDEN],
)
def test_roles_outside_the_policy_are_403_and_record_nothing(
    world: World, user: str, method: str, path: str, body: Any
) -> None:
    before = _position(world.runtime)
    response = _send(world, method, path, body, user)
    assert response.status_code == 403, response.text
    assert response.json()["detail"]
    assert _position(world.runtime) == before


def test_without_a_token_nothing_is_read_or_written(world: World) -> None:
    client = world.district.client
    before = _position(world.runtime)
    aperta = world.ids["aperta"]
    assert client.get(f"{API}/domande/{aperta}/storia").status_code == 401
    assert (
        client.post(f"{API}/domande/{aperta}/informazioni", json={"servizi": ["SAD"]}).status_code
        == 401
    )
    assert client.post(f"{API}/sportelli", json={"comune": "E094", "nome": "S"}).status_code == 401
    assert _position(world.runtime) == before


# -- acceptance 2: acting at once --------------------------------------------------------


def _at_once(actions: list[Callable[[], Any]]) -> list[Any]:
    """Runs each action in a thread of its own, all released together; their answers, in
    order."""
    barrier = threading.Barrier(len(actions))
    answers: list[Any] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        answers[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_many_operators_acting_at_once_without_if_match_lose_no_update(
    district: District,
) -> None:
    runtime = district.runtime
    domanda_id = district.domanda()
    district.as_("coordinatore")
    users = ["operatore", "coordinatore"] * 4
    answers = _at_once(
        [
            partial(
                district.post,
                f"/domande/{domanda_id}/informazioni",
                {"servizi": [f"servizio {n}"]},
                users[n],
            )
            for n in range(8)
        ]
    )
    assert [answer.status_code for answer in answers] == [200] * 8, [a.text for a in answers]
    recorded = _events(runtime, domanda_id)
    assert [event.originator_version for event in recorded] == list(range(1, 10))
    given = recorded[1:]
    assert all(isinstance(event, events.InformazioniFornite) for event in given)
    assert sorted(getattr(event, "servizi")[0].nome for event in given) == sorted(  # noqa: B009
        f"servizio {n}" for n in range(8)
    )
    assert sorted(answer.json()["versione"] for answer in answers) == list(range(2, 10))
    # each answer names the version its own event got, and who acted is who asked
    by_version = {event.originator_version: event for event in given}
    for n, answer in enumerate(answers):
        event = by_version[answer.json()["versione"]]
        assert [s.nome for s in getattr(event, "servizi")] == [f"servizio {n}"]  # noqa: B009
        assert event.actor.user == users[n]


def test_two_operators_with_different_actions_at_once_both_land(district: District) -> None:
    runtime = district.runtime
    district.as_("coordinatore")
    for _ in range(5):
        domanda_id = district.domanda()
        informa, inoltra = _at_once(
            [
                partial(district.post, f"/domande/{domanda_id}/informazioni", {"servizi": ["SAD"]}),
                partial(
                    district.post,
                    f"/domande/{domanda_id}/inoltro",
                    {"area_utenza": "ELD", "motivo": "Anziana sola"},
                    "coordinatore",
                ),
            ]
        )
        assert (informa.status_code, inoltra.status_code) == (200, 200), (
            informa.text,
            inoltra.text,
        )
        recorded = _events(runtime, domanda_id)
        assert [event.originator_version for event in recorded] == [1, 2, 3]
        assert {(e.actor.user, e.event_type) for e in recorded[1:]} == {
            ("operatore", "InformazioniFornite"),
            ("coordinatore", "DomandaInoltrata"),
        }


def test_a_rule_is_checked_again_when_a_concurrent_change_is_retried(
    district: District,
) -> None:
    """Two hand-overs at once without If-Match: the second is retried on the new state and
    refused by the rule, not recorded twice."""
    runtime = district.runtime
    for _ in range(3):
        domanda_id = district.domanda()
        answers = _at_once(
            [
                partial(
                    district.post,
                    f"/domande/{domanda_id}/inoltro",
                    {"area_utenza": "ELD", "motivo": f"motivo {n}"},
                )
                for n in range(2)
            ]
        )
        assert sorted(answer.status_code for answer in answers) == [200, 409]
        refused = next(answer for answer in answers if answer.status_code == 409)
        assert "già stata inoltrata" in refused.json()["detail"]
        recorded = _events(runtime, domanda_id)
        assert [event.event_type for event in recorded] == [
            "DomandaRicevuta",
            "DomandaInoltrata",
        ]


def test_with_the_same_if_match_exactly_one_wins_and_the_rest_are_412(
    district: District,
) -> None:
    runtime = district.runtime
    domanda_id = district.domanda()
    before = _position(runtime)
    answers = _at_once(
        [
            partial(
                district.post,
                f"/domande/{domanda_id}/informazioni",
                {"servizi": [f"servizio {n}"]},
                if_match='W/"1"',
            )
            for n in range(8)
        ]
    )
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 1, [a.text for a in answers]
    assert statuses.count(412) == 7
    winner = statuses.index(200)
    recorded = _events(runtime, domanda_id)
    assert len(recorded) == 2
    assert [s.nome for s in getattr(recorded[1], "servizi")] == [  # noqa: B009
        f"servizio {winner}"
    ]
    assert [event.event_type for event in _since(runtime, before)] == ["InformazioniFornite"]


def test_two_bookings_of_one_workers_slot_at_once_one_wins(
    district: District, sportello: str, giorno: date
) -> None:
    runtime = district.runtime
    for hour in (9, 11, 15):
        first, second = district.domanda(), district.domanda()
        domande = [first, second]
        answers = _at_once(
            [
                partial(
                    district.post,
                    f"/domande/{domanda_id}/appuntamenti",
                    _appuntamento(giorno, hour, 10 * n, sportello_id=sportello),
                )
                for n, domanda_id in enumerate(domande)
            ]
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201, 409], [a.text for a in answers]
        loser = next(answer for answer in answers if answer.status_code == 409)
        assert "già un appuntamento" in loser.json()["detail"]
        booked = [
            event
            for domanda_id in domande
            for event in _events(runtime, domanda_id)
            if isinstance(event, events.AppuntamentoFissato)
        ]
        assert len(booked) == 1
        occupied = [
            event
            for event in _events(runtime, agenda_id("as.anziani", giorno))
            if isinstance(event, events.FasciaAgendaOccupata)
            and event.inizio.astimezone(ROME).hour == hour
        ]
        assert [event.appuntamento_id for event in occupied] == [booked[0].appuntamento_id]


# -- acceptances 3 and 4: the request's history ------------------------------------------


RICHIEDENTE = {"tipo": "familiare", "nome": "Luigi Rossi", "contatto": "333 1234567"}


def _life(district: District, sportello: str, giorno: date) -> tuple[str, list[str]]:
    """A request through every kind of act; its id and the event types in order."""
    risorsa_id = district.risorsa()
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    domanda_id = district.domanda(
        occurred_at=received.isoformat(), sportello_id=sportello, richiedente=RICHIEDENTE
    )
    aid = district.appuntamento(domanda_id, sportello, giorno, 9)
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("/informazioni", {"servizi": ["SAD"], "note": "Criteri ISEE spiegati"}, "operatore"),
        ("/orientamenti", {"risorsa_id": risorsa_id, "motivazione": "Centro diurno"}, "operatore"),
        (f"/appuntamenti/{aid}/annullamento", {"motivo": "rinuncia"}, "operatore"),
        ("/istanze", {"tipo": "SAD", "protocollo": "P-1"}, "operatore"),
        (
            "/inoltro",
            {"area_utenza": "DIS", "motivo": "Serve una valutazione multidimensionale"},
            "coordinatore",
        ),
        ("/chiusura", {"esito": "inviata", "nota": "Passata al servizio sociale"}, "operatore"),
    ]
    for suffix, body, user in steps:
        answer = district.post(f"/domande/{domanda_id}{suffix}", body, user)
        assert answer.status_code in (200, 201), (suffix, answer.text)
    return domanda_id, [
        "DomandaRicevuta",
        "AppuntamentoFissato",
        "InformazioniFornite",
        "DomandaOrientata",
        "AppuntamentoAnnullato",
        "IstanzaIstruita",
        "DomandaInoltrata",
        "DomandaChiusa",
    ]


def test_the_history_lists_every_event_with_actor_time_and_legal_basis(
    district: District, sportello: str, giorno: date
) -> None:
    runtime = district.runtime
    domanda_id, kinds = _life(district, sportello, giorno)
    response = district.send("GET", f"/domande/{domanda_id}/storia")
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'W/"{len(kinds)}"'
    storia = response.json()
    assert (storia["id"], storia["versione"]) == (domanda_id, len(kinds))
    items = storia["items"]
    assert [item["tipo"] for item in items] == kinds
    assert [item["versione"] for item in items] == list(range(1, len(kinds) + 1))
    recorded = _events(runtime, domanda_id)
    for item, event in zip(items, recorded, strict=True):
        assert item["tipo"] == event.event_type
        assert item["attore"] == {
            "utente": event.actor.user,
            "ruolo": event.actor.role,
            "comune": "E094",
        }
        assert datetime.fromisoformat(item["occurred_at"]) == event.occurred_at
        assert item["recorded_at"] is not None
        assert datetime.fromisoformat(item["recorded_at"]) == event.recorded_at
        assert item["base_giuridica"] == LEGAL_BASIS
        assert item["fonte"] == "api"
        assert not {"event_id", "aggregate_id", "actor", "legal_basis"} & set(item["dati"])
    assert [item["attore"]["utente"] for item in items].count("coordinatore") == 1
    # the request was back-dated two days; everything after it happened now
    assert datetime.fromisoformat(items[0]["occurred_at"]) < datetime.fromisoformat(
        items[0]["recorded_at"]
    ) - timedelta(days=1)
    times = [datetime.fromisoformat(item["recorded_at"]) for item in items]
    assert times == sorted(times)

    received = items[0]["dati"]
    assert received["persona"]["nome"] == "Maria"
    assert received["persona"]["residenza"] == {
        "paese": 380,
        "comune_istat": "015108",
        "indirizzo": "Via Roma 1",
    }
    assert received["bisogno"] == CONTRACT_BODY["bisogno"]
    assert received["sportello_id"] == sportello
    assert received["richiedente"] == {**RICHIEDENTE, "risorsa_id": None}
    assert items[2]["dati"]["note"] == "Criteri ISEE spiegati"
    assert items[5]["dati"]["tipo"] == "SAD"
    handed_over = items[6]
    assert handed_over["attore"]["utente"] == "coordinatore"
    assert handed_over["dati"]["area_utenza"] == "DIS"
    assert handed_over["dati"]["motivo"] == "Serve una valutazione multidimensionale"
    assert handed_over["dati"]["urgente"] is False
    assert items[7]["dati"]["esito"] == "inviata"


@pytest.mark.parametrize("user", ["operatore", "coordinatore"])
def test_the_history_is_read_by_operators_of_its_comune_and_coordinators_each_read_recorded(
    district: District, user: str
) -> None:
    runtime = district.runtime
    domanda_id = district.domanda()
    received = _events(runtime, domanda_id)[0]
    assert isinstance(received, events.DomandaRicevuta)
    before = _position(runtime)
    response = district.send(
        "GET", f"/domande/{domanda_id}/storia?finalita=PRESA_IN_CARICO", user=user
    )
    assert response.status_code == 200, response.text
    (read,) = _since(runtime, before)
    assert isinstance(read, DatiPersonaliLetti)
    assert read.endpoint == "GET /api/intake/domande/{id}/storia"
    assert (read.oggetto, read.oggetto_id) == ("domanda", UUID(domanda_id))
    assert read.persona_id == received.persona_id
    assert read.finalita == "PRESA_IN_CARICO"
    assert read.actor.user == user
    assert read.actor.comune == "E094"
    assert read.legal_basis == "GDPR_9_2_G"
    default = district.send("GET", f"/domande/{domanda_id}/storia", user=user)
    assert default.status_code == 200
    (second,) = _since(runtime, before + 1)
    assert isinstance(second, DatiPersonaliLetti)
    assert second.finalita == "SPORTELLO"


def test_no_history_leaves_when_its_read_cannot_be_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = open_demo_runtime(tmp_path)
    with TestClient(create_app(runtime), raise_server_exceptions=False) as failing:
        district = District(runtime, failing)
        domanda_id = district.domanda()

        def broken(*_: Any, **__: Any) -> None:
            raise RuntimeError("ledger unavailable")

        monkeypatch.setattr(_intake(runtime), "registra_lettura", broken)
        response = district.send("GET", f"/domande/{domanda_id}/storia")
    assert response.status_code == 500
    assert "Maria" not in response.text
    assert "spesa" not in response.text


def test_after_an_erasure_the_history_reads_personal_fields_as_null(
    district: District, sportello: str, giorno: date
) -> None:
    runtime = district.runtime
    domanda_id, kinds = _life(district, sportello, giorno)
    received = _events(runtime, domanda_id)[0]
    assert isinstance(received, events.DomandaRicevuta)
    runtime.district.keystore.erase(received.persona_id)
    response = district.send("GET", f"/domande/{domanda_id}/storia")
    assert response.status_code == 200, response.text
    text = response.text
    for personal in (
        "Maria",
        "Rossi",
        "RSSMRA40A41E094R",
        "1940-01-01",
        "Via Roma",
        "015108",
        "spesa",
        "ISEE",
        "multidimensionale",
        "Passata al servizio",
        "Centro diurno",
        "Luigi",
        "333 1234567",
    ):
        assert personal not in text, personal
    items = response.json()["items"]
    assert [item["tipo"] for item in items] == kinds
    persona = items[0]["dati"]["persona"]
    assert (persona["nome"], persona["cognome"]) == (None, None)
    assert (persona["codice_fiscale"], persona["data_nascita"]) == (None, None)
    assert persona["residenza"] == {"paese": None, "comune_istat": None, "indirizzo": None}
    assert items[0]["dati"]["bisogno"] is None
    assert items[0]["dati"]["richiedente"] == {
        "tipo": None,  # even the kind of richiedente is the person's data
        "nome": None,
        "contatto": None,
        "risorsa_id": None,
    }
    assert items[2]["dati"]["note"] is None
    assert items[3]["dati"]["motivazione"] is None
    assert items[6]["dati"]["motivo"] is None
    assert items[7]["dati"]["nota"] is None
    # what is not personal survives: the statistics, the acts and who did them
    assert items[0]["dati"]["persona_id"] == received.persona_id
    assert items[0]["dati"]["profilo"]["fascia_eta"] == "85+"
    assert items[0]["dati"]["area_utenza"] == "ELD"
    assert items[2]["dati"]["servizi"] == [{"nome": None}]  # what they asked about is theirs
    assert items[6]["dati"]["area_utenza"] == "DIS"
    assert items[7]["dati"]["esito"] == "inviata"
    assert [item["attore"]["utente"] for item in items][6] == "coordinatore"


def test_a_role_without_intake_rights_learns_nothing_about_requests_or_workers(
    world: World,
) -> None:
    """The role is checked before any lookup: the same 403 whether the request, the worker
    or the resource exist or not."""
    start = datetime.combine(_next_working_day(), time(10), ROME)
    for domanda in ("{aperta}", str(uuid4())):
        for con in ("as.anziani", "nessuno"):
            booked = _send(
                world,
                "POST",
                f"/domande/{domanda}/appuntamenti",
                {
                    "inizio": start.isoformat(),
                    "fine": (start + timedelta(minutes=30)).isoformat(),
                    "con": con,
                    "sportello_id": "{sportello}",
                },
                "ufficio.piano",
            )
            assert booked.status_code == 403, booked.text
        history = _send(world, "GET", f"/domande/{domanda}/storia", None, "as.minori")
        assert history.status_code == 403, history.text
