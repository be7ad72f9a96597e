"""The casework service layer on real ledgers (SQLite and PostgreSQL): a case from opening to
closure and reopening, a case opened by a court order, a case opened by the hand-over policy
from a request recorded in intake, the refusals of the access rules, and every read of a
case recorded before it leaves the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from services.casework.application import (
    ApriCaso,
    Atto,
    CaseworkApplication,
    Esito,
    Provvedimento,
)
from services.casework.domain import Caso
from services.intake.application import IntakeApplication, RegistraDomanda
from shared.auth.policy import Forbidden, OutOfScope
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.errors import Conflict, FieldError, NotFound, StaleVersion
from shared.events import Erased, acting, new_person_id
from shared.events.access import DatiPersonaliLetti
from shared.events.envelope import Actor, LedgerEvent
from shared.events.profile import ProfiloStatistico
from shared.events.types import Ruolo
from shared.identity.models import Role, User
from shared.ledger.ledger import Ledger
from shared.persons.dati import Persona
from shared.persons.keystore import KeyStore, PersonErasedError
from shared.policies import Cause, cause_event, derived_id, policy_context

COMUNI = frozenset({"E094", "B292", "G965"})
DAY = date(2026, 11, 2)
MOTIVO = "Anziana sola dopo una caduta"
GIUSEPPINA = Persona(
    nome="Giuseppina",
    cognome="Esposito",
    data_nascita=date(1944, 3, 8),
    sesso="F",
    cittadinanza=380,
)


def _user(
    username: str, role: Ruolo, aree: tuple[str, ...] = (), comuni: frozenset[str] = COMUNI
) -> Principal:
    return Principal(subject=username, kind="user", role=role, comuni=comuni, aree=frozenset(aree))


COORDINATORE = Richiesta(_user("coordinatore", "coordinatore", ("ELD", "FAM")))
COORDINATORE_BUSSERO = Richiesta(_user("coord.bussero", "coordinatore", comuni=frozenset({"B292"})))
ANZIANI = Richiesta(_user("as.anziani", "assistente_sociale", ("ELD",)))
ROSSI = Richiesta(_user("as.rossi", "assistente_sociale", ("ELD",)))
MINORI = Richiesta(_user("as.minori", "assistente_sociale", ("FAM",)))
OPERATORE = Richiesta(_user("operatore", "operatore", ("ELD", "FAM")))


def _staff(username: str, role: Role, aree: tuple[str, ...], active: bool = True) -> User:
    return User(
        username,
        role,
        "FRRMRC79B07B292T",
        username,
        tuple(sorted(COMUNI)),
        aree,
        active,
        True,
    )


STAFF = {
    "as.anziani": _staff("as.anziani", "assistente_sociale", ("ELD",)),
    "as.rossi": _staff("as.rossi", "assistente_sociale", ("ELD",)),
    "educatore": _staff("educatore", "educatore", ("FAM",)),
    "psicologa": _staff("psicologa", "psicologo", ("FAM",)),
    "ex.educatore": _staff("ex.educatore", "educatore", ("FAM",), active=False),
    "operatore": _staff("operatore", "operatore", ()),
}
"""The district's staff as the identity store knows it (as.minori is not in it)."""

ORDINE = Provvedimento(
    autorita="giudice_tutelare",
    tipo="nomina_amministratore_sostegno",
    estremi="Decreto R.G. 123/2026",
    numero="123/2026",
    data_provvedimento=DAY,
    relazione_entro=DAY + timedelta(days=60),
)
AFFIDAMENTO = replace(ORDINE, tipo="affidamento_servizio_sociale")


@pytest.fixture
def casework(open_ledger: Callable[..., Ledger], keystore: KeyStore) -> CaseworkApplication:
    return CaseworkApplication(open_ledger("casework"), keystore, lambda: COMUNI, staff=STAFF.get)


def _apri(**overrides: object) -> ApriCaso:
    fields: dict[str, object] = {
        "comune": "E094",
        "area_utenza": "ELD",
        "origine": "emergenza",
        "motivo": MOTIVO,
        "persona": GIUSEPPINA,
    }
    fields.update(overrides)
    return ApriCaso(**fields)  # type: ignore[arg-type]


