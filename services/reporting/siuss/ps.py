"""The PS-PSA-SINA flow (``PS_PSA_SINA201812.xsd``): one beneficiary, one benefit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from services.reporting.siuss import formato
from services.reporting.siuss.errori import FlussoNonCostruibile
from services.reporting.siuss.modello import (
    AnagraficaBeneficiario,
    FlussoPs,
    Importi,
    PrestazioneSociale,
)
from services.reporting.siuss.xml import attributi, cancellato, q, radice, serializza
from shared.events.assessment import SINA_XSD, ValutazioneSina
from shared.events.personal import Erased

ITALIA = 380


def costruisci_ps(flusso: FlussoPs) -> bytes:
    """The flow as UTF-8 XML bytes. ``FlussoNonCostruibile`` names the first item that
    cannot be written; the caller lists the flow as blocked with that reason. A cancellation
    (``operazione="C"``) restates the benefit it cancels, without the SINA block."""
    radice_xml = radice(flusso.id_flusso, flusso.ente)
    beneficiario = etree.SubElement(radice_xml, q("Beneficiario"))
    _anagrafica(beneficiario, flusso.beneficiario)
    _prestazione(beneficiario, flusso.prestazione, flusso.operazione)
    return serializza(radice_xml)


def _anagrafica(beneficiario: etree._Element, persona: AnagraficaBeneficiario) -> None:
    beneficiario.set(
        "CodiceFiscale",
        formato.codice_fiscale("Beneficiario/@CodiceFiscale", persona.codice_fiscale),
    )
    seconda = persona.seconda_cittadinanza
    attributi(
        etree.SubElement(beneficiario, q("Anagrafica")),
        {
            "Cognome": formato.nome_persona("Anagrafica/@Cognome", persona.cognome),
            "Nome": formato.nome_persona("Anagrafica/@Nome", persona.nome),
            "AnnoNascita": formato.anno("Anagrafica/@AnnoNascita", persona.data_nascita),
            "LuogoNascita": formato.belfiore("Anagrafica/@LuogoNascita", persona.luogo_nascita),
            "Genere": formato.genere(persona.sesso),
            "CodiceCittadinanza": formato.codice_paese(
                "Anagrafica/@CodiceCittadinanza", persona.cittadinanza
            ),
            "CodiceSecondaCittadinanza": None
            if seconda is None
            else formato.codice_paese("Anagrafica/@CodiceSecondaCittadinanza", seconda),
        },
    )
    residenza = persona.residenza
    regione = comune = None
    if residenza.paese == ITALIA:
        # Optional in the XSD, required by SIUSS for a residence in Italy.
        if residenza.regione is None or residenza.comune_istat is None:
            raise FlussoNonCostruibile(
                "Indirizzo", "residenza in Italia senza comune o regione di residenza"
            )
        regione = formato.regione("Indirizzo/@CodiceRegione", residenza.regione)
        comune = formato.istat_comune("Indirizzo/@CodiceComune", residenza.comune_istat)
    attributi(
        etree.SubElement(beneficiario, q("Indirizzo")),
        {
            "CodiceRegione": regione,
            "CodiceComune": comune,
            "CodiceNazione": formato.codice_paese("Indirizzo/@CodiceNazione", residenza.paese),
        },
    )


def _data(valore: date | None) -> str | None:
    return None if valore is None else formato.data_xsd(valore)


def _prestazione(
    beneficiario: etree._Element, prestazione: PrestazioneSociale, operazione: str
) -> None:
    if (
        prestazione.data_inizio
        and prestazione.data_fine
        and (prestazione.data_fine < prestazione.data_inizio)
    ):
        raise FlussoNonCostruibile("DataFinePrestazione", "precede la data di inizio")
    importi = _importi(prestazione.importi)
    dsu_anno = prestazione.anno_protocollo_dsu
    elemento = etree.SubElement(beneficiario, q("PrestazioniSociali"))
    attributi(
        elemento,
        {
            "TipoOperazione": operazione,
            "PresenzaProvaMezzi": prestazione.presenza_prova_mezzi,
            "CaratterePrestazione": prestazione.carattere,
            "NumeroProtocolloDSU": None
            if prestazione.numero_protocollo_dsu is None
            else formato.stringa(
                "PrestazioniSociali/@NumeroProtocolloDSU",
                prestazione.numero_protocollo_dsu,
                massimo=30,
            ),
            "AnnoProtocolloDSU": None if dsu_anno is None else f"{dsu_anno:04d}",
            "DataDSU": _data(prestazione.data_dsu),
            "CodicePrestazione": formato.stringa(
                "PrestazioniSociali/@CodicePrestazione", prestazione.codice, minimo=5, massimo=10
            ),
            "DenominazionePrestazione": formato.stringa(
                "PrestazioniSociali/@DenominazionePrestazione",
                prestazione.denominazione,
                minimo=10,
                massimo=200,
            ),
            "ProtocolloDomanda": formato.protocollo(prestazione.protocollo_domanda),
            "DataEvento": _data(prestazione.data_evento),
            "DataInizioPrestazione": _data(prestazione.data_inizio),
            "DataFinePrestazione": _data(prestazione.data_fine),
            "DataErogazionePrestazione": _data(prestazione.data_erogazione),
            **importi,
            "PresaCarico": "1" if prestazione.presa_in_carico else "2",
            "AreaUtenza": prestazione.area_utenza,
        },
    )
    if prestazione.sina is not None and operazione == "I":
        _sina(elemento, prestazione.sina)


def _importi(importi: Importi) -> dict[str, str | None]:
    def dec(campo: str, valore: Decimal | None) -> str | None:
        if valore is None:
            return None
        if not isinstance(valore, Decimal):
            raise FlussoNonCostruibile(f"PrestazioniSociali/@{campo}", "importo non decimale")
        return formato.decimale(f"PrestazioniSociali/@{campo}", valore)

    periodo = importi.periodo_erogazione
    if periodo is not None and not 1 <= periodo <= 12:
        raise FlussoNonCostruibile("PrestazioniSociali/@PeriodoErogazione", "mesi fuori da 1-12")
    return {
        "ImportoPrestazione": dec("ImportoPrestazione", importi.importo_prestazione),
        "PeriodoErogazione": None if periodo is None else str(periodo),
        "ImportoMensile": dec("ImportoMensile", importi.importo_mensile),
        "ImportoQuotaEnte": dec("ImportoQuotaEnte", importi.quota_ente),
        "ImportoQuotaUtente": dec("ImportoQuotaUtente", importi.quota_utente),
        "ImportoQuotaSSN": dec("ImportoQuotaSSN", importi.quota_ssn),
        "ImportoQuotaRichiesta": dec("ImportoQuotaRichiesta", importi.quota_richiesta),
        "ImportoSogliaISEE": dec("ImportoSogliaISEE", importi.soglia_isee),
        "OreServizioMensile": dec("OreServizioMensile", importi.ore_servizio_mensile),
    }


def _sina(prestazione: etree._Element, sina: ValutazioneSina) -> None:
    """The SINA block: every item of ``ValutazioneSina`` where ``SINA_XSD`` puts it."""
    elemento = etree.SubElement(prestazione, q("SINA"))
    figli: dict[str, list[str]] = {}
    for campo, voce in SINA_XSD.items():
        valore = getattr(sina, campo)
        if isinstance(valore, Erased):
            raise cancellato(f"SINA/{voce}")
        if valore is None:
            continue
        if voce.startswith("@"):
            elemento.set(voce[1:], str(valore))
        else:
            figli[voce] = [str(v) for v in valore]
    # XSD sequence order: NecessitaInterventiSociali, then InvaliditaCivile.
    for voce in ("NecessitaInterventiSociali/CodicePrestazione", "InvaliditaCivile/InvCiv"):
        if voce in figli:
            genitore, figlio = voce.split("/")
            contenitore = etree.SubElement(elemento, q(genitore))
            for codice in figli[voce]:
                etree.SubElement(contenitore, q(figlio)).text = codice
