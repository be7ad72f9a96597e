"""SIUSS flows built from realistic inputs validate against INPS's official XSDs.

The XSDs are the verbatim copies in ``tests/fixtures/siuss`` (MIT, INPS-it/WaaS.Comuni), each
loaded as a schema of its own. The people are fictitious; their codici fiscali are computed
with python-codicefiscale, as the demo's are.
"""

from __future__ import annotations

import re
import typing
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal
from uuid import UUID

import pytest
from codicefiscale import codicefiscale

from services.reporting.siuss import (
    AnagraficaBeneficiario,
    Ente,
    FlussoNonCostruibile,
    FlussoNonValido,
    FlussoPs,
    FlussoSinba,
    Importi,
    MinoreSinba,
    PrestazioneSociale,
    ProvvedimentoSinba,
    ResidenzaBeneficiario,
    SchemaSiuss,
    SegnalazioneSinba,
    costruisci_ps,
    costruisci_sinba,
    decimale,
    denominazione,
    fascia_eta_sinba,
    id_flusso,
)
from services.reporting.siuss.errori import FlussoNonDovuto
from services.reporting.siuss.mappature import (
    AUTORITA,
    TIPO_PROVVEDIMENTO,
    composizione_famiglia,
    prova_mezzi,
)
from services.reporting.siuss.xml import NS
from shared import codes
from shared.events.assessment import ValutazioneSina, ValutazioneSinba
from shared.events.casework import AutoritaGiudiziaria, Relazione, TipoProvvedimento
from shared.events.personal import Erased, new_person_id

FIXTURES = Path(__file__).parents[1] / "fixtures" / "siuss"
XS = "{http://www.w3.org/2001/XMLSchema}"
C = f"{{{NS}}}"

PS = SchemaSiuss.da_xsd("PS_PSA_SINA", (FIXTURES / "PS_PSA_SINA201812.xsd").read_bytes())
SINBA = SchemaSiuss.da_xsd("SINBA", (FIXTURES / "SINBA.xsd").read_bytes())

# Gorgonzola (E094), ISTAT 015108, in Lombardia (ISTAT region 03); the operator is the demo's
# social worker Marco Ferrari.
GORGONZOLA = Ente(belfiore="E094", cf_operatore="FRRMRC79B07B292T", denominazione="Gorgonzola")
RESIDENZA = ResidenzaBeneficiario(paese=380, comune_istat="015108", regione="03")
INTERVENTO = UUID("5f0c7a4e-2b8d-4c1e-9a3f-7d6e5b4c3a21")


def _cf(cognome: str, nome: str, sesso: Literal["M", "F"], nascita: str, luogo: str) -> str:
    return str(
        codicefiscale.encode(
            lastname=cognome, firstname=nome, gender=sesso, birthdate=nascita, birthplace=luogo
        )
    )


MARIA = AnagraficaBeneficiario(
    codice_fiscale=_cf("Rossi", "Maria", "F", "14/03/1946", "Gorgonzola"),
    cognome="Rossi",
    nome="Maria",
    sesso="F",
    data_nascita=date(1946, 3, 14),
    luogo_nascita="E094",
    cittadinanza=380,
    residenza=RESIDENZA,
)
IOAN = AnagraficaBeneficiario(
    codice_fiscale=_cf("Popescu", "Ioan", "M", "02/11/1979", "Romania"),
    cognome="Popescu",
    nome="Ioan",
    sesso="M",
    data_nascita=date(1979, 11, 2),
    luogo_nascita="Z129",
    cittadinanza=642,
    seconda_cittadinanza=380,
    residenza=RESIDENZA,
)

