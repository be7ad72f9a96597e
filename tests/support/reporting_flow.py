"""The reporting issue's end-to-end flow, shared by embedded and district mode: the case that
the casework flow took from hand-over to closure, as the observatory's read models show it
(fed from the ledgers in embedded mode, from Kafka in district mode). Each read waits for the
casework ledger position the flow reached (read your writes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx

from tests.support.casework_flow import STEPS, CaseOutcome
from tests.support.runtime import TIMEOUT

ROME = ZoneInfo("Europe/Rome")
Url = Callable[[str], str]
Headers = Callable[[str, str], dict[str, str]]


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def observatory_figures(url: Url, headers: Headers) -> tuple[int, int]:
    """This year's cases opened in the flow's comune and area (E094, ELD), and users with a
    project there, once the observatory holds everything casework recorded so far."""
    coordinatore = headers("reporting", "coordinatore")
    head = _ok(
        httpx.get(
            f"{url('casework')}/api/casework/stato",
            headers=headers("casework", "coordinatore"),
            timeout=30,
        )
    )["posizione"]
    figures = _ok(
        httpx.get(
            f"{url('reporting')}/api/reporting/osservatorio",
            params={
                "anno": datetime.now(ROME).year,
                "comune": "E094",
                "area_utenza": "ELD",
                "registro": "casework",
                "attendi_posizione": max(head, 1),
            },
            headers=coordinatore,
            timeout=30,
        )
    )
    (eld,) = [a for a in figures["per_area"] if a["area_utenza"] == "ELD"] or [{"casi_aperti": 0}]
    return int(eld["casi_aperti"]), int(
        figures["indicatori"]["progetto_personalizzato"]["con_progetto"]
    )


def run_reporting_flow(
    url: Url, headers: Headers, case: CaseOutcome, before: tuple[int, int]
) -> None:
    """``before``: ``observatory_figures`` taken before the intake flow, whose hand-over
    opened the case."""
    reporting = f"{url('reporting')}/api/reporting"
    worker = headers("reporting", "as.anziani")
    wait = {"attendi_posizione": case.posizione}

    # the cartella: every section, decrypted for the assigned social worker
    cartella = _ok(
        httpx.get(f"{reporting}/casi/{case.caso_id}", params=wait, headers=worker, timeout=30)
    )
    assert (cartella["stato"], cartella["comune"], cartella["area_utenza"]) == (
        "chiuso",
        "E094",
        "ELD",
    )
    assert cartella["persona"]["anagrafica"]["cognome"] == "Rossi"
    assert [e["tipo"] for e in cartella["timeline"]] == [step for step, _ in STEPS]
    for shown, recorded in zip(cartella["timeline"], case.storia, strict=True):
        assert shown["versione"] == recorded["versione"]
        for moment in ("occurred_at", "recorded_at"):  # the same instants as the ledger's
            assert datetime.fromisoformat(shown[moment]) == datetime.fromisoformat(recorded[moment])
    (valutazione,) = cartella["valutazioni"]
    assert valutazione["dati"]["problemi"] == "Vive sola, rete familiare debole"
    assert cartella["contratto"]["dati"]["firmatario"] == "persona"
    assert cartella["progetto"]["definizione"]["dati"]["professionisti"] == ["educatore"]
    (intervento,) = cartella["interventi"]
    assert len(intervento["monitoraggi"]) == 1
    assert [v["dati"]["esito"] for v in intervento["verifiche"]] == ["raggiunto"]
    assert cartella["scadenze"] == []  # a closed case owes nothing

    # a colleague of another area is answered exactly as for a case that does not exist
    # (issue 17: scope never tells an existing case from a missing one)
    other = httpx.get(
        f"{reporting}/casi/{case.caso_id}",
        params=wait,
        headers=headers("reporting", "as.minori"),
        timeout=30,
    )
    missing = httpx.get(
        f"{reporting}/casi/{uuid4()}",
        params=wait,
        headers=headers("reporting", "as.minori"),
        timeout=30,
    )
    assert other.status_code == missing.status_code == 404, other.text
    assert other.content == missing.content

    # the audit: the same events, both timestamps, actor and legal basis
    audit = _ok(
        httpx.get(f"{reporting}/casi/{case.caso_id}/audit", params=wait, headers=worker, timeout=30)
    )
    assert [(e["tipo"], e["attore"]["utente"]) for e in audit["items"]] == STEPS
    for item, recorded in zip(audit["items"], case.storia, strict=True):
        assert (item["base_giuridica"], item["fonte"]) == (
            recorded["base_giuridica"],
            recorded["fonte"],
        )
        assert item["recorded_at"] is not None
    assert {v["registro"] for v in audit["verifiche"]} == {"casework"}

    # the access log: the two reads of the cartella and the audit, by the social worker,
    # recorded in reporting's ledger before they were served: the log is read once it holds
    # that ledger up to its head (read your writes by the position of the ledger read)
    reporting_head = _ok(
        httpx.get(f"{reporting}/stato", headers=headers("reporting", "admin"), timeout=30)
    )["posizione"]
    reads = _ok(
        httpx.get(
            f"{reporting}/accessi",
            params={
                "caso_id": case.caso_id,
                "registro": "reporting",
                "attendi_posizione": reporting_head,
            },
            headers=headers("reporting", "admin"),
            timeout=30,
        )
    )["items"]
    endpoints = {(r["utente"], r["endpoint"]) for r in reads}
    assert ("as.anziani", "GET /api/reporting/casi/{id}") in endpoints
    assert ("as.anziani", "GET /api/reporting/casi/{id}/audit") in endpoints

    # caseloads: the closed case is in nobody's caseload
    mine = _ok(httpx.get(f"{reporting}/carichi/miei", params=wait, headers=worker, timeout=30))
    assert case.caso_id not in {c["caso_id"] for c in mine["items"]}

    # the observatory: one more case in its comune and area, one more user with a project
    opened, with_project = before
    after = observatory_figures(url, headers)
    assert after == (opened + 1, with_project + 1), (before, after)

    # the Ufficio di Piano sees only the published tables, never free filters
    planner = headers("reporting", "ufficio.piano")
    refused = httpx.get(f"{reporting}/osservatorio", headers=planner, timeout=30)
    assert refused.status_code == 403, refused.text
    year = datetime.now(ROME).year
    tables = _ok(
        httpx.get(
            f"{reporting}/osservatorio/tabelle",
            params={"anno": year},
            headers=planner,
            timeout=TIMEOUT,
        )
    )
    assert tables["items"]
    cells = [cell for table in tables["items"] for row in table["celle"] for cell in row]
    assert all(cell["valore"] is None for cell in cells if cell["soppressa"])  # never shown
    assert any(cell["valore"] for cell in cells)
