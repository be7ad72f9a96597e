"""``ambito persone oblio``: erase a person (crypto-shredding, GDPR art. 17; decision 0029).

Run by a named amministratore or the dpo (``--as``). It records ``PersonaCancellata`` in
reporting's ledger, with the actor and the legal basis, and only then destroys the person's
key and blind indexes in the key store: a crash in between leaves a recorded erasure whose
key still exists, and running the command again completes it. Each person's erasure is
recorded once (its aggregate id derives from the person's id); a person already erased is
reported and nothing new is recorded. Safe to run while the services run: they stop
decrypting the person within ``KEY_CACHE_SECONDS`` (their key cache), and the running
reporting service signs the new event with its next checkpoint.
"""

from __future__ import annotations

import os
import re

import click
from eventsourcing.persistence import IntegrityError

from services.cli_identity import AS_PASSWORD_VARIABLE, _store
from shared import codes
from shared.events import CommandContext, acting
from shared.events.envelope import Actor
from shared.events.erasure import PersonaCancellata, id_cancellazione
from shared.identity.models import User
from shared.identity.store import IdentityStore
from shared.keys import KeyDirectoryError
from shared.ledger.application import LedgerApplication
from shared.ledger.district import District, open_district
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KEY_CACHE_SECONDS, UnknownPersonError
from shared.settings import Settings

ERASING_ROLES = frozenset({"amministratore", "dpo"})
PERSONA_ID = re.compile(r"^[A-Z0-9]{20}$")
_CODICE_FISCALE = re.compile(r"[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]")
"""A codice fiscale's shape (a guard against the common slip, not a guarantee)."""
_DATA = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")


def _acting_for_erasure(store: IdentityStore, as_user: str | None) -> User:
    """The authenticated user, who must be an active amministratore or dpo (unlike the
    other commands of the identity store, which only an amministratore runs)."""
    if as_user is None:
        raise click.ClickException("--as: indica l'amministratore o il dpo che esegue il comando")
    password = os.environ.get(AS_PASSWORD_VARIABLE) or click.prompt(
        f"Password di {as_user}", hide_input=True, err=True
    )
    user = store.authenticate_user(as_user, password)
    if user is None:
        raise click.ClickException("--as: credenziali non valide o utente non attivo")
    if user.role not in ERASING_ROLES:
        raise click.ClickException(f"--as: {user.username} non è un amministratore né il dpo")
    return user


def motivo_senza_dati(motivo: str) -> str:
    """The reason as recorded in clear: short, and with no codice fiscale or date in it (the
    usual ways a reason names someone). The refusal never repeats the text."""
    motivo = " ".join(motivo.split())
    if not motivo or len(motivo) > 200:
        raise click.BadParameter("da 1 a 200 caratteri", param_hint="--motivo")
    if _CODICE_FISCALE.search(motivo.upper().replace(" ", "")) or _DATA.search(motivo):
        raise click.BadParameter(
            "non deve contenere dati personali (un codice fiscale o una data): indica il "
            "motivo e il protocollo della richiesta",
            param_hint="--motivo",
        )
    return motivo


class _RegistroCancellazioni(LedgerApplication):
    """Writes erasures to reporting's ledger."""

    def registrata(self, persona_id: str) -> bool:
        """Whether the person's erasure is already in the ledger."""
        return next(iter(self.events.get(id_cancellazione(persona_id), lte=1)), None) is not None

    def registra(self, persona_id: str, motivo: str, context: CommandContext) -> int | None:
        """Records the erasure; its position, or None when another run recorded it first."""
        with acting(context):
            event = PersonaCancellata.model_validate(
                {
                    "aggregate_id": id_cancellazione(persona_id),
                    "aggregate_version": 1,
                    "persona_id": persona_id,
                    "motivo": motivo,
                }
            )
        try:
            recordings = self.save(event)
        except IntegrityError:
            return None
        return recordings[-1].notification.id


def _reporting_ledger(settings: Settings, district: District) -> Ledger:
    """Reporting's ledger with its checkpointer detached, as ``ambito audit verify`` opens
    it: a running reporting service signs the new event with its own checkpointer, and two
    signers would fork the checkpoint file."""
    ledger = Ledger(
        "reporting",
        settings.ledger_database_url("reporting"),
        district.keys,
        district.keystore,
        checkpoint_timer=False,
        checkpoint_dir=settings.checkpoints_directory(),
    )
    ledger.checkpointer.stop()
    return ledger


@click.group()
def persone() -> None:
    """Persons known to the district, by their pseudonymous id."""


@persone.command("oblio")
@click.argument("persona_id")
@click.option("--motivo", required=True, help="Why, in a few words; never a personal datum.")
@click.option(
    "--base-giuridica",
    "base_giuridica",
    required=True,
    metavar="CODICE",
    help="Legal basis code (basi_giuridiche.csv), e.g. GDPR_17.",
)
@click.option(
    "--as",
    "as_user",
    metavar="UTENTE",
    help=f"The amministratore or dpo acting (password from {AS_PASSWORD_VARIABLE} or a prompt).",
)
@click.pass_obj
def persone_oblio(
    settings: Settings, persona_id: str, motivo: str, base_giuridica: str, as_user: str | None
) -> None:
    """Erase a person: record the erasure, then destroy their key and blind indexes. Their
    data becomes unreadable everywhere; statistics and seals are unchanged."""
    persona_id = persona_id.strip().upper()
    if not PERSONA_ID.match(persona_id):
        raise click.BadParameter("20 caratteri tra A-Z e 0-9", param_hint="PERSONA_ID")
    if base_giuridica not in codes.legal_bases():
        raise click.BadParameter("base giuridica sconosciuta", param_hint="--base-giuridica")
    motivo = motivo_senza_dati(motivo)
    with _store(settings, create=False) as store:
        user = _acting_for_erasure(store, as_user)
    try:
        district = open_district(settings)
    except KeyDirectoryError as error:
        raise click.ClickException(str(error)) from None
    try:
        try:
            erased = district.keystore.lookup(persona_id).key is None
            known = True
        except UnknownPersonError:
            erased, known = False, False
        ledger = _reporting_ledger(settings, district)
        try:
            registro = _RegistroCancellazioni(ledger)
            recorded = registro.registrata(persona_id)
            if not known and not recorded:
                raise click.ClickException(f"persona {persona_id} sconosciuta: nulla da cancellare")
            if recorded and erased:
                click.echo(f"persona {persona_id} già cancellata: nulla di nuovo registrato")
                return
            posizione = None
            if not recorded:
                context = CommandContext(
                    actor=Actor(user=user.username, role=user.role),
                    legal_basis=base_giuridica,
                    source="cli",
                )
                posizione = registro.registra(persona_id, motivo, context)
        finally:
            ledger.engines.dispose()
        # after the record: a crash before this line is completed by running the command again
        district.keystore.erase(persona_id)
    finally:
        district.close()
    if posizione is None:
        click.echo(f"persona {persona_id}: cancellazione già registrata, ora completata")
    else:
        click.echo(
            f"persona {persona_id} cancellata (registro reporting, posizione {posizione}); "
            f"i servizi in esecuzione smettono di leggerne i dati entro "
            f"{KEY_CACHE_SECONDS:.0f} secondi"
        )