CONTRIBUTO = PrestazioneSociale(
    codice="A1.04",
    denominazione=codes.siuss_benefits()["A1.04"],
    protocollo_domanda=INTERVENTO.hex,
    presenza_prova_mezzi="1",
    presa_in_carico=True,
    data_evento=date(2026, 1, 12),
    data_inizio=date(2026, 1, 15),
    data_fine=date(2026, 6, 30),
    carattere="1",
    area_utenza="3",
    importi=Importi(
        importo_mensile=Decimal("1E+2"),
        importo_prestazione=Decimal("6E+2"),
        quota_ente=Decimal("600.00"),
        quota_utente=Decimal("0"),
        soglia_isee=Decimal("9360.00"),
        periodo_erogazione=6,
    ),
    numero_protocollo_dsu="INPS-ISEE-2026-00012345-A",
    anno_protocollo_dsu=2026,
    data_dsu=date(2026, 1, 8),
)

SINA = ValutazioneSina(
    mobilita="2",
    attivita_vita_quotidiana="3",
    disturbi_area_cognitiva="2",
    disturbi_comportamentali="1",
    necessita_cure_sanitarie="2",
    area_reddituale="2",
    area_supporto="2",
    fonte_derivazione_valutazione="1",
    strumento_valutazione="1",
    fonte_derivazione_invalidita="1",
    necessita_interventi_sociali=["A2.07", "A2.08"],
    invalidita_civile=["2", "6"],
)
DOMICILIARE = PrestazioneSociale(
    codice="A2.07",
    denominazione=codes.siuss_benefits()["A2.07"],
    protocollo_domanda="PG-2026-0001234",
    presenza_prova_mezzi="3",
    presa_in_carico=True,
    data_evento=date(2026, 2, 2),
    data_inizio=date(2026, 2, 9),
    carattere="1",
    area_utenza="2",
    importi=Importi(
        importo_mensile=Decimal("412.80"),
        quota_ente=Decimal("371.52"),
        quota_utente=Decimal("41.28"),
        ore_servizio_mensile=Decimal("24"),
        periodo_erogazione=1,
    ),
    sina=SINA,
)

LUCA_ID = new_person_id()
SINBA_VALUTAZIONE = ValutazioneSinba(
    condizione_minore="1",
    luogo_vita="3",
    scuola_frequentata="5",
    valutazione_minore="7",
    valutazione_famiglia_minore="7",
    fonte_segnalazione="13",
    data_prima_segnalazione="10/2025",
)
LUCA = FlussoSinba(
    id_flusso=id_flusso("E094", "SINBA", date(2026, 2, 13), 1),
    ente=replace(GORGONZOLA, cf_operatore="CLMCHR82P63F205A"),
    minore=MinoreSinba(
        id_beneficiario=LUCA_ID,
        data_nascita=date(2017, 5, 21),
        paese_residenza=380,
        regione_residenza="03",
    ),
    valutazione=SINBA_VALUTAZIONE,
    prestazioni=("A2.02", "A1.14"),
    famiglia=("1", "3", "5"),
    alla_data=date(2026, 2, 10),
    segnalazione=SegnalazioneSinba(data=date(2025, 11, 4)),
    provvedimento=ProvvedimentoSinba(
        data=date(2026, 1, 20), autorita="2", tipo="5", potesta_tutela="3"
    ),
)


def _ps(prestazione: PrestazioneSociale, persona: AnagraficaBeneficiario = MARIA) -> FlussoPs:
    return FlussoPs(
        id_flusso=id_flusso("E094", "PS_PSA_SINA", date(2026, 2, 13), 7),
        ente=GORGONZOLA,
        beneficiario=persona,
        prestazione=prestazione,
    )


def _root(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)


def _one(root: ET.Element, path: str) -> ET.Element:
    found = root.find(path)
    assert found is not None, path
    return found


# Validation against the official XSDs


