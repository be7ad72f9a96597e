"""Projections rebuild: events per second that the projections apply during a rebuild,
against reading and decoding the same events from the ledgers without applying them,
measured in the same run. Prints both and their ratio, and per projection.

1. N valid sealed events are bulk-generated straight into fresh ledgers (not timed, not the
   measure): whole journeys of fictitious people through the district, in the demo district's
   comuni over the last two years. A request at the Segretariato sociale (information,
   orientation to a network resource, appointments, applications, a hand-over); the case the
   hand-over opens (by the policy's derived ids), or one opened by an emergency or a court
   order; assignment, taking charge, household, assessment, contract, project, interventions
   with monitoring and verification, questionnaires, court reports and orders, closure; the
   reads of personal data each service records (``DatiPersonaliLetti``, in intake, casework
   and reporting); the network's resources, collaborations, meetings and quality checks;
   reporting's caseload thresholds. Each person is new and gets a key of their own, as in
   production. Events are catalogued models with real envelopes (actors of the demo
   district, legal bases from ``basi_giuridiche.csv``), encrypted by the ledger's mapper and
   inserted in batches by the ledger's recorder, which seals and chains them as in
   production. A journey cut short by N (or by today) is a case still in progress.
2. Baseline: every ledger read in position order in batches of ``ProjectionRunner.BATCH`` by
   ``select_notifications``, each event decoded into a ``WireEvent`` as a feed does, nothing
   applied. It runs before and after the rebuild; the faster run counts.
3. Rebuild: for every projection of ``services.runtime.projections()`` (whatever it holds
   when this runs), what ``ambito projections rebuild`` does in embedded mode: create its
   tables, ``reset``, and replay it through ``ProjectionRunner.catch_up()`` with tracking,
   into a read-model database that starts empty. Rebuild events per second is N over the
   sum of the projections' times (a ledger read by three projections is read three times:
   that is the rebuild's cost).
4. Then the read models are checked against what was generated (rows per table, states,
   sums, and every projection's tracked position at its ledgers' heads): a mismatch prints
   what differs and exits with status 1, since a broken rebuild's speed means nothing.

    python -m bench.projections [--events N] [--backend sqlite|postgres]
                                [--postgres-url URL] [--seed S]

PostgreSQL: ledgers, key store and read models each in a database of their own on the
given server (or AMBITO_BENCH_POSTGRES_URL), else on a throwaway server started by
deploy/postgres/pg with fsync on, as in production.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import StoredEvent
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from services.runtime import projections
from shared import codes
from shared.db import Engines, create_engines
from shared.events import Actor, CommandContext, LedgerEvent, acting
from shared.events import access as access_events
from shared.events import casework as casework_events
from shared.events import intake as intake_events
from shared.events import network as network_events
from shared.events import reporting as reporting_events
from shared.events.envelope import POLICY_NAMESPACE
from shared.events.profile import ProfiloStatistico, Sesso, classe_cittadinanza, fascia_eta
from shared.events.types import AreaUtenza, Fonte
from shared.keys import init_key_directory, load_district_keys
from shared.ledger.ledger import Ledger
from shared.persons.keystore import KeyStore
from shared.projections.base import (
    Projection,
    create_tables,
    projection_positions,
    reset,
    wire_event,
)
from shared.projections.runner import ProjectionRunner
from shared.settings import SERVICES

REPOSITORY = Path(__file__).resolve().parents[1]
PG_SCRIPT = REPOSITORY / "deploy" / "postgres" / "pg"

INSERT_BATCH = 1000
"""Events per ``insert_events`` call, per ledger: one transaction, sealed under one lock."""
SPAN_DAYS = 730
"""Journeys start within the last two years (the observatory compares years)."""

COMUNI = ("E094", "B292", "G965")
"""The demo district's comuni (``shared.identity.demo``), Gorgonzola weighted as the largest."""
COMUNI_WEIGHTS = (20_700, 8_600, 8_700)
AREE: tuple[AreaUtenza, ...] = ("FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV")
"""A request is about one area (MULBEN is for resources serving several)."""
ASSISTENTI = {
    "FAM": "as.minori",
    "ELD": "as.anziani",
    "DIS": "as.anziani",
    "POV": "as.adulti",
    "IMMNOM": "as.adulti",
    "ADD": "as.adulti",
}
"""The demo social worker of each area."""
SESSI: tuple[Sesso, ...] = ("M", "F")
CANALI = ("sportello", "telefono", "email", "pec", "domicilio", "invio_servizio", "web")
NOMI = ("Maria", "Giuseppe", "Anna", "Luca", "Francesca", "Ahmed", "Elena", "Marco", "Fatima")
COGNOMI = ("Rossi", "Brambilla", "Colombo", "Ferrari", "Bianchi", "El Amrani", "Galli", "Riva")
PAESI = (380, 380, 380, 380, 380, 642, 504, 608, 8)
"""ISO 3166-1 numeric citizenship: mostly Italian, some Romanian, Moroccan, Filipino, Albanian."""
PERSON_ALPHABET = string.ascii_uppercase + string.digits
MONTH_LETTERS = "ABCDEHLMPRST"

OPERATORE = Actor(user="operatore", role="operatore")
COORDINATORE = Actor(user="coordinatore", role="coordinatore")
SISTEMA = Actor(user="sistema", role="sistema")
AMMINISTRATORE = Actor(user="admin", role="amministratore")


# -- what was generated ------------------------------------------------------------------


