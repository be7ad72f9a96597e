"""The demo district's Servizio sociale professionale: case files in every stage.

Twenty-two cases of the Ambito demo Martesana (Gorgonzola, Bussero, Pozzuolo Martesana) over
the last eleven months, so that every stage of a case shows up: waiting for assignment (a
hand-over from the Segretariato sociale, a court order just received, an emergency of the
last hours), assigned and not yet taken in charge, taken in charge, assessed, with a contract,
with a project, with interventions running and monitored, with interventions verified, and
closed with the restituzione given to the person (goals reached, moved away, declined,
died); a case reopened after a relapse, linked to the closed one. Every seed area is there
(families and minors, the elderly, disability, adults in poverty) with addiction and a
foreign unaccompanied minor, who goes to the families-and-minors social worker by age band.

Two stories are told in full. A boy of twelve entrusted to the social service by the
Tribunale per i minorenni: the case opens with the decree, the project is the one the decree
imposes (no contract), an educational home intervention runs with a cooperative of the
network, the report the court asked for is sent, and a second decree asks for an update
that is due in the coming weeks. An elderly woman who lives alone after a fall: a
multidimensional assessment with the SINA items (later corrected when the UVM's final
record arrived), a contract, a project, home care (SAD) by a cooperative with its monthly
amount, the user's and the district's shares, the means test and the application's
protocol number, monthly monitoring, questionnaires before and during the intervention,
and a project review now overdue. Beside them: a report to the giudice tutelare asking for
an amministratore di sostegno, the order appointing one and the representative who signs
the contract; court reports overdue and due; an intervention whose verification is overdue.

Everything is recorded through the service layer as the demo coordinatore and social
workers (source ``cli``), back-dated with ``Atto``; people, names and numbers are
fictitious. One kind of act goes through the domain instead, with the service layer's own
checks: an intervention with a network resource when the directory's projection does not
list the demo resources yet (district mode, before the services run).

The seven requests the Segretariato sociale's demo hands over become cases through the
hand-over policy (``apri_casi_inoltrati`` runs it before the cases are recorded); one of them
is left waiting for assignment. Direct cases have fixed ids (uuid5 of a slug), hand-over
cases the ids the policy derives, and every act is one save of its case (one event; two
for an opening with its court order), so an interrupted run is finished by skipping, for
each case, the acts its stream already holds. The story is fixed; only its dates move with
today (working days, Europe/Rome).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID, uuid4, uuid5
from zoneinfo import ZoneInfo

from codicefiscale import codicefiscale

from services.casework.application import (
    LEGAL_BASIS_AUTORITA,
    LEGAL_BASIS_CASO,
    ApriCaso,
    Atto,
    CaseworkApplication,
    Provvedimento,
)
from services.casework.domain import Caso, id_riapertura
from services.casework.policies import ApriCasoDaInoltro
from services.intake.demo import ESTERO, ISTAT, NATI_IN_ITALIA, NOMI, VIE
from services.intake.demo import domanda_id as intake_domanda_id
from services.network.demo import DISMISSED, risorsa_id
from shared.auth.policy import authorize, require_role
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.calendar import is_working_day
from shared.errors import Conflict, FieldError
from shared.events import acting
from shared.events import casework as ev
from shared.events.assessment import ValutazioneSina, ValutazioneSinba
from shared.events.casework import AutoritaGiudiziaria, Membro, Relazione, RuoloLegale
from shared.events.profile import Sesso
from shared.events.types import AreaUtenza
from shared.identity.demo import DEMO_USERS
from shared.persons.dati import Persona
from shared.policies import PolicyRunner

if TYPE_CHECKING:
    from services.runtime import Runtime

ROME = ZoneInfo("Europe/Rome")
DEMO_CASEWORK_NAMESPACE = UUID("9b4e2c71-5d0a-4f3e-8a6b-1c7d2e9f0a53")
"""Namespace of the demo's fixed ids (uuid5 of a slug)."""

COORDINATORE = "coordinatore"
AS_MINORI = "as.minori"
AS_ANZIANI = "as.anziani"
AS_ADULTI = "as.adulti"

GORGONZOLA = "E094"
BUSSERO = "B292"
POZZUOLO = "G965"

UVM = "UVM ASST Melegnano e della Martesana"


def caso_id(slug: str) -> UUID:
    """The fixed id of a demo case opened directly (a hand-over case's id is the policy's)."""
    return uuid5(DEMO_CASEWORK_NAMESPACE, f"caso/{slug}")


def membro_id(slug: str, numero: int) -> UUID:
    return uuid5(DEMO_CASEWORK_NAMESPACE, f"membro/{slug}/{numero}")


# -- what happens to a case ------------------------------------------------------------

Entro = tuple[Literal["atto", "oggi"], int]
"""A due date: so many days after the act's date, or from today (overdue when negative)."""


@dataclass(frozen=True, kw_only=True)
class _Passo:
    dopo: int = 0
    """Working days after the case's previous act (0: the same day, a little later)."""
    base: str | None = None
    """The act's legal basis, when not the service layer's default for it."""


@dataclass(frozen=True)
class Assegna(_Passo):
    """The coordinator assigns the case (by default to the referent of the case's area, or
    of the person's age band for a foreign citizen)."""

    a: str
    area: AreaUtenza | None = None
    oggi: bool = False
    """Today, through the service layer (which records it now): the case's last act."""


@dataclass(frozen=True)
class PrendeInCarico(_Passo):
    pass


@dataclass(frozen=True)
class Valuta(_Passo):
    tipo: Literal["sociale", "multidimensionale"]
    problemi: str
    risorse: str
    esito: str
    partecipanti: tuple[str, ...]
    nucleo: str | None = None
    sina: Mapping[str, Any] | None = None
    sinba: Mapping[str, Any] | None = None
    """Without ``data_prima_segnalazione``: the month the case was opened."""


@dataclass(frozen=True)
class Rettifica(_Passo):
    valutazione: int
    """Which assessment of the case (0: the first)."""
    motivo: str
    esito: str | None = None
    sina: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Familiare:
    nome: str
    relazione: Relazione
    convivente: bool
    eta: int | None = None
    cognome: str | None = None
    """None: the person's own surname."""
    sesso: Sesso | None = None
    """Given for every parent: SINBA tells a mother from a father."""


@dataclass(frozen=True)
class Nucleo(_Passo):
    membri: tuple[Familiare, ...]


@dataclass(frozen=True)
class Rappresentante(_Passo):
    ruolo: RuoloLegale
    nome: str
    cognome: str | None = None
    provvedimento: int | None = None
    """Which court order of the case appointed them (0: the first)."""


@dataclass(frozen=True)
class Questionario(_Passo):
    momento: Literal["ex_ante", "in_itinere", "ex_post"]
    risposte: tuple[int, ...]
    commento: str | None = None


@dataclass(frozen=True)
class Contratto(_Passo):
    firmatario: Literal["persona", "rappresentante_legale"]
    obiettivi: str
    impegni_servizio: str
    impegni_persona: str
    consenso: bool = True


@dataclass(frozen=True)
class Progetto(_Passo):
    obiettivi: str
    professionisti: tuple[str, ...]
    revisione: Entro
    imposto: int | None = None
    """The court order that imposes it (0: the case's first): no contract needed."""


@dataclass(frozen=True)
class Revisione(_Passo):
    obiettivi: str
    motivo: str
    revisione: Entro


@dataclass(frozen=True)
class Attiva(_Passo):
    prestazione: str
    """SIUSS benefit code (``siuss_prestazioni.csv``)."""
    risorsa: str | None
    """Slug of the provider among the demo network's resources (None: the district)."""
    descrizione: str
    frequenza: str | None = None
    fine: Entro | None = None
    importo: str | None = None
    quota_utente: str | None = None
    quota_ente: str | None = None
    prova_mezzi: bool = False
    protocollo: bool = False
    """With the protocol number of the application (a means-tested benefit)."""


@dataclass(frozen=True)
class Monitora(_Passo):
    intervento: int
    note: str


@dataclass(frozen=True)
class Verifica(_Passo):
    intervento: int
    esito: Literal["raggiunto", "parzialmente_raggiunto", "non_raggiunto"]
    efficacia: str
    concluso: bool
    efficienza: str | None = None


@dataclass(frozen=True)
class Conclude(_Passo):
    intervento: int
    motivo: str


@dataclass(frozen=True)
class Segnala(_Passo):
    autorita: AutoritaGiudiziaria
    motivo: str
    richiesta: Literal["amministratore_sostegno", "tutela", "curatela"] | None = None


@dataclass(frozen=True)
class Ordine:
    """A court order as the service receives it."""

    autorita: AutoritaGiudiziaria
    tipo: Literal[
        "affidamento_servizio_sociale",
        "indagine_psicosociale",
        "nomina_amministratore_sostegno",
        "altro",
    ]
    estremi: str
    numero: str
    """With ``{anno}``: the year the order was issued."""
    emesso: int = 5
    """Calendar days before it was received."""
    relazione: Entro | None = None


@dataclass(frozen=True)
class Recepisce(_Passo):
    ordine: Ordine


@dataclass(frozen=True)
class Relaziona(_Passo):
    autorita: AutoritaGiudiziaria
    sintesi: str
    provvedimento: int | None = None


@dataclass(frozen=True)
class Chiude(_Passo):
    motivo: Literal[
        "obiettivi_raggiunti", "trasferimento", "rinuncia", "decesso", "non_di_competenza", "altro"
    ]
    restituzione: str


Passo = (
    Assegna
    | PrendeInCarico
    | Valuta
    | Rettifica
    | Nucleo
    | Rappresentante
    | Questionario
    | Contratto
    | Progetto
    | Revisione
    | Attiva
    | Monitora
    | Verifica
    | Conclude
    | Segnala
    | Recepisce
    | Relaziona
    | Chiude
)


