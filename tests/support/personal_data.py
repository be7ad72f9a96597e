"""The demo district's persons, for the scans that must never find them (issue 10,
acceptance 5): in logs, metrics, error bodies, Kafka payloads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from shared.events.envelope import LedgerEvent
from shared.ledger.district import open_district
from shared.settings import SERVICES, Settings


def demo_persons(settings: Settings) -> list[dict[str, str]]:
    """Every person (nome, cognome, codice fiscale) the demo's events name, decrypted."""
    found: dict[str, dict[str, str]] = {}

    def walk(value: Any) -> Iterator[dict[str, Any]]:
        if isinstance(value, dict):
            yield value
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    district = open_district(settings)
    try:
        for service in SERVICES:
            ledger = district.ledger(service)
            for notification in ledger.recorder.select_notifications(1, 1_000_000):
                event = ledger.mapper.to_domain_event(notification)
                assert isinstance(event, LedgerEvent)
                for value in walk(event.model_dump(mode="json")):
                    codice = value.get("codice_fiscale")
                    if isinstance(codice, str) and isinstance(value.get("cognome"), str):
                        found[codice] = {
                            "nome": str(value.get("nome") or ""),
                            "cognome": value["cognome"],
                            "codice_fiscale": codice,
                        }
    finally:
        district.close()
    return list(found.values())


def secrets(persons: list[dict[str, str]]) -> set[str]:
    """Codici fiscali, full names, and names and surnames alone (as whole words, case kept:
    short ones could be parts of other words)."""
    values: set[str] = set()
    for person in persons:
        values |= {person["codice_fiscale"], person["codice_fiscale"].lower()}
        values |= {f"{person['nome']} {person['cognome']}", f"{person['cognome']} {person['nome']}"}
        values |= {part for part in (person["nome"], person["cognome"]) if len(part) >= 3}
    return values


def leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text))


def full_names_and_codes(persons: list[dict[str, str]]) -> set[str]:
    """Codici fiscali and full names only: where clear organisation names and staff
    usernames travel too (Kafka payloads), a surname alone could be a resource's name."""
    values: set[str] = set()
    for person in persons:
        values.add(person["codice_fiscale"])
        if person["nome"]:
            values |= {
                f"{person['nome']} {person['cognome']}",
                f"{person['cognome']} {person['nome']}",
            }
    return values
