"""How values are written in a SIUSS flow, and the checks that the XSDs make on them.

Each check raises ``FlussoNonCostruibile`` naming the item, before any XML exists, so that a
flow that cannot be built is listed as blocked with a reason instead of failing at INPS.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from services.reporting.siuss.errori import FlussoNonCostruibile, FlussoNonDovuto
from shared.events import testo

TipoFlusso = Literal["PS_PSA_SINA", "SINBA"]
"""The API's ``TipoFlusso`` (and ``FlussoSiussEmesso.tipo``)."""

SIGLA_ID: Final[dict[TipoFlusso, str]] = {"PS_PSA_SINA": "PS", "SINBA": "SINBA"}
"""The TIPO part of ``id_flusso`` ('EEEEE.TIPO.AAAAMMGG.NNNNNNN': SINBA or PS)."""

MAX_ID_BENEFICIARIO: Final = 20
MAX_PROTOCOLLO: Final = 32
MAX_NOME_FLUSSO: Final = 50
"""``IdentificazioneFlusso/@Nome`` (the flow's id) is at most 50 characters in both XSDs."""
MAX_PROGRESSIVO: Final = 9_999_999
"""NNNNNNN of ``id_flusso``: a daily sequence of seven digits."""

_CF_XSD: Final = re.compile(
    r"([A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z][A-Za-z0-9]{3}[A-Za-z])"
    r"|(\d{11} {0,5})"
)
"""``CodiceFiscale`` and ``CFOperatore`` of both XSDs, verbatim. Positions 7-8 and 10-11 must
be digits: a codice fiscale with omocodia there (letters in place of those digits) is
refused by SIUSS, and decoding it would name someone else."""
_BELFIORE: Final = re.compile(r"[A-Z]\d{3}")
_ISTAT_COMUNE: Final = re.compile(r"\d{6}")
_REGIONE: Final = re.compile(r"\d{2}")


def decimale(campo: str, valore: Decimal) -> str:
    """An ``xs:decimal`` in plain notation: ``Decimal("1E+2")`` prints ``100``, never
    ``1E+2`` (which ``str`` gives and the XSD refuses). Amounts are never negative."""
    if not valore.is_finite():
        raise FlussoNonCostruibile(campo, "importo non numerico")
    if valore < 0:
        raise FlussoNonCostruibile(campo, "importo negativo")
    testo = format(valore, "f")
    return "0" if valore.is_zero() else testo


def data_xsd(valore: date) -> str:
    """An ``xs:date`` (no time zone: a calendar date in Europe/Rome, computed by the caller)."""
    return valore.isoformat()


def mese_anno(valore: date) -> str:
    """SINBA's ``DataMeseAnnoType``, ``MM/AAAA``, years 1900-2099 only."""
    if not 1900 <= valore.year <= 2099:
        raise FlussoNonCostruibile("DataMeseAnno", "anno fuori dall'intervallo 1900-2099")
    return f"{valore.month:02d}/{valore.year:04d}"


def anno(campo: str, valore: date) -> str:
    if not 1000 <= valore.year <= 9999:
        raise FlussoNonCostruibile(campo, "anno non di quattro cifre")
    return f"{valore.year:04d}"


def genere(sesso: Literal["M", "F"]) -> Literal["1", "2"]:
    """``GenereType``: 1 maschio, 2 femmina (the project's ``Sesso``)."""
    return "1" if sesso == "M" else "2"


def codice_paese(campo: str, valore: int) -> str:
    """ISO 3166-1 numeric, three digits (Italy 380; Austria 040)."""
    if not 1 <= valore <= 999:
        raise FlussoNonCostruibile(campo, "codice paese non di tre cifre (ISO 3166-1 numerico)")
    return f"{valore:03d}"


def codice_fiscale(campo: str, valore: str) -> str:
    testo = valore.strip().upper()
    if not _CF_XSD.fullmatch(testo):
        raise FlussoNonCostruibile(
            campo,
            "codice fiscale non accettato dallo schema SIUSS (16 caratteri senza omocodia "
            "nelle cifre di anno e giorno, o 11 cifre)",
        )
    return testo


def belfiore(campo: str, valore: str) -> str:
    """A Belfiore (cadastral) code, or a foreign country's Z code: four characters."""
    if not _BELFIORE.fullmatch(valore):
        raise FlussoNonCostruibile(campo, "codice catastale non valido (es. E094, Z404)")
    return valore


def istat_comune(campo: str, valore: str) -> str:
    if not _ISTAT_COMUNE.fullmatch(valore):
        raise FlussoNonCostruibile(campo, "codice ISTAT del comune non di sei cifre")
    return valore


