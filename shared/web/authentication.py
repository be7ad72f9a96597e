"""Bearer-token authentication for every API, and the OAuth2 token endpoint.

``/api/auth/token`` implements the OAuth2 password flow (users) and client-credentials flow
(integration clients), answering with a short-lived EdDSA-signed JWT. Every request then
re-reads its caller from the identity store: a disabled account stops at once.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.principal import Principal
from shared.auth.tokens import InvalidToken, TokenService
from shared.identity.store import IdentityStore

bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Authenticator:
    identity: IdentityStore
    tokens: TokenService

    def principal(self, token: str) -> Principal | None:
        try:
            claims = self.tokens.verify(token)
        except InvalidToken:
            return None
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


def token_router() -> APIRouter:
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
        if grant_type == "password":
            user = identity.authenticate_user(username or "", password or "")
            if user is None:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "credenziali non valide"},
                    status_code=400,
                )
            access = tokens.issue(user.username, "user")
        elif grant_type == "client_credentials":
            basic = _basic_credentials(request)
            given_id, secret = basic or (client_id or "", client_secret or "")
            client = identity.authenticate_client(given_id, secret)
            if client is None:
                return JSONResponse(
                    {"error": "invalid_client", "error_description": "credenziali non valide"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="ambito"'},
                )
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


def install_authentication(app: FastAPI) -> None:
    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(_: Request, error: Unauthenticated) -> JSONResponse:
        return _unauthorized(str(error))

    app.include_router(token_router())
