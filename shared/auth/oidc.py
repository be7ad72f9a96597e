"""Bearer tokens from the district's OpenID Connect provider, beside Ambito's own.

A district that already runs an identity provider (Keycloak, an Azure AD tenant, the
region's SPID/CIE proxy) should not have to keep a second set of passwords. Its tokens are
verified here against its published keys (JWKS, from a URL or a file), and the caller's role,
comuni and areas are read from claims the district configures: the provider is the source of
truth for who someone is, the identity store can still block them locally.

Pure verification: no framework imports; the caller passes the district's settings (the
comuni a claim may name) and the local account, if any.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import jwt
from codicefiscale import codicefiscale

from shared import codes
from shared.auth.principal import Principal
from shared.auth.tokens import ISSUER as OWN_ISSUER
from shared.auth.tokens import InvalidToken
from shared.identity.models import ROLES, ROLES_WITHOUT_COMUNE, DistrictSettings, Role, User
from shared.settings import OIDC_ALGORITHMS, Settings

SIGNING_ALGORITHMS: frozenset[str] = OIDC_ALGORITHMS
"""Asymmetric algorithms only: ``none`` forges anything, and an HS* token could be signed by
anyone who holds the provider's *public* key used as a shared secret."""

DEFAULT_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256", "EdDSA")

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
"""The identity store's rule for usernames: an OIDC user may be matched with a local one, and
the name lands in every event's actor."""


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    audience: str
    jwks_url: str | None = None
    jwks_file: Path | None = None
    claim_username: str = "preferred_username"
    claim_role: str = "ambito_ruolo"
    claim_comuni: str = "ambito_comuni"
    claim_aree: str = "ambito_aree"
    claim_codice_fiscale: str = "ambito_codice_fiscale"
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_seconds: int = 30

    def __post_init__(self) -> None:
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ValueError("OIDC: exactly one of a JWKS URL and a JWKS file is required")
        if self.issuer == OWN_ISSUER:
            raise ValueError(f"OIDC: the issuer cannot be {OWN_ISSUER!r}, Ambito's own")
        refused = [alg for alg in self.algorithms if alg not in SIGNING_ALGORITHMS]
        if refused or not self.algorithms:
            raise ValueError(
                f"OIDC: public-key algorithms only ({', '.join(sorted(SIGNING_ALGORITHMS))})"
            )


class KeySource(Protocol):
    def key_for(self, kid: str) -> jwt.PyJWK:
        """The provider's signing key named ``kid``; ``jwt.PyJWTError`` when there is none."""
        ...


class UrlKeys:
    """The provider's JWKS endpoint, through PyJWT's client: the set is cached for
    ``lifespan`` seconds, and an unknown ``kid`` (a rotated key) refetches it at most once per
    cooldown, so forged kids cannot make Ambito hammer the provider."""

    def __init__(self, url: str, *, lifespan: float = 300.0, timeout: float = 5.0) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=lifespan, timeout=timeout)

    def key_for(self, kid: str) -> jwt.PyJWK:
        return self._client.get_signing_key(kid)


