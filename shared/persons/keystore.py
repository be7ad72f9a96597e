"""Per-person keys, blind indexes and erasure (crypto-shredding), in a store of their own.

Keys are stored wrapped (AES-GCM) by the district's key-encryption key, which lives only
in the key directory: a copy of this store reads nothing. Erasing a person destroys their
key and blind-index entries and leaves a tombstone, so that their events still load, with
their personal fields marked as erased.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Mapping, Sequence
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
from shared.persons.identita import CAMPI_IDENTIFICATIVI, valori_identificativi

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
identity_digests = Table(
    "identity_digests",
    metadata,
    Column("person_id", String(20), primary_key=True),
    Column("campo", String(20), primary_key=True),
    Column("digest", LargeBinary(32), nullable=False),
)
"""Per person, a keyed digest of each identifying field (``identita.CAMPI_IDENTIFICATIVI``),
salted with the person id: a returning codice fiscale is compared field by field without
any value kept in clear, and equal values of two people never meet on one digest."""
person_aliases = Table(
    "person_aliases",
    metadata,
    Column("alias_id", String(20), primary_key=True),
    Column("person_id", String(20), nullable=False, index=True),
)
"""An id whose record a coordinatore linked to another person (decision 0032): what was
written under the alias is that person's data too, so their erasure destroys the alias's key
as well."""

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


class CodiceFiscaleAltrui(KeyStoreError):
    """A rectification would give a person the codice fiscale another live person holds:
    refused, so that a correction never draws someone else's returning requests (whether the
    two records are one person is a coordinatore's decision, decision 0032)."""


