"""Events of the Servizio sociale professionale (service ``casework``): the case file.

Fields beyond the envelope may still change until the casework issue is resolved.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.personal import OptionalPersonalText, PersonaId, PersonalText
from shared.events.profile import ProfiloStatistico
from shared.events.types import AreaUtenza, CodicePrestazioneSiuss, ShortText

AutoritaGiudiziaria = Literal[
    "tribunale_minorenni", "procura_minorenni", "giudice_tutelare", "procura_ordinaria"
]


@catalogued
class CasoAperto(LedgerEvent):
    """A case file opened from a hand-over, an emergency or a court order; awaits assignment."""

    persona_id: PersonaId
    origine: Literal["inoltro", "emergenza", "provvedimento"]
    area_utenza: AreaUtenza
    profilo: ProfiloStatistico
    motivo: PersonalText
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


@catalogued
class ValutazioneEffettuata(LedgerEvent):
    persona_id: PersonaId
    tipo: Literal["sociale", "multidimensionale"]
    problemi: PersonalText
    risorse: PersonalText
    esito: PersonalText
    partecipanti: list[ShortText]


@catalogued
class ContrattoFirmato(LedgerEvent):
    persona_id: PersonaId
    firmatario: Literal["persona", "rappresentante_legale"]
    impegni_servizio: PersonalText
    impegni_persona: PersonalText
    firmato_il: date


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


@catalogued
class InterventoAttivato(LedgerEvent):
    persona_id: PersonaId
    intervento_id: UUID
    prestazione: CodicePrestazioneSiuss
    inizio: date
    fine_prevista: date | None = None
    risorsa_id: UUID | None = None
    descrizione: OptionalPersonalText = None


@catalogued
class MonitoraggioRegistrato(LedgerEvent):
    persona_id: PersonaId
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
class SegnalazioneTribunale(LedgerEvent):
    """A report to a court or prosecutor; its legal basis is the envelope's."""

    persona_id: PersonaId
    autorita: AutoritaGiudiziaria
    motivo: PersonalText


@catalogued
class ProvvedimentoRecepito(LedgerEvent):
    """A court order received by the service (judicial data, GDPR art. 10)."""

    persona_id: PersonaId
    provvedimento_id: UUID
    autorita: AutoritaGiudiziaria
    tipo: Literal[
        "affidamento_servizio_sociale",
        "indagine_psicosociale",
        "nomina_amministratore_sostegno",
        "altro",
    ]
    estremi: PersonalText
    relazione_entro: date | None = None


@catalogued
class RelazioneInviata(LedgerEvent):
    persona_id: PersonaId
    autorita: AutoritaGiudiziaria
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
