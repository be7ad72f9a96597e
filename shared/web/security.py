"""Security headers on every response, CORS closed unless origins are listed, and the client
address the login throttle counts (design section 4; issue 10, "Hardening").

One pure ASGI middleware, installed outermost, so that what no framework layer answers (a
413 from the body limit, a 500 from an unexpected error) carries the headers too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.settings import Settings

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""For JSON, spreadsheets and PDFs: nothing on them is ever to be run, framed or loaded."""

DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
DOCS_SOURCES = (
    "default-src 'none'; "
    "script-src https://cdn.jsdelivr.net{hashes}; "
    "style-src https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'; "
    "img-src 'self' https://fastapi.tiangolo.com https://cdn.redoc.ly data:; "
    "font-src https://fonts.gstatic.com data:; "
    "connect-src 'self'; "
    "worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""What FastAPI's Swagger UI and ReDoc pages load: their bundles and styles from jsDelivr
(ReDoc's fonts from Google), the favicon, the schema from this origin, ReDoc's blob worker.
Their inline scripts are allowed by hash, computed from the page as served; inline styles
are allowed because ReDoc writes its styles at run time."""

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE_PREFIXES = ("/api/", "/waas/")
"""Answers here may carry personal data: no browser or proxy cache may keep them."""

CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CORS_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "X-Correlation-ID",
)
CORS_EXPOSED = ("ETag", "Idempotent-Replayed", "Location", "Retry-After", "X-Correlation-ID")

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


@dataclass(frozen=True)
class SecurityPolicy:
    """The district's choices (``AMBITO_HTTPS``, ``AMBITO_CORS_ORIGINS``,
    ``AMBITO_TRUST_FORWARDED_FOR``); the defaults are the closed ones."""

    https: bool = False
    cors_origins: frozenset[str] = frozenset()
    trust_forwarded_for: bool = False

    @classmethod
    def of(cls, settings: Settings) -> SecurityPolicy:
        return cls(
            https=settings.https,
            cors_origins=frozenset(settings.cors_origins),
            trust_forwarded_for=settings.trust_forwarded_for,
        )


def client_address(request: Request) -> str:
    """The address a request comes from, as the login throttle counts it.

    Behind a reverse proxy every request comes from the proxy: only when the district says it
    is behind one is ``X-Forwarded-For`` read, and then its last entry (the address that
    connected to the proxy; earlier ones are the client's own words).
    """
    policy: SecurityPolicy = getattr(request.app.state, "security", SecurityPolicy())
    if policy.trust_forwarded_for:
        forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",")]
        if forwarded and forwarded[-1]:
            return forwarded[-1]
    return request.client.host if request.client else "sconosciuto"


def _hashes(body: bytes) -> str:
    found = [
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(body)
    ]
    return "".join(" " + value for value in found)


def security_headers(path: str, policy: SecurityPolicy, body: bytes = b"") -> dict[str, str]:
    """The headers every response to ``path`` carries (``body`` only for the docs pages,
    whose inline scripts are allowed by hash)."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
        "Content-Security-Policy": (
            DOCS_SOURCES.format(hashes=_hashes(body)) if path in DOCS_PATHS else API_CSP
        ),
    }
    if path.startswith(NO_STORE_PREFIXES):
        headers["Cache-Control"] = "no-store"
    if policy.https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def _merge(raw: Iterable[tuple[bytes, bytes]], added: dict[str, str]) -> list[tuple[bytes, bytes]]:
    replaced = {name.lower().encode() for name in added}
    kept = [(name, value) for name, value in raw if name.lower() not in replaced]
    return kept + [(name.lower().encode(), value.encode()) for name, value in added.items()]


class SecurityHeaders:
    """Adds the security headers to every HTTP response, refuses the cross-origin preflights
    of origins not listed, and answers an unexpected error with a 500 that has them too."""

    def __init__(self, app: ASGIApp, policy: SecurityPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin-1")
        if (
            scope["method"] == "OPTIONS"
            and origin
            and b"access-control-request-method" in headers
            and origin not in self.policy.cors_origins
        ):
            await self._answer(send, path, 403, "origine non consentita")
            return

        started = False
        held: Message | None = None  # a docs page's start, until its body is known

        async def secured(message: Message) -> None:
            nonlocal started, held
            if message["type"] == "http.response.start":
                started = True
                if path in DOCS_PATHS:
                    held = message
                    return
                message["headers"] = _merge(
                    message.get("headers", []), security_headers(path, self.policy)
                )
            elif message["type"] == "http.response.body" and held is not None:
                added = security_headers(path, self.policy, message.get("body", b""))
                held["headers"] = _merge(held.get("headers", []), added)
                await send(held)
                held = None
            await send(message)

        try:
            await self.app(scope, receive, secured)
        except Exception:
            if not started:
                await self._answer(send, path, 500, "errore interno: riprova più tardi")
            raise  # the server logs it (its type only: see shared.observability)

    async def _answer(self, send: Send, path: str, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        added = {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            **security_headers(path, self.policy),
        }
        await send({"type": "http.response.start", "status": status, "headers": _merge([], added)})
        await send({"type": "http.response.body", "body": body})


def install_security(app: FastAPI, settings: Settings) -> None:
    """Call after every other middleware is added: this one must be the outermost."""
    policy = SecurityPolicy.of(settings)
    app.state.security = policy
    if policy.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=sorted(policy.cors_origins),
            allow_credentials=False,
            allow_methods=list(CORS_METHODS),
            allow_headers=list(CORS_HEADERS),
            expose_headers=list(CORS_EXPOSED),
            max_age=600,
        )
    app.add_middleware(SecurityHeaders, policy=policy)