def test_a_benefit_without_sina_validates_against_the_ps_xsd() -> None:
    xml = costruisci_ps(_ps(CONTRIBUTO))

    assert PS.errori(xml) == []
    root = _root(xml)
    assert root.tag == f"{C}Flusso"
    assert _one(root, f"{C}IdentificazioneFlusso").get("Nome") == "E094.PS.20260213.0000007"
    ente = _one(root, f"{C}IdentificazioneFlusso/{C}Ente")
    assert (ente.get("Codice"), ente.get("Indirizzo")) == ("E094", "E094")
    assert ente.get("CFOperatore") == "FRRMRC79B07B292T"
    beneficiari = root.findall(f"{C}Beneficiario")
    assert len(beneficiari) == 1
    assert beneficiari[0].get("CodiceFiscale") == MARIA.codice_fiscale
    anagrafica = _one(beneficiari[0], f"{C}Anagrafica")
    assert anagrafica.attrib == {
        "Cognome": "Rossi",
        "Nome": "Maria",
        "AnnoNascita": "1946",
        "LuogoNascita": "E094",
        "Genere": "2",
        "CodiceCittadinanza": "380",
    }
    indirizzo = _one(beneficiari[0], f"{C}Indirizzo")
    assert indirizzo.attrib == {
        "CodiceRegione": "03",
        "CodiceComune": "015108",
        "CodiceNazione": "380",
    }
    prestazioni = beneficiari[0].findall(f"{C}PrestazioniSociali")
    assert len(prestazioni) == 1
    prestazione = prestazioni[0]
    assert prestazione.get("TipoOperazione") == "I"
    assert prestazione.get("CodicePrestazione") == "A1.04"
    assert prestazione.get("ProtocolloDomanda") == INTERVENTO.hex
    assert prestazione.get("DataInizioPrestazione") == "2026-01-15"
    assert prestazione.get("DataFinePrestazione") == "2026-06-30"
    assert prestazione.get("PresaCarico") == "1"
    assert prestazione.find(f"{C}SINA") is None


def test_a_benefit_with_sina_carries_every_assessment_item_and_validates() -> None:
    xml = costruisci_ps(_ps(DOMICILIARE))

    assert PS.errori(xml) == []
    sina = _one(_root(xml), f"{C}Beneficiario/{C}PrestazioniSociali/{C}SINA")
    assert sina.attrib == {
        "Mobilita": "2",
        "AttivitaVitaQuotidiana": "3",
        "DisturbiAreaCognitiva": "2",
        "DisturbiComportamentali": "1",
        "NecessitaCureSanitarie": "2",
        "AreaReddituale": "2",
        "AreaSupporto": "2",
        "FonteDerivazioneValutazione": "1",
        "StrumentoValutazione": "1",
        "FonteDerivazioneInvalidita": "1",
    }
    bisogni = sina.findall(f"{C}NecessitaInterventiSociali/{C}CodicePrestazione")
    assert [e.text for e in bisogni] == ["A2.07", "A2.08"]
    assert [e.text for e in sina.findall(f"{C}InvaliditaCivile/{C}InvCiv")] == ["2", "6"]


def test_a_sina_block_with_only_the_required_items_validates() -> None:
    minima = ValutazioneSina(
        mobilita="1",
        attivita_vita_quotidiana="2",
        disturbi_comportamentali="2",
        area_reddituale="3",
        area_supporto="3",
        fonte_derivazione_valutazione="4",
        strumento_valutazione="7",
    )
    xml = costruisci_ps(_ps(replace(DOMICILIARE, sina=minima)))

    assert PS.errori(xml) == []
    sina = _one(_root(xml), f"{C}Beneficiario/{C}PrestazioniSociali/{C}SINA")
    assert list(sina) == []
    assert "DisturbiAreaCognitiva" not in sina.attrib


def test_a_foreign_born_beneficiary_with_two_citizenships_validates() -> None:
    xml = costruisci_ps(_ps(replace(CONTRIBUTO, area_utenza=None), IOAN))

    assert PS.errori(xml) == []
    anagrafica = _one(_root(xml), f"{C}Beneficiario/{C}Anagrafica")
    assert anagrafica.get("LuogoNascita") == "Z129"
    assert anagrafica.get("CodiceCittadinanza") == "642"
    assert anagrafica.get("CodiceSecondaCittadinanza") == "380"
    assert anagrafica.get("Genere") == "1"