@dataclass
class Generated:
    """What went into the ledgers: events by (ledger, type), and a few derived counts that
    the read models must show."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    persons: int = 0
    interventions_with_resource: int = 0
    cases_without_request: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def of(self, event_type: str) -> int:
        """Events of that type, in whichever ledger."""
        return sum(n for (_, kind), n in self.counts.items() if kind == event_type)

    def in_ledger(self, ledger: str) -> int:
        return sum(n for (name, _), n in self.counts.items() if name == ledger)


@dataclass
class _Stream:
    """An aggregate being written: its id and the next version."""

    id: UUID
    version: int = 0
    last: datetime | None = None
    """When its latest event occurred: a stream's events never go back in time."""

    def next(self) -> int:
        self.version += 1
        return self.version


@dataclass(frozen=True)
class _Person:
    """What stays true of a person across their requests (the pool is bounded)."""

    id: str
    birth_years: float
    sesso: Sesso
    paese: int
    comune: str
    nome: str
    cognome: str


class _Full(Exception):
    """N events are written: the run stops here."""


class _Today(Exception):
    """The journey has reached today: its person's story stops here, in progress."""


class Generator:
    """Writes N events of whole journeys into the district's ledgers, batch by batch."""

    def __init__(
        self, ledgers: Mapping[str, Ledger], seed: int, now: datetime, persons: int = 5000
    ) -> None:
        self.ledgers = ledgers
        self.max_persons = persons
        self.people: list[_Person] = []
        self.rng = random.Random(seed)
        self.now = now
        self.buffers: dict[str, list[StoredEvent]] = {name: [] for name in ledgers}
        self.generated = Generated()
        self.limit = 0
        benefits = codes.siuss_benefits()
        self.prestazioni = [
            code
            for code in ("A2.07", "A1.04", "A1.05", "A1.12", "A2.01", "A1.16", "A1.06", "A2.12")
            if code in benefits
        ] or sorted(benefits)[:5]
        self.tipi_istanza = [
            t for t in codes.application_types().values() if t.prestazione in benefits
        ]
        self.risorse: list[UUID] = []
        self.risorse_streams: list[_Stream] = []
        self.sportelli: dict[str, UUID] = {}
        self.soglie: dict[str, _Stream] = {}

    # ids and envelopes

    def _uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def _person(self) -> str:
        return "".join(self.rng.choices(PERSON_ALPHABET, k=20))

    def _context(self, actor: Actor, legal_basis: str, source: Fonte = "ui") -> CommandContext:
        return CommandContext(
            actor=actor, legal_basis=legal_basis, source=source, correlation_id=self._uuid()
        )

    def _record(
        self,
        ledger: str,
        cls: type[LedgerEvent],
        stream: _Stream,
        at: datetime,
        context: CommandContext,
        **fields: Any,
    ) -> LedgerEvent:
        """One catalogued event, encrypted by the ledger's mapper into its ledger's batch."""
        if self.generated.total >= self.limit:
            raise _Full
        at = max(at, stream.last or at)
        if at > self.now:
            raise _Today
        stream.last = at
        with acting(context):
            event = cls.model_validate(
                {
                    "event_id": fields.pop("event_id", None) or self._uuid(),
                    "aggregate_id": stream.id,
                    "aggregate_version": stream.next(),
                    "occurred_at": at,
                    **fields,
                }
            )
        buffer = self.buffers[ledger]
        buffer.append(self.ledgers[ledger].mapper.to_stored_event(event))
        self.generated.counts[(ledger, cls.event_type)] += 1
        if len(buffer) >= INSERT_BATCH:
            self._flush(ledger)
        return event

    def _flush(self, ledger: str) -> None:
        buffer = self.buffers[ledger]
        if buffer:
            self.ledgers[ledger].recorder.insert_events(buffer)
            self.buffers[ledger] = []

    def _later(self, at: datetime, low_hours: float, high_hours: float) -> datetime:
        return at + timedelta(hours=self.rng.uniform(low_hours, high_hours))

    def _read(
        self,
        ledger: str,
        at: datetime,
        actor: Actor,
        persona_id: str,
        oggetto: str,
        oggetto_id: UUID,
        finalita: str,
        endpoint: str,
    ) -> None:
        """A read of personal data, recorded by the service that served it (if it was
        served before today)."""
        if at > self.now:
            return
        self._record(
            ledger,
            access_events.DatiPersonaliLetti,
            _Stream(self._uuid()),
            at,
            self._context(actor, "GDPR_9_2_G", "api"),
            persona_id=persona_id,
            oggetto=oggetto,
            oggetto_id=oggetto_id,
            finalita=finalita,
            endpoint=endpoint,
        )

    # the whole run

    def run(self, events: int) -> Generated:
        self.limit = events
        started = time.perf_counter()
        try:
            self._setup()
            journey = 0
            while True:
                journey += 1
                try:
                    if journey % 40 == 0:
                        self._network_life()
                    if journey % 500 == 0:
                        self._threshold()
                    self._journey()
                except _Today:
                    pass
        except _Full:
            pass
        for ledger in self.buffers:
            self._flush(ledger)
        self.generated.seconds = time.perf_counter() - started
        return self.generated

    def _start(self) -> datetime:
        return self.now - timedelta(days=SPAN_DAYS) + timedelta(days=self.rng.uniform(0, 10))

    def _setup(self) -> None:
        """The desks of each comune and the network's resources, before any request."""
        admin = self._context(AMMINISTRATORE, "L328_ART22")
        for comune in COMUNI:
            desk = _Stream(self._uuid())
            at = self._start()
            self._record(
                "intake",
                intake_events.SportelloIstituito,
                desk,
                at,
                admin,
                comune=comune,
                nome=f"Segretariato sociale {comune}",
            )
            self._record(
                "intake",
                intake_events.OrariSportelloDefiniti,
                desk,
                self._later(at, 1, 2),
                admin,
                fasce=[
                    {"giorno": day, "dalle": clock(9), "alle": clock(12, 30)} for day in range(5)
                ],
            )
            self.sportelli[comune] = desk.id
        rete = self._context(COORDINATORE, "L328_ART19")
        for n in range(40):
            resource = _Stream(self._uuid())
            self._record(
                "network",
                network_events.RisorsaCensita,
                resource,
                self._start(),
                rete,
                nome=f"Risorsa del territorio {n:03d}",
                tipo=self.rng.choice(
                    (
                        "cooperativa_sociale",
                        "associazione",
                        "servizio_asl",
                        "servizio_comunale",
                        "scuola",
                        "ente_pubblico",
                    )
                ),
                descrizione="Risorsa sintetica del benchmark delle proiezioni",
                comuni=self.rng.sample(COMUNI, self.rng.randint(1, 3)),
                aree=self.rng.sample(AREE, self.rng.randint(1, 2)),
                prestazioni=self.rng.sample(self.prestazioni, 1),
                contatti={"telefono": "02 9512345", "email": f"risorsa{n}@example.org"},
                orari="lun-ven 9-17",
                capacita=self.rng.randint(5, 60),
                lista_attesa=self.rng.randint(0, 15),
            )
            self.risorse.append(resource.id)
            self.risorse_streams.append(resource)

    def _network_life(self) -> None:
        """Now and then: a resource updated, a collaboration (sometimes ended), a network
        meeting, a quality check."""
        rete = self._context(COORDINATORE, "L328_ART19")
        at = self.now - timedelta(days=self.rng.uniform(1, SPAN_DAYS))
        resource = self.rng.choice(self.risorse_streams)
        with suppress(_Today):
            self._record(
                "network",
                network_events.RisorsaAggiornata,
                resource,
                self._later(resource.last or at, 24, 24 * 60),
                rete,
                lista_attesa=self.rng.randint(0, 20),
            )
        link = _Stream(self._uuid())
        self._record(
            "network",
            network_events.CollaborazioneAvviata,
            link,
            at,
            rete,
            risorse=self.rng.sample(self.risorse, self.rng.randint(2, 4)),
            servizi_distretto=self.rng.sample(
                ["segretariato_sociale", "servizio_sociale_professionale"], self.rng.randint(0, 2)
            ),
            tipo=self.rng.choice(("protocollo_intesa", "convenzione", "accordo_informale")),
            oggetto="Presa in carico integrata",
            inizio=at.date(),
        )
        if self.rng.random() < 0.3:
            ended = self._later(at, 24 * 30, 24 * 300)
            self._record(
                "network",
                network_events.CollaborazioneConclusa,
                link,
                ended,
                rete,
                fine=ended.date(),
                motivo="Progetto concluso",
            )
        meeting = _Stream(self._uuid())
        self._record(
            "network",
            network_events.IncontroDiReteSvolto,
            meeting,
            at,
            rete,
            data=at.date(),
            partecipanti=self.rng.sample(self.risorse, 3),
            servizi_distretto=["servizio_sociale_professionale"],
            temi=["Casi condivisi", "Liste d'attesa"],
            decisioni="Si rafforza il raccordo",
        )
        check = _Stream(self._uuid())
        self._record(
            "network",
            network_events.ControlloQualitaEffettuato,
            check,
            at,
            rete,
            risorsa_id=self.rng.choice(self.risorse),
            data=at.date(),
            rilievi="Nessun rilievo di rilievo",
            esito=self.rng.choice(("conforme", "conforme_con_rilievi", "non_conforme")),
        )

    def _threshold(self) -> None:
        """The coordinator sets (or moves) an area's caseload threshold: reporting's ledger."""
        area = self.rng.choice(AREE)
        stream = self.soglie.setdefault(area, _Stream(self._uuid()))
        self._record(
            "reporting",
            reporting_events.SogliaCaricoImpostata,
            stream,
            self._later(stream.last or self._start(), 24, 24 * 60),
            self._context(COORDINATORE, "L328_ART22"),
            soglia=self.rng.randint(30, 80),
            area_utenza=area,
        )

    # one person's journey

    def _journey(self) -> None:
        rng = self.rng
        area = rng.choice(AREE)
        person = self._who(area)
        persona_id, comune, sesso, paese = person.id, person.comune, person.sesso, person.paese
        at = self.now - timedelta(days=rng.uniform(0.5, SPAN_DAYS))
        birth = (self.now - timedelta(days=person.birth_years * 365.25)).date()
        profilo = ProfiloStatistico(
            fascia_eta=fascia_eta(birth, at.date()),
            sesso=sesso,
            cittadinanza=classe_cittadinanza(paese),
            comune=comune,
            area=area,
        )
        persona = intake_events.DatiPersona(
            nome=person.nome,
            cognome=person.cognome,
            codice_fiscale=self._codice_fiscale(birth, sesso, comune),
            data_nascita=birth,
            sesso=sesso,
            luogo_nascita=comune if paese == 380 else "Z" + str(rng.randint(100, 399)),
            cittadinanza=paese,
            residenza=intake_events.Residenza(paese=380, indirizzo="Via Roma 1"),
        )
        if rng.random() < 0.15:  # an emergency or a court order, with no request first
            self._case(persona_id, persona, profilo, area, comune, at, None)
            return
        self._request(persona_id, persona, profilo, area, comune, at)

    def _who(self, area: AreaUtenza) -> _Person:
        """A new person (with a key of their own) until the pool is full, then someone
        who comes back with a new request."""
        rng = self.rng
        if len(self.people) >= self.max_persons:
            return rng.choice(self.people)
        low, high = {"FAM": (2, 17), "ELD": (68, 95), "DIS": (7, 80)}.get(area, (21, 64))
        person = _Person(
            id=self._person(),
            birth_years=rng.uniform(low, high),
            sesso=rng.choice(SESSI),
            paese=rng.choice(PAESI),
            comune=rng.choices(COMUNI, COMUNI_WEIGHTS)[0],
            nome=rng.choice(NOMI),
            cognome=rng.choice(COGNOMI),
        )
        self.people.append(person)
        self.generated.persons += 1
        return person

    def _codice_fiscale(self, birth: date, sesso: str, comune: str) -> str:
        letters = "".join(self.rng.choices("BCDFGLMNPRSTVZ", k=6))
        day = birth.day + (40 if sesso == "F" else 0)
        check = self.rng.choice(string.ascii_uppercase)
        month = MONTH_LETTERS[birth.month - 1]
        return f"{letters}{birth.year % 100:02d}{month}{day:02d}{comune}{check}"

    def _request(
        self,
        persona_id: str,
        persona: intake_events.DatiPersona,
        profilo: ProfiloStatistico,
        area: AreaUtenza,
        comune: str,
        at: datetime,
    ) -> None:
        rng = self.rng
        operatore = OPERATORE.model_copy(update={"comune": comune})
        ctx = self._context(operatore, "L328_ART22")
        domanda = _Stream(self._uuid())
        self._record(
            "intake",
            intake_events.DomandaRicevuta,
            domanda,
            at,
            ctx,
            persona_id=persona_id,
            persona=persona,
            comune=comune,
            canale=rng.choice(CANALI),
            bisogno="La persona chiede un aiuto per la vita quotidiana e per le spese di casa",
            area_utenza=area,
            urgente=rng.random() < 0.08,
            profilo=profilo,
            sportello_id=self.sportelli[comune],
        )
        if rng.random() < 0.5:
            self._read(
                "intake",
                self._later(at, 0.1, 48),
                operatore,
                persona_id,
                "domanda",
                domanda.id,
                "SPORTELLO",
                "GET /api/intake/domande/{id}",
            )
        path = rng.random()
        at = self._later(at, 0.05, 2)
        if path < 0.3:
            self._record(
                "intake",
                intake_events.InformazioniFornite,
                domanda,
                at,
                ctx,
                persona_id=persona_id,
                servizi=["Assistenza domiciliare", "Contributo affitto"],
            )
            self._record(
                "intake",
                intake_events.DomandaChiusa,
                domanda,
                self._later(at, 0, 1),
                ctx,
                persona_id=persona_id,
                esito="informata",
            )
            return
        if path < 0.45:
            self._record(
                "intake",
                intake_events.DomandaOrientata,
                domanda,
                at,
                ctx,
                persona_id=persona_id,
                risorsa_id=rng.choice(self.risorse),
                motivazione="La risorsa segue persone nella sua situazione",
            )
            self._record(
                "intake",
                intake_events.DomandaChiusa,
                domanda,
                self._later(at, 0, 24),
                ctx,
                persona_id=persona_id,
                esito="orientata",
            )
            return
        inizio = self._later(at, 24, 24 * 10)
        appuntamento = self._uuid()
        self._record(
            "intake",
            intake_events.AppuntamentoFissato,
            domanda,
            at,
            ctx,
            persona_id=persona_id,
            appuntamento_id=appuntamento,
            inizio=inizio,
            fine=inizio + timedelta(minutes=45),
            con=ASSISTENTI[area],
            sportello_id=self.sportelli[comune],
        )
        outcome = rng.random()
        esito_appuntamento = (
            intake_events.AppuntamentoSvolto
            if outcome < 0.8
            else intake_events.AppuntamentoMancato
            if outcome < 0.9
            else intake_events.AppuntamentoAnnullato
        )
        extra = {"motivo": "Impegno della persona"} if outcome >= 0.9 else {}
        at = inizio + timedelta(minutes=50) if outcome < 0.9 else self._later(at, 1, 20)
        self._record(
            "intake",
            esito_appuntamento,
            domanda,
            min(at, inizio + timedelta(hours=3)),
            ctx,
            persona_id=persona_id,
            appuntamento_id=appuntamento,
            **extra,
        )
        if rng.random() < 0.35 and self.tipi_istanza:
            tipo = rng.choice(self.tipi_istanza)
            istanza = self._uuid()
            self._record(
                "intake",
                intake_events.IstanzaIstruita,
                domanda,
                at,
                ctx,
                persona_id=persona_id,
                istanza_id=istanza,
                tipo=tipo.code,
                prestazione=tipo.prestazione,
                protocollo=f"PROT-{istanza.hex[:12]}",
                scadenza=at.date() + timedelta(days=tipo.giorni),
            )
            if rng.random() < 0.75:
                done = self._later(at, 24, 24 * tipo.giorni * 1.3)
                self._record(
                    "intake",
                    intake_events.IstanzaCompletata,
                    domanda,
                    done,
                    ctx,
                    persona_id=persona_id,
                    istanza_id=istanza,
                    completata_il=done,
                )
                at = done
        if rng.random() < 0.3:
            self._record(
                "intake",
                intake_events.DomandaChiusa,
                domanda,
                self._later(at, 0, 24),
                ctx,
                persona_id=persona_id,
                esito="informata",
            )
            return
        at = self._later(at, 1, 72)
        inoltro = self._record(
            "intake",
            intake_events.DomandaInoltrata,
            domanda,
            at,
            ctx,
            persona_id=persona_id,
            area_utenza=area,
            urgente=False,
            profilo=profilo,
            persona=persona,
            motivo="Situazione che richiede la presa in carico del servizio sociale",
        )
        if rng.random() < 0.6:
            self._record(
                "intake",
                intake_events.DomandaChiusa,
                domanda,
                self._later(at, 1, 48),
                ctx,
                persona_id=persona_id,
                esito="inviata",
            )
        self._case(persona_id, persona, profilo, area, comune, at, inoltro)

    def _case(
        self,
        persona_id: str,
        persona: intake_events.DatiPersona,
        profilo: ProfiloStatistico,
        area: AreaUtenza,
        comune: str,
        at: datetime,
        inoltro: LedgerEvent | None,
    ) -> None:
        """A case file and as much of its life as the dice (and today) allow."""
        rng = self.rng
        assistente = Actor(user=ASSISTENTI[area], role="assistente_sociale", comune=comune)
        worker = self._context(assistente, "L328_ART22")
        provvedimento: UUID | None = None
        if inoltro is not None:  # opened by the hand-over policy: ids derived from the cause
            caso = _Stream(uuid5(POLICY_NAMESPACE, f"aggregate:{inoltro.event_id}:caso"))
            policy = CommandContext(
                actor=SISTEMA,
                legal_basis=inoltro.legal_basis,
                source="system",
                correlation_id=inoltro.correlation_id,
                causation_id=inoltro.event_id,
                derive_ids=True,
            )
            self._record(
                "casework",
                casework_events.CasoAperto,
                caso,
                at,
                policy,
                event_id=uuid5(POLICY_NAMESPACE, f"{inoltro.event_id}:CasoAperto:{caso.id}:1"),
                persona_id=persona_id,
                origine="inoltro",
                area_utenza=area,
                profilo=profilo,
                motivo="Situazione che richiede la presa in carico del servizio sociale",
                persona=persona,
                domanda_id=inoltro.originator_id,
            )
        else:
            caso = _Stream(self._uuid())
            origine = "provvedimento" if rng.random() < 0.4 else "emergenza"
            opener = self._context(
                COORDINATORE.model_copy(update={"comune": comune}),
                "PROVV_AG" if origine == "provvedimento" else "L328_ART22",
                "feed:tribunale" if origine == "provvedimento" else "ui",
            )
            self._record(
                "casework",
                casework_events.CasoAperto,
                caso,
                at,
                opener,
                persona_id=persona_id,
                origine=origine,
                area_utenza=area,
                profilo=profilo,
                motivo="Segnalazione urgente della situazione",
                persona=persona,
                urgente=origine == "emergenza",
            )
            self.generated.cases_without_request += 1
            if origine == "provvedimento":
                provvedimento = self._order(caso, persona_id, at, opener)
        at = self._later(at, 2, 24 * 7)
        coordinatore = self._context(
            COORDINATORE.model_copy(update={"comune": comune}), "L328_ART22"
        )
        self._record(
            "casework",
            casework_events.AssistenteSocialeAssegnato,
            caso,
            at,
            coordinatore,
            persona_id=persona_id,
            assistente_sociale=assistente.user,
            area_utenza=area,
        )
        if rng.random() < 0.1:
            return  # assigned, not yet taken in charge
        at = self._later(at, 4, 24 * 5)
        self._record(
            "casework",
            casework_events.PresaInCarico,
            caso,
            at,
            worker,
            persona_id=persona_id,
            assistente_sociale=assistente.user,
        )
        self._reads(caso.id, persona_id, assistente, at)
        if rng.random() < 0.5:
            self._record(
                "casework",
                casework_events.NucleoFamiliareRegistrato,
                caso,
                self._later(at, 1, 48),
                worker,
                persona_id=persona_id,
                membri=[
                    {
                        "membro_id": self._uuid(),
                        "nome": rng.choice(NOMI),
                        "cognome": rng.choice(COGNOMI),
                        "relazione": "figlio",
                        "convivente": rng.random() < 0.5,
                    }
                ],
            )
        if rng.random() < 0.1:
            return
        at = self._later(at, 24, 24 * 20)
        self._record(
            "casework",
            casework_events.ValutazioneEffettuata,
            caso,
            at,
            worker.model_copy(update={"legal_basis": "GDPR_9_2_H"}),
            persona_id=persona_id,
            tipo="multidimensionale" if area in ("ELD", "DIS") else "sociale",
            problemi="Difficoltà nella cura di sé e della casa",
            risorse="Una figlia presente nei fine settimana",
            esito="Serve un sostegno domiciliare",
            partecipanti=["Assistente sociale"],
        )
        if rng.random() < 0.08 and provvedimento is None:
            at = self._later(at, 24, 24 * 30)
            court = self._context(assistente, rng.choice(("CC_404_413", "CC_403")))
            self._record(
                "casework",
                casework_events.SegnalazioneTribunale,
                caso,
                at,
                court,
                persona_id=persona_id,
                autorita="giudice_tutelare" if area in ("ELD", "DIS") else "tribunale_minorenni",
                motivo="La persona non riesce a provvedere ai propri interessi",
                richiesta="amministratore_sostegno" if area in ("ELD", "DIS") else None,
            )
            provvedimento = self._order(caso, persona_id, self._later(at, 24 * 20, 24 * 60), court)
        if rng.random() < 0.1:
            return
        if provvedimento is None:
            at = self._later(at, 24, 24 * 15)
            self._record(
                "casework",
                casework_events.ContrattoFirmato,
                caso,
                at,
                worker,
                persona_id=persona_id,
                firmatario="persona",
                impegni_servizio="Attivare il sostegno domiciliare",
                impegni_persona="Partecipare ai colloqui di verifica",
                firmato_il=at.date(),
            )
            if rng.random() < 0.08:
                return
        at = self._later(at, 24, 24 * 15)
        self._record(
            "casework",
            casework_events.ProgettoDefinito,
            caso,
            at,
            worker,
            persona_id=persona_id,
            obiettivi="Restare a casa propria in sicurezza",
            professionisti=[assistente.user],
            revisione_entro=at.date() + timedelta(days=180),
            imposto_da_provvedimento_id=provvedimento,
        )
        if rng.random() < 0.3:
            self._record(
                "casework",
                casework_events.QuestionarioRaccolto,
                caso,
                self._later(at, 1, 72),
                worker,
                persona_id=persona_id,
                momento="ex_ante",
                risposte=[rng.randint(1, 5) for _ in range(8)],
            )
        if rng.random() < 0.1:
            return
        interventions = [self._intervention(caso, persona_id, worker, at)]
        if rng.random() < 0.3:
            interventions.append(self._intervention(caso, persona_id, worker, at))
        ended = max(moment for moment, _ in interventions)
        if provvedimento is not None and rng.random() < 0.8:
            self._record(
                "casework",
                casework_events.RelazioneInviata,
                caso,
                self._later(at, 24, 24 * 60),
                self._context(assistente, "PROVV_AG"),
                persona_id=persona_id,
                autorita="tribunale_minorenni",
                provvedimento_id=provvedimento,
                sintesi="Il progetto procede come previsto",
            )
        if rng.random() < 0.25:
            self._record(
                "casework",
                casework_events.ProgettoRivisto,
                caso,
                self._later(at, 24 * 30, 24 * 170),
                worker,
                persona_id=persona_id,
                obiettivi="Mantenere i risultati raggiunti",
                motivo="Revisione periodica",
                revisione_entro=at.date() + timedelta(days=360),
            )
        if rng.random() < 0.45 or not all(verified for _, verified in interventions):
            return  # no closure while an intervention is unverified (design section 2)
        at = self._later(ended, 24, 24 * 30)
        self._record(
            "casework",
            casework_events.QuestionarioRaccolto,
            caso,
            at,
            worker,
            persona_id=persona_id,
            momento="ex_post",
            risposte=[rng.randint(1, 5) for _ in range(8)],
        )
        self._record(
            "casework",
            casework_events.CasoChiuso,
            caso,
            self._later(at, 1, 72),
            worker,
            persona_id=persona_id,
            motivo=rng.choice(
                (
                    "obiettivi_raggiunti",
                    "obiettivi_raggiunti",
                    "trasferimento",
                    "rinuncia",
                    "decesso",
                )
            ),
            restituzione="Colloquio finale con la persona sugli esiti del progetto",
        )

    def _order(self, caso: _Stream, persona_id: str, at: datetime, context: CommandContext) -> UUID:
        provvedimento = self._uuid()
        self._record(
            "casework",
            casework_events.ProvvedimentoRecepito,
            caso,
            at,
            context.model_copy(update={"legal_basis": "PROVV_AG", "source": "feed:tribunale"}),
            persona_id=persona_id,
            provvedimento_id=provvedimento,
            autorita="tribunale_minorenni",
            tipo="affidamento_servizio_sociale",
            numero=f"{self.rng.randint(1, 9999)}/{at.year}",
            data_provvedimento=at.date(),
            estremi="Decreto del tribunale per i minorenni",
            relazione_entro=at.date() + timedelta(days=90),
        )
        return provvedimento

    def _reads(self, caso_id: UUID, persona_id: str, worker: Actor, at: datetime) -> None:
        """The case file read by its social worker in casework, and its cartella in reporting."""
        for _ in range(self.rng.randint(1, 2)):
            self._read(
                "casework",
                self._later(at, 0.1, 24 * 30),
                worker,
                persona_id,
                "caso",
                caso_id,
                "PRESA_IN_CARICO",
                "GET /api/casework/casi/{id}",
            )
        if self.rng.random() < 0.5:
            self._read(
                "reporting",
                self._later(at, 0.1, 24 * 30),
                worker,
                persona_id,
                "caso",
                caso_id,
                "PRESA_IN_CARICO",
                "GET /api/reporting/casi/{id}",
            )

    def _intervention(
        self, caso: _Stream, persona_id: str, worker: CommandContext, at: datetime
    ) -> tuple[datetime, bool]:
        """An intervention, monitored and mostly verified (which concludes it): when it
        ended, and whether it was verified."""
        rng = self.rng
        intervento = self._uuid()
        inizio = self._later(at, 24, 24 * 20)
        durata = timedelta(days=rng.randint(30, 240))
        risorsa = rng.choice(self.risorse) if rng.random() < 0.6 else None
        self._record(
            "casework",
            casework_events.InterventoAttivato,
            caso,
            inizio,
            worker,
            persona_id=persona_id,
            intervento_id=intervento,
            prestazione=rng.choice(self.prestazioni),
            inizio=inizio.date(),
            fine_prevista=(inizio + durata).date(),
            risorsa_id=risorsa,
            frequenza="Due volte a settimana",
            importo=Decimal("320.00"),
            quota_utente=Decimal("40.00"),
            quota_ente=Decimal("280.00"),
            prova_mezzi=True,
        )
        self.generated.interventions_with_resource += risorsa is not None
        moment = inizio
        for _ in range(rng.randint(0, 3)):
            moment = moment + durata / 4
            self._record(
                "casework",
                casework_events.MonitoraggioRegistrato,
                caso,
                moment,
                worker,
                persona_id=persona_id,
                intervento_id=intervento,
                data=moment.date(),
                note="L'intervento procede regolarmente",
            )
        if rng.random() < 0.15:
            return inizio + durata, False  # still running, or its verification is overdue
        ended = inizio + durata + timedelta(days=rng.uniform(0, 20))
        self._record(
            "casework",
            casework_events.InterventoVerificato,
            caso,
            ended,
            worker,
            persona_id=persona_id,
            intervento_id=intervento,
            esito=rng.choice(("raggiunto", "parzialmente_raggiunto", "non_raggiunto")),
            efficacia="Gli obiettivi sono stati in buona parte raggiunti",
            concluso=True,
        )
        return ended, True


