"""Opens a district's ledgers and key store from its settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.keys import DistrictKeys, load_district_keys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore
from shared.settings import SERVICES, Settings


@dataclass
class District:
    settings: Settings
    keys: DistrictKeys
    keystore: KeyStore
    ledgers: dict[str, Ledger] = field(default_factory=dict)

    def ledger(self, service: str) -> Ledger:
        if service not in self.ledgers:
            if service not in SERVICES:
                raise KeyError(f"unknown service {service!r}")
            self.ledgers[service] = Ledger(
                service,
                self.settings.ledger_database_url(service),
                self.keys,
                self.keystore,
                checkpoint_every=self.settings.checkpoint_every,
                checkpoint_seconds=self.settings.checkpoint_seconds,
                checkpoint_dir=self.settings.checkpoints_directory(),
            )
        return self.ledgers[service]

    def close(self) -> None:
        for ledger in self.ledgers.values():
            ledger.close()
        self.keystore.close()


def open_district(settings: Settings) -> District:
    keys = load_district_keys(settings.key_dir)
    keystore = KeyStore(
        settings.keystore_database_url(), keys.key_encryption_key, keys.blind_index_key
    )
    return District(settings, keys, keystore)
