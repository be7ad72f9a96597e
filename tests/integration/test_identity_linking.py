"""Issue 17, identity (acceptance 2; decision 0032), over HTTP in process on real SQLite.

A codice fiscale links a returning person only when the rest of their data agrees:

- the defect: ``BNCGPP38C52E094R`` (Giuseppina Bianchi's) sent with the name "Mario Rossi"
  joined her record. Now it is refused at the edge (422, the field named, no value), and
  so is a sex, birth date or birthplace that disagrees with the code itself; a name or birth
  date that fits the code but not her record is a 409 naming the fields. Nothing is
  recorded, and the claimant sees nothing of her;
- recorded unlinked (``codice_fiscale_da_verificare``), the claimant is another person,
  flagged on the request; a coordinatore of the comune lists such records and keeps them
  apart (or links them), with a reason; kept apart, they stay apart when they come back;
- her erasure leaves them untouched;
- a request wrongly linked to her before the fix is split to a new person by a coordinatore:
  neither sees the other's requests, and her erasure leaves the split request readable;
- a person's data is rectified (GDPR art. 16) by an event, and the reads follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from services.intake.domain import Domanda
from services.runtime import Runtime, create_app
from shared.events import Actor, CommandContext, acting
from shared.events.envelope import LedgerEvent
from shared.events.identita import PersonaAttribuita
from shared.persons.dati import Persona, dati_persona, profilo_statistico
from tests.support.runtime import bearer, open_demo_runtime, token

API = "/api/intake"
CASEWORK = "/api/casework"
CF = "BNCGPP38C52E094R"
GIUSEPPINA: dict[str, Any] = {
    "nome": "Giuseppina",
    "cognome": "Bianchi",
    "codice_fiscale": CF,
    "data_nascita": "1938-03-12",
    "sesso": "F",
    "luogo_nascita": "E094",
}
GIUSEPPINA_RESIDENTE: dict[str, Any] = {
    **GIUSEPPINA,
    "cittadinanza": 380,
    "residenza": {"paese": 380, "comune_istat": "015108"},
}
"""Her data as a rectification completes it: citizenship and residence (ISTAT 015108)."""
MARIO: dict[str, Any] = {
    "nome": "Mario",
    "cognome": "Rossi",
    "codice_fiscale": "RSSMRA50H15E094V",
    "data_nascita": "1950-06-15",
    "sesso": "M",
    "luogo_nascita": "E094",
}


@dataclass
class District:
    runtime: Runtime
    client: TestClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_(self, user: str) -> dict[str, str]:
        if user not in self.headers:
            self.headers[user] = bearer(token(self.client, user))
        return self.headers[user]

    def post(self, path: str, body: Any, user: str = "operatore") -> Any:
        return self.client.post(path, json=body, headers=self.as_(user))

    def get(self, path: str, user: str = "operatore") -> Any:
        return self.client.get(path, headers=self.as_(user))

    def domanda(self, persona: dict[str, Any], user: str = "operatore") -> Any:
        return self.post(
            f"{API}/domande",
            {
                "comune": "E094",
                "canale": "sportello",
                "persona": persona,
                "bisogno": "Vive sola e non riesce più a fare la spesa",
                "area_utenza": "ELD",
            },
            user,
        )

    def registrata(self, persona: dict[str, Any]) -> tuple[str, str]:
        """A request recorded: its id and its person's id."""
        created = self.domanda(persona)
        assert created.status_code == 201, created.text
        domanda_id = str(created.json()["id"])
        return domanda_id, self.persona(domanda_id)["persona_id"]

    def persona(self, domanda_id: str, user: str = "operatore") -> dict[str, Any]:
        read = self.get(f"{API}/domande/{domanda_id}", user)
        assert read.status_code == 200, read.text
        return dict(read.json()["persona"])

    def precedenti(self, domanda_id: str, posizione: int | None = None) -> set[str]:
        """The request's person's other requests, once the read model has every write."""
        posizione = self.posizione() if posizione is None else posizione
        read = self.get(f"{API}/domande/{domanda_id}/precedenti?attendi_posizione={posizione}")
        assert read.status_code == 200, read.text
        return {item["id"] for item in read.json()["items"]}

    def posizione(self) -> int:
        intake = self.runtime.intake
        assert intake is not None
        return int(intake.recorder.max_notification_id() or 0)


