"""The inputs of a flow: plain values, already decrypted and already mapped to SIUSS codes.

The caller builds them from the events at request time (see decision 0025) and drops them
with the XML once the response is sent. Codes are the XSDs' own strings; the SINA and SINBA
assessment items are the catalogue's ``ValutazioneSina`` and ``ValutazioneSinba`` as they
read back from the ledger (an ``Erased`` item blocks the flow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from shared.events.assessment import ValutazioneSina, ValutazioneSinba
from shared.events.profile import Sesso

PresenzaProvaMezzi = Literal["1", "2", "3", "4"]
"""1 soggetta a ISEE; 2 prova dei mezzi non ISEE; 3 soggetta a ISEE ma esentato;
4 non soggetta a prova dei mezzi."""
CaratterePrestazione = Literal["1", "2"]
"""1 periodica; 2 occasionale (unica soluzione)."""
AreaUtenzaSiuss = Literal["1", "2", "3"]
"""1 famiglia e minori; 2 disabilità e non autosufficienza; 3 povertà ed esclusione."""
TipoOperazione = Literal["I", "C"]
"""I inserimento; C cancellazione (PS flow only: SINBA.xsd has no such item)."""
ComposizioneFamiglia = Literal["1", "2", "3", "4", "5", "6"]
"""1 madre; 2 padre; 3 fratelli/sorelle; 4 nonno/a; 5 compagno/a di un genitore; 6 altri."""
CondizioneLavoro = Literal["1", "2", "3", "4"]
TipoDisabilita = Literal["1", "2", "3", "4"]
InvCivCertificazioni = Literal["1", "2", "3", "4", "5"]
AutoritaProvvedimento = Literal["1", "2", "3", "4"]
"""1 giudice tutelare; 2 tribunale per i minorenni; 3 procura per i minorenni;
4 tribunale ordinario."""
PotestaTutela = Literal["1", "2", "3", "4", "5"]
TipoProvvedimentoGiudiziario = Literal["1", "2", "3", "4", "5", "6", "7", "8"]
MotivazioneChiusuraCarico = Literal["1", "2", "3", "4", "5", "6", "7", "8", "9"]
SituazioneChiusuraCarico = Literal["1", "2", "3", "4", "5", "6", "7", "8"]
FasciaIsee = Literal["1", "2", "3", "4", "5", "6", "7", "8"]


@dataclass(frozen=True)
class Ente:
    """Who sends the flow: the comune (its Belfiore code is both ``Codice`` and the
    ``Indirizzo`` of its seat, as in INPS's examples) and the operator, named by their
    codice fiscale: the user who recorded the act, from the identity store."""

    belfiore: str
    cf_operatore: str
    denominazione: str | None = None


@dataclass(frozen=True)
class ResidenzaBeneficiario:
    """``Indirizzo``: the country (ISO numeric), and in Italy the comune's ISTAT code and its
    region's two-digit ISTAT code (both required by SIUSS when the country is Italy)."""

    paese: int
    comune_istat: str | None = None
    regione: str | None = None


@dataclass(frozen=True)
class AnagraficaBeneficiario:
    """The beneficiary of a PS flow, in clear: decrypted for the response, never stored."""

    codice_fiscale: str
    cognome: str
    nome: str
    sesso: Sesso
    data_nascita: date
    luogo_nascita: str
    """Belfiore code of the comune of birth, or the Z code of a foreign country."""
    cittadinanza: int
    residenza: ResidenzaBeneficiario
    seconda_cittadinanza: int | None = None


@dataclass(frozen=True)
class Importi:
    """The amounts of a benefit (``xs:decimal``, euro; hours for ``ore_servizio_mensile``).
    Decimals, never floats: they print as written, never as ``1E+2``."""

    importo_prestazione: Decimal | None = None
    importo_mensile: Decimal | None = None
    quota_ente: Decimal | None = None
    quota_utente: Decimal | None = None
    quota_ssn: Decimal | None = None
    quota_richiesta: Decimal | None = None
    soglia_isee: Decimal | None = None
    ore_servizio_mensile: Decimal | None = None
    periodo_erogazione: int | None = None
    """Months the amount covers (1 to 12)."""


@dataclass(frozen=True)
class PrestazioneSociale:
    """One benefit (an intervention with a SIUSS code), and its SINA block when the person
    has a disability assessment."""

    codice: str
    denominazione: str
    """At least 10 characters: the code list's label, or the intervention's own name."""
    protocollo_domanda: str
    presenza_prova_mezzi: PresenzaProvaMezzi
    presa_in_carico: bool
    data_evento: date | None = None
    data_inizio: date | None = None
    data_fine: date | None = None
    data_erogazione: date | None = None
    carattere: CaratterePrestazione | None = None
    area_utenza: AreaUtenzaSiuss | None = None
    importi: Importi = field(default_factory=Importi)
    numero_protocollo_dsu: str | None = None
    anno_protocollo_dsu: int | None = None
    data_dsu: date | None = None
    sina: ValutazioneSina | None = None


@dataclass(frozen=True)
class FlussoPs:
    """A PS-PSA-SINA flow: one beneficiary, one benefit (cooperation allows no more)."""

    id_flusso: str
    ente: Ente
    beneficiario: AnagraficaBeneficiario
    prestazione: PrestazioneSociale
    operazione: TipoOperazione = "I"


@dataclass(frozen=True)
class MinoreSinba:
    """The minor, pseudonymously: no name, no codice fiscale, only the person id."""

    id_beneficiario: str
    data_nascita: date
    """Gives ``AnnoNascita`` and, at ``FlussoSinba.alla_data``, ``FasciaEtaBeneficiario``."""
    paese_residenza: int
    regione_residenza: str | None = None
    straniero_non_accompagnato: bool = False
    condizione_lavoro: CondizioneLavoro = "1"
    disabile: bool = False
    tipo_disabilita: TipoDisabilita | None = None
    inv_civ_certificazioni: InvCivCertificazioni | None = None


@dataclass(frozen=True)
class SegnalazioneSinba:
    """A report to a judicial authority about the minor (the month is all SINBA keeps)."""

    data: date


@dataclass(frozen=True)
class ProvvedimentoSinba:
    """A court order about the minor."""

    data: date | None
    autorita: AutoritaProvvedimento | None = None
    tipo: TipoProvvedimentoGiudiziario | None = None
    potesta_tutela: PotestaTutela | None = None


@dataclass(frozen=True)
class FlussoSinba:
    """A SINBA flow: one minor taken in charge, their benefits and household, and the
    court-related items."""

    id_flusso: str
    ente: Ente
    minore: MinoreSinba
    valutazione: ValutazioneSinba
    prestazioni: tuple[str, ...]
    """SIUSS codes of the minor's benefits: at least one."""
    famiglia: tuple[ComposizioneFamiglia, ...]
    """Who the minor lives with: at least one."""
    alla_data: date
    """The date of the event the flow reports (ages are computed at it)."""
    segnalazione: SegnalazioneSinba | None = None
    provvedimento: ProvvedimentoSinba | None = None
    motivazione_chiusura: MotivazioneChiusuraCarico | None = None
    situazione_chiusura: SituazioneChiusuraCarico | None = None
    numero_componenti_isee: int | None = None
    fascia_isee: FasciaIsee | None = None