# -- the stores ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stores:
    """Where one run keeps its ledgers (one per service), key store and read models."""

    backend: str
    ledgers: Mapping[str, str]
    keystore: str
    views: str
    key_dir: Path


@contextmanager
def sqlite_stores(directory: Path) -> Iterator[Stores]:
    yield Stores(
        "sqlite",
        {service: f"sqlite:///{directory / f'{service}.sqlite'}" for service in SERVICES},
        f"sqlite:///{directory / 'keystore.sqlite'}",
        f"sqlite:///{directory / 'views.sqlite'}",
        directory.parent / f"{directory.name}-keys",
    )


def _create_database(admin_url: str, name: str) -> str:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway server of the bench's own (fsync on, as in production): its admin URL."""
    directory = Path(tempfile.mkdtemp(prefix="ambito-bench-pg-", dir="/tmp"))
    directory.chmod(0o755)
    cluster = directory / "cluster"
    started = subprocess.run(
        [str(PG_SCRIPT), "start", str(cluster), str(_free_port())],
        check=True,
        capture_output=True,
        text=True,
    )
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", str(cluster)], check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def postgres_stores(admin_url: str, key_dir: Path) -> Iterator[Stores]:
    """Fresh databases on the server for this run (dropped at the end)."""
    run = uuid.uuid4().hex[:8]
    ledgers = {s: _create_database(admin_url, f"bench_{run}_{s}") for s in SERVICES}
    keystore = _create_database(admin_url, f"bench_{run}_keystore")
    views = _create_database(admin_url, f"bench_{run}_views")
    try:
        yield Stores("postgresql", ledgers, keystore, views, key_dir)
    finally:
        for url in (*ledgers.values(), keystore, views):
            _drop_database(admin_url, url)