def _caso(casework: CaseworkApplication, caso_id: UUID) -> Caso:
    found = casework.find(caso_id, Caso)
    assert found is not None
    return found


def _open(casework: CaseworkApplication, **overrides: object) -> Caso:
    done = casework.apri(_apri(**overrides), COORDINATORE)
    return _caso(casework, done.id)


def _events(casework: CaseworkApplication, caso_id: UUID) -> list[LedgerEvent]:
    found = list(casework.events.get(caso_id))
    assert all(isinstance(event, LedgerEvent) for event in found)
    return [event for event in found if isinstance(event, LedgerEvent)]


def _types(casework: CaseworkApplication, caso_id: UUID) -> list[str]:
    return [event.event_type for event in _events(casework, caso_id)]


def _head(casework: CaseworkApplication) -> int:
    return casework.ledger.recorder.max_notification_id() or 0


def _since(casework: CaseworkApplication, position: int) -> list[LedgerEvent]:
    """What the ledger recorded after ``position``, in order."""
    found = []
    for notification in casework.ledger.recorder.select_notifications(position + 1, 1000):
        event = casework.ledger.mapper.to_domain_event(notification)
        assert isinstance(event, LedgerEvent)
        found.append(event)
    return found


def _take_charge(casework: CaseworkApplication, caso_id: UUID) -> None:
    casework.assegna(caso_id, "as.anziani", "ELD", COORDINATORE)
    casework.prendi_in_carico(caso_id, ANZIANI)


VALUTAZIONE = {
    "tipo": "sociale",
    "problemi": "Isolamento",
    "risorse": "Figlia",
    "esito": "SAD",
    "partecipanti": ["as.anziani"],
}
CONTRATTO = {
    "firmatario": "persona",
    "impegni_servizio": "SAD",
    "impegni_persona": "Accetta",
    "firmato_il": DAY,
}
PROGETTO = {"obiettivi": "Restare a casa", "professionisti": [], "revisione_entro": DAY}


# -- from opening to closure and reopening -------------------------------------------------


def test_a_case_from_opening_to_closure_and_reopening(casework: CaseworkApplication) -> None:
    caso = _open(casework)
    assert (caso.stato, caso.origine, caso.comune, caso.area_utenza) == (
        "in_attesa",
        "emergenza",
        "E094",
        "ELD",
    )
    assert (caso.profilo.fascia_eta, caso.profilo.cittadinanza) == ("75-84", "italiana")
    casework.assegna(caso.id, "as.anziani", "ELD", COORDINATORE)
    casework.prendi_in_carico(caso.id, ANZIANI)
    valutazione = casework.valuta(caso.id, VALUTAZIONE, ANZIANI)
    assert valutazione.creato is not None  # the assessment's event id
    casework.firma_contratto(caso.id, CONTRATTO, ANZIANI)
    casework.definisci_progetto(caso.id, PROGETTO, ANZIANI)
    attivato = casework.attiva_intervento(caso.id, {"prestazione": "A2.07", "inizio": DAY}, ANZIANI)
    intervento = attivato.creato
    assert intervento is not None
    with pytest.raises(Conflict, match="ancora attivo"):
        casework.chiudi(
            caso.id, {"motivo": "obiettivi_raggiunti", "restituzione": "Colloquio"}, ANZIANI
        )
    casework.verifica(
        caso.id,
        intervento,
        {"concluso": True, "esito": "raggiunto", "efficacia": "Buona"},
        ANZIANI,
    )
    chiuso = casework.chiudi(
        caso.id, {"motivo": "obiettivi_raggiunti", "restituzione": "Colloquio"}, ANZIANI
    )
    assert chiuso.versione == 9
    assert chiuso.posizione == _head(casework)
    assert _types(casework, caso.id) == [
        "CasoAperto",
        "AssistenteSocialeAssegnato",
        "PresaInCarico",
        "ValutazioneEffettuata",
        "ContrattoFirmato",
        "ProgettoDefinito",
        "InterventoAttivato",
        "InterventoVerificato",
        "CasoChiuso",
    ]
    assert _caso(casework, caso.id).stato == "chiuso"
    with pytest.raises(Conflict, match="nuovo caso collegato"):
        casework.prendi_in_carico(caso.id, ANZIANI)

    reopened = _open(casework, caso_precedente_id=caso.id, persona=None, motivo="Nuova caduta")
    assert reopened.id != caso.id
    assert reopened.caso_precedente_id == caso.id
    assert reopened.stato == "in_attesa"
    with pytest.raises(Conflict, match="solo un caso chiuso"):
        _open(casework, caso_precedente_id=reopened.id, persona=None)


