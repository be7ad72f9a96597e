"""Events of the Servizio sociale professionale (service ``casework``): the case file.

Fields beyond the envelope may still change until the casework issue is resolved.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from shared.events.assessment import ValutazioneSina, ValutazioneSinba
from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.intake import DatiPersona
from shared.events.model import ValueModel
from shared.events.personal import (
    Erased,
    OptionalPersonalDate,
    OptionalPersonalStr,
    OptionalPersonalText,
    PersonaId,
    Personal,
    PersonalStr,
    PersonalText,
)
from shared.events.profile import ProfiloStatistico, Sesso
from shared.events.types import AreaUtenza, CodicePrestazioneSiuss, ShortText

AutoritaGiudiziaria = Literal[
    "tribunale_minorenni",
    "procura_minorenni",
    "giudice_tutelare",
    "tribunale_ordinario",
    "procura_ordinaria",
]
Relazione = Literal[
    "genitore",
    "figlio",
    "coniuge",
    "convivente",
    "fratello_sorella",
    "nonno_nonna",
    "altro_parente",
    "altro",
]
RuoloLegale = Literal["genitore", "tutore", "amministratore_sostegno", "curatore"]
TipoProvvedimento = Literal[
    "affidamento_servizio_sociale",
    "indagine_psicosociale",
    "nomina_amministratore_sostegno",
    "altro",
]
MisuraRichiesta = Literal["amministratore_sostegno", "tutela", "curatela"]

Autorita = Annotated[AutoritaGiudiziaria | Erased, Personal()]
"""Which court a case deals with is judicial data (GDPR art. 10): encrypted."""


@catalogued
class CasoAperto(LedgerEvent):
    """A case file opened from a hand-over, an emergency or a court order; awaits assignment."""

    persona_id: PersonaId
    origine: Literal["inoltro", "emergenza", "provvedimento"]
    area_utenza: AreaUtenza
    profilo: ProfiloStatistico
    motivo: PersonalText
    persona: DatiPersona | None = None
    """Who the person is (encrypted); None only for a hand-over recorded before intake
    carried it."""
    urgente: bool = False
    domanda_id: UUID | None = None
    caso_precedente_id: UUID | None = None


@catalogued
class AssistenteSocialeAssegnato(LedgerEvent):
    persona_id: PersonaId
    assistente_sociale: ShortText
    area_utenza: AreaUtenza


@catalogued
class PresaInCarico(LedgerEvent):
    """The social worker's formal act of taking charge of the case."""

    persona_id: PersonaId
    assistente_sociale: ShortText


class Membro(ValueModel):
    """A member of the household: personal data under the case's person's key (members may
    have no case of their own)."""

    membro_id: UUID
    nome: PersonalStr
    cognome: PersonalStr
    data_nascita: OptionalPersonalDate = None
    relazione: Annotated[Relazione | Erased, Personal()]
    convivente: bool
    sesso: Sesso | None = None
    """As for the person (``DatiPersona.sesso``): SINBA tells a mother from a father."""


@catalogued
class NucleoFamiliareRegistrato(LedgerEvent):
    """The household as known now (members and their relation to the person); a new record
    replaces the previous one, which stays in the history."""

    persona_id: PersonaId
    membri: list[Membro]


@catalogued
class RappresentanteLegaleRegistrato(LedgerEvent):
    """Who signs and consents on the person's behalf (a parent of a minor, a tutore, an
    amministratore di sostegno, a curatore), with the order appointing them if any."""

    persona_id: PersonaId
    ruolo: Annotated[RuoloLegale | Erased, Personal()]
    nome: PersonalStr
    cognome: PersonalStr
    provvedimento_id: UUID | None = None


@catalogued
class ValutazioneEffettuata(LedgerEvent):
    """A social assessment, or a multidimensional one with the ASL (UVM)."""

    persona_id: PersonaId
    tipo: Literal["sociale", "multidimensionale"]
    problemi: PersonalText
    risorse: PersonalText
    esito: PersonalText
    partecipanti: Annotated[list[ShortText] | Erased, Personal()]
    """Who took part (people, often relatives or ASL staff, by name): encrypted."""
    nucleo: OptionalPersonalText = None
    """The household situation as assessed (personal: who lives with the person, and how)."""
    sina: ValutazioneSina | None = None
    """The SINA items of the SIUSS PS flow, for a disabled or non-self-sufficient person."""
    sinba: ValutazioneSinba | None = None
    """The SINBA assessment items, for a minor."""


@catalogued
class ContrattoFirmato(LedgerEvent):
    persona_id: PersonaId
    obiettivi: OptionalPersonalText = None
    firmatario: Literal["persona", "rappresentante_legale"]
    impegni_servizio: PersonalText
    impegni_persona: PersonalText
    firmato_il: date
    consenso_trattamento: bool = False
    """Consent to processing where a processing needs it (most rest on the law instead)."""


