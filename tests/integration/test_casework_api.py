"""Issue 7, acceptance 1, over HTTP (in process, real SQLite): the casework API, every act of
the Servizio sociale professionale through its endpoint, and every refusal where it applies.

- Success: status, ``Location`` where given, ``ETag``, ledger position, and the event read
  back from ``GET /casi/{id}/storia`` (type, actor, legal basis, source, fields).
- 422 naming the field (``campo``) and never echoing the submitted value; 403 by role, by
  comune and area, and for a social worker who is not the case's assignee; 404 for unknown
  ids and for cases out of the caller's scope; 409 for each rule of design section 2; 412
  for a stale ``If-Match``. A refusal records nothing.
- Court reports and orders (an order may impose a project without a contract), reassignment,
  a foreign minor's referent, reopening a closed case, the recorded reads of a case, the
  lists (scope, filters, paging, the coordinator's queue) and concurrent writers.

Refusals share one district per module (``world``); tests that write use fresh cases in it.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from codicefiscale import codicefiscale
from fastapi.testclient import TestClient

from services.casework.application import CaseworkApplication
from services.runtime import Runtime, create_app
from shared.events.access import DatiPersonaliLetti
from shared.events.envelope import LedgerEvent
from tests.support.runtime import CONTRACT_BODY, bearer, open_demo_runtime, token

API = "/api/casework"
INTAKE = "/api/intake"
NETWORK = "/api/network"
ROME = ZoneInfo("Europe/Rome")
LEGAL_BASIS = "L328_ART22"
ORDER_BASIS = "PROVV_AG"
READ_BASIS = "GDPR_9_2_G"
SECRET = "Zanzibar-7Q"
"""A distinctive submitted value that no response may echo."""
TOO_LONG = (SECRET + " ") * 334
"""4,008 characters: over every free text's limit of 4,000."""
SECOND_ELD_WORKER = "as.anziani.bis"
"""A second social worker of the elderly: the same area as as.anziani, not the assignee."""
BUSSERO_COORDINATOR = "coordinatore.bussero"
"""A coordinator of Bussero only: the cases of Gorgonzola are out of their scope."""
USERS = (
    "operatore",
    "as.minori",
    "as.anziani",
    "as.adulti",
    "coordinatore",
    "educatore",
    "psicologa",
    "pedagogista",
    "ufficio.piano",
    "admin",
    SECOND_ELD_WORKER,
    BUSSERO_COORDINATOR,
)
STAGES = ("in_attesa", "assegnato", "in_carico", "valutato", "contratto", "progetto", "completo")
"""How far a fresh case is taken (each stage includes the ones before it)."""


# -- dates ---------------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(ROME).date()


def _day(offset: int = 0) -> str:
    return (_today() + timedelta(days=offset)).isoformat()


def _years_ago(years: int) -> str:
    today = _today()
    return today.replace(year=today.year - years, day=min(today.day, 28)).isoformat()


def _moment(offset: timedelta) -> str:
    return (datetime.now(UTC) + offset).isoformat()


# -- bodies --------------------------------------------------------------------------------


ANZIANA: dict[str, Any] = {
    "nome": "Maria",
    "cognome": "Rossi",
    "codice_fiscale": "RSSMRA40A41E094R",
    "data_nascita": "1940-01-01",
    "sesso": "F",
}


def _minore(cittadinanza: int = 380, years: int = 10) -> dict[str, Any]:
    """A person ``years`` old (a minor by default) of that citizenship (ISO 3166-1)."""
    return {
        "nome": "Luca",
        "cognome": "Bianchi",
        "data_nascita": _years_ago(years),
        "sesso": "M",
        "cittadinanza": cittadinanza,
    }


def _caso_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "comune": "E094",
        "area_utenza": "ELD",
        "origine": "emergenza",
        "motivo": "Anziana sola dopo una caduta, senza rete familiare vicina",
        "persona": dict(ANZIANA),
    }
    body.update(overrides)
    return body


def _ordine(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "autorita": "tribunale_ordinario",
        "tipo": "indagine_psicosociale",
        "estremi": "Decreto del giudice tutelare: indagine sul nucleo familiare",
        "numero": "RG 123/2025",
        "data_provvedimento": _day(-7),
        "relazione_entro": _day(60),
    }
    body.update(overrides)
    return body


VALUTAZIONE: dict[str, Any] = {
    "tipo": "sociale",
    "problemi": "Isolamento e difficoltà negli spostamenti",
    "risorse": "Una figlia che vive a Milano",
    "esito": "Serve assistenza domiciliare",
    "partecipanti": ["as.anziani", "la figlia"],
    "nucleo": "Vive sola; la figlia la visita la domenica",
}
SINBA: dict[str, Any] = {
    "condizione_minore": "1",
    "luogo_vita": "1",
    "scuola_frequentata": "2",
    "valutazione_minore": "3",
    "valutazione_famiglia_minore": "4",
    "fonte_segnalazione": "5",
    "data_prima_segnalazione": "03/2025",
    "minore_straniero_non_accompagnato": "2",
    "condizione_lavoro": "1",
    "disabilita": "1",
    "tipo_disabilita": "2",
    "inv_civ_certificazioni": "4",
}
CONTRATTO: dict[str, Any] = {
    "obiettivi": "Restare a casa propria in sicurezza",
    "firmatario": "persona",
    "impegni_servizio": "Assistenza domiciliare due volte a settimana",
    "impegni_persona": "Accetta gli operatori in casa",
    "firmato_il": _day(),
    "consenso_trattamento": True,
}
PROGETTO: dict[str, Any] = {
    "obiettivi": "Restare a casa propria in sicurezza",
    "professionisti": ["educatore", "psicologa"],
    "revisione_entro": _day(180),
}
INTERVENTO: dict[str, Any] = {
    "prestazione": "A1.04",
    "inizio": _day(),
    "fine_prevista": _day(90),
    "frequenza": "mensile",
    "importo": "120.50",
    "quota_utente": "20.00",
    "quota_ente": "100.50",
    "prova_mezzi": True,
    "protocollo_domanda": "PROT-2025-0001",
    "descrizione": "Contributo per le utenze domestiche",
}
MEMBRI: list[dict[str, Any]] = [
    {
        "nome": "Giulia",
        "cognome": "Rossi",
        "data_nascita": "1968-03-02",
        "relazione": "figlio",
        "convivente": False,
    },
    {"nome": "Pietro", "cognome": "Rossi", "relazione": "fratello_sorella", "convivente": True},
]


@dataclass(frozen=True)
class Act:
    """An act of the professional record: its path under the case, a valid body, the status
    and event it answers with, the stage a case needs for it, and its default legal basis."""

    name: str
    path: str
    body: dict[str, Any]
    status: int
    evento: str
    stage: str = "completo"
    basis: str = LEGAL_BASIS


ACTS: list[Act] = [
    Act("presa-in-carico", "/presa-in-carico", {}, 200, "PresaInCarico", "assegnato"),
    Act("valutazioni", "/valutazioni", VALUTAZIONE, 201, "ValutazioneEffettuata"),
    Act(
        "rettifiche",
        "/valutazioni/{valutazione}/rettifiche",
        {"motivo": "Errore di trascrizione", "esito": "Serve assistenza domiciliare e pasti"},
        201,
        "ValutazioneRettificata",
    ),
    Act("nucleo", "/nucleo", {"membri": MEMBRI}, 200, "NucleoFamiliareRegistrato"),
    Act(
        "rappresentante-legale",
        "/rappresentante-legale",
        {
            "ruolo": "amministratore_sostegno",
            "nome": "Anna",
            "cognome": "Bianchi",
            "provvedimento_id": "{ordine}",
        },
        200,
        "RappresentanteLegaleRegistrato",
    ),
    Act(
        "questionari",
        "/questionari",
        {"momento": "ex_ante", "risposte": [4, 5, 3], "commento": "Si sente ascoltata"},
        201,
        "QuestionarioRaccolto",
    ),
    Act("contratto", "/contratto", CONTRATTO, 200, "ContrattoFirmato", "valutato"),
    Act("progetto", "/progetto", PROGETTO, 200, "ProgettoDefinito", "contratto"),
    Act(
        "revisioni",
        "/progetto/revisioni",
        {
            "obiettivi": "Restare a casa, con i pasti a domicilio",
            "motivo": "Peggiorata la mobilità",
            "revisione_entro": _day(365),
        },
        200,
        "ProgettoRivisto",
    ),
    Act("interventi", "/interventi", INTERVENTO, 201, "InterventoAttivato"),
    Act(
        "monitoraggi",
        "/interventi/{intervento}/monitoraggi",
        {"data": _day(), "note": "Il servizio procede regolarmente"},
        200,
        "MonitoraggioRegistrato",
    ),
    Act(
        "verifiche",
        "/interventi/{intervento}/verifiche",
        {
            "esito": "parzialmente_raggiunto",
            "efficacia": "Più autonoma in casa",
            "efficienza": "Costi nei limiti",
            "concluso": False,
        },
        200,
        "InterventoVerificato",
    ),
    Act(
        "conclusione",
        "/interventi/{intervento}/conclusione",
        {"concluso_il": _day(), "motivo": "Ricoverata in RSA"},
        200,
        "InterventoConcluso",
    ),
    Act(
        "annullamento",
        "/interventi/{intervento}/annullamento",
        {"motivo": "Registrato per errore: il contributo non è mai stato erogato"},
        200,
        "InterventoAnnullato",
    ),
    Act(
        "segnalazioni",
        "/segnalazioni",
        {
            "autorita": "giudice_tutelare",
            "motivo": "Non è più in grado di gestire i propri interessi",
            "richiesta": "amministratore_sostegno",
            "base_giuridica": "CC_404_413",
        },
        201,
        "SegnalazioneTribunale",
        basis="CC_404_413",
    ),
    Act(
        "provvedimenti", "/provvedimenti", _ordine(), 201, "ProvvedimentoRecepito", basis="PROVV_AG"
    ),
    Act(
        "relazioni",
        "/relazioni",
        {
            "autorita": "tribunale_ordinario",
            "provvedimento_id": "{ordine}",
            "sintesi": "Il nucleo collabora con il servizio",
        },
        201,
        "RelazioneInviata",
        basis="PROVV_AG",
    ),
    Act(
        "chiusura",
        "/chiusura",
        {
            "motivo": "obiettivi_raggiunti",
            "restituzione": "Colloquio di restituzione con la figlia",
        },
        200,
        "CasoChiuso",
        "progetto",
    ),
]
ACT = {act.name: act for act in ACTS}
ACT_IDS = [act.name for act in ACTS]


# -- the district --------------------------------------------------------------------------


@dataclass
class Fascicolo:
    """A case and the ids of what it holds (an unknown id where it holds none)."""

    caso: str
    valutazione: str = field(default_factory=lambda: str(uuid4()))
    intervento: str = field(default_factory=lambda: str(uuid4()))
    ordine: str = field(default_factory=lambda: str(uuid4()))
    terminato: str = field(default_factory=lambda: str(uuid4()))

    def fill(self, value: Any) -> Any:
        """``value`` with ``{name}`` placeholders replaced by this case's ids."""
        if isinstance(value, str):
            return value.format(**self.__dict__) if "{" in value else value
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        return value

    def path(self, suffix: str = "") -> str:
        return str(self.fill(f"/casi/{{caso}}{suffix}"))


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
        user: str = "as.anziani",
        if_match: str | None = None,
    ) -> Any:
        headers = dict(self.as_(user))
        if if_match is not None:
            headers["If-Match"] = if_match
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
        return self.client.request(method, API + path, **kwargs)

    def post(self, path: str, body: Any, user: str = "as.anziani", **kwargs: Any) -> Any:
        return self.send("POST", path, body, user, **kwargs)

    def get(self, path: str, user: str = "coordinatore") -> Any:
        return self.send("GET", path, user=user)

    def ok(self, path: str, body: Any, user: str = "as.anziani") -> dict[str, Any]:
        response = self.post(path, body, user)
        assert response.status_code in (200, 201), (path, response.text)
        answer: dict[str, Any] = response.json()
        return answer

    def apri(self, user: str = "coordinatore", **overrides: Any) -> str:
        return str(self.ok("/casi", _caso_body(**overrides), user)["id"])

    def fascicolo(
        self,
        stage: str = "completo",
        worker: str = "as.anziani",
        area: str | None = None,
        **overrides: Any,
    ) -> Fascicolo:
        """A fresh case, taken as far as ``stage`` by ``worker``."""
        reached = STAGES.index(stage)
        found = Fascicolo(self.apri(**overrides))
        steps: list[tuple[str, Callable[[], object]]] = [
            ("assegnato", partial(self._assegna, found, worker, area)),
            ("in_carico", partial(self.ok, found.path("/presa-in-carico"), {}, worker)),
            ("valutato", partial(self._valuta, found, worker)),
            ("contratto", partial(self.ok, found.path("/contratto"), CONTRATTO, worker)),
            ("progetto", partial(self.ok, found.path("/progetto"), PROGETTO, worker)),
            ("completo", partial(self._completa, found, worker)),
        ]
        for name, step in steps:
            if STAGES.index(name) <= reached:
                step()
        return found

    def _assegna(self, found: Fascicolo, worker: str, area: str | None) -> None:
        body = {"assistente_sociale": worker} | ({"area_utenza": area} if area else {})
        self.ok(found.path("/assegnazione"), body, "coordinatore")

    def _valuta(self, found: Fascicolo, worker: str) -> None:
        found.valutazione = str(self.ok(found.path("/valutazioni"), VALUTAZIONE, worker)["creato"])

    def _completa(self, found: Fascicolo, worker: str) -> None:
        found.intervento = str(self.ok(found.path("/interventi"), INTERVENTO, worker)["creato"])
        found.ordine = str(self.ok(found.path("/provvedimenti"), _ordine(), worker)["creato"])
        found.terminato = str(self.ok(found.path("/interventi"), INTERVENTO, worker)["creato"])
        self.ok(
            found.path(f"/interventi/{found.terminato}/verifiche"),
            {"esito": "raggiunto", "efficacia": "Buona", "concluso": True},
            worker,
        )

    def risorsa(self, nome: str, dismessa: bool = False) -> str:
        """A resource of the network directory, once the directory's projection has it."""
        coordinator = self.as_("coordinatore")
        created = self.client.post(
            f"{NETWORK}/risorse",
            json={"nome": nome, "tipo": "cooperativa_sociale", "comuni": ["E094"], "aree": ["ELD"]},
            headers=coordinator,
        )
        assert created.status_code == 201, created.text
        risorsa_id = str(created.json()["id"])
        position = created.json()["posizione"]
        if dismessa:
            dismissed = self.client.post(
                f"{NETWORK}/risorse/{risorsa_id}/dismissione",
                json={"motivo": "cessata attività"},
                headers=coordinator,
            )
            assert dismissed.status_code == 200, dismissed.text
            position = dismissed.json()["posizione"]
        assert self.runtime.network_queries is not None
        assert self.runtime.network_queries.directory_feed.wait_for("network", position, 5)
        return risorsa_id

    def storia(self, caso: str, user: str = "coordinatore") -> dict[str, Any]:
        response = self.get(f"/casi/{caso}/storia", user)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def leggi(self, caso: str, user: str = "coordinatore") -> dict[str, Any]:
        response = self.get(f"/casi/{caso}", user)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def elenco(self, query: str, user: str = "coordinatore", path: str = "/casi") -> Any:
        """A list, once the read model holds every write so far."""
        separator = "&" if query else ""
        return self.get(
            f"{path}?attendi_posizione={_position(self.runtime)}{separator}{query}", user
        )


