"""The demo district's Segretariato sociale: three desks and a month of requests.

A month at the desks of the Ambito demo Martesana (Gorgonzola, Bussero, Pozzuolo Martesana):
48 requests, each with the follow-up a Segretariato sociale gives, so that every state of a
request shows up: informed, oriented to a resource of the demo network, handed over to the
Servizio sociale professionale (sent, taken in charge), not of the service's competence;
still open with an appointment in the coming days, one appointment cancelled, appointments
held and missed; applications open, due soon, overdue and completed; requests presented by
a relative, a school, a doctor, the police, the ASL; a person who comes back (the same
codice fiscale, one person). People, names and numbers are fictitious.

Everything is recorded through the service layer, as the demo ``operatore`` (the desks as
the demo ``admin``), back-dated with ``Atto``. Three things go through the domain instead:
the desks (their ids are fixed, their history predates the month); appointments already
past (the service books only future ones: the plan keeps them inside the desks' hours, on
working days, and the workers' agendas refuse overlaps as they do for the service); and,
when the network directory's projection does not list the demo resources yet (district
mode, whose projections are fed from Kafka once the services run), orientations to them.

The story is fixed; only its dates move with today (working days, Europe/Rome). Requests and
desks have fixed ids and every action adds exactly one event to its request's stream, so an
interrupted run is finished by skipping, for each request, as many actions as its stream
holds events.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, Literal
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from codicefiscale import codicefiscale

from services.intake.application import (
    LEGAL_BASIS_REGISTRA,
    Atto,
    IntakeApplication,
    RegistraDomanda,
)
from services.intake.domain import Domanda, Sportello
from services.network.demo import DISMISSED, risorsa_id
from shared.auth.policy import authorize
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.calendar import is_working_day
from shared.events import acting
from shared.events.intake import Fascia, Richiedente, TipoRichiedente
from shared.events.types import AreaUtenza, Canale
from shared.persons.dati import Persona

ROME = ZoneInfo("Europe/Rome")
Sesso = Literal["F", "M"]
DEMO_INTAKE_NAMESPACE = UUID("3c1d6a2e-8f4b-4d57-9b0e-5a7c2f1e9d84")
"""Namespace of the demo's fixed ids (uuid5 of a slug)."""

DEMO_OPERATOR = "operatore"
DEMO_ADMIN = "admin"

GORGONZOLA = "E094"
BUSSERO = "B292"
POZZUOLO = "G965"

ISTAT = {GORGONZOLA: "015108", BUSSERO: "015040", POZZUOLO: "015178"}
MILANO_ISTAT = "015146"
VIE = {
    GORGONZOLA: ["Via Italia", "Via Milano", "Via Matteotti", "Via Buonarroti", "Via Molino"],
    BUSSERO: ["Via Manzoni", "Via San Francesco", "Via Europa", "Via Volta", "Via Roma"],
    POZZUOLO: ["Via Martiri della Libertà", "Via Dante", "Via Garibaldi", "Via Trecella"],
}


def sportello_id(comune: str) -> UUID:
    """The fixed id of a comune's demo desk."""
    return uuid5(DEMO_INTAKE_NAMESPACE, f"sportello/{comune}")


def domanda_id(slug: str) -> UUID:
    """The fixed id of a demo request."""
    return uuid5(DEMO_INTAKE_NAMESPACE, f"domanda/{slug}")


def appuntamento_id(slug: str, numero: int) -> UUID:
    """The fixed id of a demo appointment booked through the domain (already held)."""
    return uuid5(DEMO_INTAKE_NAMESPACE, f"appuntamento/{slug}/{numero}")


# -- the desks -------------------------------------------------------------------------


def _fasce(mattine: Sequence[int], pomeriggi: Sequence[int], **orari: time) -> list[Fascia]:
    """Three mornings and two afternoons a week (0 = Monday)."""
    slots = [Fascia(giorno=g, dalle=orari["mattina"], alle=orari["mezzogiorno"]) for g in mattine]
    slots += [Fascia(giorno=g, dalle=orari["pomeriggio"], alle=orari["sera"]) for g in pomeriggi]
    return sorted(slots, key=lambda f: f.giorno)


SPORTELLI: dict[str, tuple[str, list[Fascia]]] = {
    GORGONZOLA: (
        "Segretariato sociale di Gorgonzola",
        _fasce(
            [0, 2, 4],
            [1, 3],
            mattina=time(9),
            mezzogiorno=time(12, 30),
            pomeriggio=time(14, 30),
            sera=time(17, 30),
        ),
    ),
    BUSSERO: (
        "Segretariato sociale di Bussero",
        _fasce(
            [1, 3, 4],
            [0, 2],
            mattina=time(9),
            mezzogiorno=time(12),
            pomeriggio=time(14),
            sera=time(17),
        ),
    ),
    POZZUOLO: (
        "Segretariato sociale di Pozzuolo Martesana",
        _fasce(
            [0, 1, 3],
            [2, 4],
            mattina=time(8, 30),
            mezzogiorno=time(12),
            pomeriggio=time(14, 30),
            sera=time(17, 30),
        ),
    ),
}
SPORTELLI_ISTITUITI = 45
"""Days before today the desks were instituted: before the month's first request."""


def _orario(comune: str, giorno: date) -> tuple[time, time]:
    """The desk's opening slot on that weekday (every desk opens once each working day)."""
    for fascia in SPORTELLI[comune][1]:
        if fascia.giorno == giorno.weekday():
            return fascia.dalle, fascia.alle
    raise ValueError(f"lo sportello {comune} è chiuso il giorno {giorno}")


# -- what happens to a request ---------------------------------------------------------


@dataclass(frozen=True)
class Informa:
    servizi: tuple[str, ...]
    note: str | None = None
    dopo: int = 0
    """Working days after the previous act (0: the same day, a few minutes later)."""


@dataclass(frozen=True)
class Orienta:
    risorsa: str
    """Slug of a demo network resource."""
    motivazione: str
    dopo: int = 0


