"""The key store across processes: an erasure reaches every reader, a tombstone is final."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, insert, select

from shared.events import CommandContext, Erased, acting, new_person_id
from shared.events.intake import DomandaRicevuta
from shared.keys import DistrictKeys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import (
    CodiceFiscaleAltrui,
    IdentitaDiscordante,
    KeyStore,
    PersonErasedError,
    identity_digests,
    person_keys,
)
from tests.support.domain import Sportello


def test_an_erasure_elsewhere_reaches_a_reader_once_its_cache_expires(
    open_ledger: Callable[..., Ledger],
    keystore: KeyStore,
    keys: DistrictKeys,
    operatore: CommandContext,
) -> None:
    ledger = open_ledger()
    with acting(operatore):
        domanda = Sportello(ledger).ricevi("Nome", "Cognome", None, new_person_id(), "bisogno")
    other_process = KeyStore(
        keystore.url, keys.key_encryption_key, keys.blind_index_key, cache_seconds=0.3
    )
    try:
        assert other_process.lookup(domanda.persona_id).key is not None
        keystore.erase(domanda.persona_id)
        time.sleep(0.4)
        assert other_process.lookup(domanda.persona_id).key is None
        with pytest.raises(PersonErasedError):
            other_process.key_for_writing(domanda.persona_id)
    finally:
        other_process.close()
    event = next(iter(Sportello(ledger).events.get(domanda.id)))
    assert isinstance(event, DomandaRicevuta)
    assert isinstance(event.bisogno, Erased)


def test_a_tombstone_is_final_even_if_a_key_row_reappears(
    keystore: KeyStore, keys: DistrictKeys
) -> None:
    person = new_person_id()
    keystore.key_for_writing(person)
    engine = create_engine(keystore.url)
    with engine.connect() as connection:
        saved = connection.execute(person_keys.select()).mappings().one()
    keystore.erase(person)
    with engine.begin() as connection:  # a restored backup row, say
        connection.execute(insert(person_keys).values(**saved))
    engine.dispose()
    fresh = KeyStore(keystore.url, keys.key_encryption_key, keys.blind_index_key)
    try:
        assert fresh.lookup(person).key is None
    finally:
        fresh.close()


def test_concurrent_requests_about_a_new_person_agree_on_one_id(keystore: KeyStore) -> None:
    import threading

    from shared.events import new_person_id

    chosen: list[str] = []
    start = threading.Barrier(8)

    def claim() -> None:
        start.wait()
        chosen.append(
            keystore.claim(
                new_person_id(), codice_fiscale="RSSMRA40A41E094R", nome="Maria", cognome="Rossi"
            )
        )

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(chosen)) == 1
    assert keystore.find_by_codice_fiscale("RSSMRA40A41E09QO") == chosen[:1]  # omocodia too
    later = keystore.claim(new_person_id(), codice_fiscale="RSSMRA40A41E094R")
    assert later == chosen[0]


def test_homonyms_without_codice_fiscale_are_never_merged_by_guess(keystore: KeyStore) -> None:
    from datetime import date

    from shared.events import new_person_id

    born = date(1950, 3, 3)
    first = keystore.claim(new_person_id(), nome="Mario", cognome="Bianchi", data_nascita=born)
    assert (
        keystore.claim(new_person_id(), nome="MARIO", cognome="bianchi", data_nascita=born) == first
    )
    keystore.remember(new_person_id(), nome="Mario", cognome="Bianchi", data_nascita=born)
    third = keystore.claim(new_person_id(), nome="Mario", cognome="Bianchi", data_nascita=born)
    assert third != first  # two people now share the name: a new one is not guessed to be either


def test_a_person_first_seen_without_codice_fiscale_is_recognised_when_bringing_it(
    keystore: KeyStore,
) -> None:
    from datetime import date

    from shared.events import new_person_id

    born = date(1940, 1, 1)
    first = keystore.claim(new_person_id(), nome="Maria", cognome="Rossi", data_nascita=born)
    again = keystore.claim(
        new_person_id(),
        codice_fiscale="RSSMRA40A41E094R",
        nome="Maria",
        cognome="Rossi",
        data_nascita=born,
    )
    assert again == first
    assert keystore.find_by_codice_fiscale("RSSMRA40A41E094R") == [first]
    namesake = keystore.claim(
        new_person_id(),
        codice_fiscale="RSSMRA40A41F205R",
        nome="Maria",
        cognome="Rossi",
        data_nascita=born,
    )
    assert namesake != first  # a namesake with another codice fiscale is someone else


# -- a codice fiscale links only when the rest agrees (issue 17, decision 0032) ----------

GIUSEPPINA: dict[str, Any] = {
    "codice_fiscale": "BNCGPP38C52E094R",
    "nome": "Giuseppina",
    "cognome": "Bianchi",
    "data_nascita": date(1938, 3, 12),
    "sesso": "F",
    "luogo_nascita": "E094",
}


def test_a_codice_fiscale_links_only_when_every_field_on_both_sides_agrees(
    keystore: KeyStore,
) -> None:
    first = keystore.claim(new_person_id(), **GIUSEPPINA)
    # the same person, written otherwise (case, accents), or with fewer fields: linked
    same = {**GIUSEPPINA, "nome": "GIUSEPPINA", "cognome": "bianchi"}
    assert keystore.claim(new_person_id(), **same) == first
    assert (
        keystore.claim(
            new_person_id(),
            codice_fiscale=GIUSEPPINA["codice_fiscale"],
            nome="Giuseppina",
            cognome="Bianchi",
        )
        == first
    )
    # a field that disagrees: refused, naming the fields, and nothing indexed
    with pytest.raises(IdentitaDiscordante) as refused:
        keystore.claim(
            new_person_id(), **{**GIUSEPPINA, "nome": "Giuseppa", "data_nascita": date(1838, 3, 12)}
        )
    assert refused.value.campi == ("nome", "data_nascita")
    assert "Giuseppa" not in str(refused.value)
    assert keystore.find_by_codice_fiscale(GIUSEPPINA["codice_fiscale"]) == [first]


def test_recorded_apart_a_person_keeps_their_own_id_and_draws_only_their_own(
    keystore: KeyStore,
) -> None:
    first = keystore.claim(new_person_id(), **GIUSEPPINA)
    giuseppa = {**GIUSEPPINA, "nome": "Giuseppa"}
    apart = keystore.claim(new_person_id(), **giuseppa, separata=True)
    assert apart != first
    assert sorted(keystore.find_by_codice_fiscale(GIUSEPPINA["codice_fiscale"])) == sorted(
        [first, apart]
    )
    assert keystore.claim(new_person_id(), **giuseppa) == apart
    assert keystore.claim(new_person_id(), **GIUSEPPINA) == first
    with pytest.raises(IdentitaDiscordante) as refused:
        keystore.claim(new_person_id(), **{**GIUSEPPINA, "nome": "Giusi"})
    assert refused.value.campi == ("nome",)
    # linked to the first, the record's id no longer draws anyone
    keystore.collega(apart, first)
    assert keystore.find_by_codice_fiscale(GIUSEPPINA["codice_fiscale"]) == [first]
    assert keystore.lookup(apart).key is not None, "its key stays for what it holds"
    # erasing the first erases what was written under the linked id too, and leaves nothing
    # of theirs to compare against
    keystore.erase(first)
    assert keystore.is_erased(apart)
    assert keystore.lookup(apart).key is None
    assert keystore.find_by_codice_fiscale(GIUSEPPINA["codice_fiscale"]) == []
    with keystore._engines.reader.connect() as connection:
        assert connection.execute(select(identity_digests)).all() == []


def test_a_person_recorded_before_the_digests_is_never_linked_automatically(
    keystore: KeyStore,
) -> None:
    """Persons recorded before decision 0032 have blind indexes and no field digests; their
    name-and-birth index may be a wrongly linked claimant's (the old silent link wrote it onto
    the holder), so neither it nor the codice fiscale links anyone to them any more: by
    codice fiscale a 409 for the coordinatore's decision, by name a new person."""
    legacy = new_person_id()
    keystore.claim(legacy, **GIUSEPPINA)
    # the old code's silent link: Mario, sent with her codice fiscale, left his name on her
    mario_on_her = {**GIUSEPPINA, "nome": "Mario", "cognome": "Rossi", "sesso": "M"}
    keystore.remember(legacy, **{k: mario_on_her[k] for k in ("nome", "cognome", "data_nascita")})
    with keystore._engines.writer.begin() as connection:
        connection.execute(delete(identity_digests))
    for claimant in (GIUSEPPINA, {**GIUSEPPINA, "data_nascita": None}):
        with pytest.raises(IdentitaDiscordante) as refused:
            keystore.claim(new_person_id(), **claimant)
        assert refused.value.campi == ("nome", "cognome", "data_nascita")
    without_code = {**mario_on_her, "codice_fiscale": None, "luogo_nascita": None}
    assert keystore.claim(new_person_id(), **without_code) != legacy
    her_name_only = {**GIUSEPPINA, "codice_fiscale": None}
    assert keystore.claim(new_person_id(), **her_name_only) != legacy


