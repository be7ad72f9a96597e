"""``Idempotency-Key``: a retried command records once and gets the first answer again.

A client that sends a command and loses the answer (a timeout, a dropped connection, a
server restarted after recording) cannot tell whether it was recorded; sending it again
would record it twice (issue 17). With the header, the first request runs and its answer is
kept for 24 hours per caller and key (``shared.web.idempotency_store``); the same key again,
sequentially or at the same moment, gets that answer replayed, marked
``Idempotent-Replayed: true``, and records nothing. The same key with another method, path
or body is refused (422), so a key reused by mistake cannot return an unrelated answer.

A pure ASGI middleware: it buffers only the request body (already bounded by
``BodySizeLimit``, outside it) and the one answer it keeps, and works the same under
concurrent requests. It covers ``POST``, ``PUT``, ``PATCH`` and ``DELETE`` under ``/api/``
and ``/waas/``, except the token endpoint; requests without the header, or without a valid
bearer token (the app answers those 401), pass through untouched.

What is replayed: 2xx answers only. Any other answer is not kept, so that a retry runs
again: 5xx (the client is meant to retry), and every 4xx, since a refusal may depend on the
moment as much as on the request (401 an expired token, 403 a role that may change, 404 a
case a policy has not opened yet, 409 state, 412 version, 422 "caso non ancora aperto" or an
act out of order, 429): the client corrects the request, or the state moves on, and retries.
Only the middleware's own 422 (the same key for another request) answers again as such.

Reads by ``POST`` (break-glass: ``POST /api/reporting/casi/{id}/accesso-emergenza`` answers
with a case file) are not covered at all: each retry is a new read, authorised and recorded
again, and a case file is never kept. ``install_idempotency`` is given their path templates.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth.principal import Principal
from shared.web.idempotency_store import IdempotencyStore, Reservation, StoredResponse

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIXES = ("/api/", "/waas/")
EXCLUDED_PREFIXES = ("/api/auth/",)
MAX_KEY_LENGTH = 255
WAIT_SECONDS = 15.0
"""How long a request waits for another one holding its key before answering 409."""
KEPT_HEADERS = frozenset({"content-type", "etag", "location", "content-disposition"})

INVALID_KEY = f"da 1 a {MAX_KEY_LENGTH} caratteri ASCII stampabili, una sola volta"
KEY_REUSED = "chiave già usata per un'altra richiesta (metodo, percorso o corpo diversi)"
IN_PROGRESS = "richiesta con la stessa chiave in corso: riprova fra poco"

CallerOf = Callable[[str], str | None]
"""The caller a bearer token stands for (``kind:subject``), None when it is not valid."""


def caller_key(principal: Principal | None) -> str | None:
    """Keys are per caller: a user and an integration client may share a name."""
    return None if principal is None else f"{principal.kind}:{principal.subject}"


Excluded = Callable[[str], bool]
"""Whether a request path (or an OpenAPI path template) is left out of the store."""


def nothing_excluded(path: str) -> bool:
    return False


def excluded_paths(templates: Collection[str]) -> Excluded:
    """The paths of the given route templates (``/api/x/{id}/y``): each parameter matches one
    path segment, as the router's own ``str`` convertor does; a template matches itself."""
    patterns = [compile_path(template)[0] for template in templates]
    literal = frozenset(templates)

    def excluded(path: str) -> bool:
        return path in literal or any(pattern.match(path) for pattern in patterns)

    return excluded


def covered(method: str, path: str, excluded: Excluded = nothing_excluded) -> bool:
    return (
        method in METHODS
        and path.startswith(PREFIXES)
        and not path.startswith(EXCLUDED_PREFIXES)
        and not excluded(path)
    )


