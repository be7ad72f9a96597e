"""The end-to-end path, embedded mode: `ambito serve --demo` as an operator starts it, a
client talking HTTP to it, and a crash in the middle of a burst (acceptance 1, 3, 5).

Later issues extend this file with their own flows, and district mode with Kafka."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.casework_flow import (
    assert_case_history,
    interventions_on_the_map,
    run_casework_flow,
)
from tests.support.demo_district import copy_demo_district
from tests.support.intake_flow import (
    assert_history,
    new_resource,
    referrals_on_the_map,
    run_intake_flow,
)
from tests.support.reporting_flow import observatory_figures, run_reporting_flow
from tests.support.runtime import CONTRACT_BODY, TIMEOUT, ServerProcess, bearer, server
from tests.support.siuss_flow import run_siuss_flow

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first


def _token(base_url: str, username: str) -> dict[str, str]:
    response = httpx.post(
        f"{base_url}/api/auth/token",
        data={"grant_type": "password", "username": username, "password": "demo"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


def _verify(process: ServerProcess) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        process.command("audit", "verify"), capture_output=True, text=True, check=False
    )


def test_serve_demo_records_a_request_and_reads_it_back(tmp_path: Path) -> None:
    with server(tmp_path) as process:
        process.start(demo=True)
        operatore = _token(process.url, "operatore")
        created = httpx.post(
            f"{process.url}/api/intake/domande",
            json=CONTRACT_BODY,
            headers=operatore,
            timeout=TIMEOUT,
        )
        assert created.status_code == 201, created.text
        read = httpx.get(
            f"{process.url}/api/intake/domande/{created.json()['id']}",
            headers=operatore,
            timeout=TIMEOUT,
        )
        assert read.status_code == 200
        assert read.json()["attore"]["utente"] == "operatore"
        assert read.json()["base_giuridica"] == "L328_ART22"
        counts = httpx.get(
            f"{process.url}/api/reporting/domande/conteggi",
            params={"attendi_posizione": created.json()["posizione"]},
            headers=_token(process.url, "coordinatore"),
            timeout=TIMEOUT,
        )
        assert counts.status_code == 200
        assert sum(item["domande"] for item in counts.json()["items"]) >= 49  # demo + this one
        metrics = httpx.get(f"{process.url}/metrics", timeout=TIMEOUT).text
        assert 'ambito_events_appended_total{service="intake",type="DomandaRicevuta"}' in metrics
    assert _verify(process).returncode == 0


def test_serve_demo_keeps_the_network_directory_and_its_map(
    tmp_path: Path, demo_district_template: Path
) -> None:
    """The network issue's flow: the demo network, a request that shows a gap in the map, a
    resource that fills it, a collaboration that links it, a dismissal that retires it."""
    copy_demo_district(demo_district_template, tmp_path)  # the run's demo, as served
    with server(tmp_path) as process:
        process.start(demo=True)
        planner = _token(process.url, "ufficio.piano")
        with httpx.Client(base_url=process.url, headers=planner, timeout=10) as client:
            directory = client.get("/api/network/risorse", params={"limit": 200}).json()["items"]
            assert len(directory) >= 30
            assert {r["tipo"] for r in directory} >= {"servizio_asl", "scuola", "associazione"}

            request = {**CONTRACT_BODY, "comune": "B292", "area_utenza": "IMMNOM"}
            created = client.post(
                "/api/intake/domande", json=request, headers=_token(process.url, "operatore")
            )
            assert created.status_code == 201, created.text
            gaps = _gaps(client, "B292", "IMMNOM")
            assert gaps >= 1  # the demo network has nothing for immigrants in Bussero

            resource = {
                "nome": "Sportello stranieri di Bussero",
                "tipo": "associazione",
                "comuni": ["B292"],
                "aree": ["IMMNOM"],
            }
            censita = client.post("/api/network/risorse", json=resource)
            assert censita.status_code == 201, censita.text
            posizione = censita.json()["posizione"]
            analysis = client.get(
                "/api/network/mappa/analisi", params={"attendi_posizione": posizione}
            ).json()
            assert ["B292", "IMMNOM"] not in [[g["comune"], g["area"]] for g in analysis["lacune"]]
            assert censita.json()["id"] in analysis["isolate"]

            linked = client.post(
                "/api/network/collaborazioni",
                json={
                    "risorse": [censita.json()["id"]],
                    "servizi_distretto": ["segretariato_sociale"],
                    "tipo": "accordo_informale",
                    "oggetto": "Orientamento delle persone straniere",
                    "inizio": "2026-01-01",
                },
            )
            assert linked.status_code == 201, linked.text
            graph = client.get(
                "/api/network/mappa", params={"attendi_posizione": linked.json()["posizione"]}
            ).json()
            ties = {(frozenset((e["source"], e["target"])), e["peso"]) for e in graph["edges"]}
            assert (frozenset(("segretariato_sociale", censita.json()["id"])), 1) in ties

            dismissed = client.post(
                f"/api/network/risorse/{censita.json()['id']}/dismissione",
                json={"motivo": "Lo sportello ha chiuso"},
            )
            assert dismissed.status_code == 200, dismissed.text
            again = client.post(
                "/api/network/collaborazioni",
                json={
                    "risorse": [censita.json()["id"]],
                    "servizi_distretto": ["servizio_sociale_professionale"],
                    "tipo": "convenzione",
                    "oggetto": "Sostegno alle famiglie straniere",
                    "inizio": "2026-01-01",
                },
            )
            assert again.status_code == 409  # a dismissed resource takes no new links
            assert "dismessa" in again.json()["detail"]
    assert _verify(process).returncode == 0


def test_serve_demo_runs_a_request_from_the_segretariato_to_a_closed_case(
    tmp_path: Path,
    demo_district_template: Path,
) -> None:
    """The intake issue's flow (tests/support/intake_flow.py), then the casework issue's on
    the case its hand-over opened (tests/support/casework_flow.py), on the embedded server:
    the referral and the intervention reach the network's map; then the reporting issue's
    (tests/support/reporting_flow.py): the case's cartella, audit and reads, caseloads and
    the observatory; then the SIUSS issue's (tests/support/siuss_flow.py): INPS reads the
    case's flows and notifies its outcomes."""
    copy_demo_district(demo_district_template, tmp_path)  # the run's demo, as served
    with server(tmp_path) as process:
        process.start(demo=True)

        def url(_: str) -> str:
            return process.url

        def headers(_: str, username: str) -> dict[str, str]:
            return _token(process.url, username)

        network = process.url
        resource = new_resource(network, headers("network", "ufficio.piano"))
        before = observatory_figures(url, headers)
        outcome = run_intake_flow(url, headers, resource)
        assert_history(outcome)
        planner = headers("network", "ufficio.piano")
        assert referrals_on_the_map(network, planner, resource) == 1

        case = run_casework_flow(url, headers, outcome.domanda_id, resource)
        assert_case_history(case)
        assert interventions_on_the_map(network, planner, resource) == 1
        run_reporting_flow(url, headers, case, before)
        run_siuss_flow(url, headers, case)
    assert _verify(process).returncode == 0