def test_reopening_takes_the_closed_case_s_person(
    casework: CaseworkApplication, keystore: KeyStore
) -> None:
    caso = _open(casework)
    _take_charge(casework, caso.id)
    casework.chiudi(caso.id, {"motivo": "rinuncia", "restituzione": "Colloquio"}, ANZIANI)

    reopened = _open(casework, caso_precedente_id=caso.id, persona=None)
    assert reopened.persona_id == caso.persona_id
    assert reopened.persona is not None
    assert (reopened.persona.nome, reopened.persona.cognome) == ("Giuseppina", "Esposito")
    assert reopened.persona.data_nascita == GIUSEPPINA.data_nascita
    assert reopened.profilo.fascia_eta == caso.profilo.fascia_eta
    (opened,) = _events(casework, reopened.id)
    assert opened.event_type == "CasoAperto"
    assert opened.caso_precedente_id == caso.id  # type: ignore[attr-defined]

    # the person named with the reopening is still the closed case's (same persona_id)
    _take_charge(casework, reopened.id)
    casework.chiudi(reopened.id, {"motivo": "rinuncia", "restituzione": "Colloquio"}, ANZIANI)
    again = _open(
        casework,
        caso_precedente_id=reopened.id,
        persona=Persona(nome="Giuseppina", cognome="Esposito"),
    )
    assert again.persona_id == caso.persona_id

    # a closed case is reopened once: the reopening is where work goes on
    before = _head(casework)
    with pytest.raises(Conflict, match="già stato riaperto"):
        _open(casework, caso_precedente_id=caso.id, persona=None)
    assert _head(casework) == before

    # a previous case the caller may not read is not named in the answer: a field error
    before = _head(casework)
    with pytest.raises(FieldError) as hidden:
        casework.apri(
            _apri(comune="B292", caso_precedente_id=caso.id, persona=None),
            COORDINATORE_BUSSERO,
        )
    assert hidden.value.location == ("body", "caso_precedente_id")
    with pytest.raises(FieldError) as unknown:
        casework.apri(_apri(caso_precedente_id=uuid4(), persona=None), COORDINATORE)
    assert unknown.value.location == ("body", "caso_precedente_id")
    assert _head(casework) == before


@pytest.mark.parametrize(
    "someone_else",
    [
        Persona(nome="Maria", cognome="Esposito"),
        Persona(nome="Giuseppina", cognome="Esposito", data_nascita=date(1950, 1, 1)),
    ],
)
def test_a_reopening_refuses_another_person(
    casework: CaseworkApplication, someone_else: Persona
) -> None:
    caso = _open(casework)
    _take_charge(casework, caso.id)
    casework.chiudi(caso.id, {"motivo": "rinuncia", "restituzione": "Colloquio"}, ANZIANI)
    before = _head(casework)
    with pytest.raises(FieldError) as refused:
        _open(casework, caso_precedente_id=caso.id, persona=someone_else)
    assert refused.value.location == ("body", "persona")
    assert _head(casework) == before


def test_a_reopening_refuses_a_person_known_under_another_id(
    casework: CaseworkApplication,
) -> None:
    caso = _open(casework)
    _take_charge(casework, caso.id)
    casework.chiudi(caso.id, {"motivo": "rinuncia", "restituzione": "Colloquio"}, ANZIANI)
    anna = "VRDNNA80A41F205K"
    _open(casework, persona=Persona(nome="Anna", cognome="Verdi", codice_fiscale=anna))
    # Giuseppina's name and birth date, but the codice fiscale of Anna (who has her own id)
    mixed_up = replace(GIUSEPPINA, codice_fiscale=anna)
    with pytest.raises(FieldError) as refused:
        _open(casework, caso_precedente_id=caso.id, persona=mixed_up)
    assert refused.value.location == ("body", "persona")


