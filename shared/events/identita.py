"""Who a record is about: rectifying a person's data, and attributing a record to a person
(decision 0032). Both are events of the record they change, a request (``Domanda``, intake's
ledger) or a case (``Caso``, casework's): each service binds them to its own aggregate.

Their personal fields are encrypted under the key of the person the record is about *after*
the event (``persona_id``), so a record moved to another person no longer depends on the
first person's key for who it is about: erasing that person leaves it readable.
"""

from __future__ import annotations

from typing import Literal

from shared.events.catalogue import catalogued
from shared.events.envelope import LedgerEvent
from shared.events.intake import DatiPersona
from shared.events.personal import PersonaId, PersonalText
from shared.events.profile import ProfiloStatistico

EsitoAttribuzione = Literal["collegata", "distinta", "separata"]
"""``collegata``: a record flagged "codice fiscale da verificare" is about a person already
known (it moves to their id); ``distinta``: it is about someone else, and stays apart under
its own id; ``separata``: a record wrongly linked to someone moves to a new person."""


@catalogued
class DatiPersonaRettificati(LedgerEvent):
    """A person's data on a record corrected (GDPR art. 16), by staff who may write the
    record; reads show the corrected data from then on, while the earlier events keep what
    was recorded then."""

    persona_id: PersonaId
    persona: DatiPersona
    """The whole person as corrected (not a difference): reads take the latest."""
    profilo: ProfiloStatistico
    """The coarse attributes again (a corrected birth date may change the age band)."""
    motivo: PersonalText
    """What was wrong and on what evidence: it may name the person, so it is encrypted."""


@catalogued
class PersonaAttribuita(LedgerEvent):
    """A coordinatore decided whom a record is about, with a reason: linked to a known
    person, kept apart, or split from the person it was wrongly linked to."""

    persona_id: PersonaId
    """The person the record is about from now on (the same one when kept apart)."""
    persona_precedente_id: PersonaId
    esito: EsitoAttribuzione
    persona: DatiPersona
    """The person's data under the key of ``persona_id``, the flag cleared."""
    profilo: ProfiloStatistico
    motivo: PersonalText