@dataclass
class District:
    """The run's ledgers over one key store, opened as the runtime opens them."""

    keystore: KeyStore
    ledgers: dict[str, Ledger]

    def close(self) -> None:
        for ledger in self.ledgers.values():
            ledger.close()
        self.keystore.close()


def open_district(stores: Stores) -> District:
    init_key_directory(stores.key_dir)  # creates only the secrets that are missing
    keys = load_district_keys(stores.key_dir)
    keystore = KeyStore(stores.keystore, keys.key_encryption_key, keys.blind_index_key)
    ledgers = {
        service: Ledger(service, url, keys, keystore, checkpoint_timer=False)
        for service, url in stores.ledgers.items()
    }
    return District(keystore, ledgers)


# -- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectionTiming:
    name: str
    sources: tuple[str, ...]
    read: int
    """Events of its source ledgers, all read by its runner."""
    applied: int
    """Of those, the ones of its event types, applied."""
    seconds: float


@dataclass
class Result:
    backend: str
    generated: Generated
    baseline_seconds: float
    projections: list[ProjectionTiming]
    rows: dict[str, int]
    problems: list[str]

    @property
    def events(self) -> int:
        return self.generated.total

    @property
    def rebuild_seconds(self) -> float:
        return sum(p.seconds for p in self.projections)

    @property
    def baseline_per_second(self) -> float:
        return self.events / self.baseline_seconds

    @property
    def rebuild_per_second(self) -> float:
        return self.events / self.rebuild_seconds

    @property
    def ratio(self) -> float:
        return self.rebuild_per_second / self.baseline_per_second


