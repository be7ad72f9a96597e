"""The composition root of a running Ambito: which services, and how events flow.

Embedded mode (no Kafka configured): the four services in one process, projections fed
straight from the ledgers. District mode (``AMBITO_KAFKA_BOOTSTRAP``): each process serves
the services it is given, every ledger it owns is relayed to its topic, and projections are
fed from Kafka. The same applications and projections serve both (design section 5).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from services.casework import api as casework_api
from services.casework import api_identita as casework_identita_api
from services.casework.application import CaseworkApplication
from services.casework.policies import ApriCasoDaInoltro
from services.casework.projections import FascicoliCasework
from services.casework.queries import CaseworkQueries
from services.intake import api as intake_api
from services.intake import api_actions as intake_actions_api
from services.intake import api_identita as intake_identita_api
from services.intake import api_views as intake_views_api
from services.intake.application import IntakeApplication
from services.intake.projections import RegistriIntake
from services.intake.queries import IntakeQueries
from services.network import api as network_api
from services.network.application import NetworkApplication
from services.network.projections import MappaRete
from services.network.queries import NetworkQueries
from services.reporting import api as reporting_api
from services.reporting import api_cancellazioni as reporting_cancellazioni_api
from services.reporting import api_carichi as reporting_carichi_api
from services.reporting import api_cartella as reporting_cartella_api
from services.reporting import api_osservatorio as reporting_osservatorio_api
from services.reporting import api_siuss as reporting_siuss_api
from services.reporting.accessi import AccessiQueries, RegistroAccessi
from services.reporting.application import ReportingApplication
from services.reporting.cancellazioni import Cancellazioni, CancellazioniQueries
from services.reporting.carichi import CarichiReporting
from services.reporting.carichi_queries import CarichiQueries
from services.reporting.cartella import CartellaCasi, VerificheRegistri
from services.reporting.cartella_queries import CartellaQueries
from services.reporting.emergenze import EmergenzeQueries
from services.reporting.osservatorio import Osservatorio
from services.reporting.osservatorio_queries import OsservatorioQueries
from services.reporting.projections import DomandePerComuneArea
from services.reporting.registro import RegistroOsservatorio
from services.reporting.siuss.dovuti import FlussiSiuss
from services.reporting.siuss.schemi import schemi_ufficiali
from services.reporting.siuss_trasmissione import TrasmissioneSiuss
from services.status import status_router
from shared.auth.oidc import verifier_from_settings
from shared.auth.tokens import TokenService
from shared.bus.consumer import KafkaProjectionConsumer
from shared.bus.relay import Relay
from shared.db import Engines, create_engines
from shared.directory.lookup import ResourceDirectory
from shared.directory.projection import DirectoryProjection
from shared.identity.store import IdentityStore
from shared.keys import load_token_key
from shared.ledger.district import District, open_district
from shared.policies import KafkaPolicyConsumer, PolicyRunner
from shared.projections.base import Projection, ProjectionFeed, create_tables, reset
from shared.projections.runner import ProjectionRunner
from shared.settings import SERVICES, Settings
from shared.web.authentication import Authenticator, install_authentication
from shared.web.context import CorrelationMiddleware
from shared.web.errors import install_error_handlers
from shared.web.gate import gate
from shared.web.idempotency import caller_key, install_idempotency
from shared.web.idempotency_store import IdempotencyStore, derive_secret
from shared.web.limits import BodySizeLimit
from shared.web.metrics import install_metrics
from shared.web.security import install_security


@dataclass
class Runtime:
    settings: Settings
    services: tuple[str, ...]
    district: District
    identity: IdentityStore
    views: Engines
    intake: IntakeApplication | None = None
    intake_queries: IntakeQueries | None = None
    network: NetworkApplication | None = None
    network_queries: NetworkQueries | None = None
    directory: ResourceDirectory | None = None
    """The network directory as this process's read models hold it (for intake and
    casework: a dismissed resource receives no new referrals or interventions)."""
    casework: CaseworkApplication | None = None
    casework_queries: CaseworkQueries | None = None
    reporting: ReportingApplication | None = None
    registro: RegistroOsservatorio | None = None
    """Reporting's own ledger: the reads it serves, thresholds, SIUSS flows."""
    osservatorio: OsservatorioQueries | None = None
    """The observatory: indicators, published (suppressed) tables, exports."""
    carichi: CarichiQueries | None = None
    """Caseloads, deadlines and the caseload alarm."""
    cartelle: CartellaQueries | None = None
    """The case file (cartella) and its audit view."""
    accessi: AccessiQueries | None = None
    """The access log over every service's recorded reads."""
    emergenze: EmergenzeQueries | None = None
    """Break-glass reads and their review (decision 0030)."""
    siuss: TrasmissioneSiuss | None = None
    cancellazioni: CancellazioniQueries | None = None
    """The erasures of persons (decision 0029)."""
    """SIUSS: the flows INPS reads from ``/waas/v1``, and their outcomes."""
    feeds: list[ProjectionFeed] = field(default_factory=list)
    policies: list[PolicyRunner | KafkaPolicyConsumer] = field(default_factory=list)
    """Reactions to other services' events (the hand-over that opens a case)."""
    relays: list[Relay] = field(default_factory=list)
    idempotency: IdempotencyStore | None = None
    """The answers kept for ``Idempotency-Key`` retries (decision 0035)."""

    @property
    def district_mode(self) -> bool:
        return self.settings.kafka_bootstrap is not None

    def start(self) -> None:
        for relay in self.relays:
            relay.start()
        for feed in self.feeds:
            if isinstance(feed, ProjectionRunner):
                feed.catch_up()
            feed.start()
        for policy in self.policies:
            policy.start()
        if self.cancellazioni is not None:
            # an erasure recorded whose key survived a crash of `ambito persone oblio`
            self.cancellazioni.completa_pendenti()

    def close(self) -> None:
        for policy in self.policies:
            policy.stop()
        for feed in self.feeds:
            feed.stop()
        for relay in self.relays:
            relay.stop()
        self.district.close()
        self.identity.close()
        if self.idempotency is not None:
            self.idempotency.close()
        self.views.dispose()

    def ready(self) -> dict[str, str]:
        """What is not ready, by component (empty when everything is)."""
        problems: dict[str, str] = {}
        for service in self.services:
            try:
                self.district.ledger(service).recorder.max_notification_id()
            except Exception as error:  # readiness reports, never raises
                problems[f"ledger:{service}"] = type(error).__name__
        try:
            self.identity.district()
        except Exception as error:
            problems["identita"] = type(error).__name__
        workers: list[tuple[str, Any]] = [
            *((f"proiezione:{f.projection.name}", f) for f in self.feeds),
            *((f"relay:{r.stream}", r) for r in self.relays),
            *((f"politica:{p.policy.name}", p) for p in self.policies),
        ]
        for name, worker in workers:
            if not worker.running:
                problems[name] = "fermo"
            elif worker.failing:
                problems[name] = "in errore"
        return problems


