"""Settings, from ``AMBITO_*`` environment variables (documented in README)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.db import sqlite_url

SERVICES = ("intake", "casework", "network", "reporting")
"""The four services, each with a ledger of its own."""

OIDC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""Signature algorithms an OIDC token may use: public-key ones only (``none`` forges anything;
HS* would let anyone holding the provider's public key sign)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AMBITO_", extra="ignore")

    data_dir: Path = Field(default=Path("ambito-data"))
    """Ledgers (one SQLite file per service) and the key store, in embedded mode."""
    key_dir: Path = Field(default=Path("ambito-keys"))
    """District secrets and checkpoints; must lie outside the data directory."""
    ledger_url: str | None = None
    """SQLAlchemy URL of the ledgers' database; ``{service}`` in it is replaced by the
    service name (one database per service). Unset: SQLite files under data_dir."""
    keystore_url: str | None = None
    """SQLAlchemy URL of the person key store. Unset: SQLite file under data_dir."""
    identity_url: str | None = None
    """SQLAlchemy URL of the identity and settings store. Unset: SQLite file under data_dir."""
    views_url: str | None = None
    """SQLAlchemy URL of the read models' database. Unset: SQLite file under data_dir."""
    kafka_bootstrap: str | None = None
    """Kafka bootstrap servers (``host:port,...``): set, the district runs on Kafka (district
    mode, one service per process); unset, projections read the ledgers (embedded mode)."""
    kafka_topic_prefix: str = Field(default="ambito", pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$")
    """Topics are ``<prefix>.<service>.v1``: one prefix per district sharing a Kafka cluster."""
    kafka_partitions: int = Field(default=6, ge=1, le=1000)
    """Partitions of each event topic, fixed when the topic is created."""
    kafka_replication: int = Field(default=1, ge=1, le=10)
    """Replication factor of the topics Ambito creates (3 on a production cluster)."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    token_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    """Lifetime of the access tokens ``/api/auth/token`` issues."""
    https: bool = False
    """The district is served over HTTPS (by Ambito's reverse proxy): responses then carry
    ``Strict-Transport-Security``. Off, a browser is never told to insist on HTTPS."""
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    """Comma-separated origins (``https://portale.example.it``) whose pages may call the API
    from a browser, without credentials. Empty: no cross-origin call is allowed."""
    trust_forwarded_for: bool = False
    """The server is reached only through a reverse proxy that sets ``X-Forwarded-For``: the
    login throttle then counts the address the proxy names, not the proxy's."""
    checkpoint_dir: Path | None = None
    """Where signed checkpoints are appended. Unset: ``checkpoints/`` in the key directory
    (set it when the key directory is mounted read-only, e.g. from a Kubernetes Secret)."""
    checkpoint_every: int = Field(default=500, ge=1)
    checkpoint_seconds: float = Field(default=60.0, gt=0)
    oidc_issuer: str | None = None
    """The district's OpenID Connect provider (``iss`` of its tokens). Set, its bearer tokens
    are accepted beside Ambito's own; unset, only Ambito's."""
    oidc_audience: str | None = None
    """The ``aud`` the provider puts in tokens meant for Ambito (required with the issuer)."""
    oidc_jwks_url: str | None = None
    """The provider's JWKS endpoint (https; http only on the loopback). Exactly one of this and
    ``oidc_jwks_file``."""
    oidc_jwks_file: Path | None = None
    """The provider's key set as a JWKS file, re-read when it changes."""
    oidc_claim_username: str = Field(default="preferred_username", min_length=1)
    oidc_claim_role: str = Field(default="ambito_ruolo", min_length=1)
    oidc_claim_comuni: str = Field(default="ambito_comuni", min_length=1)
    """A list of Belfiore codes of the district's comuni."""
    oidc_claim_aree: str = Field(default="ambito_aree", min_length=1)
    oidc_claim_codice_fiscale: str = Field(default="ambito_codice_fiscale", min_length=1)
    """Optional in the token; SIUSS flows name the operator by it."""
    oidc_algorithms: Annotated[tuple[str, ...], NoDecode] = ("RS256", "ES256", "EdDSA")
    """Comma-separated; public-key algorithms only (never ``none``, never HS*)."""
    oidc_leeway_seconds: int = Field(default=30, ge=0, le=300)
    """Clock skew tolerated on ``exp``, ``nbf`` and ``iat``."""

    @field_validator("oidc_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        """A half-configured provider is a startup error, never a silently closed door."""
        sources = [s for s in (self.oidc_jwks_url, self.oidc_jwks_file) if s is not None]
        if self.oidc_issuer is None:
            if self.oidc_audience is not None or sources:
                raise ValueError("AMBITO_OIDC_ISSUER is required with the other AMBITO_OIDC_*")
            return self
        if self.oidc_issuer == "ambito":
            raise ValueError("AMBITO_OIDC_ISSUER cannot be 'ambito', Ambito's own issuer")
        if not self.oidc_audience:
            raise ValueError("AMBITO_OIDC_AUDIENCE is required with AMBITO_OIDC_ISSUER")
        if len(sources) != 1:
            raise ValueError(
                "exactly one of AMBITO_OIDC_JWKS_URL and AMBITO_OIDC_JWKS_FILE is required "
                "with AMBITO_OIDC_ISSUER"
            )
        if self.oidc_jwks_url is not None:
            url = urlparse(self.oidc_jwks_url)
            loopback = url.hostname in ("localhost", "127.0.0.1", "::1")
            if url.scheme != "https" and not (url.scheme == "http" and loopback):
                raise ValueError("AMBITO_OIDC_JWKS_URL must be https (http only on loopback)")
        refused = [alg for alg in self.oidc_algorithms if alg not in OIDC_ALGORITHMS]
        if refused or not self.oidc_algorithms:
            raise ValueError(
                "AMBITO_OIDC_ALGORITHMS: public-key algorithms only, among "
                + ", ".join(sorted(OIDC_ALGORITHMS))
            )
        if self.oidc_jwks_file is not None and not self.oidc_jwks_file.is_file():
            raise ValueError(f"AMBITO_OIDC_JWKS_FILE: no such file ({self.oidc_jwks_file})")
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        for origin in value if isinstance(value, tuple | list) else ():
            url = urlparse(str(origin))
            if url.scheme not in ("http", "https") or not url.hostname or url.path or url.query:
                raise ValueError(
                    "AMBITO_CORS_ORIGINS: origins as scheme://host[:port], comma-separated "
                    "(no '*', no path)"
                )
        return value

    @model_validator(mode="after")
    def _keys_outside_data(self) -> Settings:
        data, keys = self.data_dir.resolve(), self.key_dir.resolve()
        if keys == data or data in keys.parents:
            raise ValueError("AMBITO_KEY_DIR must lie outside AMBITO_DATA_DIR")
        return self

    def checkpoints_directory(self) -> Path:
        return self.checkpoint_dir or self.key_dir / "checkpoints"

    def ledger_database_url(self, service: str) -> str:
        if self.ledger_url:
            return self.ledger_url.replace("{service}", service)
        return sqlite_url(self.data_dir / f"{service}.sqlite")

    def keystore_database_url(self) -> str:
        return self.keystore_url or sqlite_url(self.data_dir / "keystore.sqlite")

    def views_database_url(self) -> str:
        return self.views_url or sqlite_url(self.data_dir / "views.sqlite")

    def identity_database_url(self) -> str:
        return self.identity_url or sqlite_url(self.data_dir / "identity.sqlite")