def regione(campo: str, valore: str) -> str:
    if not _REGIONE.fullmatch(valore):
        raise FlussoNonCostruibile(campo, "codice ISTAT della regione non di due cifre")
    return valore


def stringa(campo: str, valore: str, *, minimo: int = 1, massimo: int) -> str:
    """A string item within the XSD's lengths; too long or too short is refused, never cut
    (a cut protocol or id would name another record at INPS)."""
    pulito = " ".join(valore.split())
    _caratteri(campo, pulito)
    if len(pulito) < minimo:
        raise FlussoNonCostruibile(campo, f"almeno {minimo} caratteri")
    if len(pulito) > massimo:
        raise FlussoNonCostruibile(campo, f"al più {massimo} caratteri")
    return pulito


def _caratteri(campo: str, valore: str) -> None:
    """A text stored before the edge refused control characters (decision 0033): lxml would
    raise on it and fail the whole feed; the flow is blocked instead, naming the item."""
    if not testo.ammesso(valore):
        raise FlussoNonCostruibile(campo, "carattere non ammesso in XML (da correggere)")


MIN_DENOMINAZIONE: Final = 10


def denominazione(codice: str, etichetta: str) -> str:
    """``DenominazionePrestazione`` (10 to 200 characters) from the code list's label. A label
    shorter than 10 characters (``Z9.99 Altro``) gets its code appended, so that every code
    of the list can be sent; the intervention's free-text description is personal and is
    never used."""
    pulita = " ".join(etichetta.split())
    if len(pulita) < MIN_DENOMINAZIONE:
        pulita = f"{pulita} (prestazione {codice})"
    return pulita[:200].rstrip()


def nome_persona(campo: str, valore: str) -> str:
    """``Cognome`` and ``Nome`` (1 to 36 characters). A longer name is cut to 36: the person
    is identified by the codice fiscale, and refusing would block them for good."""
    pulito = " ".join(valore.split())
    if not pulito:
        raise FlussoNonCostruibile(campo, "mancante")
    _caratteri(campo, pulito)
    return pulito[:36].rstrip()


def id_beneficiario(valore: str) -> str:
    """SINBA's pseudonymous ``IDBeneficiario``: 1 to 20 characters (the person id fits; a
    hyphenated UUID does not)."""
    return stringa("IDBeneficiario", valore, massimo=MAX_ID_BENEFICIARIO)


def protocollo(valore: str) -> str:
    """``ProtocolloDomanda``: 1 to 32 characters (an intervention id's 32 hex digits fit;
    its hyphenated form does not)."""
    return stringa("ProtocolloDomanda", valore, massimo=MAX_PROTOCOLLO)


def id_flusso(codice_ente: str, tipo: TipoFlusso, giorno: date, progressivo: int) -> str:
    """The flow's id as the API specifies: ``EEEEE.TIPO.AAAAMMGG.NNNNNNN`` (e.g.
    ``E094.PS.20260213.0000001``); it is also ``IdentificazioneFlusso/@Nome``. The
    progressive is per comune, type and day, and recorded with ``FlussoSiussEmesso`` so that
    a rebuild never renumbers a flow INPS already has."""
    belfiore("codice_ente", codice_ente)
    if not 1 <= progressivo <= MAX_PROGRESSIVO:
        raise FlussoNonCostruibile("id_flusso", "progressivo giornaliero fuori da 1-9999999")
    valore = f"{codice_ente}.{SIGLA_ID[tipo]}.{giorno:%Y%m%d}.{progressivo:07d}"
    assert len(valore) <= MAX_NOME_FLUSSO
    return valore


FasciaEtaSinba = Literal["1", "2", "3", "4", "5", "6"]


def eta(nascita: date, alla_data: date) -> int:
    """Completed years at a date."""
    compiuti = alla_data.year - nascita.year
    if (alla_data.month, alla_data.day) < (nascita.month, nascita.day):
        compiuti -= 1
    return compiuti


def fascia_eta_sinba(nascita: date, alla_data: date) -> FasciaEtaSinba:
    """``FasciaEtaBeneficiarioType`` (0-3, 3-6, ..., 15-18 anni): read as completed years in
    [0, 3), [3, 6), ... [15, 18), the XSD's bounds overlapping. ``alla_data`` is the date of
    the event the flow reports, so that a flow built again is the same flow."""
    anni = eta(nascita, alla_data)
    if anni < 0:
        raise FlussoNonCostruibile("FasciaEtaBeneficiario", "data di nascita successiva al flusso")
    if anni >= 18:
        raise FlussoNonDovuto("FasciaEtaBeneficiario", "il beneficiario non è più minorenne")
    fasce: tuple[FasciaEtaSinba, ...] = ("1", "2", "3", "4", "5", "6")
    return fasce[anni // 3]
