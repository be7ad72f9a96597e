"""Issue 10, acceptance 2: erasing a person (``ambito persone oblio``, decision 0029) on a
whole generated demo district, served in process while the command runs beside it.

Before: the person's request, case, case file and SIUSS flows show their name, surname,
codice fiscale and birth date. After the erasure by the dpo, none of them appears in any of
those responses (raw bytes; the flows' XML decoded), their flows are no longer served and no
new one is issued for them; the observatory's figures, published tables and exports are
identical; ``ambito audit verify`` is clean; the ledger holds one ``PersonaCancellata`` with
actor and legal basis, listed by ``/api/reporting/cancellazioni``; and after a rebuild of
every read model the same holds. Also: a rerun records nothing, wrong callers and unknown
persons are refused, and a key cached by another process expires within its bound.
"""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from services.cli import main
from services.reporting.siuss.dovuti import flussi
from services.runtime import create_app, open_runtime, rebuild_projections
from shared.events import Actor, CommandContext, acting
from shared.events.envelope import LedgerEvent
from shared.events.erasure import MOTIVO_TESTO_LIBERO, PersonaCancellata, id_cancellazione
from shared.ledger.mapper import canonical_json
from shared.persons import keystore as keystore_module
from shared.persons.keystore import KEY_CACHE_SECONDS, KeyStore
from shared.settings import Settings
from tests.support.demo_district import copy_demo_district
from tests.support.runtime import bearer, demo_settings, token

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first


MOTIVO = "RICHIESTA_INTERESSATO"
PROTOCOLLO = "0012345/2025"


@dataclass
class Persona:
    persona_id: str
    caso_id: str
    domanda_id: str
    segni: list[str]
    """What identifies them in a response: name, surname, codice fiscale, birth date."""
    flussi: set[str]
    """Ids of their SIUSS flows issued before the erasure."""


@dataclass
class Osservato:
    """What the APIs answered, at one moment."""

    dati: dict[str, bytes] = field(default_factory=dict)
    """The person's data endpoints: raw response bodies."""
    figure: dict[str, Any] = field(default_factory=dict)
    """Observatory figures, published tables and exports (XLSX as cell values)."""
    flussi: dict[str, bytes] = field(default_factory=dict)
    """Every SIUSS flow served to INPS: id -> decoded XML."""
    emessi: set[str] = field(default_factory=set)
    """The person's flows issued in the read model."""


@dataclass
class Scenario:
    settings: Settings
    persona: Persona
    prima: Osservato
    dopo: Osservato
    ricostruito: Osservato
    oblio: Result
    ripetuto: Result
    verifica: Result
    cancellazioni: httpx.Response
    cancellazioni_vietate: httpx.Response
    eventi: list[PersonaCancellata]


def _env(settings: Settings) -> dict[str, str]:
    return {
        "AMBITO_DATA_DIR": str(settings.data_dir),
        "AMBITO_KEY_DIR": str(settings.key_dir),
        "AMBITO_AS_PASSWORD": "demo",
    }


def _oblio(settings: Settings, persona_id: str, as_user: str = "dpo") -> Result:
    return CliRunner().invoke(
        main,
        [
            *("persone", "oblio", persona_id, "--motivo", MOTIVO, "--protocollo", PROTOCOLLO),
            *("--base-giuridica", "GDPR_17", "--as", as_user),
        ],
        env=_env(settings),
    )


@contextmanager
def _served(settings: Settings) -> Iterator[TestClient]:
    """The embedded services, running (feeds in the background) as ``ambito serve`` runs."""
    runtime = open_runtime(settings)
    with TestClient(create_app(runtime)) as client:
        yield client