def test_a_residence_abroad_needs_no_comune_or_region() -> None:
    estero = replace(MARIA, residenza=ResidenzaBeneficiario(paese=756))
    xml = costruisci_ps(_ps(CONTRIBUTO, estero))

    assert PS.errori(xml) == []
    assert _one(_root(xml), f"{C}Beneficiario/{C}Indirizzo").attrib == {"CodiceNazione": "756"}


def test_a_sinba_minor_with_a_court_order_validates_and_names_nobody() -> None:
    xml = costruisci_sinba(LUCA)

    assert SINBA.errori(xml) == []
    root = _root(xml)
    assert _one(root, f"{C}IdentificazioneFlusso").get("Nome") == "E094.SINBA.20260213.0000001"
    record = _one(root, f"{C}SINBA")
    assert record.get("IDBeneficiario") == LUCA_ID
    assert record.get("AnnoNascita") == "2017"
    assert record.get("FasciaEtaBeneficiario") == "3"  # 8 years old on 2026-02-10
    assert record.get("SegnalazioneAutoritaGiudiziaria") == "1"
    assert record.get("DataSegnalazione") == "11/2025"
    assert record.get("ProvvedimentoGiudiziario") == "1"
    assert record.get("DataProvvedimentoGiudiziario") == "01/2026"
    assert record.get("AutoritaProvvedimento") == "2"
    assert record.get("TipoProvvedimentoGiudiziario") == "5"
    assert record.get("PotestaTutela") == "3"
    assert record.get("LuogoVita") == "3"
    assert record.get("DataPrimaSegnalazione") == "10/2025"
    codici = [e.text for e in record.findall(f"{C}Prestazioni/{C}CodicePrestazione")]
    assert codici == ["A2.02", "A1.14"]
    famiglia = [e.text for e in record.findall(f"{C}Famiglia/{C}ComposizioneFamiglia")]
    assert famiglia == ["1", "3", "5"]
    # Pseudonymous: the only codice fiscale is the operator's; no names, no birth date.
    cf = rb"[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]"
    assert re.findall(cf, xml) == [b"CLMCHR82P63F205A"]
    assert b"CodiceFiscale" not in xml
    assert b"Nome=" not in xml.replace(b"IdentificazioneFlusso Nome=", b"")
    assert b"2017-05-21" not in xml


def test_a_sinba_minor_without_court_involvement_validates() -> None:
    senza = replace(
        LUCA,
        segnalazione=None,
        provvedimento=None,
        minore=replace(LUCA.minore, disabile=True, tipo_disabilita="3", inv_civ_certificazioni="4"),
        numero_componenti_isee=4,
        fascia_isee="3",
        famiglia=("1", "2"),
    )
    xml = costruisci_sinba(senza)

    assert SINBA.errori(xml) == []
    record = _one(_root(xml), f"{C}SINBA")
    assert record.get("SegnalazioneAutoritaGiudiziaria") == "2"
    assert record.get("ProvvedimentoGiudiziario") == "2"
    assert "DataProvvedimentoGiudiziario" not in record.attrib
    assert (record.get("Disabilita"), record.get("TipoDisabilita")) == ("1", "3")


def test_each_xsd_is_its_own_schema_and_refuses_the_other_flow() -> None:
    """Same namespace, same root element: a PS flow is not a SINBA flow, nor the reverse."""
    ps = costruisci_ps(_ps(CONTRIBUTO))
    sinba = costruisci_sinba(LUCA)

    assert PS.errori(ps) == []
    assert SINBA.errori(sinba) == []
    assert SINBA.errori(ps) != []
    assert PS.errori(sinba) != []
    with pytest.raises(FlussoNonValido):
        SINBA.valida(ps)


