"""What a codice fiscale says about a person, and whether the rest of their data agrees.

A codice fiscale is not an identity by itself (design section 12): people mistype it and
homonyms share most of it. These pure checks are what the edge refuses (422, naming the
field) before a codice fiscale is allowed to link anyone: the surname and name codes, the
birthplace's cadastral (Belfiore) code or the country's Z code, valid at the birth date
(a comune suppressed before it, or created after it, did not exist to be born in). Omocodia
(digits of the code replaced by letters to tell homonyms apart) is decoded first.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from codicefiscale import codicefiscale
from codicefiscale.data import get_countries_data, get_municipalities_data

from shared.errors import Conflict
from shared.events.identita import EsitoAttribuzione
from shared.persons.blind_index import normalise_name

CAMPI_IDENTIFICATIVI: tuple[str, ...] = (
    "nome",
    "cognome",
    "data_nascita",
    "sesso",
    "luogo_nascita",
)
"""The fields that must agree before a returning codice fiscale links to a known person."""

_OMOCODIA = str.maketrans("LMNPQRSTUV", "0123456789")


@cache
def _periodi() -> dict[str, tuple[tuple[date, date], ...]]:
    """Every period of validity of every cadastral code of a comune (suppressed and merged
    comuni included) and of every country's Z code, from python-codicefiscale's registers."""
    periodi: dict[str, list[tuple[date, date]]] = {}
    for voce in [*get_municipalities_data(), *get_countries_data()]:
        inizio = _data(voce.get("date_created")) or date.min
        fine = _data(voce.get("date_deleted")) or date.max
        periodi.setdefault(str(voce["code"]).upper(), []).append((inizio, fine))
    return {codice: tuple(p) for codice, p in periodi.items()}


def _data(valore: Any) -> date | None:
    """The day of a register's date (some carry a malformed time: only the day counts);
    an unreadable one bounds nothing."""
    try:
        return date.fromisoformat(str(valore)[:10]) if valore else None
    except ValueError:
        return None


def luogo_conosciuto(belfiore: str) -> bool:
    """Whether the code is a comune's cadastral code or a country's Z code, of any time."""
    return belfiore.upper() in _periodi()


def luogo_valido_il(belfiore: str, nascita: date) -> bool:
    """Whether the comune (or country) of that code existed on that day."""
    return any(inizio <= nascita <= fine for inizio, fine in _periodi().get(belfiore.upper(), ()))


def luogo_del_codice(codice_fiscale: str) -> str:
    """The birthplace code inside a codice fiscale, omocodia decoded (``E0V4`` → ``E094``)."""
    grezzo = codicefiscale.decode_raw(codice_fiscale.strip().upper())["birthplace"]
    return grezzo[0] + grezzo[1:].translate(_OMOCODIA)


def nascita_del_codice(codice_fiscale: str) -> date:
    """The birth date the codice fiscale encodes (its century is the library's guess)."""
    nascita: datetime = codicefiscale.decode(codice_fiscale.strip().upper())["birthdate"]
    return nascita.date()


def cognome_coerente(codice_fiscale: str, cognome: str) -> bool:
    """Whether the surname gives the code's first three letters."""
    raw = codicefiscale.decode_raw(codice_fiscale.strip().upper())
    return bool(codicefiscale.encode_lastname(cognome) == raw["lastname"])


def nome_coerente(codice_fiscale: str, nome: str) -> bool:
    """Whether the given name(s) give the code's letters four to six."""
    raw = codicefiscale.decode_raw(codice_fiscale.strip().upper())
    return bool(codicefiscale.encode_firstname(nome) == raw["firstname"])


def incoerenze(
    codice_fiscale: str,
    *,
    nome: str | None = None,
    cognome: str | None = None,
    data_nascita: date | None = None,
    sesso: str | None = None,
    luogo_nascita: str | None = None,
) -> list[str]:
    """The fields given beside a (well-formed) codice fiscale that disagree with it, in the
    order of ``CAMPI_IDENTIFICATIVI``; the birthplace also when it did not exist at birth."""
    decoded = codicefiscale.decode(codice_fiscale.strip().upper())
    nascita: date = decoded["birthdate"].date()
    campi = []
    if nome is not None and not nome_coerente(codice_fiscale, nome):
        campi.append("nome")
    if cognome is not None and not cognome_coerente(codice_fiscale, cognome):
        campi.append("cognome")
    if data_nascita is not None and (
        data_nascita.day,
        data_nascita.month,
        data_nascita.year % 100,
    ) != (
        nascita.day,
        nascita.month,
        nascita.year % 100,
    ):
        campi.append("data_nascita")
    if sesso is not None and sesso != decoded["gender"]:
        campi.append("sesso")
    if luogo_nascita is not None and (
        luogo_nascita.upper() != luogo_del_codice(codice_fiscale)
        or not luogo_valido_il(luogo_nascita, data_nascita or nascita)
    ):
        campi.append("luogo_nascita")
    return campi


def valori_identificativi(
    *,
    nome: str | None = None,
    cognome: str | None = None,
    data_nascita: date | None = None,
    sesso: str | None = None,
    luogo_nascita: str | None = None,
) -> dict[str, str]:
    """The identifying fields given, normalised as they are compared (names without accents,
    case or separators; dates ISO; codes upper case): ``Persona`` minus what is missing."""
    valori = {
        "nome": normalise_name(nome) if nome else None,
        "cognome": normalise_name(cognome) if cognome else None,
        "data_nascita": data_nascita.isoformat() if data_nascita else None,
        "sesso": sesso.upper() if sesso else None,
        "luogo_nascita": luogo_nascita.strip().upper() if luogo_nascita else None,
    }
    return {campo: valore for campo, valore in valori.items() if valore}


def regola_attribuzione(
    esito: EsitoAttribuzione, attuale: str, nuova: str, da_verificare: bool
) -> None:
    """Linking or keeping apart decides a record flagged "codice fiscale da verificare", once;
    a split moves any record, but always to another person; keeping apart moves nobody."""
    if esito in ("collegata", "distinta") and not da_verificare:
        raise Conflict("il codice fiscale di questa registrazione non è da verificare")
    if esito == "distinta" and nuova != attuale:
        raise Conflict("una registrazione tenuta distinta resta della sua persona")
    if esito in ("collegata", "separata") and nuova == attuale:
        raise Conflict("la registrazione è già di questa persona")
