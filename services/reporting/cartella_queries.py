"""The cartella's service layer: the whole case as its social worker needs it, and its audit
view, from the ``reporting.cartella`` and ``reporting.verifiche`` read models.

Access follows ``reporting.cartella.legge`` (the same roles and scopes as reading the case in
casework): a role that may never read a case gets 403 before any lookup; a case outside the
caller's comuni or areas gets 403 with the reason and no data (the issue's acceptance), an
unknown one 404. Each read is recorded in
reporting's own ledger (``DatiPersonaliLetti``) before any personal value leaves the service;
personal fields are decrypted per response, erased ones read ``{"erased": true}``.
Deadlines and "overdue" are worked out here, at query time, in Europe/Rome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select

from services.reporting.cartella import casi, eventi, verifiche
from services.reporting.registro import RegistroOsservatorio
from shared.auth.policy import OutOfScope, authorize, authorize_read, require_role
from shared.auth.richiesta import Richiesta
from shared.db import Engines
from shared.errors import Conflict, FieldError, NotFound
from shared.ledger.codec import PersonalDataCodec
from shared.persons.keystore import KeyStore
from shared.projections.base import NotYetProjected, ProjectionFeed
from shared.scadenze import oggi, scadenze_del_caso, scaduta

LEGGE = "reporting.cartella.legge"
EMERGENZA = "reporting.cartella.emergenza"
MAX_WAIT_SECONDS = 5.0
ENDPOINT_CARTELLA = "GET /api/reporting/casi/{id}"
ENDPOINT_AUDIT = "GET /api/reporting/casi/{id}/audit"
ENDPOINT_EMERGENZA = "POST /api/reporting/casi/{id}/accesso-emergenza"
FINALITA_PER_RUOLO = {"coordinatore": "COORDINAMENTO", "assistente_sociale": "PRESA_IN_CARICO"}
"""The purpose a read cites when the reader names none (as casework's reads do)."""
FINALITA_PREDEFINITA = "PRESA_IN_CARICO"
REGISTRI_DEL_CASO: tuple[str, ...] = ("casework",)
"""The ledgers a case's events come from (the audit view shows their verification)."""
ESITI = {"integro": "ok", "compromesso": "rotto"}


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands instants back naive (they are UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class EventoDelCaso:
    """An event of the case as the read model holds it (``dati`` as stored, encrypted)."""

    tipo: str
    event_id: str
    versione: int
    posizione: int
    occurred_at: datetime
    recorded_at: datetime | None
    attore_utente: str
    attore_ruolo: str
    attore_comune: str | None
    base_giuridica: str
    fonte: str
    dati: dict[str, Any]

    @property
    def type(self) -> str:
        """The event type (what the deadline rules read)."""
        return self.tipo

    @property
    def data(self) -> dict[str, Any]:
        return self.dati

    def voce(self, dati: dict[str, Any] | None = None) -> dict[str, Any]:
        """The event as the responses show it; ``dati`` decrypted when given."""
        found: dict[str, Any] = {
            "tipo": self.tipo,
            "event_id": self.event_id,
            "versione": self.versione,
            "posizione": self.posizione,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "attore": {
                "utente": self.attore_utente,
                "ruolo": self.attore_ruolo,
                "comune": self.attore_comune,
            },
            "base_giuridica": self.base_giuridica,
            "fonte": self.fonte,
        }
        if dati is not None:
            found["dati"] = dati
        return found


def _evento(row: Row[Any]) -> EventoDelCaso:
    occurred = _utc(row.occurred_at)
    assert occurred is not None
    return EventoDelCaso(
        tipo=row.tipo,
        event_id=row.event_id,
        versione=int(row.versione),
        posizione=int(row.posizione),
        occurred_at=occurred,
        recorded_at=_utc(row.recorded_at),
        attore_utente=row.attore_utente,
        attore_ruolo=row.attore_ruolo,
        attore_comune=row.attore_comune,
        base_giuridica=row.base_giuridica,
        fonte=row.fonte,
        dati=dict(row.dati),
    )


# -- the cartella from the case's events (pure) ----------------------------------------------

Voce = dict[str, Any]


PERSONA_DA = frozenset({"CasoAperto", "DatiPersonaRettificati", "PersonaAttribuita"})
"""The events that say who the case's person is; the latest one holds."""


def _latest(voci: Sequence[Voce], tipo: str) -> Voce | None:
    found = [v for v in voci if v["tipo"] == tipo]
    return found[-1] if found else None


def _of(voci: Sequence[Voce], tipo: str, **match: str) -> list[Voce]:
    return [
        v
        for v in voci
        if v["tipo"] == tipo and all(str(v["dati"].get(k)) == value for k, value in match.items())
    ]


def componi(
    caso: dict[str, Any],
    eventi_del_caso: Sequence[EventoDelCaso],
    voci: Sequence[Voce],
    today: date,
) -> dict[str, Any]:
    """The cartella: the case's sections built from its events (``voci``: each event with
    its decrypted data, in order), its deadlines as of ``today`` (Europe/Rome)."""
    apertura = _latest(voci, "CasoAperto")
    dati_apertura: dict[str, Any] = apertura["dati"] if apertura is not None else {}
    # the person as opened, unless corrected or attributed since (decision 0032)
    anagrafe = [v for v in voci if v["tipo"] in PERSONA_DA]
    dati_persona: dict[str, Any] = anagrafe[-1]["dati"] if anagrafe else {}
    persona = {
        "persona_id": caso["persona_id"],
        "profilo": dati_persona.get("profilo"),
        "anagrafica": dati_persona.get("persona"),
    }
    valutazioni = [
        v | {"rettifiche": _of(voci, "ValutazioneRettificata", valutazione_event_id=v["event_id"])}
        for v in _of(voci, "ValutazioneEffettuata")
    ]
    definizione = _latest(voci, "ProgettoDefinito")
    progetto = (
        None
        if definizione is None
        else {
            "definizione": definizione,
            "revisioni": [
                v for v in _of(voci, "ProgettoRivisto") if v["versione"] > definizione["versione"]
            ],
        }
    )
    interventi = []
    for attivazione in _of(voci, "InterventoAttivato"):
        intervento_id = str(attivazione["dati"]["intervento_id"])
        interventi.append(
            {
                "intervento_id": intervento_id,
                "attivazione": attivazione,
                "monitoraggi": _of(voci, "MonitoraggioRegistrato", intervento_id=intervento_id),
                "verifiche": _of(voci, "InterventoVerificato", intervento_id=intervento_id),
                "conclusione": _latest(
                    _of(voci, "InterventoConcluso", intervento_id=intervento_id),
                    "InterventoConcluso",
                ),
                "annullamento": _latest(
                    _of(voci, "InterventoAnnullato", intervento_id=intervento_id),
                    "InterventoAnnullato",
                ),
            }
        )
    relazioni = _of(voci, "RelazioneInviata")
    nominati = {str(r["dati"].get("provvedimento_id")) for r in relazioni}
    provvedimenti = [
        v
        | {
            "provvedimento_id": str(v["dati"]["provvedimento_id"]),
            "relazione_inviata": str(v["dati"]["provvedimento_id"]) in nominati,
        }
        for v in _of(voci, "ProvvedimentoRecepito")
    ]
    return {
        "id": caso["caso_id"],
        "versione": caso["versione"],
        "posizione": caso["posizione"],
        "stato": caso["stato"],
        "comune": caso["comune"],
        "area_utenza": caso["area_utenza"],
        "assistente_sociale": caso["assistente_sociale"],
        "origine": dati_apertura.get("origine"),
        "urgente": bool(dati_apertura.get("urgente", False)),
        "motivo": dati_apertura.get("motivo"),
        "aperto_il": None if apertura is None else apertura["occurred_at"],
        "persona": persona,
        "nucleo": _latest(voci, "NucleoFamiliareRegistrato"),
        "rappresentante_legale": _latest(voci, "RappresentanteLegaleRegistrato"),
        "valutazioni": valutazioni,
        "contratto": _latest(voci, "ContrattoFirmato"),
        "progetto": progetto,
        "interventi": interventi,
        "segnalazioni": _of(voci, "SegnalazioneTribunale"),
        "provvedimenti": provvedimenti,
        "relazioni": relazioni,
        "questionari": _of(voci, "QuestionarioRaccolto"),
        "scadenze": [
            {
                "tipo": s.tipo,
                "entro": s.entro,
                "riferimento_id": s.riferimento_id,
                "scaduta": scaduta(s.entro, today),
            }
            for s in scadenze_del_caso(eventi_del_caso)
        ],
        "timeline": list(voci),
    }


def verifica(registro: str, row: Row[Any] | None) -> dict[str, Any]:
    """The latest verification of a ledger as the audit view shows it."""
    if row is None:
        return {"registro": registro, "stato": "mai verificato", "risultato": None}
    return {
        "registro": registro,
        "stato": "verificato",
        "risultato": {
            "esito": ESITI[row.esito],
            "verificato_il": _utc(row.verificato_il),
            "eventi": int(row.eventi),
            "ultima_posizione": row.ultima_posizione,
            "checkpoint": int(row.checkpoint),
            "anello_rotto_posizione": row.anello_rotto_posizione,
            "motivo": row.motivo,
        },
    }


# -- the service layer -----------------------------------------------------------------------


class CartellaQueries:
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

    def cartella(
        self,
        richiesta: Richiesta,
        caso_id: UUID,
        finalita: str | None = None,
        attendi_posizione: int | None = None,
    ) -> dict[str, Any]:
        """The whole case, decrypted for an entitled reader; the read is recorded first."""
        caso, eventi_del_caso = self._leggi(
            richiesta, caso_id, finalita, attendi_posizione, ENDPOINT_CARTELLA
        )
        voci = [e.voce(self.codec.decrypt(e.dati, e.event_id)) for e in eventi_del_caso]
        return componi(caso, eventi_del_caso, voci, oggi())

    def emergenza(
        self,
        richiesta: Richiesta,
        caso_id: UUID,
        motivo: str,
        attendi_posizione: int | None = None,
    ) -> dict[str, Any]:
        """Break-glass (decision 0030): an assistente sociale opens a case outside their
        comuni or areas in an emergency, giving a reason. The read is recorded first, with
        purpose ``EMERGENZA`` and the reason, for the coordinatore of the case's comune to
        review. A case already in the caller's scope is a 409: it is opened the usual way."""
        principal = richiesta.principal
        require_role(principal, EMERGENZA)  # 403 before any lookup or wait
        testo = motivo.strip()
        if not testo:
            raise FieldError(("body", "motivo"), "indica il motivo dell'accesso di emergenza")
        if attendi_posizione is not None and not self.feed.wait_for(
            "casework", attendi_posizione, MAX_WAIT_SECONDS
        ):
            raise NotYetProjected
        with self.views.reader.connect() as connection:
            row = connection.execute(
                select(casi).where(casi.c.caso_id == str(caso_id))
            ).one_or_none()
            if row is None:
                raise NotFound("caso non trovato")
            try:
                authorize(principal, LEGGE, comune=row.comune, area=row.area_utenza)
            except OutOfScope:
                pass
            else:
                raise Conflict("il caso è già di tua competenza: aprilo senza accesso di emergenza")
            rows = connection.execute(
                select(eventi)
                .where(eventi.c.caso_id == str(caso_id))
                .order_by(eventi.c.versione)
                .where(eventi.c.versione <= row.versione)
            ).all()
        self.registro.registra_emergenza(
            richiesta, row.persona_id, caso_id, testo, ENDPOINT_EMERGENZA, row.comune
        )
        eventi_del_caso = _eventi(rows)
        voci = [e.voce(self.codec.decrypt(e.dati, e.event_id)) for e in eventi_del_caso]
        return componi(dict(row._mapping), eventi_del_caso, voci, oggi())

    def audit(
        self,
        richiesta: Richiesta,
        caso_id: UUID,
        finalita: str | None = None,
        attendi_posizione: int | None = None,
    ) -> dict[str, Any]:
        """Every event of the case with actor, legal basis, source and both times, and the
        latest verification of each ledger they come from; the read is recorded first."""
        caso, eventi_del_caso = self._leggi(
            richiesta, caso_id, finalita, attendi_posizione, ENDPOINT_AUDIT
        )
        with self.views.reader.connect() as connection:
            found = {
                row.registro: row
                for row in connection.execute(
                    select(verifiche).where(verifiche.c.registro.in_(REGISTRI_DEL_CASO))
                )
            }
        return {
            "id": caso["caso_id"],
            "versione": caso["versione"],
            "items": [e.voce() for e in eventi_del_caso],
            "verifiche": [verifica(name, found.get(name)) for name in REGISTRI_DEL_CASO],
        }

    def _leggi(
        self,
        richiesta: Richiesta,
        caso_id: UUID,
        finalita: str | None,
        attendi_posizione: int | None,
        endpoint: str,
    ) -> tuple[dict[str, Any], list[EventoDelCaso]]:
        principal = richiesta.principal
        require_role(principal, LEGGE)  # 403 before any lookup or wait
        if attendi_posizione is not None and not self.feed.wait_for(
            "casework", attendi_posizione, MAX_WAIT_SECONDS
        ):
            raise NotYetProjected
        with self.views.reader.connect() as connection:
            row = connection.execute(
                select(casi).where(casi.c.caso_id == str(caso_id))
            ).one_or_none()
            if row is None:
                raise NotFound("caso non trovato")
            # outside the caller's comuni or areas: the same 404 as an unknown case
            authorize_read(
                principal,
                LEGGE,
                not_found="caso non trovato",
                comune=row.comune,
                area=row.area_utenza,
            )
            rows = connection.execute(
                select(eventi)
                .where(eventi.c.caso_id == str(caso_id))
                .order_by(eventi.c.versione)
                .where(eventi.c.versione <= row.versione)
            ).all()
        self.registro.registra_lettura(
            richiesta,
            row.persona_id,
            "caso",
            caso_id,
            finalita or FINALITA_PER_RUOLO.get(principal.role, FINALITA_PREDEFINITA),
            endpoint,
            row.comune,
        )
        caso = dict(row._mapping)
        return caso, _eventi(rows)


def _eventi(rows: Iterable[Row[Any]]) -> list[EventoDelCaso]:
    return [_evento(row) for row in rows]
