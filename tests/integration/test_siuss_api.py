"""Issue 9 (SIUSS) on a whole generated demo district, through INPS's ``/waas/v1`` API:

1. every flow the district issues validates against the official XSDs (the test fixtures'
   copies), both kinds, with a SINA block for a disabled person and a SINBA minor under a
   court order; blocked flows say what is missing and never a value;
2. every ``/waas/v1`` request and response of these tests validates against INPS's OpenAPI
   (``openapi-core``); paging with ``since``/``limit`` returns each flow exactly once;
3. each outcome value of the spec is recorded once, and a repeated outcome changes nothing;
4. INPS's client reads ``/waas/v1`` and nothing else; users get 403 there.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from sqlalchemy import select
from werkzeug.datastructures import Headers, ImmutableMultiDict

from services.reporting.siuss import SchemaSiuss
from services.reporting.siuss.dovuti import flussi
from services.runtime import Runtime, create_app, open_runtime
from shared.identity.demo import DEMO_USERS
from tests.support.demo_district import copy_demo_district
from tests.support.runtime import bearer, settle, token

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first

FIXTURES = Path(__file__).parents[1] / "fixtures" / "siuss"
NS = {"c": "http://inps.it/Casellario"}
CODICE_FISCALE = re.compile(r"[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]")
SPEC = OpenAPI.from_file_path(
    str(FIXTURES / "api-comuni.yaml"),
    config=Config(extra_media_type_deserializers={"application/problem+json": json.loads}),
)

SERVER = "https://api.example.com"
"""The spec's server: requests are validated as if sent to it."""


@dataclass
class _Request:
    """``openapi-core``'s request protocol, from what the test sent."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes | None = None
    content_type: str = "application/json"
    host_url: str = SERVER
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(self.query),
            header=Headers({"Authorization": "Bearer x"}),
        )


@dataclass
class _Response:
    status_code: int
    data: bytes
    content_type: str
    headers: Headers


def _valida(request: _Request, response: httpx.Response) -> None:
    """The exchange against INPS's OpenAPI: request, status, media type and body."""
    SPEC.validate_request(request)
    SPEC.validate_response(
        request,
        _Response(
            response.status_code,
            response.content,
            response.headers.get("content-type", "").split(";")[0],
            Headers(dict(response.headers)),
        ),
    )


@dataclass
class Distretto:
    runtime: Runtime
    client: TestClient
    inps: dict[str, str]
    schemi: dict[str, SchemaSiuss]
    app: FastAPI


@pytest.fixture(scope="module")
def distretto(
    tmp_path_factory: pytest.TempPathFactory, demo_district_template: Path
) -> Iterator[Distretto]:
    settings = copy_demo_district(demo_district_template, tmp_path_factory.mktemp("siuss"))
    runtime = open_runtime(settings)
    schemi = {
        "PS_PSA_SINA": SchemaSiuss.da_xsd(
            "PS_PSA_SINA", (FIXTURES / "PS_PSA_SINA201812.xsd").read_bytes()
        ),
        "SINBA": SchemaSiuss.da_xsd("SINBA", (FIXTURES / "SINBA.xsd").read_bytes()),
    }
    app = create_app(runtime)
    with TestClient(app) as client:
        response = client.post(
            "/api/auth/token",
            data={"grant_type": "client_credentials", "client_id": "inps", "client_secret": "demo"},
        )
        assert response.status_code == 200, response.text
        yield Distretto(runtime, client, bearer(response.json()["access_token"]), schemi, app)
    runtime.close()


def _get_flussi(d: Distretto, since: int, limit: int | None = None) -> list[dict[str, Any]]:
    query = {"since": str(since)} if limit is None else {"since": str(since), "limit": str(limit)}
    response = d.client.get("/waas/v1/flussi", params=query, headers=d.inps)
    assert response.status_code == 200, response.text
    _valida(_Request("get", "/waas/v1/flussi", query), response)
    return list(response.json()["elenco_flussi"])


def _tutti(d: Distretto, limit: int = 100) -> list[dict[str, Any]]:
    """Every flow, paging as INPS does: ``since`` is the last ``ts_flusso`` received."""
    found: list[dict[str, Any]] = []
    since = 0
    while True:
        pagina = _get_flussi(d, since, limit)
        if not pagina:
            return found
        assert len(pagina) <= limit
        found.extend(pagina)
        since = _ms(pagina[-1]["ts_flusso"])


def _ms(ts: str) -> int:
    instant = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _xml(voce: dict[str, Any]) -> etree._Element:
    return etree.fromstring(base64.b64decode(voce["flusso"]))