@pytest.fixture
def district(tmp_path: Path) -> Iterator[District]:
    runtime = open_demo_runtime(tmp_path)
    with TestClient(create_app(runtime)) as client:
        yield District(runtime, client)


def _fields(response: Any) -> set[str]:
    return {error["campo"].rsplit(".", 1)[-1] for error in response.json()["errori"]}


def _no_value_of(response: Any, *values: str) -> None:
    for value in values:
        assert value not in response.text


def test_a_codice_fiscale_with_another_name_is_refused_and_links_nobody(
    district: District,
) -> None:
    """The issue's defect: on the old code this request was recorded (201) under
    Giuseppina's person id, and Mario saw her earlier requests."""
    first, giuseppina = district.registrata(GIUSEPPINA)
    before = district.posizione()

    mario = district.domanda({**GIUSEPPINA, "nome": "Mario", "cognome": "Rossi", "sesso": None})
    assert mario.status_code == 422, mario.text
    assert _fields(mario) == {"codice_fiscale"}
    _no_value_of(mario, CF, "Giuseppina", "Bianchi", "Mario", "Rossi")

    # another sex, birth date or birthplace than the code's own: the field is named
    for field_name, value in (
        ("sesso", "M"),
        ("data_nascita", "1938-03-13"),
        ("luogo_nascita", "B292"),
    ):
        refused = district.domanda({**GIUSEPPINA, field_name: value})
        assert refused.status_code == 422, (field_name, refused.text)
        assert _fields(refused) == {field_name}, field_name
        _no_value_of(refused, CF, value)

    # a name and a birth date that fit the code but not her record: 409, fields named
    for changes, campi in (
        ({"nome": "Giuseppa"}, ["nome"]),
        ({"cognome": "Bianco"}, ["cognome"]),
        ({"nome": "Giuseppa", "cognome": "Bianco"}, ["nome", "cognome"]),
        ({"data_nascita": "1838-03-12", "luogo_nascita": None}, ["data_nascita"]),
    ):
        conflict = district.domanda({**GIUSEPPINA, **changes})
        assert conflict.status_code == 409, (changes, conflict.text)
        assert conflict.json()["campi"] == campi
        _no_value_of(conflict, CF, "Giuseppina", "Giuseppa", "Bianchi", "Bianco", "1938")
        _no_value_of(conflict, giuseppina, first)

    assert district.posizione() == before, "a refused request records nothing"
    assert district.precedenti(first) == set()