def _add_users(runtime: Runtime) -> None:
    worker_cf = codicefiscale.encode(
        lastname="Neri", firstname="Carla", gender="F", birthdate="1980-04-02", birthplace="Milano"
    )
    runtime.identity.add_user(
        SECOND_ELD_WORKER,
        "demo",
        role="assistente_sociale",
        codice_fiscale=worker_cf,
        nome="Carla Neri",
        comuni=("E094", "B292", "G965"),
        aree=("ELD",),
        demo=True,
        actor="test",
    )
    coordinator_cf = codicefiscale.encode(
        lastname="Verdi",
        firstname="Paolo",
        gender="M",
        birthdate="1970-04-02",
        birthplace="Bussero",
    )
    runtime.identity.add_user(
        BUSSERO_COORDINATOR,
        "demo",
        role="coordinatore",
        codice_fiscale=coordinator_cf,
        nome="Paolo Verdi",
        comuni=("B292",),
        demo=True,
        actor="test",
    )


# -- the ledger ----------------------------------------------------------------------------


def _casework(runtime: Runtime) -> CaseworkApplication:
    assert runtime.casework is not None
    return runtime.casework


def _position(runtime: Runtime) -> int:
    return runtime.district.ledger("casework").recorder.max_notification_id() or 0


def _since(runtime: Runtime, position: int) -> list[LedgerEvent]:
    """Every event the casework ledger recorded after ``position``, in order."""
    recorder = runtime.district.ledger("casework").recorder
    notifications = recorder.select_notifications(position + 1, 1000)
    found = [_casework(runtime).mapper.to_domain_event(n) for n in notifications]
    return [event for event in found if isinstance(event, LedgerEvent)]


def _event(runtime: Runtime, caso: str, version: int) -> LedgerEvent:
    found = list(_casework(runtime).events.get(UUID(caso)))
    event = found[version - 1]
    assert isinstance(event, LedgerEvent)
    return event


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"] == "dati non validi"
    return [error["campo"] for error in body["errori"]]


def _subset(expected: Any, actual: Any, where: str = "dati") -> None:
    """Every value of ``expected`` (a body as sent) is in ``actual`` (an event's data)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key}"
            _subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), where
        assert len(actual) == len(expected), where
        for index, (one, other) in enumerate(zip(expected, actual, strict=True)):
            _subset(one, other, f"{where}.{index}")
    else:
        assert actual == expected, (where, actual, expected)


def _assert_acted(
    district: District,
    response: Any,
    caso: str,
    evento: str,
    *,
    status: int = 200,
    user: str = "as.anziani",
    role: str = "assistente_sociale",
    basis: str = LEGAL_BASIS,
) -> dict[str, Any]:
    """The act answered with the case's new version (body and ETag) and the ledger position
    it reached; the case's history ends with ``evento``, by ``user``, on ``basis``, from the
    API. Returns that history item."""
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["id"] == caso
    assert response.headers["ETag"] == f'W/"{answer["versione"]}"'
    assert answer["posizione"] == _position(district.runtime)
    storia = district.storia(caso)
    assert storia["versione"] == answer["versione"] == len(storia["items"])
    last: dict[str, Any] = storia["items"][-1]
    assert last["tipo"] == evento
    assert last["versione"] == answer["versione"]
    assert last["attore"] == {"utente": user, "ruolo": role, "comune": "E094"}
    assert last["base_giuridica"] == basis
    assert last["fonte"] == "api"
    assert last["recorded_at"] is not None
    return last


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One district for the refusals (which record nothing) and for tests that write to
    fresh cases of their own. Cases of Gorgonzola (ELD, as.anziani unless said):

    - ``attesa``: waiting for assignment; ``bussero``: the same, in Bussero;
    - ``assegnato``: assigned, not yet taken in charge;
    - ``presa``: taken in charge, nothing else; ``valutato``: assessed, no contract;
    - ``carico``: assessed, contract, project, an active intervention (``intervento``), a
      court order asking for a report (``ordine``), an intervention verified and concluded
      (``terminato``);
    - ``chiuso``: closed (assessed, contract and project, no intervention);
    - ``minore``: a minor's case (FAM) in charge of as.minori, assessed (``valutazione``).

    Network resources: ``attiva`` and ``dismessa``.
    """
    runtime = open_demo_runtime(tmp_path_factory.mktemp("casework"))
    _add_users(runtime)
    with TestClient(create_app(runtime)) as client:
        district = District(runtime, client)
        for user in USERS:
            district.as_(user)
        chiuso = district.fascicolo("progetto")
        district.ok(chiuso.path("/chiusura"), ACT["chiusura"].body)
        yield World(
            district,
            {
                "attesa": district.fascicolo("in_attesa"),
                "bussero": district.fascicolo("in_attesa", comune="B292"),
                "assegnato": district.fascicolo("assegnato"),
                "presa": district.fascicolo("in_carico"),
                "valutato": district.fascicolo("valutato"),
                "carico": district.fascicolo("completo"),
                "chiuso": chiuso,
                "minore": district.fascicolo(
                    "valutato", "as.minori", area_utenza="FAM", persona=_minore()
                ),
                "ignoto": Fascicolo(str(uuid4())),
            },
            {
                "attiva": district.risorsa("Cooperativa Arcobaleno"),
                "dismessa": district.risorsa("Gruppo chiuso", dismessa=True),
            },
        )


@dataclass
class World:
    district: District
    casi: dict[str, Fascicolo]
    risorse: dict[str, str]

    @property
    def runtime(self) -> Runtime:
        return self.district.runtime

    def path(self, template: str, caso: str = "carico") -> str:
        """``template`` (``{caso}``, ``{intervento}``, ...) for one of the world's cases."""
        return str(self.casi[caso].fill(template))

    def body(self, value: Any, caso: str = "carico") -> Any:
        filled = self.casi[caso].fill(value)
        return _resources(filled, self.risorse)