def test_every_flow_of_the_demo_district_validates_against_the_official_xsds(
    distretto: Distretto,
) -> None:
    voci = _tutti(distretto)
    tipi = {v["tipo"] for v in voci}
    assert tipi == {"PS_PSA_SINA", "SINBA"}, tipi
    for voce in voci:
        xml = base64.b64decode(voce["flusso"])
        assert distretto.schemi[voce["tipo"]].errori(xml) == [], voce["id_flusso"]
        radice = etree.fromstring(xml)
        nome = radice.find("c:IdentificazioneFlusso", NS)
        assert nome is not None
        assert nome.get("Nome") == voce["id_flusso"]
        ente = nome.find("c:Ente", NS)
        assert ente is not None
        assert ente.get("Codice") == voce["codice_ente"]
        sigla = "PS" if voce["tipo"] == "PS_PSA_SINA" else "SINBA"
        assert voce["id_flusso"].startswith(f"{voce['codice_ente']}.{sigla}.")
    ps = [_xml(v) for v in voci if v["tipo"] == "PS_PSA_SINA"]
    sinba = [_xml(v) for v in voci if v["tipo"] == "SINBA"]
    # one beneficiary and one benefit per flow; a disabled or elderly person's SINA block
    assert all(len(x.findall("c:Beneficiario/c:PrestazioniSociali", NS)) == 1 for x in ps)
    assert any(x.find("c:Beneficiario/c:PrestazioniSociali/c:SINA", NS) is not None for x in ps)
    # a minor under a court order: pseudonymous, with the order's items
    con_provvedimento = [
        x.find("c:SINBA", NS)
        for x in sinba
        if x.find("c:SINBA", NS).get("ProvvedimentoGiudiziario") == "1"  # type: ignore[union-attr]
    ]
    assert con_provvedimento
    for elemento in con_provvedimento:
        assert elemento is not None
        assert len(elemento.get("IDBeneficiario", "")) == 20
        assert elemento.get("AutoritaProvvedimento") is not None


def test_paging_returns_each_flow_exactly_once_whatever_the_limit(distretto: Distretto) -> None:
    tutti = _tutti(distretto, limit=100)
    assert len(tutti) >= 10
    for limit in (1, 7, 10):
        pagine = _tutti(distretto, limit=limit)
        assert [v["id_flusso"] for v in pagine] == [v["id_flusso"] for v in tutti]
    ids = [v["id_flusso"] for v in tutti]
    assert len(set(ids)) == len(ids)
    ts = [_ms(v["ts_flusso"]) for v in tutti]
    assert all(a < b for a, b in itertools.pairwise(ts)), "ts_flusso strictly increasing"
    # the default limit is 10; limit 0 answers an empty list; past the last, nothing
    assert len(_get_flussi(distretto, 0)) == min(10, len(tutti))
    assert _get_flussi(distretto, 0, 0) == []
    assert _get_flussi(distretto, ts[-1], 100) == []


def test_bad_parameters_are_problems_naming_the_parameter(distretto: Distretto) -> None:
    for query, nome in (
        ({}, "since"),
        ({"since": "x"}, "since"),
        ({"since": "0", "limit": "101"}, "limit"),
    ):
        response = distretto.client.get("/waas/v1/flussi", params=query, headers=distretto.inps)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"].startswith(nome)
        SPEC.validate_response(
            _Request("get", "/waas/v1/flussi", {"since": "0"}),
            _Response(400, response.content, "application/problem+json", Headers()),
        )


def test_status_is_a_problem_document(distretto: Distretto) -> None:
    response = distretto.client.get("/waas/v1/status", headers=distretto.inps)
    assert response.status_code == 200
    assert response.json()["status"] == 200
    _valida(_Request("get", "/waas/v1/status", {}), response)


def _esiti(d: Distretto, voci: list[dict[str, Any]], codici: list[str]) -> httpx.Response:
    corpo = {
        "elenco_esiti": [
            {
                "id_flusso": v["id_flusso"],
                "tipo": v["tipo"],
                "ts_flusso": v["ts_flusso"],
                "ts_acquisizione": "2026-11-27T11:04:56.852Z",
                "codice_esito": codice,
                **(
                    {"id_acquisizione_siuss": f"ACQ{n}"}
                    if codice == "OK"
                    else {"descrizione_esito": "Prestazione già presente per il beneficiario"}
                ),
            }
            for n, (v, codice) in enumerate(zip(voci, codici, strict=True))
        ]
    }
    body = json.dumps(corpo).encode()
    response: httpx.Response = d.client.post(
        "/waas/v1/esiti",
        content=body,
        headers={**d.inps, "Content-Type": "application/json"},
    )
    _valida(_Request("post", "/waas/v1/esiti", {}, body), response)
    return response


