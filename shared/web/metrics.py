"""Request latency by route template, and the /metrics endpoint."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from shared.observability import HTTP_REQUEST_SECONDS


def _route_template(request: Request) -> str:
    """The matched route's path template (``/api/intake/domande/{id}``), never the path."""
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else "unmatched"


def _service(template: str) -> str:
    parts = template.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "api" else "runtime"


class LatencyMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            template = _route_template(request)
            HTTP_REQUEST_SECONDS.labels(
                service=_service(template),
                method=request.method,
                route=template,
                status=str(status),
            ).observe(time.perf_counter() - started)


def install_metrics(app: FastAPI) -> None:
    app.add_middleware(LatencyMiddleware)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
