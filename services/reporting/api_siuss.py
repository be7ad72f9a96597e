"""HTTP entry points of SIUSS: INPS's ``/waas/v1`` API exactly as ``api-comuni.yaml``
specifies it (problem+json errors, ``since`` in milliseconds), and the coordinators' lists of
blocked and refused flows under ``/api/reporting/siuss``."""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from services.reporting.siuss_trasmissione import (
    EsitoIlleggibile,
    EsitoNotificato,
    TrasmissioneSiuss,
)
from shared.auth.policy import Forbidden, require_role
from shared.auth.richiesta import Richiesta
from shared.events import testo
from shared.events.testo import RIGA
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.errors import validation_details

PROBLEM = "application/problem+json"
log = logging.getLogger(__name__)
LIMITE_PREDEFINITO = 10
LIMITE_MASSIMO = 100
STATO = "reporting.siuss.flussi"


def problem(status: int, title: str, detail: str) -> JSONResponse:
    """An RFC 7807 problem, with only the fields the spec's ``Problem`` allows."""
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail[:4096]},
        status_code=status,
        media_type=PROBLEM,
    )


def ts_iso(ts: datetime) -> str:
    """``2023-11-27T11:04:56.852Z``: UTC, milliseconds, as INPS's examples write it."""
    utc = ts.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class EsitoIn(BaseModel):
    """One ``EsitoFlusso``, as loose as the spec: ``tipo`` is a plain string there (the
    flow's own type is used when the flow is ours)."""

    model_config = ConfigDict(extra="ignore")

    id_flusso: Annotated[str, RIGA] = Field(min_length=1, max_length=200)
    tipo: Annotated[str, RIGA] = Field(max_length=200)
    ts_flusso: AwareDatetime
    ts_acquisizione: AwareDatetime
    codice_esito: Literal["OK", "DATI_NON_TROVATI", "RICHIESTA_INVALIDA", "ERRORE_GENERICO"]
    descrizione_esito: str | None = None
    """INPS's free text: cleaned of what a text may not hold, never a reason to drop the
    outcome (``testo.ripulisci``)."""
    id_acquisizione_siuss: Annotated[str, RIGA] | None = Field(default=None, max_length=200)


class ElencoEsitiIn(BaseModel):
    """The batch; each item is read on its own (a malformed item does not make INPS resend
    the valid ones for ever)."""

    model_config = ConfigDict(extra="forbid")

    elenco_esiti: list[Any] = Field(default_factory=list, max_length=100)


def _primo_errore(error: ValidationError) -> str:
    """The first problem, naming the item and never echoing its value."""
    primo = error.errors()[0]
    campo = ".".join(str(p) for p in primo["loc"]) or "corpo"
    return f"{campo}: {primo['msg']}"


FLUSSO_ID: Final = re.compile(r"[A-Z]\d{3}\.(PS|SINBA)\.\d{8}\.\d{7}")
"""The shape of the flows' ids this district issues (``formato.id_flusso``)."""


def _descrizione_pulita(voce: Any) -> Any:
    """The item with INPS's free text made storable: its characters never drop an outcome."""
    if isinstance(voce, dict) and isinstance(voce.get("descrizione_esito"), str):
        return {
            **voce,
            "descrizione_esito": testo.ripulisci(voce["descrizione_esito"], multilinea=True),
        }
    return voce


def _illeggibile(indice: int, voce: Any, error: ValidationError) -> EsitoIlleggibile:
    """Where and why an item could not be read, in Italian, never its values; the flow's
    id only when it has the shape of ours (it is then looked up)."""
    (primo, *_) = validation_details(error.errors())
    id_flusso = voce.get("id_flusso") if isinstance(voce, dict) else None
    return EsitoIlleggibile(
        indice=indice,
        campo=primo["campo"] or "corpo",
        motivo=primo["errore"],
        id_flusso=id_flusso
        if isinstance(id_flusso, str) and FLUSSO_ID.fullmatch(id_flusso)
        else None,
    )


def _intero(valore: str | None, nome: str, minimo: int, massimo: int) -> int:
    if valore is None or not valore.strip().lstrip("-").isdigit():
        raise ValueError(f"{nome}: atteso un intero")
    numero = int(valore)
    if not minimo <= numero <= massimo:
        raise ValueError(f"{nome}: fuori dall'intervallo {minimo}-{massimo}")
    return numero