class FileKeys:
    """A JWKS file (an air-gapped district, or a provider without a reachable endpoint). It is
    read at start, so a broken file stops the service then, and again whenever it changes, so
    a key rotation needs no restart."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp, self._keys = self._load()

    def _load(self) -> tuple[tuple[int, int], jwt.PyJWKSet]:
        stat = self._path.stat()
        keys = jwt.PyJWKSet.from_json(self._path.read_text(encoding="utf-8"))
        if not any(key.algorithm_name in SIGNING_ALGORITHMS for key in keys.keys):
            raise jwt.PyJWKSetError("no public signing key")
        return (stat.st_mtime_ns, stat.st_size), keys

    def key_for(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            try:
                stat = self._path.stat()
                if (stat.st_mtime_ns, stat.st_size) != self._stamp:
                    self._stamp, self._keys = self._load()
            except (OSError, ValueError, jwt.PyJWTError):
                pass  # a file being rewritten: keep the keys read last
            keys = self._keys
        for key in keys.keys:
            if key.key_id == kid and key.public_key_use in ("sig", None):
                return key
        raise jwt.PyJWKError("kid")


def oidc_config(settings: Settings) -> OidcConfig | None:
    """The provider the settings configure; None when there is none."""
    if settings.oidc_issuer is None or settings.oidc_audience is None:
        return None
    return OidcConfig(
        issuer=settings.oidc_issuer,
        audience=settings.oidc_audience,
        jwks_url=settings.oidc_jwks_url,
        jwks_file=settings.oidc_jwks_file,
        claim_username=settings.oidc_claim_username,
        claim_role=settings.oidc_claim_role,
        claim_comuni=settings.oidc_claim_comuni,
        claim_aree=settings.oidc_claim_aree,
        claim_codice_fiscale=settings.oidc_claim_codice_fiscale,
        algorithms=settings.oidc_algorithms,
        leeway_seconds=settings.oidc_leeway_seconds,
    )


def verifier_from_settings(settings: Settings) -> OidcVerifier | None:
    """The configured verifier, its key file read now (a broken one stops the start)."""
    config = oidc_config(settings)
    return OidcVerifier(config) if config is not None else None


def key_source(config: OidcConfig) -> KeySource:
    if config.jwks_file is not None:
        try:
            return FileKeys(config.jwks_file)
        except (OSError, ValueError, AttributeError, TypeError, jwt.PyJWTError) as error:
            raise ValueError(
                f"OIDC: JWKS file unreadable or without usable keys ({config.jwks_file}): "
                f"{type(error).__name__}"
            ) from None
    assert config.jwks_url is not None
    try:
        return UrlKeys(config.jwks_url)
    except jwt.PyJWTError as error:
        raise ValueError(f"OIDC: invalid JWKS URL: {error}") from None


class OidcVerifier:
    """Checks a provider's token and turns it into a ``Principal`` (always a user: integration
    clients authenticate with Ambito's own client credentials, never through the provider)."""

    def __init__(self, config: OidcConfig, keys: KeySource | None = None) -> None:
        self.config = config
        self._keys = keys if keys is not None else key_source(config)

    @property
    def issuer(self) -> str:
        return self.config.issuer

    def verify(
        self,
        token: str,
        district: DistrictSettings,
        local_user: Callable[[str], User | None] = lambda _: None,
    ) -> Principal:
        """The caller; ``InvalidToken`` (naming the check, never a claim's value) otherwise.

        ``local_user`` finds an account of the same name in the identity store: a disabled one
        refuses the token, whatever the provider says."""
        config = self.config
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            if header.get("alg") not in config.algorithms:
                raise InvalidToken("alg")
            if not isinstance(kid, str) or not kid:
                raise InvalidToken("kid")
            claims = jwt.decode(
                token,
                self._keys.key_for(kid),
                algorithms=list(config.algorithms),
                audience=config.audience,
                issuer=config.issuer,
                leeway=config.leeway_seconds,
                options={
                    "require": ["exp", "iat", "iss", "aud", "sub"],
                    "verify_exp": True,
                    "verify_iat": True,
                    "verify_nbf": True,
                },
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(type(error).__name__) from None
        principal = self._principal(claims, district)
        local = local_user(principal.subject)
        if local is not None and not local.active:
            raise InvalidToken("disabled")
        return principal

    def _principal(self, claims: dict[str, Any], district: DistrictSettings) -> Principal:
        config = self.config
        username = claims.get(config.claim_username)
        if not isinstance(username, str) or not USERNAME.fullmatch(username):
            raise InvalidToken("username")
        role = claims.get(config.claim_role)
        if role not in ROLES:
            raise InvalidToken("role")
        comuni = _codes(claims.get(config.claim_comuni), "comuni")
        if any(district.comune(code) is None for code in comuni):
            raise InvalidToken("comuni")
        if role not in ROLES_WITHOUT_COMUNE and not comuni:
            raise InvalidToken("comuni")
        aree = _codes(claims.get(config.claim_aree), "aree")
        known = codes.user_areas()
        if any(area not in known for area in aree):
            raise InvalidToken("aree")
        if role == "assistente_sociale" and not aree:
            raise InvalidToken("aree")
        return Principal(
            subject=username,
            kind="user",
            role=cast(Role, role),
            comuni=frozenset(comuni),
            aree=frozenset(aree),
            codice_fiscale=_codice_fiscale(claims.get(config.claim_codice_fiscale)),
        )


def _codes(value: object, claim: str) -> tuple[str, ...]:
    """A list of codes (a single string is one code: some providers flatten one-element
    lists); absent is empty. Anything else refuses the token."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: Sequence[str] = [value]
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = value
    else:
        raise InvalidToken(claim)
    return tuple(sorted({item.strip().upper() for item in items}))


def _codice_fiscale(value: object) -> str | None:
    if value is None:
        return None
    code = "".join(value.split()).upper() if isinstance(value, str) else ""
    if len(code) != 16 or not code.isalnum() or not codicefiscale.is_valid(code):
        raise InvalidToken("codice_fiscale")
    return code


def unverified_issuer(token: str) -> str | None:
    """Whose token this claims to be, before any check: picks the verifier, decides nothing."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None
