"""A stand-in OpenID Connect provider: locally generated keys, its JWKS, and tokens signed
the way a real provider signs them (or, for the refusals, the ways an attacker would)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ISSUER = "https://idp.ambito-martesana.example/realms/ambito"
AUDIENCE = "ambito-api"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def new_key(alg: str) -> PrivateKey:
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(alg)


def public_jwk(key: PrivateKey, kid: str, alg: str) -> dict[str, Any]:
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
    else:
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(public, as_dict=True)
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


@dataclass
class Provider:
    """Signing keys by kid (one per algorithm to start with), as a provider publishes them."""

    issuer: str = ISSUER
    audience: str = AUDIENCE
    keys: dict[str, tuple[PrivateKey, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.keys:
            for alg in ("RS256", "ES256", "EdDSA"):
                self.add_key(f"key-{alg.lower()}", alg)

    def add_key(self, kid: str, alg: str) -> None:
        self.keys[kid] = (new_key(alg), alg)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(key, kid, alg) for kid, (key, alg) in self.keys.items()]}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps(self.jwks()), encoding="utf-8")
        return path

    def claims(self, username: str | None = "mario.operatore", **overrides: Any) -> dict[str, Any]:
        """A valid token's claims for an operatore of Gorgonzola; ``None`` drops a claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "preferred_username": username,
            "ambito_ruolo": "operatore",
            "ambito_comuni": ["E094"],
            "ambito_aree": [],
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def sign(self, claims: dict[str, Any], kid: str = "key-rs256") -> str:
        key, alg = self.keys[kid]
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})

    def sign_with(self, claims: dict[str, Any], key: PrivateKey, kid: str, alg: str) -> str:
        """Signed with ``key`` (not necessarily the provider's) under ``kid``."""
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})

    def unsigned(self, claims: dict[str, Any], kid: str = "key-rs256") -> str:
        """``alg: none``: no signature at all."""
        return _compact({"alg": "none", "typ": "JWT", "kid": kid}, claims, lambda _: b"")

    def hs256_with_public_key(self, claims: dict[str, Any], kid: str = "key-rs256") -> str:
        """The classic confusion attack: HMAC keyed with the provider's public key (PEM)."""
        secret = (
            self.keys[kid][0]
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return _compact(
            {"alg": "HS256", "typ": "JWT", "kid": kid},
            claims,
            lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _compact(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"
