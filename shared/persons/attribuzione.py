"""Attributing a record to a person (decision 0032), the same for a request and for a case:
how the service layers resolve a coordinatore's decision against the key store before the
record applies it (``identita.regola_attribuzione``), and whom a record is about now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.errors import Conflict, FieldError
from shared.events.identita import DatiPersonaRettificati, EsitoAttribuzione, PersonaAttribuita
from shared.events.intake import DatiPersona
from shared.events.personal import new_person_id
from shared.persons.dati import Persona, identita_di, persona_da_dati
from shared.persons.keystore import KeyStore, PersonErasedError


@dataclass(frozen=True)
class Scelta:
    """Whom a record will be about after a coordinatore's decision, checked against the key
    store before anything is recorded."""

    esito: EsitoAttribuzione
    persona_id: str
    persona: Persona
    precedente: str

    def dopo(self, keystore: KeyStore) -> None:
        """Once recorded: the id a linked record leaves no longer draws returning people
        (they are the person it was linked to), and is erased with that person."""
        if self.esito == "collegata":
            keystore.collega(self.precedente, self.persona_id)


def attribuzione(
    keystore: KeyStore,
    esito: EsitoAttribuzione,
    attuale_id: str,
    attuale: DatiPersona | None,
    persona: Persona | None,
    persona_id: str | None,
) -> Scelta:
    """Resolves the decision: ``separata`` claims a person for the data given (a known one
    whose data agree, or a new one; 409 naming the fields when the codice fiscale is someone
    else's and they disagree); ``collegata`` takes the other holder of the record's codice
    fiscale (``persona_id`` chooses among several); ``distinta`` keeps the record's own."""
    if keystore.is_erased(attuale_id):
        raise PersonErasedError(attuale_id)
    if esito == "separata":
        if persona is None:
            raise FieldError(("body", "persona"), "obbligatoria per separare la registrazione")
        if persona_id is not None:
            raise FieldError(("body", "persona_id"), "solo per collegare a una persona nota")
        if persona.codice_fiscale_da_verificare:
            # the coordinatore's own decision would come back to them as a record to verify
            raise FieldError(
                ("body", "persona", "codice_fiscale_da_verificare"),
                "una separazione indica i dati verificati della persona",
            )
        nuova = keystore.claim(new_person_id(), **identita_di(persona))
        if nuova == attuale_id:
            raise Conflict("i dati indicati sono quelli della persona a cui è già attribuita")
        return Scelta(esito, nuova, persona, attuale_id)
    if persona is not None:
        raise FieldError(("body", "persona"), "solo per separare la registrazione")
    known = None if attuale is None else persona_da_dati(attuale)
    if known is None:
        raise PersonErasedError(attuale_id)
    if esito == "distinta":
        if persona_id not in (None, attuale_id):
            raise FieldError(("body", "persona_id"), "solo per collegare a una persona nota")
        return Scelta(esito, attuale_id, known, attuale_id)
    holders = [
        other
        for other in (
            keystore.find_by_codice_fiscale(known.codice_fiscale) if known.codice_fiscale else []
        )
        if other != attuale_id and not keystore.is_erased(other)
    ]
    if persona_id is None:
        if len(holders) != 1:
            raise FieldError(
                ("body", "persona_id"),
                "indica la persona: nessuna o più di una ha questo codice fiscale",
            )
        persona_id = holders[0]
    elif persona_id not in holders:
        raise FieldError(("body", "persona_id"), "non è una persona con questo codice fiscale")
    return Scelta(esito, persona_id, known, attuale_id)


def persona_attuale(events: Sequence[object]) -> tuple[str, DatiPersona | None]:
    """Whom a record (a request's or a case's events, in order) is about now, and their data:
    the opening's, unless corrected or attributed since (the latest wins)."""
    persona_id, persona = "", None
    for each in events:
        if isinstance(each, DatiPersonaRettificati | PersonaAttribuita):
            persona_id, persona = each.persona_id, each.persona
        elif not persona_id:
            persona_id = str(getattr(each, "persona_id", "") or "")
            persona = getattr(each, "persona", None)
    return persona_id, persona
