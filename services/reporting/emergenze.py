"""Break-glass reviews (decision 0030): the coordinatore of a case's comune sees the
emergency reads of its cases, with their reasons, and confirms or contests each one once;
the dpo sees them all, read-only.

The reasons and notes are free text that may name the person: decrypted per response, and
each review shown with them is itself a read of that person's data (purpose ``CONTROLLO``),
recorded before it leaves the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import Row, select

from services.reporting.accessi import emergenze
from services.reporting.registro import Esito, RegistroOsservatorio
from shared.auth.policy import authorize_read, require_role, visible_comuni
from shared.auth.richiesta import Richiesta
from shared.db import Engines
from shared.errors import FieldError, NotFound
from shared.ledger.codec import PersonalDataCodec
from shared.paging import Pagina, fetch_page
from shared.persons.keystore import KeyStore
from shared.projections.base import NotYetProjected, ProjectionFeed

LEGGE = "reporting.emergenze.legge"
DECIDE = "reporting.emergenze.decide"
FINALITA_REVISIONE = "CONTROLLO"
ENDPOINT_ELENCO = "GET /api/reporting/accessi-emergenza"
MAX_WAIT_SECONDS = 5.0
Stato = Literal["da_rivedere", "confermato", "contestato"]


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite hands back naive UTC
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class Decisione:
    stato: Esito
    lettura_id: UUID
    posizione: int
    """Position reached in reporting's ledger (``attendi_posizione`` of the list)."""


class EmergenzeQueries:
    def __init__(
        self,
        views: Engines,
        feed: ProjectionFeed,
        registro: RegistroOsservatorio,
        keystore: KeyStore,
    ) -> None:
        self.views = views
        self.feed = feed
        self.registro = registro
        self.codec = PersonalDataCodec(keystore)

    def elenco(
        self,
        richiesta: Richiesta,
        stato: Stato | None = None,
        offset: int = 0,
        limit: int = 50,
        attendi_posizione: int | None = None,
    ) -> Pagina:
        """Break-glass reads of the caller's comuni (the dpo: all), newest first, with their
        reasons decrypted; each one shown is recorded as a read first."""
        principal = richiesta.principal
        comuni = visible_comuni(principal, LEGGE)
        if attendi_posizione is not None and not self.feed.wait_for(
            "reporting", attendi_posizione, MAX_WAIT_SECONDS
        ):
            raise NotYetProjected
        e = emergenze.c
        query = select(emergenze).order_by(e.occurred_at.desc(), e.lettura_id)
        if comuni is not None:
            query = query.where(e.comune.in_(sorted(comuni)))
        if stato is not None:
            query = query.where(e.stato == stato)
        with self.views.reader.connect() as connection:
            page = fetch_page(connection, query, offset, limit)
        # the dpo reviews who opened what, never the reasons (case content, decision 0031)
        testi = principal.role != "dpo"
        letture = [
            self.registro.read_event(
                richiesta,
                row.persona_id,
                "accesso_emergenza",
                UUID(row.lettura_id),
                FINALITA_REVISIONE,
                ENDPOINT_ELENCO,
                row.comune,
            )
            for row in page.items
            if testi
        ]
        if letture:
            self.registro.save(*letture)
        return Pagina([self._voce(row, testi) for row in page.items], page.next_offset)

    def decidi(
        self, richiesta: Richiesta, lettura_id: UUID, esito: Esito, nota: str | None
    ) -> Decisione:
        """Confirms or contests a break-glass read: the coordinatore of the case's comune,
        once (409 on a second decision); a contest needs a note (422). A read of another
        comune is not found, exactly as an unknown one (404)."""
        principal = richiesta.principal
        require_role(principal, DECIDE)  # 403 before any lookup
        testo = nota.strip() if nota is not None else None
        if esito == "contestato" and not testo:
            raise FieldError(("body", "nota"), "indica perché l'accesso è contestato")
        with self.views.reader.connect() as connection:
            row = connection.execute(
                select(emergenze).where(emergenze.c.lettura_id == str(lettura_id))
            ).one_or_none()
        if row is None:
            raise NotFound("accesso di emergenza non trovato")
        authorize_read(
            principal, DECIDE, not_found="accesso di emergenza non trovato", comune=row.comune
        )
        posizione = self.registro.decidi_emergenza(
            richiesta,
            esito,
            lettura_id,
            UUID(row.caso_id),
            row.persona_id,
            row.comune,
            testo or None,
        )
        return Decisione(esito, lettura_id, posizione)

    def _voce(self, row: Row[Any], testi: bool = True) -> dict[str, Any]:
        motivo = (
            self.codec.decrypt({"motivo": row.motivo}, row.lettura_id)["motivo"]
            if row.motivo is not None and testi
            else None
        )
        decisione = None
        if row.decisione_id is not None:
            nota = (
                self.codec.decrypt({"nota": row.nota}, row.decisione_id)["nota"]
                if row.nota is not None and testi
                else None
            )
            decisione = {
                "utente": row.decisione_utente,
                "ruolo": row.decisione_ruolo,
                "occurred_at": _utc(row.decisione_at),
                "nota": nota,
            }
        return {
            "lettura_id": row.lettura_id,
            "caso_id": row.caso_id,
            "persona_id": row.persona_id,
            "comune": row.comune,
            "utente": row.utente,
            "ruolo": row.ruolo,
            "occurred_at": _utc(row.occurred_at),
            "motivo": motivo,
            "stato": row.stato,
            "decisione": decisione,
        }
