"""Pseudonymous ids, blind-index normalisation and the statistical profile."""

from __future__ import annotations

import re
from datetime import date

from shared.events.personal import new_person_id
from shared.events.profile import classe_cittadinanza, fascia_eta
from shared.persons.blind_index import (
    codice_fiscale_index,
    name_index,
    normalise_codice_fiscale,
    normalise_name,
)

KEY = b"k" * 32


def test_person_ids_are_20_characters_of_a_to_z_and_digits_and_unique() -> None:
    ids = {new_person_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[A-Z0-9]{20}", i) for i in ids)


def test_omocodia_and_case_normalise_to_one_codice_fiscale() -> None:
    assert normalise_codice_fiscale(" rssmra40a41e09qo ") == "RSSMRA40A41E094R"
    assert codice_fiscale_index(KEY, "RSSMRA40A41E09QO") == codice_fiscale_index(
        KEY, "RSSMRA40A41E094R"
    )
    assert codice_fiscale_index(KEY, "RSSMRA40A41E094R") != codice_fiscale_index(
        b"x" * 32, "RSSMRA40A41E094R"
    )


def test_names_normalise_accents_apostrophes_and_spaces() -> None:
    assert normalise_name("  D'Alò  Niccolò ") == "D ALO NICCOLO"
    born = date(1950, 5, 2)
    assert name_index(KEY, "Niccolò", "D'Alò", born) == name_index(KEY, "NICCOLO", "d alo", born)
    assert name_index(KEY, "Niccolò", "D'Alò", born) != name_index(
        KEY, "Niccolò", "D'Alò", date(1950, 5, 3)
    )


def test_age_band_at_the_event_date_and_citizenship_class() -> None:
    assert fascia_eta(date(1940, 1, 1), date(2026, 11, 23)) == "85+"
    assert fascia_eta(date(2010, 11, 24), date(2026, 11, 23)) == "14-17"
    assert fascia_eta(date(2008, 11, 23), date(2026, 11, 23)) == "18-24"
    assert fascia_eta(None, date(2026, 11, 23)) == "non_nota"
    assert classe_cittadinanza(380) == "italiana"
    assert classe_cittadinanza(250) == "ue"
    assert classe_cittadinanza(504) == "extra_ue"
    assert classe_cittadinanza(None) == "non_nota"