def _resources(value: Any, risorse: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return risorse[value[1:-1]]
    if isinstance(value, list):
        return [_resources(item, risorse) for item in value]
    if isinstance(value, dict):
        return {key: _resources(item, risorse) for key, item in value.items()}
    return value


# -- success: every act recorded, read back from the history -------------------------------


def test_a_case_is_opened_with_its_person_and_answers_where_it_is(world: World) -> None:
    district = world.district
    body = _caso_body(urgente=True, base_giuridica="GDPR_9_2_H")
    response = district.post("/casi", body, "coordinatore")
    assert response.status_code == 201, response.text
    caso = response.json()["id"]
    assert response.headers["Location"] == f"{API}/casi/{caso}"
    assert response.headers["ETag"] == 'W/"1"'
    assert response.json()["versione"] == 1
    assert response.json()["creato"] is None
    opened = _assert_acted(
        district,
        response,
        caso,
        "CasoAperto",
        status=201,
        user="coordinatore",
        role="coordinatore",
        basis="GDPR_9_2_H",
    )
    _subset(
        {
            "origine": "emergenza",
            "area_utenza": "ELD",
            "motivo": body["motivo"],
            "urgente": True,
            "domanda_id": None,
            "caso_precedente_id": None,
            "persona": ANZIANA,
            "profilo": {"comune": "E094", "area": "ELD", "fascia_eta": "85+", "sesso": "F"},
        },
        opened["dati"],
    )
    assert len(opened["dati"]["persona_id"]) == 20
    read = district.leggi(caso)
    assert (read["stato"], read["origine"], read["urgente"], read["assistente_sociale"]) == (
        "in_attesa",
        "emergenza",
        True,
        None,
    )
    assert read["persona"]["codice_fiscale"] == ANZIANA["codice_fiscale"]
    assert read["persona"]["persona_id"] == opened["dati"]["persona_id"]


def test_a_social_worker_of_the_area_opens_a_case_too(world: World) -> None:
    response = world.district.post("/casi", _caso_body(area_utenza="DIS"), "as.anziani")
    _assert_acted(world.district, response, response.json()["id"], "CasoAperto", status=201)


def test_a_case_opened_back_dated_keeps_the_time_it_is_given(world: World) -> None:
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    response = world.district.post(
        "/casi", _caso_body(occurred_at=when.isoformat()), "coordinatore"
    )
    assert response.status_code == 201, response.text
    (opened,) = world.district.storia(response.json()["id"])["items"]
    assert datetime.fromisoformat(opened["occurred_at"]) == when
    assert datetime.fromisoformat(opened["recorded_at"]) > when


def test_a_case_is_assigned_by_the_coordinator(world: World) -> None:
    district = world.district
    caso = district.fascicolo("in_attesa")
    response = district.post(
        caso.path("/assegnazione"),
        {"assistente_sociale": "as.anziani"},
        "coordinatore",
        if_match='W/"1"',
    )
    assert "Location" not in response.headers
    assigned = _assert_acted(
        district,
        response,
        caso.caso,
        "AssistenteSocialeAssegnato",
        user="coordinatore",
        role="coordinatore",
    )
    assert assigned["dati"]["assistente_sociale"] == "as.anziani"
    assert assigned["dati"]["area_utenza"] == "ELD"
    read = district.leggi(caso.caso)
    assert (read["stato"], read["assistente_sociale"], read["in_carico"]) == (
        "assegnato",
        "as.anziani",
        False,
    )


def test_an_assignment_records_the_time_and_legal_basis_it_is_given(world: World) -> None:
    district = world.district
    caso = district.fascicolo("in_attesa")
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    response = district.post(
        caso.path("/assegnazione"),
        {
            "assistente_sociale": "as.anziani",
            "occurred_at": when.isoformat(),
            "base_giuridica": "GDPR_9_2_H",
        },
        "coordinatore",
    )
    recorded = _assert_acted(
        district,
        response,
        caso.caso,
        "AssistenteSocialeAssegnato",
        user="coordinatore",
        role="coordinatore",
        basis="GDPR_9_2_H",
    )
    assert datetime.fromisoformat(recorded["occurred_at"]) == when


@pytest.mark.parametrize("act", ACTS, ids=ACT_IDS)
def test_every_act_is_recorded_with_its_actor_basis_and_fields(world: World, act: Act) -> None:
    district = world.district
    caso = district.fascicolo(act.stage)
    before = district.leggi(caso.caso, "as.anziani")["versione"]
    body = caso.fill(act.body)
    response = district.post(caso.path(caso.fill(act.path)), body, if_match=f'W/"{before}"')
    recorded = _assert_acted(
        district, response, caso.caso, act.evento, status=act.status, basis=act.basis
    )
    answer = response.json()
    assert answer["versione"] == before + 1
    _subset({k: v for k, v in body.items() if k != "base_giuridica"}, recorded["dati"])
    assert (
        recorded["dati"]["persona_id"]
        == district.storia(caso.caso)["items"][0]["dati"]["persona_id"]
    )
    if act.name == "interventi":
        assert recorded["dati"]["intervento_id"] == answer["creato"]
        assert (
            response.headers["Location"] == f"{API}/casi/{caso.caso}/interventi/{answer['creato']}"
        )
    else:
        assert "Location" not in response.headers
    if act.name == "provvedimenti":
        assert recorded["dati"]["provvedimento_id"] == answer["creato"]
    if act.name == "valutazioni":
        assert (
            UUID(answer["creato"])
            == _event(district.runtime, caso.caso, answer["versione"]).event_id
        )
    if act.name == "rettifiche":
        assert recorded["dati"]["valutazione_event_id"] == caso.valutazione
    if act.name == "presa-in-carico":
        assert recorded["dati"]["assistente_sociale"] == "as.anziani"
    if act.name == "nucleo":
        assert all(UUID(member["membro_id"]) for member in recorded["dati"]["membri"])
    if act.name not in ("interventi", "provvedimenti", "valutazioni"):
        assert answer["creato"] is None


def test_a_case_s_whole_life_chains_if_match_from_each_answer(world: World) -> None:
    """Opening to closure, each act sent with the ETag of the answer before it."""
    district = world.district
    opened = district.post("/casi", _caso_body(), "coordinatore")
    caso = Fascicolo(opened.json()["id"])
    etag = opened.headers["ETag"]

    def act(path: str, body: dict[str, Any], user: str = "as.anziani") -> dict[str, Any]:
        nonlocal etag
        response = district.post(caso.path(caso.fill(path)), caso.fill(body), user, if_match=etag)
        assert response.status_code in (200, 201), (path, response.text)
        assert response.headers["ETag"] == f'W/"{int(etag[3:-1]) + 1}"'
        etag = response.headers["ETag"]
        answer: dict[str, Any] = response.json()
        return answer

    act("/assegnazione", {"assistente_sociale": "as.anziani"}, "coordinatore")
    act("/presa-in-carico", {})
    caso.valutazione = act("/valutazioni", VALUTAZIONE)["creato"]
    for name in ("rettifiche", "nucleo", "questionari", "contratto", "progetto", "revisioni"):
        act(ACT[name].path, ACT[name].body)
    caso.intervento = act("/interventi", INTERVENTO)["creato"]
    act(ACT["monitoraggi"].path, ACT["monitoraggi"].body)
    caso.ordine = act("/provvedimenti", _ordine())["creato"]
    for name in ("rappresentante-legale", "segnalazioni", "relazioni", "conclusione"):
        act(ACT[name].path, ACT[name].body)
    act(ACT["verifiche"].path, ACT["verifiche"].body)
    read = district.get(caso.path(), "as.anziani")
    assert read.headers["ETag"] == etag
    act("/chiusura", ACT["chiusura"].body)
    assert [item["tipo"] for item in district.storia(caso.caso)["items"]] == [
        "CasoAperto",
        "AssistenteSocialeAssegnato",
        "PresaInCarico",
        "ValutazioneEffettuata",
        "ValutazioneRettificata",
        "NucleoFamiliareRegistrato",
        "QuestionarioRaccolto",
        "ContrattoFirmato",
        "ProgettoDefinito",
        "ProgettoRivisto",
        "InterventoAttivato",
        "MonitoraggioRegistrato",
        "ProvvedimentoRecepito",
        "RappresentanteLegaleRegistrato",
        "SegnalazioneTribunale",
        "RelazioneInviata",
        "InterventoConcluso",
        "InterventoVerificato",
        "CasoChiuso",
    ]
    closed = district.leggi(caso.caso)
    assert (closed["stato"], closed["scadenze"]) == ("chiuso", [])


def test_if_match_star_accepts_any_current_version(world: World) -> None:
    caso = world.district.fascicolo("in_carico")
    response = world.district.post(caso.path("/questionari"), ACT["questionari"].body, if_match="*")
    assert response.status_code == 201, response.text


def test_an_act_records_the_time_and_legal_basis_it_is_given(world: World) -> None:
    district = world.district
    caso = district.fascicolo("in_carico")
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    response = district.post(
        caso.path("/valutazioni"),
        VALUTAZIONE | {"occurred_at": when.isoformat(), "base_giuridica": "GDPR_9_2_H"},
    )
    recorded = _assert_acted(
        district, response, caso.caso, "ValutazioneEffettuata", status=201, basis="GDPR_9_2_H"
    )
    assert datetime.fromisoformat(recorded["occurred_at"]) == when


def test_a_free_text_of_exactly_4000_characters_is_accepted(world: World) -> None:
    caso = world.district.fascicolo("in_carico")
    text = "x" * 4000
    response = world.district.post(caso.path("/valutazioni"), VALUTAZIONE | {"problemi": text})
    recorded = _assert_acted(
        world.district, response, caso.caso, "ValutazioneEffettuata", status=201
    )
    assert recorded["dati"]["problemi"] == text


def test_a_minor_s_assessment_carries_the_sinba_items(world: World) -> None:
    district = world.district
    caso = district.fascicolo("in_carico", "as.minori", area_utenza="FAM", persona=_minore())
    response = district.post(
        caso.path("/valutazioni"),
        VALUTAZIONE | {"partecipanti": ["as.minori"], "sinba": SINBA},
        "as.minori",
    )
    recorded = _assert_acted(
        district, response, caso.caso, "ValutazioneEffettuata", status=201, user="as.minori"
    )
    assert recorded["dati"]["sinba"] == SINBA
    corrected = district.post(
        caso.path(f"/valutazioni/{response.json()['creato']}/rettifiche"),
        {"motivo": "Scuola sbagliata", "sinba": SINBA | {"scuola_frequentata": "3"}},
        "as.minori",
    )
    recorded = _assert_acted(
        district, corrected, caso.caso, "ValutazioneRettificata", status=201, user="as.minori"
    )
    assert recorded["dati"]["sinba"]["scuola_frequentata"] == "3"


def test_the_later_sinba_items_are_recorded_and_read_back(world: World) -> None:
    """The items SINBA.xsd requires that the first assessments lacked (foreign minor
    alone, work condition, disability and its kind and certification) go through the API
    into the event and come back in the case's history; a minor without a disability has
    neither a kind nor a certification."""
    district = world.district
    caso = district.fascicolo("in_carico", "as.minori", area_utenza="FAM", persona=_minore(16))
    later = {
        "minore_straniero_non_accompagnato": "1",
        "condizione_lavoro": "4",
        "disabilita": "2",
        "tipo_disabilita": None,
        "inv_civ_certificazioni": None,
    }
    response = district.post(
        caso.path("/valutazioni"),
        VALUTAZIONE | {"partecipanti": ["as.minori"], "sinba": SINBA | later},
        "as.minori",
    )
    recorded = _assert_acted(
        district, response, caso.caso, "ValutazioneEffettuata", status=201, user="as.minori"
    )
    assert {key: recorded["dati"]["sinba"][key] for key in later} == later
    assert recorded["dati"]["sinba"]["luogo_vita"] == SINBA["luogo_vita"]


def test_a_household_member_s_sex_is_recorded_and_read_back(world: World) -> None:
    """SINBA tells a mother from a father: each member's sex, when known, is kept."""
    district = world.district
    caso = district.fascicolo("in_carico", "as.minori", area_utenza="FAM", persona=_minore())
    genitori = [
        {"nome": "Anna", "cognome": "Bianchi", "relazione": "genitore", "convivente": True},
        {"nome": "Marco", "cognome": "Bianchi", "relazione": "genitore", "convivente": False},
    ]
    membri = [genitori[0] | {"sesso": "F"}, genitori[1] | {"sesso": "M"}, MEMBRI[1]]
    response = district.post(caso.path("/nucleo"), {"membri": membri}, "as.minori")
    recorded = _assert_acted(
        district, response, caso.caso, "NucleoFamiliareRegistrato", user="as.minori"
    )
    assert [(m["nome"], m["sesso"]) for m in recorded["dati"]["membri"]] == [
        ("Anna", "F"),
        ("Marco", "M"),
        ("Pietro", None),
    ]


def test_amounts_are_kept_in_euros_and_cents(world: World) -> None:
    district = world.district
    caso = district.fascicolo("progetto")
    body = INTERVENTO | {"importo": "1.2E+2", "quota_utente": 20, "quota_ente": "1E+2"}
    _assert_acted(
        district,
        district.post(caso.path("/interventi"), body),
        caso.caso,
        "InterventoAttivato",
        status=201,
    )
    recorded = district.storia(caso.caso)["items"][-1]["dati"]
    assert (recorded["importo"], recorded["quota_utente"], recorded["quota_ente"]) == (
        "120.00",
        "20.00",
        "100.00",
    )


def test_an_intervention_with_an_active_provider_names_it(world: World) -> None:
    district = world.district
    caso = district.fascicolo("progetto")
    risorsa = world.risorse["attiva"]
    response = district.post(caso.path("/interventi"), INTERVENTO | {"risorsa_id": risorsa})
    recorded = _assert_acted(district, response, caso.caso, "InterventoAttivato", status=201)
    assert recorded["dati"]["risorsa_id"] == risorsa
    (intervento,) = district.leggi(caso.caso)["interventi"]
    assert intervento == {
        "id": response.json()["creato"],
        "prestazione": "A1.04",
        "inizio": INTERVENTO["inizio"],
        "fine_prevista": INTERVENTO["fine_prevista"],
        "risorsa_id": risorsa,
        "verificato": False,
        "concluso": False,
        "annullato": False,
    }


def test_the_case_view_shows_deadlines_and_what_the_case_holds(world: World) -> None:
    district = world.district
    caso = world.casi["carico"]
    read = district.get(caso.path(), "as.anziani")
    assert read.status_code == 200
    body = read.json()
    assert read.headers["ETag"] == f'W/"{body["versione"]}"'
    assert (body["stato"], body["in_carico"], body["assistente_sociale"]) == (
        "in_carico",
        True,
        "as.anziani",
    )
    assert (body["valutazioni"], body["contratto"], body["progetto"]) == (1, True, True)
    assert body["revisione_entro"] == PROGETTO["revisione_entro"]
    assert {i["id"]: (i["verificato"], i["concluso"]) for i in body["interventi"]} == {
        caso.intervento: (False, False),
        caso.terminato: (True, True),
    }
    assert body["provvedimenti"] == [
        {"id": caso.ordine, "relazione_entro": _day(60), "relazione_inviata": False}
    ]
    assert [
        (s["tipo"], s["entro"], s["riferimento_id"], s["scaduta"]) for s in body["scadenze"]
    ] == [
        ("relazione_tribunale", _day(60), caso.ordine, False),
        ("verifica_intervento", _day(90), caso.intervento, False),
        ("revisione_progetto", _day(180), None, False),
    ]


# -- court reports and orders ---------------------------------------------------------------


COURT_REPORT = ACT["segnalazioni"].body


@pytest.mark.parametrize(
    ("body", "campo"),
    [
        pytest.param(
            {k: v for k, v in COURT_REPORT.items() if k != "autorita"},
            "body.autorita",
            id="senza autorità",
        ),
        pytest.param(COURT_REPORT | {"autorita": SECRET}, "body.autorita", id="autorità ignota"),
        pytest.param(
            {k: v for k, v in COURT_REPORT.items() if k != "motivo"},
            "body.motivo",
            id="senza motivo",
        ),
        pytest.param(COURT_REPORT | {"motivo": "   "}, "body.motivo", id="motivo vuoto"),
        pytest.param(
            {k: v for k, v in COURT_REPORT.items() if k != "base_giuridica"},
            "body.base_giuridica",
            id="senza base giuridica",
        ),
        pytest.param(
            COURT_REPORT | {"base_giuridica": None},
            "body.base_giuridica",
            id="base giuridica nulla",
        ),
        pytest.param(
            COURT_REPORT | {"base_giuridica": "XYZ"}, "body.base_giuridica", id="base giuridica XYZ"
        ),
        pytest.param(
            COURT_REPORT | {"base_giuridica": "   "},
            "body.base_giuridica",
            id="base giuridica di spazi",
        ),
        pytest.param(
            COURT_REPORT | {"base_giuridica": ""},
            "body.base_giuridica",
            id="base giuridica vuota",
        ),
    ],
)
def test_a_court_report_needs_an_authority_a_reason_and_a_legal_basis(
    world: World, body: dict[str, Any], campo: str
) -> None:
    before = _position(world.runtime)
    response = world.district.post(world.path("/casi/{caso}/segnalazioni"), body)
    assert campo in _fields(response)
    assert SECRET not in response.text
    assert _position(world.runtime) == before


def test_a_court_order_imposes_a_project_without_a_contract(world: World) -> None:
    district = world.district
    caso = district.fascicolo("in_carico")
    refused = district.post(caso.path("/progetto"), PROGETTO)
    assert refused.status_code == 409, refused.text
    assert "contratto" in refused.json()["detail"]
    ordered = district.post(
        caso.path("/provvedimenti"),
        _ordine(tipo="affidamento_servizio_sociale", autorita="tribunale_minorenni"),
    )
    recorded = _assert_acted(
        district, ordered, caso.caso, "ProvvedimentoRecepito", status=201, basis=ORDER_BASIS
    )
    ordine = ordered.json()["creato"]
    assert recorded["dati"]["provvedimento_id"] == ordine
    assert recorded["dati"]["tipo"] == "affidamento_servizio_sociale"
    imposed = district.post(
        caso.path("/progetto"), PROGETTO | {"imposto_da_provvedimento_id": ordine}
    )
    recorded = _assert_acted(district, imposed, caso.caso, "ProgettoDefinito")
    assert recorded["dati"]["imposto_da_provvedimento_id"] == ordine
    activated = district.post(caso.path("/interventi"), INTERVENTO)
    _assert_acted(district, activated, caso.caso, "InterventoAttivato", status=201)
    read = district.leggi(caso.caso)
    assert (read["contratto"], read["progetto"], read["valutazioni"]) == (False, True, 0)


def test_a_case_opened_by_a_court_order_records_the_order_with_it(world: World) -> None:
    district = world.district
    response = district.post(
        "/casi", _caso_body(origine="provvedimento", provvedimento=_ordine()), "coordinatore"
    )
    assert response.status_code == 201, response.text
    caso = Fascicolo(response.json()["id"])
    ordine = response.json()["creato"]
    assert response.json()["versione"] == 2
    opened, order = district.storia(caso.caso)["items"]
    assert (opened["tipo"], opened["dati"]["origine"]) == ("CasoAperto", "provvedimento")
    assert order["tipo"] == "ProvvedimentoRecepito"
    assert order["attore"]["utente"] == "coordinatore"
    assert (opened["base_giuridica"], order["base_giuridica"]) == (LEGAL_BASIS, ORDER_BASIS)
    _subset(_ordine() | {"provvedimento_id": ordine}, order["dati"])
    district.ok(caso.path("/assegnazione"), {"assistente_sociale": "as.anziani"}, "coordinatore")
    district.ok(caso.path("/presa-in-carico"), {})
    # an inquiry entrusts nobody to the service: the project still needs a contract
    refused = district.post(
        caso.path("/progetto"), PROGETTO | {"imposto_da_provvedimento_id": ordine}
    )
    assert refused.status_code == 409, refused.text
    assert "non affida la persona al servizio" in refused.json()["detail"]
    assert not district.leggi(caso.caso)["progetto"]


def test_the_coordinator_records_an_order_on_a_case_waiting_for_assignment(world: World) -> None:
    district = world.district
    caso = district.fascicolo("in_attesa")
    ordered = district.post(caso.path("/provvedimenti"), _ordine(), "coordinatore")
    _assert_acted(
        district,
        ordered,
        caso.caso,
        "ProvvedimentoRecepito",
        status=201,
        user="coordinatore",
        role="coordinatore",
        basis=ORDER_BASIS,
    )
    ordine = ordered.json()["creato"]
    due = [(s["tipo"], s["riferimento_id"]) for s in district.leggi(caso.caso)["scadenze"]]
    assert due == [("relazione_tribunale", ordine)]
    district.ok(caso.path("/assegnazione"), {"assistente_sociale": "as.anziani"}, "coordinatore")
    district.ok(caso.path("/presa-in-carico"), {})
    owed = district.post(caso.path("/chiusura"), ACT["chiusura"].body)
    assert owed.status_code == 409, owed.text
    assert "attende ancora una relazione" in owed.json()["detail"]
    reported = district.post(
        caso.path("/relazioni"), ACT["relazioni"].body | {"provvedimento_id": ordine}
    )
    _assert_acted(district, reported, caso.caso, "RelazioneInviata", status=201, basis=ORDER_BASIS)
    read = district.leggi(caso.caso)
    assert read["provvedimenti"] == [
        {"id": ordine, "relazione_entro": _day(60), "relazione_inviata": True}
    ]
    assert read["scadenze"] == []


# -- reassignment, a foreign minor's referent, reopening ------------------------------------


def test_a_reassigned_case_waits_for_the_new_worker_and_refuses_the_old_one(world: World) -> None:
    district = world.district
    caso = district.fascicolo("valutato")
    reassigned = district.post(
        caso.path("/assegnazione"), {"assistente_sociale": SECOND_ELD_WORKER}, "coordinatore"
    )
    recorded = _assert_acted(
        district,
        reassigned,
        caso.caso,
        "AssistenteSocialeAssegnato",
        user="coordinatore",
        role="coordinatore",
    )
    assert recorded["dati"]["assistente_sociale"] == SECOND_ELD_WORKER
    read = district.leggi(caso.caso)
    assert (read["stato"], read["assistente_sociale"], read["in_carico"]) == (
        "assegnato",
        SECOND_ELD_WORKER,
        False,
    )
    before = _position(world.runtime)
    early = district.post(caso.path("/questionari"), ACT["questionari"].body, SECOND_ELD_WORKER)
    assert early.status_code == 409, early.text
    assert "preso in carico" in early.json()["detail"]
    for path, body in (("/questionari", ACT["questionari"].body), ("/presa-in-carico", {})):
        old = district.post(caso.path(path), body, "as.anziani")
        assert old.status_code == 403, old.text
        assert "assegnata" in old.json()["detail"]
    assert _position(world.runtime) == before
    taken = district.post(caso.path("/presa-in-carico"), {}, SECOND_ELD_WORKER)
    _assert_acted(district, taken, caso.caso, "PresaInCarico", user=SECOND_ELD_WORKER)
    written = district.post(caso.path("/questionari"), ACT["questionari"].body, SECOND_ELD_WORKER)
    _assert_acted(
        district, written, caso.caso, "QuestionarioRaccolto", status=201, user=SECOND_ELD_WORKER
    )
    # the old worker still reads the cases of their area, and the same assignment is a 409
    assert district.get(caso.path(), "as.anziani").status_code == 200
    again = district.post(
        caso.path("/assegnazione"), {"assistente_sociale": SECOND_ELD_WORKER}, "coordinatore"
    )
    assert again.status_code == 409, again.text


def test_a_case_reassigned_to_another_area_leaves_the_old_worker_s_scope(world: World) -> None:
    district = world.district
    caso = district.fascicolo("in_carico")
    moved = district.post(
        caso.path("/assegnazione"),
        {"assistente_sociale": "as.adulti", "area_utenza": "POV"},
        "coordinatore",
    )
    recorded = _assert_acted(
        district,
        moved,
        caso.caso,
        "AssistenteSocialeAssegnato",
        user="coordinatore",
        role="coordinatore",
    )
    assert recorded["dati"]["area_utenza"] == "POV"
    assert district.leggi(caso.caso)["area_utenza"] == "POV"
    assert district.get(caso.path(), "as.anziani").status_code == 404
    assert district.post(caso.path("/presa-in-carico"), {}, "as.anziani").status_code == 404
    assert district.post(caso.path("/presa-in-carico"), {}, "as.adulti").status_code == 200


@pytest.mark.parametrize(
    ("persona", "area", "riferimento"),
    [
        pytest.param(_minore(504), "IMMNOM", "FAM", id="minore extra UE"),
        pytest.param(_minore(250), "IMMNOM", "FAM", id="minore UE"),
        pytest.param(_minore(504, years=40), "IMMNOM", "IMMNOM", id="adulto extra UE"),
        pytest.param(_minore(504, years=80), "IMMNOM", "ELD", id="anziano extra UE"),
        pytest.param(_minore(380), "POV", "POV", id="minore italiano"),
    ],
)
def test_a_case_s_referent_area_follows_a_foreign_citizen_s_age_band(
    world: World, persona: dict[str, Any], area: str, riferimento: str
) -> None:
    caso = world.district.apri(area_utenza=area, persona=persona)
    read = world.district.leggi(caso)
    assert (read["area_utenza"], read["area_di_riferimento"]) == (area, riferimento)


def test_a_foreign_minor_goes_to_the_families_and_minors_worker(world: World) -> None:
    district = world.district
    caso = Fascicolo(district.apri(area_utenza="IMMNOM", persona=_minore(504)))
    before = _position(world.runtime)
    refused = district.post(
        caso.path("/assegnazione"), {"assistente_sociale": "as.adulti"}, "coordinatore"
    )
    assert _fields(refused) == ["body.assistente_sociale"]
    assert _position(world.runtime) == before
    assigned = district.post(
        caso.path("/assegnazione"), {"assistente_sociale": "as.minori"}, "coordinatore"
    )
    recorded = _assert_acted(
        district,
        assigned,
        caso.caso,
        "AssistenteSocialeAssegnato",
        user="coordinatore",
        role="coordinatore",
    )
    assert (recorded["dati"]["assistente_sociale"], recorded["dati"]["area_utenza"]) == (
        "as.minori",
        "FAM",
    )
    read = district.leggi(caso.caso, "as.minori")
    assert (read["area_utenza"], read["area_di_riferimento"]) == ("FAM", "FAM")
    taken = district.post(caso.path("/presa-in-carico"), {}, "as.minori")
    _assert_acted(district, taken, caso.caso, "PresaInCarico", user="as.minori")


def test_a_foreign_minor_may_go_to_the_immigration_worker_when_the_area_is_named(
    world: World,
) -> None:
    district = world.district
    caso = Fascicolo(district.apri(area_utenza="IMMNOM", persona=_minore(504)))
    assigned = district.post(
        caso.path("/assegnazione"),
        {"assistente_sociale": "as.adulti", "area_utenza": "IMMNOM"},
        "coordinatore",
    )
    recorded = _assert_acted(
        district,
        assigned,
        caso.caso,
        "AssistenteSocialeAssegnato",
        user="coordinatore",
        role="coordinatore",
    )
    assert recorded["dati"]["area_utenza"] == "IMMNOM"


def test_a_closed_case_is_reopened_by_a_new_case_that_links_it(world: World) -> None:
    district = world.district
    old = district.fascicolo("in_carico")
    closed = district.post(old.path("/chiusura"), ACT["chiusura"].body)
    _assert_acted(district, closed, old.caso, "CasoChiuso")
    person = district.storia(old.caso)["items"][0]["dati"]["persona_id"]
    reopened = district.post(
        "/casi",
        {
            "comune": "E094",
            "area_utenza": "ELD",
            "origine": "emergenza",
            "motivo": "Nuova caduta",
            "caso_precedente_id": old.caso,
        },
        "coordinatore",
    )
    assert reopened.status_code == 201, reopened.text
    new = reopened.json()["id"]
    assert new != old.caso
    (opened,) = district.storia(new)["items"]
    assert opened["dati"]["caso_precedente_id"] == old.caso
    assert opened["dati"]["persona_id"] == person
    assert opened["dati"]["persona"]["nome"] == ANZIANA["nome"]
    read = district.leggi(new)
    assert (read["caso_precedente_id"], read["persona"]["persona_id"]) == (old.caso, person)
    before = _position(world.runtime)
    still_open = district.post(
        "/casi", _caso_body(caso_precedente_id=new, persona=None), "coordinatore"
    )
    assert still_open.status_code == 409, still_open.text
    assert "ancora aperto" in still_open.json()["detail"]
    again = district.post(
        "/casi", _caso_body(caso_precedente_id=old.caso, persona=None), "coordinatore"
    )
    assert again.status_code == 409, again.text
    assert "già stato riaperto" in again.json()["detail"]
    assert _position(world.runtime) == before


def test_a_reopening_names_the_closed_case_s_person_or_no_one(world: World) -> None:
    district = world.district
    old = district.fascicolo("in_carico")
    district.ok(old.path("/chiusura"), ACT["chiusura"].body)
    before = _position(world.runtime)
    someone_else = ANZIANA | {"nome": "Carla", "codice_fiscale": None}
    refused = district.post(
        "/casi", _caso_body(caso_precedente_id=old.caso, persona=someone_else), "coordinatore"
    )
    assert "body.persona" in _fields(refused), refused.text
    assert _position(world.runtime) == before
    same = district.post(
        "/casi", _caso_body(caso_precedente_id=old.caso, persona=ANZIANA), "coordinatore"
    )
    assert same.status_code == 201, same.text


def test_a_case_closes_only_once_each_intervention_is_verified_and_concluded(
    world: World,
) -> None:
    district = world.district
    caso = district.fascicolo("progetto")
    intervento = district.ok(caso.path("/interventi"), INTERVENTO)["creato"]
    for step, body in (
        ("/conclusione", {"concluso_il": _day()}),
        ("/verifiche", {"esito": "raggiunto", "efficacia": "Buona", "concluso": False}),
    ):
        refused = district.post(caso.path("/chiusura"), ACT["chiusura"].body)
        assert refused.status_code == 409, refused.text
        assert "intervento" in refused.json()["detail"]
        district.ok(caso.path(f"/interventi/{intervento}{step}"), body)
    closed = district.post(caso.path("/chiusura"), ACT["chiusura"].body)
    _assert_acted(district, closed, caso.caso, "CasoChiuso")


def test_a_case_handed_over_by_the_segretariato_waits_in_the_queue(world: World) -> None:
    district = world.district
    operator = district.as_("operatore")
    received = district.client.post(f"{INTAKE}/domande", json=CONTRACT_BODY, headers=operator)
    assert received.status_code == 201, received.text
    domanda = received.json()["id"]
    handed = district.client.post(
        f"{INTAKE}/domande/{domanda}/inoltro",
        json={"area_utenza": "ELD", "motivo": "Serve una presa in carico", "urgente": True},
        headers=operator,
    )
    assert handed.status_code == 200, handed.text
    deadline = clock.monotonic() + 15
    found: list[dict[str, Any]] = []
    while not found and clock.monotonic() < deadline:
        queue = district.get("/casi/in-attesa?limit=200")
        assert queue.status_code == 200, queue.text
        found = [item for item in queue.json()["items"] if item["domanda_id"] == domanda]
        if not found:
            clock.sleep(0.1)
    (item,) = found
    assert (item["origine"], item["area_utenza"], item["urgente"]) == ("inoltro", "ELD", True)
    read = district.leggi(item["id"])
    assert (read["domanda_id"], read["origine"], read["stato"]) == (domanda, "inoltro", "in_attesa")
    persona = CONTRACT_BODY["persona"]
    assert isinstance(persona, dict)
    assert read["persona"]["codice_fiscale"] == persona["codice_fiscale"]
    assert read["motivo"] == "Serve una presa in carico"
    (opened,) = district.storia(item["id"])["items"]
    assert opened["fonte"] == "system"
    assigned = district.post(
        f"/casi/{item['id']}/assegnazione", {"assistente_sociale": "as.anziani"}, "coordinatore"
    )
    assert assigned.status_code == 200, assigned.text


# -- every read of a case is recorded ------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "endpoint"),
    [("", "GET /api/casework/casi/{id}"), ("/storia", "GET /api/casework/casi/{id}/storia")],
    ids=["caso", "storia"],
)
@pytest.mark.parametrize(
    ("user", "role"), [("as.anziani", "assistente_sociale"), ("coordinatore", "coordinatore")]
)
@pytest.mark.parametrize("finalita", [None, "VALUTAZIONE", "AUTORITA_GIUDIZIARIA"])
def test_every_read_of_a_case_leaves_a_read_event_with_the_caller_and_purpose(
    world: World, suffix: str, endpoint: str, user: str, role: str, finalita: str | None
) -> None:
    runtime = world.runtime
    caso = world.casi["carico"]
    person = world.district.storia(caso.caso)["items"][0]["dati"]["persona_id"]
    before = _position(runtime)
    query = "" if finalita is None else f"?finalita={finalita}"
    response = world.district.get(caso.path(suffix) + query, user)
    assert response.status_code == 200, response.text
    (read,) = _since(runtime, before)
    assert isinstance(read, DatiPersonaliLetti)
    assert (read.oggetto, read.oggetto_id, read.persona_id) == ("caso", UUID(caso.caso), person)
    assert read.endpoint == endpoint
    default = "COORDINAMENTO" if role == "coordinatore" else "PRESA_IN_CARICO"
    assert read.finalita == (finalita or default)
    assert (read.actor.user, read.actor.role, read.actor.comune) == (user, role, "E094")
    assert read.legal_basis == READ_BASIS
    assert read.source == "api"