@dataclass(frozen=True)
class Fissa:
    con: str
    tra: int
    """Working days from the booking to the appointment; with ``futuro``, from today."""
    futuro: bool = False
    durata: int = 45
    dopo: int = 0


@dataclass(frozen=True)
class Registra:
    """The last appointment booked, held or missed: recorded when it ended."""

    svolto: bool


@dataclass(frozen=True)
class Annulla:
    motivo: str
    dopo: int = 0


@dataclass(frozen=True)
class Istruisci:
    tipo: str
    dopo: int = 0


@dataclass(frozen=True)
class Completa:
    """The last application opened."""

    dopo: int = 0


@dataclass(frozen=True)
class Inoltra:
    area: AreaUtenza
    motivo: str
    urgente: bool = False
    dopo: int = 0


@dataclass(frozen=True)
class Chiudi:
    esito: str
    nota: str | None = None
    dopo: int = 0


Passo = Informa | Orienta | Fissa | Registra | Annulla | Istruisci | Completa | Inoltra | Chiudi


@dataclass(frozen=True)
class Chi:
    """Hints for the person a request is about; the rest is drawn from the seed."""

    sesso: Sesso | None = None
    eta: tuple[int, int] | None = None
    paese: int = 380
    """Citizenship, ISO 3166-1 numeric."""
    codice_fiscale: bool = True
    residenza: str | None = "comune"
    """``comune`` (the request's), an ISTAT code (another comune) or None (no residence)."""


@dataclass(frozen=True)
class Presentata:
    """Who presented the request, when not the person: a type and a plausible name."""

    tipo: TipoRichiedente
    nome: str
    contatto: str | None = None


@dataclass(frozen=True)
class Storia:
    slug: str
    comune: str
    area: AreaUtenza
    fa: int
    """Working days ago it was received (0: today, in the last hours)."""
    bisogno: str
    passi: tuple[Passo, ...] = ()
    canale: Canale = "sportello"
    chi: Chi = field(default_factory=Chi)
    richiedente: Presentata | None = None
    urgente: bool = False
    stessa_persona: str | None = None
    """Slug of an earlier request of the same person (who presents again)."""


SAD = "Assistenza domiciliare (SAD)"
PASTI = "Pasti a domicilio"


