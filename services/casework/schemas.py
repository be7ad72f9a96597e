"""The casework API's public contract: what outside clients send and get back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    create_model,
    field_validator,
)

from shared.events.assessment import (
    SINBA_RICHIESTI_DAL_FLUSSO,
    ValutazioneSina,
    ValutazioneSinba,
)
from shared.events.casework import AutoritaGiudiziaria, Relazione, RuoloLegale
from shared.events.testo import RIGA
from shared.events.types import AreaUtenza, CodicePrestazioneSiuss
from shared.web.contract import CONTRACT, AttoIn, Breve, Testo, clear_input
from shared.web.persona import Nome, PersonaIn, PersonaOut

ROME = ZoneInfo("Europe/Rome")
TipoProvvedimento = Literal[
    "affidamento_servizio_sociale",
    "indagine_psicosociale",
    "nomina_amministratore_sostegno",
    "altro",
]
CENTESIMI = Decimal("0.01")


def _in_euro_e_centesimi(value: Decimal) -> Decimal:
    """Stored as written in an act: euros and cents, never an exponent (``1E+2``)."""
    return value.quantize(CENTESIMI)


Importo = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False),
    AfterValidator(_in_euro_e_centesimi),
]


def _required(model: type[BaseModel], names: frozenset[str]) -> type[BaseModel]:
    """``model`` with ``names`` required: items the event keeps optional only so that older
    records read back (a new SINBA assessment must carry what SINBA.xsd requires)."""
    fields: dict[str, Any] = {}
    for name in sorted(names):
        kinds = [k for k in get_args(model.model_fields[name].annotation) if k is not type(None)]
        fields[name] = (Union[tuple(kinds)], ...)  # noqa: UP007 - built at run time
    return create_model(model.__name__, __base__=model, **fields)


if TYPE_CHECKING:  # the same fields, as the type checker sees them
    SinaIn = ValutazioneSina
    SinbaIn = ValutazioneSinba
else:
    SinaIn = clear_input(ValutazioneSina)
    SinbaIn = _required(clear_input(ValutazioneSinba), SINBA_RICHIESTI_DAL_FLUSSO)


def _not_future(value: date | None) -> date | None:
    if value is not None and value > datetime.now(ROME).date():
        raise ValueError("non può essere nel futuro")
    return value


class ProvvedimentoIn(AttoIn):
    """A court order received (judicial data: number and details are encrypted)."""

    autorita: AutoritaGiudiziaria
    tipo: TipoProvvedimento
    estremi: Testo
    numero: Annotated[StrictStr, StringConstraints(min_length=1, max_length=64), RIGA] | None = None
    data_provvedimento: date | None = None
    relazione_entro: date | None = Field(
        default=None, description="Scadenza della relazione chiesta dal provvedimento"
    )

    _past = field_validator("data_provvedimento")(_not_future)


class OrdineIn(BaseModel):
    """The order that opens a case (``origine`` ``provvedimento``)."""

    model_config = CONTRACT

    autorita: AutoritaGiudiziaria
    tipo: TipoProvvedimento
    estremi: Testo
    numero: Annotated[StrictStr, StringConstraints(min_length=1, max_length=64), RIGA] | None = None
    data_provvedimento: date | None = None
    relazione_entro: date | None = None

    _past = field_validator("data_provvedimento")(_not_future)


class CasoIn(AttoIn):
    """The body of ``POST /api/casework/casi``: a case opened directly (an emergency, a court
    order) or reopened (``caso_precedente_id``: the person is then the closed case's)."""

    comune: Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z]\d{3}$")]
    area_utenza: AreaUtenza
    origine: Literal["emergenza", "provvedimento"]
    motivo: Testo
    persona: PersonaIn | None = None
    urgente: StrictBool = False
    caso_precedente_id: UUID | None = None
    provvedimento: OrdineIn | None = None