class _InFlight:
    """The keys this process is running: a second request with one of them waits here, and
    then finds the first one's answer in the store, without polling the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[tuple[str, str]] = set()

    def take(self, slot: tuple[str, str]) -> bool:
        with self._lock:
            if slot in self._held:
                return False
            self._held.add(slot)
            return True

    def give_back(self, slot: tuple[str, str]) -> None:
        with self._lock:
            self._held.discard(slot)


async def _until(condition: Callable[[], bool], deadline: float) -> bool:
    """Polls (the event loop is not blocked, and no thread is held while waiting)."""
    delay = 0.005
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await anyio.sleep(delay)
        delay = min(delay * 2, 0.1)
    return True


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        store: IdempotencyStore,
        caller_of: CallerOf,
        wait_seconds: float = WAIT_SECONDS,
        excluded: Excluded = nothing_excluded,
    ) -> None:
        self.app = app
        self.store = store
        self.caller_of = caller_of
        self.wait_seconds = wait_seconds
        self.excluded = excluded
        self._in_flight = _InFlight()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not covered(scope["method"], scope["path"], self.excluded):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
        values = [value for name, value in headers if name == b"idempotency-key"]
        token = _bearer(headers)
        if not values or token is None:
            await self.app(scope, receive, send)
            return
        caller = await anyio.to_thread.run_sync(self.caller_of, token)
        if caller is None:  # the app answers 401 as it would without the header
            await self.app(scope, receive, send)
            return
        key = _valid_key(values)
        if key is None:
            await _send_json(send, 422, _field_error(INVALID_KEY))
            return
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        request = b"\x00".join(
            (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body)
        )
        slot = (caller, key)
        deadline = time.monotonic() + self.wait_seconds
        if not await _until(lambda: self._in_flight.take(slot), deadline):
            await _send_json(send, 409, {"detail": IN_PROGRESS}, ((b"retry-after", b"1"),))
            return
        try:
            reservation = await self._reserve(caller, key, request, deadline)
            if reservation.state == "mismatch":
                await _send_json(send, 422, _field_error(KEY_REUSED))
            elif reservation.state == "in_progress":  # in another process, still running
                await _send_json(send, 409, {"detail": IN_PROGRESS}, ((b"retry-after", b"1"),))
            elif reservation.response is not None:
                await _replay(send, reservation.response)
            else:
                await self._run(scope, body, receive, send, caller, key, reservation.owner)
        finally:
            self._in_flight.give_back(slot)

    async def _reserve(self, caller: str, key: str, request: bytes, deadline: float) -> Reservation:
        """Claims the key, waiting (bounded) while another process runs a request with it."""
        delay = 0.05
        while True:
            reservation = await anyio.to_thread.run_sync(self.store.reserve, caller, key, request)
            if reservation.state != "in_progress" or time.monotonic() >= deadline:
                return reservation
            await anyio.sleep(delay)
            delay = min(delay * 2, 0.5)

    async def _run(
        self,
        scope: Scope,
        body: bytes,
        receive: Receive,
        send: Send,
        caller: str,
        key: str,
        owner: str,
    ) -> None:
        """Runs the request holding the key; its answer is kept before it is sent, so that
        a client that never receives it finds it on its retry."""
        start: Message | None = None
        chunks: list[bytes] = []
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.store.release, caller, key, owner)
            raise
        if start is None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.store.release, caller, key, owner)
            raise RuntimeError("la risposta non è stata avviata")
        answer = b"".join(chunks)
        status = int(start["status"])
        with anyio.CancelScope(shield=True):
            try:
                if 200 <= status < 300:
                    kept = _kept_headers(start.get("headers") or [])
                    await anyio.to_thread.run_sync(
                        self.store.complete, caller, key, owner, status, kept, answer
                    )
                else:
                    await anyio.to_thread.run_sync(self.store.release, caller, key, owner)
            except Exception:
                # the request ran: its answer still goes out; a retry finds the key held
                # until its lease ends (decision 0035)
                log.exception("risposta idempotente non conservata")
        await send(start)
        await send({"type": "http.response.body", "body": answer, "more_body": False})


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def _valid_key(values: list[bytes]) -> str | None:
    if len(values) != 1:
        return None
    value = values[0]
    if not 1 <= len(value) <= MAX_KEY_LENGTH or any(not 0x20 <= b <= 0x7E for b in value):
        return None
    return value.decode("ascii")


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _kept_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in raw
        if name.decode("latin-1").lower() in KEPT_HEADERS
    ]


def _field_error(message: str) -> dict[str, Any]:
    return {
        "detail": "dati non validi",
        "errori": [{"campo": f"header.{HEADER}", "errore": message, "tipo": "value_error"}],
    }


async def _replay(send: Send, response: StoredResponse) -> None:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers
    ]
    headers += [
        (b"content-length", str(len(response.body)).encode()),
        (REPLAYED_HEADER.lower().encode(), b"true"),
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


async def _send_json(
    send: Send, status: int, content: dict[str, Any], extra: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    body = json.dumps(content, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Chiave scelta dal client (ad esempio un UUID) per ripetere senza rischi la stessa "
        "richiesta: per 24 ore la stessa chiave dello stesso utente registra una volta sola "
        "e riceve la stessa risposta (con `Idempotent-Replayed: true`); con un corpo, metodo "
        "o percorso diversi risponde 422, mentre la prima è in corso 409."
    ),
}


IGNORED_NOTE = (
    "L'header `Idempotency-Key` è ignorato: è una lettura, e ogni invio è una nuova lettura, "
    "autorizzata e registrata di nuovo."
)


def install_idempotency(
    app: FastAPI,
    store: IdempotencyStore,
    caller_of: CallerOf,
    wait_seconds: float = WAIT_SECONDS,
    *,
    reads: Collection[str] = (),
) -> None:
    """The middleware, and the header in the OpenAPI of every operation it covers.

    ``reads`` are the path templates of reads by ``POST`` (such as break-glass): not covered,
    a request with the header passes through, and their OpenAPI says the header is ignored."""
    excluded = excluded_paths(reads)
    app.add_middleware(
        IdempotencyMiddleware,
        store=store,
        caller_of=caller_of,
        wait_seconds=wait_seconds,
        excluded=excluded,
    )
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                if covered(method.upper(), path, excluded):
                    operation.setdefault("parameters", []).append(dict(PARAMETER))
                elif covered(method.upper(), path) and excluded(path):
                    described = operation.get("description", "").rstrip()
                    operation["description"] = "\n\n".join(filter(None, (described, IGNORED_NOTE)))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