def test_a_rectification_never_takes_another_live_person_s_codice_fiscale(
    keystore: KeyStore,
) -> None:
    giuseppina = keystore.claim(new_person_id(), **GIUSEPPINA)
    other = keystore.claim(
        new_person_id(), nome="Anna", cognome="Verdi", data_nascita=date(1960, 1, 1)
    )
    with pytest.raises(CodiceFiscaleAltrui):
        keystore.verifica_rettifica(other, GIUSEPPINA["codice_fiscale"])
    keystore.verifica_rettifica(giuseppina, GIUSEPPINA["codice_fiscale"])  # her own: fine
    keystore.verifica_rettifica(other, None)
    apart = keystore.claim(new_person_id(), **GIUSEPPINA, separata=True)
    keystore.verifica_rettifica(apart, GIUSEPPINA["codice_fiscale"])  # kept apart: holds it


def test_a_rectification_replaces_what_recognises_the_person(keystore: KeyStore) -> None:
    wrong = keystore.claim(new_person_id(), **{**GIUSEPPINA, "luogo_nascita": None})
    mario: dict[str, Any] = {
        "codice_fiscale": "RSSMRA50H15E094V",
        "nome": "Mario",
        "cognome": "Rossi",
        "data_nascita": date(1950, 6, 15),
        "sesso": "M",
    }
    keystore.rettifica(wrong, **mario)
    assert keystore.find_by_codice_fiscale(GIUSEPPINA["codice_fiscale"]) == []
    assert keystore.claim(new_person_id(), **mario) == wrong
    assert keystore.claim(new_person_id(), **GIUSEPPINA) != wrong
