"""``ambito siuss export``: a comune's SIUSS flows as XML files, for a comune that uploads
them to INPS by hand. The same flows, ids and XML that INPS reads from ``/waas/v1``: due
flows are issued first, exactly as a first listing would issue them.

The files name people in clear: the command runs as a named coordinatore of that comune
(``--as``; the amministratore reads no case), each flow written is a read recorded in
reporting's ledger, and the directory is created for the owner only. Run it with the
reporting service stopped (it follows the read models itself, like ``ambito projections
rebuild``).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click

from services.cli_identity import AS_PASSWORD_VARIABLE, _store, as_option
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.identity.models import User
from shared.identity.store import IdentityStore
from shared.keys import KeyDirectoryError
from shared.settings import Settings


def _giorno(_: click.Context, __: click.Parameter, valore: str) -> date:
    try:
        return date.fromisoformat(valore)
    except ValueError:
        raise click.BadParameter("data non valida (AAAA-MM-GG)") from None


def _coordinatore(store: IdentityStore, as_user: str | None, comune: str) -> User:
    """The authenticated coordinatore of ``comune`` who runs the export."""
    if as_user is None:
        raise click.ClickException("--as: indica il coordinatore che esegue l'esportazione")
    password = os.environ.get(AS_PASSWORD_VARIABLE) or click.prompt(
        f"Password di {as_user}", hide_input=True, err=True
    )
    user = store.authenticate_user(as_user, password)
    if user is None:
        raise click.ClickException("--as: credenziali non valide o utente non attivo")
    if user.role != "coordinatore" or comune not in user.comuni:
        raise click.ClickException(f"--as: {user.username} non è un coordinatore del comune")
    return user


@click.group()
def siuss() -> None:
    """SIUSS: the flows INPS receives (PS-PSA-SINA and SINBA)."""


@siuss.command("export")
@click.option("--comune", required=True, help="Codice catastale del comune (es. E094).")
@click.option("--dal", required=True, callback=_giorno, help="Primo giorno (AAAA-MM-GG).")
@click.option("--al", required=True, callback=_giorno, help="Ultimo giorno (AAAA-MM-GG).")
@click.option(
    "--cartella",
    type=click.Path(path_type=Path),
    help="Dove scrivere i file (predefinita: siuss-COMUNE-DAL-AL).",
)
@as_option
@click.pass_obj
def siuss_export(
    settings: Settings,
    comune: str,
    dal: date,
    al: date,
    cartella: Path | None,
    as_user: str | None,
) -> None:
    """Write the comune's flows issued from DAL to AL (Europe/Rome) as XML files, one per
    flow, named by the flow's id."""
    from services.runtime import open_runtime

    comune = comune.strip().upper()
    if al < dal:
        raise click.BadParameter("precede --dal", param_hint="--al")
    with _store(settings, create=False) as store:
        if store.district().comune(comune) is None:
            raise click.BadParameter("comune non del distretto", param_hint="--comune")
        user = _coordinatore(store, as_user, comune)
    principal = Principal(
        subject=user.username,
        kind="user",
        role=user.role,
        comuni=frozenset(user.comuni),
        aree=frozenset(user.aree),
        codice_fiscale=user.codice_fiscale,
    )
    try:
        runtime = open_runtime(settings, ("reporting",))
    except KeyDirectoryError as error:
        raise click.ClickException(str(error)) from None
    try:
        runtime.start()
        assert runtime.siuss is not None
        flussi = runtime.siuss.esporta(Richiesta(principal, "cli"), comune, dal, al)
    finally:
        runtime.close()
    destinazione = cartella or Path(f"siuss-{comune}-{dal:%Y%m%d}-{al:%Y%m%d}")
    destinazione.mkdir(mode=0o700, parents=True, exist_ok=True)
    for flusso in flussi:
        percorso = destinazione / f"{flusso.id_flusso}.xml"
        descrittore = os.open(percorso, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descrittore, "wb") as file:
            file.write(flusso.xml)
    click.echo(f"{len(flussi)} flussi SIUSS di {comune} scritti in {destinazione}")
    if flussi:
        ultimo = max(f.ts_flusso for f in flussi)
        click.echo(f"ultimo ts_flusso: {ultimo.isoformat(timespec='milliseconds')}")