@pytest.mark.parametrize(
    ("path", "user", "status"),
    [
        ("/casi/{caso}", "as.minori", 404),
        ("/casi/{caso}/storia", "as.adulti", 404),
        ("/casi/{caso}", "pedagogista", 404),  # the project names an educatore, a psicologa
        ("/casi/{caso}/storia", "operatore", 403),
        ("/casi", "as.anziani", 200),
        ("/casi/in-attesa", "coordinatore", 200),
    ],
)
def test_refused_reads_and_lists_leave_no_read_event(
    world: World, path: str, user: str, status: int
) -> None:
    before = _position(world.runtime)
    response = world.district.get(world.path(path), user)
    assert response.status_code == status, response.text
    assert _position(world.runtime) == before


# -- lists ---------------------------------------------------------------------------------


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("user", "aree"),
    [
        ("as.minori", {"FAM"}),
        ("as.anziani", {"ELD", "DIS"}),
        ("as.adulti", {"POV", "IMMNOM", "ADD"}),
    ],
)
def test_a_social_worker_lists_only_the_cases_of_their_areas(
    world: World, user: str, aree: set[str]
) -> None:
    response = world.district.elenco("limit=200", user)
    items = response.json()["items"]
    assert {item["area_utenza"] for item in items} <= aree
    ids = {item["id"] for item in items}
    for name in ("minore", "carico", "attesa"):
        caso = world.casi[name]
        expected = world.district.leggi(caso.caso)["area_utenza"] in aree
        assert (caso.caso in ids) == expected, name


