"""What another service asks of the directory before pointing at a resource."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.db import Engines
from shared.directory.projection import risorse
from shared.errors import Conflict, FieldError
from shared.events.network import ATTRIBUTI_RISORSA

ROME = ZoneInfo("Europe/Rome")
HEADLINE = frozenset({"nome", "tipo", "comuni", "aree"})
"""Attributes with a field of their own in ``RisorsaInElenco``; the rest are in ``attributi``."""
REVIEW_AFTER_MONTHS = 12


@dataclass(frozen=True)
class RisorsaInElenco:
    id: UUID
    nome: str
    tipo: str
    comuni: list[str]
    aree: list[str]
    attributi: dict[str, Any]
    censita_il: datetime
    confermata_il: datetime
    dismessa_il: datetime | None
    motivo_dismissione: str | None
    versione: int

    @property
    def attiva(self) -> bool:
        return self.dismessa_il is None

    def da_rivedere(self, today: date) -> bool:
        """Not confirmed for 12 months (Europe/Rome dates, computed when asked)."""
        return self.attiva and local_date(self.confermata_il) <= review_threshold(today)

    @property
    def ultima_conferma(self) -> date:
        return local_date(self.confermata_il)


def review_threshold(today: date) -> date:
    """The last confirmation date that makes a resource due for review today."""
    year, month = today.year - 1, today.month
    day = min(today.day, 28) if month == 2 else today.day
    return date(year, month, day)


def local_date(moment: datetime) -> date:
    """The Europe/Rome date of a stored instant."""
    return aware(moment).astimezone(ROME).date()


def aware(moment: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _optional_aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else aware(moment)


def from_row(row: Any) -> RisorsaInElenco:
    mapping = row._mapping
    return RisorsaInElenco(
        id=UUID(mapping["id"]),
        nome=mapping["nome"],
        tipo=mapping["tipo"],
        comuni=list(mapping["comuni"]),
        aree=list(mapping["aree"]),
        attributi={k: mapping[k] for k in ATTRIBUTI_RISORSA if k not in HEADLINE},
        censita_il=aware(mapping["censita_il"]),
        confermata_il=aware(mapping["confermata_il"]),
        dismessa_il=_optional_aware(mapping["dismessa_il"]),
        motivo_dismissione=mapping["motivo_dismissione"],
        versione=int(mapping["versione"]),
    )


class ResourceDirectory:
    """Reads the directory projection in this process's read-model database. It is only as
    fresh as its feed: a caller that has just seen a resource created passes the position."""

    def __init__(self, views: Engines) -> None:
        self.views = views

    def get(self, risorsa_id: UUID) -> RisorsaInElenco | None:
        with self.views.reader.connect() as connection:
            row = connection.execute(
                select(risorse).where(risorse.c.id == str(risorsa_id))
            ).one_or_none()
        return None if row is None else from_row(row)

    def require_available(self, risorsa_id: UUID, location: Sequence[str | int]) -> RisorsaInElenco:
        """The resource, if it may receive a new referral or intervention: an unknown id is
        a 422 on the field that named it, a dismissed resource a 409."""
        found = self.get(risorsa_id)
        if found is None:
            raise FieldError(location, "risorsa non presente nell'elenco della rete territoriale")
        if not found.attiva:
            raise Conflict(
                f"la risorsa «{found.nome}» è dismessa: non può ricevere nuovi invii o interventi"
            )
        return found