def test_a_reopening_does_not_predate_the_closure(casework: CaseworkApplication) -> None:
    caso = _open(casework)
    _take_charge(casework, caso.id)
    casework.chiudi(caso.id, {"motivo": "rinuncia", "restituzione": "Colloquio"}, ANZIANI)
    closed = _caso(casework, caso.id).modified_on
    with pytest.raises(FieldError) as refused:
        casework.apri(
            _apri(caso_precedente_id=caso.id, persona=None),
            COORDINATORE,
            Atto(occurred_at=closed - timedelta(minutes=5)),
        )
    assert refused.value.location == ("body", "occurred_at")


def _closed_case_of_an_erased_person(casework: CaseworkApplication, keystore: KeyStore) -> Caso:
    caso = _open(casework)
    _take_charge(casework, caso.id)
    casework.chiudi(caso.id, {"motivo": "rinuncia", "restituzione": "Colloquio"}, ANZIANI)
    keystore.erase(caso.persona_id)
    return caso


def test_an_erased_person_s_case_is_not_reopened_with_their_data_again(
    casework: CaseworkApplication, keystore: KeyStore
) -> None:
    """The key store refuses every new act about an erased person: naming them again does
    not bring them back."""
    caso = _closed_case_of_an_erased_person(casework, keystore)
    before = _head(casework)
    with pytest.raises(PersonErasedError):
        casework.apri(_apri(caso_precedente_id=caso.id), COORDINATORE)
    assert _head(casework) == before


def test_reopening_an_erased_person_s_case_says_the_person_was_erased(
    casework: CaseworkApplication, keystore: KeyStore
) -> None:
    caso = _closed_case_of_an_erased_person(casework, keystore)
    with pytest.raises((PersonErasedError, Conflict)):
        casework.apri(_apri(caso_precedente_id=caso.id, persona=None), COORDINATORE)


def test_a_case_recorded_without_its_person_is_reopened_with_the_person_given(
    casework: CaseworkApplication,
) -> None:
    """A hand-over recorded before intake carried the person opened a case without it:
    reopening it needs who the person is, and keeps the case's persona_id."""
    persona_id = new_person_id()
    with acting(COORDINATORE.context("E094", "L328_ART22")):
        old = Caso(
            persona_id=persona_id,
            origine="inoltro",
            area_utenza="ELD",
            profilo=ProfiloStatistico(comune="E094", area="ELD", fascia_eta="75-84"),
            motivo=MOTIVO,
            domanda_id=uuid4(),
            caso_precedente_id=None,
        )
    casework.save(old)
    _take_charge(casework, old.id)
    casework.chiudi(old.id, {"motivo": "rinuncia", "restituzione": "Colloquio"}, ANZIANI)
    before = _head(casework)
    with pytest.raises(FieldError) as missing:
        casework.apri(_apri(caso_precedente_id=old.id, persona=None), COORDINATORE)
    assert missing.value.location == ("body", "persona")
    assert _head(casework) == before
    reopened = _open(casework, caso_precedente_id=old.id)
    assert reopened.persona_id == persona_id
    assert reopened.persona is not None
    assert reopened.persona.nome == "Giuseppina"


def test_a_still_open_previous_case_is_a_conflict(casework: CaseworkApplication) -> None:
    caso = _open(casework)
    before = _head(casework)
    with pytest.raises(Conflict, match="solo un caso chiuso"):
        _open(casework, caso_precedente_id=caso.id, persona=None)
    _take_charge(casework, caso.id)
    with pytest.raises(Conflict, match="solo un caso chiuso"):
        _open(casework, caso_precedente_id=caso.id, persona=None)
    assert _head(casework) == before + 2  # the assignment and the taking charge only