def projections() -> list[Projection]:
    return [
        DomandePerComuneArea(),
        DirectoryProjection(),
        MappaRete(),
        RegistriIntake(),
        FascicoliCasework(),
        Osservatorio(),
        CarichiReporting(),
        CartellaCasi(),
        VerificheRegistri(),
        RegistroAccessi(),
        FlussiSiuss(),
        Cancellazioni(),
    ]


def _feed(
    projection: Projection, settings: Settings, views: Engines, district: District
) -> ProjectionFeed:
    if settings.kafka_bootstrap:
        return KafkaProjectionConsumer(
            projection,
            views,
            settings.kafka_bootstrap,
            prefix=settings.kafka_topic_prefix,
            partitions=settings.kafka_partitions,
            replication=settings.kafka_replication,
        )
    sources = {name: district.ledger(name).recorder for name in projection.sources}
    return ProjectionRunner(projection, views, sources)


def _policy(
    policy: ApriCasoDaInoltro, settings: Settings, district: District
) -> PolicyRunner | KafkaPolicyConsumer:
    """A policy fed from its source's topic (district), or straight from the source ledger
    (embedded: every ledger is in this process's data directory)."""
    target = policy.casework
    if settings.kafka_bootstrap:
        return KafkaPolicyConsumer(
            policy,
            target,
            settings.kafka_bootstrap,
            prefix=settings.kafka_topic_prefix,
            partitions=settings.kafka_partitions,
            replication=settings.kafka_replication,
        )
    return PolicyRunner(policy, target, district.ledger(policy.source).recorder)