def storie() -> list[Storia]:
    """The month's requests, in no particular order (they are recorded by date)."""
    return [
        # informed, and closed so
        Storia(
            "sad-madre",
            GORGONZOLA,
            "ELD",
            21,
            "La figlia chiede come attivare l'assistenza domiciliare per la madre, che vive "
            "sola e non riesce più a occuparsi della casa",
            (
                Informa(
                    (SAD, PASTI, "Telesoccorso"),
                    "Spiegati i requisiti e la compartecipazione al costo in base all'ISEE",
                ),
                Chiudi("informata", "La figlia presenterà la domanda di SAD con l'ISEE"),
            ),
            canale="telefono",
            chi=Chi(sesso="F", eta=(80, 90), codice_fiscale=False),
            richiedente=Presentata("familiare", "Figlia", "339 4471820"),
        ),
        Storia(
            "bonus-nido",
            BUSSERO,
            "FAM",
            20,
            "Chiede come ottenere il bonus asilo nido e una riduzione della retta",
            (
                Informa(("Bonus asilo nido (INPS)", "Contributo alla retta del nido")),
                Chiudi("informata"),
            ),
            chi=Chi(sesso="F", eta=(28, 36)),
        ),
        Storia(
            "assegno-inclusione",
            POZZUOLO,
            "POV",
            19,
            "Disoccupato da un anno, chiede come richiedere l'assegno di inclusione",
            (
                Informa(
                    ("Assegno di inclusione (INPS)", "Supporto per la formazione e il lavoro"),
                    "Indicato il patronato per la domanda online",
                ),
                Chiudi("informata"),
            ),
            chi=Chi(sesso="M", eta=(48, 58)),
        ),
        Storia(
            "contrassegno",
            GORGONZOLA,
            "DIS",
            17,
            "Chiede informazioni sul contrassegno per il parcheggio e sulle agevolazioni per "
            "la disabilità",
            (
                Informa(("Contrassegno di parcheggio per disabili", "Agevolazioni fiscali")),
                Chiudi("informata"),
            ),
            canale="email",
            chi=Chi(sesso="M", eta=(40, 55), codice_fiscale=False),
        ),
        Storia(
            "dote-scuola",
            GORGONZOLA,
            "FAM",
            15,
            "Chiede aiuto per la dote scuola e i libri di testo dei due figli",
            (
                Informa(("Dote scuola (Regione Lombardia)", "Agevolazione mensa scolastica")),
                Chiudi("informata"),
            ),
            chi=Chi(sesso="F", eta=(35, 45), paese=504),
        ),
        Storia(
            "telesoccorso",
            BUSSERO,
            "ELD",
            13,
            "Una vicina segnala che l'anziano vive solo e chiede come attivare il telesoccorso",
            (
                Informa(
                    ("Telesoccorso", SAD),
                    "Richiamato il nipote, che si occuperà della domanda",
                ),
                Chiudi("informata"),
            ),
            canale="telefono",
            chi=Chi(sesso="M", eta=(84, 92), codice_fiscale=False),
            richiedente=Presentata("conoscente", "Vicina di casa"),
        ),
        Storia(
            "centri-estivi",
            POZZUOLO,
            "FAM",
            11,
            "Chiede le agevolazioni per i centri estivi comunali",
            (
                Informa(("Centri estivi comunali", "Riduzione della retta su ISEE")),
                Chiudi("informata"),
            ),
            chi=Chi(sesso="F", eta=(36, 46)),
        ),
        Storia(
            "bollette",
            GORGONZOLA,
            "POV",
            9,
            "Pensionata, non riesce a pagare le bollette di luce e gas",
            (
                Informa(("Bonus sociale luce e gas", "Fondo emergenze della Fondazione")),
                Chiudi("informata"),
            ),
            chi=Chi(sesso="F", eta=(66, 72)),
        ),
        Storia(
            "ricongiungimento",
            GORGONZOLA,
            "IMMNOM",
            7,
            "Chiede come fare il ricongiungimento familiare con la moglie e i figli",
            (
                Informa(
                    ("Ricongiungimento familiare (Sportello unico per l'immigrazione)",),
                    "Consegnato l'elenco dei documenti e l'indirizzo della Prefettura",
                ),
                Chiudi("informata"),
            ),
            chi=Chi(sesso="M", eta=(30, 40), paese=504),
        ),
        Storia(
            "invalidita",
            POZZUOLO,
            "ELD",
            5,
            "Chiede come presentare la domanda di invalidità civile e di accompagnamento",
            (
                Informa(("Invalidità civile e indennità di accompagnamento (INPS)",)),
                Chiudi("informata"),
            ),
            canale="telefono",
            chi=Chi(sesso="F", eta=(76, 84), codice_fiscale=False),
        ),
        # informed, still open
        Storia(
            "dopo-scuola-disabile",
            BUSSERO,
            "DIS",
            3,
            "Il padre chiede quali sostegni ci sono per il figlio con disabilità che ha "
            "finito la scuola",
            (
                Informa(
                    ("Centro diurno disabili", "Collocamento mirato (L. 68/1999)"),
                    "In attesa della certificazione di disabilità aggiornata",
                ),
            ),
            chi=Chi(sesso="M", eta=(19, 22)),
            richiedente=Presentata("familiare", "Padre", "347 2209381"),
        ),
        Storia(
            "affitto-arretrato",
            GORGONZOLA,
            "POV",
            0,
            "Chiede se può avere un aiuto per due mesi di affitto arretrato",
            (
                Informa(
                    ("Contributo per l'alloggio", "Fondo morosità incolpevole"),
                    "Deve portare il contratto di affitto e l'ISEE",
                ),
            ),
            canale="telefono",
            chi=Chi(sesso="M", eta=(40, 50), codice_fiscale=False),
        ),
        # oriented to the network, and closed so
        Storia(
            "gioco-azzardo",
            GORGONZOLA,
            "ADD",
            20,
            "La moglie racconta che il marito ha accumulato debiti con il gioco d'azzardo",
            (
                Orienta("serd-gorgonzola", "Valutazione per gioco d'azzardo patologico"),
                Chiudi("orientata"),
            ),
            chi=Chi(sesso="M", eta=(45, 58)),
            richiedente=Presentata("familiare", "Moglie", "348 6610254"),
        ),
        Storia(
            "alzheimer",
            BUSSERO,
            "ELD",
            18,
            "Il figlio non sa più come gestire la madre, che ha una demenza",
            (
                Informa(("Assistenza domiciliare integrata (ADI)",)),
                Orienta("caregiver-alzheimer", "Gruppo di sostegno per i familiari"),
                Orienta("adi-martesana", "Valutazione dei bisogni sanitari a domicilio"),
                Chiudi("orientata"),
            ),
            chi=Chi(sesso="F", eta=(78, 88)),
            richiedente=Presentata("familiare", "Figlio", "335 7120446"),
        ),
        Storia(
            "pacco-alimentare",
            POZZUOLO,
            "POV",
            16,
            "Famiglia con tre figli e un solo reddito, chiede un aiuto alimentare",
            (
                Orienta("banco-pane-condiviso", "Pacco alimentare mensile"),
                Chiudi("orientata"),
            ),
            chi=Chi(sesso="F", eta=(35, 45), paese=8),
        ),
        Storia(
            "permesso-soggiorno",
            GORGONZOLA,
            "IMMNOM",
            14,
            "Chiede aiuto per rinnovare il permesso di soggiorno in scadenza",
            (
                Orienta("ponti-sportello-immigrazione", "Compilazione del kit per il rinnovo"),
                Chiudi("orientata"),
            ),
            chi=Chi(sesso="M", eta=(25, 35), paese=818),
        ),
        Storia(
            "violenza",
            GORGONZOLA,
            "FAM",
            12,
            "Racconta di essere maltrattata dal compagno e chiede aiuto",
            (
                Orienta(
                    "cav-donne-in-rete",
                    "Colloquio al centro antiviolenza, accompagnata dall'operatrice",
                ),
                Chiudi("orientata"),
            ),
            chi=Chi(sesso="F", eta=(30, 42)),
            urgente=True,
        ),
        Storia(
            "lavoro-cpi",
            BUSSERO,
            "POV",
            10,
            "Ha perso il lavoro in magazzino e cerca un nuovo impiego",
            (
                Orienta("cpi-melzo", "Iscrizione e patto di servizio personalizzato"),
                Chiudi("orientata"),
            ),
            canale="telefono",
            chi=Chi(sesso="M", eta=(32, 45)),
        ),
        Storia(
            "separazione",
            POZZUOLO,
            "FAM",
            8,
            "In separazione dal marito, chiede sostegno per i figli",
            (
                Orienta("consultorio-gorgonzola", "Mediazione familiare"),
                Chiudi("orientata"),
            ),
            chi=Chi(sesso="F", eta=(35, 45)),
        ),
        Storia(
            "formazione-disabile",
            GORGONZOLA,
            "DIS",
            6,
            "La madre cerca un percorso di formazione per il figlio con una disabilità lieve",
            (
                Orienta("cfp-martesana", "Percorso personalizzato di formazione professionale"),
                Chiudi("orientata"),
            ),
            chi=Chi(sesso="M", eta=(17, 19)),
            richiedente=Presentata("familiare", "Madre", "340 1187732"),
        ),
        # oriented, still open
        Storia(
            "trasporto-visite",
            POZZUOLO,
            "ELD",
            4,
            "Chiede un accompagnamento per le visite in ospedale",
            (Orienta("auser-martesana", "Trasporto con i volontari per le visite mediche"),),
            canale="telefono",
            chi=Chi(sesso="M", eta=(80, 88)),
        ),
        # handed over to the Servizio sociale professionale, and closed: sent
        Storia(
            "dimissione",
            GORGONZOLA,
            "ELD",
            21,
            "Il medico di famiglia segnala un anziano solo, dimesso dall'ospedale e non più "
            "autosufficiente",
            (
                Informa((SAD, PASTI)),
                Fissa("as.anziani", 2),
                Registra(svolto=True),
                Istruisci("SAD"),
                Completa(dopo=4),
                Inoltra("ELD", "Valutazione per l'assistenza domiciliare e la tutela giuridica"),
                Chiudi("inviata"),
            ),
            canale="invio_servizio",
            chi=Chi(sesso="M", eta=(84, 90)),
            richiedente=Presentata("medico", "Medico di medicina generale", "02 9513344"),
        ),
        Storia(
            "assenze-scuola",
            BUSSERO,
            "FAM",
            19,
            "La scuola segnala assenze frequenti e scarsa cura di un alunno",
            (
                Inoltra(
                    "FAM",
                    "Segnalazione della scuola: assenze ripetute, da valutare la situazione "
                    "familiare",
                ),
                Chiudi("inviata"),
            ),
            canale="invio_servizio",
            chi=Chi(sesso="M", eta=(9, 11)),
            richiedente=Presentata(
                "scuola", "Istituto comprensivo di Bussero", "segreteria 02 95038270"
            ),
        ),
        Storia(
            "assistenza-sorella",
            POZZUOLO,
            "DIS",
            15,
            "La sorella chiede aiuto: la madre che la assisteva è morta il mese scorso",
            (
                Fissa("as.anziani", 1),
                Registra(svolto=True),
                Inoltra("DIS", "Progetto di vita: centro diurno e assistenza a domicilio"),
                Chiudi("inviata"),
            ),
            chi=Chi(sesso="F", eta=(50, 58)),
            richiedente=Presentata("familiare", "Sorella", "333 9054417"),
        ),
        Storia(
            "senza-dimora",
            GORGONZOLA,
            "POV",
            11,
            "La polizia locale accompagna un uomo che dorme da giorni nella stazione",
            (
                Orienta("caritas-gorgonzola", "Posto letto e mensa per i primi giorni"),
                Inoltra(
                    "POV",
                    "Senza dimora: progetto di accoglienza e residenza anagrafica",
                    urgente=True,
                ),
                Chiudi("inviata"),
            ),
            canale="invio_servizio",
            chi=Chi(sesso="M", eta=(52, 62), codice_fiscale=False, residenza=None),
            richiedente=Presentata("forze_ordine", "Polizia locale di Gorgonzola"),
            urgente=True,
        ),
        Storia(
            "minore-allontanata",
            GORGONZOLA,
            "FAM",
            5,
            "I Carabinieri segnalano una ragazza che si è allontanata da casa dopo una lite",
            (
                Inoltra("FAM", "Minore a rischio: valutazione urgente", urgente=True),
                Chiudi("inviata"),
            ),
            canale="invio_servizio",
            chi=Chi(sesso="F", eta=(14, 16)),
            richiedente=Presentata("forze_ordine", "Carabinieri, stazione di Gorgonzola"),
            urgente=True,
        ),
        # handed over and taken in charge
        Storia(
            "anziana-sola",
            BUSSERO,
            "ELD",
            17,
            "Vive sola, non esce più di casa e rifiuta l'aiuto dei vicini",
            (
                Fissa("as.anziani", 2),
                Registra(svolto=True),
                Inoltra("ELD", "Anziana sola a rischio di isolamento: visita domiciliare"),
                Chiudi("presa_in_carico", "In carico all'assistente sociale dell'area anziani"),
            ),
            chi=Chi(sesso="F", eta=(86, 94)),
            richiedente=Presentata("familiare", "Nipote", "346 5528190"),
        ),
        Storia(
            "giovane-madre",
            POZZUOLO,
            "FAM",
            9,
            "Il consultorio segnala una giovane madre sola con un neonato",
            (
                Inoltra("FAM", "Madre sola con neonato: sostegno alla genitorialità"),
                Fissa("as.minori", 1),
                Registra(svolto=True),
                Chiudi("presa_in_carico", "In carico all'assistente sociale dell'area minori"),
            ),
            canale="invio_servizio",
            chi=Chi(sesso="F", eta=(20, 24), paese=642),
            richiedente=Presentata("asl", "Consultorio familiare di Gorgonzola"),
        ),
        # not for the Segretariato sociale
        Storia(
            "causa-lavoro",
            GORGONZOLA,
            "POV",
            14,
            "Chiede assistenza per una causa contro il datore di lavoro",
            (Chiudi("non_di_competenza", "Indirizzato al patronato e al sindacato"),),
            canale="telefono",
            chi=Chi(sesso="M", eta=(40, 55), codice_fiscale=False),
        ),
        Storia(
            "residente-milano",
            BUSSERO,
            "FAM",
            8,
            "Chiede un contributo per l'affitto",
            (
                Chiudi(
                    "non_di_competenza",
                    "Residente a Milano: indirizzata ai servizi sociali del comune di residenza",
                ),
            ),
            chi=Chi(sesso="F", eta=(30, 40), residenza=MILANO_ISTAT),
        ),
        Storia(
            "visita-domicilio",
            POZZUOLO,
            "ELD",
            4,
            "Chiede una visita medica a domicilio",
            (
                Chiudi(
                    "non_di_competenza",
                    "Richiesta sanitaria: indirizzata al medico di medicina generale",
                ),
            ),
            canale="telefono",
            chi=Chi(sesso="F", eta=(78, 86), codice_fiscale=False),
        ),
        # open, an appointment in the coming days
        Storia(
            "caduta",
            GORGONZOLA,
            "ELD",
            3,
            "Dopo una caduta non riesce più a fare la spesa e le pulizie",
            (Informa((SAD, "Telesoccorso")), Fissa("as.anziani", 2, futuro=True)),
            chi=Chi(sesso="F", eta=(74, 82)),
            richiedente=Presentata("familiare", "Figlia", "338 2264905"),
        ),
        Storia(
            "turni-notte",
            BUSSERO,
            "FAM",
            2,
            "Padre solo che lavora su turni di notte, chiede aiuto per i due figli piccoli",
            (Fissa("as.minori", 3, futuro=True),),
            chi=Chi(sesso="M", eta=(32, 42)),
        ),
        Storia(
            "centro-diurno",
            POZZUOLO,
            "DIS",
            1,
            "La famiglia chiede l'inserimento del figlio in un centro diurno",
            (Fissa("as.anziani", 4, futuro=True, durata=60),),
            canale="telefono",
            chi=Chi(sesso="M", eta=(25, 35)),
            richiedente=Presentata("familiare", "Madre", "349 3307761"),
        ),
        Storia(
            "senza-reddito",
            GORGONZOLA,
            "POV",
            6,
            "Separata con due figli, è senza reddito da tre mesi",
            (
                Informa(("Contributo economico", "Assegno di inclusione (INPS)")),
                Istruisci("CONTRIBUTO_ECONOMICO"),
                Fissa("operatore", 2, futuro=True, durata=30),
                Istruisci("BUONI_SPESA", dopo=1),
            ),
            chi=Chi(sesso="F", eta=(38, 48), paese=804),
        ),
        Storia(
            "sostegno-educativo",
            GORGONZOLA,
            "FAM",
            9,
            "Chiede un sostegno educativo per il figlio e un aiuto per la retta del nido",
            (
                Fissa("as.minori", 3),
                Registra(svolto=False),
                Fissa("as.minori", 3, futuro=True, dopo=1),
            ),
            chi=Chi(sesso="F", eta=(28, 36), paese=608),
        ),
        # an appointment cancelled
        Storia(
            "ricovero",
            BUSSERO,
            "ELD",
            8,
            "La figlia chiede un colloquio per l'inserimento del padre in una RSA",
            (
                Fissa("as.anziani", 5, futuro=True),
                Annulla("Ricoverato in ospedale: la figlia richiamerà dopo la dimissione", dopo=2),
            ),
            canale="telefono",
            chi=Chi(sesso="M", eta=(86, 93)),
            richiedente=Presentata("familiare", "Figlia", "331 8840127"),
        ),
        # an appointment missed, then closed
        Storia(
            "spese-casa",
            POZZUOLO,
            "POV",
            14,
            "Chiede un contributo per le spese della casa",
            (
                Fissa("operatore", 2, durata=30),
                Registra(svolto=False),
                Informa(
                    ("Contributo economico",),
                    "Non si è presentato; informato per telefono su come ripresentare la domanda",
                    dopo=1,
                ),
                Chiudi("informata"),
            ),
            chi=Chi(sesso="M", eta=(36, 46), paese=504),
        ),
        # applications
        Storia(
            "mensa",
            GORGONZOLA,
            "FAM",
            16,
            "Chiede la riduzione della retta della mensa scolastica per i due figli",
            (
                Istruisci("AGEVOLAZIONE_MENSA"),
                Completa(dopo=6),
                Chiudi("informata", "Riduzione concessa dal mese prossimo"),
            ),
            chi=Chi(sesso="F", eta=(34, 44)),
        ),
        Storia(
            "buoni-spesa",
            BUSSERO,
            "POV",
            22,
            "Vive con il figlio disoccupato e chiede i buoni spesa",
            (
                Istruisci("BUONI_SPESA"),
                Completa(dopo=3),
                Chiudi("informata", "Buoni spesa consegnati per un mese"),
            ),
            chi=Chi(sesso="F", eta=(54, 60)),
        ),
        Storia(
            "pasti",
            GORGONZOLA,
            "ELD",
            12,
            "Non riesce più a cucinare e chiede i pasti a domicilio",
            (Istruisci("PASTI_DOMICILIO"),),
            canale="telefono",
            chi=Chi(sesso="M", eta=(80, 88)),
        ),
        Storia(
            "trasporto-cdd",
            POZZUOLO,
            "DIS",
            15,
            "Chiede il trasporto per il centro diurno disabili",
            (Istruisci("TRASPORTO"),),
            chi=Chi(sesso="F", eta=(22, 28)),
            richiedente=Presentata("familiare", "Padre", "337 6092218"),
        ),
        Storia(
            "sfratto",
            GORGONZOLA,
            "POV",
            25,
            "Ha ricevuto l'intimazione di sfratto per morosità e chiede un contributo per "
            "l'affitto",
            (
                Informa(("Contributo per l'alloggio", "Fondo morosità incolpevole")),
                Istruisci("CONTRIBUTO_AFFITTO", dopo=1),
            ),
            chi=Chi(sesso="M", eta=(38, 48), paese=8),
        ),
        Storia(
            "retta-nido",
            BUSSERO,
            "FAM",
            2,
            "Chiede un contributo per la retta del nido",
            (Istruisci("RETTA_NIDO"),),
            chi=Chi(sesso="F", eta=(27, 34)),
        ),
        Storia(
            "sad-pozzuolo",
            POZZUOLO,
            "ELD",
            3,
            "Il figlio chiede l'assistenza domiciliare per la madre",
            (Istruisci("SAD"),),
            canale="telefono",
            chi=Chi(sesso="F", eta=(82, 90)),
            richiedente=Presentata("familiare", "Figlio", "345 1176630"),
        ),
        Storia(
            "attestazione",
            GORGONZOLA,
            "IMMNOM",
            1,
            "Chiede un'attestazione del servizio sociale per la famiglia che la ospita",
            (Istruisci("ATTESTAZIONE"),),
            chi=Chi(sesso="F", eta=(28, 36), paese=804),
        ),
        # today's queue: a person who comes back, and a new one
        Storia(
            "buoni-spesa-ritorno",
            BUSSERO,
            "POV",
            0,
            "Torna dopo un mese: i buoni spesa sono finiti e chiede un nuovo aiuto",
            stessa_persona="buoni-spesa",
        ),
        Storia(
            "solitudine",
            GORGONZOLA,
            "ELD",
            0,
            "Vedova da pochi mesi, si sente sola e chiede quali attività ci sono per anziani",
            chi=Chi(sesso="F", eta=(76, 84)),
        ),
    ]


