"""What the identity and settings store hands out: users, clients, the district's settings.

Plain frozen values, so that a service can cache them and pass them around without holding
a database connection. Domain words stay Italian (comune, abitanti, aree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal[
    "operatore",
    "assistente_sociale",
    "coordinatore",
    "ufficio_di_piano",
    "amministratore",
    "educatore",
    "psicologo",
    "pedagogista",
    "dpo",
]
ROLES: tuple[Role, ...] = get_args(Role)

ROLES_WITHOUT_COMUNE: frozenset[Role] = frozenset({"amministratore", "ufficio_di_piano", "dpo"})
"""Roles that act for the whole district and may therefore hold no comune (the data
protection officer is the district's, decision 0029)."""


class IdentityError(ValueError):
    """A refused change or lookup. The message is Italian, names the field and never
    carries a password or a secret; ``field`` lets an API put it in a 422's ``loc``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    codice_fiscale: str
    """Upper case; SIUSS names the operator by it."""
    nome: str
    comuni: tuple[str, ...]
    """Belfiore codes of the comuni the user works for, sorted."""
    aree: tuple[str, ...]
    """ISTAT user-area codes (FAM DIS ADD ELD IMMNOM POV MULBEN), sorted."""
    active: bool
    demo: bool
    """A demo account: it authenticates only while the district's demo flag is on."""


@dataclass(frozen=True)
class Client:
    """An integration client (INPS, the ASL, a court), OAuth2 client credentials."""

    client_id: str
    nome: str
    scopes: tuple[str, ...]
    active: bool
    demo: bool


@dataclass(frozen=True)
class Comune:
    belfiore: str
    istat: str
    nome: str
    regione: str
    abitanti: int


@dataclass(frozen=True)
class DistrictSettings:
    nome: str
    demo: bool
    """Set only in a demo data directory: demo accounts authenticate only where it is on."""
    comuni: tuple[Comune, ...]
    """Sorted by name."""

    def comune(self, belfiore: str) -> Comune | None:
        return next((comune for comune in self.comuni if comune.belfiore == belfiore), None)

    @property
    def abitanti(self) -> int:
        """The district's inhabitants, the denominator of the per-inhabitant indicators."""
        return sum(comune.abitanti for comune in self.comuni)


@dataclass(frozen=True)
class AuditEntry:
    at: str
    """ISO 8601, UTC."""
    actor: str
    action: str
    """E.g. ``user.add``, ``user.disable``, ``district.add_comune``."""
    subject: str
    """The username, client id or Belfiore code changed; ``district`` for the settings."""