def open_runtime(settings: Settings, services: Sequence[str] = SERVICES) -> Runtime:
    unknown = set(services) - set(SERVICES)
    if unknown:
        raise ValueError(f"servizi sconosciuti: {sorted(unknown)}")
    district = open_district(settings)
    identity = IdentityStore(settings.identity_database_url())
    views = create_engines(settings.views_database_url())
    runtime = Runtime(settings, tuple(services), district, identity, views)
    # in the identity store's database: shared by every process, never rebuilt (decision 0035)
    runtime.idempotency = IdempotencyStore(
        settings.identity_database_url(), derive_secret(district.keys.seal_key)
    )

    def district_comuni() -> frozenset[str]:
        return frozenset(c.belfiore for c in identity.district().comuni)

    if settings.kafka_bootstrap:
        runtime.relays = [
            Relay(
                district.ledger(service),
                settings.kafka_bootstrap,
                settings.kafka_topic_prefix,
                partitions=settings.kafka_partitions,
                replication=settings.kafka_replication,
            )
            for service in services
        ]
    if {"intake", "casework", "network"} & set(services):
        directory_feed = _feed(DirectoryProjection(), settings, views, district)
        runtime.feeds.append(directory_feed)
        runtime.directory = ResourceDirectory(views)
    if "intake" in services:
        registers_feed = _feed(RegistriIntake(), settings, views, district)
        runtime.feeds.append(registers_feed)
        runtime.intake_queries = IntakeQueries(views, registers_feed)
        runtime.intake = IntakeApplication(
            district.ledger("intake"),
            district.keystore,
            district_comuni,
            directory=runtime.directory,
            staff=identity.get_user,
        )
    if "casework" in services:
        cases_feed = _feed(FascicoliCasework(), settings, views, district)
        runtime.feeds.append(cases_feed)
        runtime.casework_queries = CaseworkQueries(views, cases_feed)
        runtime.casework = CaseworkApplication(
            district.ledger("casework"),
            district.keystore,
            district_comuni,
            directory=runtime.directory,
            staff=identity.get_user,
        )
        runtime.policies.append(_policy(ApriCasoDaInoltro(runtime.casework), settings, district))
    if "network" in services:
        map_feed = _feed(MappaRete(), settings, views, district)
        runtime.feeds.append(map_feed)
        runtime.network = NetworkApplication(
            district.ledger("network"),
            district_comuni,
        )
        runtime.network_queries = NetworkQueries(views, directory_feed, map_feed)
    if "reporting" in services:
        runtime.registro = RegistroOsservatorio(district.ledger("reporting"))
        osservatorio_feed = _feed(Osservatorio(), settings, views, district)
        runtime.feeds.append(osservatorio_feed)
        runtime.osservatorio = OsservatorioQueries(
            views, osservatorio_feed, identity.district, identity.users
        )
        carichi_feed = _feed(CarichiReporting(), settings, views, district)
        runtime.feeds.append(carichi_feed)
        runtime.carichi = CarichiQueries(views, carichi_feed, runtime.registro)
        cartella_feed = _feed(CartellaCasi(), settings, views, district)
        runtime.feeds.append(cartella_feed)
        runtime.feeds.append(_feed(VerificheRegistri(), settings, views, district))
        accessi_feed = _feed(RegistroAccessi(), settings, views, district)
        runtime.feeds.append(accessi_feed)
        runtime.cartelle = CartellaQueries(
            views, cartella_feed, runtime.registro, district.keystore
        )
        runtime.accessi = AccessiQueries(views, accessi_feed)
        runtime.emergenze = EmergenzeQueries(
            views, accessi_feed, runtime.registro, district.keystore
        )
        cancellazioni_feed = _feed(Cancellazioni(), settings, views, district)
        runtime.feeds.append(cancellazioni_feed)
        runtime.cancellazioni = CancellazioniQueries(views, cancellazioni_feed, district.keystore)
        siuss_feed = _feed(FlussiSiuss(), settings, views, district)
        runtime.feeds.append(siuss_feed)
        runtime.siuss = TrasmissioneSiuss(
            views,
            siuss_feed,
            cartella_feed,
            runtime.registro,
            district.keystore,
            identity,
            schemi_ufficiali(),
        )
        feed = _feed(DomandePerComuneArea(), settings, views, district)
        runtime.feeds.append(feed)
        runtime.reporting = ReportingApplication(views, feed)
    return runtime


