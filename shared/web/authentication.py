"""Bearer-token authentication for every API, and the OAuth2 token endpoint.

``/api/auth/token`` implements the OAuth2 password flow (users) and client-credentials flow
(integration clients), answering with a short-lived EdDSA-signed JWT. Every request then
re-reads its caller from the identity store: a disabled account stops at once.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from shared.auth.oidc import OidcVerifier, unverified_issuer
from shared.auth.policy import Forbidden
from shared.auth.principal import Principal
from shared.auth.tokens import ISSUER as OWN_ISSUER
from shared.auth.tokens import InvalidToken, TokenService
from shared.identity.store import IdentityStore
from shared.web.security import client_address

bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Authenticator:
    identity: IdentityStore
    tokens: TokenService
    oidc: OidcVerifier | None = None
    """The district's OpenID Connect provider, when one is configured."""

    def principal(self, token: str) -> Principal | None:
        try:
            claims = self.tokens.verify(token)
        except InvalidToken:
            return self._oidc_principal(token)
        district = self.identity.district()
        if claims.kind == "client":
            client = self.identity.get_client(claims.subject)
            if client is None or not client.active or (client.demo and not district.demo):
                return None
            return Principal(
                subject=client.client_id,
                kind="client",
                role="client",
                scopes=frozenset(client.scopes),
            )
        user = self.identity.get_user(claims.subject)
        if user is None or not user.active or (user.demo and not district.demo):
            return None
        return Principal(
            subject=user.username,
            kind="user",
            role=user.role,
            comuni=frozenset(user.comuni),
            aree=frozenset(user.aree),
            codice_fiscale=user.codice_fiscale,
        )

    def _oidc_principal(self, token: str) -> Principal | None:
        """A token that is not Ambito's own (another issuer) goes to the provider's verifier."""
        if self.oidc is None or unverified_issuer(token) in (None, OWN_ISSUER):
            return None
        try:
            return self.oidc.verify(token, self.identity.district(), self.identity.get_user)
        except InvalidToken:
            return None


CONFINED_PATHS: dict[str, str] = {"siuss": "/waas/v1/"}
"""The paths a client holding a confined scope may call (``shared.auth.policy``'s
``CONFINED_SCOPES`` confines its actions the same way)."""


def _unauthorized(detail: str = "autenticazione richiesta") -> JSONResponse:
    return JSONResponse(
        {"detail": detail}, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="ambito"'}
    )


class Unauthenticated(Exception):
    pass


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller of this request; 401 without a valid token for an active account."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("autenticazione richiesta")
    authenticator: Authenticator = request.app.state.authenticator
    principal = authenticator.principal(credentials.credentials)
    if principal is None:
        raise Unauthenticated("token non valido, scaduto o account non attivo")
    confined = [CONFINED_PATHS[s] for s in principal.scopes if s in CONFINED_PATHS]
    if principal.kind == "client" and any(
        not request.url.path.startswith(prefix) for prefix in confined
    ):
        # before any parameter or body is even validated: nothing else answers this token
        raise Forbidden("questo client di integrazione non è abilitato a questa operazione")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


class _FailureWindow:
    """Failures per key within a sliding window; a key with ``limit`` of them waits."""

    def __init__(self, limit: int, window: float) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._limit = limit
        self._window = window

    def retry_after(self, key: str, now: float) -> int:
        recent = self._failures.get(key)
        if recent is None:
            return 0
        while recent and recent[0] < now - self._window:
            recent.popleft()
        if not recent:
            del self._failures[key]  # forgotten: a spray of names leaves nothing behind
            return 0
        if len(recent) < self._limit:
            return 0
        return int(recent[0] + self._window - now) + 1

    def failed(self, key: str, now: float) -> None:
        self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > _TRACKED:
            cutoff = now - self._window
            for stale in [k for k, times in self._failures.items() if times[-1] < cutoff]:
                del self._failures[stale]

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)


_TRACKED = 10_000
"""Keys kept before stale ones are swept (each costs a few hundred bytes)."""


