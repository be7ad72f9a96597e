"""A separate process appending to a shared SQLite ledger (the two-process test)."""

from __future__ import annotations

import time
from pathlib import Path

from shared.events import Actor, CommandContext, acting, new_person_id
from shared.keys import load_district_keys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore
from tests.support.domain import Sportello


def append_requests(
    key_dir: str, ledger_url: str, keystore_url: str, count: int, start_at: float
) -> list[int]:
    """Records ``count`` requests, each with a follow-up, all starting at wall-clock
    ``start_at`` so that the processes really contend; returns acknowledged positions."""
    keys = load_district_keys(Path(key_dir))
    keystore = KeyStore(keystore_url, keys.key_encryption_key, keys.blind_index_key)
    ledger = Ledger("intake", ledger_url, keys, keystore, checkpoint_every=25)
    app = Sportello(ledger)
    context = CommandContext(
        actor=Actor(user="operatore", role="operatore", comune="E094"),
        legal_basis="L328_ART22",
        source="api",
    )
    acknowledged: list[int] = []
    time.sleep(max(0.0, start_at - time.time()))
    try:
        with acting(context):
            for index in range(count):
                domanda, positions = app.ricevi_con_posizioni(
                    "Nome", "Cognome", None, new_person_id(), f"bisogno {index}"
                )
                acknowledged.extend(positions)
                domanda.informa(persona_id=domanda.persona_id, servizi=["SAD"])
                recordings = app.save(domanda)
                acknowledged.extend(r.notification.id for r in recordings)
    finally:
        ledger.close()
        keystore.close()
    return acknowledged
