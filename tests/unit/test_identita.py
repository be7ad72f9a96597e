"""What a codice fiscale says about a person, and the edge's checks of the rest of their data
against it (issue 17, decision 0032): names, birth date, sex, birthplace valid at birth."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from shared.errors import Conflict
from shared.persons import identita
from shared.web.persona import PersonaIn

CF = "BNCGPP38C52E094R"  # Giuseppina Bianchi, F, 12 March 1938, Gorgonzola (E094)
OMOCODE = "BNCGPP38C52E0V4D"  # the same, two digits of the birthplace as letters
GIUSEPPINA = {
    "nome": "Giuseppina",
    "cognome": "Bianchi",
    "codice_fiscale": CF,
    "data_nascita": "1938-03-12",
    "sesso": "F",
    "luogo_nascita": "E094",
}


def _refused(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        PersonaIn.model_validate(body)
    return {".".join(map(str, e["loc"])): e["msg"] for e in refused.value.errors()}


def test_the_code_s_own_data_is_read_with_omocodia_decoded() -> None:
    assert identita.luogo_del_codice(CF) == identita.luogo_del_codice(OMOCODE) == "E094"
    assert identita.nascita_del_codice(OMOCODE) == date(1938, 3, 12)
    assert identita.cognome_coerente(CF, "Bianchi")
    assert identita.nome_coerente(CF, "Giuseppina")
    assert identita.nome_coerente(CF, "Giuseppa"), "another name of the same code: only a 409"
    assert not identita.nome_coerente(CF, "Mario")
    assert not identita.cognome_coerente(CF, "Rossi")


def test_incoerenze_names_every_field_that_disagrees_with_the_code() -> None:
    assert identita.incoerenze(CF, nome="Giuseppina", cognome="Bianchi") == []
    assert identita.incoerenze(
        OMOCODE,
        nome="Mario",
        cognome="Rossi",
        data_nascita=date(1938, 3, 13),
        sesso="M",
        luogo_nascita="B292",
    ) == ["nome", "cognome", "data_nascita", "sesso", "luogo_nascita"]


def test_a_birthplace_must_have_existed_on_the_birth_date() -> None:
    # Abbadia Alpina (A003) was suppressed in 1928; Abetone Cutigliano (M376) created in 2017
    assert identita.luogo_valido_il("A003", date(1900, 1, 1))
    assert not identita.luogo_valido_il("A003", date(1938, 3, 12))
    assert not identita.luogo_valido_il("M376", date(1990, 5, 20))
    assert identita.luogo_valido_il("M376", date(2018, 1, 1))
    # a code later reassigned (Abano, then Abano Terme: A001) is valid in both periods
    assert identita.luogo_valido_il("A001", date(1900, 1, 1))
    assert identita.luogo_valido_il("A001", date(1990, 1, 1))
    # countries: the Z code, of a country that still exists or has ceased (Czechoslovakia)
    assert identita.luogo_valido_il("Z114", date(1980, 1, 1))
    assert identita.luogo_valido_il("Z105", date(1980, 1, 1))
    assert not identita.luogo_valido_il("Z105", date(2000, 1, 1))
    assert not identita.luogo_conosciuto("Z999")


def test_the_edge_accepts_a_person_whose_data_agree_with_the_code_omocodia_included() -> None:
    assert PersonaIn.model_validate(GIUSEPPINA).luogo_nascita == "E094"
    assert PersonaIn.model_validate({**GIUSEPPINA, "codice_fiscale": OMOCODE}).sesso == "F"
    assert PersonaIn.model_validate({**GIUSEPPINA, "nome": "Giuseppa"}).nome == "Giuseppa"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nome": "Mario", "cognome": "Rossi"}, "codice_fiscale"),
        ({"cognome": "Rossi"}, "codice_fiscale"),
        ({"nome": "Mario"}, "codice_fiscale"),
        ({"sesso": "M"}, "sesso"),
        ({"data_nascita": "1938-03-13"}, "data_nascita"),
        ({"luogo_nascita": "B292"}, "luogo_nascita"),
        ({"luogo_nascita": "Z999"}, "luogo_nascita"),
    ],
)
def test_the_edge_refuses_what_disagrees_with_the_code_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    errors = _refused({**GIUSEPPINA, **changes})
    assert list(errors) == [field]
    assert all(CF not in message for message in errors.values())


def test_a_birthplace_that_did_not_exist_at_birth_is_refused_with_or_without_a_code() -> None:
    # the library accepts this code (its birthplace created after the birth date)...
    code = "VRDNNA90E60M376P"
    body = {"nome": "Anna", "cognome": "Verdi", "codice_fiscale": code, "luogo_nascita": "M376"}
    assert "luogo_nascita" in _refused(body)
    # ...and without a codice fiscale the birth date given decides
    assert "luogo_nascita" in _refused(
        {"nome": "Anna", "cognome": "Verdi", "data_nascita": "1938-03-12", "luogo_nascita": "A003"}
    )


def test_the_flag_needs_a_codice_fiscale() -> None:
    assert list(
        _refused({"nome": "Anna", "cognome": "Verdi", "codice_fiscale_da_verificare": True})
    ) == ["codice_fiscale_da_verificare"]
    flagged = PersonaIn.model_validate({**GIUSEPPINA, "codice_fiscale_da_verificare": True})
    assert flagged.codice_fiscale_da_verificare


def test_normalised_values_ignore_case_accents_and_separators() -> None:
    assert identita.valori_identificativi(
        nome="Niccolò",
        cognome="D'Alò",
        data_nascita=date(1950, 5, 2),
        sesso="m",
        luogo_nascita="e094",
    ) == {
        "nome": "NICCOLO",
        "cognome": "D ALO",
        "data_nascita": "1950-05-02",
        "sesso": "M",
        "luogo_nascita": "E094",
    }
    assert identita.valori_identificativi(nome="Anna") == {"nome": "ANNA"}


@pytest.mark.parametrize(
    ("esito", "nuova", "da_verificare", "refused"),
    [
        ("collegata", "B", True, False),
        ("collegata", "B", False, True),  # only a record to verify is linked
        ("collegata", "A", True, True),  # to someone else
        ("distinta", "A", True, False),
        ("distinta", "A", False, True),  # decided once
        ("distinta", "B", True, True),  # keeping apart moves nobody
        ("separata", "B", False, False),  # any record
        ("separata", "A", False, True),  # always to another person
    ],
)
def test_the_rule_of_attribution(
    esito: Any, nuova: str, da_verificare: bool, refused: bool
) -> None:
    if refused:
        with pytest.raises(Conflict):
            identita.regola_attribuzione(esito, "A", nuova, da_verificare)
    else:
        identita.regola_attribuzione(esito, "A", nuova, da_verificare)
