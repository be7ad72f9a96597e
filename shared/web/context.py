"""Correlation ids: taken from ``X-Correlation-ID`` or made, echoed, carried into events."""

from __future__ import annotations

import uuid

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

HEADER = "X-Correlation-ID"


class CorrelationMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        given = request.headers.get(HEADER)
        try:
            value = uuid.UUID(given) if given else uuid.uuid4()
        except ValueError:
            value = uuid.uuid4()
        request.state.correlation_id = value
        response = await call_next(request)
        response.headers[HEADER] = str(value)
        return response


def correlation_id(request: Request) -> uuid.UUID | None:
    value = getattr(request.state, "correlation_id", None)
    return value if isinstance(value, uuid.UUID) else None