def read_all(district: District) -> tuple[int, float]:
    """The baseline: every ledger in position order, batch by batch as a feed reads it, each
    event decoded into the ``WireEvent`` a projection would get; nothing applied."""
    count = 0
    started = time.perf_counter()
    for name, ledger in district.ledgers.items():
        position = 0
        while True:
            notifications = ledger.recorder.select_notifications(
                position, ProjectionRunner.BATCH, inclusive_of_start=False
            )
            for notification in notifications:
                wire_event(name, notification.id, notification.state)
            count += len(notifications)
            if len(notifications) < ProjectionRunner.BATCH:
                break
            position = notifications[-1].id
    return count, time.perf_counter() - started


def rebuild(
    district: District, views: Engines, chosen: list[Projection], generated: Generated
) -> list[ProjectionTiming]:
    """What ``ambito projections rebuild`` does in embedded mode, projection by projection:
    create the tables, reset, replay from the ledgers with tracking; each one timed."""
    timings = []
    for projection in chosen:
        create_tables(projection, views)
        sources = {name: district.ledgers[name].recorder for name in projection.sources}
        runner = ProjectionRunner(projection, views, sources)
        started = time.perf_counter()
        reset(projection, views)
        runner.catch_up()
        seconds = time.perf_counter() - started
        runner.stop()
        timings.append(
            ProjectionTiming(
                projection.name,
                tuple(projection.sources),
                sum(generated.in_ledger(source) for source in projection.sources),
                sum(
                    n
                    for (ledger, kind), n in generated.counts.items()
                    if ledger in projection.sources and kind in projection.event_types
                ),
                seconds,
            )
        )
    return timings


