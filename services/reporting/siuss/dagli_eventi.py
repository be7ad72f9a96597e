"""From a case's events to a flow's inputs: what decision 0025 says each item comes from.

Pure: the caller reads the case's events from the cartella's read model, decrypts them for
the request, and hands them here with what the identity store knows (the comune's name, the
operator's codice fiscale, the region of a comune). What the events do not say blocks the
flow with ``FlussoNonCostruibile`` naming the SIUSS item, never the value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from services.reporting.siuss import mappature
from services.reporting.siuss.errori import FlussoNonCostruibile
from services.reporting.siuss.formato import denominazione
from services.reporting.siuss.modello import (
    AnagraficaBeneficiario,
    ComposizioneFamiglia,
    Ente,
    FlussoPs,
    FlussoSinba,
    Importi,
    MinoreSinba,
    MotivazioneChiusuraCarico,
    PrestazioneSociale,
    ProvvedimentoSinba,
    ResidenzaBeneficiario,
    SegnalazioneSinba,
)
from services.reporting.siuss.xml import cancellato
from shared.events.assessment import ValutazioneSina, ValutazioneSinba
from shared.scadenze import oggi

V = TypeVar("V", ValutazioneSina, ValutazioneSinba)

MOTIVAZIONE_CHIUSURA: dict[str, MotivazioneChiusuraCarico | None] = {
    "obiettivi_raggiunti": "4",
    "rinuncia": "5",
    "decesso": "8",
    "non_di_competenza": "9",
    "altro": "9",
    # 1 or 2 (another district of this region, or of another one): the event does not say
    "trasferimento": None,
}
"""``CasoChiuso.motivo`` -> SINBA's ``MotivazioneChiusuraCaricoType``."""


@dataclass(frozen=True)
class EventoCaso:
    """One event of the case, its own fields decrypted for this request."""

    tipo: str
    versione: int
    event_id: str
    occurred_at: datetime
    attore: str
    dati: dict[str, Any]


@dataclass(frozen=True)
class Contesto:
    """What the identity store and the code lists know."""

    denominazione_comune: Callable[[str], str | None]
    cf_operatore: Callable[[str], str | None]
    regione_del_comune: Callable[[str], str | None]
    etichetta_prestazione: Callable[[str], str | None]


@dataclass(frozen=True)
class FlussoRichiesto:
    """Which flow: the due flow's pseudonymous facts (``FlussoDovuto``)."""

    id_flusso: str
    comune: str
    persona_id: str
    intervento_id: str | None
    operazione: Literal["I", "C"]
    versione_caso: int
    versione_evento: int


def flusso_ps(
    richiesta: FlussoRichiesto, eventi: Sequence[EventoCaso], contesto: Contesto
) -> FlussoPs:
    contenuto = [e for e in eventi if e.versione <= richiesta.versione_caso]
    causa = _causa(richiesta, eventi)
    attivazione = next(
        (
            e
            for e in contenuto
            if e.tipo == "InterventoAttivato"
            and str(e.dati["intervento_id"]) == richiesta.intervento_id
        ),
        None,
    )
    if attivazione is None:
        raise FlussoNonCostruibile("PrestazioniSociali", "prestazione non trovata nel caso")
    dati = attivazione.dati
    codice = str(dati["prestazione"])
    etichetta = contesto.etichetta_prestazione(codice)
    if etichetta is None:
        raise FlussoNonCostruibile(
            "PrestazioniSociali/@CodicePrestazione", "codice non presente nell'elenco SIUSS"
        )
    prestazione = PrestazioneSociale(
        codice=codice,
        denominazione=denominazione(codice, etichetta),
        protocollo_domanda=dati.get("protocollo_domanda") or _hex(richiesta.intervento_id),
        presenza_prova_mezzi=mappature.prova_mezzi(bool(dati.get("prova_mezzi"))),
        presa_in_carico=any(e.tipo == "PresaInCarico" for e in contenuto),
        data_evento=oggi(causa.occurred_at),
        data_inizio=_data(dati["inizio"]),
        data_fine=_fine(contenuto, richiesta.intervento_id),
        importi=Importi(
            importo_prestazione=_decimale(dati.get("importo")),
            quota_ente=_decimale(dati.get("quota_ente")),
            quota_utente=_decimale(dati.get("quota_utente")),
        ),
        sina=_ultima(contenuto, "sina", ValutazioneSina),
    )
    return FlussoPs(
        id_flusso=richiesta.id_flusso,
        ente=_ente(richiesta, causa, contesto),
        beneficiario=_anagrafica(contenuto, contesto),
        prestazione=prestazione,
        operazione=richiesta.operazione,
    )


