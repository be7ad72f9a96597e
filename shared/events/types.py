"""Value types shared by the events of every service."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, StringConstraints

from shared import codes

CodiceBelfiore = Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{3}$")]
"""Cadastral code of a comune (e.g. Gorgonzola E094)."""

AreaUtenza = Literal["FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN"]
"""ISTAT user area (design section 4)."""

Ruolo = Literal[
    "operatore",
    "assistente_sociale",
    "coordinatore",
    "ufficio_di_piano",
    "amministratore",
    "educatore",
    "psicologo",
    "pedagogista",
    "dpo",
    "client",
    "sistema",
]
"""Role of whoever acts: the users' roles, an integration client, or the system (policies)."""

Fonte = Literal["ui", "api", "cli", "feed:asl", "feed:tribunale", "system"]
"""Where a command came from (design section 3; ``cli`` added, see docs/decisions)."""

Canale = Literal["sportello", "telefono", "email", "pec", "domicilio", "invio_servizio", "web"]
"""How a request reached the Segretariato sociale."""

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=4000)]


def _known_code(lookup: str) -> AfterValidator:
    def check(value: str) -> str:
        table = getattr(codes, lookup)()
        if value not in table:
            raise ValueError(f"codice sconosciuto ({lookup})")
        return value

    return AfterValidator(check)


CodicePrestazioneSiuss = Annotated[str, _known_code("siuss_benefits")]
CodiceFinalita = Annotated[str, _known_code("access_purposes")]

FINALITA_RISERVATE = frozenset({"EMERGENZA", "RICHIESTA_INTERESSATO"})
"""Purposes only the service records: a break-glass read (its own endpoint, with a reason)
and the citizen's access report (the CLI). A reader cannot claim them."""


def _not_reserved(value: str) -> str:
    if value in FINALITA_RISERVATE:
        raise ValueError("finalità riservata: la registra il servizio, non chi legge")
    return value


FinalitaDichiarata = Annotated[CodiceFinalita, AfterValidator(_not_reserved)]
"""The purpose a reader states for a read (a query parameter of the reads)."""
