"""The erasures of persons (decision 0029), from the ``PersonaCancellata`` that
``ambito persone oblio`` records in reporting's ledger: who erased which pseudonymous id,
when, why (a code, and a protocol reference) and on what legal basis. No personal value, so
listing them records no read. Who may list them: ``reporting.cancellazioni.legge`` (the dpo
and the amministratore). An erasure recorded before reasons were coded (schema version 1)
kept its reason as free text, which may name someone: only the dpo sees it
(``reporting.cancellazioni.testo_libero``, decision 0034).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    MetaData,
    Row,
    String,
    Table,
    select,
)

from shared.auth.policy import Forbidden, require_role
from shared.auth.principal import Principal
from shared.db import Engines
from shared.paging import Pagina, fetch_page
from shared.persons.keystore import KeyStore
from shared.projections.base import NotYetProjected, ProjectionFeed, WireEvent, instant

log = logging.getLogger(__name__)

LEGGE = "reporting.cancellazioni.legge"
TESTO_LIBERO = "reporting.cancellazioni.testo_libero"
MAX_WAIT_SECONDS = 5.0

metadata = MetaData()
cancellazioni = Table(
    "reporting_cancellazioni",
    metadata,
    Column("persona_id", String(20), primary_key=True),
    Column("posizione", BigInteger, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("utente", String(100), nullable=False),
    Column("ruolo", String(30), nullable=False),
    Column("base_giuridica", String(40), nullable=False),
    # the reason's code (motivi_cancellazione.csv; TESTO_LIBERO for a version-1 erasure)
    Column("motivo", String(200), nullable=False),
    Column("protocollo", String(20), nullable=True),
    # a version-1 erasure's free-text reason: for the dpo's eyes only
    Column("motivo_testo", String(200), nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
)
"""One row per erased person (the ledger holds at most one erasure per person)."""


class Cancellazioni:
    name = "reporting.cancellazioni"
    sources: tuple[str, ...] = ("reporting",)
    event_types = frozenset({"PersonaCancellata"})
    metadata = metadata

    def apply(self, connection: Connection, event: WireEvent) -> None:
        data = event.data
        actor = data["actor"]
        connection.execute(
            cancellazioni.insert().values(
                persona_id=data["persona_id"],
                posizione=event.position,
                event_id=str(data["event_id"]),
                utente=actor["user"],
                ruolo=actor["role"],
                base_giuridica=data["legal_basis"],
                motivo=data["motivo"],
                protocollo=data.get("protocollo"),
                motivo_testo=data.get("motivo_testo"),
                occurred_at=instant(str(data["occurred_at"])),
            )
        )


@dataclass(frozen=True)
class Cancellazione:
    persona_id: str
    posizione: int
    event_id: str
    utente: str
    ruolo: str
    base_giuridica: str
    motivo: str
    protocollo: str | None
    motivo_testo: str | None
    occurred_at: datetime
    completata: bool = True
    """Whether the key store no longer holds the person's key (a crash between recording and
    destroying leaves it ``False`` until the service completes it)."""


def _puo(principal: Principal, action: str) -> bool:
    try:
        require_role(principal, action)
    except Forbidden:
        return False
    return True


def _cancellazione(row: Row[Any]) -> Cancellazione:
    values = dict(row._mapping)
    if values["occurred_at"].tzinfo is None:  # SQLite hands back naive UTC
        values["occurred_at"] = values["occurred_at"].replace(tzinfo=UTC)
    values["posizione"] = int(values["posizione"])
    return Cancellazione(**values)


class CancellazioniQueries:
    def __init__(self, views: Engines, feed: ProjectionFeed, keystore: KeyStore) -> None:
        self.views = views
        self.feed = feed
        self.keystore = keystore

    def completa_pendenti(self) -> int:
        """Destroys the key of every person whose erasure is recorded and whose key still
        exists (``ambito persone oblio`` stopped between its two steps). Destroying a key
        twice changes nothing; run when the service starts and on each listing."""
        with self.views.reader.connect() as connection:
            persone = list(connection.execute(select(cancellazioni.c.persona_id)).scalars())
        pendenti = [p for p in persone if not self.keystore.is_erased(p)]
        for persona_id in pendenti:
            self.keystore.erase(persona_id)
        if pendenti:
            log.warning("cancellazioni completate dal servizio: %d", len(pendenti))
        return len(pendenti)

    def elenco(
        self,
        principal: Principal,
        *,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """The erasures, most recent first (403 for any role but the dpo's and the
        amministratore's, checked before anything is read); a version-1 free-text reason
        only for the dpo."""
        require_role(principal, LEGGE)
        testo_libero = _puo(principal, TESTO_LIBERO)
        if attendi_posizione is not None and not self.feed.wait_for(
            "reporting", attendi_posizione, MAX_WAIT_SECONDS
        ):
            raise NotYetProjected
        self.completa_pendenti()
        c = cancellazioni.c
        query = select(cancellazioni).order_by(c.occurred_at.desc(), c.posizione.desc())
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        voci = [
            replace(
                _cancellazione(row),
                completata=self.keystore.is_erased(row.persona_id),
                motivo_testo=row.motivo_testo if testo_libero else None,
            )
            for row in page.items
        ]
        return Pagina(voci, page.next_offset)
