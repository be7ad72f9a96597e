"""From the catalogue's values to SIUSS codes, where the mapping is certain.

Where the events do not say enough (a parent without sex, an order type SINBA does not
list), the answer is ``None`` and the caller decides: omit an optional item, or block the
flow with the reason. Decision 0025 lists what is still missing from the events.
"""

from __future__ import annotations

from typing import Final

from services.reporting.siuss.modello import (
    AutoritaProvvedimento,
    ComposizioneFamiglia,
    PresenzaProvaMezzi,
    TipoProvvedimentoGiudiziario,
)
from shared.events.casework import AutoritaGiudiziaria, Relazione, TipoProvvedimento
from shared.events.profile import Sesso

AUTORITA: Final[dict[AutoritaGiudiziaria, AutoritaProvvedimento | None]] = {
    "giudice_tutelare": "1",
    "tribunale_minorenni": "2",
    "procura_minorenni": "3",
    "tribunale_ordinario": "4",
    "procura_ordinaria": None,  # not among SINBA's authorities
}
"""``AutoritaProvvedimentoType``."""

TIPO_PROVVEDIMENTO: Final[dict[TipoProvvedimento, TipoProvvedimentoGiudiziario | None]] = {
    "affidamento_servizio_sociale": "5",
    # An inquiry is a request for a report, not a measure on the minor; a support
    # administrator is for adults; "altro" says nothing SINBA can use.
    "indagine_psicosociale": None,
    "nomina_amministratore_sostegno": None,
    "altro": None,
}
"""``TipoProvvedimentoGiudiziarioType`` (only the orders the catalogue names)."""


def prova_mezzi(means_tested: bool) -> PresenzaProvaMezzi:
    """``InterventoAttivato.prova_mezzi``: ISEE (1) or none (4). Codes 2 and 3 (another means
    test; ISEE waived for this person) need an item the event does not have yet."""
    return "1" if means_tested else "4"


def composizione_famiglia(
    relazione: Relazione, sesso: Sesso | None, convivente: bool
) -> ComposizioneFamiglia | None:
    """One household member as SINBA's ``ComposizioneFamiglia`` (who the minor lives with).

    ``None`` for a member who does not live with the minor, and for a parent whose sex is
    unknown (``Membro`` has no sex yet: mother and father are different codes).
    """
    if not convivente:
        return None
    if relazione == "genitore":
        return None if sesso is None else ("1" if sesso == "F" else "2")
    if relazione == "fratello_sorella":
        return "3"
    if relazione == "nonno_nonna":
        return "4"
    return "6"