@dataclass(frozen=True)
class Chi:
    """Hints for the person of a case opened directly; the rest is drawn from the seed."""

    sesso: Literal["F", "M"]
    eta: tuple[int, int]
    paese: int = 380
    codice_fiscale: bool = True
    residenza: bool = True


@dataclass(frozen=True)
class Diretta:
    """A case opened directly: an emergency or a court order, by the coordinator (or by a
    social worker of the case's area), ``fa`` working days ago (0: today, in the last
    hours)."""

    fa: int
    origine: Literal["emergenza", "provvedimento"]
    motivo: str
    chi: Chi | None = None
    """None only for a reopened case: the person of the closed one."""
    da: str = COORDINATORE
    urgente: bool = False
    ordine: Ordine | None = None
    precedente: str | None = None
    """Slug of the closed case this one reopens."""


@dataclass(frozen=True)
class Inoltro:
    """A case the hand-over policy opened for a request of the intake demo."""

    domanda: str
    """Slug of the intake demo's request."""


@dataclass(frozen=True)
class Storia:
    slug: str
    comune: str
    area: AreaUtenza
    apertura: Diretta | Inoltro
    passi: tuple[Passo, ...] = ()


# -- the cases -------------------------------------------------------------------------

ADM = "coop-contatto-adm"
SAD_NAVIGLIO = "coop-il-naviglio-sad"
SAD_BUSSERO = "sad-bussero"

_SINA_ANZIANA: dict[str, Any] = {
    "mobilita": "2",
    "attivita_vita_quotidiana": "2",
    "disturbi_area_cognitiva": "1",
    "disturbi_comportamentali": "1",
    "necessita_cure_sanitarie": "2",
    "area_reddituale": "2",
    "area_supporto": "2",
    "fonte_derivazione_valutazione": "1",
    "strumento_valutazione": "1",
    "fonte_derivazione_invalidita": "2",
    "necessita_interventi_sociali": ["A2.07", "A1.11"],
    "invalidita_civile": ["1"],
}