@catalogued
class ProgettoDefinito(LedgerEvent):
    persona_id: PersonaId
    obiettivi: PersonalText
    professionisti: list[ShortText]
    revisione_entro: date
    imposto_da_provvedimento_id: UUID | None = None


@catalogued
class ProgettoRivisto(LedgerEvent):
    persona_id: PersonaId
    obiettivi: PersonalText
    motivo: PersonalText
    revisione_entro: date
    professionisti: list[ShortText] | None = None
    """The professionals the project names from now on (None: unchanged); someone no longer
    named no longer reads the case."""


@catalogued
class InterventoAttivato(LedgerEvent):
    persona_id: PersonaId
    intervento_id: UUID
    prestazione: CodicePrestazioneSiuss
    inizio: date
    fine_prevista: date | None = None
    risorsa_id: UUID | None = None
    """The provider, a resource of the network directory (None: the district itself)."""
    frequenza: Annotated[ShortText | Erased | None, Personal()] = None
    importo: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    quota_utente: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    quota_ente: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    prova_mezzi: bool = False
    """Means-tested (ISEE)."""
    protocollo_domanda: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    descrizione: OptionalPersonalText = None


@catalogued
class MonitoraggioRegistrato(LedgerEvent):
    persona_id: PersonaId
    intervento_id: UUID
    data: date
    note: PersonalText


@catalogued
class InterventoVerificato(LedgerEvent):
    persona_id: PersonaId
    intervento_id: UUID
    esito: Literal["raggiunto", "parzialmente_raggiunto", "non_raggiunto"]
    efficacia: PersonalText
    efficienza: OptionalPersonalText = None
    concluso: bool


@catalogued
class InterventoConcluso(LedgerEvent):
    """The intervention ended (as planned, or earlier); it can no longer be monitored."""

    persona_id: PersonaId
    intervento_id: UUID
    concluso_il: date
    motivo: OptionalPersonalText = None


@catalogued
class InterventoAnnullato(LedgerEvent):
    """An intervention withdrawn because it was recorded by mistake: it never happened, so it
    owes no verification and counts as no benefit delivered (SIUSS's cancellation,
    ``TipoOperazione="C"``). A concluded one may be withdrawn too; the withdrawal is final."""

    persona_id: PersonaId
    intervento_id: UUID
    motivo: PersonalText


@catalogued
class SegnalazioneTribunale(LedgerEvent):
    """A report to a court or prosecutor; its legal basis is the envelope's. It may ask for
    a protection measure (an amministratore di sostegno, a tutore, a curatore)."""

    persona_id: PersonaId
    autorita: Autorita
    motivo: PersonalText
    richiesta: Annotated[MisuraRichiesta | Erased | None, Personal()] = None


@catalogued
class ProvvedimentoRecepito(LedgerEvent):
    """A court order received by the service (judicial data, GDPR art. 10)."""

    persona_id: PersonaId
    provvedimento_id: UUID
    autorita: Autorita
    tipo: Annotated[TipoProvvedimento | Erased, Personal()]
    numero: OptionalPersonalStr = None
    """The order's number (judicial data, GDPR art. 10: encrypted like the rest)."""
    data_provvedimento: OptionalPersonalDate = None
    estremi: PersonalText
    relazione_entro: date | None = None
    """The due date of a report the order asks for: a deadline of the case."""


@catalogued
class RelazioneInviata(LedgerEvent):
    persona_id: PersonaId
    autorita: Autorita
    provvedimento_id: UUID | None = None
    sintesi: PersonalText


@catalogued
class CasoChiuso(LedgerEvent):
    """Closure with the restituzione given to the citizen."""

    persona_id: PersonaId
    motivo: Literal[
        "obiettivi_raggiunti", "trasferimento", "rinuncia", "decesso", "non_di_competenza", "altro"
    ]
    restituzione: PersonalText


@catalogued
class QuestionarioRaccolto(LedgerEvent):
    """A satisfaction questionnaire, ex ante, in itinere or ex post (Piano di Zona)."""

    persona_id: PersonaId
    momento: Literal["ex_ante", "in_itinere", "ex_post"]
    risposte: list[Annotated[int, Field(ge=1, le=5)]] = Field(min_length=1, max_length=30)
    """Answers on a fixed 1–5 scale, in the questionnaire's order."""
    commento: OptionalPersonalText = None


@catalogued
class ValutazioneRettificata(LedgerEvent):
    """A correction: points at the assessment it corrects, which stays in the history."""

    persona_id: PersonaId
    valutazione_event_id: UUID
    motivo: PersonalText
    problemi: OptionalPersonalText = None
    risorse: OptionalPersonalText = None
    esito: OptionalPersonalText = None
    nucleo: OptionalPersonalText = None
    sina: ValutazioneSina | None = None
    """The corrected SINA items, restated whole (None: unchanged)."""
    sinba: ValutazioneSinba | None = None
    """The corrected SINBA items, restated whole (None: unchanged)."""
