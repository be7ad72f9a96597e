"""The identity and settings store on SQLite and PostgreSQL, and its command line."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result
from codicefiscale import codicefiscale
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from services.cli import main
from shared.identity import passwords
from shared.identity.demo import DEMO_CLIENTS, DEMO_LOGINS, load_demo_identity
from shared.identity.store import IdentityError, IdentityStore, metadata
from tests.conftest import DatabaseFactory

ADMIN_CF = "SLASFN80A25F205W"
AS_CF = "CLMCHR82P63F205A"
OP_CF = "BRMLRA88E54E094X"
PASSWORD = "una-password-lunga"


class CountingHasher(PasswordHasher):
    """The tests' cheap argon2id, counting verifications."""

    def __init__(self, time_cost: int = 1) -> None:
        super().__init__(time_cost=time_cost, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def store(database_url: DatabaseFactory, hasher: CountingHasher) -> Iterator[IdentityStore]:
    opened = IdentityStore(database_url("identity"), password_hasher=hasher)
    yield opened
    opened.close()


@pytest.fixture
def district(store: IdentityStore) -> IdentityStore:
    """A real (non-demo) district of two comuni with an amministratore."""
    store.set_district_name("Ambito Martesana", actor="test")
    store.add_comune("E094", 20_700, actor="test")
    store.add_comune("B292", 8_600, actor="test")
    store.add_user(
        "admin",
        PASSWORD,
        role="amministratore",
        codice_fiscale=ADMIN_CF,
        nome="Stefano Sala",
        comuni=(),
        actor="test",
    )
    return store


def add_operatore(store: IdentityStore, username: str = "operatore", **changes: Any) -> None:
    password = changes.pop("password", PASSWORD)
    arguments: dict[str, Any] = {
        "role": "operatore",
        "codice_fiscale": OP_CF,
        "nome": "Laura Brambilla",
        "comuni": ["E094"],
        "actor": "admin",
    }
    arguments.update(changes)
    store.add_user(username, password, **arguments)


def refused(action: Callable[[], object]) -> IdentityError:
    with pytest.raises(IdentityError) as error:
        action()
    assert str(error.value).startswith(f"{error.value.field}: ")
    return error.value


# the district's settings


def test_comuni_come_from_the_national_registers(store: IdentityStore) -> None:
    gorgonzola = store.add_comune("e094", 20_700, actor="admin")
    assert (gorgonzola.belfiore, gorgonzola.istat, gorgonzola.nome, gorgonzola.regione) == (
        "E094",
        "015108",
        "Gorgonzola",
        "Lombardia",
    )
    store.add_comune("G965", 8_700, actor="admin")
    store.set_district_name("Ambito Martesana", actor="admin")
    settings = store.district()
    assert settings.nome == "Ambito Martesana"
    assert not settings.demo
    assert [c.nome for c in settings.comuni] == ["Gorgonzola", "Pozzuolo Martesana"]
    assert settings.comune("E094") == gorgonzola
    assert settings.comune("B292") is None
    assert settings.abitanti == 29_400

    assert store.set_abitanti("E094", 20_800, actor="admin").abitanti == 20_800
    assert store.district().comune("E094").abitanti == 20_800  # type: ignore[union-attr]
    store.remove_comune("G965", actor="admin")
    assert [c.belfiore for c in store.district().comuni] == ["E094"]


def test_district_refusals_name_the_field(district: IdentityStore) -> None:
    cases: list[tuple[Callable[[], object], str, str]] = [
        (lambda: district.add_comune("E000", 10, actor="a"), "belfiore", "sconosciuto"),
        (lambda: district.add_comune("C056", 10, actor="a"), "belfiore", "cessato"),
        (lambda: district.add_comune("E094", 10, actor="a"), "belfiore", "già presente"),
        (lambda: district.add_comune("H501", 10, actor="a"), "belfiore", "regione Lazio"),
        (lambda: district.add_comune("G965", 0, actor="a"), "abitanti", "tra 1 e"),
        (lambda: district.add_comune("G965", True, actor="a"), "abitanti", "tra 1 e"),
        (lambda: district.set_abitanti("G965", 10, actor="a"), "belfiore", "non presente"),
        (lambda: district.set_abitanti("E094", -1, actor="a"), "abitanti", "tra 1 e"),
        (lambda: district.remove_comune("G965", actor="a"), "belfiore", "non presente"),
        (lambda: district.set_district_name("  ", actor="a"), "nome", "obbligatorio"),
        (lambda: district.set_district_name("x", actor=" "), "actor", "obbligatorio"),
    ]
    for action, field, reason in cases:
        error = refused(action)
        assert error.field == field, error
        assert reason in error.message, error
    assert [c.belfiore for c in district.district().comuni] == ["B292", "E094"]


def test_a_comune_still_assigned_to_a_user_cannot_be_removed(district: IdentityStore) -> None:
    add_operatore(district, comuni=["B292", "E094"])
    district.set_user_active("operatore", False, actor="admin")
    error = refused(lambda: district.remove_comune("B292", actor="admin"))
    assert error.field == "belfiore"
    assert "operatore" in error.message
    assert district.district().comune("B292") is not None


# users


def test_user_refusals_name_the_field_and_echo_no_secret(district: IdentityStore) -> None:
    add_operatore(district)
    wrong_cf = OP_CF[:-1] + ("A" if OP_CF[-1] != "A" else "B")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"username": "A"}, "username"),
        ({"username": "Maria"}, "username"),
        ({"username": "-maria"}, "username"),
        ({"username": "maria\n"}, "username"),
        ({"username": "operatore"}, "username"),  # exists
        ({"role": "sindaco"}, "role"),
        ({"codice_fiscale": wrong_cf}, "codice_fiscale"),
        ({"codice_fiscale": ""}, "codice_fiscale"),
        ({"nome": " "}, "nome"),
        ({"comuni": ["E094", "G965"]}, "comuni[1]"),  # a real comune, not of this district
        ({"comuni": ["XX"]}, "comuni[0]"),
        ({"comuni": []}, "comuni"),
        ({"comuni": "E094"}, "comuni"),
        ({"aree": ["FAM", "XYZ"]}, "aree[1]"),
        ({"role": "assistente_sociale", "aree": []}, "aree"),
        ({"password": "corta-11car"}, "password"),
        ({"password": ""}, "password"),
        ({"password": "pw", "demo": True}, "demo"),  # not a demo district
    ]
    for changes, field in cases:
        username = changes.pop("username", "nuovo")
        password = changes.get("password", PASSWORD)
        error = refused(lambda: add_operatore(district, username, **changes))  # noqa: B023
        assert error.field == field, (changes, error)
        assert wrong_cf not in str(error)
        if len(password) > 2:
            assert password not in str(error)
    assert [user.username for user in district.users()] == ["admin", "operatore"]