def _tables(chosen: list[Projection]) -> dict[str, Any]:
    return {
        table.name: table for projection in chosen for table in projection.metadata.sorted_tables
    }


def row_counts(views: Engines, chosen: list[Projection]) -> dict[str, int]:
    with views.reader.connect() as connection:
        return {
            name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in sorted(_tables(chosen).items())
        }


def expectations(generated: Generated) -> dict[str, list[tuple[str, Any, int]]]:
    """What each known read model must hold after the rebuild, by table: (what, how to
    count it, the number generated). Tables no projection has any more are not checked."""
    g = generated
    return {
        "intake_domande": [
            ("rows", None, g.of("DomandaRicevuta")),
            ("stato chiusa", ("stato", "chiusa"), g.of("DomandaChiusa")),
        ],
        "intake_appuntamenti": [
            ("rows", None, g.of("AppuntamentoFissato")),
            ("stato svolto", ("stato", "svolto"), g.of("AppuntamentoSvolto")),
        ],
        "intake_istanze": [("rows", None, g.of("IstanzaIstruita"))],
        "intake_sportelli": [("rows", None, g.of("SportelloIstituito"))],
        "casework_casi": [
            ("rows", None, g.of("CasoAperto")),
            ("stato chiuso", ("stato", "chiuso"), g.of("CasoChiuso")),
        ],
        "casework_interventi": [
            ("rows", None, g.of("InterventoAttivato")),
            ("verificato", ("verificato", True), g.of("InterventoVerificato")),
        ],
        "rete_risorse": [("rows", None, g.of("RisorsaCensita"))],
        "rete_collaborazioni": [("rows", None, g.of("CollaborazioneAvviata"))],
        "rete_incontri": [("rows", None, g.of("IncontroDiReteSvolto"))],
        "rete_controlli": [("rows", None, g.of("ControlloQualitaEffettuato"))],
        "rete_flussi": [
            (
                "rows",
                None,
                g.of("DomandaOrientata") + g.of("DomandaInoltrata") + g.interventions_with_resource,
            )
        ],
        "rete_domanda": [("rows", None, g.of("DomandaRicevuta") + g.cases_without_request)],
        "domande_per_comune_area": [("sum of domande", "domande", g.of("DomandaRicevuta"))],
    }