def flusso_sinba(
    richiesta: FlussoRichiesto, eventi: Sequence[EventoCaso], contesto: Contesto
) -> FlussoSinba:
    contenuto = [e for e in eventi if e.versione <= richiesta.versione_caso]
    causa = _causa(richiesta, eventi)
    persona = _persona(contenuto)
    valutazione = _ultima(contenuto, "sinba", ValutazioneSinba)
    if valutazione is None:
        raise FlussoNonCostruibile("SINBA", "nessuna valutazione SINBA del minore")
    nascita = _richiesto(persona, "data_nascita", "SINBA/@AnnoNascita", "data di nascita")
    residenza = persona.get("residenza") or {}
    paese = _richiesto(residenza, "paese", "SINBA/@CodiceNazioneResidenza", "residenza")
    istat = _chiaro(residenza.get("comune_istat"), "SINBA/@CodiceRegioneResidenza")
    minore = MinoreSinba(
        id_beneficiario=richiesta.persona_id,
        data_nascita=_data(nascita),
        paese_residenza=int(paese),
        regione_residenza=None if istat is None else contesto.regione_del_comune(str(istat)),
        **_minore_dalla_valutazione(valutazione),
    )
    annullati = {str(e.dati["intervento_id"]) for e in contenuto if e.tipo == "InterventoAnnullato"}
    prestazioni = tuple(
        str(e.dati["prestazione"])
        for e in contenuto
        if e.tipo == "InterventoAttivato" and str(e.dati["intervento_id"]) not in annullati
    )
    chiusura = _ultimo(contenuto, "CasoChiuso")
    return FlussoSinba(
        id_flusso=richiesta.id_flusso,
        ente=_ente(richiesta, causa, contesto),
        minore=minore,
        valutazione=valutazione,
        prestazioni=prestazioni,
        famiglia=_famiglia(contenuto),
        alla_data=oggi(causa.occurred_at),
        segnalazione=_segnalazione(contenuto),
        provvedimento=_provvedimento(contenuto),
        motivazione_chiusura=None
        if chiusura is None
        else MOTIVAZIONE_CHIUSURA[str(chiusura.dati["motivo"])],
    )


def _minore_dalla_valutazione(valutazione: ValutazioneSinba) -> dict[str, Any]:
    """The SINBA items the assessment records about the minor (``MinoreSinba``'s fields)."""
    voci = {
        "minore_straniero_non_accompagnato": "SINBA/@MinoreStranieroNoAcc",
        "condizione_lavoro": "SINBA/@CondizioneLavoro",
        "disabilita": "SINBA/@Disabilita",
    }
    valori: dict[str, Any] = {}
    for campo, voce in voci.items():
        valore = _chiaro(getattr(valutazione, campo, None), voce)
        if valore is None:
            raise FlussoNonCostruibile(voce, "non registrato nella valutazione SINBA")
        valori[campo] = str(valore)
    return {
        "straniero_non_accompagnato": valori["minore_straniero_non_accompagnato"] == "1",
        "condizione_lavoro": valori["condizione_lavoro"],
        "disabile": valori["disabilita"] == "1",
        "tipo_disabilita": _chiaro(
            getattr(valutazione, "tipo_disabilita", None), "SINBA/@TipoDisabilita"
        ),
        "inv_civ_certificazioni": _chiaro(
            getattr(valutazione, "inv_civ_certificazioni", None), "SINBA/@InvCivCertificazioni"
        ),
    }


