"""The casework issue's end-to-end flow, shared by embedded and district mode: the request
that intake's flow handed over becomes a case (the hand-over policy), which a coordinator
assigns and a social worker takes from assessment to closure, with an intervention by a
network resource; then the case's history as its social worker reads it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROME = ZoneInfo("Europe/Rome")
CASE_SECRETS = (
    "Vive sola, rete familiare debole",
    "Una figlia presente nel fine settimana",
    "Accompagnamento alla spesa due volte a settimana",
    "Sostenere la vita a casa propria",
    "La signora è soddisfatta e più autonoma",
)
"""Personal values the casework flow records: none may appear in clear on Kafka."""
Url = Callable[[str], str]
Headers = Callable[[str, str], dict[str, str]]
STEPS = [
    ("CasoAperto", "sistema"),
    ("AssistenteSocialeAssegnato", "coordinatore"),
    ("PresaInCarico", "as.anziani"),
    ("ValutazioneEffettuata", "as.anziani"),
    ("ContrattoFirmato", "as.anziani"),
    ("ProgettoDefinito", "as.anziani"),
    ("InterventoAttivato", "as.anziani"),
    ("MonitoraggioRegistrato", "as.anziani"),
    ("InterventoVerificato", "as.anziani"),
    ("CasoChiuso", "as.anziani"),
]


@dataclass(frozen=True)
class CaseOutcome:
    caso_id: str
    posizione: int
    storia: list[dict[str, Any]]
    sent_at: list[str]
    """The ``occurred_at`` of each act after the opening, as sent."""


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def handed_over_case(
    casework: str, coordinatore: dict[str, str], domanda_id: str, timeout: float = 60
) -> dict[str, Any]:
    """The case the hand-over policy opened for the request, once the queue shows it."""
    deadline = time.monotonic() + timeout
    while True:
        queue = _ok(
            httpx.get(
                f"{casework}/api/casework/casi/in-attesa",
                params={"limit": 200},
                headers=coordinatore,
                timeout=10,
            )
        )
        found = [item for item in queue["items"] if item["domanda_id"] == domanda_id]
        if found:
            assert len(found) == 1  # one hand-over, one case
            first: dict[str, Any] = found[0]
            return first
        assert time.monotonic() < deadline, "the hand-over did not open a case"
        time.sleep(0.2)


def run_casework_flow(url: Url, headers: Headers, domanda_id: str, risorsa_id: str) -> CaseOutcome:
    casework = url("casework")
    coordinatore = headers("casework", "coordinatore")
    worker = headers("casework", "as.anziani")
    case = handed_over_case(casework, coordinatore, domanda_id)
    assert (case["stato"], case["area_utenza"], case["origine"]) == ("in_attesa", "ELD", "inoltro")
    path = f"{casework}/api/casework/casi/{case['id']}"
    sent: list[str] = []

    def at() -> str:
        """Now, stated by the client: each act after the one before, none in the future."""
        moment = datetime.now(ROME).isoformat()
        sent.append(moment)
        return moment

    def act(
        suffix: str, body: dict[str, Any], status: int = 200, who: dict[str, str] = worker
    ) -> dict[str, Any]:
        return _ok(httpx.post(f"{path}/{suffix}", json=body, headers=who, timeout=10), status)

    assigned = act("assegnazione", {"assistente_sociale": "as.anziani"}, who=coordinatore)
    sent.append("")  # the assignment takes the time it is recorded at
    refused = httpx.post(f"{path}/contratto", json={}, headers=worker, timeout=10)
    assert refused.status_code == 422  # the body is checked before anything else
    act("presa-in-carico", {"occurred_at": at()})
    act(
        "valutazioni",
        {
            "occurred_at": at(),
            "tipo": "multidimensionale",
            "problemi": "Vive sola, rete familiare debole",
            "risorse": "Una figlia presente nel fine settimana",
            "esito": "Serve un sostegno per la spesa",
            "partecipanti": ["as.anziani", "UVM ASL Melegnano e Martesana"],
        },
        201,
    )
    act(
        "contratto",
        {
            "occurred_at": at(),
            "firmatario": "persona",
            "impegni_servizio": "Attivare il sostegno con la rete",
            "impegni_persona": "Accettare le visite concordate",
            "firmato_il": datetime.now(ROME).date().isoformat(),
            "consenso_trattamento": True,
        },
    )
    act(
        "progetto",
        {
            "occurred_at": at(),
            "obiettivi": "Sostenere la vita a casa propria",
            "professionisti": ["educatore"],
            "revisione_entro": (datetime.now(ROME).date() + timedelta(days=90)).isoformat(),
        },
    )
    intervention = act(
        "interventi",
        {
            "occurred_at": at(),
            "prestazione": "A2.07",
            "inizio": datetime.now(ROME).date().isoformat(),
            "risorsa_id": risorsa_id,
            "frequenza": "due volte a settimana",
            "importo": "120.00",
            "quota_utente": "20.00",
            "quota_ente": "100.00",
            "prova_mezzi": True,
            "protocollo_domanda": "2026/0451",
            "descrizione": "Accompagnamento alla spesa due volte a settimana",
        },
        201,
    )
    intervento = f"interventi/{intervention['creato']}"
    early = httpx.post(
        f"{path}/chiusura",
        json={"motivo": "obiettivi_raggiunti", "restituzione": "Troppo presto"},
        headers=worker,
        timeout=10,
    )
    assert early.status_code == 409  # an intervention is active and unverified
    act(
        f"{intervento}/monitoraggi",
        {"occurred_at": at(), "data": datetime.now(ROME).date().isoformat(), "note": "Regolare"},
    )
    act(
        f"{intervento}/verifiche",
        {
            "occurred_at": at(),
            "esito": "raggiunto",
            "efficacia": "La signora è soddisfatta e più autonoma",
            "concluso": True,
        },
    )
    closed = act(
        "chiusura",
        {
            "occurred_at": at(),
            "motivo": "obiettivi_raggiunti",
            "restituzione": "Colloquio di restituzione con la signora e la figlia",
        },
    )
    assert closed["versione"] == assigned["versione"] + len(STEPS) - 2
    history = _ok(httpx.get(f"{path}/storia", headers=worker, timeout=10))
    return CaseOutcome(case["id"], closed["posizione"], history["items"], sent)


def assert_case_history(outcome: CaseOutcome, handover_basis: str = "L328_ART22") -> None:
    assert [(i["tipo"], i["attore"]["utente"]) for i in outcome.storia] == STEPS
    opened = outcome.storia[0]
    assert (opened["fonte"], opened["attore"]["ruolo"]) == ("system", "sistema")
    assert opened["base_giuridica"] == handover_basis
    assert opened["dati"]["persona"]["cognome"] == "Rossi"  # the hand-over carried the person
    for item, sent in zip(outcome.storia[1:], outcome.sent_at, strict=True):
        assert item["fonte"] == "api"
        assert item["base_giuridica"] == "L328_ART22"
        if sent:
            assert datetime.fromisoformat(item["occurred_at"]) == datetime.fromisoformat(sent)
    recorded = [datetime.fromisoformat(i["recorded_at"]) for i in outcome.storia]
    assert recorded == sorted(recorded)
    assert outcome.storia[-1]["dati"]["restituzione"].startswith("Colloquio di restituzione")


def interventions_on_the_map(
    network: str, headers: dict[str, str], risorsa_id: str, timeout: float = 60
) -> int:
    """The interventions the professional service activated with the resource, once the map
    has them (from casework's events)."""
    deadline = time.monotonic() + timeout
    while True:
        graph = _ok(httpx.get(f"{network}/api/network/mappa", headers=headers, timeout=10))
        for edge in graph["edges"]:
            ends = {edge["source"], edge["target"]}
            if ends == {"servizio_sociale_professionale", risorsa_id} and edge["interventi"] > 0:
                return int(edge["interventi"])
        assert time.monotonic() < deadline, "the intervention did not reach the network's map"
        time.sleep(0.2)
