"""Where ``Idempotency-Key`` answers are kept: a table in the identity and settings store.

Why there: it is the one database every serving process already opens in both run modes (a
SQLite file embedded, the district's shared PostgreSQL database otherwise), so two processes
of one service see the same keys; and, unlike the read-model database, nothing empties it on
a projection rebuild, which would let a retry record twice (decision 0035).

A row is reserved (inserted, primary key caller + key) before the request runs, and
completed with the answer afterwards; the insert is what decides which of two simultaneous
requests runs. What is kept says as little as possible: the key itself is not stored, only a
keyed hash of it; the request is a keyed hash of method, path, query and body; and the
answer's body (a 2xx of a command: ids, positions, versions; reads by ``POST`` such as
break-glass are never kept) is encrypted with a key derived from the client's own
``Idempotency-Key``, so that a copy of the database, even with the district's keys, cannot
read it back. Rows older than 24 hours are deleted by the next reservation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    select,
    text,
    update,
)

from shared.db import Engines, create_engines, dialect_insert, retry_when_busy

KEPT_SECONDS = 24 * 60 * 60
"""How long a key is remembered (the issue asks for at least 24 hours)."""
LEASE_SECONDS = 300.0
"""A reservation never completed (its process died mid-request) is taken over after this:
the key would otherwise answer 409 for a whole day. See decision 0035 for the risk."""

metadata = MetaData()
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("subject", String(255), primary_key=True),
    Column("key_digest", String(64), primary_key=True),
    Column("request_digest", String(64), nullable=False),
    Column("owner", String(32), nullable=False),
    Column("created_at", Float, nullable=False, index=True),
    Column("status", Integer, nullable=True),
    Column("headers", Text, nullable=True),
    Column("body", LargeBinary, nullable=True),
)

State = Literal["reserved", "completed", "in_progress", "mismatch"]


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Reservation:
    """What a reservation found: ``reserved`` (run the request, then ``complete`` or
    ``release`` with this ``owner``), ``completed`` (replay ``response``), ``in_progress``
    (another request with this key is running) or ``mismatch`` (the key was used for another
    request)."""

    state: State
    owner: str = ""
    response: StoredResponse | None = None


def derive_secret(district_key: bytes) -> bytes:
    """A key of its own for this table, derived from a district secret (HKDF), so that no
    new file is needed in existing key directories and no other use shares its bytes."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"ambito idempotency-key v1"
    ).derive(district_key)