def storie() -> list[Storia]:
    """The cases, in no particular order (their acts are recorded by date)."""
    return [
        # -- the two stories told in full ----------------------------------------------
        Storia(
            "minore-tribunale",
            GORGONZOLA,
            "FAM",
            Diretta(
                105,
                "provvedimento",
                "Decreto del Tribunale per i minorenni: affidamento al servizio sociale dopo "
                "la separazione molto conflittuale dei genitori; il ragazzo rifiuta di vedere "
                "il padre e a scuola è sempre più isolato",
                Chi("M", (12, 12)),
                ordine=Ordine(
                    "tribunale_minorenni",
                    "affidamento_servizio_sociale",
                    "Decreto del Tribunale per i minorenni di Milano: affidamento del minore al "
                    "Servizio sociale del Comune di Gorgonzola, collocamento presso la madre, "
                    "incontri con il padre in spazio neutro, sostegno educativo; relazione "
                    "sull'andamento entro 120 giorni",
                    "V.G. 2417/{anno}",
                    emesso=6,
                    relazione=("atto", 120),
                ),
            ),
            (
                Assegna(AS_MINORI),
                PrendeInCarico(dopo=1),
                Nucleo(
                    (
                        Familiare("Silvia", "genitore", True, 41, "Mariani", sesso="F"),
                        Familiare("Alessandro", "genitore", False, 45, sesso="M"),
                        Familiare("Giorgia", "fratello_sorella", True, 8),
                    ),
                    dopo=2,
                ),
                Rappresentante("genitore", "Silvia", "Mariani"),
                Valuta(
                    "sociale",
                    "Forte conflitto tra i genitori, che coinvolge il ragazzo; rifiuto degli "
                    "incontri con il padre; calo del rendimento scolastico e isolamento dai "
                    "compagni",
                    "Madre collaborante; buon legame con la sorella minore; interesse per il "
                    "calcio e per il disegno",
                    "Sostegno educativo domiciliare, spazio neutro per gli incontri con il "
                    "padre, sostegno psicologico al ragazzo",
                    (AS_MINORI, "psicologa"),
                    nucleo="Vive con la madre e la sorella di otto anni; il padre vive a Milano "
                    "con la nuova compagna",
                    sinba={
                        "condizione_minore": "1",
                        "luogo_vita": "1",
                        "scuola_frequentata": "6",
                        "valutazione_minore": "2",
                        "valutazione_famiglia_minore": "6",
                        "fonte_segnalazione": "11",
                        "minore_straniero_non_accompagnato": "2",
                        "condizione_lavoro": "1",
                        "disabilita": "2",
                    },
                    dopo=5,
                ),
                Progetto(
                    "Ricostruire gradualmente il rapporto con il padre; sostenere il ragazzo "
                    "nella scuola e nelle relazioni con i compagni; ridurre il conflitto tra i "
                    "genitori",
                    (AS_MINORI, "educatore", "psicologa"),
                    ("atto", 180),
                    imposto=0,
                    dopo=3,
                ),
                Attiva(
                    "A2.02",
                    ADM,
                    "Educativa domiciliare: compiti, tempo libero, accompagnamento agli incontri "
                    "in spazio neutro",
                    frequenza="due pomeriggi a settimana, sei ore",
                    fine=("atto", 270),
                    importo="780.00",
                    quota_utente="0.00",
                    quota_ente="780.00",
                    dopo=4,
                ),
                Monitora(
                    0,
                    "Il ragazzo accetta l'educatore; i compiti sono più regolari. Primo "
                    "incontro in spazio neutro con il padre, breve ma senza tensioni",
                    dopo=20,
                ),
                Monitora(
                    0,
                    "Tre incontri con il padre svolti; a scuola partecipa a un laboratorio "
                    "pomeridiano. I genitori comunicano ancora solo tramite il servizio",
                    dopo=20,
                ),
                Relaziona(
                    "tribunale_minorenni",
                    "Relazione sull'andamento dell'affidamento: il ragazzo ha ripreso gli "
                    "incontri con il padre, l'educativa domiciliare prosegue con esito "
                    "positivo; si propone di confermare l'affidamento al servizio",
                    provvedimento=0,
                    dopo=8,
                ),
                Monitora(
                    0,
                    "Verifica con la scuola: migliorano la frequenza e i voti. Il ragazzo "
                    "chiede di vedere il padre anche fuori dallo spazio neutro",
                    dopo=15,
                ),
                Recepisce(
                    Ordine(
                        "tribunale_minorenni",
                        "altro",
                        "Decreto del Tribunale per i minorenni di Milano: conferma "
                        "dell'affidamento al servizio sociale e richiesta di una relazione "
                        "di aggiornamento sugli incontri con il padre",
                        "V.G. 2417/{anno}",
                        emesso=4,
                        relazione=("oggi", 25),
                    ),
                    dopo=10,
                ),
                Monitora(
                    0,
                    "Primo pomeriggio con il padre senza la presenza dell'educatore, andato "
                    "bene secondo entrambi",
                    dopo=12,
                ),
            ),
        ),
        Storia(
            "anziana-sad",
            POZZUOLO,
            "ELD",
            Diretta(
                150,
                "emergenza",
                "Caduta in casa: dimessa dal pronto soccorso con una frattura al polso, vive "
                "sola e non riesce più a lavarsi né a cucinare; il medico di famiglia chiede "
                "un intervento urgente",
                Chi("F", (84, 88)),
                urgente=True,
            ),
            (
                Assegna(AS_ANZIANI),
                PrendeInCarico(dopo=1),
                Nucleo((Familiare("Roberto", "figlio", False, 58),)),
                Valuta(
                    "multidimensionale",
                    "Non autosufficiente nell'igiene personale e nella preparazione dei pasti "
                    "dopo la caduta; lieve disorientamento serale; casa con barriere "
                    "architettoniche",
                    "Il figlio passa il sabato; una vicina le fa la spesa; pensione e "
                    "indennità modeste",
                    "Assistenza domiciliare cinque giorni a settimana, telesoccorso, "
                    "adattamento del bagno",
                    (AS_ANZIANI, UVM, "Medico di medicina generale"),
                    nucleo="Vedova, vive sola al primo piano senza ascensore; il figlio vive a "
                    "Cassano d'Adda",
                    sina=_SINA_ANZIANA,
                    dopo=5,
                    base="GDPR_9_2_H",
                ),
                Questionario(
                    "ex_ante",
                    (3, 2, 4, 3, 3),
                    "Teme di dover lasciare la sua casa",
                ),
                Contratto(
                    "persona",
                    "Restare a casa propria in sicurezza",
                    "Attivare l'assistenza domiciliare e il telesoccorso, verificare ogni mese "
                    "con la signora e con il figlio",
                    "Accettare gli accessi delle assistenti, compartecipare al costo secondo "
                    "l'ISEE",
                    dopo=2,
                ),
                Progetto(
                    "Restare a casa propria in sicurezza; recuperare l'autonomia nei pasti; "
                    "alleggerire il carico del figlio",
                    (AS_ANZIANI,),
                    ("atto", 90),
                    dopo=1,
                ),
                Attiva(
                    "A2.07",
                    SAD_NAVIGLIO,
                    "Assistenza domiciliare: igiene personale, preparazione del pranzo, cura "
                    "della casa",
                    frequenza="cinque accessi settimanali di un'ora",
                    fine=("atto", 365),
                    importo="572.00",
                    quota_utente="86.00",
                    quota_ente="486.00",
                    prova_mezzi=True,
                    protocollo=True,
                    dopo=3,
                ),
                Monitora(
                    0,
                    "Visita domiciliare con la coordinatrice della cooperativa: la signora si "
                    "è abituata alle assistenti, il polso è guarito",
                    dopo=21,
                ),
                Rettifica(
                    0,
                    "Il verbale definitivo dell'UVM riporta l'invalidità civile al 100% con "
                    "indennità di accompagnamento, verificata; la valutazione indicava la "
                    "dichiarazione del figlio",
                    sina={
                        **_SINA_ANZIANA,
                        "fonte_derivazione_invalidita": "1",
                        "invalidita_civile": ["2"],
                    },
                    dopo=5,
                    base="GDPR_9_2_H",
                ),
                Monitora(
                    0,
                    "Pasti regolari; la signora riprende a uscire sul balcone. Il figlio "
                    "chiede di ridurre gli accessi del fine settimana",
                    dopo=16,
                ),
                Revisione(
                    "Restare a casa propria; mantenere le autonomie recuperate; valutare un "
                    "centro diurno due giorni a settimana",
                    "Autonomia nei pasti recuperata; resta la necessità di aiuto nell'igiene",
                    ("oggi", -12),
                ),
                Questionario(
                    "in_itinere",
                    (4, 4, 5, 4, 3),
                    "Contenta delle assistenti, vorrebbe qualche visita in più",
                ),
                Monitora(
                    0,
                    "Nessuna nuova caduta; il figlio segnala qualche dimenticanza nei farmaci",
                    dopo=21,
                ),
                Monitora(
                    0,
                    "Attivato il dispenser dei farmaci con il medico; accessi regolari",
                    dopo=21,
                ),
                Monitora(
                    0,
                    "Colloquio con la signora e il figlio: situazione stabile. La revisione "
                    "del progetto con l'UVM va fissata",
                    dopo=21,
                ),
                Monitora(0, "Accessi regolari, nessuna criticità segnalata", dopo=21),
            ),
        ),
        # -- an amministratore di sostegno ----------------------------------------------
        Storia(
            "ads-anziano",
            GORGONZOLA,
            "ELD",
            Diretta(
                190,
                "emergenza",
                "La banca e i vicini segnalano un anziano solo con un decadimento cognitivo, "
                "vittima di una truffa: bollette non pagate e riscaldamento staccato",
                Chi("M", (78, 82)),
                urgente=True,
            ),
            (
                Assegna(AS_ANZIANI),
                PrendeInCarico(dopo=1),
                Valuta(
                    "multidimensionale",
                    "Decadimento cognitivo grave, non gestisce il denaro né le terapie; vive "
                    "solo; casa trascurata",
                    "Un nipote a Bergamo, disponibile solo per telefono; buoni rapporti con il "
                    "vicinato",
                    "Ricorso per un amministratore di sostegno; assistenza domiciliare",
                    (AS_ANZIANI, UVM),
                    sina={
                        "mobilita": "1",
                        "attivita_vita_quotidiana": "2",
                        "disturbi_area_cognitiva": "3",
                        "disturbi_comportamentali": "2",
                        "necessita_cure_sanitarie": "2",
                        "area_reddituale": "2",
                        "area_supporto": "3",
                        "fonte_derivazione_valutazione": "1",
                        "strumento_valutazione": "1",
                        "necessita_interventi_sociali": ["A2.07"],
                    },
                    dopo=8,
                    base="GDPR_9_2_H",
                ),
                Segnala(
                    "giudice_tutelare",
                    "Ricorso per la nomina di un amministratore di sostegno: decadimento "
                    "cognitivo grave, non è in grado di gestire il patrimonio né le cure, "
                    "nessun familiare disponibile",
                    "amministratore_sostegno",
                    dopo=3,
                    base="CC_404_413",
                ),
                Nucleo((Familiare("Davide", "altro_parente", False, 44, "Bonfanti"),)),
                Recepisce(
                    Ordine(
                        "giudice_tutelare",
                        "nomina_amministratore_sostegno",
                        "Decreto del giudice tutelare del Tribunale di Milano: nomina di un "
                        "amministratore di sostegno per la cura della persona e la gestione "
                        "del patrimonio, a tempo indeterminato",
                        "R.G. V.G. 8812/{anno}",
                        emesso=7,
                    ),
                    dopo=40,
                ),
                Rappresentante("amministratore_sostegno", "Stefania", "Redaelli", 0, dopo=2),
                Contratto(
                    "rappresentante_legale",
                    "Vivere a casa propria con cure regolari, finché possibile",
                    "Attivare l'assistenza domiciliare, coordinarsi con l'amministratrice e "
                    "con il medico",
                    "L'amministratrice paga la quota di compartecipazione e le utenze e "
                    "tiene i contatti con il nipote",
                    dopo=3,
                ),
                Progetto(
                    "Vivere a casa propria con cure regolari; pagamenti e terapie sotto "
                    "controllo; valutare per tempo un inserimento in RSA",
                    (AS_ANZIANI,),
                    ("oggi", 40),
                    dopo=2,
                ),
                Attiva(
                    "A2.07",
                    SAD_NAVIGLIO,
                    "Assistenza domiciliare: igiene, pasti, controllo delle terapie",
                    frequenza="tre accessi settimanali di un'ora e mezza",
                    fine=("atto", 180),
                    importo="396.00",
                    quota_utente="60.00",
                    quota_ente="336.00",
                    prova_mezzi=True,
                    protocollo=True,
                    dopo=3,
                ),
                Monitora(0, "Accetta le assistenti; terapie regolari", dopo=21),
                Monitora(0, "Due episodi di uscita notturna segnalati dai vicini", dopo=21),
                Monitora(
                    0,
                    "Peggioramento: l'UVM propone l'inserimento in RSA, l'amministratrice è "
                    "d'accordo",
                    dopo=21,
                ),
                Verifica(
                    0,
                    "parzialmente_raggiunto",
                    "La permanenza a casa è stata possibile per cinque mesi; con il "
                    "peggioramento il signore è entrato in RSA",
                    True,
                    "Accessi sempre svolti; costo in linea con il preventivo",
                    dopo=15,
                ),
                Questionario(
                    "ex_post",
                    (4, 4, 3, 4, 4),
                    "Compilato con l'amministratrice di sostegno",
                    dopo=2,
                ),
            ),
        ),
        # -- closed, with the restituzione ----------------------------------------------
        Storia(
            "lavoro-casa",
            BUSSERO,
            "POV",
            Diretta(
                230,
                "emergenza",
                "Ha perso il lavoro e ha ricevuto lo sfratto esecutivo: dorme in auto da "
                "una settimana",
                Chi("M", (44, 50)),
                urgente=True,
            ),
            (
                Assegna(AS_ADULTI),
                PrendeInCarico(dopo=1),
                Valuta(
                    "sociale",
                    "Senza lavoro e senza casa; debiti con il precedente proprietario",
                    "Esperienza da magazziniere; patente; una sorella a Monza",
                    "Contributo per un nuovo affitto e tirocinio di inserimento lavorativo",
                    (AS_ADULTI,),
                    dopo=4,
                ),
                Questionario("ex_ante", (2, 3, 2, 3, 2)),
                Contratto(
                    "persona",
                    "Una casa e un lavoro",
                    "Contributo per il deposito e i primi mesi di affitto, tirocinio con "
                    "una cooperativa",
                    "Cercare casa con lo sportello ALER, frequentare il tirocinio",
                    dopo=2,
                ),
                Progetto(
                    "Trovare un alloggio stabile; tornare a lavorare",
                    (AS_ADULTI,),
                    ("atto", 120),
                    dopo=1,
                ),
                Attiva(
                    "A1.05",
                    None,
                    "Contributo per il deposito cauzionale e i primi tre mesi di affitto",
                    fine=("atto", 90),
                    importo="1800.00",
                    quota_utente="0.00",
                    quota_ente="1800.00",
                    prova_mezzi=True,
                    protocollo=True,
                    dopo=2,
                ),
                Attiva(
                    "A2.09",
                    "coop-lavoro-dignita",
                    "Tirocinio di inclusione in magazzino, con indennità",
                    frequenza="cinque giorni a settimana, part-time",
                    fine=("atto", 180),
                    importo="500.00",
                    quota_utente="0.00",
                    quota_ente="500.00",
                    dopo=5,
                ),
                Monitora(1, "Puntuale e apprezzato dal tutor della cooperativa", dopo=21),
                Verifica(
                    0,
                    "raggiunto",
                    "Ha firmato un contratto d'affitto a Bussero e paga il canone",
                    True,
                    dopo=45,
                ),
                Monitora(1, "Il tutor propone di prolungare il tirocinio", dopo=21),
                Monitora(1, "La cooperativa valuta un'assunzione", dopo=21),
                Verifica(
                    1,
                    "raggiunto",
                    "Assunto a tempo indeterminato dalla cooperativa",
                    True,
                    "Tirocinio concluso nei tempi previsti",
                    dopo=40,
                ),
                Questionario("ex_post", (5, 4, 5, 4, 5), "Ringrazia il servizio", dopo=2),
                Chiude(
                    "obiettivi_raggiunti",
                    "Colloquio di restituzione: il signore ha una casa e un lavoro stabile; "
                    "sa a chi rivolgersi se avesse di nuovo bisogno",
                    dopo=3,
                ),
            ),
        ),
        Storia(
            "trasferita",
            POZZUOLO,
            "FAM",
            Diretta(
                170,
                "emergenza",
                "Madre sola con due figli piccoli dopo l'allontanamento del compagno "
                "violento: chiede aiuto per i bambini",
                Chi("F", (30, 36)),
                urgente=True,
            ),
            (
                Assegna(AS_MINORI),
                PrendeInCarico(dopo=1),
                Nucleo(
                    (
                        Familiare("Matteo", "figlio", True, 6),
                        Familiare("Sofia", "figlio", True, 3),
                    )
                ),
                Valuta(
                    "sociale",
                    "I bambini hanno assistito a violenze; la madre è spaventata e senza "
                    "lavoro stabile",
                    "Madre molto attenta ai figli; il centro antiviolenza la segue",
                    "Sostegno educativo a domicilio per i bambini, raccordo con il centro "
                    "antiviolenza",
                    (AS_MINORI, "psicologa"),
                    dopo=3,
                ),
                Contratto(
                    "persona",
                    "Serenità per i bambini e autonomia per la madre",
                    "Educativa domiciliare e colloqui con la psicologa",
                    "Partecipare ai colloqui, mantenere i contatti con il centro antiviolenza",
                    dopo=2,
                ),
                Progetto(
                    "Serenità per i bambini; autonomia della madre",
                    (AS_MINORI, "psicologa", "educatore"),
                    ("atto", 120),
                    dopo=1,
                ),
                Attiva(
                    "A2.02",
                    ADM,
                    "Educativa domiciliare per i due bambini",
                    frequenza="due pomeriggi a settimana",
                    fine=("atto", 240),
                    importo="620.00",
                    quota_utente="0.00",
                    quota_ente="620.00",
                    dopo=3,
                ),
                Monitora(0, "I bambini dormono meglio; il grande ha ripreso la scuola", dopo=21),
                Monitora(0, "La madre ha trovato lavoro a Bergamo, vicino ai genitori", dopo=21),
                Conclude(
                    0,
                    "Trasferimento della famiglia a Bergamo",
                    dopo=10,
                ),
                Verifica(
                    0,
                    "parzialmente_raggiunto",
                    "I bambini stanno meglio; il percorso prosegue a Bergamo",
                    True,
                    dopo=1,
                ),
                Chiude(
                    "trasferimento",
                    "Colloquio di chiusura con la signora; con il suo consenso la relazione "
                    "è trasmessa al servizio sociale di Bergamo",
                    dopo=2,
                ),
            ),
        ),
        Storia(
            "rinuncia",
            GORGONZOLA,
            "DIS",
            Diretta(
                120,
                "emergenza",
                "Il padre, unico familiare, è ricoverato: il figlio con disabilità "
                "intellettiva resta solo in casa",
                Chi("M", (20, 24)),
                urgente=True,
            ),
            (
                Assegna(AS_ANZIANI),
                PrendeInCarico(),
                Valuta(
                    "multidimensionale",
                    "Disabilità intellettiva media; autonomo nella cura di sé, non nella "
                    "gestione della casa",
                    "Il padre rientrerà tra qualche settimana; una zia vicina",
                    "Proposto l'inserimento nel centro diurno",
                    (AS_ANZIANI, UVM),
                    sina={
                        "mobilita": "1",
                        "attivita_vita_quotidiana": "2",
                        "disturbi_area_cognitiva": "2",
                        "disturbi_comportamentali": "1",
                        "area_reddituale": "2",
                        "area_supporto": "2",
                        "fonte_derivazione_valutazione": "1",
                        "strumento_valutazione": "7",
                        "fonte_derivazione_invalidita": "1",
                        "necessita_interventi_sociali": ["A3.01"],
                        "invalidita_civile": ["1", "6"],
                    },
                    dopo=3,
                    base="GDPR_9_2_H",
                ),
                Chiude(
                    "rinuncia",
                    "Rientrato il padre, la famiglia rinuncia al centro diurno; restituita "
                    "la valutazione e lasciati i contatti per ripresentare la richiesta",
                    dopo=15,
                ),
            ),
        ),
        Storia(
            "decesso",
            BUSSERO,
            "ELD",
            Diretta(
                140,
                "emergenza",
                "Il figlio segnala che il padre, allettato, non è più assistibile a casa "
                "senza aiuto",
                Chi("M", (88, 92)),
                urgente=True,
            ),
            (
                Assegna(AS_ANZIANI),
                PrendeInCarico(dopo=1),
                Valuta(
                    "multidimensionale",
                    "Allettato, totalmente dipendente; il figlio è esausto",
                    "Figlio convivente; ADI attiva per le medicazioni",
                    "Assistenza domiciliare quotidiana",
                    (AS_ANZIANI, UVM),
                    sina={
                        "mobilita": "3",
                        "attivita_vita_quotidiana": "3",
                        "disturbi_area_cognitiva": "2",
                        "disturbi_comportamentali": "1",
                        "necessita_cure_sanitarie": "3",
                        "area_reddituale": "1",
                        "area_supporto": "2",
                        "fonte_derivazione_valutazione": "1",
                        "strumento_valutazione": "1",
                        "fonte_derivazione_invalidita": "1",
                        "necessita_interventi_sociali": ["A2.07"],
                        "invalidita_civile": ["2"],
                    },
                    dopo=4,
                    base="GDPR_9_2_H",
                ),
                Contratto(
                    "persona",
                    "Assistenza a casa, sollievo per il figlio",
                    "Assistenza domiciliare ogni mattina",
                    "Il figlio garantisce la presenza il pomeriggio e la notte",
                    dopo=2,
                ),
                Progetto(
                    "Assistenza dignitosa a casa; sollievo per il figlio",
                    (AS_ANZIANI,),
                    ("atto", 120),
                    dopo=1,
                ),
                Attiva(
                    "A2.07",
                    SAD_BUSSERO,
                    "Assistenza domiciliare: igiene a letto, mobilizzazione, pasto",
                    frequenza="ogni mattina, un'ora e mezza",
                    fine=("atto", 180),
                    importo="468.00",
                    quota_utente="40.00",
                    quota_ente="428.00",
                    prova_mezzi=True,
                    protocollo=True,
                    dopo=2,
                ),
                Monitora(0, "Il figlio riposa di più; nessuna piaga", dopo=21),
                Monitora(0, "Peggioramento delle condizioni generali", dopo=21),
                Conclude(0, "Decesso del signore", dopo=18),
                Verifica(
                    0,
                    "parzialmente_raggiunto",
                    "Il signore è rimasto a casa fino alla fine, come desiderava",
                    True,
                    dopo=2,
                ),
                Chiude(
                    "decesso",
                    "Colloquio con il figlio: condoglianze, informazioni sul gruppo di "
                    "sostegno per i familiari",
                    dopo=3,
                ),
            ),
        ),
        # -- closed, then reopened --------------------------------------------------------
        Storia(
            "dipendenza",
            POZZUOLO,
            "ADD",
            Diretta(
                220,
                "emergenza",
                "Dimesso dopo un ricovero per intossicazione alcolica: è solo in casa e "
                "senza reddito",
                Chi("M", (48, 54)),
                da=AS_ADULTI,
                urgente=True,
            ),
            (
                Assegna(AS_ADULTI),
                PrendeInCarico(dopo=1),
                Valuta(
                    "sociale",
                    "Dipendenza da alcol; senza reddito da tre mesi",
                    "Motivato a curarsi; il SerD lo ha in carico",
                    "Contributo economico finché frequenta il SerD",
                    (AS_ADULTI, "SerD di Gorgonzola"),
                    dopo=4,
                ),
                Contratto(
                    "persona",
                    "Restare sobrio e tornare a lavorare",
                    "Contributo economico mensile, raccordo con il SerD",
                    "Frequentare il SerD e il gruppo di auto mutuo aiuto",
                    dopo=2,
                ),
                Progetto(
                    "Sobrietà e ritorno al lavoro",
                    (AS_ADULTI,),
                    ("atto", 120),
                    dopo=1,
                ),
                Attiva(
                    "A1.04",
                    None,
                    "Contributo economico mensile a integrazione del reddito",
                    fine=("atto", 120),
                    importo="300.00",
                    quota_utente="0.00",
                    quota_ente="300.00",
                    prova_mezzi=True,
                    protocollo=True,
                    dopo=2,
                ),
                Monitora(0, "Frequenta il SerD e il gruppo", dopo=21),
                Monitora(0, "Ha trovato un lavoro stagionale", dopo=21),
                Verifica(
                    0,
                    "raggiunto",
                    "Sobrio da quattro mesi, lavora",
                    True,
                    dopo=40,
                ),
                Chiude(
                    "obiettivi_raggiunti",
                    "Colloquio di restituzione: percorso al SerD concluso, lavoro ripreso",
                    dopo=3,
                ),
            ),
        ),
        Storia(
            "dipendenza-ricaduta",
            POZZUOLO,
            "ADD",
            Diretta(
                30,
                "emergenza",
                "Ricaduta dopo la perdita del lavoro: il SerD chiede di riprendere il progetto",
                da=AS_ADULTI,
                precedente="dipendenza",
            ),
            (
                Assegna(AS_ADULTI),
                PrendeInCarico(dopo=1),
                Valuta(
                    "sociale",
                    "Ricaduta nell'alcol dopo la fine del contratto stagionale",
                    "Il percorso precedente ha funzionato; il SerD lo riprende",
                    "Nuovo contratto, tirocinio lavorativo",
                    (AS_ADULTI, "SerD di Gorgonzola"),
                    dopo=3,
                ),
                Contratto(
                    "persona",
                    "Tornare sobrio e trovare un lavoro stabile",
                    "Raccordo con il SerD, proposta di tirocinio",
                    "Frequentare il SerD, cercare lavoro con il Centro per l'impiego",
                    dopo=3,
                ),
            ),
        ),
        # -- running, monitored ---------------------------------------------------------
        Storia(
            "disabile-cdd",
            BUSSERO,
            "DIS",
            Diretta(
                120,
                "emergenza",
                "La madre, che lo assisteva, è ricoverata per un intervento: il figlio con "
                "disabilità grave resta senza assistenza durante il giorno",
                Chi("M", (24, 30)),
                urgente=True,
            ),
            (
                Assegna(AS_ANZIANI),
                PrendeInCarico(dopo=1),
                Valuta(
                    "multidimensionale",
                    "Disabilità grave; necessita di assistenza continua durante il giorno",
                    "Madre presente, ora in convalescenza; un fratello a Milano",
                    "Centro diurno disabili",
                    (AS_ANZIANI, UVM),
                    sina={
                        "mobilita": "2",
                        "attivita_vita_quotidiana": "3",
                        "disturbi_area_cognitiva": "3",
                        "disturbi_comportamentali": "1",
                        "necessita_cure_sanitarie": "2",
                        "area_reddituale": "2",
                        "area_supporto": "2",
                        "fonte_derivazione_valutazione": "1",
                        "strumento_valutazione": "1",
                        "fonte_derivazione_invalidita": "1",
                        "necessita_interventi_sociali": ["A3.01", "A1.12"],
                        "invalidita_civile": ["2", "6"],
                    },
                    dopo=4,
                    base="L104_1992",
                ),
                Contratto(
                    "persona",
                    "Una giornata piena per lui, sollievo per la madre",
                    "Inserimento al centro diurno, con il trasporto",
                    "La madre accompagna i colloqui al centro",
                    dopo=2,
                ),
                Progetto(
                    "Mantenere le autonomie; sollievo alla famiglia",
                    (AS_ANZIANI, "educatore"),
                    ("atto", 180),
                    dopo=1,
                ),
                Attiva(
                    "A3.01",
                    "cdd-aquilone",
                    "Frequenza del centro diurno disabili",
                    frequenza="dal lunedì al venerdì, 9-16",
                    fine=("oggi", -12),
                    importo="1350.00",
                    quota_utente="180.00",
                    quota_ente="1170.00",
                    prova_mezzi=True,
                    protocollo=True,
                    dopo=3,
                    base="L104_1992",
                ),
                Monitora(0, "Inserimento graduale riuscito", dopo=21),
                Monitora(0, "Partecipa al laboratorio di ceramica", dopo=21),
                Monitora(0, "La madre è tornata a casa; chiede di proseguire", dopo=21),
                Monitora(0, "Frequenza regolare; la verifica annuale va fissata", dopo=21),
            ),
        ),
        Storia(
            "msna",
            GORGONZOLA,
            "IMMNOM",
            Diretta(
                45,
                "emergenza",
                "La polizia locale accompagna un minore straniero non accompagnato trovato "
                "alla stazione, senza documenti",
                Chi("M", (16, 16), paese=818, codice_fiscale=False, residenza=False),
                urgente=True,
            ),
            (
                Assegna(AS_MINORI),  # by age band: families and minors
                PrendeInCarico(),
                Recepisce(
                    Ordine(
                        "tribunale_minorenni",
                        "affidamento_servizio_sociale",
                        "Decreto del Tribunale per i minorenni di Milano: apertura della "
                        "tutela, affidamento al servizio sociale con collocamento in "
                        "comunità, nomina del tutore volontario; relazione sulla situazione "
                        "del minore",
                        "V.G. 5130/{anno}",
                        emesso=3,
                        relazione=("oggi", -6),
                    ),
                    dopo=5,
                ),
                Rappresentante("tutore", "Alberto", "Sangalli", 0, dopo=1),
                Valuta(
                    "sociale",
                    "Minore straniero non accompagnato, arrivato da solo; non parla italiano",
                    "Desidera studiare e lavorare; uno zio in Francia",
                    "Accoglienza in comunità, corso di italiano",
                    (AS_MINORI, "pedagogista"),
                    sinba={
                        "condizione_minore": "1",
                        "luogo_vita": "4",
                        "scuola_frequentata": "1",
                        "valutazione_minore": "12",
                        "valutazione_famiglia_minore": "1",
                        "fonte_segnalazione": "5",
                        "minore_straniero_non_accompagnato": "1",
                        "condizione_lavoro": "1",
                        "disabilita": "2",
                    },
                    dopo=3,
                ),
                Progetto(
                    "Accoglienza, lingua italiana, percorso scolastico e di formazione",
                    (AS_MINORI, "educatore", "pedagogista"),
                    ("atto", 90),
                    imposto=0,
                    dopo=2,
                ),
                Attiva(
                    "A3.02",
                    "comunita-casa-ponte",
                    "Accoglienza in comunità educativa per minori",
                    frequenza="residenziale",
                    importo="2850.00",
                    quota_utente="0.00",
                    quota_ente="2850.00",
                ),
                Attiva(
                    "Z9.99",
                    "ponti-sportello-immigrazione",
                    "Corso di italiano e accompagnamento al permesso di soggiorno",
                    frequenza="tre mattine a settimana",
                    dopo=5,
                ),
                Monitora(0, "Si è inserito in comunità; rispetta le regole", dopo=10),
                Monitora(1, "Frequenta il corso con profitto"),
            ),
        ),
        Storia(
            "famiglia-morosa",
            BUSSERO,
            "POV",
            Diretta(
                110,
                "emergenza",
                "Il padre ha perso il lavoro: la famiglia ha le utenze sospese e debiti con "
                "la mensa scolastica dei tre figli",
                Chi("M", (38, 45)),
            ),
            (
                Assegna(AS_ADULTI),
                PrendeInCarico(dopo=2),
                Nucleo(
                    (
                        Familiare("Elisa", "coniuge", True, 39),
                        Familiare("Tommaso", "figlio", True, 12),
                        Familiare("Alice", "figlio", True, 9),
                        Familiare("Pietro", "figlio", True, 6),
                    )
                ),
                Valuta(
                    "sociale",
                    "Reddito azzerato; morosità nelle utenze e nella mensa",
                    "Moglie con lavoro part-time; buona rete parrocchiale",
                    "Contributo economico e contributo per i servizi scolastici",
                    (AS_ADULTI,),
                    dopo=3,
                ),
                Contratto(
                    "persona",
                    "Superare la crisi senza lasciare indietro i figli",
                    "Contributi economici per tre mesi",
                    "Iscrizione al Centro per l'impiego, piano di rientro delle utenze",
                    dopo=2,
                ),
                Progetto(
                    "Superare la crisi economica",
                    (AS_ADULTI,),
                    ("atto", 120),
                    dopo=1,
                ),
                Attiva(
                    "A1.04",
                    None,
                    "Contributo economico a integrazione del reddito per tre mesi",
                    fine=("atto", 90),
                    importo="450.00",
                    quota_utente="0.00",
                    quota_ente="450.00",
                    prova_mezzi=True,
                    protocollo=True,
                    dopo=2,
                ),
                Attiva(
                    "A1.09",
                    None,
                    "Copertura della retta della mensa scolastica dei tre figli",
                    fine=("atto", 90),
                    importo="210.00",
                    quota_utente="0.00",
                    quota_ente="210.00",
                    prova_mezzi=True,
                    protocollo=True,
                ),
                Monitora(0, "Utenze riattivate; il padre fa colloqui di lavoro", dopo=21),
                Verifica(
                    0,
                    "raggiunto",
                    "Il padre è stato assunto; il reddito è tornato sufficiente",
                    True,
                    dopo=45,
                ),
                Verifica(1, "raggiunto", "Debiti con la mensa saldati", True),
                Questionario("ex_post", (4, 5, 4, 4, 5), dopo=2),
            ),
        ),
        # -- hand-overs from the Segretariato sociale ----------------------------------------
        Storia(
            "dimissione",
            GORGONZOLA,
            "ELD",
            Inoltro("dimissione"),
            (
                Assegna(AS_ANZIANI),
                PrendeInCarico(dopo=1),
                Valuta(
                    "multidimensionale",
                    "Dimesso dall'ospedale, non autosufficiente; non riesce a gestire le "
                    "terapie e il denaro",
                    "Medico di famiglia presente; nessun familiare vicino",
                    "Assistenza domiciliare; ricorso per un amministratore di sostegno",
                    (AS_ANZIANI, UVM, "Medico di medicina generale"),
                    sina={
                        "mobilita": "2",
                        "attivita_vita_quotidiana": "3",
                        "disturbi_area_cognitiva": "2",
                        "disturbi_comportamentali": "1",
                        "necessita_cure_sanitarie": "2",
                        "area_reddituale": "2",
                        "area_supporto": "3",
                        "fonte_derivazione_valutazione": "1",
                        "strumento_valutazione": "1",
                        "necessita_interventi_sociali": ["A2.07"],
                    },
                    dopo=2,
                    base="GDPR_9_2_H",
                ),
                Segnala(
                    "giudice_tutelare",
                    "Ricorso per la nomina di un amministratore di sostegno: non è più in "
                    "grado di gestire le terapie e il denaro, nessun familiare disponibile",
                    "amministratore_sostegno",
                    dopo=1,
                    base="CC_404_413",
                ),
                Contratto(
                    "persona",
                    "Restare a casa con l'aiuto necessario",
                    "Assistenza domiciliare quotidiana; ricorso al giudice tutelare",
                    "Accettare gli accessi e il controllo delle terapie",
                    dopo=2,
                ),
                Progetto(
                    "Restare a casa in sicurezza; protezione giuridica",
                    (AS_ANZIANI,),
                    ("atto", 90),
                ),
                Attiva(
                    "A2.07",
                    SAD_NAVIGLIO,
                    "Assistenza domiciliare: igiene, pasto, controllo delle terapie",
                    frequenza="ogni giorno feriale, un'ora",
                    fine=("atto", 180),
                    importo="520.00",
                    quota_utente="70.00",
                    quota_ente="450.00",
                    prova_mezzi=True,
                    protocollo=True,
                    dopo=1,
                ),
                Monitora(0, "Prima settimana regolare; terapie assunte", dopo=4),
            ),
        ),
        Storia(
            "assenze-scuola",
            BUSSERO,
            "FAM",
            Inoltro("assenze-scuola"),
            (
                Assegna(AS_MINORI),
                PrendeInCarico(dopo=2),
                Nucleo(
                    (
                        Familiare("Monica", "genitore", True, 37, "Ferrario", sesso="F"),
                        Familiare("Paolo", "genitore", True, 40, sesso="M"),
                        Familiare("Nicolò", "fratello_sorella", True, 4),
                    ),
                    dopo=1,
                ),
                Rappresentante("genitore", "Monica", "Ferrario"),
                Valuta(
                    "sociale",
                    "Assenze ripetute e scarsa cura; la madre è depressa dopo la perdita del "
                    "lavoro",
                    "Padre presente e preoccupato; buon rapporto con la maestra",
                    "Sostegno alla genitorialità e raccordo con la scuola",
                    (AS_MINORI,),
                    sinba={
                        "condizione_minore": "1",
                        "luogo_vita": "1",
                        "scuola_frequentata": "5",
                        "valutazione_minore": "2",
                        "valutazione_famiglia_minore": "2",
                        "fonte_segnalazione": "13",
                        "minore_straniero_non_accompagnato": "2",
                        "condizione_lavoro": "1",
                        "disabilita": "2",
                    },
                    dopo=3,
                ),
                Contratto(
                    "rappresentante_legale",
                    "Frequenza regolare e benessere del bambino",
                    "Incontri con i genitori, raccordo con la scuola",
                    "Accompagnare il bambino a scuola ogni giorno, rivolgersi al consultorio",
                    dopo=4,
                ),
            ),
        ),
        Storia("assistenza-sorella", POZZUOLO, "DIS", Inoltro("assistenza-sorella")),
        Storia(
            "senza-dimora",
            GORGONZOLA,
            "POV",
            Inoltro("senza-dimora"),
            (
                Assegna(AS_ADULTI),
                PrendeInCarico(),
                Valuta(
                    "sociale",
                    "Senza dimora da mesi, senza residenza né documenti validi",
                    "Disponibile a un percorso; ha lavorato come muratore",
                    "Accoglienza, residenza fittizia, documenti",
                    (AS_ADULTI, "Caritas Gorgonzola"),
                    dopo=1,
                ),
                Contratto(
                    "persona",
                    "Un posto dove stare e i documenti in regola",
                    "Accoglienza notturna e mensa, residenza anagrafica fittizia",
                    "Rispettare le regole dell'accoglienza, rinnovare la carta d'identità",
                    dopo=1,
                ),
                Progetto(
                    "Accoglienza e residenza; poi lavoro",
                    (AS_ADULTI,),
                    ("atto", 60),
                    dopo=1,
                ),
                Attiva(
                    "A2.01",
                    "caritas-gorgonzola",
                    "Mensa e posto letto nel dormitorio della Caritas",
                    frequenza="ogni giorno",
                    fine=("atto", 90),
                ),
                Monitora(0, "Presente ogni sera; ha ottenuto la residenza fittizia", dopo=4),
            ),
        ),
        Storia(
            "minore-allontanata",
            GORGONZOLA,
            "FAM",
            Inoltro("minore-allontanata"),
            (
                Assegna(AS_MINORI),
                PrendeInCarico(),
                Segnala(
                    "procura_minorenni",
                    "Ragazza minorenne allontanatasi da casa dopo una lite violenta "
                    "con il patrigno: segnalazione per la valutazione della situazione "
                    "familiare",
                    dopo=1,
                    base="L184_1983",
                ),
            ),
        ),
        Storia(
            "anziana-sola",
            BUSSERO,
            "ELD",
            Inoltro("anziana-sola"),
            (
                Assegna(AS_ANZIANI),
                PrendeInCarico(dopo=1),
                Valuta(
                    "sociale",
                    "Isolamento; rifiuta l'aiuto; si nutre poco",
                    "Nipote disponibile; casa adeguata",
                    "Pasti a domicilio e visite di compagnia dei volontari",
                    (AS_ANZIANI,),
                    sina={
                        "mobilita": "1",
                        "attivita_vita_quotidiana": "2",
                        "disturbi_area_cognitiva": "1",
                        "disturbi_comportamentali": "1",
                        "area_reddituale": "1",
                        "area_supporto": "2",
                        "fonte_derivazione_valutazione": "4",
                        "strumento_valutazione": "7",
                    },
                    dopo=2,
                ),
                Questionario("ex_ante", (2, 2, 3, 2, 3), "Non vuole estranei in casa"),
                Contratto(
                    "persona",
                    "Non restare sola",
                    "Proposta di pasti a domicilio e di visite dei volontari",
                    "Provare per un mese le visite dei volontari",
                    dopo=3,
                ),
                Progetto(
                    "Ridurre l'isolamento; alimentazione regolare",
                    (AS_ANZIANI,),
                    ("oggi", 20),
                    dopo=1,
                ),
            ),
        ),
        Storia(
            "giovane-madre",
            POZZUOLO,
            "FAM",
            Inoltro("giovane-madre"),
            (
                Assegna(AS_MINORI),
                PrendeInCarico(dopo=1),
                Nucleo((Familiare("Luca", "figlio", True, 0),)),
                Valuta(
                    "sociale",
                    "Giovane madre sola con un neonato, senza rete in Italia",
                    "Affettuosa e attenta; frequenta il consultorio",
                    "Sostegno alla genitorialità, gruppo genitori, contributo per il nido",
                    (AS_MINORI, "Consultorio familiare di Gorgonzola"),
                    dopo=2,
                ),
            ),
        ),
        # -- waiting -------------------------------------------------------------------
        Storia(
            "indagine-tribunale",
            BUSSERO,
            "FAM",
            Diretta(
                2,
                "provvedimento",
                "Il Tribunale per i minorenni chiede un'indagine psicosociale sul nucleo "
                "nel procedimento sulla responsabilità genitoriale",
                Chi("F", (7, 7)),
                ordine=Ordine(
                    "tribunale_minorenni",
                    "indagine_psicosociale",
                    "Decreto del Tribunale per i minorenni di Milano: indagine psicosociale "
                    "sulla bambina e sui genitori, con relazione al tribunale",
                    "V.G. 6044/{anno}",
                    emesso=5,
                    relazione=("oggi", 55),
                ),
            ),
        ),
        Storia(
            "anziano-confuso",
            GORGONZOLA,
            "ELD",
            Diretta(
                0,
                "emergenza",
                "I Carabinieri hanno riaccompagnato a casa stanotte un anziano confuso "
                "trovato per strada: vive solo",
                Chi("M", (88, 92), codice_fiscale=False),
                urgente=True,
            ),
        ),
        Storia(
            "utenze-staccate",
            POZZUOLO,
            "POV",
            Diretta(
                1,
                "emergenza",
                "Donna sola, senza reddito da mesi: le hanno staccato luce e gas",
                Chi("F", (42, 50)),
                urgente=True,
            ),
            (Assegna(AS_ADULTI, oggi=True),),
        ),
    ]