def test_an_opening_is_refused_before_anything_is_written(casework: CaseworkApplication) -> None:
    with pytest.raises(FieldError) as no_person:
        casework.apri(_apri(persona=None), COORDINATORE)
    assert no_person.value.location == ("body", "persona")
    milano = Richiesta(_user("coord.milano", "coordinatore", comuni=COMUNI | {"F205"}))
    with pytest.raises(FieldError) as foreign:  # a comune the caller has, not the district
        casework.apri(_apri(comune="F205"), milano)
    assert foreign.value.location == ("body", "comune")
    with pytest.raises(OutOfScope):
        casework.apri(_apri(comune="E094"), COORDINATORE_BUSSERO)
    with pytest.raises(FieldError) as basis:
        casework.apri(_apri(), COORDINATORE, Atto(legal_basis="NESSUNA"))
    assert basis.value.location == ("body", "base_giuridica")
    with pytest.raises(FieldError) as future:
        casework.apri(_apri(), COORDINATORE, Atto(datetime.now(UTC) + timedelta(hours=1)))
    assert future.value.location == ("body", "occurred_at")
    with pytest.raises(Forbidden):
        casework.apri(_apri(), OPERATORE)
    assert _head(casework) == 0

    chosen = uuid4()
    assert casework.apri(_apri(caso_id=chosen), COORDINATORE).id == chosen
    with pytest.raises(Conflict, match="esiste già"):
        casework.apri(_apri(caso_id=chosen), COORDINATORE)
    assert _head(casework) == 1


# -- opened by a court order -----------------------------------------------------------------


def test_a_court_order_opens_the_case_and_is_recorded_with_it_in_one_save(
    casework: CaseworkApplication,
) -> None:
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    done = casework.apri(
        _apri(origine="provvedimento", provvedimento=AFFIDAMENTO),
        COORDINATORE,
        Atto(occurred_at=when, legal_basis="PROVV_AG"),
    )
    assert done.creato is not None  # the order's id
    assert (done.versione, done.posizione) == (2, 2)
    opened, order = _events(casework, done.id)
    assert (opened.event_type, order.event_type) == ("CasoAperto", "ProvvedimentoRecepito")
    assert [opened.aggregate_version, order.aggregate_version] == [1, 2]
    assert opened.recorded_at is not None
    assert opened.recorded_at == order.recorded_at  # one transaction
    assert opened.correlation_id == order.correlation_id
    for event in (opened, order):
        assert event.occurred_at == when
        assert event.legal_basis == "PROVV_AG"
        assert event.actor == Actor(user="coordinatore", role="coordinatore", comune="E094")
        assert event.source == "api"
    data = order.model_dump()
    assert data["provvedimento_id"] == done.creato
    assert (data["autorita"], data["tipo"], data["estremi"]) == (
        "giudice_tutelare",
        "affidamento_servizio_sociale",
        "Decreto R.G. 123/2026",
    )
    caso = _caso(casework, done.id)
    assert caso.origine == "provvedimento"
    assert caso.stato == "in_attesa"
    assert caso.provvedimenti == {done.creato: AFFIDAMENTO.relazione_entro}
    assert [s.tipo for s in caso.scadenze] == ["relazione_tribunale"]

    # the order entrusts the person to the service: no contract is needed
    _take_charge(casework, done.id)
    casework.definisci_progetto(
        done.id, {**PROGETTO, "imposto_da_provvedimento_id": done.creato}, ANZIANI
    )
    assert _caso(casework, done.id).progetto


def test_a_case_opened_by_a_court_order_needs_the_order(casework: CaseworkApplication) -> None:
    with pytest.raises(FieldError) as missing:
        casework.apri(_apri(origine="provvedimento"), COORDINATORE)
    assert missing.value.location == ("body", "provvedimento")
    assert _head(casework) == 0


def test_an_order_on_a_waiting_case_is_recorded_by_the_coordinator_then_by_the_assignee(
    casework: CaseworkApplication,
) -> None:
    caso = _open(casework)
    first = casework.recepisci_provvedimento(caso.id, ORDINE, COORDINATORE)
    (event,) = _since(casework, first.posizione - 1)
    assert event.event_type == "ProvvedimentoRecepito"
    assert event.legal_basis == "PROVV_AG"  # the default for an order
    assert event.actor.user == "coordinatore"
    _take_charge(casework, caso.id)
    with pytest.raises(Forbidden):  # once assigned, only the assignee records orders
        casework.recepisci_provvedimento(caso.id, ORDINE, COORDINATORE)
    second = casework.recepisci_provvedimento(caso.id, ORDINE, ANZIANI)
    assert second.creato not in (None, first.creato)


# -- opened by the hand-over policy ----------------------------------------------------------


@dataclass
class HandOver:
    intake: IntakeApplication
    domanda_id: UUID
    persona_id: str
    position: int