def verify(
    district: District, views: Engines, chosen: list[Projection], generated: Generated
) -> list[str]:
    """What the rebuilt read models get wrong (empty: nothing): every projection's tracked
    position must be its ledgers' head, and the known tables must hold what was generated."""
    problems = []
    heads = {
        name: ledger.recorder.max_notification_id() or 0
        for name, ledger in district.ledgers.items()
    }
    c = projection_positions.c
    tables = _tables(chosen)
    with views.reader.connect() as connection:
        for projection in chosen:
            for source in projection.sources:
                reached = connection.execute(
                    select(c.position).where(
                        (c.projection == projection.name) & (c.source == source)
                    )
                ).scalar_one_or_none()
                if (reached or 0) != heads[source]:
                    problems.append(
                        f"{projection.name}: {source} position {reached}, ledger head "
                        f"{heads[source]}"
                    )
        for name, checks in expectations(generated).items():
            table = tables.get(name)
            if table is None:
                continue
            for what, how, expected in checks:
                if how is None:
                    query = select(func.count()).select_from(table)
                elif isinstance(how, str):
                    query = select(func.coalesce(func.sum(table.c[how]), 0))
                else:
                    column, value = how
                    query = select(func.count()).select_from(table).where(table.c[column] == value)
                found = int(connection.execute(query).scalar_one())
                if found != expected:
                    problems.append(f"{name}: {what} {found}, generated {expected}")
    return problems