class IdentitaDiscordante(KeyStoreError):
    """The codice fiscale is a known person's, but fields given on both sides disagree:
    nothing is linked and nothing recorded. ``campi`` names the fields, never a value."""

    def __init__(self, campi: Sequence[str]) -> None:
        super().__init__(", ".join(campi))
        self.campi = tuple(campi)


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
        sesso: str | None = None,
        luogo_nascita: str | None = None,
    ) -> None:
        """Records the blind indexes by which this person will be recognised, and the keyed
        digests of their identifying fields."""
        digests, valori = self._identificativi(
            codice_fiscale, nome, cognome, data_nascita, sesso, luogo_nascita
        )
        if digests or valori:
            retry_when_busy(
                lambda: self._index(person_id, digests, valori, claim=False, separata=False)
            )

    def claim(
        self,
        candidate: str,
        *,
        codice_fiscale: str | None = None,
        nome: str | None = None,
        cognome: str | None = None,
        data_nascita: date | None = None,
        sesso: str | None = None,
        luogo_nascita: str | None = None,
        separata: bool = False,
    ) -> str:
        """The id of the person these identifiers belong to, or ``candidate`` (then indexed
        under them), decided in one locked transaction: two requests about a new person at
        once get the same id.

        A codice fiscale links only to a person whose recorded name, surname, birth date, sex
        and birthplace agree with those given, wherever both sides have them (decision 0032):
        when it is known and no person holding it agrees, ``IdentitaDiscordante`` names the
        fields that disagree and nothing is written. ``separata`` records ``candidate`` apart
        all the same (a record flagged "codice fiscale da verificare"). By name and birth
        date only a single match counts (homonyms are never merged by guess)."""
        digests, valori = self._identificativi(
            codice_fiscale, nome, cognome, data_nascita, sesso, luogo_nascita
        )
        if not digests:
            return candidate
        return retry_when_busy(
            lambda: self._index(candidate, digests, valori, claim=True, separata=separata)
        )

    def rettifica(
        self,
        person_id: str,
        *,
        codice_fiscale: str | None = None,
        nome: str | None = None,
        cognome: str | None = None,
        data_nascita: date | None = None,
        sesso: str | None = None,
        luogo_nascita: str | None = None,
    ) -> None:
        """The person's data as rectified (GDPR art. 16) replaces what recognised them: their
        blind indexes and field digests are those of the corrected data from now on (a wrong
        codice fiscale no longer draws its rightful holder to them)."""
        digests, valori = self._identificativi(
            codice_fiscale, nome, cognome, data_nascita, sesso, luogo_nascita
        )

        retry_when_busy(
            lambda: self._index(
                person_id, digests, valori, claim=False, separata=False, replace=True
            )
        )

    def verifica_rettifica(self, person_id: str, codice_fiscale: str | None) -> None:
        """Refuses (``CodiceFiscaleAltrui``) a rectification that gives ``person_id`` a
        codice fiscale held by another live person and not already by them (a record kept
        apart under the same code may still be corrected in its other fields)."""
        if not codice_fiscale:
            return
        digest = blind_index.codice_fiscale_index(self._blind_index_key, codice_fiscale)
        holders = self._find(blind_index.CODICE_FISCALE, digest)
        if holders and person_id not in holders:
            raise CodiceFiscaleAltrui

    def collega(self, alias_id: str, person_id: str) -> None:
        """``alias_id``'s record was linked to ``person_id``: the alias no longer draws
        returning people (its blind indexes and field digests go), its key stays for what it
        holds, and it is erased with the person it now belongs to."""

        def write() -> None:
            with self._engines.writer.begin() as connection:
                self._lock(connection, alias_id)
                self._drop_identity(connection, alias_id)
                connection.execute(
                    self._insert_ignore(person_aliases).values(
                        alias_id=alias_id, person_id=person_id
                    )
                )

        retry_when_busy(write)

    def _aliases(self, connection: Connection, person_id: str) -> list[str]:
        """Every id linked to the person, directly or through another alias."""
        found: list[str] = []
        frontier = [person_id]
        while frontier:
            rows = connection.execute(
                select(person_aliases.c.alias_id).where(person_aliases.c.person_id.in_(frontier))
            ).all()
            frontier = [row.alias_id for row in rows if row.alias_id not in found]
            found += frontier
        return found

    def _drop_identity(self, connection: Connection, person_id: str) -> None:
        connection.execute(delete(blind_indexes).where(blind_indexes.c.person_id == person_id))
        connection.execute(
            delete(identity_digests).where(identity_digests.c.person_id == person_id)
        )

    def _identificativi(
        self,
        codice_fiscale: str | None,
        nome: str | None,
        cognome: str | None,
        data_nascita: date | None,
        sesso: str | None,
        luogo_nascita: str | None,
    ) -> tuple[list[tuple[str, bytes]], Mapping[str, str]]:
        """What recognises a person (their blind indexes) and what is compared field by
        field (their identifying values, normalised), from the same data."""
        valori = valori_identificativi(
            nome=nome,
            cognome=cognome,
            data_nascita=data_nascita,
            sesso=sesso,
            luogo_nascita=luogo_nascita,
        )
        return self._digests(codice_fiscale, nome, cognome, data_nascita), valori

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

    def _field_digest(self, person_id: str, campo: str, valore: str) -> bytes:
        return blind_index.field_digest(self._blind_index_key, person_id, campo, valore)

    def _index(
        self,
        candidate: str,
        digests: list[tuple[str, bytes]],
        valori: Mapping[str, str],
        *,
        claim: bool,
        separata: bool,
        replace: bool = False,
    ) -> str:
        """Chooses the person (``claim``) or takes ``candidate``, then indexes them, in one
        transaction; ``replace`` first drops what recognised them before."""
        with self._engines.writer.begin() as connection:
            for kind, digest in digests:  # always in this order: codice fiscale, then name
                self._lock(connection, f"{kind}:{digest.hex()}")
            chosen = self._match(connection, digests, valori) if claim and not separata else None
            chosen = chosen or candidate
            self._lock(connection, chosen)
            if self._is_erased(chosen, connection):
                raise PersonErasedError(chosen)
            if replace:
                self._drop_identity(connection, chosen)
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
            for campo, valore in valori.items():
                # a field the person had no digest of yet (recorded before decision 0032, or
                # first given now) is kept from now on; one they had is never overwritten
                connection.execute(
                    self._insert_ignore(identity_digests).values(
                        person_id=chosen,
                        campo=campo,
                        digest=self._field_digest(chosen, campo, valore),
                    )
                )
        return chosen

    def _match(
        self,
        connection: Connection,
        digests: list[tuple[str, bytes]],
        valori: Mapping[str, str],
    ) -> str | None:
        """Who these identifiers belong to. By codice fiscale, the first person holding it
        whose fields agree; none agreeing is ``IdentitaDiscordante`` (the fields of the
        closest). Otherwise by name and birth date a single match whose other fields agree,
        provided that person has no other codice fiscale (someone first seen without one who
        now brings it is recognised, a namesake with another codice fiscale is not)."""
        by_kind = dict(digests)
        name = by_kind.get(blind_index.NAME_AND_BIRTH_DATE)
        code = by_kind.get(blind_index.CODICE_FISCALE)
        if code is not None:
            found = self._people(connection, blind_index.CODICE_FISCALE, code)
            closest: list[str] | None = None
            for person_id in found:
                campi = self._discordanti(connection, person_id, valori, name)
                if not campi:
                    return person_id
                if closest is None or len(campi) < len(closest):
                    closest = campi
            if closest is not None:
                raise IdentitaDiscordante(closest)
        if name is None:
            return None
        found = self._people(connection, blind_index.NAME_AND_BIRTH_DATE, name)
        if len(found) != 1:
            return None
        if code is not None and self._has_codice_fiscale(connection, found[0]):
            return None
        if self._discordanti(connection, found[0], valori, name):
            return None
        return found[0]

    def _discordanti(
        self,
        connection: Connection,
        person_id: str,
        valori: Mapping[str, str],
        name: bytes | None,
    ) -> list[str]:
        """The fields given that disagree with the person's, among those both sides have. A
        person recorded before the field digests existed cannot be shown to agree: nome,
        cognome and data_nascita count as disagreeing, never a silent link (decision 0032).
        Not even their name-and-birth index vouches for them: before the digests, a silent
        link by codice fiscale wrote the wrongly linked claimant's name index onto the
        holder, so that index may well be someone else's."""
        rows = connection.execute(
            select(identity_digests.c.campo, identity_digests.c.digest).where(
                identity_digests.c.person_id == person_id
            )
        ).all()
        if not rows:
            return ["nome", "cognome", "data_nascita"]
        stored = {row.campo: bytes(row.digest) for row in rows}
        return [
            campo
            for campo in CAMPI_IDENTIFICATIVI
            if campo in valori
            and campo in stored
            and not hmac.compare_digest(
                stored[campo], self._field_digest(person_id, campo, valori[campo])
            )
        ]

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
        """Destroys the person's key, blind indexes and field digests, and those of every id
        linked to them (``collega``); their data becomes unreadable."""
        erased: list[str] = []

        def write() -> None:
            with self._engines.writer.begin() as connection:
                self._lock(connection, person_id)
                ids = [person_id, *self._aliases(connection, person_id)]
                for each in ids:
                    connection.execute(delete(person_keys).where(person_keys.c.person_id == each))
                    self._drop_identity(connection, each)
                    connection.execute(
                        self._insert_ignore(erasures).values(person_id=each, erased_at=_now())
                    )
                erased[:] = ids

        retry_when_busy(write)
        for each in erased:
            self._forget(each)

    def _insert_ignore(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        if self._engines.is_sqlite:
            return sqlite.insert(table).on_conflict_do_nothing()
        return postgresql.insert(table).on_conflict_do_nothing()


def _key_aad(person_id: str) -> bytes:
    return f"ambito.person-key\x00{person_id}".encode()


def _now() -> str:
    return datetime.now(UTC).isoformat()
