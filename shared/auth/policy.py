"""The one authorisation policy every operation goes through, in the service layer.

Rules are data: for each action, which roles may do it and what their scope must cover (the
record's comune, and its area), and which integration-client scopes may. Later issues add
their actions here; the security issue completes and tests the table as a whole (design
section 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from shared.auth.principal import Principal
from shared.errors import NotFound
from shared.events.types import Ruolo

Scope = Literal["any", "comune", "comune_area", "progetto"]
"""``progetto``: only a case whose project names the caller (the professionals of a project:
educatore, psicologo, pedagogista), whatever its comune or area."""

USER_ROLES: tuple[Ruolo, ...] = (
    "operatore",
    "assistente_sociale",
    "coordinatore",
    "ufficio_di_piano",
    "amministratore",
)


PROFESSIONISTI: dict[Ruolo, Scope] = {
    "educatore": "progetto",
    "psicologo": "progetto",
    "pedagogista": "progetto",
}
"""The professionals a project names: only its cases, only their own contributions."""


ALL_ROLES: tuple[Ruolo, ...] = (*USER_ROLES, *PROFESSIONISTI, "dpo")
"""Every user role, the professionals of projects and the dpo included."""


class Forbidden(Exception):
    """The caller's role may not do this at all; the message is for the user, in Italian."""


class OutOfScope(Forbidden):
    """The role may, but not on this record (another comune or area). Reads answer 404 for
    it, so that a caller does not learn that a record exists outside their scope."""


@dataclass(frozen=True)
class Rule:
    roles: dict[Ruolo, Scope]
    client_scopes: frozenset[str] = field(default_factory=frozenset)
    any_client: bool = False


RULES: dict[str, Rule] = {
    "intake.domanda.registra": Rule(
        {"operatore": "comune", "assistente_sociale": "comune_area", "coordinatore": "comune"}
    ),
    "intake.domanda.legge": Rule(
        {"operatore": "comune", "assistente_sociale": "comune_area", "coordinatore": "comune"}
    ),
    "intake.domanda.agisce": Rule(
        {"operatore": "comune", "assistente_sociale": "comune_area", "coordinatore": "comune"}
    ),
    "intake.domanda.storia": Rule({"operatore": "comune", "coordinatore": "comune"}),
    "intake.sportello.gestisce": Rule({"amministratore": "any"}),
    "intake.sportello.legge": Rule(dict.fromkeys(USER_ROLES, "any")),
    "intake.agenda.legge": Rule(
        {"operatore": "comune", "assistente_sociale": "comune", "coordinatore": "comune"}
    ),
    # whom a request or a case is about, when its codice fiscale is a known person's whose
    # data disagree or when it was wrongly linked: the coordinatore of its comune decides,
    # with a reason (decision 0032); rectification (GDPR art. 16) is the record's writers'
    "intake.persona.attribuisce": Rule({"coordinatore": "comune"}),
    "casework.persona.attribuisce": Rule({"coordinatore": "comune"}),
    "casework.caso.apre": Rule({"assistente_sociale": "comune_area", "coordinatore": "comune"}),
    "casework.caso.assegna": Rule({"coordinatore": "comune"}),
    "casework.caso.scrive": Rule({"assistente_sociale": "comune_area"}),
    "casework.caso.legge": Rule(
        {"assistente_sociale": "comune_area", "coordinatore": "comune", **PROFESSIONISTI}
    ),
    # a project's other professionals contribute their monitoring of its interventions
    "casework.caso.contribuisce": Rule({"assistente_sociale": "comune_area", **PROFESSIONISTI}),
    # The network directory is about organisations, not people: district-wide roles.
    "network.risorsa.gestisce": Rule({"coordinatore": "any", "ufficio_di_piano": "any"}),
    "network.collaborazione.gestisce": Rule({"coordinatore": "any", "ufficio_di_piano": "any"}),
    "network.incontro.registra": Rule(
        {"assistente_sociale": "any", "coordinatore": "any", "ufficio_di_piano": "any"}
    ),
    "network.controllo.registra": Rule({"coordinatore": "any", "ufficio_di_piano": "any"}),
    # the directory of the territory's organisations: no person in it
    "network.elenco.legge": Rule(
        dict.fromkeys(ALL_ROLES, "any"), client_scopes=frozenset({"rete"})
    ),
    "network.mappa.legge": Rule(
        {"assistente_sociale": "any", "coordinatore": "any", "ufficio_di_piano": "any"},
        client_scopes=frozenset({"rete"}),
    ),
    # exact counts: coordinators, on their comuni; the Ufficio di Piano gets the published,
    # suppressed tables of the observatory only
    "reporting.conteggi.legge": Rule({"coordinatore": "comune"}),
    # The observatory: free filtering (exact figures) only on one's own comuni; the
    # published, suppressed tables and their exports (decision 0023).
    "reporting.osservatorio.filtra": Rule({"coordinatore": "comune"}),
    "reporting.osservatorio.pubblicato": Rule(
        {"ufficio_di_piano": "any", "coordinatore": "comune", "amministratore": "any"}
    ),
    # Caseloads and deadlines list cases one by one: never the Ufficio di Piano's.
    "reporting.carichi.legge": Rule(
        {"assistente_sociale": "comune_area", "coordinatore": "comune"}
    ),
    "reporting.soglia.imposta": Rule({"coordinatore": "comune"}),
    "reporting.scadenze.distretto": Rule({"coordinatore": "comune"}),
    "reporting.cartella.legge": Rule(
        {"assistente_sociale": "comune_area", "coordinatore": "comune"}
    ),
    # the access log holds no personal value: who read which record, why (decision 0030)
    "reporting.accessi.legge": Rule(
        {"coordinatore": "comune", "amministratore": "any", "dpo": "any"}
    ),
    # break-glass: a social worker opens a case outside their scope, giving a reason; the
    # coordinatore of the case's comune reviews it, the dpo watches (decision 0030)
    "reporting.cartella.emergenza": Rule({"assistente_sociale": "any"}),
    "reporting.emergenze.legge": Rule({"coordinatore": "comune", "dpo": "any"}),
    "reporting.emergenze.decide": Rule({"coordinatore": "comune"}),
    # the citizen's access report (GDPR art. 15), produced at the server by the CLI
    "privacy.accessi.rapporto": Rule({"amministratore": "any", "dpo": "any"}),
    # erasures (decision 0029): who erased which pseudonymous id, when and why; no content
    "reporting.cancellazioni.legge": Rule({"dpo": "any", "amministratore": "any"}),
    # a reason recorded as free text before reasons were coded may name someone: the dpo's
    # eyes only (decision 0034)
    "reporting.cancellazioni.testo_libero": Rule({"dpo": "any"}),
    # SIUSS (issue 9): INPS's integration client reads the flows and notifies outcomes, and
    # nothing else (CONFINED_SCOPES); no user reads the flows, which name people in clear.
    "reporting.siuss.flussi": Rule({}, client_scopes=frozenset({"siuss"})),
    "reporting.siuss.esiti": Rule({}, client_scopes=frozenset({"siuss"})),
    "reporting.siuss.anomalie": Rule({"coordinatore": "comune"}),
    # files for a comune that uploads by hand: its coordinatore, at the server (the
    # amministratore reads no case)
    "reporting.siuss.esporta": Rule({"coordinatore": "comune"}),
    # a ledger position, for reading one's own writes: nothing about anyone
    "servizio.stato": Rule(dict.fromkeys(ALL_ROLES, "any"), any_client=True),
}