def create_app(runtime: Runtime) -> FastAPI:
    settings = runtime.settings
    tokens = TokenService(load_token_key(settings.key_dir), settings.token_ttl_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="Ambito",
        description="Cartella sociale a eventi dell'ambito territoriale sociale",
        version="0.1.0",
        lifespan=lifespan,
        # the role gate, before any parameter or body is read (shared/auth/endpoints.py)
        dependencies=[Depends(gate)],
    )
    app.state.authenticator = Authenticator(
        runtime.identity, tokens, oidc=verifier_from_settings(settings)
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    install_authentication(app)
    if runtime.idempotency is not None:
        # inside metrics and correlation (a replay is timed, as an unmatched route, and
        # gets its own correlation id), outside the bearer check and the app it answers for
        authenticator: Authenticator = app.state.authenticator
        # break-glass is a read by POST: each retry is read, authorised and recorded again
        install_idempotency(
            app,
            runtime.idempotency,
            lambda token: caller_key(authenticator.principal(token)),
            reads={reporting_cartella_api.ACCESSO_EMERGENZA_PATH},
        )
    install_metrics(app)
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(BodySizeLimit, bulk_paths=frozenset({network_api.IMPORT_PATH}))
    install_security(app, settings)  # outermost: its headers are on every answer

    if runtime.intake is not None:
        app.include_router(intake_api.router(runtime.intake))
        app.include_router(intake_actions_api.router(runtime.intake))
        if runtime.intake_queries is not None:
            app.include_router(intake_views_api.router(runtime.intake, runtime.intake_queries))
            app.include_router(intake_identita_api.router(runtime.intake, runtime.intake_queries))
    if runtime.casework is not None and runtime.casework_queries is not None:
        app.include_router(casework_api.router(runtime.casework, runtime.casework_queries))
        app.include_router(casework_identita_api.router(runtime.casework, runtime.casework_queries))
    if runtime.network is not None and runtime.network_queries is not None:
        app.include_router(network_api.router(runtime.network, runtime.network_queries))
    if runtime.reporting is not None:
        app.include_router(reporting_api.router(runtime.reporting))
    if runtime.osservatorio is not None:
        app.include_router(reporting_osservatorio_api.router(runtime.osservatorio))
    if runtime.carichi is not None and runtime.registro is not None:
        app.include_router(reporting_carichi_api.router(runtime.carichi, runtime.registro))
    if runtime.cartelle is not None and runtime.accessi is not None:
        assert runtime.emergenze is not None
        app.include_router(
            reporting_cartella_api.router(runtime.cartelle, runtime.accessi, runtime.emergenze)
        )
    if runtime.siuss is not None:
        app.include_router(reporting_siuss_api.waas_router(runtime.siuss))
        app.include_router(reporting_siuss_api.router(runtime.siuss))
    if runtime.cancellazioni is not None:
        app.include_router(reporting_cancellazioni_api.router(runtime.cancellazioni))
    for service in runtime.services:
        app.include_router(status_router(service, runtime.district.ledger(service)))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"stato": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        problems = runtime.ready()
        if problems:
            return JSONResponse({"stato": "non pronto", "problemi": problems}, status_code=503)
        return JSONResponse({"stato": "pronto"})

    return app


def rebuild_projections(settings: Settings, timeout: float = 600.0) -> list[str]:
    """Empties every read model and replays it: from the ledgers in embedded mode, from the
    topics in district mode. Run it with the services that feed read models stopped."""
    district = open_district(settings)
    views = create_engines(settings.views_database_url())
    rebuilt = []
    try:
        for projection in projections():
            create_tables(projection, views)
            reset(projection, views)
            if settings.kafka_bootstrap:
                consumer = _feed(projection, settings, views, district)
                assert isinstance(consumer, KafkaProjectionConsumer)
                try:
                    consumer.drain(timeout)
                finally:
                    consumer.stop()
            else:
                sources = {name: district.ledger(name).recorder for name in projection.sources}
                ProjectionRunner(projection, views, sources).catch_up()
            rebuilt.append(projection.name)
    finally:
        district.close()
        views.dispose()
    return rebuilt