def _flussi_serviti(client: TestClient) -> dict[str, bytes]:
    """Every flow INPS reads, paging with ``since`` as INPS does (which also issues the due
    flows), decoded."""
    inps = client.post(
        "/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": "inps", "client_secret": "demo"},
    )
    assert inps.status_code == 200, inps.text
    headers = bearer(inps.json()["access_token"])
    found: dict[str, bytes] = {}
    since = 0
    while True:
        response = client.get("/waas/v1/flussi", params={"since": since}, headers=headers)
        assert response.status_code == 200, response.text
        pagina = response.json()["elenco_flussi"]
        new = [v for v in pagina if v["id_flusso"] not in found]
        if not new:
            return found
        for voce in new:
            found[voce["id_flusso"]] = base64.b64decode(voce["flusso"])
        since = max(int(_ms(v["ts_flusso"])) for v in pagina)


def _ms(ts: str) -> int:
    from datetime import UTC, datetime, timedelta

    instant = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _emessi(client: TestClient, persona_id: str) -> set[str]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.views.reader.connect() as connection:
        rows = connection.execute(
            select(flussi.c.flusso_id).where(
                flussi.c.persona_id == persona_id, flussi.c.flusso_id.is_not(None)
            )
        )
        return {row.flusso_id for row in rows}


def _osserva(client: TestClient, persona: Persona) -> Osservato:
    coordinatore = bearer(token(client, "coordinatore"))
    seen = Osservato()
    paths = [
        f"/api/intake/domande/{persona.domanda_id}",
        f"/api/intake/domande/{persona.domanda_id}/storia",
        f"/api/casework/casi/{persona.caso_id}",
        f"/api/casework/casi/{persona.caso_id}/storia",
        f"/api/reporting/casi/{persona.caso_id}",
    ]
    for path in paths:
        response = client.get(path, headers=coordinatore)
        assert response.status_code == 200, (path, response.text)
        seen.dati[path] = response.content
    osservatorio = client.get("/api/reporting/osservatorio", headers=coordinatore)
    assert osservatorio.status_code == 200, osservatorio.text
    seen.figure["osservatorio"] = osservatorio.json()
    tabelle = client.get("/api/reporting/osservatorio/tabelle", headers=coordinatore)
    assert tabelle.status_code == 200, tabelle.text
    seen.figure["tabelle"] = tabelle.json()
    for tabella in tabelle.json()["items"]:
        nome = tabella["nome"]
        esportazione = f"/api/reporting/osservatorio/esportazioni/{nome}"
        csv = client.get(f"{esportazione}.csv", headers=coordinatore)
        assert csv.status_code == 200, csv.text
        seen.dati[f"{nome}.csv"] = csv.content
        seen.figure[f"{nome}.csv"] = csv.content
        xlsx = client.get(f"{esportazione}.xlsx", headers=coordinatore)
        assert xlsx.status_code == 200, xlsx.text
        celle = [
            [cell for cell in row]
            for sheet in load_workbook(io.BytesIO(xlsx.content)).worksheets
            for row in sheet.iter_rows(values_only=True)
        ]
        seen.dati[f"{nome}.xlsx"] = repr(celle).encode()
        seen.figure[f"{nome}.xlsx"] = celle
    seen.flussi = _flussi_serviti(client)
    seen.emessi = _emessi(client, persona.persona_id)
    return seen


def _scegli(client: TestClient) -> Persona:
    """A person with a request, a case and issued PS flows (the flows issued first)."""
    _flussi_serviti(client)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.views.reader.connect() as connection:
        rows = connection.execute(
            select(flussi.c.persona_id, flussi.c.caso_id)
            .where(flussi.c.tipo == "PS_PSA_SINA", flussi.c.flusso_id.is_not(None))
            .order_by(flussi.c.posizione)
        ).all()
    coordinatore = bearer(token(client, "coordinatore"))
    for row in rows:
        caso = client.get(f"/api/casework/casi/{row.caso_id}", headers=coordinatore).json()
        persona = caso["persona"]
        if caso["domanda_id"] is None or persona is None or not persona.get("codice_fiscale"):
            continue
        segni = [persona["codice_fiscale"], persona["data_nascita"], persona["cognome"]]
        segni.append(f"{persona['nome']} {persona['cognome']}")
        if not all(segni):
            continue
        return Persona(
            row.persona_id,
            row.caso_id,
            caso["domanda_id"],
            segni,
            _emessi(client, row.persona_id),
        )
    raise AssertionError("the demo has no person with a request, a case and a PS flow")


