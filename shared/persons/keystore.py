"""Per-person keys, blind indexes and erasure (crypto-shredding), in a store of their own.

Keys are stored wrapped (AES-GCM) by the district's key-encryption key, which lives only
in the key directory: a copy of this store reads nothing. Erasing a person destroys their
key and blind-index entries and leaves a tombstone, so that their events still load, with
their personal fields marked as erased.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Connection,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from shared.db import Engines, create_engines, retry_when_busy
from shared.persons import blind_index

metadata = MetaData()
person_keys = Table(
    "person_keys",
    metadata,
    Column("person_id", String(20), primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", String(40), nullable=False),
)
blind_indexes = Table(
    "blind_indexes",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("digest", LargeBinary(32), primary_key=True),
    Column("person_id", String(20), primary_key=True),
)
erasures = Table(
    "erasures",
    metadata,
    Column("person_id", String(20), primary_key=True),
    Column("erased_at", String(40), nullable=False),
)

KEY_CACHE_SECONDS = 30.0
"""How long another process may still decrypt with a key after an erasure elsewhere."""


class KeyStoreError(Exception):
    pass


class PersonErasedError(KeyStoreError):
    """The person was erased: nothing new may be written about them under that id."""


class UnknownPersonError(KeyStoreError):
    """No key and no erasure for this person: the key store does not match the ledger."""


@dataclass(frozen=True)
class PersonKey:
    person_id: str
    key: bytes | None
    """None once the person has been erased."""


class KeyStore:
    def __init__(
        self,
        url: str,
        key_encryption_key: bytes,
        blind_index_key: bytes,
        *,
        cache_seconds: float = KEY_CACHE_SECONDS,
    ) -> None:
        self._engines: Engines = create_engines(url)
        self._cache_seconds = cache_seconds
        self._kek = AESGCM(key_encryption_key)
        self._blind_index_key = blind_index_key
        self._cache: dict[str, tuple[float, PersonKey]] = {}
        self._cache_lock = threading.Lock()
        metadata.create_all(self._engines.writer)

    @property
    def url(self) -> str:
        return self._engines.writer.url.render_as_string(hide_password=False)

    def close(self) -> None:
        self._engines.dispose()

    # keys

    def key_for_writing(self, person_id: str) -> bytes:
        """The person's key, created on first use (one transaction); refuses an erased person."""
        with self._cache_lock:
            cached = self._cache.get(person_id)
        if cached and cached[0] > time.monotonic() and cached[1].key is not None:
            return cached[1].key
        wrapped = retry_when_busy(lambda: self._get_or_create(person_id))
        result = PersonKey(person_id, self._unwrap(person_id, wrapped))
        with self._cache_lock:
            self._cache[person_id] = (time.monotonic() + self._cache_seconds, result)
        assert result.key is not None
        return result.key

    def _lock(self, connection: Connection, name: str) -> None:
        """Serialises the writers of one person (or one identifier) until commit. SQLite's
        writer transactions are serial already (BEGIN IMMEDIATE); PostgreSQL takes an
        advisory lock. Locks are taken identifier first, person second, never the reverse."""
        if not self._engines.is_sqlite:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"ambito.person:{name}"},
            )

    def _get_or_create(self, person_id: str) -> bytes:
        with self._engines.writer.begin() as connection:
            self._lock(connection, person_id)
            if self._is_erased(person_id, connection):
                raise PersonErasedError(person_id)
            connection.execute(
                self._insert_ignore(person_keys).values(
                    person_id=person_id,
                    wrapped_key=self._wrap(person_id, os.urandom(32)),
                    created_at=_now(),
                )
            )
            wrapped = connection.execute(
                select(person_keys.c.wrapped_key).where(person_keys.c.person_id == person_id)
            ).scalar_one()
        return bytes(wrapped)

    def lookup(self, person_id: str) -> PersonKey:
        """The person's key, ``key=None`` if erased; UnknownPersonError if never known."""
        now = time.monotonic()
        with self._cache_lock:
            cached = self._cache.get(person_id)
        if cached and cached[0] > now:
            return cached[1]
        with self._engines.reader.connect() as connection:
            erased = self._is_erased(person_id, connection)
            row = connection.execute(
                select(person_keys.c.wrapped_key).where(person_keys.c.person_id == person_id)
            ).first()
        if erased:  # a tombstone is final, whatever else the store holds
            result = PersonKey(person_id, None)
        elif row is not None:
            result = PersonKey(person_id, self._unwrap(person_id, row.wrapped_key))
        else:
            raise UnknownPersonError(person_id)
        with self._cache_lock:
            self._cache[person_id] = (now + self._cache_seconds, result)
        return result

    def _wrap(self, person_id: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._kek.encrypt(nonce, key, _key_aad(person_id))

    def _unwrap(self, person_id: str, wrapped: bytes) -> bytes:
        try:
            return self._kek.decrypt(wrapped[:12], wrapped[12:], _key_aad(person_id))
        except InvalidTag:
            raise KeyStoreError(
                "a person key does not open with this key-encryption key: "
                "wrong key directory, or a tampered key store"
            ) from None

    def is_erased(self, person_id: str) -> bool:
        """Whether the person was erased: nothing new may be recorded about them."""
        return self._is_erased(person_id)

    def _is_erased(self, person_id: str, connection: Connection | None = None) -> bool:
        query = select(erasures.c.person_id).where(erasures.c.person_id == person_id)
        if connection is not None:
            return connection.execute(query).first() is not None
        with self._engines.reader.connect() as own:
            return own.execute(query).first() is not None

    def _forget(self, person_id: str) -> None:
        with self._cache_lock:
            self._cache.pop(person_id, None)

    # returning persons

    def remember(
        self,
        person_id: str,
        *,
        codice_fiscale: str | None = None,
        nome: str | None = None,
        cognome: str | None = None,
        data_nascita: date | None = None,
    ) -> None:
        """Records the blind indexes by which this person will be recognised."""
        digests = self._digests(codice_fiscale, nome, cognome, data_nascita)
        if digests:
            retry_when_busy(lambda: self._index(person_id, digests, claim=False))

    def claim(
        self,
        candidate: str,
        *,
        codice_fiscale: str | None = None,
        nome: str | None = None,
        cognome: str | None = None,
        data_nascita: date | None = None,
    ) -> str:
        """The id of the person these identifiers belong to, or ``candidate`` (then indexed
        under them), decided in one locked transaction: two requests about a new person at
        once get the same id. By codice fiscale the earliest match wins; by name and birth
        date only a single match counts (homonyms are never merged by guess)."""
        digests = self._digests(codice_fiscale, nome, cognome, data_nascita)
        if not digests:
            return candidate
        return retry_when_busy(lambda: self._index(candidate, digests, claim=True))

    def _digests(
        self,
        codice_fiscale: str | None,
        nome: str | None,
        cognome: str | None,
        data_nascita: date | None,
    ) -> list[tuple[str, bytes]]:
        digests = []
        if codice_fiscale:
            digest = blind_index.codice_fiscale_index(self._blind_index_key, codice_fiscale)
            digests.append((blind_index.CODICE_FISCALE, digest))
        if nome and cognome and data_nascita:
            digest = blind_index.name_index(self._blind_index_key, nome, cognome, data_nascita)
            digests.append((blind_index.NAME_AND_BIRTH_DATE, digest))
        return digests

    def _index(self, candidate: str, digests: list[tuple[str, bytes]], *, claim: bool) -> str:
        with self._engines.writer.begin() as connection:
            for kind, digest in digests:  # always in this order: codice fiscale, then name
                self._lock(connection, f"{kind}:{digest.hex()}")
            chosen = self._match(connection, digests) if claim else None
            chosen = chosen or candidate
            self._lock(connection, chosen)
            if self._is_erased(chosen, connection):
                raise PersonErasedError(chosen)
            connection.execute(
                self._insert_ignore(person_keys).values(
                    person_id=chosen,
                    wrapped_key=self._wrap(chosen, os.urandom(32)),
                    created_at=_now(),
                )
            )
            for each_kind, each_digest in digests:
                connection.execute(
                    self._insert_ignore(blind_indexes).values(
                        kind=each_kind, digest=each_digest, person_id=chosen
                    )
                )
        return chosen

    def _match(self, connection: Connection, digests: list[tuple[str, bytes]]) -> str | None:
        """Who these identifiers belong to: by codice fiscale the earliest match; otherwise by
        name and birth date a single match, provided that person has no other codice fiscale
        (someone first seen without one who now brings it is recognised, a namesake with
        another codice fiscale is not)."""
        by_kind = dict(digests)
        code = by_kind.get(blind_index.CODICE_FISCALE)
        if code is not None:
            found = self._people(connection, blind_index.CODICE_FISCALE, code)
            if found:
                return found[0]
        name = by_kind.get(blind_index.NAME_AND_BIRTH_DATE)
        if name is None:
            return None
        found = self._people(connection, blind_index.NAME_AND_BIRTH_DATE, name)
        if len(found) != 1:
            return None
        if code is not None and self._has_codice_fiscale(connection, found[0]):
            return None
        return found[0]

    def _people(self, connection: Connection, kind: str, digest: bytes) -> list[str]:
        rows = connection.execute(
            select(blind_indexes.c.person_id)
            .where(blind_indexes.c.kind == kind, blind_indexes.c.digest == digest)
            .order_by(blind_indexes.c.person_id)
        )
        return [row.person_id for row in rows]

    def _has_codice_fiscale(self, connection: Connection, person_id: str) -> bool:
        row = connection.execute(
            select(blind_indexes.c.person_id)
            .where(
                blind_indexes.c.person_id == person_id,
                blind_indexes.c.kind == blind_index.CODICE_FISCALE,
            )
            .limit(1)
        ).first()
        return row is not None

    def find_by_codice_fiscale(self, codice_fiscale: str) -> list[str]:
        digest = blind_index.codice_fiscale_index(self._blind_index_key, codice_fiscale)
        return self._find(blind_index.CODICE_FISCALE, digest)

    def find_by_name(self, nome: str, cognome: str, data_nascita: date) -> list[str]:
        digest = blind_index.name_index(self._blind_index_key, nome, cognome, data_nascita)
        return self._find(blind_index.NAME_AND_BIRTH_DATE, digest)

    def _find(self, kind: str, digest: bytes) -> list[str]:
        with self._engines.reader.connect() as connection:
            rows = connection.execute(
                select(blind_indexes.c.person_id)
                .where(blind_indexes.c.kind == kind, blind_indexes.c.digest == digest)
                .order_by(blind_indexes.c.person_id)
            )
            return [row.person_id for row in rows]

    # erasure

    def erase(self, person_id: str) -> None:
        """Destroys the person's key and blind indexes; their data becomes unreadable."""

        def write() -> None:
            with self._engines.writer.begin() as connection:
                self._lock(connection, person_id)
                connection.execute(delete(person_keys).where(person_keys.c.person_id == person_id))
                connection.execute(
                    delete(blind_indexes).where(blind_indexes.c.person_id == person_id)
                )
                connection.execute(
                    self._insert_ignore(erasures).values(person_id=person_id, erased_at=_now())
                )

        retry_when_busy(write)
        self._forget(person_id)

    def _insert_ignore(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        if self._engines.is_sqlite:
            return sqlite.insert(table).on_conflict_do_nothing()
        return postgresql.insert(table).on_conflict_do_nothing()


def _key_aad(person_id: str) -> bytes:
    return f"ambito.person-key\x00{person_id}".encode()


def _now() -> str:
    return datetime.now(UTC).isoformat()