def _hand_over(intake: IntakeApplication, urgente: bool) -> HandOver:
    registered = intake.registra_domanda(
        RegistraDomanda(
            comune="E094",
            canale="sportello",
            persona=Persona(
                nome="Maria",
                cognome="Rossi",
                codice_fiscale="RSSMRA40A41E094R",
                data_nascita=date(1940, 1, 1),
            ),
            bisogno="Vive sola e non riesce più a fare la spesa",
            area_utenza="ELD",
            urgente=False,
        ),
        OPERATORE,
    )
    done = intake.inoltra(
        registered.id, "ELD", "Valutazione per l'assistenza domiciliare", urgente, OPERATORE
    )
    return HandOver(intake, registered.id, registered.persona_id, done.posizione)


@pytest.fixture
def intake(open_ledger: Callable[..., Ledger], keystore: KeyStore) -> IntakeApplication:
    return IntakeApplication(open_ledger("intake"), keystore, lambda: COMUNI)


def _cause(handover: HandOver) -> Cause:
    recorder = handover.intake.ledger.recorder
    (notification,) = recorder.select_notifications(handover.position, 1)
    assert notification.topic == "DomandaInoltrata"
    return cause_event("intake", notification.id, notification.state)


def test_a_hand_over_opens_one_case_with_the_request_s_person(
    casework: CaseworkApplication, intake: IntakeApplication
) -> None:
    handover = _hand_over(intake, urgente=True)
    cause = _cause(handover)
    with acting(policy_context(cause)):
        (caso,) = casework.apri_da_inoltro(cause)
    assert caso.id == derived_id(cause, "caso")
    casework.save(caso)

    loaded = _caso(casework, caso.id)
    assert (loaded.origine, loaded.area_utenza, loaded.comune) == ("inoltro", "ELD", "E094")
    assert loaded.persona_id == handover.persona_id
    assert loaded.domanda_id == handover.domanda_id
    assert loaded.urgente is True
    assert loaded.motivo == "Valutazione per l'assistenza domiciliare"
    assert loaded.persona is not None
    assert (loaded.persona.nome, loaded.persona.cognome) == ("Maria", "Rossi")
    assert loaded.persona.codice_fiscale == "RSSMRA40A41E094R"
    assert loaded.stato == "in_attesa"
    (opened,) = _events(casework, caso.id)
    assert opened.actor == Actor(user="sistema", role="sistema")
    assert opened.source == "system"
    assert opened.legal_basis == "L328_ART22"  # the hand-over's
    assert opened.causation_id == cause.event_id
    assert opened.correlation_id == cause.correlation_id

    # a redelivery derives the same case, which the ledger refuses to open twice
    with acting(policy_context(cause)):
        (again,) = casework.apri_da_inoltro(cause)
    assert again.id == caso.id
    with pytest.raises(IntegrityError):
        casework.save(again)
    assert _types(casework, caso.id) == ["CasoAperto"]

    # the case then follows the usual path
    casework.assegna(caso.id, "as.anziani", None, COORDINATORE)
    assert _caso(casework, caso.id).assistente_sociale == "as.anziani"


def test_a_hand_over_of_an_erased_person_opens_nothing(
    casework: CaseworkApplication, intake: IntakeApplication, keystore: KeyStore
) -> None:
    handover = _hand_over(intake, urgente=False)
    keystore.erase(handover.persona_id)
    cause = _cause(handover)
    opened = cause.opened(casework.ledger.mapper)
    assert isinstance(opened.motivo, Erased)  # type: ignore[attr-defined]
    with acting(policy_context(cause)):
        assert casework.apri_da_inoltro(cause) == []
    assert _head(casework) == 0


# -- the access rules ------------------------------------------------------------------------