def _posizione(d: Distretto) -> int:
    """Reporting's ledger position: what was recorded since is the difference."""
    assert d.runtime.registro is not None
    return d.runtime.registro.recorder.max_notification_id() or 0


def test_each_outcome_is_recorded_once_and_listed_for_coordinators(distretto: Distretto) -> None:
    voci = _tutti(distretto)[:4]
    codici = ["OK", "DATI_NON_TROVATI", "RICHIESTA_INVALIDA", "ERRORE_GENERICO"]
    prima = _posizione(distretto)
    assert _esiti(distretto, voci, codici).status_code == 204
    registrati = _posizione(distretto)
    assert registrati - prima == 4  # one event per outcome, nothing else
    # the same outcomes again: nothing new in the ledger
    assert _esiti(distretto, voci, codici).status_code == 204
    assert _posizione(distretto) == registrati
    # the read model follows
    with distretto.runtime.views.reader.connect() as connection:
        rows = {
            r.flusso_id: r
            for r in connection.execute(
                select(flussi).where(flussi.c.flusso_id.in_([v["id_flusso"] for v in voci]))
            )
        }
    coordinatore = bearer(token(distretto.client, "coordinatore"))
    settle(distretto.runtime)
    respinti = distretto.client.get("/api/reporting/siuss/respinti", headers=coordinatore)
    assert respinti.status_code == 200
    listed = {r["id_flusso"]: r for r in respinti.json()["items"]}
    for voce, codice in zip(voci[1:], codici[1:], strict=True):
        assert listed[voce["id_flusso"]]["esito"] == codice
        assert (
            listed[voce["id_flusso"]]["descrizione"]
            == "Prestazione già presente per il beneficiario"
        )
    assert voci[0]["id_flusso"] not in listed
    assert rows  # the flows are ours


def test_a_malformed_batch_is_a_problem_and_a_malformed_item_spares_the_others(
    distretto: Distretto,
) -> None:
    headers = {**distretto.inps, "Content-Type": "application/json"}
    for corpo in (b"[]", b'{"elenco_esiti": 3}', b"{", b'{"altro": []}'):
        response = distretto.client.post("/waas/v1/esiti", content=corpo, headers=headers)
        assert response.status_code == 400, corpo
        assert response.headers["content-type"].startswith("application/problem+json")
        assert set(response.json()) <= {"type", "title", "status", "detail", "instance"}
    (voce,) = _get_flussi(distretto, 0, 1)
    valido = {
        "id_flusso": voce["id_flusso"],
        "tipo": "qualunque",  # a plain string in the spec: the flow's own type is recorded
        "ts_flusso": voce["ts_flusso"],
        "ts_acquisizione": "2026-11-28T08:00:00.000Z",
        "codice_esito": "OK",
        "id_acquisizione_siuss": "MALFORMATO-1",
    }
    prima = _posizione(distretto)
    response = distretto.client.post(
        "/waas/v1/esiti",
        content=json.dumps({"elenco_esiti": [{"id_flusso": "X"}, valido]}).encode(),
        headers=headers,
    )
    assert response.status_code == 204
    # the valid outcome, and the malformed item kept for coordinators (decision 0033)
    assert _posizione(distretto) - prima == 2


def test_json_nested_too_deep_is_a_400_not_a_500(distretto: Distretto) -> None:
    """Under the 64 KiB body limit, 60,000 open brackets made ``json.loads`` raise
    ``RecursionError``: a 500 on ``POST /waas/v1/esiti``. FastAPI's own body parsing, on
    every other JSON endpoint, answers 400."""
    profondo = b"[" * 60_000
    headers = {**distretto.inps, "Content-Type": "application/json"}
    esiti = distretto.client.post("/waas/v1/esiti", content=profondo, headers=headers)
    assert esiti.status_code == 400, esiti.text
    assert esiti.headers["content-type"].startswith("application/problem+json")
    assert esiti.json()["detail"] == "corpo: non è JSON UTF-8 valido"

    operatore = {**bearer(token(distretto.client, "operatore")), "Content-Type": "application/json"}
    domande = distretto.client.post("/api/intake/domande", content=profondo, headers=operatore)
    assert domande.status_code == 400, domande.text


