"""Short-lived access tokens: JWTs signed with the district's dedicated EdDSA key.

A token only says who the caller is; what they may do is read from the identity store on
every request, so disabling a user or changing their comuni takes effect at once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Literal

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "ambito"
AUDIENCE = "ambito-api"
ALGORITHM = "EdDSA"
LEEWAY_SECONDS = 30


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    kind: Literal["user", "client"]


class TokenService:
    def __init__(self, private_key: Ed25519PrivateKey, ttl_seconds: int) -> None:
        self._private_key = private_key
        self._public_key = private_key.public_key()
        self.ttl_seconds = ttl_seconds

    def issue(self, subject: str, kind: Literal["user", "client"]) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "kind": kind,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(type(error).__name__) from None
        kind = claims.get("kind")
        if kind not in ("user", "client"):
            raise InvalidToken("kind")
        return TokenClaims(subject=str(claims["sub"]), kind=kind)