def test_the_coordinator_lists_every_case_of_their_comuni(world: World) -> None:
    ids = set(_ids(world.district.elenco("limit=200")))
    assert {world.casi[name].caso for name in world.casi if name != "ignoto"} <= ids
    bussero = set(_ids(world.district.elenco("limit=200", BUSSERO_COORDINATOR)))
    assert bussero == {world.casi["bussero"].caso}


def test_a_list_holds_no_personal_data(world: World) -> None:
    response = world.district.elenco("limit=200")
    assert response.json()["items"]
    for text in (ANZIANA["nome"], ANZIANA["cognome"], ANZIANA["codice_fiscale"], "caduta"):
        assert text not in response.text
    row = next(i for i in response.json()["items"] if i["id"] == world.casi["carico"].caso)
    assert (row["stato"], row["assistente_sociale"], row["interventi_attivi"]) == (
        "in_carico",
        "as.anziani",
        1,
    )
    assert (row["fascia_eta"], row["comune"], row["area_utenza"]) == ("85+", "E094", "ELD")


@pytest.mark.parametrize(
    ("query", "column", "value", "member"),
    [
        ("stato=in_attesa", "stato", "in_attesa", "attesa"),
        ("stato=assegnato", "stato", "assegnato", "assegnato"),
        ("stato=in_carico", "stato", "in_carico", "carico"),
        ("stato=chiuso", "stato", "chiuso", "chiuso"),
        ("area_utenza=FAM", "area_utenza", "FAM", "minore"),
        ("area_utenza=ELD", "area_utenza", "ELD", "carico"),
        ("assistente_sociale=as.minori", "assistente_sociale", "as.minori", "minore"),
        ("assistente_sociale=as.anziani", "assistente_sociale", "as.anziani", "presa"),
        ("comune=B292", "comune", "B292", "bussero"),
    ],
)
def test_the_list_filters_by_state_area_social_worker_and_comune(
    world: World, query: str, column: str, value: str, member: str
) -> None:
    response = world.district.elenco(f"{query}&limit=200")
    items = response.json()["items"]
    assert {item[column] for item in items} == {value}
    assert world.casi[member].caso in {item["id"] for item in items}


def test_filters_combine(world: World) -> None:
    response = world.district.elenco("stato=in_carico&area_utenza=FAM&limit=200")
    items = response.json()["items"]
    assert items
    assert {(item["stato"], item["area_utenza"]) for item in items} == {("in_carico", "FAM")}
    assert world.casi["carico"].caso not in {item["id"] for item in items}


@pytest.mark.parametrize("path", ["/casi", "/casi/in-attesa"])
def test_lists_page_with_next_until_the_end(world: World, path: str) -> None:
    district = world.district
    everything = _ids(district.elenco("limit=200", path=path))
    assert len(everything) > 3
    paged: list[str] = []
    url: str | None = f"{API}{path}?limit=2"
    pages = 0
    while url is not None:
        assert url.startswith(API)
        response = district.get(url.removeprefix(API))
        page = _ids(response)
        assert 1 <= len(page) <= 2
        paged.extend(page)
        url = response.json()["next"]
        pages += 1
        if url is not None:
            query = parse_qs(urlsplit(url).query)
            assert query["limit"] == ["2"]
            assert query["offset"] == [str(len(paged))]
    assert paged == everything
    assert pages == (len(everything) + 1) // 2


def test_the_queue_lists_waiting_cases_urgent_first_then_oldest_first(world: World) -> None:
    district = world.district
    calm = district.apri(urgente=False)
    urgent = district.apri(urgente=True)
    response = district.elenco("limit=200", path="/casi/in-attesa")
    items = response.json()["items"]
    assert {item["stato"] for item in items} == {"in_attesa"}
    assert {item["id"] for item in items} >= {calm, urgent, world.casi["attesa"].caso}
    assert world.casi["assegnato"].caso not in {item["id"] for item in items}
    order = [(not item["urgente"], item["aperto_il"]) for item in items]
    assert order == sorted(order)
    ids = [item["id"] for item in items]
    assert ids.index(urgent) < ids.index(world.casi["attesa"].caso) < ids.index(calm)


def test_a_list_reads_its_writes(world: World) -> None:
    district = world.district
    opened = district.ok("/casi", _caso_body(area_utenza="DIS"), "coordinatore")
    response = district.get(
        f"/casi?attendi_posizione={opened['posizione']}&area_utenza=DIS&limit=200", "as.anziani"
    )
    row = next(item for item in response.json()["items"] if item["id"] == opened["id"])
    assert (row["versione"], row["posizione"]) == (1, opened["posizione"])


# -- concurrency ---------------------------------------------------------------------------


def _at_once(actions: list[Callable[[], Any]]) -> list[Any]:
    """Runs the actions in threads released together; their answers in order."""
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


@pytest.mark.parametrize("round_", range(3))
def test_two_writers_without_if_match_both_land(world: World, round_: int) -> None:
    district = world.district
    caso = district.fascicolo("in_carico")
    answers = _at_once(
        [
            partial(
                district.post,
                caso.path("/questionari"),
                {"momento": "in_itinere", "risposte": [n + 1], "commento": f"scrittore {n}"},
            )
            for n in range(2)
        ]
    )
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert sorted(a.json()["versione"] for a in answers) == [4, 5]
    items = district.storia(caso.caso)["items"]
    assert [item["versione"] for item in items] == [1, 2, 3, 4, 5]
    by_version = {item["versione"]: item for item in items}
    for n, answer in enumerate(answers):
        assert by_version[answer.json()["versione"]]["dati"]["commento"] == f"scrittore {n}"


def test_two_different_acts_at_once_both_land(world: World) -> None:
    district = world.district
    caso = district.fascicolo("completo")
    answers = _at_once(
        [
            partial(
                district.post,
                caso.path(f"/interventi/{caso.intervento}/monitoraggi"),
                ACT["monitoraggi"].body,
            ),
            partial(district.post, caso.path("/segnalazioni"), COURT_REPORT),
            partial(district.post, caso.path("/nucleo"), {"membri": MEMBRI}),
        ]
    )
    assert [a.status_code for a in answers] == [200, 201, 200], [a.text for a in answers]
    tipi = [item["tipo"] for item in district.storia(caso.caso)["items"][-3:]]
    assert sorted(tipi) == [
        "MonitoraggioRegistrato",
        "NucleoFamiliareRegistrato",
        "SegnalazioneTribunale",
    ]


@pytest.mark.parametrize("round_", range(3))
def test_two_writers_with_the_same_if_match_one_wins_the_other_is_412(
    world: World, round_: int
) -> None:
    district = world.district
    caso = district.fascicolo("in_carico")
    before = _position(world.runtime)
    answers = _at_once(
        [
            partial(
                district.post,
                caso.path("/questionari"),
                {"momento": "ex_post", "risposte": [n + 1]},
                if_match='W/"3"',
            )
            for n in range(2)
        ]
    )
    assert sorted(a.status_code for a in answers) == [201, 412], [a.text for a in answers]
    winner = next(n for n, a in enumerate(answers) if a.status_code == 201)
    items = district.storia(caso.caso)["items"]
    assert len(items) == 4
    assert items[-1]["dati"]["risposte"] == [winner + 1]
    written = [e for e in _since(world.runtime, before) if not isinstance(e, DatiPersonaliLetti)]
    assert [e.event_type for e in written] == ["QuestionarioRaccolto"]


# -- 422: the field named, the value never echoed, nothing recorded ------------------------


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def _generic_invalid() -> list[Any]:
    """For every act: an unknown field, an unknown legal basis, a future time, a time
    before the case's last act, a time without offset."""
    before_last = "2020-01-02T10:00:00+01:00"
    future = _moment(timedelta(days=2))
    rows = []
    for act in ACTS:
        path = "/casi/{caso}" + act.path
        rows += [
            pytest.param(
                path, act.body | {SECRET: 1}, "body", SECRET, id=f"{act.name}: campo ignoto"
            ),
            pytest.param(
                path,
                act.body | {"base_giuridica": SECRET},
                "body.base_giuridica",
                SECRET,
                id=f"{act.name}: base giuridica ignota",
            ),
            pytest.param(
                path,
                act.body | {"occurred_at": future},
                "body.occurred_at",
                future,
                id=f"{act.name}: nel futuro",
            ),
            pytest.param(
                path,
                act.body | {"occurred_at": before_last},
                "body.occurred_at",
                before_last,
                id=f"{act.name}: prima dell'ultimo atto",
            ),
            pytest.param(
                path,
                act.body | {"occurred_at": "2024-05-06T10:00:00"},
                "body.occurred_at",
                "2024-05-06T10:00:00",
                id=f"{act.name}: senza fuso orario",
            ),
        ]
    return rows


def _missing() -> list[Any]:
    """Each act without each of its required fields."""
    required = {
        "valutazioni": ["tipo", "problemi", "risorse", "esito", "partecipanti"],
        "rettifiche": ["motivo"],
        "nucleo": ["membri"],
        "rappresentante-legale": ["ruolo", "nome", "cognome"],
        "questionari": ["momento", "risposte"],
        "contratto": ["firmatario", "impegni_servizio", "impegni_persona", "firmato_il"],
        "progetto": ["obiettivi", "revisione_entro"],
        "revisioni": ["obiettivi", "motivo", "revisione_entro"],
        "interventi": ["prestazione", "inizio"],
        "monitoraggi": ["data", "note"],
        "verifiche": ["esito", "efficacia", "concluso"],
        "conclusione": ["concluso_il"],
        "annullamento": ["motivo"],
        "segnalazioni": ["autorita", "motivo", "base_giuridica"],
        "provvedimenti": ["autorita", "tipo", "estremi"],
        "relazioni": ["autorita", "sintesi"],
        "chiusura": ["motivo", "restituzione"],
    }
    return [
        pytest.param(
            "/casi/{caso}" + ACT[name].path,
            _without(ACT[name].body, key),
            f"body.{key}",
            None,
            id=f"{name}: senza {key}",
        )
        for name, keys in required.items()
        for key in keys
    ]


def _act(name: str, campo: str, echo: str | None = SECRET, **changes: Any) -> Any:
    return pytest.param(
        "/casi/{caso}" + ACT[name].path,
        ACT[name].body | changes,
        campo,
        echo,
        id=f"{name}: {campo.removeprefix('body.')} {next(iter(changes.values()))!s:.20}",
    )