def _gaps(client: httpx.Client, comune: str, area: str, timeout: float = 20) -> int:
    """Demand for (comune, area) in the map's gaps, once intake's request reached the map."""
    deadline = time.monotonic() + timeout
    while True:
        lacune = client.get("/api/network/mappa/analisi").json()["lacune"]
        found = [g["domande"] for g in lacune if (g["comune"], g["area"]) == (comune, area)]
        if found:
            return int(found[0])
        assert time.monotonic() < deadline, f"no gap for {comune} {area} in the map"
        time.sleep(0.2)


def test_a_killed_server_loses_no_acknowledged_request(
    tmp_path: Path, demo_district_template: Path
) -> None:
    acknowledged: list[tuple[str, int]] = []
    lock = threading.Lock()
    stop = threading.Event()

    copy_demo_district(demo_district_template, tmp_path)  # the run's demo, as served
    with server(tmp_path) as process:
        process.start(demo=True)
        operatore = _token(process.url, "operatore")

        def burst() -> None:
            with httpx.Client(base_url=process.url, headers=operatore, timeout=5) as client:
                while not stop.is_set():
                    try:
                        response = client.post("/api/intake/domande", json=CONTRACT_BODY)
                    except httpx.HTTPError:
                        return  # the server died under us: this one was never acknowledged
                    if response.is_success:
                        with lock:
                            acknowledged.append(
                                (response.json()["id"], response.json()["posizione"])
                            )

        writers = [threading.Thread(target=burst) for _ in range(4)]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.kill()
        stop.set()
        for writer in writers:
            writer.join(timeout=10)
        assert len(acknowledged) >= 40

        process.start(demo=True)  # the same data directory: a restart, not a new demo
        operatore = _token(process.url, "operatore")
        with httpx.Client(base_url=process.url, headers=operatore, timeout=10) as client:
            for domanda_id, _ in acknowledged:
                assert client.get(f"/api/intake/domande/{domanda_id}").status_code == 200
            state = client.get("/api/intake/stato").json()
            counts = client.get(
                "/api/reporting/domande/conteggi",
                params={"attendi_posizione": state["posizione"]},
                headers=_token(process.url, "coordinatore"),
            )
        assert counts.status_code == 200, counts.text
        projected = sum(item["domande"] for item in counts.json()["items"])
    with sqlite3.connect(tmp_path / "data" / "intake.sqlite") as ledger:
        (recorded,) = ledger.execute(
            "SELECT count(*) FROM intake_events WHERE topic = 'DomandaRicevuta'"
        ).fetchone()
    assert recorded >= 48 + len(acknowledged)  # acknowledged ones, and maybe some never answered
    assert projected == recorded  # the projection caught up, each event counted once
    verified = _verify(process)
    assert verified.returncode == 0, verified.stdout + verified.stderr
