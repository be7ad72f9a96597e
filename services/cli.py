"""The ``ambito`` command: the composition root (design section 11)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from uuid import uuid4

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.db import create_engines, sqlite_file
from shared.events import CommandContext, acting, catalogue_json_schema
from shared.events.audit import VerificaRegistroEseguita
from shared.keys import (
    KeyDirectoryError,
    init_key_directory,
    load_checkpoint_public_key,
    load_seal_key,
)
from shared.ledger.application import LedgerApplication
from shared.ledger.checkpoints import CheckpointLog
from shared.ledger.district import District, open_district
from shared.ledger.ledger import Ledger
from shared.ledger.recorder import LedgerRecorder
from shared.ledger.verify import VerificationReport, verify_ledger, verify_missing_ledger
from shared.policies.base import SYSTEM
from shared.settings import SERVICES, Settings

service_option = click.option(
    "--service",
    "services",
    multiple=True,
    type=click.Choice(SERVICES),
    help="Only this service's ledger (repeatable); default: all.",
)


@click.group()
@click.option("--data-dir", type=click.Path(path_type=Path), help="Overrides AMBITO_DATA_DIR.")
@click.option("--key-dir", type=click.Path(path_type=Path), help="Overrides AMBITO_KEY_DIR.")
@click.pass_context
def main(context: click.Context, data_dir: Path | None, key_dir: Path | None) -> None:
    """Ambito: the case ledger of a district's social services."""
    overrides: dict[str, Path] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if key_dir is not None:
        overrides["key_dir"] = key_dir
    try:
        context.obj = Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as error:
        raise click.UsageError(str(error)) from None


@main.command()
@click.pass_obj
def init(settings: Settings) -> None:
    """Create the district secrets in the key directory (never overwrites one)."""
    created = init_key_directory(settings.key_dir)
    if created:
        click.echo(f"{settings.key_dir}: created {', '.join(created)}")
    else:
        click.echo(f"{settings.key_dir}: all district secrets already present")


@main.group()
def events() -> None:
    """The event catalogue."""


@events.command("schema")
def events_schema() -> None:
    """Print the JSON Schema of the whole event catalogue."""
    click.echo(json.dumps(catalogue_json_schema(), indent=2, ensure_ascii=False))


@main.group()
def audit() -> None:
    """Seals and checkpoints of the ledgers."""


@audit.command("checkpoint")
@service_option
@click.pass_obj
def audit_checkpoint(settings: Settings, services: tuple[str, ...]) -> None:
    """Sign and record the chain heads of the ledgers now."""
    district = _open(settings)
    try:
        for service in services or SERVICES:
            checkpoint = district.ledger(service).checkpoint()
            click.echo(
                f"{service}: checkpoint #{checkpoint.sequence} at position {checkpoint.position}"
            )
    finally:
        district.close()


@audit.command("verify")
@service_option
@click.option(
    "--public-key",
    type=click.Path(exists=True, path_type=Path),
    help="Checkpoint public key (default: checkpoint.pub in the key directory).",
)
@click.pass_obj
def audit_verify(settings: Settings, services: tuple[str, ...], public_key: Path | None) -> None:
    """Recompute every seal and check the ledgers against the signed checkpoints.

    Exits 1 naming the first broken link of each broken ledger, 0 when all verify.
    """
    try:
        seal_key = load_seal_key(settings.key_dir)
        verification_key = load_checkpoint_public_key(public_key or settings.key_dir)
    except KeyDirectoryError as error:
        raise click.ClickException(str(error)) from None
    reports: list[VerificationReport] = []
    for service in services or SERVICES:
        report = _verify_one(settings, service, seal_key, verification_key)
        click.echo(report.summary() if report is not None else f"{service}: no ledger yet")
        if report is not None:
            reports.append(report)
    _record_verifications(settings, reports, seal_key, verification_key)
    sys.exit(0 if all(report.ok for report in reports) else 1)


class _RegistroVerifiche(LedgerApplication):
    """Records verification results in reporting's own ledger (the audit view shows the
    latest per ledger), by the system, on the security of processing (GDPR art. 32). A
    verified ledger is never written to: its evidence stays as it was found."""

    LEGAL_BASIS = "GDPR_32"

    def registra(self, report: VerificationReport) -> None:
        first = report.first_broken
        context = CommandContext(actor=SYSTEM, legal_basis=self.LEGAL_BASIS, source="system")
        with acting(context):
            event = VerificaRegistroEseguita.model_validate(
                {
                    "aggregate_id": uuid4(),
                    "aggregate_version": 1,
                    "registro": report.ledger,
                    "esito": "integro" if report.ok else "compromesso",
                    "eventi": report.events,
                    # an intact chain runs 1..n; a broken one is covered up to its first break
                    "ultima_posizione": (
                        (report.events or None)
                        if first is None
                        else (first.position - 1 if first.position > 1 else None)
                    ),
                    "checkpoint": report.last_checkpoint_position,
                    "anello_rotto_posizione": None if first is None else first.position,
                    "motivo": None if first is None else first.reason[:200],
                }
            )
        self.save(event)


