"""The SINBA flow (``SINBA.xsd``): one minor taken in charge, pseudonymously.

SINBA carries no name and no codice fiscale: the minor is the person id (``IDBeneficiario``,
at most 20 characters), born in a year, in an age band. The XSD has no operation type, so
there is no SINBA cancellation flow: a newer flow for the same ``IDBeneficiario`` restates
the record.
"""

from __future__ import annotations

from lxml import etree

from services.reporting.siuss import formato
from services.reporting.siuss.errori import FlussoNonCostruibile
from services.reporting.siuss.modello import FlussoSinba
from services.reporting.siuss.xml import attributi, cancellato, q, radice, serializza
from shared.events.assessment import SINBA_XSD
from shared.events.personal import Erased

ITALIA = 380


def _si_no(valore: bool) -> str:
    return "1" if valore else "2"


def costruisci_sinba(flusso: FlussoSinba) -> bytes:
    """The flow as UTF-8 XML bytes, or ``FlussoNonCostruibile`` naming the first item that
    cannot be written."""
    minore = flusso.minore
    if not flusso.prestazioni:
        raise FlussoNonCostruibile("SINBA/Prestazioni", "nessuna prestazione con codice SIUSS")
    if not flusso.famiglia:
        raise FlussoNonCostruibile("SINBA/Famiglia", "composizione del nucleo non registrata")
    if not minore.disabile and (minore.tipo_disabilita or minore.inv_civ_certificazioni):
        raise FlussoNonCostruibile("SINBA/@TipoDisabilita", "indicato per un minore non disabile")

    valutazione: dict[str, str] = {}
    for campo, voce in SINBA_XSD.items():
        valore = getattr(flusso.valutazione, campo)
        if isinstance(valore, Erased):
            raise cancellato(f"SINBA/{voce}")
        valutazione[voce[1:]] = str(valore)

    regione: str | None = None
    if minore.regione_residenza is not None:
        regione = formato.regione("SINBA/@CodiceRegioneResidenza", minore.regione_residenza)
    elif minore.paese_residenza == ITALIA:
        raise FlussoNonCostruibile(
            "SINBA/@CodiceRegioneResidenza", "residenza in Italia senza regione"
        )

    segnalazione = flusso.segnalazione
    provvedimento = flusso.provvedimento
    componenti = flusso.numero_componenti_isee
    if componenti is not None and not 1 <= componenti <= 9:
        raise FlussoNonCostruibile("SINBA/@NumeroComponentiISEE", "componenti fuori da 1-9")

    radice_xml = radice(flusso.id_flusso, flusso.ente)
    elemento = etree.SubElement(radice_xml, q("SINBA"))
    attributi(
        elemento,
        {
            "IDBeneficiario": formato.id_beneficiario(minore.id_beneficiario),
            "MinoreStranieroNoAcc": _si_no(minore.straniero_non_accompagnato),
            "CondizioneMinore": valutazione["CondizioneMinore"],
            "LuogoVita": valutazione["LuogoVita"],
            "ScuolaFrequentata": valutazione["ScuolaFrequentata"],
            "CondizioneLavoro": minore.condizione_lavoro,
            "Disabilita": _si_no(minore.disabile),
            "TipoDisabilita": minore.tipo_disabilita,
            "InvCivCertificazioni": minore.inv_civ_certificazioni,
            "DataPrimaSegnalazione": valutazione["DataPrimaSegnalazione"],
            "FonteSegnalazione": valutazione["FonteSegnalazione"],
            "ValutazioneMinore": valutazione["ValutazioneMinore"],
            "ValutazioneFamigliaMinore": valutazione["ValutazioneFamigliaMinore"],
            "SegnalazioneAutoritaGiudiziaria": _si_no(segnalazione is not None),
            "DataSegnalazione": None
            if segnalazione is None
            else formato.mese_anno(segnalazione.data),
            "ProvvedimentoGiudiziario": _si_no(provvedimento is not None),
            "DataProvvedimentoGiudiziario": None
            if provvedimento is None or provvedimento.data is None
            else formato.mese_anno(provvedimento.data),
            "AutoritaProvvedimento": None if provvedimento is None else provvedimento.autorita,
            "PotestaTutela": None if provvedimento is None else provvedimento.potesta_tutela,
            "TipoProvvedimentoGiudiziario": None if provvedimento is None else provvedimento.tipo,
            "MotivazioneChiusuraCarico": flusso.motivazione_chiusura,
            "SituazioneChiusuraCarico": flusso.situazione_chiusura,
            "NumeroComponentiISEE": None if componenti is None else str(componenti),
            "FasciaEtaBeneficiario": formato.fascia_eta_sinba(
                minore.data_nascita, flusso.alla_data
            ),
            "FasciaISEEBeneficiario": flusso.fascia_isee,
            "AnnoNascita": formato.anno("SINBA/@AnnoNascita", minore.data_nascita),
            "CodiceRegioneResidenza": regione,
            "CodiceNazioneResidenza": formato.codice_paese(
                "SINBA/@CodiceNazioneResidenza", minore.paese_residenza
            ),
        },
    )
    prestazioni = etree.SubElement(elemento, q("Prestazioni"))
    for codice in dict.fromkeys(flusso.prestazioni):
        etree.SubElement(prestazioni, q("CodicePrestazione")).text = formato.stringa(
            "SINBA/Prestazioni/CodicePrestazione", codice, minimo=5, massimo=10
        )
    famiglia = etree.SubElement(elemento, q("Famiglia"))
    for componente in dict.fromkeys(flusso.famiglia):
        etree.SubElement(famiglia, q("ComposizioneFamiglia")).text = componente
    return serializza(radice_xml)