def _causa(richiesta: FlussoRichiesto, eventi: Sequence[EventoCaso]) -> EventoCaso:
    for evento in eventi:
        if evento.versione == richiesta.versione_evento:
            return evento
    raise FlussoNonCostruibile("DataEvento", "evento del caso non ancora disponibile")


def _ente(richiesta: FlussoRichiesto, causa: EventoCaso, contesto: Contesto) -> Ente:
    cf = contesto.cf_operatore(causa.attore)
    if cf is None:
        raise FlussoNonCostruibile(
            "Ente/@CFOperatore", "l'operatore che ha registrato l'atto non ha codice fiscale"
        )
    return Ente(
        belfiore=richiesta.comune,
        cf_operatore=cf,
        denominazione=contesto.denominazione_comune(richiesta.comune),
    )


PERSONA_DA = frozenset({"CasoAperto", "DatiPersonaRettificati", "PersonaAttribuita"})
"""The events that say who the case's person is: the latest one holds (decision 0032)."""


def _persona(contenuto: Sequence[EventoCaso]) -> dict[str, Any]:
    anagrafe = [e for e in contenuto if e.tipo in PERSONA_DA]
    persona = anagrafe[-1].dati.get("persona") if anagrafe else None
    if not persona:
        raise FlussoNonCostruibile("Beneficiario", "dati anagrafici non registrati nel caso")
    return dict(persona)


def _anagrafica(contenuto: Sequence[EventoCaso], contesto: Contesto) -> AnagraficaBeneficiario:
    persona = _persona(contenuto)
    residenza = persona.get("residenza") or {}
    paese = _richiesto(residenza, "paese", "Indirizzo/@CodiceNazione", "residenza")
    istat = _chiaro(residenza.get("comune_istat"), "Indirizzo/@CodiceComune")
    sesso = persona.get("sesso")
    if sesso is None:
        raise FlussoNonCostruibile("Anagrafica/@Genere", "sesso non registrato")
    return AnagraficaBeneficiario(
        codice_fiscale=str(
            _richiesto(persona, "codice_fiscale", "Beneficiario/@CodiceFiscale", "codice fiscale")
        ),
        cognome=str(_richiesto(persona, "cognome", "Anagrafica/@Cognome", "cognome")),
        nome=str(_richiesto(persona, "nome", "Anagrafica/@Nome", "nome")),
        sesso=sesso,
        data_nascita=_data(
            _richiesto(persona, "data_nascita", "Anagrafica/@AnnoNascita", "data di nascita")
        ),
        luogo_nascita=str(
            _richiesto(persona, "luogo_nascita", "Anagrafica/@LuogoNascita", "luogo di nascita")
        ),
        cittadinanza=int(
            _richiesto(persona, "cittadinanza", "Anagrafica/@CodiceCittadinanza", "cittadinanza")
        ),
        residenza=ResidenzaBeneficiario(
            paese=int(paese),
            comune_istat=None if istat is None else str(istat),
            regione=None if istat is None else contesto.regione_del_comune(str(istat)),
        ),
    )


def _chiaro(valore: Any, campo: str) -> Any:
    """A decrypted value, or the refusal to use an erased one."""
    if isinstance(valore, dict) and valore.get("erased") is True:
        raise cancellato(campo)
    if getattr(valore, "erased", False) is True:
        raise cancellato(campo)
    return valore


def _richiesto(dati: dict[str, Any], chiave: str, campo: str, nome: str) -> Any:
    valore = _chiaro(dati.get(chiave), campo)
    if valore is None:
        raise FlussoNonCostruibile(campo, f"{nome} non registrato")
    return valore


def _data(valore: Any) -> date:
    return valore if isinstance(valore, date) else date.fromisoformat(str(valore))


