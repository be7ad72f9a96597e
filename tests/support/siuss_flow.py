"""The SIUSS issue's end-to-end flow, shared by embedded and district mode: INPS's client
reads the flows of the case the casework flow took to closure from ``/waas/v1`` (built from
the casework events, through Kafka in district mode), checks them against the official XSDs
and notifies its outcomes, each recorded once."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from services.reporting.siuss import SchemaSiuss
from tests.support.casework_flow import CaseOutcome

Url = Callable[[str], str]
FIXTURES = Path(__file__).parents[1] / "fixtures" / "siuss"
NS = {"c": "http://inps.it/Casellario"}
CODICE_FISCALE = "RSSMRA40A41E094R"
"""The intake flow's person (``tests/support/runtime.py``)."""
CF_AS_ANZIANI = "FRRMRC79B07B292T"
"""``as.anziani`` in the demo identity store."""


def inps_headers(url: Url) -> dict[str, str]:
    response = httpx.post(
        f"{url('reporting')}/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": "inps", "client_secret": "demo"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _ms(ts: str) -> int:
    instant = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _all_flows(url: Url, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    since = 0
    while True:
        response = httpx.get(
            f"{url('reporting')}/waas/v1/flussi",
            params={"since": since, "limit": 100},
            headers=headers,
            timeout=60,
        )
        assert response.status_code == 200, response.text
        page = response.json()["elenco_flussi"]
        if not page:
            return found
        found.extend(page)
        since = _ms(page[-1]["ts_flusso"])


def _of_the_person(flows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], etree._Element]]:
    mine = []
    for flow in flows:
        if flow["tipo"] != "PS_PSA_SINA":
            continue
        xml = etree.fromstring(base64.b64decode(flow["flusso"]))
        beneficiary = xml.find("c:Beneficiario", NS)
        if beneficiary is not None and beneficiary.get("CodiceFiscale") == CODICE_FISCALE:
            mine.append((flow, xml))
    return mine


def run_siuss_flow(
    url: Url, headers: Callable[[str, str], dict[str, str]], case: CaseOutcome
) -> None:
    inps = inps_headers(url)
    schema = SchemaSiuss.da_xsd("PS_PSA_SINA", (FIXTURES / "PS_PSA_SINA201812.xsd").read_bytes())
    deadline = time.monotonic() + 60
    while True:
        flows = _all_flows(url, inps)
        mine = _of_the_person(flows)
        if len(mine) >= 2:
            break
        assert time.monotonic() < deadline, f"the case's flows did not reach INPS: {len(mine)}"
        time.sleep(0.5)
    # the intervention started, then ended at its final verification: two PS flows
    assert len(mine) == 2, [f["id_flusso"] for f, _ in mine]
    started, ended = (xml.find("c:Beneficiario/c:PrestazioniSociali", NS) for _, xml in mine)
    assert started is not None
    assert ended is not None
    assert started.get("DataFinePrestazione") is None
    assert ended.get("DataFinePrestazione") is not None
    for benefit in (started, ended):
        assert benefit.get("CodicePrestazione") == "A2.07"
        assert benefit.get("ProtocolloDomanda") == "2026/0451"
        assert benefit.get("TipoOperazione") == "I"
        assert benefit.get("PresaCarico") == "1"
    for flow, xml in mine:
        assert schema.errori(base64.b64decode(flow["flusso"])) == [], flow["id_flusso"]
        ente = xml.find("c:IdentificazioneFlusso/c:Ente", NS)
        assert ente is not None
        assert ente.get("Codice") == "E094"
        assert ente.get("CFOperatore") == CF_AS_ANZIANI  # the social worker who recorded it
    assert len({f["id_flusso"] for f in flows}) == len(flows)

    def notify() -> None:
        response = httpx.post(
            f"{url('reporting')}/waas/v1/esiti",
            json={
                "elenco_esiti": [
                    {
                        "id_flusso": flow["id_flusso"],
                        "tipo": flow["tipo"],
                        "ts_flusso": flow["ts_flusso"],
                        "ts_acquisizione": flow["ts_flusso"],
                        "codice_esito": esito,
                        "id_acquisizione_siuss": "E2E1" if esito == "OK" else None,
                        "descrizione_esito": None if esito == "OK" else "Data evento non valida",
                    }
                    for (flow, _), esito in zip(mine, ("OK", "RICHIESTA_INVALIDA"), strict=True)
                ]
            },
            headers=inps,
            timeout=30,
        )
        assert response.status_code == 204, response.text

    notify()
    notify()  # INPS retries: nothing changes
    coordinatore = headers("reporting", "coordinatore")
    deadline = time.monotonic() + 30
    while True:
        refused = httpx.get(
            f"{url('reporting')}/api/reporting/siuss/respinti", headers=coordinatore, timeout=30
        )
        assert refused.status_code == 200, refused.text
        listed = [r for r in refused.json()["items"] if r["caso_id"] == case.caso_id]
        if listed:
            break
        assert time.monotonic() < deadline, "the refused flow is not listed for coordinators"
        time.sleep(0.3)
    assert [(r["id_flusso"], r["esito"], r["descrizione"]) for r in listed] == [
        (mine[1][0]["id_flusso"], "RICHIESTA_INVALIDA", "Data evento non valida")
    ]
    # INPS's token reads nothing else; a user reads no flow
    assert (
        httpx.get(
            f"{url('reporting')}/api/reporting/casi/{case.caso_id}", headers=inps, timeout=10
        ).status_code
        == 403
    )
    assert (
        httpx.get(
            f"{url('reporting')}/waas/v1/flussi",
            params={"since": 0},
            headers=coordinatore,
            timeout=10,
        ).status_code
        == 403
    )