def test_recorded_unlinked_kept_apart_and_untouched_by_her_erasure(district: District) -> None:
    first, giuseppina = district.registrata(GIUSEPPINA)
    giuseppa = {**GIUSEPPINA, "nome": "Giuseppa"}
    assert district.domanda(giuseppa).status_code == 409

    flagged = district.domanda({**giuseppa, "codice_fiscale_da_verificare": True})
    assert flagged.status_code == 201, flagged.text
    apart = str(flagged.json()["id"])
    persona = district.persona(apart)
    assert persona["persona_id"] != giuseppina
    assert persona["codice_fiscale_da_verificare"] is True
    assert persona["nome"] == "Giuseppa"
    posizione = flagged.json()["posizione"]
    assert district.precedenti(apart, posizione) == set()
    assert district.precedenti(first, posizione) == set()

    # the coordinatore of the comune lists it; an operatore may not
    listing = district.get(
        f"{API}/persone-da-verificare?attendi_posizione={posizione}", "coordinatore"
    )
    assert listing.status_code == 200, listing.text
    assert [item["id"] for item in listing.json()["items"]] == [apart]
    _no_value_of(listing, CF, "Giuseppa", "Bianchi")
    assert district.get(f"{API}/persone-da-verificare", "operatore").status_code == 403
    assert (
        district.post(
            f"{API}/domande/{apart}/attribuzione-persona",
            {"esito": "distinta", "motivo": "Documento d'identità esibito"},
            "operatore",
        ).status_code
        == 403
    )

    kept = district.post(
        f"{API}/domande/{apart}/attribuzione-persona",
        {"esito": "distinta", "motivo": "Documento d'identità esibito: è un'altra persona"},
        "coordinatore",
    )
    assert kept.status_code == 200, kept.text
    assert district.persona(apart)["codice_fiscale_da_verificare"] is False
    assert district.persona(apart)["persona_id"] == persona["persona_id"]
    listing = district.get(
        f"{API}/persone-da-verificare?attendi_posizione={kept.json()['posizione']}",
        "coordinatore",
    )
    assert listing.json()["items"] == []
    decided = _events(district, apart)[-1]
    assert isinstance(decided, PersonaAttribuita)
    assert (decided.esito, decided.actor.user, decided.legal_basis) == (
        "distinta",
        "coordinatore",
        "GDPR_5_1_D",
    )
    again = district.post(
        f"{API}/domande/{apart}/attribuzione-persona",
        {"esito": "distinta", "motivo": "Di nuovo"},
        "coordinatore",
    )
    assert again.status_code == 409, "decided once"

    # kept apart, each comes back to their own record
    second_apart, persona_apart = district.registrata(giuseppa)
    assert persona_apart == persona["persona_id"]
    second_first, persona_first = district.registrata(GIUSEPPINA)
    assert persona_first == giuseppina

    # her erasure leaves them untouched
    district.runtime.district.keystore.erase(giuseppina)
    assert district.persona(first)["cancellata"] is True
    for domanda_id in (apart, second_apart):
        kept_person = district.persona(domanda_id)
        assert kept_person["cancellata"] is False
        assert (kept_person["nome"], kept_person["codice_fiscale"]) == ("Giuseppa", CF)
    assert second_first not in district.precedenti(second_apart)


def test_a_flagged_record_is_linked_by_the_coordinatore(district: District) -> None:
    first, giuseppina = district.registrata(GIUSEPPINA)
    flagged = district.domanda({**GIUSEPPINA, "codice_fiscale_da_verificare": True})
    assert flagged.status_code == 201, flagged.text
    apart = str(flagged.json()["id"])
    own_id = district.persona(apart)["persona_id"]
    assert own_id != giuseppina

    linked = district.post(
        f"{API}/domande/{apart}/attribuzione-persona",
        {"esito": "collegata", "motivo": "Stessa persona: verificato all'anagrafe"},
        "coordinatore",
    )
    assert linked.status_code == 200, linked.text
    assert district.persona(apart)["persona_id"] == giuseppina
    assert district.precedenti(apart, linked.json()["posizione"]) == {first}
    # her erasure reaches what was first recorded under the linked record's own id
    keystore = district.runtime.district.keystore
    keystore.erase(giuseppina)
    assert keystore.is_erased(own_id)
    assert keystore.lookup(own_id).key is None


def test_a_wrongly_linked_request_is_split(district: District) -> None:
    first, giuseppina = district.registrata(GIUSEPPINA)
    wrong = _linked_by_the_old_code(district.runtime, giuseppina)
    posizione = district.posizione()
    assert district.precedenti(first, posizione) == {wrong}

    only_coordinators = district.post(
        f"{API}/domande/{wrong}/attribuzione-persona",
        {"esito": "separata", "motivo": "Codice fiscale altrui", "persona": MARIO},
        "operatore",
    )
    assert only_coordinators.status_code == 403
    back_to_her = district.post(
        f"{API}/domande/{wrong}/attribuzione-persona",
        {"esito": "separata", "motivo": "Codice fiscale altrui", "persona": GIUSEPPINA},
        "coordinatore",
    )
    assert back_to_her.status_code == 409, "the split goes to another person"
    unverified = district.post(
        f"{API}/domande/{wrong}/attribuzione-persona",
        {
            "esito": "separata",
            "motivo": "Codice fiscale altrui",
            "persona": {**MARIO, "codice_fiscale_da_verificare": True},
        },
        "coordinatore",
    )
    assert unverified.status_code == 422, "a split gives verified data"
    assert [e["campo"] for e in unverified.json()["errori"]] == [
        "body.persona.codice_fiscale_da_verificare"
    ]
    split = district.post(
        f"{API}/domande/{wrong}/attribuzione-persona",
        {"esito": "separata", "motivo": "Codice fiscale altrui", "persona": MARIO},
        "coordinatore",
    )
    assert split.status_code == 200, split.text
    posizione = split.json()["posizione"]
    mario = district.persona(wrong)
    assert mario["persona_id"] != giuseppina
    assert (mario["nome"], mario["codice_fiscale"]) == ("Mario", MARIO["codice_fiscale"])
    assert district.precedenti(first, posizione) == set()
    assert district.precedenti(wrong, posizione) == set()
    event = _events(district, wrong)[-1]
    assert isinstance(event, PersonaAttribuita)
    assert (event.esito, event.persona_precedente_id) == ("separata", giuseppina)

    # Mario comes back: his own record, not hers
    again, persona_again = district.registrata(MARIO)
    assert persona_again == mario["persona_id"]
    assert district.precedenti(again) == {wrong}

    district.runtime.district.keystore.erase(giuseppina)
    assert district.persona(first)["cancellata"] is True
    after = district.persona(wrong)
    assert (after["cancellata"], after["nome"], after["cognome"]) == (False, "Mario", "Rossi")


