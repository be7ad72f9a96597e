"""``ambito users``, ``ambito clients``, ``ambito district``: the identity and settings store.

Every change acts as a named amministratore (``--as``, design section 4), whose password
comes from ``AMBITO_AS_PASSWORD`` or a hidden prompt; the audit records that user. Before any
amministratore exists, only ``users add --role amministratore`` runs without ``--as`` (the
bootstrap). New passwords and secrets are read from the first line of stdin
(``--password-stdin``, ``--secret-stdin``) or a hidden prompt, never from an argument, where
they would land in the shell's history and the process list.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import click

from shared.db import sqlite_file
from shared.identity.models import ROLES, Role
from shared.identity.store import IdentityError, IdentityStore
from shared.settings import Settings

AS_PASSWORD_VARIABLE = "AMBITO_AS_PASSWORD"  # noqa: S105 - a variable's name
BOOTSTRAP_ACTOR = "bootstrap"

as_option = click.option(
    "--as",
    "as_user",
    metavar="UTENTE",
    help=f"The amministratore acting (password from {AS_PASSWORD_VARIABLE} or a prompt).",
)


@contextmanager
def _store(settings: Settings, *, create: bool = True) -> Iterator[IdentityStore]:
    """The store, with its refusals turned into exit 1. Read-only commands do not create
    it: a stray ``ambito district`` must not make a fresh data directory look used."""
    url = settings.identity_database_url()
    database = sqlite_file(url)
    if not create and database is not None and not database.exists():
        raise click.ClickException(
            f"nessun archivio delle identità in {settings.data_dir}: crea il primo "
            "amministratore con `ambito users add` o un ambito demo con `ambito demo`"
        )
    store = IdentityStore(url)
    try:
        yield store
    except IdentityError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()


def _acting(store: IdentityStore, as_user: str | None, *, bootstrap: bool = False) -> str:
    """The actor to record: the authenticated amministratore, or ``bootstrap`` while none
    exists and the command creates the first one."""
    has_admin = any(user.role == "amministratore" for user in store.users())
    if as_user is None:
        if not has_admin and bootstrap:
            return BOOTSTRAP_ACTOR
        if not has_admin:
            raise click.ClickException(
                "--as: non esiste ancora un amministratore: crea il primo con "
                "`ambito users add UTENTE --role amministratore ...`"
            )
        raise click.ClickException("--as: indica l'amministratore che esegue il comando")
    password = os.environ.get(AS_PASSWORD_VARIABLE) or click.prompt(
        f"Password di {as_user}", hide_input=True, err=True
    )
    user = store.authenticate_user(as_user, password)
    if user is None:
        raise click.ClickException("--as: credenziali non valide o utente non attivo")
    if user.role != "amministratore":
        raise click.ClickException(f"--as: {user.username} non è un amministratore")
    return user.username


def _read_stdin_line(field: str) -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException(f"{field}: nessun valore sulla prima riga di stdin")
    return line


def _new_secret(from_stdin: str | None, prompt: str) -> str:
    if from_stdin is not None:
        return from_stdin
    value: str = click.prompt(
        prompt, hide_input=True, confirmation_prompt="Ripeti per conferma", err=True
    )
    return value


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    click.echo(line(headers))
    for row in rows:
        click.echo(line(row))


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


# users


@click.group()
def users() -> None:
    """Users of the district: operators, social workers, coordinators, administrators."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The user's role.")
