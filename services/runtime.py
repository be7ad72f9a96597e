"""The embedded runtime: all four services in one process, projections fed from the ledgers.

This module and ``services.cli`` are the composition root (design section 11): the only
places that see every service.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from services.intake import api as intake_api
from services.intake.application import IntakeApplication
from services.reporting import api as reporting_api
from services.reporting.application import ReportingApplication
from services.reporting.projections import DomandePerComuneArea
from services.status import status_router
from shared.auth.tokens import TokenService
from shared.db import Engines, create_engines
from shared.identity.store import IdentityStore
from shared.keys import load_token_key
from shared.ledger.district import District, open_district
from shared.projections.runner import ProjectionRunner
from shared.settings import SERVICES, Settings
from shared.web.authentication import Authenticator, install_authentication
from shared.web.context import CorrelationMiddleware
from shared.web.errors import install_error_handlers
from shared.web.limits import BodySizeLimit
from shared.web.metrics import install_metrics


@dataclass
class Runtime:
    settings: Settings
    district: District
    identity: IdentityStore
    views: Engines
    intake: IntakeApplication
    reporting: ReportingApplication
    runners: list[ProjectionRunner] = field(default_factory=list)

    def start(self) -> None:
        for runner in self.runners:
            runner.catch_up()
            runner.start()

    def close(self) -> None:
        for runner in self.runners:
            runner.stop()
        self.district.close()
        self.identity.close()
        self.views.dispose()

    def ready(self) -> dict[str, str]:
        """What is not ready, by component (empty when everything is)."""
        problems: dict[str, str] = {}
        for service in SERVICES:
            try:
                self.district.ledger(service).recorder.max_notification_id()
            except Exception as error:  # readiness reports, never raises
                problems[f"ledger:{service}"] = type(error).__name__
        try:
            self.identity.district()
        except Exception as error:
            problems["identita"] = type(error).__name__
        for runner in self.runners:
            if runner._thread is None or not runner._thread.is_alive():
                problems[f"proiezione:{runner.projection.name}"] = "ferma"
        return problems


def open_runtime(settings: Settings) -> Runtime:
    district = open_district(settings)
    identity = IdentityStore(settings.identity_database_url())
    views = create_engines(settings.views_database_url())
    ledgers = {service: district.ledger(service) for service in SERVICES}
    intake = IntakeApplication(
        ledgers["intake"],
        district.keystore,
        lambda: frozenset(c.belfiore for c in identity.district().comuni),
    )
    requests_runner = ProjectionRunner(
        DomandePerComuneArea(), views, {name: ledger.recorder for name, ledger in ledgers.items()}
    )
    reporting = ReportingApplication(views, requests_runner)
    return Runtime(settings, district, identity, views, intake, reporting, [requests_runner])


def create_app(runtime: Runtime) -> FastAPI:
    tokens = TokenService(
        load_token_key(runtime.settings.key_dir), runtime.settings.token_ttl_seconds
    )

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
    )
    app.state.authenticator = Authenticator(runtime.identity, tokens)
    app.state.runtime = runtime
    install_error_handlers(app)
    install_authentication(app)
    install_metrics(app)
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(BodySizeLimit)

    app.include_router(intake_api.router(runtime.intake))
    app.include_router(reporting_api.router(runtime.reporting))
    for service in SERVICES:
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