class _Clock:
    """The key store's clock, moved past its cache's bound (another process's erasure is
    seen by this one once its cached key expires: ``KEY_CACHE_SECONDS``)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, demo_district_template: Path) -> Scenario:
    settings = copy_demo_district(demo_district_template, tmp_path_factory.mktemp("oblio"))
    clock = _Clock()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keystore_module, "time", clock)
        with _served(settings) as client:
            persona = _scegli(client)
            prima = _osserva(client, persona)
            oblio = _oblio(settings, persona.persona_id)
            clock.offset += KEY_CACHE_SECONDS + 1
            dopo = _osserva(client, persona)
            ripetuto = _oblio(settings, persona.persona_id)
            dpo = bearer(token(client, "dpo"))
            cancellazioni = client.get("/api/reporting/cancellazioni", headers=dpo)
            vietate = client.get(
                "/api/reporting/cancellazioni", headers=bearer(token(client, "coordinatore"))
            )
    verifica = CliRunner().invoke(main, ["audit", "verify"], env=_env(settings))
    rebuild_projections(settings)
    with _served(settings) as client:
        ricostruito = _osserva(client, persona)
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        ledger = runtime.district.ledger("reporting")
        eventi = [
            event
            for notification in ledger.recorder.select_notifications(1, 10_000_000)
            if isinstance(event := ledger.mapper.to_domain_event(notification), LedgerEvent)
            and isinstance(event, PersonaCancellata)
        ]
    return Scenario(
        settings,
        persona,
        prima,
        dopo,
        ricostruito,
        oblio,
        ripetuto,
        verifica,
        cancellazioni,
        vietate,
        eventi,
    )


def _tracce(seen: Osservato, persona: Persona) -> list[tuple[str, str]]:
    """Where the person still shows: in their own request, case, case file and the
    exports, any of their signs; in the flows (everyone's: a surname is shared), their
    codice fiscale, their pseudonymous id, or their name and surname together."""
    found = []
    for where, body in seen.dati.items():
        text = body.decode("utf-8", errors="replace").upper()
        found += [(where, s) for s in persona.segni if s.upper() in text]
    codice_fiscale, _, cognome, nome_cognome = persona.segni
    nome = nome_cognome.removesuffix(f" {cognome}")
    for where, xml in seen.flussi.items():
        text = xml.decode("utf-8", errors="replace").upper()
        found += [(where, s) for s in (codice_fiscale, persona.persona_id) if s.upper() in text]
        if f'"{cognome.upper()}"' in text and f'"{nome.upper()}"' in text:
            found.append((where, nome_cognome))
    return found


def test_before_the_erasure_the_person_is_readable_everywhere(scenario: Scenario) -> None:
    persona, prima = scenario.persona, scenario.prima
    assert scenario.oblio.exit_code == 0, scenario.oblio.output
    shown = {where for where, _ in _tracce(prima, persona)}
    assert {path for path in prima.dati if path.startswith("/api/")} <= shown
    assert persona.flussi
    assert persona.flussi <= shown


def test_after_the_erasure_no_api_export_or_flow_shows_the_person(scenario: Scenario) -> None:
    assert _tracce(scenario.dopo, scenario.persona) == []
    assert not scenario.persona.flussi & set(scenario.dopo.flussi)
    assert scenario.dopo.emessi == scenario.persona.flussi  # no new flow issued for them
    assert len(scenario.dopo.flussi) == len(scenario.prima.flussi) - len(scenario.persona.flussi)


def test_the_observatory_is_unchanged(scenario: Scenario) -> None:
    assert scenario.dopo.figure == scenario.prima.figure
    assert scenario.prima.figure["tabelle"]["items"]


def test_audit_verify_is_clean(scenario: Scenario) -> None:
    assert scenario.verifica.exit_code == 0, scenario.verifica.output


def test_the_erasure_is_in_the_ledger_once_with_actor_and_legal_basis(scenario: Scenario) -> None:
    assert len(scenario.eventi) == 1
    event = scenario.eventi[0]
    assert event.persona_id == scenario.persona.persona_id
    assert (event.actor.user, event.actor.role, event.actor.comune) == ("dpo", "dpo", None)
    assert event.legal_basis == "GDPR_17"
    assert event.source == "cli"
    assert (event.motivo, event.protocollo, event.motivo_testo) == (MOTIVO, PROTOCOLLO, None)
    assert scenario.ripetuto.exit_code == 0, scenario.ripetuto.output
    assert "già cancellata" in scenario.ripetuto.output


def test_the_dpo_lists_the_erasures_and_a_coordinator_may_not(scenario: Scenario) -> None:
    assert scenario.cancellazioni.status_code == 200, scenario.cancellazioni.text
    [item] = scenario.cancellazioni.json()["items"]
    assert item["persona_id"] == scenario.persona.persona_id
    assert (item["utente"], item["ruolo"], item["base_giuridica"]) == ("dpo", "dpo", "GDPR_17")
    assert item["event_id"] == str(scenario.eventi[0].event_id)
    assert item["completata"] is True
    assert (item["motivo"], item["protocollo"], item["motivo_testo"]) == (MOTIVO, PROTOCOLLO, None)
    assert item["motivo_descrizione"]
    assert scenario.cancellazioni_vietate.status_code == 403


def test_a_rebuild_shows_nothing_of_the_person_and_the_same_figures(scenario: Scenario) -> None:
    assert _tracce(scenario.ricostruito, scenario.persona) == []
    assert scenario.ricostruito.figure == scenario.prima.figure
    assert set(scenario.ricostruito.flussi) == set(scenario.dopo.flussi)


def test_refusals(scenario: Scenario) -> None:
    settings = scenario.settings
    unknown = _oblio(settings, "A" * 20)
    assert unknown.exit_code == 1, unknown.output
    assert "sconosciuta" in unknown.output
    coordinator = _oblio(settings, scenario.persona.persona_id, as_user="coordinatore")
    assert coordinator.exit_code == 1, coordinator.output
    assert "dpo" in coordinator.output
    malformed = _oblio(settings, "abc")
    assert malformed.exit_code == 2
    personal = CliRunner().invoke(
        main,
        [
            *("persone", "oblio", "B" * 20, "--motivo", "nata il 01/02/1980"),
            *("--base-giuridica", "GDPR_17", "--as", "dpo"),
        ],
        env=_env(settings),
    )
    assert personal.exit_code == 2, personal.output
    assert "01/02/1980" not in personal.output
    for protocollo in ("Rossi 12/2025", "01/02/1980", "RSSMRA40A41E094R"):
        nominato = CliRunner().invoke(
            main,
            [
                *("persone", "oblio", "B" * 20, "--motivo", MOTIVO, "--protocollo", protocollo),
                *("--base-giuridica", "GDPR_17", "--as", "dpo"),
            ],
            env=_env(settings),
        )
        assert nominato.exit_code == 2, nominato.output
        assert protocollo not in nominato.output
    unknown_basis = CliRunner().invoke(
        main,
        [
            *("persone", "oblio", "B" * 20, "--motivo", MOTIVO),
            *("--base-giuridica", "NESSUNA", "--as", "dpo"),
        ],
        env=_env(settings),
    )
    assert unknown_basis.exit_code == 2


def test_another_process_stops_decrypting_once_its_cached_key_expires(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two key stores on one database, as a running server and the command are: the
    server's cached key outlives the erasure at most ``KEY_CACHE_SECONDS``."""
    url = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    kek, index_key = b"k" * 32, b"i" * 32
    server, command = KeyStore(url, kek, index_key), KeyStore(url, kek, index_key)
    clock = _Clock()
    monkeypatch.setattr(keystore_module, "time", clock)
    try:
        key = server.key_for_writing("P" * 20)
        assert server.lookup("P" * 20).key == key
        command.erase("P" * 20)
        assert command.lookup("P" * 20).key is None  # the eraser's own cache is dropped
        clock.offset += KEY_CACHE_SECONDS + 1
        assert server.lookup("P" * 20).key is None
        assert server.is_erased("P" * 20)
    finally:
        server.close()
        command.close()


def test_an_erasure_stopped_between_its_two_steps_is_completed_by_the_service(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event is recorded first; if the key's destruction then fails, the erasure looks
    recorded but the person is still readable: the service completes it when it starts."""
    from services.casework.projections import casi

    runtime = open_runtime(scenario.settings)
    try:
        with runtime.views.reader.connect() as connection:
            altra = next(
                p
                for p in connection.execute(select(casi.c.persona_id)).scalars()
                if p != scenario.persona.persona_id
            )
    finally:
        runtime.close()

    def guasto(self: KeyStore, person_id: str) -> None:
        raise RuntimeError("disco pieno")

    with monkeypatch.context() as patch:
        patch.setattr(KeyStore, "erase", guasto)
        interrotto = _oblio(scenario.settings, altra)
    assert interrotto.exit_code != 0
    runtime = open_runtime(scenario.settings)
    try:
        assert not runtime.district.keystore.is_erased(altra)  # recorded, not yet done
        runtime.start()  # the service completes what the command could not
        assert runtime.district.keystore.is_erased(altra)
    finally:
        runtime.close()


def _cancellazione_v1(settings: Settings, persona_id: str, testo: str) -> None:
    """Records, in reporting's ledger, an erasure exactly as version 1 stored it (its reason
    in free text), sealed by the ledger like any other event."""
    runtime = open_runtime(settings)
    try:
        ledger = runtime.district.ledger("reporting")
        context = CommandContext(
            actor=Actor(user="admin", role="amministratore"), legal_basis="GDPR_17", source="cli"
        )
        with acting(context):
            event = PersonaCancellata.model_validate(
                {
                    "aggregate_id": id_cancellazione(persona_id),
                    "aggregate_version": 1,
                    "persona_id": persona_id,
                    "motivo": MOTIVO,
                }
            )
        stored = ledger.mapper.to_stored_event(event)
        state = json.loads(stored.state)
        state.update(schema_version=1, motivo=testo)
        del state["protocollo"], state["motivo_testo"]
        ledger.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=stored.originator_id,
                    originator_version=stored.originator_version,
                    topic=stored.topic,
                    state=canonical_json(state),
                )
            ]
        )
    finally:
        runtime.close()


def test_a_free_text_reason_recorded_before_codes_is_shown_to_the_dpo_only(
    tmp_path: Any,
) -> None:
    """Issue 17: an erasure's reason could name the erased person. Those recorded as free
    text (version 1) stay in the ledger, as everything does, but the list shows the text to
    the dpo alone; the amministratore, who may list erasures, sees the code only."""
    settings = demo_settings(tmp_path)
    testo = "richiesta di Mario Rossi nato il 01/02/1940"
    _cancellazione_v1(settings, "L" * 20, testo)
    verifica = CliRunner().invoke(main, ["audit", "verify"], env=_env(settings))
    assert verifica.exit_code == 0, verifica.output
    with _served(settings) as client:
        voci = {}
        for utente in ("dpo", "admin"):
            response = client.get(
                "/api/reporting/cancellazioni",
                params={"attendi_posizione": 1},
                headers=bearer(token(client, utente)),
            )
            assert response.status_code == 200, response.text
            [voci[utente]] = response.json()["items"]
    assert voci["dpo"]["motivo_testo"] == testo
    assert voci["dpo"]["motivo"] == MOTIVO_TESTO_LIBERO
    assert voci["dpo"]["protocollo"] is None
    assert voci["admin"]["motivo_testo"] is None
    assert voci["admin"]["motivo"] == MOTIVO_TESTO_LIBERO
    assert "Rossi" not in json.dumps(voci["admin"])
    assert {k: v for k, v in voci["admin"].items() if k != "motivo_testo"} == {
        k: v for k, v in voci["dpo"].items() if k != "motivo_testo"
    }
