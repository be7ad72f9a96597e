"""One page of a list (design section 4: lists answer ``{"items": [...], "next": ...}``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select


@dataclass(frozen=True)
class Pagina:
    items: list[Any]
    next_offset: int | None
    """Where the next page starts; None on the last one."""


def page_of(rows: Sequence[Any], offset: int, limit: int) -> Pagina:
    """A page of a list already in memory."""
    more = len(rows) > offset + limit
    return Pagina(list(rows[offset : offset + limit]), offset + limit if more else None)


def fetch_page(connection: Connection, query: Select[Any], offset: int, limit: int) -> Pagina:
    """A page paged by the database (one row more tells whether another page follows)."""
    rows = connection.execute(query.offset(offset).limit(limit + 1)).all()
    more = len(rows) > limit
    return Pagina(list(rows[:limit]), offset + limit if more else None)
