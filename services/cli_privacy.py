"""``ambito privacy accessi``: a citizen's access report (GDPR art. 15, decision 0030).

Every read of one person's data that any service recorded, from the access log's read model
caught up first with the four ledgers: when (Europe/Rome), who (user and role), for which
purpose (code and label), what (record and endpoint) and from which service; break-glass
reads say so, with their review. Only the dpo or an amministratore produce it (``--as``),
and producing it is itself recorded as a read of the person's data (purpose
``RICHIESTA_INTERESSATO``): the report lists its own production last. Run it with the
reporting service stopped, like ``ambito siuss export``.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import click

from services.cli_identity import AS_PASSWORD_VARIABLE, _store
from services.reporting.accessi import Accesso
from shared.auth.policy import Forbidden, authorize
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.codes import access_purposes
from shared.keys import KeyDirectoryError
from shared.projections.base import NotYetProjected
from shared.settings import Settings

RAPPORTO = "privacy.accessi.rapporto"
ROMA = ZoneInfo("Europe/Rome")
FINALITA_RAPPORTO = "RICHIESTA_INTERESSATO"
ENDPOINT_RAPPORTO = "CLI ambito privacy accessi"
SERVIZI = {
    "intake": "Segretariato sociale",
    "casework": "Cartella del caso",
    "network": "Rete dei servizi",
    "reporting": "Osservatorio",
}
REVISIONE = {
    "da_rivedere": "da esaminare dal coordinatore",
    "confermato": "confermato dal coordinatore",
    "contestato": "contestato dal coordinatore",
}
PERSONA_ID = re.compile(r"^[A-Z0-9]{20}$")


def _principal(settings: Settings, as_user: str | None) -> Principal:
    """The dpo or amministratore producing the report, authenticated like every ``--as``."""
    if as_user is None:
        raise click.ClickException("--as: indica il dpo o l'amministratore che produce il rapporto")
    password = os.environ.get(AS_PASSWORD_VARIABLE) or click.prompt(
        f"Password di {as_user}", hide_input=True, err=True
    )
    with _store(settings, create=False) as store:
        user = store.authenticate_user(as_user, password)
    if user is None:
        raise click.ClickException("--as: credenziali non valide o utente non attivo")
    principal = Principal(
        subject=user.username,
        kind="user",
        role=user.role,
        comuni=frozenset(user.comuni),
        aree=frozenset(user.aree),
        codice_fiscale=user.codice_fiscale,
    )
    try:
        authorize(principal, RAPPORTO)
    except Forbidden:
        raise click.ClickException(
            f"--as: {user.username} non è il dpo né un amministratore"
        ) from None
    return principal


def voce(accesso: Accesso, revisione: str | None, etichette: dict[str, str]) -> dict[str, Any]:
    """One read as the report shows it (times in Europe/Rome)."""
    return {
        "data_ora": accesso.occurred_at.astimezone(ROMA).isoformat(timespec="seconds"),
        "utente": accesso.utente,
        "ruolo": accesso.ruolo,
        "finalita": accesso.finalita,
        "finalita_descrizione": etichette.get(accesso.finalita, accesso.finalita),
        "oggetto": accesso.oggetto,
        "oggetto_id": accesso.oggetto_id,
        "endpoint": accesso.endpoint,
        "servizio": accesso.fonte,
        "emergenza": accesso.finalita == "EMERGENZA",
        "revisione": revisione,
    }


def testo(
    persona_id: str, prodotto: datetime, autore: Principal, voci: list[dict[str, Any]]
) -> str:
    """The report in Italian, as it can be handed to the person."""
    righe = [
        "RAPPORTO DEGLI ACCESSI AI DATI PERSONALI",
        "(art. 15 del Regolamento (UE) 2016/679)",
        "",
        f"Interessato (identificativo pseudonimo): {persona_id}",
        f"Prodotto il: {prodotto.astimezone(ROMA):%d/%m/%Y alle %H:%M} (ora italiana)",
        f"Prodotto da: {autore.subject} ({autore.role})",
        f"Accessi registrati: {len(voci)}",
        "",
    ]
    for numero, v in enumerate(voci, start=1):
        momento = datetime.fromisoformat(v["data_ora"])
        righe += [
            f"{numero}. {momento:%d/%m/%Y %H:%M:%S}",
            f"   Chi: {v['utente']} ({v['ruolo']})",
            f"   Finalità: {v['finalita']} - {v['finalita_descrizione']}",
            f"   Che cosa: {v['oggetto']} {v['oggetto_id']} ({v['endpoint']})",
            f"   Servizio: {SERVIZI.get(v['servizio'], v['servizio'])}",
        ]
        if v["emergenza"]:
            stato = REVISIONE.get(v["revisione"] or "", "in attesa di registrazione")
            righe.append(f"   Accesso di emergenza (fuori competenza): {stato}")
        righe.append("")
    if not voci:
        righe.append("Nessun accesso registrato.")
    return "\n".join(righe).rstrip() + "\n"


@click.group()
def privacy() -> None:
    """Privacy: the data subjects' rights (GDPR)."""


@privacy.command("accessi")
@click.argument("persona_id")
@click.option(
    "--formato",
    type=click.Choice(["testo", "json"]),
    default="testo",
    show_default=True,
    help="Testo da consegnare all'interessato, o JSON.",
)
@click.option(
    "--as",
    "as_user",
    metavar="UTENTE",
    help=f"Il dpo o l'amministratore (password da {AS_PASSWORD_VARIABLE} o richiesta).",
)
@click.pass_obj
def privacy_accessi(settings: Settings, persona_id: str, formato: str, as_user: str | None) -> None:
    """Every read of the person's data in every service (GDPR art. 15), oldest first."""
    from services.runtime import open_runtime

    persona_id = persona_id.strip().upper()
    if not PERSONA_ID.match(persona_id):
        raise click.BadParameter("identificativo non valido (20 caratteri A-Z, 0-9)")
    principal = _principal(settings, as_user)
    try:
        runtime = open_runtime(settings, ("reporting",))
    except KeyDirectoryError as error:
        raise click.ClickException(str(error)) from None
    try:
        runtime.start()
        assert runtime.registro is not None
        assert runtime.accessi is not None
        runtime.registro.registra_lettura(
            Richiesta(principal, "cli"),
            persona_id,
            "rapporto_accessi",
            uuid4(),
            FINALITA_RAPPORTO,
            ENDPOINT_RAPPORTO,
            None,
        )
        posizioni = {
            fonte: runtime.district.ledger(fonte).recorder.max_notification_id() or 0
            for fonte in SERVIZI
        }
        try:
            runtime.accessi.attendi(posizioni)
        except NotYetProjected:
            raise click.ClickException(
                "il registro degli accessi non è aggiornato: riprova tra poco"
            ) from None
        letture = runtime.accessi.della_persona(persona_id)
    finally:
        runtime.close()
    etichette = access_purposes()
    voci = [voce(accesso, stato, etichette) for accesso, stato in letture]
    if formato == "json":
        prodotto = datetime.now(ROMA).isoformat(timespec="seconds")
        click.echo(
            json.dumps(
                {
                    "persona_id": persona_id,
                    "prodotto_il": prodotto,
                    "prodotto_da": {"utente": principal.subject, "ruolo": principal.role},
                    "accessi": voci,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(testo(persona_id, datetime.now(ROMA), principal, voci), nl=False)