def test_rectification_is_an_event_and_the_reads_follow(district: District) -> None:
    first, giuseppina = district.registrata({**GIUSEPPINA, "cittadinanza": 380})
    corrected = GIUSEPPINA_RESIDENTE
    rettifica = district.post(
        f"{API}/domande/{first}/rettifica-persona",
        {"persona": corrected, "motivo": "Residenza indicata dalla persona con documento"},
    )
    assert rettifica.status_code == 200, rettifica.text
    persona = district.persona(first)
    assert persona["persona_id"] == giuseppina
    assert persona["residenza"]["comune_istat"] == "015108"
    event = _events(district, first)[-1]
    assert (type(event).__name__, event.legal_basis, event.actor.user) == (
        "DatiPersonaRettificati",
        "GDPR_16",
        "operatore",
    )
    # a correction is checked like any person sent: a name that is not the code's is refused
    refused = district.post(
        f"{API}/domande/{first}/rettifica-persona",
        {"persona": {**GIUSEPPINA, "nome": "Mario"}, "motivo": "Nome"},
    )
    assert refused.status_code == 422
    # nor does a correction take a codice fiscale another live person holds: it would draw
    # his returning requests to her record
    district.registrata(MARIO)
    taken = district.post(
        f"{API}/domande/{first}/rettifica-persona", {"persona": MARIO, "motivo": "Codice"}
    )
    assert taken.status_code == 409, taken.text
    assert taken.json()["campi"] == ["codice_fiscale"]
    assert MARIO["codice_fiscale"] not in taken.text
    assert district.persona(first)["codice_fiscale"] == CF


def test_a_case_opened_with_a_flagged_person_is_listed_and_decided(district: District) -> None:
    _first, giuseppina = district.registrata(GIUSEPPINA)
    body: dict[str, Any] = {
        "comune": "E094",
        "area_utenza": "ELD",
        "origine": "emergenza",
        "motivo": "Trovata sola in casa senza riscaldamento",
        "persona": {**GIUSEPPINA, "nome": "Giuseppa"},
    }
    refused = district.post(f"{CASEWORK}/casi", body, "coordinatore")
    assert refused.status_code == 409, refused.text
    assert refused.json()["campi"] == ["nome"]
    body["persona"] = {**body["persona"], "codice_fiscale_da_verificare": True}
    opened = district.post(f"{CASEWORK}/casi", body, "coordinatore")
    assert opened.status_code == 201, opened.text
    caso_id = opened.json()["id"]
    listing = district.get(
        f"{CASEWORK}/persone-da-verificare?attendi_posizione={opened.json()['posizione']}",
        "coordinatore",
    )
    assert [item["id"] for item in listing.json()["items"]] == [caso_id]
    caso = district.get(f"{CASEWORK}/casi/{caso_id}", "coordinatore").json()
    assert caso["persona"]["codice_fiscale_da_verificare"] is True
    assert caso["persona"]["persona_id"] != giuseppina

    kept = district.post(
        f"{CASEWORK}/casi/{caso_id}/attribuzione-persona",
        {"esito": "distinta", "motivo": "Un'altra persona: documento esibito"},
        "coordinatore",
    )
    assert kept.status_code == 200, kept.text
    district.runtime.district.keystore.erase(giuseppina)
    caso = district.get(f"{CASEWORK}/casi/{caso_id}", "coordinatore").json()
    assert (caso["persona"]["nome"], caso["persona"]["codice_fiscale_da_verificare"]) == (
        "Giuseppa",
        False,
    )