def _decimale(valore: Any) -> Decimal | None:
    return None if valore is None else Decimal(str(valore))


def _hex(intervento_id: str | None) -> str:
    """The intervention id's 32 hex digits: a protocol that fits ``ProtocolloDomanda``."""
    assert intervento_id is not None
    return intervento_id.replace("-", "")


def _fine(contenuto: Sequence[EventoCaso], intervento_id: str | None) -> date | None:
    for evento in contenuto:
        if str(evento.dati.get("intervento_id")) != intervento_id:
            continue
        if evento.tipo == "InterventoConcluso":
            return _data(evento.dati["concluso_il"])
        if evento.tipo == "InterventoVerificato" and evento.dati.get("concluso"):
            return oggi(evento.occurred_at)
    return None


def _ultimo(contenuto: Sequence[EventoCaso], tipo: str) -> EventoCaso | None:
    trovati = [e for e in contenuto if e.tipo == tipo]
    return trovati[-1] if trovati else None


def _ultima(contenuto: Sequence[EventoCaso], voce: str, modello: type[V]) -> V | None:
    """The latest assessment's SINA (or SINBA) items, corrections applied: a correction
    restates the items of the assessment it points at."""
    per_valutazione: dict[str, Any] = {}
    for evento in contenuto:
        if evento.tipo == "ValutazioneEffettuata":
            per_valutazione[evento.event_id] = evento.dati.get(voce)
        elif evento.tipo == "ValutazioneRettificata" and evento.dati.get(voce):
            bersaglio = str(evento.dati["valutazione_event_id"])
            if bersaglio in per_valutazione:
                per_valutazione[bersaglio] = evento.dati[voce]
    presenti = [v for v in per_valutazione.values() if v]
    return modello.model_validate(presenti[-1]) if presenti else None


def _famiglia(contenuto: Sequence[EventoCaso]) -> tuple[ComposizioneFamiglia, ...]:
    nucleo = _ultimo(contenuto, "NucleoFamiliareRegistrato")
    if nucleo is None:
        raise FlussoNonCostruibile("SINBA/Famiglia", "nucleo familiare non registrato")
    famiglia: list[ComposizioneFamiglia] = []
    for indice, membro in enumerate(nucleo.dati["membri"]):
        relazione = _chiaro(membro.get("relazione"), "SINBA/Famiglia/ComposizioneFamiglia")
        if not membro.get("convivente"):
            continue
        codice = mappature.composizione_famiglia(relazione, membro.get("sesso"), True)
        if codice is None:
            raise FlussoNonCostruibile(
                "SINBA/Famiglia/ComposizioneFamiglia",
                f"sesso del genitore non registrato (membro {indice + 1} del nucleo)",
            )
        famiglia.append(codice)
    if not famiglia:
        raise FlussoNonCostruibile("SINBA/Famiglia", "nessun convivente nel nucleo registrato")
    return tuple(famiglia)


def _segnalazione(contenuto: Sequence[EventoCaso]) -> SegnalazioneSinba | None:
    evento = _ultimo(contenuto, "SegnalazioneTribunale")
    return None if evento is None else SegnalazioneSinba(oggi(evento.occurred_at))


def _provvedimento(contenuto: Sequence[EventoCaso]) -> ProvvedimentoSinba | None:
    evento = _ultimo(contenuto, "ProvvedimentoRecepito")
    if evento is None:
        return None
    dati = evento.dati
    autorita = _chiaro(dati.get("autorita"), "SINBA/@AutoritaProvvedimento")
    tipo = _chiaro(dati.get("tipo"), "SINBA/@TipoProvvedimentoGiudiziario")
    emesso = _chiaro(dati.get("data_provvedimento"), "SINBA/@DataProvvedimentoGiudiziario")
    return ProvvedimentoSinba(
        data=_data(emesso) if emesso is not None else oggi(evento.occurred_at),
        autorita=mappature.AUTORITA.get(autorita),
        tipo=mappature.TIPO_PROVVEDIMENTO.get(tipo),
    )