DEMO_REQUESTS = len(storie())


# -- people ----------------------------------------------------------------------------

NOMI: dict[int, tuple[list[str], list[str], list[str]]] = {
    # citizenship: (women's names, men's names, surnames)
    380: (
        ["Maria", "Giulia", "Anna", "Francesca", "Sara", "Chiara", "Elena", "Rosa", "Luisa"],
        ["Giuseppe", "Marco", "Luca", "Giovanni", "Paolo", "Andrea", "Franco", "Luigi"],
        [
            "Rossi",
            "Bianchi",
            "Colombo",
            "Ferrari",
            "Ricci",
            "Marino",
            "Greco",
            "Brambilla",
            "Fumagalli",
            "Cattaneo",
            "Mariani",
            "Esposito",
            "Lombardi",
            "Barbieri",
        ],
    ),
    642: (["Ioana", "Elena", "Andreea"], ["Ion", "Andrei", "Mihai"], ["Popescu", "Ionescu"]),
    504: (["Fatima", "Khadija", "Amina"], ["Ahmed", "Youssef", "Rachid"], ["Benali", "Idrissi"]),
    8: (["Elira", "Arjana"], ["Arben", "Ilir", "Gentian"], ["Hoxha", "Shehu", "Kola"]),
    608: (["Maricel", "Joy"], ["Jose", "Mark"], ["Santos", "Reyes", "Dela Cruz"]),
    804: (["Olena", "Natalia", "Iryna"], ["Oleksandr", "Andrii"], ["Kovalenko", "Shevchenko"]),
    818: (["Mona", "Salma"], ["Mahmoud", "Karim", "Tarek"], ["Hassan", "Mansour"]),
}
ESTERO = {642: "Z129", 504: "Z330", 8: "Z100", 608: "Z216", 804: "Z138", 818: "Z336"}
"""Belfiore code of each foreign country of birth."""
NATI_IN_ITALIA = ["F205", "F205", "F839", "G273", "A662", "C523"]
"""Milano (twice as likely), Napoli, Palermo, Bari, Cernusco sul Naviglio."""
ETA: dict[str, tuple[int, int]] = {
    "ELD": (72, 92),
    "FAM": (25, 48),
    "DIS": (18, 60),
    "POV": (25, 62),
    "ADD": (20, 55),
    "IMMNOM": (22, 50),
}


