"""The demo district (design section 4): identities, settings and a history of requests.

A demo data directory says so in its settings store (the demo flag); demo accounts work
only there. Everything is recorded through the real service layer, as the demo users.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from services.intake.application import IntakeApplication, Persona, RegistraDomanda
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.db import sqlite_file
from shared.events.types import AreaUtenza, Canale
from shared.identity.demo import load_demo_identity
from shared.identity.store import IdentityStore
from shared.settings import Settings

DEMO_REQUESTS = 48

NOMI_F = ["Maria", "Giulia", "Anna", "Francesca", "Sara", "Chiara", "Elena", "Rosa", "Fatima"]
NOMI_M = ["Giuseppe", "Marco", "Luca", "Giovanni", "Ahmed", "Paolo", "Andrea", "Ion", "Franco"]
COGNOMI = [
    "Rossi",
    "Bianchi",
    "Colombo",
    "Ferrari",
    "Ricci",
    "Marino",
    "Greco",
    "Popescu",
    "Brambilla",
]
BISOGNI: dict[AreaUtenza, list[str]] = {
    "ELD": [
        "Vive sola e non riesce più a fare la spesa",
        "Chiede assistenza domiciliare dopo una caduta",
        "La famiglia chiede informazioni su un centro diurno",
    ],
    "FAM": [
        "Genitore solo chiede sostegno per il pagamento della mensa scolastica",
        "La scuola segnala assenze frequenti di un alunno",
        "Famiglia con tre figli chiede un contributo per l'affitto",
    ],
    "DIS": [
        "Chiede il trasporto per il centro diurno disabili",
        "Informazioni sull'assistenza educativa scolastica",
    ],
    "POV": [
        "Ha perso il lavoro e chiede un contributo economico",
        "Senza dimora, chiede un posto letto per l'inverno",
    ],
    "IMMNOM": ["Chiede orientamento per il permesso di soggiorno e la residenza"],
}
CANALI: list[Canale] = ["sportello", "sportello", "telefono", "email", "invio_servizio"]


class DemoError(Exception):
    pass


def is_demo_directory(settings: Settings) -> bool:
    identity_file = sqlite_file(settings.identity_database_url())
    if identity_file is not None and not identity_file.exists():
        return False
    store = IdentityStore(settings.identity_database_url())
    try:
        return store.district().demo
    finally:
        store.close()


COMPLETE_MARKER = "demo-completo"
"""Written last: a demo interrupted before it is found incomplete and finished next time."""


def demo_to_build(settings: Settings) -> bool:
    """True when the demo must be built or finished; refuses a directory holding anything
    but a demo."""
    data_dir: Path = settings.data_dir
    if not data_dir.exists() or not any(data_dir.iterdir()):
        return True
    if not is_demo_directory(settings):
        raise DemoError(f"{data_dir} non è vuota e non contiene un distretto demo: non la modifico")
    return not (data_dir / COMPLETE_MARKER).exists()


def mark_demo_complete(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / COMPLETE_MARKER).write_text("distretto demo completo\n", "utf-8")


def load_demo_identities(settings: Settings) -> None:
    store = IdentityStore(settings.identity_database_url())
    try:
        load_demo_identity(store)
    finally:
        store.close()


def record_demo_requests(
    intake: IntakeApplication, comuni: list[str], already: int = 0, seed: int = 2026
) -> int:
    """A few dozen requests over the last months, by the demo operatore; the first
    ``already`` of the (seeded, so always the same) sequence are skipped."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    operatore = Principal(
        subject="operatore", kind="user", role="operatore", comuni=frozenset(comuni)
    )
    now = datetime.now(UTC)
    for index in range(DEMO_REQUESTS):
        area: AreaUtenza = rng.choice(list(BISOGNI))
        female = rng.random() < 0.55
        age = rng.randint(70, 95) if area == "ELD" else rng.randint(20, 60)
        born = date(now.year - age, rng.randint(1, 12), rng.randint(1, 28))
        command = RegistraDomanda(
            comune=rng.choice(comuni),
            canale=rng.choice(CANALI),
            persona=Persona(
                nome=rng.choice(NOMI_F if female else NOMI_M),
                cognome=rng.choice(COGNOMI),
                data_nascita=born,
                sesso="F" if female else "M",
                cittadinanza=380 if rng.random() < 0.8 else rng.choice([642, 504, 8, 608]),
            ),
            bisogno=rng.choice(BISOGNI[area]),
            area_utenza=area,
            urgente=rng.random() < 0.1,
            occurred_at=now - timedelta(days=rng.randint(0, 180), minutes=index),
        )
        if index >= already:
            intake.registra_domanda(command, Richiesta(operatore, "cli"))
    return DEMO_REQUESTS - min(already, DEMO_REQUESTS)