INVALID: list[Any] = [
    *_generic_invalid(),
    *_missing(),
    # wrong enums
    _act("valutazioni", "body.tipo", tipo=SECRET),
    _act("rappresentante-legale", "body.ruolo", ruolo=SECRET),
    _act("questionari", "body.momento", momento=SECRET),
    _act("contratto", "body.firmatario", firmatario=SECRET),
    _act("verifiche", "body.esito", esito=SECRET),
    _act("segnalazioni", "body.autorita", autorita=SECRET),
    _act("segnalazioni", "body.richiesta", richiesta=SECRET),
    _act("provvedimenti", "body.tipo", tipo=SECRET),
    _act("provvedimenti", "body.autorita", autorita=SECRET),
    _act("relazioni", "body.autorita", autorita=SECRET),
    _act("chiusura", "body.motivo", motivo=SECRET),
    pytest.param(
        "/casi/{caso}/nucleo",
        {"membri": [MEMBRI[0] | {"relazione": SECRET}]},
        "body.membri.0.relazione",
        SECRET,
        id="nucleo: relazione ignota",
    ),
    pytest.param(
        "/casi/{caso}/nucleo",
        {"membri": [MEMBRI[0], MEMBRI[1] | {"sesso": "X"}]},
        "body.membri.1.sesso",
        None,
        id="nucleo: sesso X",
    ),
    pytest.param(
        "/casi/{caso}/nucleo",
        {"membri": [MEMBRI[0] | {"sesso": SECRET}]},
        "body.membri.0.sesso",
        SECRET,
        id="nucleo: sesso ignoto",
    ),
    # free text over 4,000 characters
    _act("valutazioni", "body.problemi", problemi=TOO_LONG),
    _act("valutazioni", "body.nucleo", nucleo=TOO_LONG),
    _act("rettifiche", "body.motivo", motivo=TOO_LONG),
    _act("questionari", "body.commento", commento=TOO_LONG),
    _act("contratto", "body.impegni_persona", impegni_persona=TOO_LONG),
    _act("progetto", "body.obiettivi", obiettivi=TOO_LONG),
    _act("revisioni", "body.motivo", motivo=TOO_LONG),
    _act("interventi", "body.descrizione", descrizione=TOO_LONG),
    _act("monitoraggi", "body.note", note=TOO_LONG),
    _act("verifiche", "body.efficacia", efficacia=TOO_LONG),
    _act("conclusione", "body.motivo", motivo=TOO_LONG),
    _act("annullamento", "body.motivo", motivo=TOO_LONG),
    _act("annullamento", "body.motivo", None, motivo="   "),
    _act("segnalazioni", "body.motivo", motivo=TOO_LONG),
    _act("provvedimenti", "body.estremi", estremi=TOO_LONG),
    _act("relazioni", "body.sintesi", sintesi=TOO_LONG),
    _act("chiusura", "body.restituzione", restituzione=TOO_LONG),
    _act("rappresentante-legale", "body.nome", nome=TOO_LONG[:101]),
    _act("interventi", "body.frequenza", frequenza=TOO_LONG[:201]),
    _act("valutazioni", "body.partecipanti.0", partecipanti=[TOO_LONG[:201]]),
    # dates
    _act("contratto", "body.firmato_il", _day(1), firmato_il=_day(1)),
    _act("conclusione", "body.concluso_il", _day(1), concluso_il=_day(1)),
    _act("conclusione", "body.concluso_il", _day(-1), concluso_il=_day(-1)),  # before start
    _act("interventi", "body.fine_prevista", _day(-1), fine_prevista=_day(-1)),
    # amounts: the shares add up to the amount
    _act("interventi", "body.quota_ente", None, quota_ente="90.00"),
    _act("interventi", "body.importo", None, importo="-1"),
    _act("contratto", "body.firmato_il", "31/12/2024", firmato_il="31/12/2024"),
    _act("interventi", "body.fine_prevista", _day(-1), fine_prevista=_day(-1)),
    _act("interventi", "body.inizio", SECRET, inizio=SECRET),
    _act("monitoraggi", "body.data", _day(1), data=_day(1)),
    _act("provvedimenti", "body.data_provvedimento", _day(1), data_provvedimento=_day(1)),
    _act("progetto", "body.revisione_entro", SECRET, revisione_entro=SECRET),
    _act("conclusione", "body.concluso_il", "2024-02-30", concluso_il="2024-02-30"),
    pytest.param(
        "/casi/{caso}/nucleo",
        {"membri": [MEMBRI[0] | {"data_nascita": _day(1)}]},
        "body.membri.0.data_nascita",
        _day(1),
        id="nucleo: membro nato domani",
    ),
    # codes, numbers and ids
    _act("interventi", "body.prestazione", SECRET, prestazione=SECRET),
    _act("interventi", "body.prestazione", "X0.00", prestazione="X0.00"),
    _act("interventi", "body.importo", "-1", importo="-1"),
    _act("interventi", "body.importo", "1.234", importo="1.234"),
    _act("interventi", "body.protocollo_domanda", SECRET * 3, protocollo_domanda=SECRET * 3),
    _act("interventi", "body.prova_mezzi", None, prova_mezzi="si"),
    _act("interventi", "body.risorsa_id", SECRET, risorsa_id=SECRET),
    _act(
        "interventi", "body.risorsa_id", None, risorsa_id="5e1d0f2a-0000-4000-8000-00000000dead"
    ),  # no such resource
    _act("questionari", "body.risposte.0", None, risposte=[9]),
    _act("questionari", "body.risposte.1", None, risposte=[3, 0]),
    _act("questionari", "body.risposte.0", None, risposte=["5"]),
    _act("questionari", "body.risposte", None, risposte=[]),
    _act("questionari", "body.risposte", None, risposte=[3] * 31),
    _act("valutazioni", "body.partecipanti", None, partecipanti=[]),
    _act("verifiche", "body.concluso", None, concluso="no"),
    _act("contratto", "body.consenso_trattamento", None, consenso_trattamento=1),
    _act("relazioni", "body.provvedimento_id", SECRET, provvedimento_id=SECRET),
    _act(
        "progetto", "body.imposto_da_provvedimento_id", SECRET, imposto_da_provvedimento_id=SECRET
    ),
    pytest.param(
        "/casi/{caso}/nucleo",
        {"membri": [MEMBRI[0]] * 31},
        "body.membri",
        None,
        id="nucleo: più di 30 membri",
    ),
    # the district's own records: professionals, providers
    _act("progetto", "body.professionisti.0", SECRET, professionisti=[SECRET]),
    _act("progetto", "body.professionisti.1", None, professionisti=["educatore", "nessuno"]),
    _act("progetto", "body.professionisti.0", None, professionisti=["coordinatore"]),
    _act("progetto", "body.professionisti.0", None, professionisti=["operatore"]),
    # SIUSS assessment items
    _act("valutazioni", "body.sinba", None, sinba=SINBA),
    _act("rettifiche", "body.sinba", None, sinba=SINBA),
    _act("valutazioni", "body.sina.attivita_vita_quotidiana", None, sina={"mobilita": "1"}),
    # the body itself
    pytest.param("/casi/{caso}/valutazioni", [VALUTAZIONE], "body", None, id="corpo non oggetto"),
    pytest.param("/casi/{caso}/questionari", None, "body", None, id="senza corpo"),
    # opening a case
    pytest.param("/casi", _caso_body(comune="e094"), "body.comune", "e094", id="casi: comune"),
    pytest.param(
        "/casi", _caso_body(area_utenza=SECRET), "body.area_utenza", SECRET, id="casi: area ignota"
    ),
    pytest.param("/casi", _caso_body(origine="inoltro"), "body.origine", None, id="casi: inoltro"),
    pytest.param("/casi", _caso_body(origine=SECRET), "body.origine", SECRET, id="casi: origine"),
    pytest.param("/casi", _caso_body(motivo=TOO_LONG), "body.motivo", SECRET, id="casi: motivo"),
    pytest.param("/casi", _caso_body(motivo=" "), "body.motivo", None, id="casi: motivo vuoto"),
    pytest.param(
        "/casi", _without(_caso_body(), "motivo"), "body.motivo", None, id="casi: no motivo"
    ),
    pytest.param("/casi", _caso_body(urgente="si"), "body.urgente", None, id="casi: urgente"),
    pytest.param("/casi", _caso_body(persona=None), "body.persona", None, id="casi: senza persona"),
    pytest.param(
        "/casi",
        _caso_body(persona={"cognome": "Rossi"}),
        "body.persona.nome",
        None,
        id="casi: persona senza nome",
    ),
    pytest.param(
        "/casi",
        _caso_body(persona=ANZIANA | {"codice_fiscale": SECRET}),
        "body.persona.codice_fiscale",
        SECRET,
        id="casi: codice fiscale",
    ),
    pytest.param(
        "/casi",
        _caso_body(persona=ANZIANA | {"data_nascita": "1941-01-01"}),
        "body.persona.data_nascita",
        "1941-01-01",
        id="casi: nascita incoerente col codice fiscale",
    ),
    pytest.param(
        "/casi",
        _caso_body(persona=_minore() | {"data_nascita": _day(1)}),
        "body.persona.data_nascita",
        _day(1),
        id="casi: nato domani",
    ),
    pytest.param(
        "/casi",
        _caso_body(persona=_minore(999)),
        "body.persona.cittadinanza",
        None,
        id="casi: cittadinanza ignota",
    ),
    pytest.param(
        "/casi",
        _caso_body(persona=ANZIANA | {SECRET: "x"}),
        "body.persona",
        SECRET,
        id="casi: campo ignoto nella persona",
    ),
    pytest.param(
        "/casi", _caso_body(origine="provvedimento"), "body.provvedimento", None, id="casi: ordine"
    ),
    pytest.param(
        "/casi",
        _caso_body(origine="provvedimento", provvedimento=_without(_ordine(), "estremi")),
        "body.provvedimento.estremi",
        None,
        id="casi: ordine senza estremi",
    ),
    pytest.param(
        "/casi",
        _caso_body(origine="provvedimento", provvedimento=_ordine(data_provvedimento=_day(1))),
        "body.provvedimento.data_provvedimento",
        _day(1),
        id="casi: ordine di domani",
    ),
    pytest.param(
        "/casi",
        _caso_body(caso_precedente_id=str(uuid4())),
        "body.caso_precedente_id",
        None,
        id="casi: caso precedente ignoto",
    ),
    pytest.param("/casi", _caso_body(**{SECRET: True}), "body", SECRET, id="casi: campo ignoto"),
    pytest.param(
        "/casi",
        _caso_body(base_giuridica=SECRET),
        "body.base_giuridica",
        SECRET,
        id="casi: base giuridica ignota",
    ),
    pytest.param(
        "/casi",
        _caso_body(occurred_at=_moment(timedelta(hours=1))),
        "body.occurred_at",
        None,
        id="casi: nel futuro",
    ),
]


@pytest.mark.parametrize(("path", "body", "campo", "echo"), INVALID)
def test_invalid_input_is_422_naming_the_field_never_echoing_it_and_records_nothing(
    world: World, path: str, body: Any, campo: str, echo: str | None
) -> None:
    user = "coordinatore" if path == "/casi" else "as.anziani"
    before = _position(world.runtime)
    response = world.district.post(world.path(path), world.body(body), user)
    assert campo in _fields(response), response.text
    assert SECRET not in response.text
    if echo is not None:
        assert echo not in response.text
    assert _position(world.runtime) == before


SIUSS_INVALID: list[Any] = [
    pytest.param(
        {"sinba": SINBA | {"luogo_vita": SECRET}},
        "body.sinba.luogo_vita",
        id="SINBA: codice ignoto",
    ),
    pytest.param(
        {"sinba": SINBA | {"data_prima_segnalazione": "2025-03"}},
        "body.sinba.data_prima_segnalazione",
        id="SINBA: data non MM/AAAA",
    ),
    pytest.param(
        {"sinba": SINBA | {"condizione_minore": {}}},
        "body.sinba.condizione_minore",
        id="SINBA: oggetto vuoto",
    ),
    pytest.param(
        {"sinba": SINBA | {"luogo_vita": {"erased": True}}},
        "body.sinba.luogo_vita",
        id="SINBA: marcatore di cancellazione",
    ),
    pytest.param(
        {"sinba": _without(SINBA, "luogo_vita")}, "body.sinba.luogo_vita", id="SINBA: mancante"
    ),
    pytest.param({"sinba": SINBA | {SECRET: "1"}}, "body.sinba", id="SINBA: campo ignoto"),
    pytest.param(
        {"sinba": SINBA | {"minore_straniero_non_accompagnato": SECRET}},
        "body.sinba.minore_straniero_non_accompagnato",
        id="SINBA: straniero non accompagnato ignoto",
    ),
    pytest.param(
        {"sinba": _without(SINBA, "condizione_lavoro")},
        "body.sinba.condizione_lavoro",
        id="SINBA: condizione lavorativa mancante (richiesta dal flusso)",
    ),
    pytest.param(
        {"sinba": _without(SINBA, "disabilita")},
        "body.sinba.disabilita",
        id="SINBA: disabilità mancante (richiesta dal flusso)",
    ),
    pytest.param(
        {"sinba": SINBA | {"condizione_lavoro": "5"}},
        "body.sinba.condizione_lavoro",
        id="SINBA: condizione lavorativa 5",
    ),
    pytest.param(
        {"sinba": SINBA | {"disabilita": "0"}},
        "body.sinba.disabilita",
        id="SINBA: disabilità 0",
    ),
    pytest.param(
        {"sinba": SINBA | {"disabilita": "2", "tipo_disabilita": None}},
        "body.sinba.inv_civ_certificazioni",
        id="SINBA: certificazione senza disabilità",
    ),
]


@pytest.mark.parametrize("path", ["/valutazioni", "/valutazioni/{valutazione}/rettifiche"])
@pytest.mark.parametrize(("change", "campo"), SIUSS_INVALID)
def test_invalid_siuss_items_are_422_on_the_item(
    world: World, path: str, change: dict[str, Any], campo: str
) -> None:
    """On a minor's case, where SINBA items belong: the item is named, and only it."""
    body = (VALUTAZIONE if path == "/valutazioni" else ACT["rettifiche"].body) | change
    before = _position(world.runtime)
    response = world.district.post(
        world.path("/casi/{caso}" + path, "minore"), world.body(body, "minore"), "as.minori"
    )
    assert _fields(response) == [campo]
    assert SECRET not in response.text
    assert "Erased" not in response.text
    assert _position(world.runtime) == before


ASSIGN_INVALID: list[Any] = [
    pytest.param({}, "body.assistente_sociale", id="senza assistente sociale"),
    pytest.param({"assistente_sociale": SECRET}, "body.assistente_sociale", id="utente ignoto"),
    pytest.param({"assistente_sociale": "as.minori"}, "body.assistente_sociale", id="altra area"),
    pytest.param({"assistente_sociale": "coordinatore"}, "body.assistente_sociale", id="non AS"),
    pytest.param({"assistente_sociale": "operatore"}, "body.assistente_sociale", id="operatore"),
    pytest.param({"assistente_sociale": "educatore"}, "body.assistente_sociale", id="educatore"),
    pytest.param(
        {"assistente_sociale": "as.anziani", "area_utenza": "FAM"},
        "body.assistente_sociale",
        id="area non sua",
    ),
    pytest.param(
        {"assistente_sociale": "as.anziani", "area_utenza": SECRET},
        "body.area_utenza",
        id="area ignota",
    ),
    pytest.param({"assistente_sociale": TOO_LONG[:201]}, "body.assistente_sociale", id="lungo"),
    pytest.param({"assistente_sociale": "as.anziani", SECRET: 1}, "body", id="campo ignoto"),
    pytest.param(
        {"assistente_sociale": "as.anziani", "base_giuridica": SECRET},
        "body.base_giuridica",
        id="base giuridica ignota",
    ),
    pytest.param(
        {"assistente_sociale": "as.anziani", "base_giuridica": ""},
        "body.base_giuridica",
        id="base giuridica vuota",
    ),
    pytest.param(
        {"assistente_sociale": "as.anziani", "occurred_at": _moment(timedelta(days=1))},
        "body.occurred_at",
        id="nel futuro",
    ),
    pytest.param(
        {"assistente_sociale": "as.anziani", "occurred_at": "2020-01-02T10:00:00+01:00"},
        "body.occurred_at",
        id="prima dell'apertura",
    ),
    pytest.param(
        {"assistente_sociale": "as.anziani", "occurred_at": "2024-05-06T10:00:00"},
        "body.occurred_at",
        id="senza fuso orario",
    ),
]