def test_the_access_rules_refuse_who_may_not_write(casework: CaseworkApplication) -> None:
    caso = _open(casework)
    with pytest.raises(FieldError, match="nessuna assistente sociale") as unknown:
        casework.assegna(caso.id, "as.minori", "ELD", COORDINATORE)  # not a known worker
    assert unknown.value.location == ("body", "assistente_sociale")
    with pytest.raises(FieldError, match="nessuna assistente sociale"):
        casework.assegna(caso.id, "as.anziani", "FAM", COORDINATORE)  # not their area
    with pytest.raises(FieldError, match="nessuna assistente sociale"):
        casework.assegna(caso.id, "educatore", "ELD", COORDINATORE)  # not a social worker
    with pytest.raises(Forbidden):  # a social worker does not assign
        casework.assegna(caso.id, "as.anziani", "ELD", ANZIANI)
    with pytest.raises(NotFound):  # a coordinator of another comune does not see it
        casework.assegna(caso.id, "as.anziani", "ELD", COORDINATORE_BUSSERO)
    with pytest.raises(StaleVersion):
        casework.assegna(caso.id, "as.anziani", "ELD", COORDINATORE, versione_letta=2)
    casework.assegna(caso.id, "as.anziani", "ELD", COORDINATORE, versione_letta=1)

    with pytest.raises(Forbidden):  # the coordinator assigns, never writes the record
        casework.prendi_in_carico(caso.id, COORDINATORE)
    with pytest.raises(NotFound):  # another area: the case is not there for them
        casework.prendi_in_carico(caso.id, MINORI)
    with pytest.raises(Forbidden, match="solo l'assistente sociale assegnata"):
        casework.prendi_in_carico(caso.id, ROSSI)  # same area, not the assignee
    with pytest.raises(StaleVersion):
        casework.prendi_in_carico(caso.id, ANZIANI, versione_letta=1)
    casework.prendi_in_carico(caso.id, ANZIANI, versione_letta=2)
    with pytest.raises(Forbidden, match="solo l'assistente sociale assegnata"):
        casework.valuta(caso.id, VALUTAZIONE, ROSSI)
    with pytest.raises(Conflict, match="prima di una valutazione"):
        casework.firma_contratto(caso.id, CONTRATTO, ANZIANI)
    with pytest.raises(Conflict, match="prima di un contratto"):
        casework.definisci_progetto(caso.id, PROGETTO, ANZIANI)
    assert _types(casework, caso.id) == [
        "CasoAperto",
        "AssistenteSocialeAssegnato",
        "PresaInCarico",
    ]

    # a reassignment hands the record to the new worker, who takes charge again
    casework.assegna(caso.id, "as.rossi", "ELD", COORDINATORE)
    with pytest.raises(Forbidden, match="solo l'assistente sociale assegnata"):
        casework.valuta(caso.id, VALUTAZIONE, ANZIANI)
    with pytest.raises(Conflict, match="non è ancora stato preso in carico"):
        casework.valuta(caso.id, VALUTAZIONE, ROSSI)
    casework.prendi_in_carico(caso.id, ROSSI)
    casework.valuta(caso.id, {**VALUTAZIONE, "partecipanti": ["as.rossi"]}, ROSSI)


def test_acts_keep_their_order_in_time(casework: CaseworkApplication) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    done = casework.apri(_apri(), COORDINATORE, Atto(occurred_at=start))
    casework.assegna(done.id, "as.anziani", "ELD", COORDINATORE)
    with pytest.raises(FieldError) as early:
        casework.prendi_in_carico(done.id, ANZIANI, Atto(occurred_at=start - timedelta(hours=1)))
    assert early.value.location == ("body", "occurred_at")
    with pytest.raises(FieldError) as basis:
        casework.prendi_in_carico(done.id, ANZIANI, Atto(legal_basis="NESSUNA"))
    assert basis.value.location == ("body", "base_giuridica")
    casework.prendi_in_carico(done.id, ANZIANI)


def test_a_project_names_only_active_professionals_of_the_district(
    casework: CaseworkApplication,
) -> None:
    caso = _open(casework)
    _take_charge(casework, caso.id)
    casework.valuta(caso.id, VALUTAZIONE, ANZIANI)
    casework.firma_contratto(caso.id, CONTRATTO, ANZIANI)
    before = _head(casework)
    for professionisti, index in [
        (["sconosciuto"], 0),
        (["educatore", "nessuno"], 1),
        (["educatore", "psicologa", "operatore"], 2),  # not a professional of a project
        (["ex.educatore"], 0),  # no longer active
    ]:
        with pytest.raises(FieldError) as refused:
            casework.definisci_progetto(
                caso.id, {**PROGETTO, "professionisti": professionisti}, ANZIANI
            )
        assert refused.value.location == ("body", "professionisti", index)
    assert _head(casework) == before
    casework.definisci_progetto(
        caso.id, {**PROGETTO, "professionisti": ["educatore", "psicologa", "as.rossi"]}, ANZIANI
    )
    (event,) = _since(casework, before)
    assert event.model_dump()["professionisti"] == ["educatore", "psicologa", "as.rossi"]


