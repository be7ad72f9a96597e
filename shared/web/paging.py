"""The ``next`` link of a paged list: the same request, from the next offset."""

from __future__ import annotations

from fastapi import Request

from shared.paging import Pagina


def next_link(request: Request, page: Pagina) -> str | None:
    if page.next_offset is None:
        return None
    url = request.url.include_query_params(offset=page.next_offset)
    return f"{url.path}?{url.query}"
