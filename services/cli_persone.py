"""``ambito persone oblio``: erase a person (crypto-shredding, GDPR art. 17; decision 0029).

Run by a named amministratore or the dpo (``--as``). It records ``PersonaCancellata`` in
reporting's ledger, with the actor, the legal basis, a coded reason and an optional protocol
reference (never free text: the ledger keeps it for ever; decision 0034), and only then
destroys the person's key and blind indexes in the key store: a crash in between leaves a
recorded erasure whose key still exists, and running the command again completes it. Each
person's erasure is recorded once (its aggregate id derives from the person's id); a person
already erased is reported and nothing new is recorded. Safe to run while the services run:
they stop decrypting the person within ``KEY_CACHE_SECONDS`` (their key cache), and the
running reporting service signs the new event with its next checkpoint.
"""

from __future__ import annotations

import os
import re
from typing import Any

import click
from eventsourcing.persistence import IntegrityError

from services.cli_identity import AS_PASSWORD_VARIABLE, _store
from shared import codes
from shared.events import CommandContext, acting
from shared.events.envelope import Actor
from shared.events.erasure import PROTOCOLLO, PersonaCancellata, id_cancellazione
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


def motivo_codificato(motivo: str) -> str:
    """The reason is a code of ``motivi_cancellazione.csv``: the ledger is append-only, and a
    sentence in it could name the very person erased. The refusal never repeats the text."""
    codice = motivo.strip().upper()
    if codice not in codes.erasure_reasons():
        raise click.BadParameter(
            "motivo sconosciuto: indica uno dei codici di motivi_cancellazione.csv ("
            + ", ".join(codes.erasure_reasons())
            + ")",
            param_hint="--motivo",
        )
    return codice


def protocollo_valido(protocollo: str | None) -> str | None:
    """A protocol reference holds digits only (the number, optionally ``/`` and the year),
    so that it cannot carry a name, a codice fiscale or a date."""
    if protocollo is None:
        return None
    protocollo = protocollo.strip()
    if not PROTOCOLLO.match(protocollo):
        raise click.BadParameter(
            "solo il numero di protocollo, con l'anno facoltativo (es. 123 o 0012345/2025)",
            param_hint="--protocollo",
        )
    return protocollo


class _RegistroCancellazioni(LedgerApplication):
    """Writes erasures to reporting's ledger."""

    def registrata(self, persona_id: str) -> bool:
        """Whether the person's erasure is already in the ledger."""
        return next(iter(self.events.get(id_cancellazione(persona_id), lte=1)), None) is not None

    def registra(
        self, persona_id: str, motivo: str, protocollo: str | None, context: CommandContext
    ) -> int | None:
        """Records the erasure; its position, or None when another run recorded it first."""
        data: dict[str, Any] = {
            "aggregate_id": id_cancellazione(persona_id),
            "aggregate_version": 1,
            "persona_id": persona_id,
            "motivo": motivo,
            "protocollo": protocollo,
        }
        with acting(context):
            event = PersonaCancellata.model_validate(data)
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
@click.option(
    "--motivo",
    required=True,
    metavar="CODICE",
    help="Reason code (motivi_cancellazione.csv), e.g. RICHIESTA_INTERESSATO or GDPR_17_1_B.",
)
@click.option(
    "--protocollo",
    metavar="NUMERO[/ANNO]",
    help="Protocol reference of the request or act, digits only (e.g. 0012345/2025).",
)
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
    settings: Settings,
    persona_id: str,
    motivo: str,
    protocollo: str | None,
    base_giuridica: str,
    as_user: str | None,
) -> None:
    """Erase a person: record the erasure, then destroy their key and blind indexes. Their
    data becomes unreadable everywhere; statistics and seals are unchanged."""
    persona_id = persona_id.strip().upper()
    if not PERSONA_ID.match(persona_id):
        raise click.BadParameter("20 caratteri tra A-Z e 0-9", param_hint="PERSONA_ID")
    if base_giuridica not in codes.legal_bases():
        raise click.BadParameter("base giuridica sconosciuta", param_hint="--base-giuridica")
    motivo = motivo_codificato(motivo)
    protocollo = protocollo_valido(protocollo)
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
                posizione = registro.registra(persona_id, motivo, protocollo, context)
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
