"""The observatory's own small ledger (design section 2): the reads of case files it serves,
the caseload thresholds coordinators set, and (later) the SIUSS flows it issues."""

from __future__ import annotations

from dataclasses import dataclass

from services.reporting.giornata_siuss import GiornataSiuss
from services.reporting.soglie import SogliaCarico, id_soglia
from shared.auth.policy import require_role
from shared.auth.richiesta import Richiesta
from shared.events import acting
from shared.ledger.application import LedgerApplication

LEGAL_BASIS_SOGLIA = "L328_ART22"
"""Setting a caseload threshold organises the Servizio sociale professionale."""


@dataclass(frozen=True)
class SogliaImpostata:
    area_utenza: str | None
    soglia: int
    versione: int
    posizione: int
    """Position reached in reporting's ledger."""


class RegistroOsservatorio(LedgerApplication):
    """The service layer over reporting's ledger; each capability adds its aggregates."""

    name = "reporting"
    aggregate_classes = (SogliaCarico, GiornataSiuss)

    def imposta_soglia(
        self, soglia: int, area_utenza: str | None, richiesta: Richiesta
    ) -> SogliaImpostata:
        """Records ``SogliaCaricoImpostata`` for an area (or the general threshold). A
        threshold is the district's, not one comune's: the actor acts for no comune. The
        value already in force again is a 409 (decision 0022)."""
        require_role(richiesta.principal, "reporting.soglia.imposta")

        def attempt() -> list[SogliaCarico]:
            found = self.find(id_soglia(area_utenza), SogliaCarico)
            with acting(richiesta.context(None, LEGAL_BASIS_SOGLIA)):
                if found is None:
                    return [SogliaCarico.imposta_nuova(soglia, area_utenza)]
                found.imposta(soglia)
                return [found]

        recordings = self.save_retrying(attempt)
        aggregate = self.find(id_soglia(area_utenza), SogliaCarico)
        assert aggregate is not None
        return SogliaImpostata(
            area_utenza, soglia, aggregate.version, recordings[-1].notification.id
        )

    def soglia(self, area_utenza: str | None) -> SogliaCarico | None:
        """The threshold set for an area (or the general one), if any."""
        return self.find(id_soglia(area_utenza), SogliaCarico)
