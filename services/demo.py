"""The demo district (design section 4): identities, settings and a history of requests.

A demo data directory says so in its settings store (the demo flag); demo accounts work
only there. Everything is recorded as the demo users, through the service layer where it
allows the act: the territorial network (``services.network.demo``), then the Segretariato
sociale's desks and its month of requests (``services.intake.demo``), then the cases of the
Servizio sociale professionale, those its hand-overs opened included
(``services.casework.demo``). Some acts go through the domain instead, because the service
layer only accepts them as they happen: the desks dated weeks back, appointments in the
past (held or missed), and orientations and interventions in district mode before the
directory projection is fed.
"""

from __future__ import annotations

from pathlib import Path

from services.intake.demo import DEMO_REQUESTS as DEMO_REQUESTS
from shared.db import sqlite_file
from shared.identity.demo import load_demo_identity
from shared.identity.store import IdentityStore
from shared.settings import Settings


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