def waas_router(trasmissione: TrasmissioneSiuss) -> APIRouter:
    api = APIRouter(prefix="/waas/v1", tags=["siuss"])

    def richiesta(principal: CurrentPrincipal, request: Request) -> Richiesta:
        return Richiesta(principal, "api", correlation_id(request))

    @api.get("/flussi", response_model=None)
    def elenco_flussi(principal: CurrentPrincipal, request: Request) -> Any:
        """The flows issued after ``since`` (ms), oldest first, at most ``limit``."""
        try:
            require_role(principal, STATO)
        except Forbidden as error:
            return problem(403, "Accesso negato", str(error))
        try:
            since = _intero(request.query_params.get("since"), "since", 0, 10**20)
            limite = _intero(
                request.query_params.get("limit", str(LIMITE_PREDEFINITO)),
                "limit",
                0,
                LIMITE_MASSIMO,
            )
        except ValueError as error:
            return problem(400, "Richiesta non valida", str(error))
        try:
            serviti = trasmissione.flussi(richiesta(principal, request), since, limite)
        except Exception:
            log.exception("flussi SIUSS non serviti")
            return problem(500, "Errore interno", "flussi non disponibili: riprovare")
        return JSONResponse(
            {
                "elenco_flussi": [
                    {
                        "codice_ente": f.codice_ente,
                        "denominazione_ente": f.denominazione_ente[:256],
                        "id_flusso": f.id_flusso,
                        "tipo": f.tipo,
                        "ts_flusso": ts_iso(f.ts_flusso),
                        "flusso": base64.b64encode(f.xml).decode("ascii"),
                    }
                    for f in serviti
                ]
            }
        )

    @api.post("/esiti", response_model=None, status_code=204)
    async def notifica_esiti(principal: CurrentPrincipal, request: Request) -> Any:
        """INPS's outcomes: each recorded once; 204 when all are recorded (or known)."""
        try:
            require_role(principal, "reporting.siuss.esiti")
        except Forbidden as error:
            return problem(403, "Accesso negato", str(error))
        try:
            # Python's decoder: a lone surrogate in one item's text spoils that item only
            corpo = ElencoEsitiIn.model_validate(json.loads(await request.body()))
        except ValidationError as error:
            return problem(400, "Richiesta non valida", _primo_errore(error))
        except (ValueError, RecursionError):  # RecursionError: nested too deep to decode
            return problem(400, "Richiesta non valida", "corpo: non è JSON UTF-8 valido")
        esiti: list[EsitoNotificato] = []
        scartati: list[EsitoIlleggibile] = []
        for indice, voce in enumerate(corpo.elenco_esiti):
            try:
                e = EsitoIn.model_validate(_descrizione_pulita(voce))
            except ValidationError as error:
                scartati.append(_illeggibile(indice, voce, error))
                log.warning("esito SIUSS %d non leggibile: conservato per i coordinatori", indice)
                continue
            esiti.append(
                EsitoNotificato(
                    id_flusso=e.id_flusso,
                    tipo=e.tipo,
                    ts_flusso=e.ts_flusso,
                    ts_acquisizione=e.ts_acquisizione,
                    codice_esito=e.codice_esito,
                    descrizione_esito=e.descrizione_esito,
                    id_acquisizione_siuss=e.id_acquisizione_siuss or None,
                    indice=indice,
                )
            )
        try:
            # synchronous database work: off the event loop (design section 12)
            await run_in_threadpool(
                trasmissione.registra_esiti, richiesta(principal, request), esiti, scartati
            )
        except Exception:
            log.exception("esiti SIUSS non registrati")
            return problem(500, "Errore interno", "esiti non registrati: riprovare")
        return Response(status_code=204)

    @api.get("/status", response_model=None)
    def stato(principal: CurrentPrincipal) -> Any:
        """The service's state, as a problem+json document (the spec's health check)."""
        try:
            require_role(principal, STATO)
        except Forbidden as error:
            return problem(403, "Accesso negato", str(error))
        if not trasmissione.pronto():
            return problem(503, "Servizio non disponibile", "flussi SIUSS non aggiornati")
        # the spec's Problem admits no other field: what waits for the coordinators is said
        # in ``detail`` (decision 0033)
        bloccati, scartati = trasmissione.anomalie()
        return problem(
            200,
            "OK",
            f"servizio flussi SIUSS attivo; flussi bloccati: {bloccati}; "
            f"esiti non leggibili: {scartati}",
        )

    return api


class BloccatoOut(BaseModel):
    tipo: str
    operazione: str
    comune: str
    caso_id: str
    intervento_id: str | None
    id_flusso: str | None
    """Set for a flow issued once and no longer buildable (never sent again)."""
    campo: str | None
    motivo: str | None


class BloccatiOut(BaseModel):
    items: list[BloccatoOut]
    next: str | None = None


class RespintoOut(BaseModel):
    id_flusso: str
    tipo: str
    comune: str
    caso_id: str
    intervento_id: str | None
    ts_flusso: datetime | None
    esito: str
    descrizione: str | None


class RespintiOut(BaseModel):
    items: list[RespintoOut]
    next: str | None = None


class ScartatoOut(BaseModel):
    ricevuto_il: datetime
    indice: int
    """The item's place in INPS's batch."""
    campo: str
    motivo: str
    id_flusso: str | None
    """Set when the item names a flow of this district."""
    comune: str | None


class ScartatiOut(BaseModel):
    items: list[ScartatoOut]
    next: str | None = None


def router(trasmissione: TrasmissioneSiuss) -> APIRouter:
    api = APIRouter(prefix="/api/reporting/siuss", tags=["osservatorio"])

    @api.get("/bloccati", response_model=BloccatiOut)
    def bloccati(principal: CurrentPrincipal, request: Request) -> BloccatiOut:
        """Flows that cannot be built, with what is missing (never the value)."""
        found = trasmissione.bloccati(Richiesta(principal, "api", correlation_id(request)))
        return BloccatiOut(items=[BloccatoOut.model_validate(r) for r in found])

    @api.get("/respinti", response_model=RespintiOut)
    def respinti(principal: CurrentPrincipal, request: Request) -> RespintiOut:
        """Flows INPS refused, with its reason; each reason read is recorded."""
        found = trasmissione.respinti(Richiesta(principal, "api", correlation_id(request)))
        return RespintiOut(items=[RespintoOut.model_validate(r) for r in found])

    @api.get("/esiti-scartati", response_model=ScartatiOut)
    def esiti_scartati(principal: CurrentPrincipal, request: Request) -> ScartatiOut:
        """INPS's outcomes that could not be read (INPS will not send them again): which
        item, which field and why, never a value; the latest 1,000."""
        found = trasmissione.esiti_scartati(Richiesta(principal, "api", correlation_id(request)))
        return ScartatiOut(items=[ScartatoOut.model_validate(r) for r in found])

    return api