def _events(district: District, domanda_id: str) -> list[LedgerEvent]:
    intake = district.runtime.intake
    assert intake is not None
    return [e for e in intake.events.get(UUID(domanda_id)) if isinstance(e, LedgerEvent)]


def _linked_by_the_old_code(runtime: Runtime, persona_id: str) -> str:
    """A request about Mario recorded under Giuseppina's id, as the silent link of the old
    code recorded it (through the domain: the service no longer links so)."""
    intake = runtime.intake
    assert intake is not None
    persona = Persona(nome="Mario", cognome="Rossi", codice_fiscale=CF)
    context = CommandContext(
        actor=Actor(user="operatore", role="operatore", comune="E094"),
        legal_basis="L328_ART22",
        source="api",
    )
    with acting(context):
        domanda = Domanda(
            persona_id=persona_id,
            persona=dati_persona(persona),
            comune="E094",
            canale="sportello",
            bisogno="Cerca un lavoro",
            area_utenza="POV",
            urgente=False,
            profilo=profilo_statistico(persona, "E094", "POV", datetime.now(UTC)),
            richiedente=None,
            sportello_id=None,
        )
    intake.save(domanda)
    return str(domanda.id)


def test_a_case_s_social_worker_rectifies_its_person_and_bad_decisions_are_refused(
    district: District,
) -> None:
    opened = district.post(
        f"{CASEWORK}/casi",
        {
            "comune": "E094",
            "area_utenza": "ELD",
            "origine": "emergenza",
            "motivo": "Trovata sola in casa senza riscaldamento",
            "persona": GIUSEPPINA,
        },
        "coordinatore",
    )
    assert opened.status_code == 201, opened.text
    path = f"{CASEWORK}/casi/{opened.json()['id']}"
    assigned = district.post(
        f"{path}/assegnazione", {"assistente_sociale": "as.anziani"}, "coordinatore"
    )
    assert assigned.status_code == 200, assigned.text
    corrected = GIUSEPPINA_RESIDENTE
    rettifica = district.post(
        f"{path}/rettifica-persona",
        {"persona": corrected, "motivo": "Residenza indicata dalla persona con documento"},
        "as.anziani",
    )
    assert rettifica.status_code == 200, rettifica.text
    persona = district.get(path, "as.anziani").json()["persona"]
    assert persona["residenza"]["comune_istat"] == "015108"
    head = district.runtime.district.ledger("casework").recorder.max_notification_id()

    # a coordinatore's decision that does not fit is refused naming its field
    other = "5e1d0f2a-0000-4000-8000-00000000beef"
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"esito": "separata"}, "persona"),
        ({"esito": "separata", "persona": MARIO, "persona_id": other}, "persona_id"),
        (
            {"esito": "separata", "persona": {**MARIO, "codice_fiscale_da_verificare": True}},
            "codice_fiscale_da_verificare",
        ),
        ({"esito": "distinta", "persona": MARIO}, "persona"),
        ({"esito": "distinta", "persona_id": other}, "persona_id"),
        ({"esito": "collegata"}, "persona_id"),  # nobody else holds her codice fiscale
        ({"esito": "collegata", "persona_id": other}, "persona_id"),
    ]
    for body, campo in refusals:
        refused = district.post(
            f"{path}/attribuzione-persona", {**body, "motivo": "Verifica"}, "coordinatore"
        )
        assert refused.status_code == 422, (body, refused.text)
        assert _fields(refused) == {campo}, body
    # separating her onto her own data would change nothing
    same = district.post(
        f"{path}/attribuzione-persona",
        {"esito": "separata", "persona": corrected, "motivo": "Verifica"},
        "coordinatore",
    )
    assert same.status_code == 409, same.text
    assert district.runtime.district.ledger("casework").recorder.max_notification_id() == head