def test_users_by_role_comuni_and_areas(district: IdentityStore) -> None:
    social_worker = district.add_user(
        "as.minori",
        PASSWORD,
        role="assistente_sociale",
        codice_fiscale=AS_CF.lower(),
        nome=" Chiara Colombo ",
        comuni=["e094", "B292", "E094"],
        aree=["fam", "ELD"],
        actor="admin",
    )
    assert social_worker.codice_fiscale == AS_CF
    assert social_worker.nome == "Chiara Colombo"
    assert social_worker.comuni == ("B292", "E094")
    assert social_worker.aree == ("ELD", "FAM")
    assert social_worker.active
    assert not social_worker.demo
    assert district.get_user("as.minori") == social_worker
    planner = district.add_user(
        "ufficio.piano",
        PASSWORD,
        role="ufficio_di_piano",
        codice_fiscale="VLLNDR75H18C523P",
        nome="Andrea Villa",
        comuni=[],
        actor="admin",
    )
    assert planner.comuni == ()
    assert district.get_user("nessuno") is None
    assert [u.username for u in district.users()] == ["admin", "as.minori", "ufficio.piano"]


def test_passwords_and_secrets_are_argon2id_hashes_only(district: IdentityStore) -> None:
    add_operatore(district)
    district.set_password("operatore", "un'altra-password", actor="admin")
    district.add_client(
        "asl", "segreto-del-client", nome="ASL Milano 2", scopes=["fhir"], actor="admin"
    )
    engine = create_engine(district.url)
    try:
        with engine.connect() as connection:
            dump = {
                table.name: [tuple(row) for row in connection.execute(table.select())]
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()
    everything = repr(dump)
    for secret in (PASSWORD, "un'altra-password", "segreto-del-client"):
        assert secret not in everything
    hashes = [row[1] for row in dump["identity_users"]] + [
        row[1] for row in dump["identity_clients"]
    ]
    assert len(hashes) == 3
    assert all(value.startswith("$argon2id$") for value in hashes)
    assert "$argon2" not in repr(dump["identity_audit"])


def test_authentication_spends_one_verification_whatever_the_outcome(
    district: IdentityStore, hasher: CountingHasher
) -> None:
    add_operatore(district)
    district.add_user(
        "spento",
        PASSWORD,
        role="operatore",
        codice_fiscale=OP_CF,
        nome="Utente Disattivato",
        comuni=["E094"],
        actor="admin",
    )
    district.set_user_active("spento", False, actor="admin")
    district.authenticate_user("nessuno", PASSWORD)  # the dummy hash is made once, lazily
    attempts = [
        ("operatore", PASSWORD, True),
        ("operatore", "password-sbagliata", False),
        ("nessuno", PASSWORD, False),
        ("spento", PASSWORD, False),
    ]
    for username, password, accepted in attempts:
        before = hasher.verifications
        user = district.authenticate_user(username, password)
        assert (user is not None) == accepted, username
        assert hasher.verifications == before + 1, username
    assert district.authenticate_user("operatore", "") is None
    assert district.authenticate_user("operatore", "x" * 2000) is None


def test_an_inactive_user_is_refused_at_once(district: IdentityStore) -> None:
    add_operatore(district)
    assert district.is_active("operatore", client=False)
    assert district.set_user_active("operatore", False, actor="admin").active is False
    assert not district.is_active("operatore", client=False)
    assert district.authenticate_user("operatore", PASSWORD) is None
    assert district.set_user_active("operatore", True, actor="admin").active
    assert district.authenticate_user("operatore", PASSWORD) is not None
    assert not district.is_active("nessuno", client=False)
    assert not district.is_active("operatore", client=True)  # users and clients apart
    error = refused(lambda: district.set_user_active("nessuno", False, actor="admin"))
    assert error.field == "username"


def test_the_last_active_amministratore_cannot_be_disabled(district: IdentityStore) -> None:
    error = refused(lambda: district.set_user_active("admin", False, actor="admin"))
    assert error.field == "active"
    district.add_user(
        "admin2",
        PASSWORD,
        role="amministratore",
        codice_fiscale=ADMIN_CF,
        nome="Seconda Amministratrice",
        comuni=[],
        actor="admin",
    )
    district.set_user_active("admin", False, actor="admin2")
    assert refused(lambda: district.set_user_active("admin2", False, actor="admin2")).field == (
        "active"
    )


def test_a_stale_hash_is_upgraded_at_the_next_login(
    database_url: DatabaseFactory, district: IdentityStore
) -> None:
    add_operatore(district)
    stronger = IdentityStore(district.url, password_hasher=CountingHasher(time_cost=2))
    try:
        assert stronger.authenticate_user("operatore", PASSWORD) is not None
        engine = create_engine(district.url)
        try:
            with engine.connect() as connection:
                stored = connection.execute(
                    text("SELECT password_hash FROM identity_users WHERE username = 'operatore'")
                ).scalar_one()
        finally:
            engine.dispose()
        assert ",t=2," in stored
        assert not passwords.needs_rehash(stored, CountingHasher(time_cost=2))
        assert stronger.authenticate_user("operatore", PASSWORD) is not None
    finally:
        stronger.close()
    last = district.audit()[-1]
    assert (last.actor, last.action, last.subject) == ("system", "user.rehash", "operatore")
    assert district.authenticate_user("operatore", PASSWORD) is not None  # old params verify


# integration clients


def test_clients_authenticate_by_the_same_rules(district: IdentityStore) -> None:
    client = district.add_client(
        "asl", "segreto-del-client", nome="ASL Milano 2", scopes=["fhir", "fhir"], actor="admin"
    )
    assert client.scopes == ("fhir",)
    assert district.get_client("asl") == client
    assert district.clients() == [client]
    assert district.authenticate_client("asl", "segreto-del-client") == client
    assert district.authenticate_client("asl", "sbagliato-sbagliato") is None
    assert district.authenticate_client("nessuno", "segreto-del-client") is None
    assert district.is_active("asl", client=True)
    district.set_client_active("asl", False, actor="admin")
    assert not district.is_active("asl", client=True)
    assert district.authenticate_client("asl", "segreto-del-client") is None

    def add(client_id: str, secret: str, nome: str, scopes: list[str]) -> Callable[[], object]:
        return lambda: district.add_client(client_id, secret, nome=nome, scopes=scopes, actor="a")

    cases: list[tuple[Callable[[], object], str]] = [
        (add("asl", "segreto-lungo-1", "x", ["a"]), "client_id"),
        (add("admin", "segreto-lungo-1", "x", ["a"]), "client_id"),
        (add("inps", "corto", "x", ["siuss"]), "secret"),
        (add("inps", "segreto-lungo-1", "x", []), "scopes"),
        (add("inps", "segreto-lungo-1", "x", ["Siuss!"]), "scopes[0]"),
        (add("inps", "segreto-lungo-1", "", ["siuss"]), "nome"),
    ]
    for action, field in cases:
        error = refused(action)
        assert error.field == field, error
        assert "segreto-lungo-1" not in str(error)
    assert refused(lambda: add_operatore(district, "asl")).field == "username"


# demo


def test_load_demo_identity(store: IdentityStore) -> None:
    load_demo_identity(store)
    settings = store.district()
    assert settings.nome == "Ambito demo Martesana"
    assert settings.demo
    assert {(c.belfiore, c.istat, c.nome) for c in settings.comuni} == {
        ("E094", "015108", "Gorgonzola"),
        ("B292", "015040", "Bussero"),
        ("G965", "015178", "Pozzuolo Martesana"),
    }
    assert 20_000 < settings.comune("E094").abitanti < 21_500  # type: ignore[union-attr]
    users = {user.username: user for user in store.users()}
    assert {(u, r) for u, _, r in DEMO_LOGINS} == {(u.username, u.role) for u in users.values()}
    assert set(users) == {
        "operatore", "as.minori", "as.anziani", "as.adulti", "coordinatore", "ufficio.piano",
        "admin", "educatore", "psicologa", "pedagogista", "dpo",
    }  # fmt: skip
    assert all(user.demo and codicefiscale.is_valid(user.codice_fiscale) for user in users.values())
    assert users["operatore"].comuni == ("B292", "E094", "G965")
    assert users["as.minori"].aree == ("FAM",)
    assert users["as.anziani"].aree == ("DIS", "ELD")
    assert users["as.adulti"].aree == ("ADD", "IMMNOM", "POV")
    assert {users[u].role for u in ("educatore", "psicologa", "pedagogista")} == {
        "educatore", "psicologo", "pedagogista"
    }  # fmt: skip
    assert len(users["coordinatore"].aree) == 7
    assert (users["dpo"].role, users["dpo"].comuni) == ("dpo", ())  # the district's, no comune
    assert users["ufficio.piano"].comuni == users["admin"].comuni == ()
    for username, password, _role in DEMO_LOGINS:
        assert password == "demo"
        assert store.authenticate_user(username, password) is not None, username
    (client_id, secret, scopes) = DEMO_CLIENTS[0]
    inps = store.authenticate_client(client_id, secret)
    assert inps is not None
    assert inps.scopes == scopes == ("siuss",)
    assert inps.demo

    changes = len(store.audit())
    load_demo_identity(store)  # idempotent
    assert len(store.audit()) == changes


def test_demo_accounts_are_refused_once_the_district_is_not_a_demo(store: IdentityStore) -> None:
    load_demo_identity(store)
    assert store.is_active("operatore", client=False)
    store.set_demo(False, actor="admin")
    assert store.authenticate_user("operatore", "demo") is None
    assert store.authenticate_client("inps", "demo") is None
    assert not store.is_active("operatore", client=False)
    assert not store.is_active("inps", client=True)
    store.add_user(
        "vero.admin",
        PASSWORD,
        role="amministratore",
        codice_fiscale=ADMIN_CF,
        nome="Stefano Sala",
        comuni=[],
        actor="admin",
    )
    error = refused(lambda: store.set_demo(True, actor="admin"))  # demo passwords stay out
    assert error.field == "demo"
    assert refused(lambda: load_demo_identity(store)).field == "demo"
    assert store.authenticate_user("vero.admin", PASSWORD) is not None


# audit


def test_every_change_is_audited_with_its_actor_and_the_audit_is_append_only(
    district: IdentityStore,
) -> None:
    add_operatore(district)
    district.set_user_active("operatore", False, actor="admin")
    district.set_user_active("operatore", False, actor="admin")  # no change, no entry
    district.set_password("operatore", "nuova-password-lunga", actor="admin")
    district.set_abitanti("B292", 8_650, actor="admin")
    district.add_client("asl", "segreto-del-client", nome="ASL", scopes=["fhir"], actor="admin")
    entries = district.audit()
    assert [(e.actor, e.action, e.subject) for e in entries] == [
        ("test", "district.set_name", "district"),
        ("test", "district.add_comune", "E094"),
        ("test", "district.add_comune", "B292"),
        ("test", "user.add", "admin"),
        ("admin", "user.add", "operatore"),
        ("admin", "user.disable", "operatore"),
        ("admin", "user.set_password", "operatore"),
        ("admin", "district.set_abitanti", "B292"),
        ("admin", "client.add", "asl"),
    ]
    for entry in entries:
        assert datetime.fromisoformat(entry.at).utcoffset() is not None
    engine = create_engine(district.url)
    try:
        for statement in ("UPDATE identity_audit SET actor = 'x'", "DELETE FROM identity_audit"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()
    assert district.audit() == entries


def test_settings_changed_elsewhere_arrive_after_the_cache_expires(store: IdentityStore) -> None:
    other = IdentityStore(
        store.url, password_hasher=passwords.hasher_for_tests(), settings_cache_seconds=0.2
    )
    try:
        assert other.district().comuni == ()
        store.add_comune("E094", 20_700, actor="admin")
        assert store.district().comune("E094") is not None  # own change: at once
        time.sleep(0.3)
        assert other.district().comune("E094") is not None
    finally:
        other.close()


# the command line

ADMIN = ["--codice-fiscale", ADMIN_CF, "--nome", "Stefano Sala"]
OPERATORE = ["--role", "operatore", "--codice-fiscale", OP_CF, "--nome", "Laura Brambilla"]
AS_ADMIN = {"AMBITO_AS_PASSWORD": PASSWORD}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Runs ``ambito`` on a fresh data directory, with cheap argon2 parameters."""
    monkeypatch.setattr(passwords, "DEFAULT_HASHER", passwords.hasher_for_tests())
    base = {"AMBITO_DATA_DIR": str(tmp_path / "data"), "AMBITO_KEY_DIR": str(tmp_path / "keys")}

    def run(*arguments: str, input: str | None = None, **env: str) -> Result:
        return CliRunner().invoke(main, list(arguments), input=input, env={**base, **env})

    return run


def bootstrap(cli: Callable[..., Result]) -> None:
    """The first amministratore, then Gorgonzola and an operatore working there."""
    first = cli(
        "users", "add", "admin", "--role", "amministratore", *ADMIN, "--password-stdin",
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    comune = cli(
        "district", "add-comune", "E094", "--abitanti", "20700", "--as", "admin", **AS_ADMIN
    )
    assert comune.exit_code == 0, comune.output
    operatore = cli(
        "users", "add", "operatore", *OPERATORE, "--comune", "E094", "--password-stdin",
        "--as", "admin", input="password-operatore\n", **AS_ADMIN,
    )  # fmt: skip
    assert operatore.exit_code == 0, operatore.output


def test_cli_bootstrap_then_acting_as_an_amministratore(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    shown = cli("district")
    assert shown.exit_code == 1
    assert "nessun archivio" in shown.output
    assert not (tmp_path / "data").exists()  # a look changes nothing

    early = cli("district", "set-name", "Ambito Martesana")
    assert early.exit_code == 1
    assert "--as: non esiste ancora un amministratore" in early.output

    bootstrap(cli)
    again = cli(
        "users", "add", "admin2", "--role", "amministratore", *ADMIN, "--password-stdin",
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert again.exit_code == 1
    assert "--as: indica l'amministratore" in again.output

    for arguments in (
        ["district", "set-name", "Ambito Martesana"],
        ["district", "add-comune", "B292", "--abitanti", "8600"],
        ["district", "set-abitanti", "B292", "8650"],
    ):
        result = cli(*arguments, "--as", "admin", **AS_ADMIN)
        assert result.exit_code == 0, result.output

    shown = cli("district")
    assert shown.exit_code == 0, shown.output
    assert "ambito: Ambito Martesana" in shown.output
    assert "demo: no" in shown.output
    rows = [line.split() for line in shown.output.splitlines()]
    assert ["E094", "015108", "Gorgonzola", "Lombardia", "20.700"] in rows
    assert ["B292", "015040", "Bussero", "Lombardia", "8.650"] in rows

    store = IdentityStore(f"sqlite:///{tmp_path / 'data' / 'identity.sqlite'}")
    try:
        trail = [(e.actor, e.action, e.subject) for e in store.audit()]
        user = store.get_user("operatore")
    finally:
        store.close()
    assert trail == [
        ("bootstrap", "user.add", "admin"),
        ("admin", "district.add_comune", "E094"),
        ("admin", "user.add", "operatore"),
        ("admin", "district.set_name", "district"),
        ("admin", "district.add_comune", "B292"),
        ("admin", "district.set_abitanti", "B292"),
    ]
    assert user is not None
    assert user.comuni == ("E094",)

    listed = cli("users", "list")
    assert listed.exit_code == 0
    assert "Laura Brambilla" in listed.output
    assert PASSWORD not in listed.output
    assert "password-operatore" not in listed.output


def test_cli_refuses_a_wrong_password_a_non_amministratore_and_bad_input(
    cli: Callable[..., Result],
) -> None:
    bootstrap(cli)
    wrong = cli("district", "set-name", "X", "--as", "admin", AMBITO_AS_PASSWORD="sbagliata-123")
    assert wrong.exit_code == 1
    assert "--as: credenziali non valide" in wrong.output
    assert "sbagliata-123" not in wrong.output

    not_admin = cli(
        "district", "set-name", "X", "--as", "operatore", AMBITO_AS_PASSWORD="password-operatore"
    )
    assert not_admin.exit_code == 1
    assert "--as: operatore non è un amministratore" in not_admin.output
    assert "password-operatore" not in not_admin.output

    unknown = cli("district", "add-comune", "E000", "--abitanti", "10", "--as", "admin", **AS_ADMIN)
    assert unknown.exit_code == 1
    assert "Error: belfiore: codice catastale sconosciuto" in unknown.output

    short = cli(
        "users", "add", "nuovo", *OPERATORE, "--comune", "E094", "--password-stdin",
        "--as", "admin", input="corta\n", **AS_ADMIN,
    )  # fmt: skip
    assert short.exit_code == 1
    assert "Error: password: almeno 12 caratteri" in short.output
    assert "corta" not in short.output

    in_use = cli("district", "remove-comune", "E094", "--as", "admin", **AS_ADMIN)
    assert in_use.exit_code == 1
    assert "belfiore: comune ancora assegnato agli utenti operatore" in in_use.output

    disabled = cli("users", "disable", "operatore", "--as", "admin", **AS_ADMIN)
    assert disabled.exit_code == 0, disabled.output
    assert "disattivato" in cli("users", "list").output
    gone = cli(
        "district", "set-name", "X", "--as", "operatore", AMBITO_AS_PASSWORD="password-operatore"
    )
    assert "--as: credenziali non valide o utente non attivo" in gone.output


def test_cli_prompts_hide_passwords_and_clients(cli: Callable[..., Result]) -> None:
    first = cli(
        "users", "add", "admin", "--role", "amministratore", *ADMIN,
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    # the acting password by prompt, then the new secret twice
    added = cli(
        "clients", "add", "asl", "--nome", "ASL Milano 2", "--scope", "fhir", "--as", "admin",
        input=f"{PASSWORD}\nsegreto-del-client\nsegreto-del-client\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "client asl creato (fhir)" in added.output
    assert PASSWORD not in added.output
    assert "segreto-del-client" not in added.output
    listed = cli("clients", "list")
    assert "asl" in listed.output
    assert "segreto" not in listed.output
