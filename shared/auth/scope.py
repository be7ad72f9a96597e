"""What a caller may list: the comuni, and the areas, that an access rule gives their role.

A list filters its rows in the database with ``Ambito.filtro`` rather than authorising each
row, so paging counts only what the caller may see. One record is still authorised with
``shared.auth.policy.authorize`` (out of scope: 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, true

from shared.auth.policy import RULES, visible_comuni
from shared.auth.principal import Principal


@dataclass(frozen=True)
class Ambito:
    """What a caller may list for an action: comuni (None: all) and areas (None: all)."""

    comuni: frozenset[str] | None
    aree: frozenset[str] | None
    nominato: str | None = None
    """Set for a professional of a project: only the records naming them (the caller applies
    it: which records name whom is the service's own read model)."""

    def filtro(self, comune: Any, area: Any) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if self.comuni is not None:
            conditions.append(comune.in_(sorted(self.comuni)))
        if self.aree is not None:
            conditions.append(area.in_(sorted(self.aree)))
        return and_(true(), *conditions)


def ambito(principal: Principal, action: str) -> Ambito:
    """The caller's listing scope for ``action``: their comuni, and their areas too where the
    rule scopes the role by area (an assistente sociale's requests and cases); Forbidden when
    the role may not list these records at all."""
    comuni = visible_comuni(principal, action)
    aree = None
    scope = RULES[action].roles.get(principal.role) if principal.kind == "user" else None
    if scope == "comune_area":
        aree = principal.aree
    return Ambito(comuni, aree, principal.subject if scope == "progetto" else None)
