"""SIUSS assessment items: the SINA block of the PS flow and the minor's items of SINBA.

``ValutazioneSina`` is the ``SINAType`` of ``PS_PSA_SINA201812.xsd`` (a disabled or
non-self-sufficient person), item for item. ``ValutazioneSinba`` holds the assessment items
of a minor from ``SinbaType`` of ``SINBA.xsd``; the rest of a SINBA record (court orders,
foster care, closure, the parents' data) comes from other events. The XSDs are those of
INPS-it/WaaS.Comuni (MIT); ``shared/reference_data/siuss_sina_sinba.md`` says where each
item and code list comes from, and ``tests/unit/test_assessment_items.py`` checks the models
against the XSDs.

Codes are the XSDs' own (``"1"``, ``"2"``, ...), so a flow is written without translation;
``SINA_CODICI`` and ``SINBA_CODICI`` give their labels. Every item describes the person's
health, autonomy or family and is special-category data: each is personal, encrypted under
the key of the person of the enclosing event (``persona_id``), and reads back as ``Erased``
once that key is destroyed. For a minor, the family's assessment is recorded in the minor's
file and so under the minor's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Final, Literal, TypeVar

from annotated_types import MinLen
from pydantic import AfterValidator, BaseModel, StringConstraints, ValidationInfo

from shared.events.model import ValueModel
from shared.events.personal import Erased, Personal
from shared.events.types import CodicePrestazioneSiuss

T = TypeVar("T")

Cifrato = Annotated[T | Erased, Personal()]
"""A required personal item."""
CifratoOpzionale = Annotated[T | Erased | None, Personal()]
"""An optional personal item (``use="optional"`` or ``minOccurs="0"`` in the XSD)."""

# PS_PSA_SINA201812.xsd, SINAType

Mobilita = Literal["1", "2", "3"]
AttivitaVitaQuotidiana = Literal["1", "2", "3"]
DisturbiAreaCognitiva = Literal["1", "2", "3"]
DisturbiComportamentali = Literal["1", "2"]
NecessitaCureSanitarie = Literal["1", "2", "3"]
AreaReddituale = Literal["1", "2", "3"]
AreaSupporto = Literal["1", "2", "3"]
FonteDerivazioneValutazione = Literal["1", "2", "3", "4"]
StrumentoValutazione = Literal["1", "2", "3", "4", "5", "6", "7"]
FonteDerivazioneInvalidita = Literal["1", "2"]
InvCiv = Literal["1", "2", "3", "4", "5", "6", "7", "8"]

CodicePrestazioneSina = Annotated[
    CodicePrestazioneSiuss, StringConstraints(min_length=5, max_length=10)
]
"""A SIUSS benefit code (``NecessitaInterventiSociali/CodicePrestazione``: 5 to 10
characters in the XSD), and one the district's code list knows."""


class ValutazioneSina(ValueModel):
    """The SINA items of a disabled or non-self-sufficient person (PS flow, ``SINAType``)."""

    mobilita: Cifrato[Mobilita]
    attivita_vita_quotidiana: Cifrato[AttivitaVitaQuotidiana]
    disturbi_area_cognitiva: CifratoOpzionale[DisturbiAreaCognitiva] = None
    disturbi_comportamentali: Cifrato[DisturbiComportamentali]
    necessita_cure_sanitarie: CifratoOpzionale[NecessitaCureSanitarie] = None
    area_reddituale: Cifrato[AreaReddituale]
    area_supporto: Cifrato[AreaSupporto]
    fonte_derivazione_valutazione: Cifrato[FonteDerivazioneValutazione]
    strumento_valutazione: Cifrato[StrumentoValutazione]
    fonte_derivazione_invalidita: CifratoOpzionale[FonteDerivazioneInvalidita] = None
    necessita_interventi_sociali: CifratoOpzionale[
        Annotated[list[CodicePrestazioneSina], MinLen(1)]
    ] = None
    """The social interventions the person needs (at least one when the item is given)."""
    invalidita_civile: CifratoOpzionale[Annotated[list[InvCiv], MinLen(1)]] = None
    """The person's certifications of civil invalidity or of law 104/1992."""


# SINBA.xsd, SinbaType (the minor's assessment items)