def _record_verifications(
    settings: Settings,
    reports: list[VerificationReport],
    seal_key: bytes,
    public_key: Ed25519PublicKey,
) -> None:
    """Appends the results to reporting's ledger, unless that ledger is itself broken (its
    evidence is not touched; it is verified first when this run did not) or absent. It is
    opened with its checkpointer detached: a running reporting service signs the new events
    with its own, and two signers would fork the checkpoint file. The verdicts stand even
    when they cannot be recorded."""
    if not reports:
        return
    own = next((report for report in reports if report.ledger == "reporting"), None)
    if own is None:
        own = _verify_one(settings, "reporting", seal_key, public_key)
    if own is None:
        click.echo("esiti non registrati: il registro reporting non esiste ancora", err=True)
        return
    if not own.ok:
        click.echo("esiti non registrati: il registro reporting è compromesso", err=True)
        return
    try:
        district = open_district(settings)
    except KeyDirectoryError as error:
        click.echo(f"esiti non registrati: {error}", err=True)
        return
    try:
        ledger = Ledger(
            "reporting",
            settings.ledger_database_url("reporting"),
            district.keys,
            district.keystore,
            checkpoint_timer=False,
            checkpoint_dir=settings.checkpoints_directory(),
        )
        ledger.checkpointer.stop()
        try:
            registro = _RegistroVerifiche(ledger)
            for report in reports:
                registro.registra(report)
        finally:
            ledger.engines.dispose()
    except Exception as error:
        click.echo(f"esiti non registrati ({type(error).__name__})", err=True)
    finally:
        district.close()


data_dir_option = click.option(
    "--data-dir", "data_dir", type=click.Path(path_type=Path), help="Overrides AMBITO_DATA_DIR."
)


@main.command()
@data_dir_option
@click.pass_obj
def demo(settings: Settings, data_dir: Path | None) -> None:
    """Create a demo district in the data directory (refuses one that is not a demo)."""
    settings = _with_data_dir(settings, data_dir)
    created = _create_demo(settings)
    outcome = "distretto demo creato" if created else "è già un distretto demo"
    click.echo(f"{settings.data_dir}: {outcome}")


@main.command()
@click.argument("services_to_serve", metavar="[SERVICE]...", nargs=-1, type=click.Choice(SERVICES))
@click.option("--demo", "with_demo", is_flag=True, help="Create the demo district if missing.")
@click.option("--host", help="Overrides AMBITO_HOST (default 127.0.0.1).")
@click.option("--port", type=int, help="Overrides AMBITO_PORT (default 8000).")
@data_dir_option
@click.pass_obj
def serve(
    settings: Settings,
    services_to_serve: tuple[str, ...],
    with_demo: bool,
    host: str | None,
    port: int | None,
    data_dir: Path | None,
) -> None:
    """Serve the given services (default: all four) in this process.

    Without AMBITO_KAFKA_BOOTSTRAP: embedded mode, projections read the ledgers. With it:
    district mode, each ledger served here is relayed to Kafka and projections read Kafka.
    """
    import uvicorn

    from services.runtime import create_app, open_runtime
    from shared.identity.demo import DEMO_CLIENTS, DEMO_LOGINS
    from shared.observability import configure_logging

    settings = _with_data_dir(settings, data_dir)
    settings = settings.model_copy(
        update={k: v for k, v in (("host", host), ("port", port)) if v is not None}
    )
    if with_demo:
        init_key_directory(settings.key_dir)
        _create_demo(settings)
    try:
        runtime = open_runtime(settings, services_to_serve or SERVICES)
    except KeyDirectoryError as error:
        raise click.ClickException(str(error)) from None
    try:
        app = create_app(runtime)
    except ValueError as error:  # e.g. the district's OIDC key set is unreadable
        runtime.close()
        raise click.ClickException(str(error)) from None
    address = f"http://{settings.host}:{settings.port}"
    served = ", ".join(runtime.services)
    mode = f"distretto, Kafka {settings.kafka_bootstrap}" if runtime.district_mode else "integrata"
    click.echo(f"Ambito ({served}; modalità {mode}) è in ascolto su {address}")
    if runtime.identity.district().demo:
        click.echo("Distretto demo. Accessi (utente / password / ruolo):")
        for username, password, role in DEMO_LOGINS:
            click.echo(f"  {username:<14} {password:<6} {role}")
        for client_id, secret, _scopes in DEMO_CLIENTS:
            click.echo(f"  {client_id:<14} {secret:<6} client di integrazione (client_credentials)")
        login = "-d grant_type=password -d username=operatore -d password=demo"
        click.echo(f"Token: curl {login} {address}/api/auth/token")
    configure_logging()
    # the client address is the peer: X-Forwarded-For only where AMBITO_TRUST_FORWARDED_FOR says
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


