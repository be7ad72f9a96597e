"""Personal data in events: which fields are personal, whose they are, and erasure.

A personal field is declared with ``Annotated[T | Erased, Personal()]``. The ledger encrypts
it with the key of the person named by ``Personal.subject`` (a field of the same model, or
of an enclosing one) before anything is stored, and on read gives back the clear value or,
once that person's key has been destroyed, an ``Erased`` marker.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import StringConstraints

from shared.events.model import ValueModel

PERSON_ID_ALPHABET = string.ascii_uppercase + string.digits
PERSON_ID_LENGTH = 20

PersonaId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{20}$")]
"""Random pseudonymous id of a person (fits SIUSS's IDBeneficiario)."""


def new_person_id() -> str:
    """A fresh pseudonymous person id: 20 characters of A-Z and 0-9, from a CSPRNG."""
    return "".join(secrets.choice(PERSON_ID_ALPHABET) for _ in range(PERSON_ID_LENGTH))


@dataclass(frozen=True)
class Personal:
    """Marks a field as personal data about the person whose id is in field ``subject``."""

    subject: str = "persona_id"


class Erased(ValueModel):
    """Stands for a personal value whose owner's key was destroyed (crypto-shredding)."""

    erased: Literal[True] = True

    def __str__(self) -> str:
        return "[dato cancellato]"


_Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
_CodiceFiscale = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{16}$")]
_Belfiore = Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{3}$")]

PersonalStr = Annotated[_Name | Erased, Personal()]
PersonalText = Annotated[_Text | Erased, Personal()]
PersonalDate = Annotated[date | Erased, Personal()]
OptionalPersonalText = Annotated[_Text | Erased | None, Personal()]
OptionalPersonalDate = Annotated[date | Erased | None, Personal()]
OptionalCodiceFiscale = Annotated[_CodiceFiscale | Erased | None, Personal()]
OptionalPersonalBelfiore = Annotated[_Belfiore | Erased | None, Personal()]
OptionalPersonalStr = Annotated[_Name | Erased | None, Personal()]
OptionalPersonalIstat = Annotated[
    Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | Erased | None, Personal()
]
"""The ISTAT code of a comune of residence: exact enough to help identify someone."""
OptionalPersonalCountry = Annotated[int | Erased | None, Personal()]
"""An exact country (ISO 3166-1 numeric) can identify someone; its class goes in clear."""