CondizioneMinore = Literal["1", "2", "3", "4", "5"]
LuogoVita = Literal["1", "2", "3", "4", "5", "6", "7", "8"]
ScuolaFrequentata = Literal["1", "2", "3", "4", "5", "6", "7", "8"]
ValutazioneMinore = Literal["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]
ValutazioneFamigliaMinore = Literal[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"
]
FonteSegnalazione = Literal[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"
]
SiNo = Literal["1", "2"]
"""``MinoreStranieroNoAccType`` and ``DisabilitaType``: ``"1"`` SI, ``"2"`` NO."""
CondizioneLavoro = Literal["1", "2", "3", "4"]
TipoDisabilita = Literal["1", "2", "3", "4"]
InvCivCertificazioni = Literal["1", "2", "3", "4", "5"]

DATA_MESE_ANNO_XSD: Final = "((0[1-9])|(1[0-2]))[/](19|20)[0-9]{2}"
"""``DataMeseAnnoType`` of SINBA.xsd, verbatim (an XSD pattern matches the whole value)."""
DataMeseAnno = Annotated[str, StringConstraints(pattern=rf"^(?:{DATA_MESE_ANNO_XSD})$")]
"""Month and year as SINBA asks, ``MM/AAAA``: no more precise than the flow needs."""


def _solo_se_disabile(value: T, info: ValidationInfo) -> T:
    """SINBA gives the kind and certification of a disability only for a disabled minor:
    refused when recorded, where the operator can fix it, rather than when the flow is built.
    A field's own validator (not the model's), so that the API's input twin keeps it."""
    if isinstance(value, str) and info.data.get("disabilita") == "2":
        raise ValueError("da indicare solo per un minore con disabilità")
    return value


SoloSeDisabile = AfterValidator(_solo_se_disabile)


class ValutazioneSinba(ValueModel):
    """The SINBA assessment items of a minor (``SinbaType``): condition, place of living,
    school, assessment of the minor and of the family, source and month of the first report,
    unaccompanied foreign minor, work condition, disability and its kind and certification."""

    condizione_minore: Cifrato[CondizioneMinore]
    luogo_vita: Cifrato[LuogoVita]
    scuola_frequentata: Cifrato[ScuolaFrequentata]
    valutazione_minore: Cifrato[ValutazioneMinore]
    valutazione_famiglia_minore: Cifrato[ValutazioneFamigliaMinore]
    fonte_segnalazione: Cifrato[FonteSegnalazione]
    data_prima_segnalazione: Cifrato[DataMeseAnno]
    # Added after assessments were first stored: optional here so that those still read back,
    # although SINBA.xsd requires the first three (``SINBA_RICHIESTI_DAL_FLUSSO``).
    minore_straniero_non_accompagnato: CifratoOpzionale[SiNo] = None
    condizione_lavoro: CifratoOpzionale[CondizioneLavoro] = None
    disabilita: CifratoOpzionale[SiNo] = None
    tipo_disabilita: Annotated[CifratoOpzionale[TipoDisabilita], SoloSeDisabile] = None
    """Only for a disabled minor (``disabilita`` = ``"1"``)."""
    inv_civ_certificazioni: Annotated[CifratoOpzionale[InvCivCertificazioni], SoloSeDisabile] = None
    """Only for a disabled minor (``disabilita`` = ``"1"``)."""


SINBA_RICHIESTI_DAL_FLUSSO: Final = frozenset(
    {"minore_straniero_non_accompagnato", "condizione_lavoro", "disabilita"}
)
"""``ValutazioneSinba`` fields that SINBA.xsd requires but the event leaves optional (they were
added later, and assessments stored before must still read back): a SINBA flow whose latest
assessment lacks one cannot be built and is listed as blocked until the assessment is
corrected."""


# Where each field goes in a flow: "@Name" is an attribute of the block's element (SINA, or
# SINBA), "Parent/Child" a repeated child element (one per item of the list).

SINA_XSD: Final[Mapping[str, str]] = {
    "mobilita": "@Mobilita",
    "attivita_vita_quotidiana": "@AttivitaVitaQuotidiana",
    "disturbi_area_cognitiva": "@DisturbiAreaCognitiva",
    "disturbi_comportamentali": "@DisturbiComportamentali",
    "necessita_cure_sanitarie": "@NecessitaCureSanitarie",
    "area_reddituale": "@AreaReddituale",
    "area_supporto": "@AreaSupporto",
    "fonte_derivazione_valutazione": "@FonteDerivazioneValutazione",
    "strumento_valutazione": "@StrumentoValutazione",
    "fonte_derivazione_invalidita": "@FonteDerivazioneInvalidita",
    "necessita_interventi_sociali": "NecessitaInterventiSociali/CodicePrestazione",
    "invalidita_civile": "InvaliditaCivile/InvCiv",
}
"""``ValutazioneSina`` field -> item of the ``SINA`` element (``SINAType``), which sits in
``Flusso/Beneficiario/PrestazioniSociali`` of the PS flow."""

SINBA_XSD: Final[Mapping[str, str]] = {
    "condizione_minore": "@CondizioneMinore",
    "luogo_vita": "@LuogoVita",
    "scuola_frequentata": "@ScuolaFrequentata",
    "valutazione_minore": "@ValutazioneMinore",
    "valutazione_famiglia_minore": "@ValutazioneFamigliaMinore",
    "fonte_segnalazione": "@FonteSegnalazione",
    "data_prima_segnalazione": "@DataPrimaSegnalazione",
    "minore_straniero_non_accompagnato": "@MinoreStranieroNoAcc",
    "condizione_lavoro": "@CondizioneLavoro",
    "disabilita": "@Disabilita",
    "tipo_disabilita": "@TipoDisabilita",
    "inv_civ_certificazioni": "@InvCivCertificazioni",
}
"""``ValutazioneSinba`` field -> attribute of the ``SINBA`` element (``SinbaType``,
``Flusso/SINBA``)."""


def xsd_items(model: type[BaseModel]) -> dict[str, str]:
    """Field -> XSD item (``@Attribute`` or ``Element/Child``) of an assessment model."""
    if model is ValutazioneSina:
        return dict(SINA_XSD)
    if model is ValutazioneSinba:
        return dict(SINBA_XSD)
    raise LookupError(f"{model.__name__} has no SIUSS items")


# Labels of the codes (the XSDs' xs:documentation, spaces normalised).

SINA_CODICI: Final[Mapping[str, Mapping[str, str]]] = {
    "mobilita": {"1": "Si sposta da solo", "2": "Si Sposta Assistito", "3": "Non Si Sposta"},
    "attivita_vita_quotidiana": {
        "1": "Autonomo",
        "2": "Parzialmente dipendente",
        "3": "Totalmente dipendente",
    },
    "disturbi_area_cognitiva": {"1": "Lievi", "2": "Moderati", "3": "Gravi"},
    "disturbi_comportamentali": {"1": "Assenti", "2": "Presenti"},
    "necessita_cure_sanitarie": {"1": "Bassa", "2": "Media", "3": "Alta"},
    "area_reddituale": {
        "1": "Autonomo e in equilibrio finanziario",
        "2": "Riceve aiuto da parenti e/o da altre persone",
        "3": "In condizione di bisogno economico e senza aiuti da parenti o altre persone",
    },
    "area_supporto": {
        "1": "Presenza della rete familiare o informale",
        "2": "Presenza parziale e/o temporanea della rete familiare o informale",
        "3": "Assenza della rete familiare o informale",
    },
    "fonte_derivazione_valutazione": {
        "1": "UVM",
        "2": "Cartella sociale",
        "3": "Altra documentazione",
        "4": "Raccolta diretta",
    },
    "strumento_valutazione": {
        "1": "SVAMA",
        "2": "AGED",
        "3": "RUG",
        "4": "SOSIA",
        "5": "SCHEMA POLARE",
        "6": "VALGRAF",
        "7": "Altro Sistema Di Codifica",
    },
    "fonte_derivazione_invalidita": {
        "1": "Certificazione invalidita' verificata on line o cartacea",
        "2": "Dichiarazione della persona",
    },
    "invalidita_civile": {
        "1": "Certificazione Invalidita' Civile parziale non inferiore al 75%",
        "2": "Certificazione Invalidita' Civile Totale (100%) Con Indennita' di accompagnamento",
        "3": "Certificazione Invalidita' Civile totale (100%) senza indennita' di accompagnamento",
        "4": "Certificazione Npi",
        "5": "Certificazione L.104 (art.3, comma 1)",
        "6": "Certificazione L.104 (art.3, comma 3)",
        "7": "Certificazione L.104 (art.12)",
        "8": "Certificazione L.104 (art.13)",
    },
}

SINBA_CODICI: Final[Mapping[str, Mapping[str, str]]] = {
    "condizione_minore": {
        "1": "Non orfano",
        "2": "Orfano di entrambi",
        "3": "Orfano di padre",
        "4": "Orfano di madre",
        "5": "Genitori ignoti",
    },
    "luogo_vita": {
        "1": "nella sua famiglia",
        "2": "presso parenti",
        "3": "in famiglia affidataria",
        "4": "in struttura residenziale sociale",
        "5": "in struttura residenziale sanitaria",
        "6": "in istituto penale minorile",
        "7": "con amici e conoscenti",
        "8": "senza dimora",
    },
    "scuola_frequentata": {
        "1": "nessuna scuola",
        "2": "struttura",
        "3": "asilo nido",
        "4": "scuola dell'infanzia",
        "5": "scuola primaria",
        "6": "scuola secondaria I grado",
        "7": "scuola secondaria II grado",
        "8": "corso formazione professionale",
    },
    "valutazione_minore": {
        "1": "nessuna specifica problematica",
        "2": "problemi relazionali e comportamentali",
        "3": "dipendenze",
        "4": "presunto stato di abbandono",
        "5": "problemi sanitari",
        "6": "violenza sessuale subita, prostituzione, tratta, pedopornografia",
        "7": "altre forme di violenza e maltrattamento subite",
        "8": "comportamenti di grave devianza",
        "9": "problemi di autonomia, disabilità",
        "10": "coinvolto in procedure penali",
        "11": "gestante/madre minorenne",
        "12": "minore straniero non accompagnato",
        "13": "abbandono scolastico",
    },
    "valutazione_famiglia_minore": {
        "1": "nessuna specifica",
        "2": (
            "problematica fragilità/inadeguatezza genitoriale, problematiche "
            "socio-educative e relazionali"
        ),
        "3": "dipendenza",
        "4": "problematiche psichiatriche",
        "5": "altre problematiche sanitarie",
        "6": "grave conflittualità familiare",
        "7": "famiglia maltrattante",
        "8": "famiglia abusante",
        "9": "problemi giudiziari",
        "10": "fallimento affido preadottivo nel I anno",
        "11": "inadempienza obblighi sanitari",
        "12": "difficoltà economiche",
        "13": "difficoltà abitative",
    },
    "fonte_segnalazione": {
        "1": "servizio sociale minori della giustizia minorile",
        "2": (
            "altro servizio sociale (consultori, centri famiglia, di altro ambito/distretto, ..)"
        ),
        "3": "servizi sanitari/medico di base/pediatra",
        "4": "privato sociale/volontariato",
        "5": "forze dell'ordine",
        "6": "beneficiario stesso",
        "7": "genitori affidatari/tutore",
        "8": "genitori/fratelli/altri familiari conviventi",
        "9": "parenti non conviventi",
        "10": "tribunale ordinario",
        "11": "autorità giudiziarie minorili",
        "12": "professionista privato",
        "13": "scuola",
        "14": "vicinato o conoscenti",
    },
    "minore_straniero_non_accompagnato": {"1": "SI", "2": "NO"},
    "condizione_lavoro": {
        "1": "inattivo (non in età da lavoro, non ha e non cerca lavoro)",
        "2": "occupato",
        "3": "disoccupato alla ricerca di nuova occupazione",
        "4": "in cerca di prima occupazione",
    },
    "disabilita": {"1": "SI", "2": "NO"},
    "tipo_disabilita": {"1": "Fisica", "2": "Psichica", "3": "Sensoriale", "4": "Plurima"},
    "inv_civ_certificazioni": {
        "1": "certificazione invalidità civile parziale non inferiore al 75%",
        "2": "certificazione invalidità civile totale (100%) con indennità di accompagnamento",
        "3": "certificazione invalidità civile totale (100%) senza indennità di accompagnamento",
        "4": "certificazione NPI",
        "5": "certificazione l.104",
    },
}
