"""Errors as a district's users should see them: Italian, naming the field, never the value.

Pydantic echoes submitted values in its errors by default; a codice fiscale or a person's
need would then land in responses and logs (design section 4). Every 422 here is rebuilt
from the error's location and type only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.auth.policy import Forbidden
from shared.errors import Conflict, FieldError, NotFound, StaleVersion
from shared.persons.keystore import CodiceFiscaleAltrui, IdentitaDiscordante, PersonErasedError
from shared.projections.base import NotYetProjected

MESSAGES: dict[str, str] = {
    "missing": "campo obbligatorio",
    "extra_forbidden": "contiene un campo non previsto",
    "string_type": "deve essere un testo",
    "string_unicode": "contiene caratteri non ammessi (surrogati UTF-16 isolati)",
    "string_too_long": "testo troppo lungo (al massimo {max_length} caratteri)",
    "string_too_short": "testo troppo corto (almeno {min_length} caratteri)",
    "string_pattern_mismatch": "formato non valido",
    "bool_type": "deve essere vero o falso",
    "bool_parsing": "deve essere vero o falso",
    "int_type": "deve essere un numero intero",
    "int_parsing": "deve essere un numero intero",
    "date_type": "deve essere una data (AAAA-MM-GG)",
    "date_from_datetime_parsing": "deve essere una data (AAAA-MM-GG)",
    "date_parsing": "deve essere una data (AAAA-MM-GG)",
    "datetime_type": "deve essere una data e ora ISO 8601",
    "datetime_parsing": "deve essere una data e ora ISO 8601",
    "timezone_aware": "deve indicare il fuso orario",
    "literal_error": "valore non ammesso (ammessi: {expected})",
    "enum": "valore non ammesso",
    "model_type": "deve essere un oggetto",
    "model_attributes_type": "deve essere un oggetto",
    "dict_type": "deve essere un oggetto",
    "list_type": "deve essere un elenco",
    "uuid_parsing": "identificativo non valido",
    "uuid_type": "identificativo non valido",
    "json_invalid": "il corpo della richiesta non è JSON valido",
    "greater_than_equal": "deve essere almeno {ge}",
    "less_than_equal": "deve essere al massimo {le}",
}


def _message(error: dict[str, Any]) -> str:
    template = MESSAGES.get(error["type"])
    context = error.get("ctx") or {}
    if template is None:
        # our own validators raise ValueError with an Italian message and no value in it
        custom = context.get("error")
        return str(custom) if error["type"] == "value_error" and custom else "valore non valido"
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split(" (")[0]


def _location(error: dict[str, Any]) -> str:
    location = list(error["loc"])
    if error["type"] == "extra_forbidden":
        location = location[:-1]  # the unexpected key is the client's text: never echo it
    return ".".join(str(part) for part in location)


def validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"campo": _location(error), "errore": _message(error), "tipo": error["type"]}
        for error in errors
    ]


def _problem(status_code: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status_code)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return _problem(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "dati non validi",
            errori=validation_details(error.errors()),
        )

    @app.exception_handler(FieldError)
    async def _field(_: Request, error: FieldError) -> JSONResponse:
        field = ".".join(str(part) for part in error.location)
        return _problem(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "dati non validi",
            errori=[{"campo": field, "errore": error.message, "tipo": "value_error"}],
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return _problem(status.HTTP_403_FORBIDDEN, str(error))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, error: Conflict) -> JSONResponse:
        return _problem(status.HTTP_409_CONFLICT, str(error))

    @app.exception_handler(IntegrityError)
    async def _concurrent(request: Request, _: IntegrityError) -> JSONResponse:
        """Another request changed the same record between our read and our write: the
        ledger refused the second version, nothing was recorded."""
        if request.headers.get("if-match"):
            return _problem(
                status.HTTP_412_PRECONDITION_FAILED,
                "il dato è cambiato dopo la tua lettura: rileggilo e riprova",
            )
        return _problem(
            status.HTTP_409_CONFLICT,
            "il dato è stato modificato contemporaneamente da un'altra richiesta: riprova",
        )

    @app.exception_handler(PersonErasedError)
    async def _erased(_: Request, __: PersonErasedError) -> JSONResponse:
        return _problem(
            status.HTTP_409_CONFLICT,
            "i dati della persona sono stati cancellati: non si possono registrare altri atti",
        )

    @app.exception_handler(IdentitaDiscordante)
    async def _identity(_: Request, error: IdentitaDiscordante) -> JSONResponse:
        """Names the fields that disagree with the known holder of the codice fiscale,
        never a value of either person (decision 0032)."""
        return _problem(
            status.HTTP_409_CONFLICT,
            "il codice fiscale è di una persona già registrata i cui dati non concordano con "
            "quelli indicati: nulla è stato registrato. Verifica i dati, oppure registra la "
            "persona a parte con codice_fiscale_da_verificare",
            campi=list(error.campi),
        )

    @app.exception_handler(CodiceFiscaleAltrui)
    async def _altrui(_: Request, __: CodiceFiscaleAltrui) -> JSONResponse:
        return _problem(
            status.HTTP_409_CONFLICT,
            "il codice fiscale indicato è di un'altra persona registrata: la rettifica non "
            "lo attribuisce. Se le due schede riguardano la stessa persona, decide il "
            "coordinatore (attribuzione-persona)",
            campi=["codice_fiscale"],
        )

    @app.exception_handler(NotYetProjected)
    async def _not_yet(_: Request, __: NotYetProjected) -> JSONResponse:
        return JSONResponse(
            {"detail": "dati non ancora aggiornati alla posizione richiesta; riprova"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(StaleVersion)
    async def _stale(_: Request, error: StaleVersion) -> JSONResponse:
        return _problem(
            status.HTTP_412_PRECONDITION_FAILED,
            str(error) or "il dato è cambiato dopo la tua lettura: rileggilo e riprova",
        )

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, error: NotFound) -> JSONResponse:
        return _problem(status.HTTP_404_NOT_FOUND, str(error) or "non trovato")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else "errore"
        return JSONResponse(
            {"detail": _ITALIAN.get(detail, detail)},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )


_ITALIAN = {
    "Not Found": "risorsa non trovata",
    "Method Not Allowed": "metodo non consentito",
    "Not authenticated": "autenticazione richiesta",
    "There was an error parsing the body": "il corpo della richiesta non è leggibile (JSON UTF-8)",
}
