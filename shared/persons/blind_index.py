"""Blind indexes: recognise a returning person without storing who they are.

Each index is an HMAC under a district key of a normalised identifier, so equal people
meet on equal digests while the digests reveal nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

from codicefiscale import codicefiscale

CODICE_FISCALE = "cf"
NAME_AND_BIRTH_DATE = "nome_nascita"


def normalise_codice_fiscale(code: str) -> str:
    """Upper case, no spaces, omocodia decoded (the register's base form)."""
    cleaned = re.sub(r"\s+", "", code).upper()
    try:
        return str(codicefiscale.decode(cleaned)["omocodes"][0])
    except ValueError:
        raise ValueError("codice fiscale non valido") from None  # the library echoes the code


def normalise_name(name: str) -> str:
    """Upper case A-Z only, accents dropped, apostrophes and separators as single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z]+", " ", letters).split())


def _digest(key: bytes, kind: str, value: str) -> bytes:
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()


def codice_fiscale_index(key: bytes, code: str) -> bytes:
    return _digest(key, CODICE_FISCALE, normalise_codice_fiscale(code))


def name_index(key: bytes, nome: str, cognome: str, data_nascita: date) -> bytes:
    value = f"{normalise_name(nome)}|{normalise_name(cognome)}|{data_nascita.isoformat()}"
    return _digest(key, NAME_AND_BIRTH_DATE, value)


def field_digest(key: bytes, person_id: str, campo: str, valore: str) -> bytes:
    """A keyed digest of one identifying field of one person (``valore`` normalised by
    ``identita.valori_identificativi``), salted with the person's id: comparable only against
    that person, so equal values of two people never meet and the digests tell nothing of
    how common a name or a birthplace is."""
    return _digest(key, f"campo:{campo}", f"{person_id}\x00{valore}")
