"""The one authorisation policy every endpoint goes through, in the service layer.

Rules are data: for each action, the roles allowed and what the caller's scope must cover
(the comune of the record, and its area). Later issues add their actions here; the security
issue completes and tests the table as a whole (design section 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.auth.principal import Principal
from shared.events.types import Ruolo

Scope = Literal["none", "comune", "comune_area"]


class Forbidden(Exception):
    """The caller may not do this; the message is for the user, in Italian."""


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Ruolo]
    scope: Scope
    client_scopes: frozenset[str] = frozenset()


RULES: dict[str, Rule] = {
    "intake.domanda.registra": Rule(
        frozenset({"operatore", "assistente_sociale", "coordinatore"}), "comune"
    ),
    "intake.domanda.legge": Rule(
        frozenset({"operatore", "assistente_sociale", "coordinatore"}), "comune"
    ),
    "reporting.conteggi.legge": Rule(frozenset({"coordinatore", "ufficio_di_piano"}), "none"),
}


def authorize(
    principal: Principal, action: str, *, comune: str | None = None, area: str | None = None
) -> None:
    rule = RULES.get(action)
    if rule is None:
        raise Forbidden(f"azione non prevista dalla politica di accesso: {action}")
    if principal.kind == "client":
        if not rule.client_scopes & principal.scopes:
            raise Forbidden("questo client di integrazione non è abilitato a questa operazione")
        return
    if principal.role not in rule.roles:
        raise Forbidden("il tuo ruolo non consente questa operazione")
    if rule.scope in ("comune", "comune_area") and (
        comune is None or comune not in principal.comuni
    ):
        raise Forbidden("il comune non è tra quelli di tua competenza")
    if rule.scope == "comune_area" and (area is None or area not in principal.aree):
        raise Forbidden("l'area di utenza non è tra quelle di tua competenza")


def visible_comuni(principal: Principal, action: str) -> frozenset[str] | None:
    """The comuni whose records the caller may list for ``action`` (None: all of them)."""
    rule = RULES[action]
    if rule.scope == "none":
        return None
    return principal.comuni
