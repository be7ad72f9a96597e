"""The gate every ``/api/`` and ``/waas/`` request passes first: the caller's role (or client
scope) must be admitted by the endpoint's actions (``shared.auth.endpoints``).

A FastAPI dependency of the whole app runs before parameters and body are validated, so a
role that may never call an endpoint gets 403 whatever it sends, and learns nothing from a
422 about what the endpoint expects. The service layer still decides on the record itself
(its comune, area, project: 403, or 404 for a read out of scope).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from shared.auth.endpoints import ENDPOINT_ACTIONS, PUBLIC
from shared.auth.policy import Forbidden, require_role
from shared.web.authentication import bearer, current_principal

GATED_PREFIXES = ("/api/", "/waas/")


def gate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if path is None or not path.startswith(GATED_PREFIXES):
        return
    key = (request.method.upper(), path)
    if key in PUBLIC or request.method in ("HEAD", "OPTIONS"):
        return
    principal = current_principal(request, credentials)
    actions = ENDPOINT_ACTIONS.get(key)
    if actions is None:  # deny by default: an endpoint nobody wrote a rule for
        raise Forbidden("operazione non prevista dalla politica di accesso")
    refusal: Forbidden | None = None
    for action in actions:
        try:
            require_role(principal, action)
        except Forbidden as error:
            refusal = error
            continue
        return
    assert refusal is not None
    raise refusal