class LoginThrottle:
    """Bounds what the token endpoint can cost: a few argon2 checks at a time (each takes tens
    of MiB), a pause for a name after repeated failures (guessing is slowed, a typo is not),
    and a pause for an address after many failures whatever the names (one machine trying
    many accounts). A success forgets its name's failures, never its address's."""

    def __init__(
        self,
        concurrency: int = 4,
        failures: int = 10,
        window: float = 300.0,
        address_failures: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._slots = threading.BoundedSemaphore(concurrency)
        self._names = _FailureWindow(failures, window)
        self._addresses = _FailureWindow(address_failures, window)
        self._lock = threading.Lock()

    def retry_after(self, name: str, address: str | None = None) -> int:
        """Seconds to wait before trying ``name`` (from ``address``) again; 0 when it may be
        tried now."""
        now = self._clock()
        with self._lock:
            wait = self._names.retry_after(name, now)
            if address is not None:
                wait = max(wait, self._addresses.retry_after(address, now))
            return wait

    def failed(self, name: str, address: str | None = None) -> None:
        now = self._clock()
        with self._lock:
            self._names.failed(name, now)
            if address is not None:
                self._addresses.failed(address, now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._names.forget(name)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            yield


def token_router(throttle: LoginThrottle) -> APIRouter:
    router = APIRouter(prefix="/api/auth", tags=["autenticazione"])

    @router.post("/token")
    def token(
        request: Request,
        grant_type: Annotated[str, Form()],
        username: Annotated[str | None, Form()] = None,
        password: Annotated[str | None, Form()] = None,
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> Any:
        authenticator: Authenticator = request.app.state.authenticator
        identity, tokens = authenticator.identity, authenticator.tokens
        address = client_address(request)
        if grant_type == "password":
            name = username or ""
            if wait := throttle.retry_after(name, address):
                return _too_many(wait)
            with throttle.slot():
                user = identity.authenticate_user(name, password or "")
            if user is None:
                throttle.failed(name, address)
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "credenziali non valide"},
                    status_code=400,
                )
            throttle.succeeded(name)
            access = tokens.issue(user.username, "user")
        elif grant_type == "client_credentials":
            basic = _basic_credentials(request)
            given_id, secret = basic or (client_id or "", client_secret or "")
            # a client's secret is long and random: guessing it is hopeless, locking INPS out
            # from anywhere would not be; its failures count per address only
            given_id_here = f"{given_id}\x00{address}"
            if wait := throttle.retry_after(given_id_here, address):
                return _too_many(wait)
            with throttle.slot():
                client = identity.authenticate_client(given_id, secret)
            if client is None:
                throttle.failed(given_id_here, address)
                return JSONResponse(
                    {"error": "invalid_client", "error_description": "credenziali non valide"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="ambito"'},
                )
            throttle.succeeded(given_id_here)
            access = tokens.issue(client.client_id, "client")
        else:
            return JSONResponse(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "ammessi: password, client_credentials",
                },
                status_code=400,
            )
        return JSONResponse(
            {"access_token": access, "token_type": "bearer", "expires_in": tokens.ttl_seconds},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    return router


def _too_many(wait: int) -> JSONResponse:
    return JSONResponse(
        {
            "error": "too_many_attempts",
            "error_description": "troppi tentativi non riusciti: riprova fra qualche minuto",
        },
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


class RequireBearer(BaseHTTPMiddleware):
    """Refuses an API call without a bearer token before anything reads its body, so that
    an anonymous caller learns nothing from validation errors."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if path.startswith("/api/") and not path.startswith("/api/auth/"):
            header = request.headers.get("authorization", "")
            if not header.lower().startswith("bearer "):
                return _unauthorized()
        return await call_next(request)


def install_authentication(app: FastAPI) -> None:
    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(_: Request, error: Unauthenticated) -> JSONResponse:
        return _unauthorized(str(error))

    app.add_middleware(RequireBearer)
    app.include_router(token_router(LoginThrottle()))