def test_inps_reads_waas_and_nothing_else_and_users_get_403_there(distretto: Distretto) -> None:
    app = distretto.app
    percorsi = sorted(
        (path, method.upper())
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith("/api/") and path != "/api/auth/token"
    )
    assert len(percorsi) > 40
    for path, method in percorsi:
        concreto = path.replace("{", "").replace("}", "")
        for nome in ("caso_id", "domanda_id", "intervento_id", "risorsa_id", "id"):
            concreto = concreto.replace(nome, "00000000-0000-4000-8000-000000000000")
        response = distretto.client.request(method, concreto, headers=distretto.inps, json={})
        # refused before any parameter or body is looked at
        assert response.status_code == 403, (method, path, response.status_code)
    for utente in [user.username for user in DEMO_USERS]:
        headers = bearer(token(distretto.client, utente))
        for path in ("/waas/v1/flussi?since=0", "/waas/v1/status"):
            assert distretto.client.get(path, headers=headers).status_code == 403, (utente, path)
        risposta = distretto.client.post(
            "/waas/v1/esiti", json={"elenco_esiti": []}, headers=headers
        )
        assert risposta.status_code == 403
    # INPS does not read the coordinators' lists either
    for path in ("/api/reporting/siuss/bloccati", "/api/reporting/siuss/respinti"):
        assert distretto.client.get(path, headers=distretto.inps).status_code == 403