class AssegnazioneIn(AttoIn):
    assistente_sociale: Breve = Field(description="Utente dell'assistente sociale")
    area_utenza: AreaUtenza | None = Field(
        default=None, description="Predefinita: l'area del referente a cui il caso spetta"
    )


class PresaInCaricoIn(AttoIn):
    pass


class ValutazioneIn(AttoIn):
    tipo: Literal["sociale", "multidimensionale"]
    problemi: Testo
    risorse: Testo
    esito: Testo
    partecipanti: list[Breve] = Field(min_length=1, max_length=30)
    nucleo: Testo | None = None
    sina: SinaIn | None = Field(
        default=None, description="Persona con disabilità o non autosufficiente (SIUSS, SINA)"
    )
    sinba: SinbaIn | None = Field(default=None, description="Minore (SIUSS, SINBA)")


class RettificaIn(AttoIn):
    motivo: Testo
    problemi: Testo | None = None
    risorse: Testo | None = None
    esito: Testo | None = None
    nucleo: Testo | None = None
    sina: SinaIn | None = None
    sinba: SinbaIn | None = None


class MembroIn(BaseModel):
    model_config = CONTRACT

    membro_id: UUID | None = Field(default=None, description="Predefinito: nuovo")
    nome: Nome
    cognome: Nome
    data_nascita: date | None = None
    relazione: Relazione
    convivente: StrictBool
    sesso: Literal["M", "F"] | None = Field(default=None, description="Sesso (M o F)")

    _past = field_validator("data_nascita")(_not_future)


class NucleoIn(AttoIn):
    membri: list[MembroIn] = Field(max_length=30)


class RappresentanteIn(AttoIn):
    ruolo: RuoloLegale
    nome: Nome
    cognome: Nome
    provvedimento_id: UUID | None = None


class QuestionarioIn(AttoIn):
    momento: Literal["ex_ante", "in_itinere", "ex_post"]
    risposte: list[Annotated[int, Field(ge=1, le=5, strict=True)]] = Field(
        min_length=1, max_length=30, description="Risposte su scala 1-5, nell'ordine"
    )
    commento: Testo | None = None


class ContrattoIn(AttoIn):
    obiettivi: Testo | None = None
    firmatario: Literal["persona", "rappresentante_legale"]
    impegni_servizio: Testo
    impegni_persona: Testo
    firmato_il: date
    consenso_trattamento: StrictBool = False

    _past = field_validator("firmato_il")(_not_future)


class ProgettoIn(AttoIn):
    obiettivi: Testo
    professionisti: list[Breve] = Field(
        default_factory=list, max_length=20, description="Utenti degli altri professionisti"
    )
    revisione_entro: date
    imposto_da_provvedimento_id: UUID | None = None


class RevisioneProgettoIn(AttoIn):
    obiettivi: Testo
    motivo: Testo
    revisione_entro: date
    professionisti: list[Breve] | None = Field(
        default=None,
        max_length=20,
        description="Chi il progetto nomina da ora (assente: invariato)",
    )


class InterventoIn(AttoIn):
    prestazione: CodicePrestazioneSiuss = Field(description="Codice prestazione SIUSS")
    inizio: date
    fine_prevista: date | None = None
    risorsa_id: UUID | None = Field(
        default=None, description="Il fornitore: una risorsa della rete (assente: il distretto)"
    )
    frequenza: Breve | None = None
    importo: Importo | None = None
    quota_utente: Importo | None = None
    quota_ente: Importo | None = None
    prova_mezzi: StrictBool = False
    protocollo_domanda: (
        Annotated[StrictStr, StringConstraints(min_length=1, max_length=32), RIGA] | None
    ) = None
    descrizione: Testo | None = None

    @field_validator("fine_prevista")
    @classmethod
    def _after_start(cls, value: date | None, info: Any) -> date | None:
        start = info.data.get("inizio")
        if value is not None and start is not None and value < start:
            raise ValueError("non può precedere l'inizio")
        return value

    @field_validator("quota_ente")
    @classmethod
    def _shares_add_up(cls, value: Decimal | None, info: Any) -> Decimal | None:
        total, user_share = info.data.get("importo"), info.data.get("quota_utente")
        if None not in (value, total, user_share) and user_share + value != total:
            raise ValueError("quota utente e quota ente devono sommare all'importo")
        return value


