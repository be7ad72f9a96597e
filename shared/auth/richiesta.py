"""Who asks, and how: the envelope every command of every service records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from shared.auth.principal import Principal
from shared.events import CommandContext
from shared.events.types import Fonte


@dataclass(frozen=True)
class Richiesta:
    principal: Principal
    source: Fonte = "api"
    correlation_id: UUID | None = None

    def context(
        self, comune: str | None, legal_basis: str, occurred_at: datetime | None = None
    ) -> CommandContext:
        """The context events are recorded in (``acting``): actor, legal basis, source."""
        return CommandContext(
            actor=self.principal.actor(comune),
            legal_basis=legal_basis,
            source=self.source,
            correlation_id=self.correlation_id or uuid4(),
            occurred_at=occurred_at,
        )