def test_blocked_flows_say_what_is_missing_for_coordinators_only(distretto: Distretto) -> None:
    _tutti(distretto)
    coordinatore = bearer(token(distretto.client, "coordinatore"))
    response = distretto.client.get("/api/reporting/siuss/bloccati", headers=coordinatore)
    assert response.status_code == 200
    items = response.json()["items"]
    # the demo's homeless man has no residence: his benefits cannot be reported
    assert any(v["campo"] == "Indirizzo/@CodiceNazione" for v in items), items
    for voce in items:
        assert voce["campo"]
        assert voce["motivo"]
    # what is missing, never a value: no codice fiscale, date or name in the answer
    assert not CODICE_FISCALE.search(response.text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", response.text)
    for utente in ("ufficio.piano", "admin"):
        headers = bearer(token(distretto.client, utente))
        assert (
            distretto.client.get("/api/reporting/siuss/bloccati", headers=headers).status_code
            == 403
        )


def _caso_con_progetto(d: Distretto, headers: dict[str, str]) -> str:
    """A case of the demo in charge of ``as.anziani`` whose project takes interventions."""
    casi = d.client.get(
        "/api/casework/casi",
        params={"stato": "in_carico", "assistente_sociale": "as.anziani", "limit": 50},
        headers=headers,
    ).json()["items"]
    for caso in casi:
        dettaglio = d.client.get(f"/api/casework/casi/{caso['id']}", headers=headers).json()
        if dettaglio.get("progetto") and (dettaglio.get("persona") or {}).get("residenza"):
            return str(caso["id"])
    raise AssertionError("nessun caso con progetto nella demo")


def test_paging_over_250_flows_returns_each_exactly_once_and_a_withdrawal_cancels(
    distretto: Distretto,
) -> None:
    worker = bearer(token(distretto.client, "as.anziani"))
    caso_id = _caso_con_progetto(distretto, worker)
    path = f"/api/casework/casi/{caso_id}"
    oggi = datetime.now(UTC).date().isoformat()
    prima = {v["id_flusso"] for v in _tutti(distretto)}
    interventi = []
    for numero in range(130):
        creato = distretto.client.post(
            f"{path}/interventi",
            json={"prestazione": "A2.07", "inizio": oggi, "importo": f"{numero}.50"},
            headers=worker,
        )
        assert creato.status_code == 201, creato.text
        interventi.append(creato.json()["creato"])
    # INPS polls: the 130 insertions are issued
    primo_giro = [v for v in _tutti(distretto, limit=100) if v["id_flusso"] not in prima]
    assert len(primo_giro) == 130
    for intervento in interventi[:-1]:
        concluso = distretto.client.post(
            f"{path}/interventi/{intervento}/conclusione",
            json={"concluso_il": oggi},
            headers=worker,
        )
        assert concluso.status_code == 200, concluso.text
    annullato = distretto.client.post(
        f"{path}/interventi/{interventi[-1]}/annullamento",
        json={"motivo": "Registrato per errore sul caso sbagliato"},
        headers=worker,
    )
    assert annullato.status_code == 200, annullato.text
    # one more, withdrawn before INPS ever heard of it: neither insertion nor cancellation
    mai = distretto.client.post(
        f"{path}/interventi", json={"prestazione": "A2.07", "inizio": oggi}, headers=worker
    )
    assert mai.status_code == 201, mai.text
    ritirato = distretto.client.post(
        f"{path}/interventi/{mai.json()['creato']}/annullamento",
        json={"motivo": "Doppione"},
        headers=worker,
    )
    assert ritirato.status_code == 200, ritirato.text
    # paged by 7, then by 100: each flow exactly once, in the same order
    a_sette = _tutti(distretto, limit=7)
    a_cento = _tutti(distretto, limit=100)
    assert [v["id_flusso"] for v in a_sette] == [v["id_flusso"] for v in a_cento]
    nuovi = [v for v in a_cento if v["id_flusso"] not in prima]
    assert len(nuovi) == 130 + 129 + 1
    assert len({v["id_flusso"] for v in a_cento}) == len(a_cento)
    for voce in nuovi:
        assert distretto.schemi[voce["tipo"]].errori(base64.b64decode(voce["flusso"])) == []
    operazioni = [
        _xml(v).find("c:Beneficiario/c:PrestazioniSociali", NS).get("TipoOperazione")  # type: ignore[union-attr]
        for v in nuovi
    ]
    assert operazioni.count("C") == 1
    assert operazioni[-1] == "C"
    protocolli = {
        _xml(v).find("c:Beneficiario/c:PrestazioniSociali", NS).get("ProtocolloDomanda")  # type: ignore[union-attr]
        for v in nuovi
    }
    assert mai.json()["creato"].replace("-", "") not in protocolli
    # and it is not a blocked flow a coordinator must fix
    coordinatore = bearer(token(distretto.client, "coordinatore"))
    bloccati = distretto.client.get("/api/reporting/siuss/bloccati", headers=coordinatore)
    assert all(b["intervento_id"] != mai.json()["creato"] for b in bloccati.json()["items"])
    # a flow once issued keeps its id and content: served again (by 100, after by 7) byte
    # for byte
    assert [v["flusso"] for v in a_sette] == [v["flusso"] for v in a_cento]


def test_each_flow_served_is_a_recorded_read_and_a_late_since_is_an_empty_page(
    distretto: Distretto,
) -> None:
    _tutti(distretto)  # everything due is issued
    prima = _posizione(distretto)
    servite = _get_flussi(distretto, 0, 5)
    assert len(servite) == 5
    assert _posizione(distretto) - prima == 5  # one DatiPersonaliLetti per flow, nothing else
    # beyond int64 (the spec's format; its maximum says 1e20): an empty page, not a 500
    for since in (2**63, 10**20):
        response = distretto.client.get(
            "/waas/v1/flussi", params={"since": since}, headers=distretto.inps
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"elenco_flussi": []}


def test_an_issued_flow_no_longer_buildable_is_skipped_and_listed_as_blocked(
    distretto: Distretto,
) -> None:
    """Runs last: it erases a person of the district (their key destroyed)."""
    tutti = _tutti(distretto)
    ps = [v for v in tutti[:-3] if v["tipo"] == "PS_PSA_SINA"]
    bersaglio = ps[0]
    with distretto.runtime.views.reader.connect() as connection:
        persona_id = connection.execute(
            select(flussi.c.persona_id).where(flussi.c.flusso_id == bersaglio["id_flusso"])
        ).scalar_one()
    suoi = set(connection_ids(distretto, persona_id))
    distretto.runtime.district.keystore.erase(persona_id)
    since = _ms(bersaglio["ts_flusso"]) - 1
    pagina = _get_flussi(distretto, since, 1)
    assert len(pagina) == 1  # the page is filled from the flows after it
    assert pagina[0]["id_flusso"] not in suoi
    restanti = _tutti(distretto)
    assert not suoi & {v["id_flusso"] for v in restanti}
    assert len(restanti) == len(tutti) - len(suoi)
    coordinatore = bearer(token(distretto.client, "coordinatore"))
    bloccati = distretto.client.get("/api/reporting/siuss/bloccati", headers=coordinatore)
    elencati = {b["id_flusso"] for b in bloccati.json()["items"] if b["id_flusso"]}
    assert suoi <= elencati


def connection_ids(d: Distretto, persona_id: str) -> list[str]:
    """The ids of a person's issued flows."""
    with d.runtime.views.reader.connect() as connection:
        return [
            str(i)
            for i in connection.execute(
                select(flussi.c.flusso_id).where(
                    flussi.c.persona_id == persona_id, flussi.c.stato == "emesso"
                )
            ).scalars()
        ]
