"""The key store across processes: an erasure reaches every reader, a tombstone is final."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, insert

from shared.events import CommandContext, Erased, acting, new_person_id
from shared.events.intake import DomandaRicevuta
from shared.keys import DistrictKeys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore, PersonErasedError, person_keys
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