class MonitoraggioIn(AttoIn):
    data: date
    note: Testo

    _past = field_validator("data")(_not_future)


class VerificaIn(AttoIn):
    esito: Literal["raggiunto", "parzialmente_raggiunto", "non_raggiunto"]
    efficacia: Testo
    efficienza: Testo | None = None
    concluso: StrictBool = Field(description="L'intervento si conclude con questa verifica")


class ConclusioneInterventoIn(AttoIn):
    concluso_il: date
    motivo: Testo | None = None

    _past = field_validator("concluso_il")(_not_future)


class AnnullamentoInterventoIn(AttoIn):
    """Withdraws an intervention recorded by mistake (it never happened)."""

    motivo: Testo = Field(description="Perché l'intervento è annullato")


class SegnalazioneIn(AttoIn):
    """A report to a court: the legal basis is required (no default)."""

    autorita: AutoritaGiudiziaria
    motivo: Testo
    richiesta: Literal["amministratore_sostegno", "tutela", "curatela"] | None = None
    base_giuridica: Annotated[StrictStr, RIGA] = Field(
        description="Codice della base giuridica della segnalazione (obbligatorio)"
    )


class RelazioneIn(AttoIn):
    autorita: AutoritaGiudiziaria
    provvedimento_id: UUID | None = None
    sintesi: Testo


class ChiusuraIn(AttoIn):
    motivo: Literal[
        "obiettivi_raggiunti", "trasferimento", "rinuncia", "decesso", "non_di_competenza", "altro"
    ]
    restituzione: Testo = Field(description="La restituzione data alla persona")


# -- answers ------------------------------------------------------------------------------


class InterventoOut(BaseModel):
    id: UUID
    prestazione: str
    inizio: date
    fine_prevista: date | None
    risorsa_id: UUID | None
    verificato: bool
    concluso: bool
    annullato: bool = False


class ProvvedimentoOut(BaseModel):
    id: UUID
    relazione_entro: date | None
    relazione_inviata: bool


class ScadenzaOut(BaseModel):
    tipo: str
    entro: date
    riferimento_id: UUID | None
    scaduta: bool
    """Past due today (Europe/Rome)."""


class CasoOut(BaseModel):
    """A case's current state, from its ledger."""

    id: UUID
    versione: int
    stato: str
    origine: str
    area_utenza: str
    area_di_riferimento: str
    """The area whose referent the case goes to (a foreign citizen's: by age band)."""
    comune: str
    urgente: bool
    assistente_sociale: str | None
    in_carico: bool
    persona: PersonaOut | None
    motivo: str | None
    domanda_id: UUID | None
    caso_precedente_id: UUID | None
    valutazioni: int
    rappresentante_legale: bool
    contratto: bool
    progetto: bool
    revisione_entro: date | None
    interventi: list[InterventoOut]
    segnalazioni: int
    provvedimenti: list[ProvvedimentoOut]
    scadenze: list[ScadenzaOut]


class CasoRigaOut(BaseModel):
    """A case in a list (from the read model: no personal data)."""

    id: UUID
    persona_id: str
    stato: str
    origine: str
    area_utenza: str
    comune: str
    urgente: bool
    fascia_eta: str
    cittadinanza: str
    assistente_sociale: str | None
    aperto_il: datetime
    assegnato_il: datetime | None
    in_carico_dal: datetime | None
    chiuso_il: datetime | None
    motivo_chiusura: str | None
    domanda_id: UUID | None
    caso_precedente_id: UUID | None
    revisione_entro: date | None
    interventi_attivi: int
    versione: int
    posizione: int


class CasiOut(BaseModel):
    items: list[CasoRigaOut]
    next: str | None = None