@click.option("--codice-fiscale", required=True, help="The user's codice fiscale (SIUSS).")
@click.option("--nome", required=True, help="Full name, as shown to colleagues.")
@click.option("--comune", "comuni", multiple=True, metavar="BELFIORE", help="Repeatable.")
@click.option("--area", "aree", multiple=True, metavar="AREA", help="ISTAT area; repeatable.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@as_option
@click.pass_obj
def users_add(
    settings: Settings,
    username: str,
    role: Role,
    codice_fiscale: str,
    nome: str,
    comuni: tuple[str, ...],
    aree: tuple[str, ...],
    password_stdin: bool,
    as_user: str | None,
) -> None:
    """Create a user (the first amministratore needs no --as)."""
    given = _read_stdin_line("password") if password_stdin else None
    with _store(settings) as store:
        actor = _acting(store, as_user, bootstrap=role == "amministratore")
        password = _new_secret(given, f"Password per {username}")
        user = store.add_user(
            username,
            password,
            role=role,
            codice_fiscale=codice_fiscale,
            nome=nome,
            comuni=comuni,
            aree=aree,
            actor=actor,
        )
    click.echo(f"utente {user.username} creato ({user.role})")


@users.command("list")
@click.pass_obj
def users_list(settings: Settings) -> None:
    """List the users (never their passwords)."""
    with _store(settings, create=False) as store:
        found = store.users()
    if not found:
        click.echo("nessun utente")
        return
    rows = [
        [
            user.username,
            user.role,
            user.nome,
            " ".join(user.comuni) or "-",
            " ".join(user.aree) or "-",
            ("attivo" if user.active else "disattivato") + (", demo" if user.demo else ""),
        ]
        for user in found
    ]
    _table(["utente", "ruolo", "nome", "comuni", "aree", "stato"], rows, right=set())


@users.command("disable")
@click.argument("username")
@as_option
@click.pass_obj
def users_disable(settings: Settings, username: str, as_user: str | None) -> None:
    """Disable a user: their tokens stop working at their next request."""
    with _store(settings) as store:
        store.set_user_active(username, False, actor=_acting(store, as_user))
    click.echo(f"utente {username} disattivato")


@users.command("enable")
@click.argument("username")
@as_option
@click.pass_obj
def users_enable(settings: Settings, username: str, as_user: str | None) -> None:
    """Enable a disabled user again."""
    with _store(settings) as store:
        store.set_user_active(username, True, actor=_acting(store, as_user))
    click.echo(f"utente {username} riattivato")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@as_option
@click.pass_obj
def users_set_password(
    settings: Settings, username: str, password_stdin: bool, as_user: str | None
) -> None:
    """Give a user a new password."""
    given = _read_stdin_line("password") if password_stdin else None
    with _store(settings) as store:
        actor = _acting(store, as_user)
        store.set_password(username, _new_secret(given, f"Password per {username}"), actor=actor)
    click.echo(f"password di {username} cambiata")


# integration clients


@click.group()
def clients() -> None:
    """Integration clients (INPS, the ASL, the courts): OAuth2 client credentials."""


@clients.command("add")
@click.argument("client_id")
@click.option("--nome", required=True, help="Who the client is, e.g. 'INPS (SIUSS)'.")
@click.option("--scope", "scopes", multiple=True, required=True, help="Repeatable.")
@click.option("--secret-stdin", is_flag=True, help="Read the secret from stdin.")
@as_option
@click.pass_obj
def clients_add(
    settings: Settings,
    client_id: str,
    nome: str,
    scopes: tuple[str, ...],
    secret_stdin: bool,
    as_user: str | None,
) -> None:
    """Create an integration client."""
    given = _read_stdin_line("secret") if secret_stdin else None
    with _store(settings) as store:
        actor = _acting(store, as_user)
        secret = _new_secret(given, f"Segreto per {client_id}")
        client = store.add_client(client_id, secret, nome=nome, scopes=scopes, actor=actor)
    click.echo(f"client {client.client_id} creato ({' '.join(client.scopes)})")


@clients.command("list")
@click.pass_obj
def clients_list(settings: Settings) -> None:
    """List the integration clients (never their secrets)."""
    with _store(settings, create=False) as store:
        found = store.clients()
    if not found:
        click.echo("nessun client")
        return
    rows = [
        [
            client.client_id,
            client.nome,
            " ".join(client.scopes),
            ("attivo" if client.active else "disattivato") + (", demo" if client.demo else ""),
        ]
        for client in found
    ]
    _table(["client", "nome", "ambiti", "stato"], rows, right=set())


@clients.command("disable")
@click.argument("client_id")
@as_option
@click.pass_obj
def clients_disable(settings: Settings, client_id: str, as_user: str | None) -> None:
    """Disable a client: its tokens stop working at its next request."""
    with _store(settings) as store:
        store.set_client_active(client_id, False, actor=_acting(store, as_user))
    click.echo(f"client {client_id} disattivato")


@clients.command("enable")
@click.argument("client_id")
@as_option
@click.pass_obj
def clients_enable(settings: Settings, client_id: str, as_user: str | None) -> None:
    """Enable a disabled client again."""
    with _store(settings) as store:
        store.set_client_active(client_id, True, actor=_acting(store, as_user))
    click.echo(f"client {client_id} riattivato")


# the district's settings


@click.group(invoke_without_command=True)
@click.pass_context
def district(context: click.Context) -> None:
    """Show the district's settings and comuni; subcommands change them."""
    if context.invoked_subcommand is not None:
        return
    settings: Settings = context.obj
    with _store(settings, create=False) as store:
        current = store.district()
    click.echo(f"ambito: {current.nome or '(senza nome: ambito district set-name NOME)'}")
    click.echo(f"demo: {'sì' if current.demo else 'no'}")
    if not current.comuni:
        click.echo("comuni: nessuno (ambito district add-comune BELFIORE --abitanti N)")
        return
    click.echo(f"comuni: {len(current.comuni)}, abitanti: {_number(current.abitanti)}")
    click.echo("")
    rows = [
        [comune.belfiore, comune.istat, comune.nome, comune.regione, _number(comune.abitanti)]
        for comune in current.comuni
    ]
    _table(["belfiore", "istat", "comune", "regione", "abitanti"], rows, right={4})


@district.command("set-name")
@click.argument("nome")
@as_option
@click.pass_obj
def district_set_name(settings: Settings, nome: str, as_user: str | None) -> None:
    """Name the district."""
    with _store(settings) as store:
        store.set_district_name(nome, actor=_acting(store, as_user))
    click.echo("nome dell'ambito aggiornato")


@district.command("add-comune")
@click.argument("belfiore")
@click.option("--abitanti", required=True, type=int, help="Inhabitants.")
@as_option
@click.pass_obj
def district_add_comune(
    settings: Settings, belfiore: str, abitanti: int, as_user: str | None
) -> None:
    """Add a comune by its Belfiore code; name, ISTAT code and region come from the
    national registers."""
    with _store(settings) as store:
        comune = store.add_comune(belfiore, abitanti, actor=_acting(store, as_user))
    click.echo(
        f"comune {comune.nome} ({comune.belfiore}, ISTAT {comune.istat}, {comune.regione}) "
        f"aggiunto, {_number(comune.abitanti)} abitanti"
    )


@district.command("set-abitanti")
@click.argument("belfiore")
@click.argument("abitanti", type=int)
@as_option
@click.pass_obj
def district_set_abitanti(
    settings: Settings, belfiore: str, abitanti: int, as_user: str | None
) -> None:
    """Update a comune's inhabitants."""
    with _store(settings) as store:
        comune = store.set_abitanti(belfiore, abitanti, actor=_acting(store, as_user))
    click.echo(f"{comune.nome}: {_number(comune.abitanti)} abitanti")


@district.command("remove-comune")
@click.argument("belfiore")
@as_option
@click.pass_obj
def district_remove_comune(settings: Settings, belfiore: str, as_user: str | None) -> None:
    """Remove a comune that no user has any more."""
    with _store(settings) as store:
        store.remove_comune(belfiore, actor=_acting(store, as_user))
    click.echo(f"comune {belfiore.strip().upper()} rimosso")