def test_schema_errors_name_the_item_and_rule_but_never_the_value() -> None:
    xml = costruisci_ps(_ps(CONTRIBUTO))
    lungo = "PROTOCOLLO-TROPPO-LUNGO-PER-SIUSS-1234567"
    manomesso = xml.replace(INTERVENTO.hex.encode(), lungo.encode())

    errori = PS.errori(manomesso)

    assert errori == ["/Flusso/Beneficiario/PrestazioniSociali/@ProtocolloDomanda: maxLength"]
    with pytest.raises(FlussoNonValido) as refused:
        PS.valida(manomesso)
    assert lungo not in str(refused.value)


# Decimals


@pytest.mark.parametrize(
    ("valore", "atteso"),
    [
        (Decimal("1E+2"), "100"),
        (Decimal("1.5E+3"), "1500"),
        (Decimal("2.50"), "2.50"),
        (Decimal("0E-2"), "0"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("123456789012.34"), "123456789012.34"),
    ],
)
def test_decimals_print_without_exponent(valore: Decimal, atteso: str) -> None:
    """``str(Decimal("1E+2"))`` is ``1E+2``, which xs:decimal refuses."""
    assert decimale("ImportoMensile", valore) == atteso


def test_amounts_in_a_flow_print_without_exponent() -> None:
    xml = costruisci_ps(_ps(CONTRIBUTO))

    assert b"E+" not in xml
    assert b"e+" not in xml
    prestazione = _one(_root(xml), f"{C}Beneficiario/{C}PrestazioniSociali")
    assert prestazione.get("ImportoMensile") == "100"
    assert prestazione.get("ImportoPrestazione") == "600"
    assert prestazione.get("ImportoQuotaUtente") == "0"
    assert prestazione.get("ImportoSogliaISEE") == "9360.00"
    assert PS.errori(xml) == []


@pytest.mark.parametrize("valore", [Decimal("NaN"), Decimal("Infinity"), Decimal("-0.01")])
def test_non_numeric_or_negative_amounts_are_refused(valore: Decimal) -> None:
    importi = Importi(importo_mensile=valore)
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_ps(_ps(replace(CONTRIBUTO, importi=importi)))
    assert refused.value.campo == "PrestazioniSociali/@ImportoMensile"


# Ids, protocols, names: refused with a clear reason, never echoed


def test_an_overlong_beneficiary_id_is_refused() -> None:
    uuid_id = str(INTERVENTO)  # 36 characters: a hyphenated UUID does not fit
    troppo = replace(LUCA, minore=replace(LUCA.minore, id_beneficiario=uuid_id))

    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_sinba(troppo)

    assert refused.value.campo == "IDBeneficiario"
    assert refused.value.motivo == "al più 20 caratteri"
    assert uuid_id not in str(refused.value)


def test_an_overlong_protocol_is_refused_and_the_32_hex_digits_of_a_uuid_fit() -> None:
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_ps(_ps(replace(CONTRIBUTO, protocollo_domanda=str(INTERVENTO))))
    assert refused.value.campo == "ProtocolloDomanda"
    assert refused.value.motivo == "al più 32 caratteri"
    assert str(INTERVENTO) not in str(refused.value)

    assert len(INTERVENTO.hex) == 32
    assert PS.errori(costruisci_ps(_ps(CONTRIBUTO))) == []


def test_a_denomination_under_ten_characters_is_refused() -> None:
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_ps(_ps(replace(CONTRIBUTO, denominazione="Mensa")))
    assert refused.value.campo == "PrestazioniSociali/@DenominazionePrestazione"
    assert refused.value.motivo == "almeno 10 caratteri"


