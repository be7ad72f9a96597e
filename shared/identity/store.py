"""The identity and settings store: users, integration clients, the district's settings.

One database read by every service (a SQLite file in embedded mode, PostgreSQL in district
mode; design section 5). Passwords and client secrets are kept only as argon2id hashes.
Every change is written with an append-only audit row naming who made it, in the same
transaction; the audit never holds a password or a secret.

All writes are serialised (SQLite's IMMEDIATE writer transactions, a PostgreSQL advisory
lock), so rules that look at other rows, such as "not the last active amministratore" or
"no comune still assigned", cannot be raced past.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from argon2 import PasswordHasher
from codicefiscale import codicefiscale
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    ForeignKey,
    Integer,
    Label,
    MetaData,
    Row,
    String,
    Table,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from shared import codes
from shared.db import Engines, create_engines, retry_when_busy
from shared.identity import passwords
from shared.identity.models import (
    ROLES,
    ROLES_WITHOUT_COMUNE,
    AuditEntry,
    Client,
    Comune,
    DistrictSettings,
    IdentityError,
    Role,
    User,
)
from shared.identity.registers import comune_from_registers, normalise_belfiore

__all__ = ["IdentityError", "IdentityStore"]

T = TypeVar("T")

SETTINGS_CACHE_SECONDS = 30.0
"""How long another process's change to the district's settings may take to be seen here."""
MIN_PASSWORD_LENGTH = 12
MAX_ABITANTI = 5_000_000
IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
SCOPE = re.compile(r"[a-z][a-z0-9:._-]{0,63}")
SYSTEM_ACTOR = "system"
"""Actor of the changes the store makes by itself (a rehash at login)."""

metadata = MetaData()
district_settings = Table(
    "identity_district",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("nome", String(200), nullable=False),
    Column("demo", Boolean, nullable=False),
    CheckConstraint("id = 1", name="identity_district_single_row"),
)
comuni = Table(
    "identity_comuni",
    metadata,
    Column("belfiore", String(4), primary_key=True),
    Column("istat", String(6), nullable=False, unique=True),
    Column("nome", String(200), nullable=False),
    Column("regione", String(100), nullable=False),
    Column("abitanti", Integer, nullable=False),
)
users = Table(
    "identity_users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(30), nullable=False),
    Column("codice_fiscale", String(16), nullable=False),
    Column("nome", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("demo", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
)
user_comuni = Table(
    "identity_user_comuni",
    metadata,
    Column("username", String(64), ForeignKey(users.c.username), primary_key=True),
    Column("belfiore", String(4), ForeignKey(comuni.c.belfiore), primary_key=True, index=True),
)
user_aree = Table(
    "identity_user_aree",
    metadata,
    Column("username", String(64), ForeignKey(users.c.username), primary_key=True),
    Column("area", String(10), primary_key=True),
)
clients = Table(
    "identity_clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("secret_hash", String(255), nullable=False),
    Column("nome", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("demo", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
)
client_scopes = Table(
    "identity_client_scopes",
    metadata,
    Column("client_id", String(64), ForeignKey(clients.c.client_id), primary_key=True),
    Column("scope", String(64), primary_key=True),
)
audit_log = Table(
    "identity_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(64), nullable=False),
)

# The audit is append-only in the database too, so that a slip in later code cannot rewrite
# it (whoever owns the database can still drop these: that is what backups are for).
APPEND_ONLY = {
    "sqlite": [
        f"CREATE TRIGGER identity_audit_no_{operation} BEFORE {operation.upper()} "
        "ON identity_audit BEGIN SELECT RAISE(ABORT, 'identity_audit is append-only'); END"
        for operation in ("update", "delete")
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION identity_audit_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'identity_audit is append-only'; END $$",
        "CREATE TRIGGER identity_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON identity_audit FOR EACH STATEMENT EXECUTE FUNCTION identity_audit_append_only()",
    ],
}


@event.listens_for(audit_log, "after_create")
def _make_audit_append_only(_table: Table, connection: Connection, **_kw: object) -> None:
    for statement in APPEND_ONLY.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


class IdentityStore:
    def __init__(
        self,
        url: str,
        *,
        password_hasher: PasswordHasher | None = None,
        settings_cache_seconds: float = SETTINGS_CACHE_SECONDS,
    ) -> None:
        self._engines: Engines = create_engines(url)
        self._hasher = passwords.check_hasher(password_hasher or passwords.DEFAULT_HASHER)
        self._cache_seconds = settings_cache_seconds
        self._lock = threading.Lock()
        self._district: tuple[float, DistrictSettings] | None = None
        self._generation = 0
        self._dummy_hash: str | None = None
        metadata.create_all(self._engines.writer)
        retry_when_busy(self._ensure_district_row)

    @property
    def url(self) -> str:
        return self._engines.writer.url.render_as_string(hide_password=False)

    def close(self) -> None:
        self._engines.dispose()

    # the district's settings

    def district(self) -> DistrictSettings:
        """The settings, from memory: dropped on every change made through this store, and
        after ``settings_cache_seconds`` so that other processes' changes arrive too."""
        now = time.monotonic()
        with self._lock:
            if self._district is not None and self._district[0] > now:
                return self._district[1]
            generation = self._generation
        with self._engines.reader.connect() as connection:
            settings = _read_district(connection)
        with self._lock:
            if generation == self._generation:  # no change landed while we were reading
                self._district = (now + self._cache_seconds, settings)
        return settings

    def set_district_name(self, nome: str, *, actor: str) -> None:
        nome = _text("nome", nome)
        actor = _actor(actor)

        def change(connection: Connection) -> None:
            connection.execute(
                update(district_settings).where(district_settings.c.id == 1).values(nome=nome)
            )
            _audit(connection, actor, "district.set_name", "district")

        self._write(change)

    def add_comune(self, belfiore: str, abitanti: int, *, actor: str) -> Comune:
        """Adds a comune whose name, ISTAT code and region come from the national registers."""
        entry = comune_from_registers(belfiore)
        comune = Comune(
            belfiore=normalise_belfiore(belfiore),
            istat=entry.istat,
            nome=entry.nome,
            regione=entry.regione,
            abitanti=_abitanti(abitanti),
        )
        actor = _actor(actor)

        def change(connection: Connection) -> Comune:
            present = _read_comuni(connection)
            if any(other.belfiore == comune.belfiore for other in present):
                raise IdentityError("belfiore", "comune già presente nell'ambito")
            regioni = {other.regione for other in present}
            if regioni and comune.regione not in regioni:
                # an ambito territoriale is drawn by its region (L. 328/2000, art. 8)
                raise IdentityError(
                    "belfiore",
                    f"comune della regione {comune.regione}, "
                    f"l'ambito è in {', '.join(sorted(regioni))}",
                )
            connection.execute(
                insert(comuni).values(
                    belfiore=comune.belfiore,
                    istat=comune.istat,
                    nome=comune.nome,
                    regione=comune.regione,
                    abitanti=comune.abitanti,
                )
            )
            _audit(connection, actor, "district.add_comune", comune.belfiore)
            return comune

        return self._write(change)

    def set_abitanti(self, belfiore: str, abitanti: int, *, actor: str) -> Comune:
        code = normalise_belfiore(belfiore)
        value = _abitanti(abitanti)
        actor = _actor(actor)

        def change(connection: Connection) -> Comune:
            result = connection.execute(
                update(comuni).where(comuni.c.belfiore == code).values(abitanti=value)
            )
            if result.rowcount == 0:
                raise IdentityError("belfiore", "comune non presente nell'ambito")
            _audit(connection, actor, "district.set_abitanti", code)
            row = connection.execute(select(comuni).where(comuni.c.belfiore == code)).one()
            return _comune(row)

        return self._write(change)

    def remove_comune(self, belfiore: str, *, actor: str) -> None:
        """Refused while any user, active or not, still has the comune."""
        code = normalise_belfiore(belfiore)
        actor = _actor(actor)

        def change(connection: Connection) -> None:
            holders = connection.scalars(
                select(user_comuni.c.username)
                .where(user_comuni.c.belfiore == code)
                .order_by(user_comuni.c.username)
            ).all()
            if holders:
                raise IdentityError(
                    "belfiore", f"comune ancora assegnato agli utenti {', '.join(holders)}"
                )
            result = connection.execute(delete(comuni).where(comuni.c.belfiore == code))
            if result.rowcount == 0:
                raise IdentityError("belfiore", "comune non presente nell'ambito")
            _audit(connection, actor, "district.remove_comune", code)

        self._write(change)

    def set_demo(self, demo: bool, *, actor: str) -> None:
        """Turning the flag on is refused once the district has real (non-demo) accounts:
        it would let demo passwords into a working district."""
        actor = _actor(actor)

        def change(connection: Connection) -> None:
            current = connection.scalar(
                select(district_settings.c.demo).where(district_settings.c.id == 1)
            )
            if bool(current) == demo:
                return
            if demo:
                real_users = connection.scalar(
                    select(func.count()).select_from(users).where(users.c.demo.is_(False))
                )
                real_clients = connection.scalar(
                    select(func.count()).select_from(clients).where(clients.c.demo.is_(False))
                )
                if real_users or real_clients:
                    raise IdentityError(
                        "demo",
                        "l'ambito ha già utenze reali: un ambito demo nasce in una "
                        "cartella dati vuota",
                    )
            connection.execute(
                update(district_settings).where(district_settings.c.id == 1).values(demo=demo)
            )
            _audit(
                connection, actor, "district.demo_on" if demo else "district.demo_off", "district"
            )

        self._write(change)

    # users

    def add_user(
        self,
        username: str,
        password: str,
        *,
        role: Role,
        codice_fiscale: str,
        nome: str,
        comuni: Sequence[str],
        aree: Sequence[str] = (),
        demo: bool = False,
        actor: str,
    ) -> User:
        username = _identifier("username", username)
        if role not in ROLES:
            raise IdentityError("role", f"ruolo sconosciuto (ammessi: {', '.join(ROLES)})")
        codice_fiscale = _codice_fiscale(codice_fiscale)
        nome = _text("nome", nome)
        belfiori = _comuni_codes(comuni)
        area_codes = _aree(aree)
        if role == "assistente_sociale" and not area_codes:
            raise IdentityError("aree", "l'assistente sociale deve avere almeno un'area")
        if role not in ROLES_WITHOUT_COMUNE and not belfiori:
            raise IdentityError("comuni", f"il ruolo {role} richiede almeno un comune")
        password_hash = self._new_hash("password", password, demo=demo)
        actor = _actor(actor)
        user = User(
            username=username,
            role=role,
            codice_fiscale=codice_fiscale,
            nome=nome,
            comuni=tuple(sorted(code for _, code in belfiori)),
            aree=tuple(sorted(area_codes)),
            active=True,
            demo=demo,
        )

        def change(connection: Connection) -> User:
            if connection.scalar(select(users.c.username).where(users.c.username == username)):
                raise IdentityError("username", "utente già esistente")
            if connection.scalar(
                select(clients.c.client_id).where(clients.c.client_id == username)
            ):
                raise IdentityError("username", "nome già usato da un client di integrazione")
            district = _read_district(connection)
            for index, code in belfiori:
                if district.comune(code) is None:
                    raise IdentityError(f"comuni[{index}]", "comune non appartenente all'ambito")
            if demo and not district.demo:
                raise IdentityError("demo", "account dimostrativi ammessi solo in un ambito demo")
            connection.execute(
                insert(users).values(
                    username=username,
                    password_hash=password_hash,
                    role=role,
                    codice_fiscale=codice_fiscale,
                    nome=nome,
                    active=True,
                    demo=demo,
                    created_at=_now(),
                )
            )
            if user.comuni:
                connection.execute(
                    insert(user_comuni),
                    [{"username": username, "belfiore": code} for code in user.comuni],
                )
            if user.aree:
                connection.execute(
                    insert(user_aree), [{"username": username, "area": area} for area in user.aree]
                )
            _audit(connection, actor, "user.add", username)
            return user

        return self._write(change)

    def set_user_active(self, username: str, active: bool, *, actor: str) -> User:
        """Disabling takes effect on the user's next request (``is_active``). The last active
        amministratore cannot be disabled: nobody could then manage the district."""
        actor = _actor(actor)

        def change(connection: Connection) -> None:
            row = connection.execute(
                select(users.c.role, users.c.active).where(users.c.username == username)
            ).first()
            if row is None:
                raise IdentityError("username", "utente sconosciuto")
            if bool(row.active) == active:
                return
            if not active and row.role == "amministratore":
                others = connection.scalar(
                    select(func.count())
                    .select_from(users)
                    .where(
                        users.c.role == "amministratore",
                        users.c.active.is_(True),
                        users.c.username != username,
                    )
                )
                if not others:
                    raise IdentityError("active", "è l'ultimo amministratore attivo")
            connection.execute(
                update(users).where(users.c.username == username).values(active=active)
            )
            _audit(connection, actor, "user.enable" if active else "user.disable", username)

        self._write(change)
        user = self.get_user(username)
        assert user is not None
        return user

    def set_password(self, username: str, password: str, *, actor: str) -> None:
        existing = self.get_user(username)
        if existing is None:
            raise IdentityError("username", "utente sconosciuto")
        password_hash = self._new_hash("password", password, demo=existing.demo)
        actor = _actor(actor)

        def change(connection: Connection) -> None:
            result = connection.execute(
                update(users)
                .where(users.c.username == username)
                .values(password_hash=password_hash)
            )
            if result.rowcount == 0:
                raise IdentityError("username", "utente sconosciuto")
            _audit(connection, actor, "user.set_password", username)

        self._write(change)

    def get_user(self, username: str) -> User | None:
        with self._engines.reader.connect() as connection:
            found = _read_users(connection, username)
        return found[0] if found else None

    def users(self) -> list[User]:
        """Every user, active or not, by username."""
        with self._engines.reader.connect() as connection:
            return _read_users(connection)

    def authenticate_user(self, username: str, password: str) -> User | None:
        """The user, if the password is right and the account may log in now: None when
        unknown, wrong password, inactive, or a demo account in a district whose demo flag
        is off. Always spends one argon2 verification, so timing does not tell whether a
        username exists."""
        if not password or len(password) > passwords.MAX_LENGTH:
            return None
        row = self._credentials(users, users.c.username, users.c.password_hash, username)
        if not self._verify(row, password):
            return None
        assert row is not None
        if not _may_log_in(row):
            return None
        self._rehash_if_needed(users, users.c.username, users.c.password_hash, row, password)
        return self.get_user(username)

    # integration clients

    def add_client(
        self,
        client_id: str,
        secret: str,
        *,
        nome: str,
        scopes: Sequence[str],
        demo: bool = False,
        actor: str,
    ) -> Client:
        client_id = _identifier("client_id", client_id)
        nome = _text("nome", nome)
        scope_list = _scopes(scopes)
        secret_hash = self._new_hash("secret", secret, demo=demo)
        actor = _actor(actor)
        client = Client(client_id=client_id, nome=nome, scopes=scope_list, active=True, demo=demo)

        def change(connection: Connection) -> Client:
            if connection.scalar(
                select(clients.c.client_id).where(clients.c.client_id == client_id)
            ):
                raise IdentityError("client_id", "client già esistente")
            if connection.scalar(select(users.c.username).where(users.c.username == client_id)):
                raise IdentityError("client_id", "nome già usato da un utente")
            if demo and not _read_district(connection).demo:
                raise IdentityError("demo", "client dimostrativi ammessi solo in un ambito demo")
            connection.execute(
                insert(clients).values(
                    client_id=client_id,
                    secret_hash=secret_hash,
                    nome=nome,
                    active=True,
                    demo=demo,
                    created_at=_now(),
                )
            )
            connection.execute(
                insert(client_scopes),
                [{"client_id": client_id, "scope": scope} for scope in scope_list],
            )
            _audit(connection, actor, "client.add", client_id)
            return client

        return self._write(change)

    def set_client_active(self, client_id: str, active: bool, *, actor: str) -> Client:
        """Disabling takes effect on the client's next request (``is_active``)."""
        actor = _actor(actor)

        def change(connection: Connection) -> None:
            current = connection.scalar(
                select(clients.c.active).where(clients.c.client_id == client_id)
            )
            if current is None:
                raise IdentityError("client_id", "client sconosciuto")
            if bool(current) == active:
                return
            connection.execute(
                update(clients).where(clients.c.client_id == client_id).values(active=active)
            )
            _audit(connection, actor, "client.enable" if active else "client.disable", client_id)

        self._write(change)
        client = self.get_client(client_id)
        assert client is not None
        return client

    def get_client(self, client_id: str) -> Client | None:
        with self._engines.reader.connect() as connection:
            found = _read_clients(connection, client_id)
        return found[0] if found else None

    def clients(self) -> list[Client]:
        """Every integration client, active or not, by id."""
        with self._engines.reader.connect() as connection:
            return _read_clients(connection)

    def authenticate_client(self, client_id: str, secret: str) -> Client | None:
        """The client, by the same rules as ``authenticate_user``."""
        if not secret or len(secret) > passwords.MAX_LENGTH:
            return None
        row = self._credentials(clients, clients.c.client_id, clients.c.secret_hash, client_id)
        if not self._verify(row, secret):
            return None
        assert row is not None
        if not _may_log_in(row):
            return None
        self._rehash_if_needed(clients, clients.c.client_id, clients.c.secret_hash, row, secret)
        return self.get_client(client_id)

    # every request

    def is_active(self, subject: str, *, client: bool) -> bool:
        """Whether a token's subject may still act: active, and not a demo account in a
        district whose demo flag is off. One primary-key lookup."""
        table, key = (clients, clients.c.client_id) if client else (users, users.c.username)
        with self._engines.reader.connect() as connection:
            row = connection.execute(
                select(table.c.active, table.c.demo, _district_demo()).where(key == subject)
            ).first()
        return row is not None and _may_log_in(row)

    # audit

    def audit(self) -> list[AuditEntry]:
        """Every change, oldest first."""
        with self._engines.reader.connect() as connection:
            rows = connection.execute(select(audit_log).order_by(audit_log.c.id))
            return [
                AuditEntry(at=row.at, actor=row.actor, action=row.action, subject=row.subject)
                for row in rows
            ]

    # internals

    def _ensure_district_row(self) -> None:
        with self._engines.writer.begin() as connection:
            connection.execute(
                self._insert_ignore(district_settings).values(id=1, nome="", demo=False)
            )

    def _write(self, change: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            with self._engines.writer.begin() as connection:
                if not self._engines.is_sqlite:  # SQLite's IMMEDIATE transactions are serial
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(hashtext('ambito.identity'))")
                    )
                return change(connection)

        try:
            return retry_when_busy(attempt)
        finally:
            with self._lock:
                self._district = None
                self._generation += 1

    def _new_hash(self, field: str, password: str, *, demo: bool) -> str:
        """Hashes a new password or secret after checking its length; demo accounts may
        use a short one ("demo"), since they authenticate only in a demo district."""
        if not isinstance(password, str) or not password:
            raise IdentityError(field, "obbligatoria")
        if len(password) > passwords.MAX_LENGTH:
            raise IdentityError(field, f"al massimo {passwords.MAX_LENGTH} caratteri")
        if not demo and len(password) < MIN_PASSWORD_LENGTH:
            raise IdentityError(field, f"almeno {MIN_PASSWORD_LENGTH} caratteri")
        return passwords.hash(password, self._hasher)

    def _credentials(
        self, table: Table, key: Column[str], hash_column: Column[str], subject: str
    ) -> Row[tuple[str, str, bool, bool, bool]] | None:
        with self._engines.reader.connect() as connection:
            return connection.execute(
                select(
                    key.label("subject"),
                    hash_column.label("stored_hash"),
                    table.c.active,
                    table.c.demo,
                    _district_demo(),
                ).where(key == subject)
            ).first()

    def _verify(self, row: Row[tuple[str, str, bool, bool, bool]] | None, password: str) -> bool:
        if row is None:  # spend the same work as for a real account
            passwords.verify(self._dummy(), password, self._hasher)
            return False
        return passwords.verify(row.stored_hash, password, self._hasher)

    def _dummy(self) -> str:
        with self._lock:
            if self._dummy_hash is None:
                self._dummy_hash = passwords.hash(secrets.token_urlsafe(16), self._hasher)
            return self._dummy_hash

    def _rehash_if_needed(
        self,
        table: Table,
        key: Column[str],
        hash_column: Column[str],
        row: Row[tuple[str, str, bool, bool, bool]],
        password: str,
    ) -> None:
        """Brings a hash made with older parameters up to the current ones, unless the
        password changed meanwhile."""
        if not passwords.needs_rehash(row.stored_hash, self._hasher):
            return
        fresh = passwords.hash(password, self._hasher)

        def change(connection: Connection) -> None:
            result = connection.execute(
                update(table)
                .where(key == row.subject, hash_column == row.stored_hash)
                .values({hash_column.name: fresh})
            )
            if result.rowcount:
                action = "client.rehash" if table is clients else "user.rehash"
                _audit(connection, SYSTEM_ACTOR, action, row.subject)

        self._write(change)

    def _insert_ignore(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        if self._engines.is_sqlite:
            return sqlite.insert(table).on_conflict_do_nothing()
        return postgresql.insert(table).on_conflict_do_nothing()


# reading


def _district_demo() -> Label[bool]:
    return (
        select(district_settings.c.demo)
        .where(district_settings.c.id == 1)
        .scalar_subquery()
        .label("district_demo")
    )


def _may_log_in(row: Row[tuple[bool, bool, bool]] | Row[tuple[str, str, bool, bool, bool]]) -> bool:
    return bool(row.active) and (not row.demo or bool(row.district_demo))


def _read_district(connection: Connection) -> DistrictSettings:
    row = connection.execute(
        select(district_settings.c.nome, district_settings.c.demo).where(
            district_settings.c.id == 1
        )
    ).first()
    nome, demo = (row.nome, bool(row.demo)) if row is not None else ("", False)
    return DistrictSettings(nome=nome, demo=demo, comuni=tuple(_read_comuni(connection)))


def _read_comuni(connection: Connection) -> list[Comune]:
    rows = connection.execute(select(comuni).order_by(comuni.c.nome, comuni.c.belfiore))
    return [_comune(row) for row in rows]


def _comune(row: Row[tuple[str, str, str, str, int]]) -> Comune:
    return Comune(
        belfiore=row.belfiore,
        istat=row.istat,
        nome=row.nome,
        regione=row.regione,
        abitanti=int(row.abitanti),
    )


def _read_users(connection: Connection, username: str | None = None) -> list[User]:
    query = select(
        users.c.username,
        users.c.role,
        users.c.codice_fiscale,
        users.c.nome,
        users.c.active,
        users.c.demo,
    ).order_by(users.c.username)
    comuni_query = select(user_comuni.c.username, user_comuni.c.belfiore)
    aree_query = select(user_aree.c.username, user_aree.c.area)
    if username is not None:
        query = query.where(users.c.username == username)
        comuni_query = comuni_query.where(user_comuni.c.username == username)
        aree_query = aree_query.where(user_aree.c.username == username)
    rows = connection.execute(query).all()
    if not rows:
        return []
    by_user_comuni = _grouped(connection.execute(comuni_query).tuples())
    by_user_aree = _grouped(connection.execute(aree_query).tuples())
    return [
        User(
            username=row.username,
            role=row.role,
            codice_fiscale=row.codice_fiscale,
            nome=row.nome,
            comuni=by_user_comuni.get(row.username, ()),
            aree=by_user_aree.get(row.username, ()),
            active=bool(row.active),
            demo=bool(row.demo),
        )
        for row in rows
    ]


def _read_clients(connection: Connection, client_id: str | None = None) -> list[Client]:
    query = select(clients.c.client_id, clients.c.nome, clients.c.active, clients.c.demo).order_by(
        clients.c.client_id
    )
    scopes_query = select(client_scopes.c.client_id, client_scopes.c.scope)
    if client_id is not None:
        query = query.where(clients.c.client_id == client_id)
        scopes_query = scopes_query.where(client_scopes.c.client_id == client_id)
    rows = connection.execute(query).all()
    if not rows:
        return []
    by_client = _grouped(connection.execute(scopes_query).tuples())
    return [
        Client(
            client_id=row.client_id,
            nome=row.nome,
            scopes=by_client.get(row.client_id, ()),
            active=bool(row.active),
            demo=bool(row.demo),
        )
        for row in rows
    ]


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for owner, value in pairs:
        grouped.setdefault(owner, []).append(value)
    return {owner: tuple(sorted(values)) for owner, values in grouped.items()}


# writing


def _audit(connection: Connection, actor: str, action: str, subject: str) -> None:
    connection.execute(
        insert(audit_log).values(at=_now(), actor=actor, action=action, subject=subject)
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


# validation: each refusal names the field and never repeats a password or codice fiscale


def _identifier(field: str, value: str) -> str:
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise IdentityError(
            field,
            "da 2 a 64 caratteri tra a-z, 0-9, '.', '_' e '-', "
            "iniziando con una lettera o una cifra",
        )
    return value


def _text(field: str, value: str, *, max_length: int = 200) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise IdentityError(field, "obbligatorio")
    if len(value) > max_length:
        raise IdentityError(field, f"al massimo {max_length} caratteri")
    if not value.isprintable():
        raise IdentityError(field, "contiene caratteri non stampabili")
    return value


def _actor(actor: str) -> str:
    actor = actor.strip() if isinstance(actor, str) else ""
    if not actor or len(actor) > 64:
        raise IdentityError("actor", "obbligatorio, al massimo 64 caratteri")
    return actor


def _codice_fiscale(value: str) -> str:
    code = "".join(value.split()).upper() if isinstance(value, str) else ""
    if not code:
        raise IdentityError("codice_fiscale", "obbligatorio")
    if len(code) != 16 or not code.isalnum() or not codicefiscale.is_valid(code):
        raise IdentityError("codice_fiscale", "codice fiscale non valido")
    return code


def _abitanti(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ABITANTI:
        raise IdentityError(
            "abitanti", f"deve essere un numero intero tra 1 e {MAX_ABITANTI:,}".replace(",", ".")
        )
    return value


def _sequence(field: str, values: Sequence[str]) -> Sequence[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise IdentityError(field, "deve essere un elenco")
    return values


def _comuni_codes(values: Sequence[str]) -> list[tuple[int, str]]:
    """(index in the request, Belfiore code), without repetitions."""
    seen: dict[str, int] = {}
    for index, value in enumerate(_sequence("comuni", values)):
        field = f"comuni[{index}]"
        if not isinstance(value, str):
            raise IdentityError(field, "codice catastale non valido")
        seen.setdefault(normalise_belfiore(value, field=field), index)
    return [(index, code) for code, index in seen.items()]


def _aree(values: Sequence[str]) -> list[str]:
    known = codes.user_areas()
    result: list[str] = []
    for index, value in enumerate(_sequence("aree", values)):
        area = value.strip().upper() if isinstance(value, str) else ""
        if area not in known:
            raise IdentityError(
                f"aree[{index}]", f"area di utenza sconosciuta (ammesse: {', '.join(known)})"
            )
        if area not in result:
            result.append(area)
    return result


def _scopes(values: Sequence[str]) -> tuple[str, ...]:
    result: list[str] = []
    for index, value in enumerate(_sequence("scopes", values)):
        scope = value.strip() if isinstance(value, str) else ""
        if not SCOPE.fullmatch(scope):
            raise IdentityError(
                f"scopes[{index}]", "ambito di autorizzazione non valido (es. siuss)"
            )
        if scope not in result:
            result.append(scope)
    if not result:
        raise IdentityError("scopes", "almeno un ambito di autorizzazione")
    return tuple(sorted(result))