@pytest.mark.parametrize(("body", "campo"), ASSIGN_INVALID)
def test_invalid_assignments_are_422_naming_the_field(
    world: World, body: dict[str, Any], campo: str
) -> None:
    before = _position(world.runtime)
    response = world.district.post(
        world.path("/casi/{caso}/assegnazione", "attesa"), body, "coordinatore"
    )
    assert _fields(response) == [campo]
    assert SECRET not in response.text
    assert _position(world.runtime) == before


def test_an_inactive_social_worker_is_not_assigned(world: World) -> None:
    runtime = world.runtime
    runtime.identity.set_user_active(SECOND_ELD_WORKER, False, actor="test")
    try:
        response = world.district.post(
            world.path("/casi/{caso}/assegnazione", "attesa"),
            {"assistente_sociale": SECOND_ELD_WORKER},
            "coordinatore",
        )
        assert _fields(response) == ["body.assistente_sociale"]
    finally:
        runtime.identity.set_user_active(SECOND_ELD_WORKER, True, actor="test")


READ_INVALID: list[Any] = [
    pytest.param(f"/casi/{SECRET}", "path.caso_id", id="caso non uuid"),
    pytest.param(f"/casi/{SECRET}/storia", "path.caso_id", id="storia non uuid"),
    pytest.param(f"/casi/{{caso}}?finalita={SECRET}", "query.finalita", id="finalità ignota"),
    pytest.param(f"/casi/{{caso}}/storia?finalita={SECRET}", "query.finalita", id="storia fin."),
    pytest.param(f"/casi?stato={SECRET}", "query.stato", id="stato ignoto"),
    pytest.param(f"/casi?area_utenza={SECRET}", "query.area_utenza", id="area ignota"),
    pytest.param(f"/casi?comune={SECRET}", "query.comune", id="comune"),
    pytest.param(
        f"/casi?assistente_sociale={TOO_LONG[:201]}",
        "query.assistente_sociale",
        id="assistente sociale troppo lungo",
    ),
    pytest.param("/casi?limit=0", "query.limit", id="limit 0"),
    pytest.param("/casi?limit=201", "query.limit", id="limit 201"),
    pytest.param("/casi?offset=-1", "query.offset", id="offset"),
    pytest.param("/casi?attendi_posizione=0", "query.attendi_posizione", id="attendi"),
    pytest.param("/casi/in-attesa?limit=0", "query.limit", id="coda limit"),
    pytest.param(f"/casi/in-attesa?offset={SECRET}", "query.offset", id="coda offset"),
]


@pytest.mark.parametrize(("path", "campo"), READ_INVALID)
def test_invalid_reads_are_422_naming_the_parameter(world: World, path: str, campo: str) -> None:
    before = _position(world.runtime)
    response = world.district.get(world.path(path))
    assert campo in _fields(response)
    assert SECRET not in response.text
    assert _position(world.runtime) == before


PATH_INVALID: list[Any] = [
    pytest.param(f"/casi/{SECRET}/presa-in-carico", {}, "path.caso_id", id="caso"),
    pytest.param(
        f"/casi/{{caso}}/valutazioni/{SECRET}/rettifiche",
        ACT["rettifiche"].body,
        "path.valutazione_id",
        id="valutazione",
    ),
    *[
        pytest.param(
            f"/casi/{{caso}}/interventi/{SECRET}/{step}",
            ACT[name].body,
            "path.intervento_id",
            id=f"intervento {step}",
        )
        for step, name in (
            ("monitoraggi", "monitoraggi"),
            ("verifiche", "verifiche"),
            ("conclusione", "conclusione"),
        )
    ],
]


@pytest.mark.parametrize(("path", "body", "campo"), PATH_INVALID)
def test_malformed_ids_in_the_path_are_422(
    world: World, path: str, body: dict[str, Any], campo: str
) -> None:
    response = world.district.post(world.path(path), body)
    assert campo in _fields(response)
    assert SECRET not in response.text


@pytest.mark.parametrize("act", ACTS, ids=ACT_IDS)
@pytest.mark.parametrize("if_match", ["v1", 'W/"uno"', 'W/"1", W/"2"', SECRET])
def test_a_malformed_if_match_is_422_on_the_header(world: World, act: Act, if_match: str) -> None:
    before = _position(world.runtime)
    response = world.district.post(
        world.path("/casi/{caso}" + act.path), world.body(act.body), if_match=if_match
    )
    assert _fields(response) == ["header.If-Match"]
    assert SECRET not in response.text
    assert _position(world.runtime) == before


def test_a_malformed_if_match_on_an_assignment_is_422(world: World) -> None:
    response = world.district.post(
        world.path("/casi/{caso}/assegnazione", "attesa"),
        {"assistente_sociale": "as.anziani"},
        "coordinatore",
        if_match=SECRET,
    )
    assert _fields(response) == ["header.If-Match"]
    assert SECRET not in response.text


def test_a_body_over_64_kib_is_413(world: World) -> None:
    response = world.district.client.post(
        f"{API}/casi",
        content=b'{"motivo": "' + b"x" * 70_000 + b'"}',
        headers={**world.district.as_("coordinatore"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text


# -- 412: a stale If-Match -----------------------------------------------------------------


@pytest.mark.parametrize("act", ACTS, ids=ACT_IDS)
@pytest.mark.parametrize("stale", ['W/"1"', 'W/"2"', '"3"', 'W/"999"'])
def test_a_stale_if_match_is_412_and_records_nothing(world: World, act: Act, stale: str) -> None:
    before = _position(world.runtime)
    response = world.district.post(
        world.path("/casi/{caso}" + act.path), world.body(act.body), if_match=stale
    )
    assert response.status_code == 412, response.text
    assert "rileggilo" in response.json()["detail"]
    assert _position(world.runtime) == before


def test_a_stale_if_match_on_an_assignment_is_412(world: World) -> None:
    before = _position(world.runtime)
    response = world.district.post(
        world.path("/casi/{caso}/assegnazione", "attesa"),
        {"assistente_sociale": "as.anziani"},
        "coordinatore",
        if_match='W/"2"',
    )
    assert response.status_code == 412, response.text
    assert _position(world.runtime) == before


def test_the_etag_of_a_read_is_a_valid_if_match(world: World) -> None:
    district = world.district
    caso = district.fascicolo("in_carico")
    etag = district.get(caso.path(), "as.anziani").headers["ETag"]
    storia_etag = district.get(caso.path("/storia"), "as.anziani").headers["ETag"]
    assert etag == storia_etag == 'W/"3"'
    first = district.post(caso.path("/questionari"), ACT["questionari"].body, if_match=etag)
    assert first.status_code == 201, first.text
    second = district.post(caso.path("/questionari"), ACT["questionari"].body, if_match=etag)
    assert second.status_code == 412, second.text


# -- 403: roles, and the social worker who is not the assignee ------------------------------


NOT_WRITERS = (
    "operatore",
    "ufficio.piano",
    "educatore",
    "psicologa",
    "pedagogista",
    "admin",
    "coordinatore",
    SECOND_ELD_WORKER,
)


PROFESSIONALS_NAMED = ("educatore", "psicologa")
"""The professionals ``PROGETTO`` names: they monitor the project's interventions."""


@pytest.mark.parametrize(
    ("act", "user"),
    [
        pytest.param(act, user, id=f"{act.name}-{user}")
        for act in ACTS
        for user in NOT_WRITERS
        if not (act.name == "monitoraggi" and user in (*PROFESSIONALS_NAMED, "pedagogista"))
    ],
)
def test_only_the_assigned_social_worker_writes_the_professional_record(
    world: World, act: Act, user: str
) -> None:
    before = _position(world.runtime)
    response = world.district.post(
        world.path("/casi/{caso}" + act.path), world.body(act.body), user
    )
    assert response.status_code == 403, response.text
    assert _position(world.runtime) == before


@pytest.mark.parametrize("user", PROFESSIONALS_NAMED)
def test_a_professional_the_project_names_reads_the_case_and_monitors_only(
    world: World, user: str
) -> None:
    district = world.district
    caso = district.fascicolo("completo")
    letto = district.leggi(caso.caso, user)
    assert letto["id"] == caso.caso
    assert district.storia(caso.caso, user)["items"]
    before = _position(world.runtime)
    done = district.post(
        caso.path(f"/interventi/{caso.intervento}/monitoraggi"), ACT["monitoraggi"].body, user
    )
    assert done.status_code in (200, 201), done.text
    (monitoring,) = _since(world.runtime, before)
    assert (monitoring.actor.user, monitoring.actor.role) == (
        user,
        "educatore" if user == "educatore" else "psicologo",
    )
    listed = _ids(district.elenco("", user))
    assert caso.caso in listed
    assert world.casi["presa"].caso not in listed  # no project names them there
    for act in ACTS:
        if act.name == "monitoraggi":
            continue
        refused = district.post(caso.path(act.path).format(**caso.__dict__), act.body, user)
        assert refused.status_code in (403, 422), (act.name, refused.text)


def test_a_revision_or_the_closure_ends_a_professional_s_access(world: World) -> None:
    district = world.district
    caso = district.fascicolo("progetto")  # names the educatore and the psicologa
    assert district.get(caso.path(), "educatore").status_code == 200
    rivisto = district.post(
        caso.path("/progetto/revisioni"),
        {
            "obiettivi": "Restare a casa con la sola psicologa",
            "motivo": "L'educatore lascia il progetto",
            "revisione_entro": _day(120),
            "professionisti": ["psicologa"],
        },
    )
    assert rivisto.status_code == 200, rivisto.text
    assert district.get(caso.path(), "educatore").status_code == 404
    assert caso.caso not in _ids(district.elenco("", "educatore"))
    assert district.get(caso.path(), "psicologa").status_code == 200
    nessuno = district.post(
        caso.path("/progetto/revisioni"),
        {
            "obiettivi": "Restare a casa",
            "motivo": "Nessun professionista",
            "revisione_entro": _day(120),
            "professionisti": ["nessuno"],
        },
    )
    assert nessuno.status_code == 422  # only active professionals of the district
    chiuso = district.post(caso.path("/chiusura"), ACT["chiusura"].body)
    assert chiuso.status_code == 200, chiuso.text
    assert district.get(caso.path(), "psicologa").status_code == 404
    assert caso.caso not in _ids(district.elenco("", "psicologa"))


def test_a_professional_the_project_does_not_name_sees_nothing_of_the_case(
    world: World,
) -> None:
    district = world.district
    caso = world.casi["carico"]
    before = _position(world.runtime)
    for path in (caso.path(), caso.path("/storia")):
        assert district.get(path, "pedagogista").status_code == 404
    refused = district.post(
        caso.path(f"/interventi/{caso.intervento}/monitoraggi"),
        ACT["monitoraggi"].body,
        "pedagogista",
    )
    assert refused.status_code == 404
    assert caso.caso not in _ids(district.elenco("", "pedagogista"))
    assert _position(world.runtime) == before


FORBIDDEN: list[Any] = [
    *[
        pytest.param("POST", "/casi", _caso_body(), user, id=f"apre: {user}")
        for user in ("operatore", "ufficio.piano", "educatore", "psicologa", "pedagogista", "admin")
    ],
    pytest.param("POST", "/casi", _caso_body(), "as.minori", id="apre fuori area"),
    pytest.param("POST", "/casi", _caso_body(area_utenza="POV"), "as.anziani", id="apre POV"),
    pytest.param("POST", "/casi", _caso_body(), BUSSERO_COORDINATOR, id="apre fuori comune"),
    *[
        pytest.param(
            "POST",
            "/casi/{caso}/assegnazione",
            {"assistente_sociale": "as.anziani"},
            user,
            id=f"assegna: {user}",
        )
        for user in ("as.anziani", "operatore", "ufficio.piano", "educatore", "admin")
    ],
    *[
        pytest.param("GET", path, None, user, id=f"legge {path}: {user}")
        for path in ("/casi", "/casi/in-attesa", "/casi/{caso}", "/casi/{caso}/storia")
        for user in ("operatore", "ufficio.piano", "admin", "dpo")
    ],
    # the professionals read the cases their project names (and list only those), never
    # the coordinator's queue
    *[
        pytest.param("GET", "/casi/in-attesa", None, user, id=f"coda: {user}")
        for user in ("educatore", "psicologa", "pedagogista")
    ],
    pytest.param("GET", "/casi/in-attesa", None, "as.anziani", id="coda: assistente sociale"),
    pytest.param(
        "POST",
        "/casi/{caso}/presa-in-carico",
        {},
        "as.anziani",
        id="presa di un caso non assegnato",
    ),
    pytest.param(
        "POST",
        "/casi/{caso}/provvedimenti",
        _ordine(),
        "operatore",
        id="ordine su un caso in attesa: operatore",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "user"), FORBIDDEN)
def test_roles_outside_the_policy_are_403_and_record_nothing(
    world: World, method: str, path: str, body: Any, user: str
) -> None:
    before = _position(world.runtime)
    caso = "carico" if path.endswith("/storia") or path == "/casi/{caso}" else "attesa"
    response = world.district.send(method, world.path(path, caso), body, user)
    assert response.status_code == 403, response.text
    assert _position(world.runtime) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/progetto", PROGETTO | {"professionisti": [SECRET]}, id="professionista"),
        pytest.param("/interventi", INTERVENTO | {"risorsa_id": str(uuid4())}, id="risorsa ignota"),
        pytest.param("/interventi", INTERVENTO | {"risorsa_id": "<dismessa>"}, id="dismessa"),
    ],
)
@pytest.mark.parametrize("user", ["operatore", "educatore", "ufficio.piano"])
def test_a_role_that_may_never_write_is_refused_before_its_body_is_looked_up(
    world: World, path: str, body: dict[str, Any], user: str
) -> None:
    response = world.district.post(world.path("/casi/{caso}" + path), world.body(body), user)
    assert response.status_code == 403, response.text


def test_without_a_token_nothing_is_read_or_written(world: World) -> None:
    client = world.district.client
    caso = world.casi["carico"].caso
    assert client.get(f"{API}/casi").status_code == 401
    assert client.get(f"{API}/casi/{caso}").status_code == 401
    assert client.get(f"{API}/casi/{caso}/storia").status_code == 401
    assert client.post(f"{API}/casi/{caso}/questionari", json={}).status_code == 401
    assert client.post(f"{API}/casi", json=_caso_body()).status_code == 401


# -- 404: unknown ids, and cases out of the caller's scope ----------------------------------


NOT_FOUND: list[Any] = [
    *[
        pytest.param(
            "POST",
            "ignoto",
            "/casi/{caso}" + act.path,
            act.body,
            "as.anziani",
            id=f"ignoto: {act.name}",
        )
        for act in ACTS
    ],
    pytest.param("GET", "ignoto", "/casi/{caso}", None, "as.anziani", id="ignoto: legge"),
    pytest.param("GET", "ignoto", "/casi/{caso}/storia", None, "coordinatore", id="ignoto: storia"),
    pytest.param(
        "POST",
        "ignoto",
        "/casi/{caso}/assegnazione",
        {"assistente_sociale": "as.anziani"},
        "coordinatore",
        id="ignoto: assegna",
    ),
    pytest.param(
        "POST", "ignoto", "/casi/{caso}/provvedimenti", _ordine(), "coordinatore", id="ignoto: ord."
    ),
    *[
        pytest.param(
            "POST", "carico", "/casi/{caso}" + act.path, act.body, user, id=f"{user}: {act.name}"
        )
        for act in ACTS
        for user in ("as.minori", "as.adulti")
    ],
    *[
        pytest.param("GET", "carico", path, None, user, id=f"{user}: legge {path}")
        for path in ("/casi/{caso}", "/casi/{caso}/storia")
        for user in ("as.minori", "as.adulti", BUSSERO_COORDINATOR)
    ],
    pytest.param(
        "GET", "minore", "/casi/{caso}", None, "as.anziani", id="as.anziani: legge un minore"
    ),
    pytest.param(
        "POST",
        "attesa",
        "/casi/{caso}/assegnazione",
        {"assistente_sociale": "as.anziani"},
        BUSSERO_COORDINATOR,
        id="assegna fuori comune",
    ),
    pytest.param(
        "POST",
        "attesa",
        "/casi/{caso}/provvedimenti",
        _ordine(),
        BUSSERO_COORDINATOR,
        id="ordine fuori comune",
    ),
    # what the case does not hold
    *[
        pytest.param(
            "POST",
            "carico",
            f"/casi/{{caso}}/interventi/{uuid4()}/{step}",
            ACT[step].body,
            "as.anziani",
            id=f"intervento ignoto: {step}",
        )
        for step in ("monitoraggi", "verifiche", "conclusione", "annullamento")
    ],
    pytest.param(
        "POST",
        "presa",
        "/casi/{caso}/interventi/" + "{intervento}" + "/monitoraggi",
        ACT["monitoraggi"].body,
        "as.anziani",
        id="intervento ignoto: caso senza interventi",
    ),
    pytest.param(
        "POST",
        "carico",
        f"/casi/{{caso}}/valutazioni/{uuid4()}/rettifiche",
        ACT["rettifiche"].body,
        "as.anziani",
        id="valutazione ignota",
    ),
    pytest.param(
        "POST",
        "carico",
        "/casi/{caso}/valutazioni/{ordine}/rettifiche",
        ACT["rettifiche"].body,
        "as.anziani",
        id="rettifica di un evento che non è una valutazione",
    ),
]


@pytest.mark.parametrize(("method", "caso", "path", "body", "user"), NOT_FOUND)
def test_unknown_records_and_cases_out_of_scope_are_404_and_record_nothing(
    world: World, method: str, caso: str, path: str, body: Any, user: str
) -> None:
    before = _position(world.runtime)
    response = world.district.send(method, world.path(path, caso), world.body(body, caso), user)
    assert response.status_code == 404, response.text
    assert response.json()["detail"]
    assert _position(world.runtime) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "user"),
    [
        pytest.param("GET", "/casi/{id}", None, "coordinatore", id="legge"),
        pytest.param("GET", "/casi/{id}/storia", None, "coordinatore", id="storia"),
        pytest.param(
            "POST",
            "/casi/{id}/assegnazione",
            {"assistente_sociale": "as.anziani"},
            "coordinatore",
            id="assegna",
        ),
        pytest.param("POST", "/casi/{id}/presa-in-carico", {}, "as.anziani", id="presa in carico"),
    ],
)
def test_the_id_of_a_recorded_read_is_no_case(
    world: World, method: str, path: str, body: Any, user: str
) -> None:
    before = _position(world.runtime)
    assert world.district.get(world.path("/casi/{caso}", "carico")).status_code == 200
    (read,) = _since(world.runtime, before)
    response = world.district.send(method, path.format(id=read.originator_id), body, user)
    assert response.status_code == 404, response.text