def test_every_code_of_the_benefit_list_gets_a_valid_denomination() -> None:
    """``Z9.99 Altro`` is shorter than the XSD's 10 characters: its code completes it."""
    corte = {c for c, etichetta in codes.siuss_benefits().items() if len(etichetta) < 10}
    assert corte == {"Z9.99"}
    with pytest.raises(FlussoNonCostruibile):
        costruisci_ps(_ps(replace(CONTRIBUTO, codice="Z9.99", denominazione="Altro")))

    for codice, etichetta in codes.siuss_benefits().items():
        nome = denominazione(codice, etichetta)
        prestazione = replace(CONTRIBUTO, codice=codice, denominazione=nome)
        assert PS.errori(costruisci_ps(_ps(prestazione))) == [], codice
        assert nome == etichetta or codice in corte
    assert denominazione("Z9.99", "Altro") == "Altro (prestazione Z9.99)"


def test_an_omocodic_codice_fiscale_is_refused_where_the_xsd_wants_digits() -> None:
    varianti = codicefiscale.decode(MARIA.codice_fiscale)["omocodes"]
    solo_controllo = varianti[1]  # letter in position 15 only: the XSD accepts it
    anno_omocodico = varianti[-1]  # letters in the year and day too: the XSD refuses it

    accettato = costruisci_ps(_ps(CONTRIBUTO, replace(MARIA, codice_fiscale=solo_controllo)))
    assert PS.errori(accettato) == []
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_ps(_ps(CONTRIBUTO, replace(MARIA, codice_fiscale=anno_omocodico)))
    assert refused.value.campo == "Beneficiario/@CodiceFiscale"
    assert anno_omocodico not in str(refused.value)


def test_a_name_longer_than_the_xsd_allows_is_cut_and_the_flow_validates() -> None:
    lungo = replace(MARIA, cognome="Della Valle Bianchi di San Giorgio Martesana")
    xml = costruisci_ps(_ps(CONTRIBUTO, lungo))

    assert PS.errori(xml) == []
    cognome = _one(_root(xml), f"{C}Beneficiario/{C}Anagrafica").get("Cognome")
    assert cognome == "Della Valle Bianchi di San Giorgio M"


def test_a_residence_in_italy_without_region_is_refused() -> None:
    senza = replace(MARIA, residenza=ResidenzaBeneficiario(paese=380, comune_istat="015108"))
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_ps(_ps(CONTRIBUTO, senza))
    assert refused.value.campo == "Indirizzo"


def test_an_erased_assessment_item_blocks_the_flow() -> None:
    cancellata = SINA.model_copy(update={"mobilita": Erased()})
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_ps(_ps(replace(DOMICILIARE, sina=cancellata)))
    assert refused.value.campo == "SINA/@Mobilita"

    valutazione = SINBA_VALUTAZIONE.model_copy(update={"luogo_vita": Erased()})
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_sinba(replace(LUCA, valutazione=valutazione))
    assert refused.value.campo == "SINBA/@LuogoVita"


def test_a_sinba_flow_needs_a_benefit_and_a_household() -> None:
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_sinba(replace(LUCA, prestazioni=()))
    assert refused.value.campo == "SINBA/Prestazioni"
    with pytest.raises(FlussoNonCostruibile) as refused:
        costruisci_sinba(replace(LUCA, famiglia=()))
    assert refused.value.campo == "SINBA/Famiglia"


# Flow ids and age bands


def test_flow_ids_follow_the_api_shape_and_fit_the_xsd_name() -> None:
    forma = re.compile(r"^[A-Z]\d{3}\.(PS|SINBA)\.\d{8}\.\d{7}$")
    ps = id_flusso("E094", "PS_PSA_SINA", date(2026, 12, 31), 9_999_999)
    sinba = id_flusso("B292", "SINBA", date(2026, 1, 1), 1)

    assert ps == "E094.PS.20261231.9999999"
    assert sinba == "B292.SINBA.20260101.0000001"
    assert forma.match(ps)
    assert forma.match(sinba)
    assert len(sinba) <= 50
    with pytest.raises(FlussoNonCostruibile):
        id_flusso("E094", "PS_PSA_SINA", date(2026, 1, 1), 10_000_000)