class IdempotencyStore:
    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        clock: Callable[[], float] = time.time,
        kept_seconds: float = KEPT_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._engines: Engines = create_engines(url)
        self._secret = secret
        self._clock = clock
        self._kept = kept_seconds
        self._lease = lease_seconds
        retry_when_busy(self._create_table)

    def _create_table(self) -> None:
        """Every process of a district creates the table on start, possibly at one moment:
        on PostgreSQL they queue on an advisory lock (DDL is transactional there), SQLite's
        writer transactions are serial already."""
        with self._engines.writer.begin() as connection:
            if not self._engines.is_sqlite:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                    {"name": "ambito.idempotency"},
                )
            metadata.create_all(connection)

    def close(self) -> None:
        self._engines.dispose()

    def reserve(self, subject: str, key: str, request: bytes) -> Reservation:
        """Claims ``key`` for ``subject`` and this request, or says why it cannot."""
        key_digest = self._digest(b"key", subject, key)
        request_digest = self._digest(b"request", subject, request)
        owner = secrets.token_hex(16)

        def attempt() -> Reservation | None:
            now = self._clock()
            with self._engines.writer.begin() as connection:
                connection.execute(
                    delete(idempotency_keys).where(idempotency_keys.c.created_at < now - self._kept)
                )
                inserted = connection.execute(
                    dialect_insert(connection, idempotency_keys)
                    .values(
                        subject=subject,
                        key_digest=key_digest,
                        request_digest=request_digest,
                        owner=owner,
                        created_at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(idempotency_keys.c.owner)  # rowcount is -1 on psycopg
                )
                if inserted.first() is not None:
                    return Reservation("reserved", owner)
                return self._existing(connection, subject, key, key_digest, request_digest, now)

        while True:
            found = retry_when_busy(attempt)
            if found is not None:
                return found
            # the row was released between our insert and our read: claim it again

    def complete(
        self,
        subject: str,
        key: str,
        owner: str,
        status: int,
        headers: Sequence[tuple[str, str]],
        body: bytes,
    ) -> None:
        key_digest = self._digest(b"key", subject, key)
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._cipher(subject, key).encrypt(nonce, body, key_digest.encode())

        def attempt() -> None:
            with self._engines.writer.begin() as connection:
                connection.execute(
                    update(idempotency_keys)
                    .where(
                        idempotency_keys.c.subject == subject,
                        idempotency_keys.c.key_digest == key_digest,
                        idempotency_keys.c.owner == owner,
                    )
                    .values(status=status, headers=json.dumps(list(headers)), body=sealed)
                )

        retry_when_busy(attempt)

    def release(self, subject: str, key: str, owner: str) -> None:
        """Forgets a reservation whose answer is not to be replayed: a retry runs again."""
        key_digest = self._digest(b"key", subject, key)

        def attempt() -> None:
            with self._engines.writer.begin() as connection:
                connection.execute(
                    delete(idempotency_keys).where(
                        idempotency_keys.c.subject == subject,
                        idempotency_keys.c.key_digest == key_digest,
                        idempotency_keys.c.owner == owner,
                    )
                )

        retry_when_busy(attempt)

    def _existing(
        self,
        connection: Connection,
        subject: str,
        key: str,
        key_digest: str,
        request_digest: str,
        now: float,
    ) -> Reservation | None:
        row = connection.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.subject == subject,
                idempotency_keys.c.key_digest == key_digest,
            )
        ).one_or_none()
        if row is None:
            return None
        if not hmac.compare_digest(row.request_digest, request_digest):
            return Reservation("mismatch")
        if row.status is None:
            if row.created_at >= now - self._lease:
                return Reservation("in_progress")
            return self._take_over(connection, subject, key_digest, row.owner, now)
        nonce, sealed = row.body[:12], row.body[12:]
        body = self._cipher(subject, key).decrypt(nonce, sealed, key_digest.encode())
        headers = [(str(name), str(value)) for name, value in json.loads(row.headers)]
        return Reservation("completed", row.owner, StoredResponse(row.status, headers, body))

    def _take_over(
        self, connection: Connection, subject: str, key_digest: str, abandoned: str, now: float
    ) -> Reservation:
        """Takes over a reservation whose lease ended. Two requests can find the same
        abandoned row: only the one whose update still finds it under its old owner runs;
        the other one (its update matches no row: another process took the row, or it was
        released) finds the key in progress, and waits for the answer like any other."""
        owner = secrets.token_hex(16)
        taken = connection.execute(
            update(idempotency_keys)
            .where(
                idempotency_keys.c.subject == subject,
                idempotency_keys.c.key_digest == key_digest,
                idempotency_keys.c.owner == abandoned,
            )
            .values(owner=owner, created_at=now)
            .returning(idempotency_keys.c.owner)  # as the insert: the row taken, not a rowcount
        ).first()
        if taken is None:
            return Reservation("in_progress")
        return Reservation("reserved", owner)

    def _digest(self, purpose: bytes, subject: str, value: str | bytes) -> str:
        data = value.encode() if isinstance(value, str) else value
        message = b"\x00".join((purpose, subject.encode(), data))
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _cipher(self, subject: str, key: str) -> AESGCM:
        material = b"\x00".join((b"response", subject.encode(), key.encode()))
        return AESGCM(hmac.new(self._secret, material, hashlib.sha256).digest())
