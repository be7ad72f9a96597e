"""Settings, from ``AMBITO_*`` environment variables (documented in README)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.db import sqlite_url

SERVICES = ("intake", "casework", "network", "reporting")
"""The four services, each with a ledger of its own."""


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
    checkpoint_dir: Path | None = None
    """Where signed checkpoints are appended. Unset: ``checkpoints/`` in the key directory
    (set it when the key directory is mounted read-only, e.g. from a Kubernetes Secret)."""
    checkpoint_every: int = Field(default=500, ge=1)
    checkpoint_seconds: float = Field(default=60.0, gt=0)

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
