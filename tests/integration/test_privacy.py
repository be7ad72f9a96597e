"""Acceptance 3: no personal field readable in raw rows; the key store alone opens nothing;
erasure leaves loadable events, verifying seals, and no way to find the person again."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from shared.db import sqlite_file
from shared.events import CommandContext, Erased, acting, new_person_id
from shared.events.intake import DomandaRicevuta
from shared.keys import init_key_directory, load_district_keys
from shared.ledger.codec import PersonalDataCodec
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore, KeyStoreError
from tests.support.domain import Domanda, Sportello

NOME, COGNOME, CF = "Ermenegilda", "Zappacosta", "ZPPRNG40A41E094R"
BISOGNO = "Vive sola al terzo piano senza ascensore"
SECRETS = [NOME, COGNOME, CF, BISOGNO, "1940-01-01"]


def _record_person(app: Sportello, keystore: KeyStore, context: CommandContext) -> Domanda:
    person_id = new_person_id()
    with acting(context):
        domanda = app.ricevi(NOME, COGNOME, CF, person_id, BISOGNO)
    keystore.remember(
        person_id, codice_fiscale=CF, nome=NOME, cognome=COGNOME, data_nascita=date(1940, 1, 1)
    )
    return domanda


def _raw_text(url: str) -> bytes:
    """Everything the database holds, as an attacker with file or SQL access sees it."""
    path = sqlite_file(url)
    if path is not None:
        return b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*"))
    engine = create_engine(url)
    try:
        chunks: list[bytes] = []
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    chunks.extend(
                        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                        for v in row
                    )
        return b"\n".join(chunks)
    finally:
        engine.dispose()


def test_codice_fiscale_fixture_is_valid() -> None:
    from codicefiscale import codicefiscale

    assert codicefiscale.is_valid(CF)


def test_no_personal_field_is_readable_in_raw_rows(
    open_ledger: Callable[..., Ledger],
    keystore: KeyStore,
    operatore: CommandContext,
    database_url: Callable[[str], str],
) -> None:
    ledger = open_ledger()
    _record_person(Sportello(ledger), keystore, operatore)
    ledger.checkpoint()

    ledger_raw = _raw_text(str(ledger.engines.writer.url))
    keystore_raw = _raw_text(str(keystore._engines.writer.url))

    assert b'"persona_id"' in ledger_raw  # the scan really reads the event rows
    for secret in SECRETS:
        for encoding in (secret.encode(), secret.upper().encode(), secret.encode("utf-16-le")):
            assert encoding not in ledger_raw, secret
            assert encoding not in keystore_raw, secret


def test_the_key_store_without_the_key_directory_decrypts_nothing(
    open_ledger: Callable[..., Ledger],
    keystore: KeyStore,
    operatore: CommandContext,
    tmp_path: Path,
) -> None:
    ledger = open_ledger()
    domanda = _record_person(Sportello(ledger), keystore, operatore)
    stored = ledger.recorder.select_events(domanda.id)[0]

    other_keys = tmp_path / "other-keys"
    init_key_directory(other_keys)
    wrong = load_district_keys(other_keys)
    stolen = KeyStore(
        str(keystore._engines.writer.url.render_as_string(hide_password=False)),
        wrong.key_encryption_key,
        wrong.blind_index_key,
    )
    try:
        with pytest.raises(KeyStoreError):
            stolen.lookup(domanda.persona_id)
        state = json.loads(stored.state)
        with pytest.raises(KeyStoreError):
            PersonalDataCodec(stolen).decrypt(state, state["event_id"])
        assert stolen.find_by_codice_fiscale(CF) == []
    finally:
        stolen.close()


def test_erasure_keeps_events_loadable_and_sealed_but_unreadable_and_unfindable(
    open_ledger: Callable[..., Ledger],
    keystore: KeyStore,
    operatore: CommandContext,
) -> None:
    ledger = open_ledger()
    app = Sportello(ledger)
    domanda = _record_person(app, keystore, operatore)
    other = _record_person(app, keystore, operatore)
    assert keystore.find_by_codice_fiscale(CF.lower()) == sorted(
        [domanda.persona_id, other.persona_id]
    )
    ledger.checkpoint()

    keystore.erase(domanda.persona_id)

    event = next(iter(app.events.get(domanda.id)))
    assert isinstance(event, DomandaRicevuta)
    for value in (
        event.persona.nome,
        event.persona.cognome,
        event.persona.codice_fiscale,
        event.persona.data_nascita,
        event.bisogno,
    ):
        assert isinstance(value, Erased)
    assert event.profilo.fascia_eta == "85+"  # statistics survive erasure
    assert event.actor == operatore.actor
    assert app.repository.get(domanda.id).version == 1
    assert ledger.verify().ok

    assert keystore.find_by_codice_fiscale(CF) == [other.persona_id]
    assert keystore.find_by_name(NOME, COGNOME, date(1940, 1, 1)) == [other.persona_id]
    survivor = next(iter(app.events.get(other.id)))
    assert isinstance(survivor, DomandaRicevuta)
    assert survivor.persona.nome == NOME