@main.group("projections")
def projections_group() -> None:
    """Read models built from the events."""


@projections_group.command("rebuild")
@click.pass_obj
def projections_rebuild(settings: Settings) -> None:
    """Empty the read models and replay them (from the ledgers, or from Kafka in district
    mode). Stop every service that feeds the read-model database first."""
    from services.runtime import rebuild_projections

    try:
        for name in rebuild_projections(settings):
            click.echo(f"{name}: ricostruita")
    except KeyDirectoryError as error:
        raise click.ClickException(str(error)) from None


def _with_data_dir(settings: Settings, data_dir: Path | None) -> Settings:
    if data_dir is None:
        return settings
    try:
        return Settings(**{**settings.model_dump(), "data_dir": data_dir})
    except ValueError as error:
        raise click.UsageError(str(error)) from None


def _create_demo(settings: Settings) -> bool:
    """Builds the demo district, or finishes one that was interrupted; False if complete."""
    from services.casework.demo import apri_casi_inoltrati, record_demo_casework
    from services.demo import (
        DemoError,
        demo_to_build,
        load_demo_identities,
        mark_demo_complete,
    )
    from services.intake.demo import record_demo_intake
    from services.network.demo import record_demo_network
    from services.runtime import open_runtime
    from shared.directory.projection import DirectoryProjection
    from shared.projections.runner import ProjectionRunner

    try:
        if not demo_to_build(settings):
            return False
    except DemoError as error:
        raise click.ClickException(str(error)) from None
    init_key_directory(settings.key_dir)
    load_demo_identities(settings)
    runtime = open_runtime(settings)
    try:
        comuni = [c.belfiore for c in runtime.identity.district().comuni]
        assert runtime.network is not None  # all services are open here
        network_events = runtime.district.ledger("network").recorder.max_notification_id()
        record_demo_network(runtime.network, comuni, already=network_events or 0)
        for feed in runtime.feeds:
            # embedded mode: the directory's projection catches up with the network just
            # recorded, so that intake checks its orientations against it (in district mode
            # it is fed from Kafka once the services run; the demo then records them as known)
            if isinstance(feed, ProjectionRunner) and isinstance(
                feed.projection, DirectoryProjection
            ):
                feed.catch_up()
        assert runtime.intake is not None
        record_demo_intake(runtime.intake, comuni)
        # the hand-over policy opens a case for each request handed over (in the background
        # once the services run: here at once), then the demo takes cases through every stage
        apri_casi_inoltrati(runtime)
        assert runtime.casework is not None
        record_demo_casework(runtime.casework)
    finally:
        runtime.close()
    mark_demo_complete(settings)
    return True


def _verify_one(
    settings: Settings, service: str, seal_key: bytes, public_key: Ed25519PublicKey
) -> VerificationReport | None:
    """The service's report; None when it has no ledger and no checkpoint ever covered one."""
    log = CheckpointLog(settings.checkpoints_directory(), service)
    url = settings.ledger_database_url(service)
    database_file = sqlite_file(url)
    if database_file is not None and not database_file.exists():
        missing = verify_missing_ledger(service, log, public_key)
        return missing if missing.checkpoints else None
    engines = create_engines(url)
    try:
        recorder = LedgerRecorder(service, engines, seal_key, create=False)
        if not recorder.exists():
            missing = verify_missing_ledger(service, log, public_key)
            return missing if missing.checkpoints else None
        return verify_ledger(recorder, seal_key, log, public_key)
    finally:
        engines.dispose()


def _open(settings: Settings) -> District:
    try:
        return open_district(settings)
    except KeyDirectoryError as error:
        raise click.ClickException(str(error)) from None


from services.cli_identity import clients, district, users  # noqa: E402
from services.cli_persone import persone  # noqa: E402
from services.cli_privacy import privacy  # noqa: E402
from services.cli_siuss import siuss  # noqa: E402

main.add_command(users)
main.add_command(clients)
main.add_command(district)
main.add_command(siuss)
main.add_command(privacy)
main.add_command(persone)


if __name__ == "__main__":
    main()