CONFINED_SCOPES: dict[str, str] = {"siuss": "reporting.siuss."}
"""A client holding one of these scopes may do only the actions under its prefix, whatever
else it holds: INPS's token reads ``/waas/v1`` and nothing else of the district."""


def _authorize_client(principal: Principal, action: str, rule: Rule) -> None:
    confined = [CONFINED_SCOPES[s] for s in principal.scopes if s in CONFINED_SCOPES]
    if any(not action.startswith(prefix) for prefix in confined) or not (
        rule.any_client or rule.client_scopes & principal.scopes
    ):
        raise Forbidden("questo client di integrazione non è abilitato a questa operazione")


def authorize(
    principal: Principal,
    action: str,
    *,
    comune: str | None = None,
    area: str | None = None,
    nominati: frozenset[str] = frozenset(),
) -> None:
    rule = RULES.get(action)
    if rule is None:
        raise Forbidden(f"azione non prevista dalla politica di accesso: {action}")
    if principal.kind == "client":
        _authorize_client(principal, action, rule)
        return
    scope = rule.roles.get(principal.role)
    if scope is None:
        raise Forbidden("il tuo ruolo non consente questa operazione")
    if scope in ("comune", "comune_area") and (comune is None or comune not in principal.comuni):
        raise OutOfScope("il comune non è tra quelli di tua competenza")
    if scope == "comune_area" and (area is None or area not in principal.aree):
        raise OutOfScope("l'area di utenza non è tra quelle di tua competenza")
    if scope == "progetto" and principal.subject not in nominati:
        raise OutOfScope("il progetto del caso non ti nomina tra i professionisti")


def authorize_read(
    principal: Principal,
    action: str,
    *,
    not_found: str,
    comune: str | None = None,
    area: str | None = None,
    nominati: frozenset[str] = frozenset(),
) -> None:
    """``authorize`` for one existing record a caller asked for by its id: out of their
    scope it is ``NotFound(not_found)``, the very answer (status, body, headers) to an id
    that does not exist, so that nobody learns that a record exists outside their comuni,
    areas or projects, nor which of the three it falls outside (decision 0034). The role
    was checked before the lookup (``require_role``): that stays a 403."""
    try:
        authorize(principal, action, comune=comune, area=area, nominati=nominati)
    except OutOfScope:
        raise NotFound(not_found) from None


def require_role(principal: Principal, action: str) -> None:
    """Forbidden when the caller's role (or client scope) may never do this, whatever the
    record: checked before looking a record up, so that a refusal says nothing about it."""
    rule = RULES.get(action)
    if rule is None:
        raise Forbidden(f"azione non prevista dalla politica di accesso: {action}")
    if principal.kind == "client":
        _authorize_client(principal, action, rule)
        return
    if principal.role not in rule.roles:
        raise Forbidden("il tuo ruolo non consente questa operazione")


def visible_comuni(principal: Principal, action: str) -> frozenset[str] | None:
    """The comuni whose records the caller may list for ``action`` (None: all of them);
    Forbidden when the caller's role may not list them at all."""
    if principal.kind == "client":
        authorize(principal, action)
        return None
    scope = RULES[action].roles.get(principal.role)
    if scope is None:
        raise Forbidden("il tuo ruolo non consente questa operazione")
    return None if scope in ("any", "progetto") else principal.comuni