@pytest.mark.parametrize(
    ("nascita", "fascia"),
    [
        (date(2026, 2, 10), "1"),
        (date(2023, 2, 11), "1"),  # 2 years, 364 days
        (date(2023, 2, 10), "2"),  # 3 today
        (date(2020, 2, 10), "3"),
        (date(2017, 2, 10), "4"),
        (date(2014, 2, 10), "5"),
        (date(2011, 2, 10), "6"),
        (date(2008, 2, 11), "6"),  # 17 until tomorrow
    ],
)
def test_age_bands_are_completed_years_at_the_flow_date(nascita: date, fascia: str) -> None:
    assert fascia_eta_sinba(nascita, date(2026, 2, 10)) == fascia


def test_an_adult_has_no_sinba_age_band() -> None:
    with pytest.raises(FlussoNonCostruibile) as refused:
        fascia_eta_sinba(date(2008, 2, 10), date(2026, 2, 10))
    # no longer due (nothing for a coordinator to fix), rather than blocked
    assert isinstance(refused.value, FlussoNonDovuto)
    assert refused.value.motivo == "il beneficiario non è più minorenne"


# Cancellation


def test_a_cancellation_flow_validates_and_drops_the_sina_block() -> None:
    annullamento = replace(_ps(DOMICILIARE), operazione="C")
    xml = costruisci_ps(annullamento)

    assert PS.errori(xml) == []
    prestazione = _one(_root(xml), f"{C}Beneficiario/{C}PrestazioniSociali")
    assert prestazione.get("TipoOperazione") == "C"
    assert prestazione.get("ProtocolloDomanda") == DOMICILIARE.protocollo_domanda
    assert prestazione.find(f"{C}SINA") is None


def test_only_the_ps_xsd_provides_a_cancellation() -> None:
    """SINBA has no operation type, so the builders offer no SINBA cancellation."""

    def attributes(filename: str, complex_type: str) -> set[str]:
        root = ET.parse(FIXTURES / filename).getroot()
        block = root.find(f"{XS}complexType[@name='{complex_type}']")
        assert block is not None
        return {str(a.get("name")) for a in block.iter(f"{XS}attribute")}

    assert "TipoOperazione" in attributes("PS_PSA_SINA201812.xsd", "PrestazioniSocialiType")
    ps_root = ET.parse(FIXTURES / "PS_PSA_SINA201812.xsd").getroot()
    tipo = ps_root.find(f"{XS}simpleType[@name='TipoOperazioneType']")
    assert tipo is not None
    assert {e.get("value") for e in tipo.iter(f"{XS}enumeration")} == {"I", "C"}
    assert not any("Operazione" in a for a in attributes("SINBA.xsd", "SinbaType"))
    assert not hasattr(FlussoSinba, "operazione")


# Mappings from the catalogue


def test_every_court_authority_and_order_type_of_the_catalogue_is_mapped() -> None:
    assert set(AUTORITA) == set(typing.get_args(AutoritaGiudiziaria))
    assert set(TIPO_PROVVEDIMENTO) == set(typing.get_args(TipoProvvedimento))
    assert AUTORITA["tribunale_minorenni"] == "2"
    assert TIPO_PROVVEDIMENTO["affidamento_servizio_sociale"] == "5"


def test_household_members_map_to_sinba_codes_only_when_certain() -> None:
    assert set(typing.get_args(Relazione)) >= {"genitore", "fratello_sorella", "nonno_nonna"}
    assert composizione_famiglia("genitore", "F", True) == "1"
    assert composizione_famiglia("genitore", "M", True) == "2"
    assert composizione_famiglia("genitore", None, True) is None
    assert composizione_famiglia("fratello_sorella", None, True) == "3"
    assert composizione_famiglia("nonno_nonna", "F", True) == "4"
    assert composizione_famiglia("altro_parente", None, True) == "6"
    assert composizione_famiglia("genitore", "F", False) is None
    assert (prova_mezzi(True), prova_mezzi(False)) == ("1", "4")