DEMO_CASES = len(storie())
HANDED_OVER = tuple(s.apertura.domanda for s in storie() if isinstance(s.apertura, Inoltro))
"""The intake demo's requests whose hand-over the demo takes on."""


# -- people ----------------------------------------------------------------------------


@cache
def _persona(slug: str, comune: str, chi: Chi, anno: int) -> Persona:
    """The person of a case opened directly, drawn from a seed of its own (always the same;
    ages are reckoned from this year)."""
    rng = random.Random(f"ambito-demo-casework/{slug}")  # noqa: S311 - demo data
    donne, uomini, cognomi = NOMI[chi.paese]
    nome = rng.choice(donne if chi.sesso == "F" else uomini)
    cognome = rng.choice(cognomi)
    low, high = chi.eta
    nascita = date(anno - rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
    italiano = chi.paese == 380
    luogo = rng.choice([*NATI_IN_ITALIA, comune]) if italiano else ESTERO[chi.paese]
    residenza: dict[str, Any] = {}
    if chi.residenza:
        residenza = {
            "residenza_paese": 380,
            "residenza_comune_istat": ISTAT[comune],
            "residenza_indirizzo": f"{rng.choice(VIE[comune])} {rng.randint(1, 80)}",
        }
    codice = None
    if chi.codice_fiscale:
        codice = str(
            codicefiscale.encode(
                lastname=cognome,
                firstname=nome,
                gender=chi.sesso,
                birthdate=nascita.isoformat(),
                birthplace=luogo,
            )
        )
    return Persona(
        nome=nome,
        cognome=cognome,
        codice_fiscale=codice,
        data_nascita=nascita,
        sesso=chi.sesso,
        luogo_nascita=luogo,
        cittadinanza=chi.paese,
        **residenza,
    )


# -- the plan: every act with its time -------------------------------------------------


def _lavorativo(giorno: date, passi: int) -> date:
    """``passi`` working days after (positive) or before (negative) ``giorno``."""
    step = timedelta(days=1 if passi > 0 else -1)
    counted = 0
    while counted < abs(passi):
        giorno += step
        if is_working_day(giorno):
            counted += 1
    return giorno


@dataclass(frozen=True)
class AttoPianificato:
    """One planned act: when, and the case's version once it is recorded."""

    quando: datetime | None
    """None: now (an assignment through the service layer)."""
    storia: int
    passo: int
    """0 is the opening (a hand-over's is the policy's: not planned); ``passo`` is the
    storia's ``passi[passo - 1]``."""
    versione: int
    autore: str
    """Who records it: the coordinator, or the case's assigned social worker."""


@dataclass(frozen=True)
class Piano:
    storie: list[Storia]
    aperture: list[datetime]
    """When each case was opened."""
    atti: list[AttoPianificato]
    """In the order they are recorded: by time (today's assignments last)."""
    oggi: date


def piano(now: datetime, inoltri: Mapping[str, datetime]) -> Piano:
    """The cases' acts, dated from ``now`` (working days, Europe/Rome); ``inoltri`` holds
    when each hand-over case was opened (by the intake demo's request slug). Acts of a case
    opened before today fall on earlier days; every act is in the past."""
    now = now.astimezone(ROME)
    oggi = now.date()
    tutte = storie()
    aperture: list[datetime] = []
    atti: list[AttoPianificato] = []
    for index, storia in enumerate(tutte):
        apertura = storia.apertura
        minuti = (index * 13) % 90
        versione = 1
        if isinstance(apertura, Inoltro):
            quando = inoltri[apertura.domanda].astimezone(ROME)
        else:
            if apertura.fa == 0:
                quando = now - timedelta(minutes=60 + minuti)
            else:
                giorno = _lavorativo(oggi, -apertura.fa)
                quando = datetime.combine(giorno, time(8, 45), ROME) + timedelta(minutes=minuti)
            if apertura.ordine is not None:
                versione = 2
            atti.append(AttoPianificato(quando, index, 0, versione, apertura.da))
        aperture.append(quando)
        assegnata: str | None = None
        for numero, passo in enumerate(storia.passi, start=1):
            versione += 1
            if isinstance(passo, Assegna) and passo.oggi:
                if numero != len(storia.passi):
                    raise ValueError(f"{storia.slug}: l'assegnazione di oggi è l'ultimo atto")
                atti.append(AttoPianificato(None, index, numero, versione, COORDINATORE))
                continue
            if passo.dopo == 0:
                quando += timedelta(minutes=15)
            else:
                giorno = _lavorativo(quando.date(), passo.dopo)
                quando = datetime.combine(giorno, time(9, 15), ROME) + timedelta(minutes=minuti)
            if quando >= now or (aperture[-1].date() < oggi and quando.date() >= oggi):
                raise ValueError(f"{storia.slug}: l'atto {numero} cadrebbe oggi o nel futuro")
            if isinstance(passo, Assegna):
                assegnata = passo.a
                autore = COORDINATORE
            elif isinstance(passo, Recepisce) and assegnata is None:
                autore = COORDINATORE
            elif assegnata is None:
                raise ValueError(f"{storia.slug}: l'atto {numero} precede l'assegnazione")
            else:
                autore = assegnata
            atti.append(AttoPianificato(quando, index, numero, versione, autore))
    far_future = datetime.max.replace(tzinfo=ROME)
    atti.sort(key=lambda a: (a.quando or far_future, a.storia, a.passo))
    return Piano(tutte, aperture, atti, oggi)


# -- recording -------------------------------------------------------------------------


def demo_principal(username: str) -> Principal:
    """A demo user as the authenticator would present them."""
    for user in DEMO_USERS:
        if user.username == username:
            return Principal(
                subject=user.username,
                kind="user",
                role=user.role,
                comuni=frozenset(user.comuni),
                aree=frozenset(user.aree),
                codice_fiscale=user.codice_fiscale,
            )
    raise LookupError(f"nessun utente demo {username}")


def _scadenza(entro: Entro, quando: datetime, oggi: date) -> date:
    origine, giorni = entro
    base = quando.astimezone(ROME).date() if origine == "atto" else oggi
    return base + timedelta(days=giorni)


@dataclass
class _Esecuzione:
    casework: CaseworkApplication
    piano: Piano
    casi: list[UUID]
    richieste: dict[str, Richiesta] = field(default_factory=dict)

    def richiesta(self, username: str) -> Richiesta:
        if username not in self.richieste:
            self.richieste[username] = Richiesta(demo_principal(username), "cli")
        return self.richieste[username]

    def registra(self, atto: AttoPianificato) -> None:
        storia = self.piano.storie[atto.storia]
        cid = self.casi[atto.storia]
        richiesta = self.richiesta(atto.autore)
        if atto.passo == 0:
            assert isinstance(storia.apertura, Diretta)
            assert atto.quando is not None
            self._apri(storia, storia.apertura, cid, richiesta, atto.quando)
            return
        passo = storia.passi[atto.passo - 1]
        if isinstance(passo, Assegna):
            self._assegna(cid, passo, richiesta, atto.quando)
            return
        assert atto.quando is not None
        quando = atto.quando
        default = LEGAL_BASIS_AUTORITA if isinstance(passo, Recepisce | Relaziona) else None
        when = Atto(quando, passo.base or default or LEGAL_BASIS_CASO)
        app, giorno, oggi = self.casework, quando.date(), self.piano.oggi
        if isinstance(passo, PrendeInCarico):
            app.prendi_in_carico(cid, richiesta, when)
        elif isinstance(passo, Valuta):
            app.valuta(cid, self._valutazione(passo, atto), richiesta, when)
        elif isinstance(passo, Rettifica):
            fields: dict[str, Any] = {"motivo": passo.motivo, "esito": passo.esito}
            if passo.sina is not None:
                fields["sina"] = ValutazioneSina(**passo.sina)
            riferimento = self._riferimento(cid, ev.ValutazioneEffettuata, passo.valutazione)
            app.rettifica_valutazione(cid, riferimento, fields, richiesta, when)
        elif isinstance(passo, Nucleo):
            app.registra_nucleo(cid, self._membri(storia, cid, passo), richiesta, when)
        elif isinstance(passo, Rappresentante):
            app.registra_rappresentante(
                cid,
                {
                    "ruolo": passo.ruolo,
                    "nome": passo.nome,
                    "cognome": passo.cognome or self._cognome(cid),
                    "provvedimento_id": self._provvedimento(cid, passo.provvedimento),
                },
                richiesta,
                when,
            )
        elif isinstance(passo, Questionario):
            app.raccogli_questionario(
                cid,
                {
                    "momento": passo.momento,
                    "risposte": list(passo.risposte),
                    "commento": passo.commento,
                },
                richiesta,
                when,
            )
        elif isinstance(passo, Contratto):
            app.firma_contratto(
                cid,
                {
                    "obiettivi": passo.obiettivi,
                    "firmatario": passo.firmatario,
                    "impegni_servizio": passo.impegni_servizio,
                    "impegni_persona": passo.impegni_persona,
                    "firmato_il": giorno,
                    "consenso_trattamento": passo.consenso,
                },
                richiesta,
                when,
            )
        elif isinstance(passo, Progetto):
            app.definisci_progetto(
                cid,
                {
                    "obiettivi": passo.obiettivi,
                    "professionisti": list(passo.professionisti),
                    "revisione_entro": _scadenza(passo.revisione, quando, oggi),
                    "imposto_da_provvedimento_id": self._provvedimento(cid, passo.imposto),
                },
                richiesta,
                when,
            )
        elif isinstance(passo, Revisione):
            app.rivedi_progetto(
                cid,
                {
                    "obiettivi": passo.obiettivi,
                    "motivo": passo.motivo,
                    "revisione_entro": _scadenza(passo.revisione, quando, oggi),
                },
                richiesta,
                when,
            )
        elif isinstance(passo, Attiva):
            self._attiva(cid, passo, atto, richiesta, when)
        elif isinstance(passo, Monitora):
            intervento = self._intervento(cid, passo.intervento)
            app.monitora(cid, intervento, {"data": giorno, "note": passo.note}, richiesta, when)
        elif isinstance(passo, Verifica):
            intervento = self._intervento(cid, passo.intervento)
            fields = {
                "esito": passo.esito,
                "efficacia": passo.efficacia,
                "efficienza": passo.efficienza,
                "concluso": passo.concluso,
            }
            app.verifica(cid, intervento, fields, richiesta, when)
        elif isinstance(passo, Conclude):
            intervento = self._intervento(cid, passo.intervento)
            fields = {"concluso_il": giorno, "motivo": passo.motivo}
            app.concludi_intervento(cid, intervento, fields, richiesta, when)
        elif isinstance(passo, Segnala):
            fields = {
                "autorita": passo.autorita,
                "motivo": passo.motivo,
                "richiesta": passo.richiesta,
            }
            app.segnala(cid, fields, richiesta, when)
        elif isinstance(passo, Recepisce):
            order = self._ordine(passo.ordine, quando)
            app.recepisci_provvedimento(cid, order, richiesta, when)
        elif isinstance(passo, Relaziona):
            fields = {
                "autorita": passo.autorita,
                "sintesi": passo.sintesi,
                "provvedimento_id": self._provvedimento(cid, passo.provvedimento),
            }
            app.invia_relazione(cid, fields, richiesta, when)
        else:
            fields = {"motivo": passo.motivo, "restituzione": passo.restituzione}
            app.chiudi(cid, fields, richiesta, when)

    # -- the acts that need more than a call -------------------------------------------

    def _apri(
        self,
        storia: Storia,
        apertura: Diretta,
        cid: UUID,
        richiesta: Richiesta,
        quando: datetime,
    ) -> None:
        persona = None
        if apertura.chi is not None:
            persona = _persona(storia.slug, storia.comune, apertura.chi, self.piano.oggi.year)
        precedente = None
        if apertura.precedente is not None:
            precedente = self.casi[self._indice(apertura.precedente)]
        order = None
        basis = LEGAL_BASIS_CASO
        if apertura.ordine is not None:
            order = self._ordine(apertura.ordine, quando)
            basis = LEGAL_BASIS_AUTORITA
        self.casework.apri(
            ApriCaso(
                comune=storia.comune,
                area_utenza=storia.area,
                origine=apertura.origine,
                motivo=apertura.motivo,
                persona=persona,
                urgente=apertura.urgente,
                caso_precedente_id=precedente,
                provvedimento=order,
                caso_id=cid,
            ),
            richiesta,
            Atto(quando, basis),
        )

    def _assegna(
        self, cid: UUID, passo: Assegna, richiesta: Richiesta, quando: datetime | None
    ) -> None:
        self.casework.assegna(cid, passo.a, passo.area, richiesta, Atto(quando, LEGAL_BASIS_CASO))

    def _attiva(
        self,
        cid: UUID,
        passo: Attiva,
        atto: AttoPianificato,
        richiesta: Richiesta,
        when: Atto,
    ) -> None:
        """Through the service layer when the directory's projection lists the provider;
        otherwise (district mode, before the services run) through the domain: the demo's
        resources are known and active."""
        assert when.occurred_at is not None
        quando = when.occurred_at
        fields: dict[str, Any] = {
            "prestazione": passo.prestazione,
            "inizio": quando.date(),
            "fine_prevista": None
            if passo.fine is None
            else _scadenza(passo.fine, quando, self.piano.oggi),
            "risorsa_id": None if passo.risorsa is None else risorsa_id(passo.risorsa),
            "frequenza": passo.frequenza,
            "importo": None if passo.importo is None else Decimal(passo.importo),
            "quota_utente": None if passo.quota_utente is None else Decimal(passo.quota_utente),
            "quota_ente": None if passo.quota_ente is None else Decimal(passo.quota_ente),
            "prova_mezzi": passo.prova_mezzi,
            "protocollo_domanda": (
                f"{quando.year}/{6100 + 40 * atto.storia + atto.passo:05d}"
                if passo.protocollo
                else None
            ),
            "descrizione": passo.descrizione,
        }
        directory = self.casework.directory
        provider = fields["risorsa_id"]
        if provider is None or (directory is not None and directory.get(provider) is not None):
            self.casework.attiva_intervento(cid, fields, richiesta, when)
            return
        if passo.risorsa == DISMISSED:
            raise Conflict(f"la risorsa {passo.risorsa} è dismessa")
        require_role(richiesta.principal, "casework.caso.scrive")
        caso = self._caso(cid)
        authorize(
            richiesta.principal, "casework.caso.scrive", comune=caso.comune, area=caso.area_utenza
        )
        if quando < caso.modified_on:
            raise FieldError(("body", "occurred_at"), "non può precedere l'ultimo atto del caso")
        with acting(richiesta.context(caso.comune, when.legal_basis, quando)):
            caso.attiva_intervento(richiesta.principal.subject, uuid4(), **fields)
        self.casework.save(caso)

    def _valutazione(self, passo: Valuta, atto: AttoPianificato) -> dict[str, Any]:
        sinba = None
        if passo.sinba is not None:
            aperto = self.piano.aperture[atto.storia].astimezone(ROME)
            sinba = ValutazioneSinba(
                **{"data_prima_segnalazione": f"{aperto:%m/%Y}", **passo.sinba}
            )
        return {
            "tipo": passo.tipo,
            "problemi": passo.problemi,
            "risorse": passo.risorse,
            "esito": passo.esito,
            "partecipanti": list(passo.partecipanti),
            "nucleo": passo.nucleo,
            "sina": None if passo.sina is None else ValutazioneSina(**passo.sina),
            "sinba": sinba,
        }

    def _membri(self, storia: Storia, cid: UUID, passo: Nucleo) -> list[Membro]:
        cognome = self._cognome(cid)
        anno = self.piano.oggi.year
        membri = []
        for numero, familiare in enumerate(passo.membri):
            rng = random.Random(f"ambito-demo-casework/{storia.slug}/{numero}")  # noqa: S311
            nascita = None
            if familiare.eta is not None:
                nascita = date(anno - familiare.eta, rng.randint(1, 12), rng.randint(1, 28))
                nascita = min(nascita, self.piano.oggi - timedelta(days=30))
            membri.append(
                Membro(
                    membro_id=membro_id(storia.slug, numero),
                    nome=familiare.nome,
                    cognome=familiare.cognome or cognome,
                    data_nascita=nascita,
                    relazione=familiare.relazione,
                    convivente=familiare.convivente,
                    sesso=familiare.sesso,
                )
            )
        return membri

    def _ordine(self, ordine: Ordine, quando: datetime) -> Provvedimento:
        emesso = quando.astimezone(ROME).date() - timedelta(days=ordine.emesso)
        relazione = None
        if ordine.relazione is not None:
            relazione = _scadenza(ordine.relazione, quando, self.piano.oggi)
        return Provvedimento(
            autorita=ordine.autorita,
            tipo=ordine.tipo,
            estremi=ordine.estremi,
            numero=ordine.numero.format(anno=emesso.year),
            data_provvedimento=emesso,
            relazione_entro=relazione,
        )

    # -- what earlier acts created -----------------------------------------------------

    def _caso(self, cid: UUID) -> Caso:
        found = self.casework.find(cid, Caso)
        if found is None:
            raise LookupError(f"caso demo non trovato: {cid}")
        return found

    def _cognome(self, cid: UUID) -> str:
        persona = self._caso(cid).persona
        cognome = None if persona is None else persona.cognome
        return cognome if isinstance(cognome, str) else "Rossi"

    def _riferimento(self, cid: UUID, kind: type[Any], numero: int) -> UUID:
        """The event id of the case's ``numero``-th event of that kind."""
        found = [e for e in self.casework.events.get(cid) if isinstance(e, kind)]
        return UUID(str(found[numero].event_id))

    def _intervento(self, cid: UUID, numero: int) -> UUID:
        """The case's ``numero``-th intervention, in the order they were activated."""
        return list(self._caso(cid).interventi)[numero]

    def _provvedimento(self, cid: UUID, numero: int | None) -> UUID | None:
        if numero is None:
            return None
        return list(self._caso(cid).provvedimenti)[numero]

    def _indice(self, slug: str) -> int:
        return next(i for i, s in enumerate(self.piano.storie) if s.slug == slug)


def casi_inoltrati(casework: CaseworkApplication) -> dict[str, tuple[UUID, datetime]]:
    """The cases the hand-over policy opened for the intake demo's requests, by request
    slug: the case's id and when it was opened (found in the casework ledger)."""
    wanted = {intake_domanda_id(slug): slug for slug in HANDED_OVER}
    found: dict[str, tuple[UUID, datetime]] = {}
    recorder = casework.ledger.recorder
    for notification in recorder.select_notifications(1, 1_000_000, topics=["CasoAperto"]):
        opened = casework.mapper.to_domain_event(notification)
        if isinstance(opened, ev.CasoAperto) and opened.domanda_id in wanted:
            found[wanted[opened.domanda_id]] = (opened.aggregate_id, opened.occurred_at)
    return found


def apri_casi_inoltrati(runtime: Runtime) -> int:
    """Lets the hand-over policy open, now, a case for every request handed over so far
    (in embedded mode it otherwise runs in the background once the services start). In
    district mode, whose policy reads Kafka once the services run, the same policy is run
    once straight from the intake ledger: the case ids are derived from the hand-over, so
    the Kafka consumer later finds them opened and passes. Returns how many it opened."""
    runners = [p for p in runtime.policies if isinstance(p, PolicyRunner)]
    if runners:
        return sum(runner.catch_up() for runner in runners)
    if runtime.casework is None:
        return 0
    runner = PolicyRunner(
        ApriCasoDaInoltro(runtime.casework),
        runtime.casework,
        runtime.district.ledger("intake").recorder,
    )
    try:
        return runner.catch_up()
    finally:
        runner.stop()


def _version(casework: CaseworkApplication, aggregate_id: UUID) -> int:
    found = casework.recorded(aggregate_id)
    if found is None:
        return 0
    version = getattr(found, "version", 0)
    assert isinstance(version, int)
    return version


def record_demo_casework(casework: CaseworkApplication, now: datetime | None = None) -> int:
    """The demo's cases, as the demo coordinatore and social workers; an interrupted run is
    finished (each case's acts already in its stream are skipped). The hand-over cases must
    exist (``apri_casi_inoltrati``). Returns how many acts it recorded now."""
    now = now or datetime.now(ROME)
    inoltrati = casi_inoltrati(casework)
    missing = [slug for slug in HANDED_OVER if slug not in inoltrati]
    if missing:
        raise LookupError(f"nessun caso aperto per le domande inoltrate: {', '.join(missing)}")
    plan = piano(now, {slug: opened for slug, (_, opened) in inoltrati.items()})
    ids = _ids(plan.storie, inoltrati)
    casi = [ids[s.slug] for s in plan.storie]
    run = _Esecuzione(casework, plan, casi)
    done = [_version(casework, cid) for cid in casi]
    recorded = 0
    for atto in plan.atti:
        if atto.versione <= done[atto.storia]:
            continue
        run.registra(atto)
        recorded += 1
    return recorded


def demo_case_ids(casework: CaseworkApplication) -> dict[str, UUID]:
    """Every demo case's id by its slug (hand-over cases as the policy opened them)."""
    return _ids(storie(), casi_inoltrati(casework))


def _ids(stories: Sequence[Storia], inoltrati: dict[str, tuple[UUID, datetime]]) -> dict[str, UUID]:
    """Each case's id: the policy's for a hand-over, derived from the closed case for a
    reopening, else fixed by its slug (a hand-over not yet opened has none)."""
    ids: dict[str, UUID] = {}
    for s in stories:
        if isinstance(s.apertura, Inoltro):
            if s.apertura.domanda in inoltrati:
                ids[s.slug] = inoltrati[s.apertura.domanda][0]
        elif s.apertura.precedente is not None:
            ids[s.slug] = id_riapertura(ids[s.apertura.precedente])
        else:
            ids[s.slug] = caso_id(s.slug)
    return ids