def measure(stores: Stores, events: int, seed: int, persons: int = 5000) -> Result:
    """One whole run: generate, baseline, rebuild every projection, baseline again, check."""
    district = open_district(stores)
    views = create_engines(stores.views)
    try:
        generated = Generator(district.ledgers, seed, datetime.now(UTC), persons).run(events)
        chosen = projections()
        count, first = read_all(district)
        if count != generated.total:
            raise RuntimeError(f"ledgers hold {count} events, {generated.total} generated")
        timings = rebuild(district, views, chosen, generated)
        _, second = read_all(district)
        problems = verify(district, views, chosen, generated)
        rows = row_counts(views, chosen)
    finally:
        views.dispose()
        district.close()
    return Result(stores.backend, generated, min(first, second), timings, rows, problems)


# -- reporting -------------------------------------------------------------------------------


def report(result: Result) -> None:
    g = result.generated
    ledgers = ", ".join(f"{name} {g.in_ledger(name)}" for name in SERVICES)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}"
    )
    print(
        f"generated {result.events} sealed events ({ledgers}) for {g.persons} persons in "
        f"{g.seconds:.1f} s ({result.events / g.seconds:.0f} ev/s, not the measure)"
    )
    print(f"{'backend':<12}{'events':>9}{'baseline ev/s':>15}{'rebuild ev/s':>14}{'ratio':>7}")
    print(
        f"{result.backend:<12}{result.events:>9}{result.baseline_per_second:>15.0f}"
        f"{result.rebuild_per_second:>14.0f}{result.ratio:>7.2f}"
    )
    print("per projection (its runner reads every event of its sources):")
    print(f"  {'projection':<36}{'sources':<28}{'read':>9}{'applied':>9}{'s':>8}{'read ev/s':>11}")
    for p in result.projections:
        per_second = p.read / p.seconds if p.seconds else 0.0
        print(
            f"  {p.name:<36}{','.join(p.sources):<28}{p.read:>9}{p.applied:>9}"
            f"{p.seconds:>8.2f}{per_second:>11.0f}"
        )
    print("rows: " + ", ".join(f"{name} {count}" for name, count in result.rows.items()))
    if result.problems:
        print("REBUILD WRONG: the read models do not hold what was generated:")
        for problem in result.problems:
            print(f"  {problem}")
    else:
        print("verified: positions at every ledger head, read models hold what was generated")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("AMBITO_BENCH_POSTGRES_URL"))
    parser.add_argument(
        "--persons",
        type=int,
        default=5000,
        help="people with a key of their own; beyond them, journeys are people coming back",
    )
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    if options.events < 100:
        parser.error("--events must be at least 100 (the network and the desks come first)")

    work = Path(tempfile.mkdtemp(prefix="ambito-bench-projections-"))
    try:
        if options.backend == "sqlite":
            (work / "data").mkdir()
            with sqlite_stores(work / "data") as stores:
                result = measure(stores, options.events, options.seed, options.persons)
        else:
            with (
                _postgres(options.postgres_url) as admin,
                postgres_stores(admin, work / "keys") as stores,
            ):
                result = measure(stores, options.events, options.seed, options.persons)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(result)
    return 1 if result.problems else 0


@contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with postgres_server() as started:
        yield started


if __name__ == "__main__":
    sys.exit(main())