@cache
def _persona(storia: Storia, anno: int) -> Persona:
    """The person of a request, drawn from a seed of its own: always the same (ages are
    reckoned from this year)."""
    rng = random.Random(f"ambito-demo/{storia.slug}")  # noqa: S311 - demo data, not security
    chi = storia.chi
    sesso: Sesso = chi.sesso or ("F" if rng.random() < 0.5 else "M")
    donne, uomini, cognomi = NOMI[chi.paese]
    nome = rng.choice(donne if sesso == "F" else uomini)
    cognome = rng.choice(cognomi)
    low, high = chi.eta or ETA[storia.area]
    nascita = date(anno - rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
    italiano = chi.paese == 380
    luogo = rng.choice([*NATI_IN_ITALIA, storia.comune]) if italiano else ESTERO[chi.paese]
    residenza: dict[str, Any] = {}
    if chi.residenza == "comune":
        via = rng.choice(VIE[storia.comune])
        residenza = {
            "residenza_paese": 380,
            "residenza_comune_istat": ISTAT[storia.comune],
            "residenza_indirizzo": f"{via} {rng.randint(1, 80)}",
        }
    elif chi.residenza is not None:
        residenza = {
            "residenza_paese": 380,
            "residenza_comune_istat": chi.residenza,
            "residenza_indirizzo": f"Via Padova {rng.randint(1, 300)}",
        }
    codice = None
    if chi.codice_fiscale:
        codice = str(
            codicefiscale.encode(
                lastname=cognome,
                firstname=nome,
                gender=sesso,
                birthdate=nascita.isoformat(),
                birthplace=luogo,
            )
        )
    return Persona(
        nome=nome,
        cognome=cognome,
        codice_fiscale=codice,
        data_nascita=nascita,
        sesso=sesso,
        luogo_nascita=luogo,
        cittadinanza=chi.paese,
        **residenza,
    )


# -- the plan: every act with its time -------------------------------------------------


def _giorno_lavorativo(giorno: date, passi: int) -> date:
    """``passi`` working days after (positive) or before (negative) ``giorno``."""
    step = timedelta(days=1 if passi > 0 else -1)
    counted = 0
    while counted < abs(passi):
        giorno += step
        if is_working_day(giorno):
            counted += 1
    return giorno


@dataclass(frozen=True)
class Slot:
    inizio: datetime
    fine: datetime


@dataclass
class Agende:
    """The demo's bookings by worker and day: no overlaps, inside the desk's hours."""

    occupate: dict[tuple[str, date], list[Slot]] = field(default_factory=dict)

    def prenota(self, con: str, comune: str, giorno: date, minuti: int) -> Slot:
        dalle, alle = _orario(comune, giorno)
        start = datetime.combine(giorno, dalle, ROME)
        end_of_day = datetime.combine(giorno, alle, ROME)
        taken = self.occupate.setdefault((con, giorno), [])
        while start + timedelta(minutes=minuti) <= end_of_day:
            slot = Slot(start, start + timedelta(minutes=minuti))
            if all(slot.fine <= other.inizio or other.fine <= slot.inizio for other in taken):
                taken.append(slot)
                return slot
            start += timedelta(minutes=15)
        raise ValueError(f"nessuno spazio libero per {con} il {giorno}")


@dataclass(frozen=True)
class AttoPianificato:
    """One planned act: its time, and what records it (one event of its request)."""

    quando: datetime
    storia: int
    passo: int
    """0 is the request's receipt; each act is the request's version ``passo + 1``."""
    slot: Slot | None = None
    """For a booking, the appointment; for held/missed/cancelled, the one it concerns."""
    tipo_istanza: str | None = None
    """For a completion, the application's type."""


@dataclass(frozen=True)
class Piano:
    storie: list[Storia]
    persone: list[Persona]
    atti: list[AttoPianificato]
    """In the order they are recorded: by time, a request's acts in their order."""


def piano(now: datetime) -> Piano:
    """The month's acts, dated from ``now`` (working days, Europe/Rome). The acts of earlier
    days depend only on today's date; today's are a few hours before ``now``."""
    now = now.astimezone(ROME)
    oggi = now.date()
    tutte = storie()
    persone: dict[str, Persona] = {}
    agende = Agende()
    atti: list[AttoPianificato] = []
    oggi_in_coda = [s.slug for s in tutte if s.fa == 0]
    for index, storia in enumerate(tutte):
        if storia.stessa_persona is not None:
            persone[storia.slug] = persone[storia.stessa_persona]
        else:
            persone[storia.slug] = _persona(storia, oggi.year)
        rng = random.Random(f"ambito-demo/{storia.slug}/ora")  # noqa: S311 - demo data
        pausa = timedelta(minutes=10)  # between two acts of the same moment (``dopo`` 0)
        if storia.fa == 0:
            prima = len(oggi_in_coda) - oggi_in_coda.index(storia.slug)
            quando = now - timedelta(minutes=40 * prima + 10)
            mezzanotte = datetime.combine(oggi, time(0), ROME)
            if quando <= mezzanotte:  # just after midnight: today's queue fits since then
                quando = now - (now - mezzanotte) * prima / (len(oggi_in_coda) + 1)
                pausa = min(pausa, (now - quando) / (len(storia.passi) + 1))
        else:
            giorno = _giorno_lavorativo(oggi, -storia.fa)
            dalle, _ = _orario(storia.comune, giorno)
            quando = datetime.combine(giorno, dalle, ROME) + timedelta(
                minutes=rng.randrange(0, 150, 5)
            )
        atti.append(AttoPianificato(quando, index, 0))
        ultimo: Slot | None = None
        istanze: list[str] = []
        for numero, passo in enumerate(storia.passi, start=1):
            slot: Slot | None = None
            tipo: str | None = None
            if isinstance(passo, Registra):
                assert ultimo is not None, f"{storia.slug}: nessun appuntamento da registrare"
                quando = max(quando, ultimo.fine) + timedelta(minutes=10)
                slot = ultimo
            elif passo.dopo == 0:
                quando += pausa
            else:
                giorno = _giorno_lavorativo(quando.date(), passo.dopo)
                dalle, _ = _orario(storia.comune, giorno)
                quando = datetime.combine(giorno, dalle, ROME) + timedelta(minutes=20)
            if isinstance(passo, Fissa):
                base = oggi if passo.futuro else quando.date()
                giorno = _giorno_lavorativo(base, passo.tra)
                slot = agende.prenota(passo.con, storia.comune, giorno, passo.durata)
                ultimo = slot
                if passo.futuro != (slot.inizio > now):
                    raise ValueError(f"{storia.slug}: appuntamento {numero} fuori dal piano")
            elif isinstance(passo, Annulla):
                slot = ultimo
            elif isinstance(passo, Istruisci):
                istanze.append(passo.tipo)
            elif isinstance(passo, Completa):
                tipo = istanze[-1]
            if quando >= now or (storia.fa > 0 and quando.date() >= oggi):
                raise ValueError(f"{storia.slug}: l'atto {numero} cadrebbe oggi o nel futuro")
            atti.append(AttoPianificato(quando, index, numero, slot, tipo))
    atti.sort(key=lambda atto: (atto.quando, atto.storia, atto.passo))
    return Piano(tutte, [persone[s.slug] for s in tutte], atti)


# -- recording -------------------------------------------------------------------------


def demo_operator(comuni: list[str]) -> Principal:
    return Principal(
        subject=DEMO_OPERATOR,
        kind="user",
        role="operatore",
        comuni=frozenset(comuni),
    )


def demo_admin() -> Principal:
    return Principal(subject=DEMO_ADMIN, kind="user", role="amministratore")


@dataclass
class _Esecuzione:
    intake: IntakeApplication
    operatore: Richiesta
    piano: Piano

    def registra(self, atto: AttoPianificato) -> None:
        storia = self.piano.storie[atto.storia]
        did = domanda_id(storia.slug)
        if atto.passo == 0:
            self._ricevi(storia, self.piano.persone[atto.storia], atto.quando)
            return
        passo = storia.passi[atto.passo - 1]
        when = Atto(occurred_at=atto.quando)
        intake, richiesta = self.intake, self.operatore
        if isinstance(passo, Informa):
            intake.informa(did, list(passo.servizi), passo.note, richiesta, when)
        elif isinstance(passo, Orienta):
            self._orienta(did, passo, when)
        elif isinstance(passo, Fissa):
            assert atto.slot is not None
            self._fissa(did, storia, atto, passo, atto.slot)
        elif isinstance(passo, Registra):
            assert atto.slot is not None
            booked = self._appuntamento(did, atto.slot)
            intake.registra_appuntamento(did, booked, passo.svolto, richiesta, when)
        elif isinstance(passo, Annulla):
            assert atto.slot is not None
            booked = self._appuntamento(did, atto.slot)
            intake.annulla_appuntamento(did, booked, passo.motivo, richiesta, when)
        elif isinstance(passo, Istruisci):
            protocollo = f"{atto.quando.year}/{4100 + 7 * atto.storia + atto.passo:05d}"
            intake.istruisci(did, passo.tipo, protocollo, richiesta, when)
        elif isinstance(passo, Completa):
            assert atto.tipo_istanza is not None
            istanza = self._istanza(did, atto.tipo_istanza)
            intake.completa_istanza(did, istanza, richiesta, when)
        elif isinstance(passo, Inoltra):
            intake.inoltra(did, passo.area, passo.motivo, passo.urgente, richiesta, when)
        else:
            intake.chiudi(did, passo.esito, passo.nota, richiesta, when)

    def _ricevi(self, storia: Storia, persona: Persona, quando: datetime) -> None:
        richiedente = None
        if storia.richiedente is not None:
            richiedente = Richiedente(
                tipo=storia.richiedente.tipo,
                nome=storia.richiedente.nome,
                contatto=storia.richiedente.contatto,
            )
        at_the_desk = storia.canale in ("sportello", "telefono")
        self.intake.registra_domanda(
            RegistraDomanda(
                comune=storia.comune,
                canale=storia.canale,
                persona=persona,
                bisogno=storia.bisogno,
                area_utenza=storia.area,
                urgente=storia.urgente,
                occurred_at=quando,
                richiedente=richiedente,
                sportello_id=sportello_id(storia.comune) if at_the_desk else None,
                domanda_id=domanda_id(storia.slug),
            ),
            self.operatore,
        )

    def _orienta(self, did: UUID, passo: Orienta, when: Atto) -> None:
        """Through the service layer when the directory's projection lists the resource;
        otherwise (district mode, before the services run) through the domain: the demo's
        resources are known and active."""
        risorsa = risorsa_id(passo.risorsa)
        directory = self.intake.directory
        if directory is not None and directory.get(risorsa) is not None:
            self.intake.orienta(did, risorsa, passo.motivazione, self.operatore, when)
            return
        if passo.risorsa == DISMISSED:
            raise ValueError(f"la risorsa {passo.risorsa} è dismessa")
        self._nel_dominio(did, when, lambda d: d.orienta(risorsa, passo.motivazione))

    def _fissa(
        self, did: UUID, storia: Storia, atto: AttoPianificato, passo: Fissa, slot: Slot
    ) -> None:
        """A future appointment through the service layer (it checks hours, holidays and
        the worker's agenda); one already past, through the domain and the same agenda."""
        desk, con = sportello_id(storia.comune), passo.con
        when = Atto(occurred_at=atto.quando)
        if passo.futuro:
            self.intake.fissa_appuntamento(
                did, slot.inizio, slot.fine, con, desk, self.operatore, when
            )
            return
        booked = appuntamento_id(storia.slug, atto.passo)

        def book(domanda: Domanda) -> list[Any]:
            domanda.fissa_appuntamento(booked, slot.inizio, slot.fine, con, desk)
            agenda = self.intake.agenda(con, slot.inizio.date())
            agenda.occupa(booked, domanda.id, slot.inizio, slot.fine)
            return [agenda]

        self._nel_dominio(did, when, book)

    def _nel_dominio(
        self, did: UUID, when: Atto, change: Callable[[Domanda], list[Any] | None]
    ) -> None:
        found: object = self.intake.repository.get(did)
        assert isinstance(found, Domanda)
        authorize(
            self.operatore.principal,
            "intake.domanda.agisce",
            comune=found.comune,
            area=found.area_utenza,
        )
        context = self.operatore.context(found.comune, when.legal_basis, when.occurred_at)
        with acting(context):
            others = change(found) or []
        self.intake.save(found, *others)

    def _appuntamento(self, did: UUID, slot: Slot) -> UUID:
        found: object = self.intake.repository.get(did)
        assert isinstance(found, Domanda)
        for identifier, booked in found.appuntamenti.items():
            if booked.inizio == slot.inizio:
                return identifier
        raise LookupError(f"nessun appuntamento alle {slot.inizio} per la domanda {did}")

    def _istanza(self, did: UUID, tipo: str) -> UUID:
        found: object = self.intake.repository.get(did)
        assert isinstance(found, Domanda)
        for identifier, istanza in found.istanze.items():
            if istanza.tipo == tipo and not istanza.completata:
                return identifier
        raise LookupError(f"nessuna istanza {tipo} aperta per la domanda {did}")


def _version(intake: IntakeApplication, aggregate_id: UUID) -> int:
    found = intake.recorded(aggregate_id)
    if found is None:
        return 0
    version = getattr(found, "version", 0)
    assert isinstance(version, int)
    return version


def record_demo_desks(intake: IntakeApplication, now: datetime | None = None) -> int:
    """The three desks with their hours, as the demo admin, instituted before the month
    began; a desk already there is left as it is. Returns how many it created."""
    now = (now or datetime.now(ROME)).astimezone(ROME)
    admin = Richiesta(demo_admin(), "cli")
    authorize(admin.principal, "intake.sportello.gestisce")
    giorno = _giorno_lavorativo(now.date(), -SPORTELLI_ISTITUITI)
    created = 0
    for numero, (comune, (nome, fasce)) in enumerate(SPORTELLI.items()):
        identifier = sportello_id(comune)
        if _version(intake, identifier):
            continue
        istituito = datetime.combine(giorno, time(8), ROME) + timedelta(minutes=10 * numero)
        with acting(admin.context(comune, LEGAL_BASIS_REGISTRA, istituito)):
            sportello = Sportello._create(
                Sportello.SportelloIstituito, id=identifier, comune=comune, nome=nome
            )
        definito = istituito + timedelta(minutes=5)
        with acting(admin.context(comune, LEGAL_BASIS_REGISTRA, definito)):
            sportello.definisci_orari(fasce)
        intake.save(sportello)  # both events, or neither
        created += 1
    return created


def record_demo_intake(
    intake: IntakeApplication, comuni: list[str], now: datetime | None = None
) -> int:
    """The desks and the month of requests, as the demo operatore; an interrupted run is
    finished (each request's acts already in its stream are skipped). Returns how many acts
    it recorded now (a desk with its hours counts as one)."""
    now = now or datetime.now(ROME)
    recorded = record_demo_desks(intake, now)
    plan = piano(now)
    run = _Esecuzione(intake, Richiesta(demo_operator(comuni), "cli"), plan)
    done = [_version(intake, domanda_id(storia.slug)) for storia in plan.storie]
    for atto in plan.atti:
        if atto.passo < done[atto.storia]:
            continue
        run.registra(atto)
        recorded += 1
    return recorded
