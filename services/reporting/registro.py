"""The observatory's own small ledger (design section 2): the reads of case files it serves,
the caseload thresholds coordinators set, and (later) the SIUSS flows it issues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID, uuid4, uuid5

from eventsourcing.persistence import IntegrityError

from services.reporting.giornata_siuss import GiornataSiuss
from services.reporting.soglie import SogliaCarico, id_soglia
from shared.auth.policy import require_role
from shared.auth.richiesta import Richiesta
from shared.errors import Conflict
from shared.events import acting
from shared.events.access import DatiPersonaliLetti
from shared.events.reporting import AccessoEmergenzaConfermato, AccessoEmergenzaContestato
from shared.ledger.application import LEGAL_BASIS_LETTURA, LedgerApplication
from shared.observability import PERSONAL_DATA_READS

LEGAL_BASIS_SOGLIA = "L328_ART22"
"""Setting a caseload threshold organises the Servizio sociale professionale."""
LEGAL_BASIS_REVISIONE = "GDPR_32"
"""Reviewing a break-glass read is a check of the security of processing."""
REVISIONI = UUID("0b8f9f0e-3c2a-4d5e-9a51-7e6c2d1f3a30")
"""Namespace of the review decisions' ids: one stream per break-glass read (decision 0030)."""
Esito = Literal["confermato", "contestato"]


def id_revisione(lettura_id: UUID) -> UUID:
    """The stream of the one decision on a break-glass read (a second one conflicts)."""
    return uuid5(REVISIONI, str(lettura_id))


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

    def registra_emergenza(
        self,
        richiesta: Richiesta,
        persona_id: str,
        caso_id: UUID,
        motivo: str,
        endpoint: str,
        comune: str,
    ) -> UUID:
        """Records a break-glass read (purpose ``EMERGENZA``) with its reason, encrypted
        under the person's key, before the data leaves the service; the read's event id."""
        with acting(richiesta.context(comune, LEGAL_BASIS_LETTURA)):
            event = DatiPersonaliLetti.model_validate(
                {
                    "aggregate_id": uuid4(),
                    "aggregate_version": 1,
                    "persona_id": persona_id,
                    "oggetto": "caso",
                    "oggetto_id": caso_id,
                    "finalita": "EMERGENZA",
                    "endpoint": endpoint,
                    "motivo": motivo,
                }
            )
        self.save(event)
        PERSONAL_DATA_READS.labels(service=self.name, purpose="EMERGENZA").inc()
        return event.event_id

    def decidi_emergenza(
        self,
        richiesta: Richiesta,
        esito: Esito,
        lettura_id: UUID,
        caso_id: UUID,
        persona_id: str,
        comune: str,
        nota: str | None,
    ) -> int:
        """Records the one decision on a break-glass read (the caller has checked who may);
        a second decision, even a concurrent one, is a 409. The position reached."""
        stream = id_revisione(lettura_id)
        if next(iter(self.events.get(stream, lte=1)), None) is not None:
            raise Conflict("l'accesso di emergenza è già stato esaminato")
        kind = AccessoEmergenzaConfermato if esito == "confermato" else AccessoEmergenzaContestato
        with acting(richiesta.context(comune, LEGAL_BASIS_REVISIONE)):
            event = kind.model_validate(
                {
                    "aggregate_id": stream,
                    "aggregate_version": 1,
                    "lettura_id": lettura_id,
                    "caso_id": caso_id,
                    "persona_id": persona_id,
                    "nota": nota,
                }
            )
        try:
            recordings = self.save(event)
        except IntegrityError:
            raise Conflict("l'accesso di emergenza è già stato esaminato") from None
        return int(recordings[-1].notification.id)
