"""The ``next`` link of a paged list: the same request, from the next offset."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from shared.paging import Pagina

Offset = Annotated[int, Query(ge=0, description="Da quale elemento (paginazione)")]
Limit = Annotated[int, Query(ge=1, le=200, description="Quanti elementi al massimo")]
Attendi = Annotated[
    int | None, Query(ge=1, description="Attendi (al massimo 5 s) questa posizione del registro")
]


def next_link(request: Request, page: Pagina) -> str | None:
    if page.next_offset is None:
        return None
    url = request.url.include_query_params(offset=page.next_offset)
    return f"{url.path}?{url.query}"
