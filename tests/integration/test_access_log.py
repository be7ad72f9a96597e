"""Issue 10, acceptance 3, on a whole demo district: a case read by several entitled users
in two services is listed exactly so by ``GET /api/reporting/casi/{id}/accessi`` and by the
citizen's access report (``ambito privacy accessi``), with purposes and nothing of other
persons; a break-glass read by an out-of-scope social worker reaches the coordinatore's
reviews, is confirmed once, and stays hidden from a coordinatore of another comune.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.cli import main
from services.reporting.cartella import casi
from services.runtime import Runtime, create_app, open_runtime
from shared.identity.demo import DEMO_USERS
from shared.settings import Settings
from tests.support.demo_district import copy_demo_district
from tests.support.runtime import bearer, token

SERVIZI = ("intake", "casework", "network", "reporting")
COORD_ALTRO = "coord.altro"


@dataclass
class Distretto:
    settings: Settings
    runtime: Runtime
    client: TestClient
    tokens: dict[str, str]

    def get(self, user: str, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=bearer(self.tokens[user]))

    def post(self, user: str, path: str, body: Any = None) -> Any:
        return self.client.post(path, json=body, headers=bearer(self.tokens[user]))

    def aggiorna(self) -> None:
        """The access log caught up with every ledger."""
        assert self.runtime.accessi is not None
        self.runtime.accessi.attendi(
            {
                s: self.runtime.district.ledger(s).recorder.max_notification_id() or 0
                for s in SERVIZI
            }
        )

    def caso(self, *, escludi: set[str]) -> Any:
        """A case with an assigned social worker (not among ``escludi``)."""
        with self.runtime.views.reader.connect() as connection:
            rows = connection.execute(
                select(casi).where(casi.c.assistente_sociale.is_not(None)).order_by(casi.c.caso_id)
            ).all()
        for row in rows:
            if row.caso_id not in escludi and row.assistente_sociale in self.tokens:
                return row
        raise AssertionError("nessun caso assegnato nel distretto demo")

    def fuori_ambito(self, area: str) -> str:
        """A demo social worker whose areas do not include ``area``."""
        return next(
            u.username for u in DEMO_USERS if u.role == "assistente_sociale" and area not in u.aree
        )

    def accessi_del_caso(self, user: str, caso_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            response = self.get(
                user, f"/api/reporting/casi/{caso_id}/accessi", offset=offset, limit=2
            )
            assert response.status_code == 200, response.text
            found += response.json()["items"]
            if response.json()["next"] is None:
                return found
            offset += 2

    def rapporto(self, persona_id: str, formato: str, as_user: str = "dpo") -> Any:
        return CliRunner().invoke(
            main,
            [
                "--data-dir",
                str(self.settings.data_dir),
                "--key-dir",
                str(self.settings.key_dir),
                "privacy",
                "accessi",
                persona_id,
                "--formato",
                formato,
                "--as",
                as_user,
            ],
            env={"AMBITO_AS_PASSWORD": "demo"},
        )


@pytest.fixture(scope="module")
def distretto(
    tmp_path_factory: pytest.TempPathFactory, demo_district_template: Path
) -> Iterator[Distretto]:
    settings = copy_demo_district(demo_district_template, tmp_path_factory.mktemp("accessi"))
    runtime = open_runtime(settings)
    app = create_app(runtime)
    with TestClient(app) as client:
        users = [u.username for u in DEMO_USERS]
        runtime.identity.add_user(
            COORD_ALTRO,
            "demo",
            role="coordinatore",
            codice_fiscale="BNCLRA80A41F205G",
            nome="Lara Bianchi",
            comuni=("B292",),
            aree=("FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN"),
            actor="admin",
            demo=True,
        )
        tokens = {u: token(client, u) for u in [*users, COORD_ALTRO]}
        yield Distretto(settings, runtime, client, tokens)
    runtime.close()


def _firma(item: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (item["utente"], item["ruolo"], item["finalita"], item["endpoint"], item["fonte"])


def test_a_case_s_reads_are_listed_exactly_in_its_log_and_in_the_citizen_s_report(
    distretto: Distretto,
) -> None:
    d = distretto
    caso = next(row for row in _casi_assegnati(d) if row.comune != "B292")
    altro = d.caso(escludi={caso.caso_id})
    assert altro.persona_id != caso.persona_id
    worker = caso.assistente_sociale
    d.aggiorna()
    prima = d.accessi_del_caso("dpo", caso.caso_id)
    rapporto_prima = json.loads(d.rapporto(caso.persona_id, "json").output)["accessi"]

    path = f"/api/reporting/casi/{caso.caso_id}"
    assert d.get(worker, path).status_code == 200
    assert d.get("coordinatore", path).status_code == 200
    assert d.get(worker, path, finalita="VALUTAZIONE").status_code == 200
    assert d.get(worker, f"/api/casework/casi/{caso.caso_id}").status_code == 200
    assert d.get(worker, f"/api/casework/casi/{caso.caso_id}/storia").status_code == 200
    # another person's case, read meanwhile: never in this person's report
    assert d.get("coordinatore", f"/api/reporting/casi/{altro.caso_id}").status_code == 200
    d.aggiorna()

    rep, cw, storia = (
        "GET /api/reporting/casi/{id}",
        "GET /api/casework/casi/{id}",
        "GET /api/casework/casi/{id}/storia",
    )
    attese = Counter(
        [
            (worker, "assistente_sociale", "PRESA_IN_CARICO", rep, "reporting"),
            ("coordinatore", "coordinatore", "COORDINAMENTO", rep, "reporting"),
            (worker, "assistente_sociale", "VALUTAZIONE", rep, "reporting"),
            (worker, "assistente_sociale", "PRESA_IN_CARICO", cw, "casework"),
            (worker, "assistente_sociale", "PRESA_IN_CARICO", storia, "casework"),
        ]
    )
    for reader in ("coordinatore", "dpo", "admin"):
        dopo = d.accessi_del_caso(reader, caso.caso_id)
        nuove = dopo[: len(dopo) - len(prima)]
        assert dopo[len(nuove) :] == prima  # newest first: the new reads lead the list
        assert Counter(_firma(item) for item in nuove) == attese
        assert {item["persona_id"] for item in dopo} == {caso.persona_id}
        assert {item["oggetto_id"] for item in dopo} == {caso.caso_id}
        istanti = [item["occurred_at"] for item in dopo]
        assert istanti == sorted(istanti, reverse=True)
    # roles that may not read a case's log, and a coordinatore of another comune
    for user in ("operatore", worker, "ufficio.piano", "educatore"):
        response = d.get(user, f"/api/reporting/casi/{caso.caso_id}/accessi")
        assert response.status_code == 403, user
        assert caso.persona_id not in response.text
    # a coordinatore of another comune: not found, as an unknown case (issue 17)
    response = d.get(COORD_ALTRO, f"/api/reporting/casi/{caso.caso_id}/accessi")
    assert response.status_code == 404
    assert response.json() == d.get(COORD_ALTRO, f"/api/reporting/casi/{uuid4()}/accessi").json()
    assert caso.persona_id not in response.text

    risultato = d.rapporto(caso.persona_id, "json")
    assert risultato.exit_code == 0, risultato.output
    rapporto = json.loads(risultato.output)
    assert rapporto["persona_id"] == caso.persona_id
    voci = rapporto["accessi"]
    # the report lists every earlier read, then these five, then its own two productions
    assert voci[: len(rapporto_prima)] == rapporto_prima
    nuove_voci = voci[len(rapporto_prima) :]
    assert (
        Counter(
            (v["utente"], v["ruolo"], v["finalita"], v["endpoint"], v["servizio"])
            for v in nuove_voci
            if v["finalita"] != "RICHIESTA_INTERESSATO"
        )
        == attese
    )
    proprie = [v for v in nuove_voci if v["finalita"] == "RICHIESTA_INTERESSATO"]
    assert [(v["utente"], v["ruolo"]) for v in proprie] == [("dpo", "dpo")]
    assert rapporto_prima[-1]["finalita"] == "RICHIESTA_INTERESSATO"  # the first production
    assert all(v["finalita_descrizione"] for v in voci)
    assert altro.caso_id not in risultato.output
    with d.runtime.views.reader.connect() as connection:
        from services.reporting.accessi import accessi

        della_persona = connection.execute(
            select(accessi.c.event_id).where(accessi.c.persona_id == caso.persona_id)
        ).all()
    assert len(voci) == len(della_persona)

    testo = d.rapporto(caso.persona_id, "testo")
    assert testo.exit_code == 0, testo.output
    assert "RAPPORTO DEGLI ACCESSI AI DATI PERSONALI" in testo.output
    assert "art. 15" in testo.output
    assert "Finalità: VALUTAZIONE - Valutazione professionale" in testo.output
    assert f"Chi: {worker} (assistente_sociale)" in testo.output
    # only the dpo or an amministratore produce it
    rifiutato = d.rapporto(caso.persona_id, "json", as_user="coordinatore")
    assert rifiutato.exit_code != 0
    assert "non è il dpo né un amministratore" in rifiutato.output
    assert "RICHIESTA_INTERESSATO" not in rifiutato.output


def test_a_break_glass_read_is_reviewed_once_by_the_coordinatore_of_the_case_s_comune(
    distretto: Distretto,
) -> None:
    d = distretto
    caso = next(
        row
        for row in _casi_assegnati(d)
        if row.comune != "B292"  # so that coord.altro (B292) is out of its comune
    )
    estraneo = d.fuori_ambito(caso.area_utenza)
    path = f"/api/reporting/casi/{caso.caso_id}/accesso-emergenza"
    motivo = "Chiamata notturna dei carabinieri: serve sapere chi contattare"

    # refusals first: a reason is required, other roles are refused, in scope is a 409
    vuoto = d.post(estraneo, path, {})
    assert vuoto.status_code == 422
    assert "motivo" in json.dumps(vuoto.json())
    assert d.post(estraneo, path, {"motivo": "   "}).status_code == 422
    for user in ("coordinatore", "operatore", "dpo", "admin", "educatore"):
        response = d.post(user, path, {"motivo": motivo})
        assert response.status_code == 403, user
        assert caso.persona_id not in response.text
    in_ambito = d.post(caso.assistente_sociale, path, {"motivo": motivo})
    assert in_ambito.status_code == 409
    assert caso.persona_id not in in_ambito.text
    # without break-glass the out-of-scope worker does not find the cartella (issue 17)
    assert d.get(estraneo, f"/api/reporting/casi/{caso.caso_id}").status_code == 404

    aperta = d.post(estraneo, path, {"motivo": motivo})
    assert aperta.status_code == 200, aperta.text
    assert aperta.json()["id"] == caso.caso_id
    assert aperta.json()["persona"]["persona_id"] == caso.persona_id
    d.aggiorna()

    # the read is in the case's log as a break-glass one
    emergenze_nel_log = [
        item
        for item in d.accessi_del_caso("coordinatore", caso.caso_id)
        if item["finalita"] == "EMERGENZA"
    ]
    assert [(i["utente"], i["endpoint"]) for i in emergenze_nel_log] == [
        (estraneo, "POST /api/reporting/casi/{id}/accesso-emergenza")
    ]
    lettura_id = emergenze_nel_log[0]["event_id"]

    def elenco(user: str, **params: Any) -> list[dict[str, Any]]:
        response = d.get(user, "/api/reporting/accessi-emergenza", **params)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    da_rivedere = [
        i for i in elenco("coordinatore", stato="da_rivedere") if i["lettura_id"] == lettura_id
    ]
    assert len(da_rivedere) == 1
    voce = da_rivedere[0]
    assert (voce["caso_id"], voce["utente"], voce["ruolo"], voce["motivo"], voce["decisione"]) == (
        caso.caso_id,
        estraneo,
        "assistente_sociale",
        motivo,
        None,
    )
    del_dpo = {i["lettura_id"]: i for i in elenco("dpo")}
    assert lettura_id in del_dpo
    assert del_dpo[lettura_id]["motivo"] is None  # who opened what, never the reason
    assert lettura_id not in {i["lettura_id"] for i in elenco(COORD_ALTRO)}
    for user in ("operatore", estraneo, "ufficio.piano", "admin"):
        assert d.get(user, "/api/reporting/accessi-emergenza").status_code == 403, user

    decisione = f"/api/reporting/accessi-emergenza/{lettura_id}"
    for user in ("dpo", estraneo):
        response = d.post(user, f"{decisione}/conferma", {"nota": "ok"})
        assert response.status_code == 403, user
        assert motivo not in response.text
    # the coordinatore of another comune: not found, as an unknown read (issue 17)
    altrove = d.post(COORD_ALTRO, f"{decisione}/conferma", {"nota": "ok"})
    sconosciuta = d.post(
        COORD_ALTRO, f"/api/reporting/accessi-emergenza/{uuid4()}/conferma", {"nota": "ok"}
    )
    assert (altrove.status_code, altrove.json()) == (404, sconosciuta.json())
    assert motivo not in altrove.text
    confermata = d.post(
        "coordinatore", f"{decisione}/conferma", {"nota": "Intervento giustificato"}
    )
    assert confermata.status_code == 200, confermata.text
    assert confermata.json()["stato"] == "confermato"
    assert d.post("coordinatore", f"{decisione}/conferma", None).status_code == 409
    seconda = d.post("coordinatore", f"{decisione}/contestazione", {"nota": "ripensamento"})
    assert seconda.status_code == 409

    posizione = confermata.json()["posizione"]
    confermate = elenco("coordinatore", stato="confermato", attendi_posizione=posizione)
    mia = [i for i in confermate if i["lettura_id"] == lettura_id]
    assert len(mia) == 1
    assert mia[0]["decisione"]["utente"] == "coordinatore"
    assert mia[0]["decisione"]["nota"] == "Intervento giustificato"
    assert lettura_id not in {i["lettura_id"] for i in elenco("coordinatore", stato="da_rivedere")}
    # the decision is in reporting's ledger, with actor and legal basis
    registrati = [
        n
        for n in d.runtime.district.ledger("reporting").recorder.select_notifications(
            posizione, 1, inclusive_of_start=True
        )
    ]
    assert registrati[0].topic == "AccessoEmergenzaConfermato"

    # the citizen's report says the read was a break-glass one, confirmed; the reason stays
    # out of it
    d.aggiorna()
    risultato = d.rapporto(caso.persona_id, "json", as_user="admin")
    assert risultato.exit_code == 0, risultato.output
    voci = json.loads(risultato.output)["accessi"]
    emergenze = [v for v in voci if v["emergenza"]]
    assert [(v["utente"], v["revisione"]) for v in emergenze] == [(estraneo, "confermato")]
    assert motivo not in risultato.output
    # showing the reason to reviewers was itself a read of the person's data
    assert any(v["finalita"] == "CONTROLLO" and v["oggetto"] == "accesso_emergenza" for v in voci)


def _casi_assegnati(d: Distretto) -> list[Any]:
    with d.runtime.views.reader.connect() as connection:
        return list(
            connection.execute(
                select(casi).where(casi.c.assistente_sociale.is_not(None)).order_by(casi.c.caso_id)
            ).all()
        )


def test_a_reader_lists_its_own_read_by_the_position_of_the_ledger_that_recorded_it(
    distretto: Distretto,
) -> None:
    """Issue 17: the log is read once it holds the serving ledger up to a given position, so a
    client that has just read a case finds that read listed, however loaded the machine; the
    wait needs its ledger named, and a position past the ledger's head is not served stale."""
    d = distretto
    caso = d.caso(escludi=set())
    assert d.get("coordinatore", f"/api/reporting/casi/{caso.caso_id}").status_code == 200
    testa = d.get("admin", "/api/reporting/stato").json()["posizione"]
    for path in ("/api/reporting/accessi", f"/api/reporting/casi/{caso.caso_id}/accessi"):
        params: dict[str, Any] = {"registro": "reporting", "attendi_posizione": testa}
        if path == "/api/reporting/accessi":
            params["caso_id"] = caso.caso_id
        response = d.get("admin", path, **params)
        assert response.status_code == 200, response.text
        letture = response.json()["items"]
        assert letture[0]["utente"] == "coordinatore"
        assert letture[0]["posizione"] == testa  # the read itself, the ledger's head
        senza_registro = d.get("admin", path, attendi_posizione=testa)
        assert senza_registro.status_code == 422
        assert [e["campo"] for e in senza_registro.json()["errori"]] == ["query.registro"]
    oltre = d.get(
        "admin", "/api/reporting/accessi", registro="reporting", attendi_posizione=testa + 10**6
    )
    assert oltre.status_code == 503


def test_a_break_glass_read_retried_with_an_idempotency_key_is_read_and_recorded_again(
    distretto: Distretto,
) -> None:
    """Break-glass is a read by POST: the key store never answers it (it would serve a case
    file with no recorded read, no new authorisation, even after an erasure)."""
    d = distretto
    caso = _casi_assegnati(d)[-1]
    estraneo = d.fuori_ambito(caso.area_utenza)
    path = f"/api/reporting/casi/{caso.caso_id}/accesso-emergenza"
    headers = {**bearer(d.tokens[estraneo]), "Idempotency-Key": "emergenza-0001"}
    body = {"motivo": "Segnalazione urgente del pronto soccorso"}

    def letture() -> int:
        d.aggiorna()
        return sum(
            item["finalita"] == "EMERGENZA" and item["utente"] == estraneo
            for item in d.accessi_del_caso("coordinatore", caso.caso_id)
        )

    prima = letture()
    first = d.client.post(path, json=body, headers=headers)
    again = d.client.post(path, json=body, headers=headers)

    assert first.status_code == again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert letture() - prima == 2