def test_a_court_report_states_its_legal_basis(casework: CaseworkApplication) -> None:
    caso = _open(casework)
    _take_charge(casework, caso.id)
    fields = {
        "autorita": "giudice_tutelare",
        "motivo": "Serve un amministratore di sostegno",
        "richiesta": "amministratore_sostegno",
    }
    with pytest.raises(FieldError) as unknown:
        casework.segnala(caso.id, fields, ANZIANI, Atto(legal_basis="NESSUNA"))
    assert unknown.value.location == ("body", "base_giuridica")
    with pytest.raises(Conflict, match="richiede un motivo"):
        casework.segnala(
            caso.id, {**fields, "motivo": " "}, ANZIANI, Atto(legal_basis="CC_404_413")
        )
    done = casework.segnala(caso.id, fields, ANZIANI, Atto(legal_basis="CC_404_413"))
    (event,) = _since(casework, done.posizione - 1)
    assert event.event_type == "SegnalazioneTribunale"
    assert event.legal_basis == "CC_404_413"
    assert _caso(casework, caso.id).segnalazioni == 1


# -- reads -----------------------------------------------------------------------------------


def _assert_read(event: LedgerEvent, caso: Caso, endpoint: str, user: str, finalita: str) -> None:
    assert isinstance(event, DatiPersonaliLetti)
    assert (event.oggetto, event.oggetto_id) == ("caso", caso.id)
    assert event.persona_id == caso.persona_id
    assert event.endpoint == endpoint
    assert event.finalita == finalita
    assert event.actor.user == user
    assert event.actor.comune == caso.comune
    assert event.legal_basis == "GDPR_9_2_G"


def test_every_read_of_a_case_is_recorded_first(casework: CaseworkApplication) -> None:
    caso = _open(casework)
    _take_charge(casework, caso.id)

    before = _head(casework)
    read = casework.leggi(caso.id, ANZIANI)
    assert read.id == caso.id
    assert read.persona is not None
    assert read.persona.nome == "Giuseppina"
    (recorded,) = _since(casework, before)
    _assert_read(recorded, caso, "GET /api/casework/casi/{id}", "as.anziani", "PRESA_IN_CARICO")

    before = _head(casework)
    events, version = casework.storia(caso.id, COORDINATORE, "COORDINAMENTO")
    assert version == 3
    assert [e.event_type for e in events] == [
        "CasoAperto",
        "AssistenteSocialeAssegnato",
        "PresaInCarico",
    ]
    assert events[0].motivo == MOTIVO  # type: ignore[attr-defined]  # decrypted
    (recorded,) = _since(casework, before)
    _assert_read(
        recorded, caso, "GET /api/casework/casi/{id}/storia", "coordinatore", "COORDINAMENTO"
    )
    # a read leaves the case as it was
    assert _caso(casework, caso.id).version == 3

    # who may not read it learns nothing, and no read is recorded
    before = _head(casework)
    for who in (MINORI, COORDINATORE_BUSSERO):
        with pytest.raises(NotFound):
            casework.leggi(caso.id, who)
        with pytest.raises(NotFound):
            casework.storia(caso.id, who)
    with pytest.raises(Forbidden):
        casework.leggi(caso.id, OPERATORE)
    with pytest.raises(NotFound):
        casework.leggi(uuid4(), COORDINATORE)
    assert _head(casework) == before


def test_an_act_answers_the_position_and_version_it_reached(
    casework: CaseworkApplication,
) -> None:
    caso = _open(casework)
    done: Esito = casework.assegna(caso.id, "as.anziani", "ELD", COORDINATORE)
    assert (done.id, done.versione, done.posizione) == (caso.id, 2, _head(casework))
    (event,) = _since(casework, done.posizione - 1)
    assert done.evento == event.event_id