def test_an_intervention_of_another_case_is_not_found(world: World) -> None:
    other = world.casi["carico"].intervento
    caso = world.district.fascicolo("progetto")
    response = world.district.post(
        caso.path(f"/interventi/{other}/verifiche"), ACT["verifiche"].body
    )
    assert response.status_code == 404, response.text


def test_a_stale_if_match_on_an_unknown_case_is_still_404(world: World) -> None:
    response = world.district.post(
        world.path("/casi/{caso}/questionari", "ignoto"), ACT["questionari"].body, if_match='W/"7"'
    )
    assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    ("caso", "path", "body", "campo"),
    [
        pytest.param(
            "carico",
            "/relazioni",
            ACT["relazioni"].body | {"provvedimento_id": str(uuid4())},
            "body.provvedimento_id",
            id="relazione",
        ),
        pytest.param(
            "carico",
            "/rappresentante-legale",
            ACT["rappresentante-legale"].body | {"provvedimento_id": str(uuid4())},
            "body.provvedimento_id",
            id="rappresentante",
        ),
        pytest.param(
            "presa",
            "/progetto",
            PROGETTO | {"imposto_da_provvedimento_id": str(uuid4())},
            "body.imposto_da_provvedimento_id",
            id="progetto imposto",
        ),
    ],
)
def test_an_unknown_order_named_in_the_body_is_422_on_that_field(
    world: World, caso: str, path: str, body: dict[str, Any], campo: str
) -> None:
    before = _position(world.runtime)
    response = world.district.post(world.path("/casi/{caso}" + path, caso), body)
    assert _position(world.runtime) == before
    assert response.status_code in (404, 422), response.text
    assert _fields(response) == [campo]


# -- 409: the rules of design section 2 ----------------------------------------------------


def _on(caso: str, name: str, detail: str, **changes: Any) -> Any:
    act = ACT[name]
    return pytest.param(
        caso,
        "/casi/{caso}" + act.path,
        act.body | changes,
        "as.anziani",
        detail,
        id=f"{caso}: {name}",
    )


CONFLICTS: list[Any] = [
    _on("presa", "contratto", "prima di una valutazione"),
    _on("presa", "progetto", "prima di un contratto"),
    _on("valutato", "progetto", "prima di un contratto"),
    _on("presa", "interventi", "fuori da un progetto"),
    _on("valutato", "interventi", "fuori da un progetto"),
    _on("presa", "revisioni", "nessun progetto"),
    _on("valutato", "contratto", "rappresentante legale", firmatario="rappresentante_legale"),
    _on("carico", "progetto", "già definito"),
    _on("carico", "chiusura", "intervento"),
    _on("carico", "presa-in-carico", "già in carico"),
    pytest.param(
        "carico",
        "/casi/{caso}/interventi/{terminato}/monitoraggi",
        ACT["monitoraggi"].body,
        "as.anziani",
        "concluso",
        id="monitoraggio di un intervento concluso",
    ),
    pytest.param(
        "carico",
        "/casi/{caso}/interventi/{terminato}/conclusione",
        ACT["conclusione"].body,
        "as.anziani",
        "già concluso",
        id="intervento concluso due volte",
    ),
    pytest.param(
        "carico",
        "/casi/{caso}/interventi",
        INTERVENTO | {"risorsa_id": "<dismessa>"},
        "as.anziani",
        "dismessa",
        id="fornitore dismesso",
    ),
    # a closed case takes nothing more
    *[
        pytest.param(
            "chiuso",
            "/casi/{caso}" + act.path,
            act.body,
            "as.anziani",
            "chiuso",
            id=f"chiuso: {act.name}",
        )
        for act in ACTS
    ],
    pytest.param(
        "chiuso",
        "/casi/{caso}/assegnazione",
        {"assistente_sociale": SECOND_ELD_WORKER},
        "coordinatore",
        "chiuso",
        id="chiuso: assegnazione",
    ),
    # nothing is written before the assigned worker takes charge
    *[
        pytest.param(
            "assegnato",
            "/casi/{caso}" + act.path,
            act.body,
            "as.anziani",
            "preso in carico",
            id=f"non in carico: {act.name}",
        )
        for act in ACTS
        if act.name not in ("presa-in-carico", "provvedimenti")
    ],
    pytest.param(
        "carico",
        "/casi/{caso}/assegnazione",
        {"assistente_sociale": "as.anziani"},
        "coordinatore",
        "già assegnato",
        id="stessa assegnazione",
    ),
    pytest.param(
        "carico",
        "/casi",
        _caso_body(caso_precedente_id="{caso}", persona=None),
        "coordinatore",
        "ancora aperto",
        id="riapertura di un caso aperto",
    ),
]


@pytest.mark.parametrize(("caso", "path", "body", "user", "detail"), CONFLICTS)
def test_acts_the_case_s_state_forbids_are_409_with_the_reason_and_record_nothing(
    world: World, caso: str, path: str, body: dict[str, Any], user: str, detail: str
) -> None:
    before = _position(world.runtime)
    response = world.district.post(world.path(path, caso), world.body(body, caso), user)
    assert response.status_code == 409, response.text
    assert detail in response.json()["detail"]
    assert _position(world.runtime) == before


def test_a_withdrawn_intervention_is_no_longer_running_owes_nothing_and_takes_no_act(
    world: World,
) -> None:
    """A running intervention and a concluded one, both recorded by mistake, are withdrawn:
    neither runs nor owes a verification, neither takes another act, the case may close."""
    district = world.district
    caso = district.fascicolo("completo")
    owed = district.leggi(caso.caso, "as.anziani")["scadenze"]
    assert caso.intervento in {s["riferimento_id"] for s in owed}
    motivo = ACT["annullamento"].body["motivo"]

    for intervento in (caso.intervento, caso.terminato):
        response = district.post(
            caso.path(f"/interventi/{intervento}/annullamento"), {"motivo": motivo}
        )
        recorded = _assert_acted(district, response, caso.caso, "InterventoAnnullato")
        assert recorded["dati"]["intervento_id"] == intervento
        assert recorded["dati"]["motivo"] == motivo
        assert response.json()["creato"] is None

    letto = district.leggi(caso.caso, "as.anziani")
    interventi = {i["id"]: i for i in letto["interventi"]}
    assert interventi[caso.intervento]["annullato"] is True
    assert interventi[caso.intervento]["concluso"] is False
    assert interventi[caso.terminato]["annullato"] is True
    assert {s["tipo"] for s in letto["scadenze"]} == {"revisione_progetto", "relazione_tribunale"}

    before = _position(world.runtime)
    for step in ("monitoraggi", "verifiche", "conclusione", "annullamento"):
        for intervento in (caso.intervento, caso.terminato):
            refused = district.post(caso.path(f"/interventi/{intervento}/{step}"), ACT[step].body)
            assert refused.status_code == 409, (step, refused.text)
            assert "annullato" in refused.json()["detail"]
    assert _position(world.runtime) == before

    district.ok(caso.path("/relazioni"), caso.fill(ACT["relazioni"].body))
    closed = district.post(caso.path("/chiusura"), ACT["chiusura"].body)
    _assert_acted(district, closed, caso.caso, "CasoChiuso")


def test_a_withdrawal_with_a_stale_if_match_is_412_and_with_the_current_one_lands(
    world: World,
) -> None:
    district = world.district
    caso = district.fascicolo("completo")
    etag = district.get(caso.path(), "as.anziani").headers["ETag"]
    path = caso.path(f"/interventi/{caso.intervento}/annullamento")
    body = ACT["annullamento"].body
    stale = district.post(path, body, if_match=f'W/"{int(etag[3:-1]) - 1}"')
    assert stale.status_code == 412, stale.text
    landed = district.post(path, body, if_match=etag)
    _assert_acted(district, landed, caso.caso, "InterventoAnnullato")


def test_the_case_is_unchanged_by_every_refusal(world: World) -> None:
    """The shared cases are where the module's refusals left them (their setup versions)."""
    district = world.district
    versions = {
        name: district.leggi(world.casi[name].caso)["versione"]
        for name in world.casi
        if name != "ignoto"
    }
    assert versions == {
        "attesa": 1,
        "bussero": 1,
        "assegnato": 2,
        "presa": 3,
        "valutato": 4,
        "carico": 10,
        "chiuso": 7,
        "minore": 4,
    }
