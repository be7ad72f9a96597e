"""The authenticated caller, as the service layer sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.events import Actor
from shared.events.types import Ruolo


@dataclass(frozen=True)
class Principal:
    subject: str
    """Username, or client id for an integration client."""
    kind: Literal["user", "client"]
    role: Ruolo
    comuni: frozenset[str] = frozenset()
    aree: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    codice_fiscale: str | None = None

    def actor(self, comune: str | None = None) -> Actor:
        """The actor an event records: this caller, acting for ``comune``."""
        return Actor(user=self.subject, role=self.role, comune=comune)
