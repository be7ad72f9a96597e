"""Which characters a text may hold: one definition for every edge that takes text and every
export that writes it (design section 12, "control characters"; decision 0033).

A text is stored once and written out many times: in a SIUSS flow (XML), the network map
(GraphML), HSDS, CSV, XLSX and PDF. XML 1.0 admits only ``#x9 | #xA | #xD | [#x20-#xD7FF] |
[#xE000-#xFFFD] | [#x10000-#x10FFFF]``, and lxml raises on anything else, so a single NUL in a
name used to break the whole feed. The edge refuses, besides what XML 1.0 refuses, the
controls from DEL to the C1 block (U+007F-U+009F, which XML 1.0 discourages and no person
types) and the Unicode noncharacters (U+FDD0-U+FDEF, and the last two code points of every
plane); a lone surrogate is refused too (it cannot even be written as UTF-8). TAB, LF and CR
are admitted only in the multi-line texts (the need, notes, reasons: the 4,000-character
ones); a name, a code or a short label is one line.

Pure: no I/O, no framework beyond a pydantic validator. Read models of events keep reading
whatever was stored before this rule existed; the exports clean such old values with
``ripulisci`` instead of failing.
"""

from __future__ import annotations

import re
from typing import Final

from pydantic import AfterValidator

SOSTITUTO: Final = "\ufffd"
"""What an export writes in place of a character it cannot carry (REPLACEMENT CHARACTER)."""

_NON_CARATTERI: Final = "\ufdd0-\ufdef" + "".join(
    f"{chr(piano * 0x10000 + 0xFFFE)}{chr(piano * 0x10000 + 0xFFFF)}" for piano in range(17)
)
_SEMPRE_VIETATI: Final = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _NON_CARATTERI
"""Refused in every text: C0 controls but TAB/LF/CR, DEL and C1, surrogates, noncharacters."""

_VIETATI_RIGA: Final = re.compile(f"[\t\n\r{_SEMPRE_VIETATI}]")
_VIETATI_RIGHE: Final = re.compile(f"[{_SEMPRE_VIETATI}]")

MESSAGGIO_RIGA: Final = "contiene caratteri non ammessi (caratteri di controllo o a capo)"
MESSAGGIO_RIGHE: Final = "contiene caratteri non ammessi (caratteri di controllo)"


def primo_non_ammesso(testo: str, *, multilinea: bool = False) -> int | None:
    """The index of the first character the rule refuses, or None when all are admitted."""
    trovato = (_VIETATI_RIGHE if multilinea else _VIETATI_RIGA).search(testo)
    return None if trovato is None else trovato.start()


def ammesso(testo: str, *, multilinea: bool = False) -> bool:
    return primo_non_ammesso(testo, multilinea=multilinea) is None


def verifica_riga(testo: str) -> str:
    """A one-line text (a name, a label, an id): ``ValueError`` in Italian, never echoing
    the text, when a character is refused."""
    if _VIETATI_RIGA.search(testo):
        raise ValueError(MESSAGGIO_RIGA)
    return testo


def verifica_righe(testo: str) -> str:
    """A multi-line text (TAB, LF and CR admitted)."""
    if _VIETATI_RIGHE.search(testo):
        raise ValueError(MESSAGGIO_RIGHE)
    return testo


def ripulisci(testo: str, *, multilinea: bool = False) -> str:
    """A stored text made writable by an export: each refused character becomes
    ``SOSTITUTO`` (in a one-line text, TAB/LF/CR become a space). For values stored before
    the edge refused them: the export carries the record, visibly marked, instead of
    failing for everyone."""
    if not multilinea:
        testo = testo.replace("\r\n", " ").translate(_A_CAPO)
    return _VIETATI_RIGHE.sub(SOSTITUTO, testo)


_A_CAPO: Final = str.maketrans({"\t": " ", "\n": " ", "\r": " "})

RIGA: Final = AfterValidator(verifica_riga)
"""Appended to a one-line string type of the API (after its length constraints)."""
RIGHE: Final = AfterValidator(verifica_righe)
"""Appended to a multi-line string type of the API."""
