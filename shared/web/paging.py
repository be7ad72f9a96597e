"""The paging and position parameters of every list, with their ranges, and the ``next``
link of a paged list (the same request, from the next offset).

Every integer a client sends is bounded here, so that a value a database cannot hold is a
422 naming the parameter, never a 500 from the driver (issue 17; decision 0034).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Query, Request

from shared.paging import Pagina

MAX_OFFSET: Final = 1_000_000_000
"""The furthest a list can be paged: far beyond any list a district holds (a ten-year
district's ledgers hold some 5 million events), and with ``limit`` added still within a
32-bit integer, whatever the database."""
MAX_LIMIT: Final = 200
MAX_POSIZIONE: Final = 2**63 - 1
"""The largest ledger position: positions are 64-bit integers (SQLite's INTEGER,
PostgreSQL's BIGINT)."""

Offset = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_OFFSET,
        description=f"Da quale elemento (paginazione): da 0 a {MAX_OFFSET:_}".replace("_", "."),
    ),
]
Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Quanti elementi al massimo: da 1 a {MAX_LIMIT}"),
]


def attendi(registro: str = "del registro") -> Any:
    """The ``attendi_posizione`` parameter (read your writes), bounded like a position."""
    return Query(
        ge=1,
        le=MAX_POSIZIONE,
        description=f"Attendi (al massimo 5 s) questa posizione {registro}: da 1 a 2^63-1",
    )


Attendi = Annotated[int | None, attendi()]


def next_link(request: Request, page: Pagina) -> str | None:
    if page.next_offset is None:
        return None
    url = request.url.include_query_params(offset=page.next_offset)
    return f"{url.path}?{url.query}"
