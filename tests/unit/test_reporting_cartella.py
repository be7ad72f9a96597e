"""The cartella's pure composition: deadlines overdue as of a given day (Europe/Rome), none
once the case is closed, and each court order tells whether a report named it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from services.reporting.cartella_queries import EventoDelCaso, componi

CASO = {
    "caso_id": str(uuid4()),
    "persona_id": "A" * 20,
    "comune": "E094",
    "area_utenza": "ELD",
    "assistente_sociale": "as.anziani",
    "stato": "in_carico",
    "versione": 4,
    "posizione": 9,
}
ORDINE = str(uuid4())
ALTRO_ORDINE = str(uuid4())


def _evento(versione: int, tipo: str, **dati: Any) -> EventoDelCaso:
    return EventoDelCaso(
        tipo=tipo,
        event_id=str(uuid4()),
        versione=versione,
        posizione=versione,
        occurred_at=datetime(2026, 1, versione, tzinfo=UTC),
        recorded_at=datetime(2026, 1, versione, 0, 1, tzinfo=UTC),
        attore_utente="as.anziani",
        attore_ruolo="assistente_sociale",
        attore_comune="E094",
        base_giuridica="PROVV_AG",
        fonte="api",
        dati=dati,
    )


def _eventi(*extra: EventoDelCaso) -> list[EventoDelCaso]:
    return [
        _evento(1, "CasoAperto", origine="emergenza", motivo="m", profilo={"comune": "E094"}),
        _evento(2, "ProvvedimentoRecepito", provvedimento_id=ORDINE, relazione_entro="2026-03-01"),
        _evento(
            3, "ProvvedimentoRecepito", provvedimento_id=ALTRO_ORDINE, relazione_entro="2026-04-01"
        ),
        _evento(4, "RelazioneInviata", provvedimento_id=ALTRO_ORDINE),
        *extra,
    ]


def _componi(eventi: list[EventoDelCaso], today: date) -> dict[str, Any]:
    return componi(CASO, eventi, [e.voce(e.dati) for e in eventi], today)


def test_a_deadline_is_overdue_only_once_its_day_has_passed() -> None:
    on_the_day = _componi(_eventi(), date(2026, 3, 1))["scadenze"]
    after = _componi(_eventi(), date(2026, 3, 2))["scadenze"]

    assert [(s["tipo"], str(s["riferimento_id"]), s["scaduta"]) for s in on_the_day] == [
        ("relazione_tribunale", ORDINE, False)
    ]
    assert [s["scaduta"] for s in after] == [True]


def test_a_closed_case_owes_nothing() -> None:
    closed = _eventi(_evento(5, "CasoChiuso", motivo="altro"))
    assert _componi(closed, date(2026, 3, 2))["scadenze"] == []


def test_each_order_says_whether_a_report_named_it() -> None:
    found = _componi(_eventi(), date(2026, 1, 10))
    inviata = {p["provvedimento_id"]: p["relazione_inviata"] for p in found["provvedimenti"]}
    assert inviata == {ORDINE: False, ALTRO_ORDINE: True}
    assert [r["dati"]["provvedimento_id"] for r in found["relazioni"]] == [ALTRO_ORDINE]
    assert [e["tipo"] for e in found["timeline"]] == [e.tipo for e in _eventi()]


def test_a_withdrawn_intervention_shows_its_withdrawal_and_owes_no_verification() -> None:
    annullato, resta = str(uuid4()), str(uuid4())
    eventi = _eventi(
        _evento(5, "InterventoAttivato", intervento_id=annullato, fine_prevista="2026-02-01"),
        _evento(6, "InterventoAttivato", intervento_id=resta, fine_prevista="2026-02-15"),
        _evento(7, "InterventoAnnullato", intervento_id=annullato, motivo="Per errore"),
    )
    found = _componi(eventi, date(2026, 1, 10))
    interventi = {i["intervento_id"]: i for i in found["interventi"]}
    assert interventi[annullato]["annullamento"]["dati"]["motivo"] == "Per errore"
    assert interventi[annullato]["annullamento"]["versione"] == 7
    assert interventi[resta]["annullamento"] is None
    assert [(s["tipo"], str(s["riferimento_id"])) for s in found["scadenze"]] == [
        ("verifica_intervento", resta),
        ("relazione_tribunale", ORDINE),
    ]
    assert found["timeline"][-1]["tipo"] == "InterventoAnnullato"
