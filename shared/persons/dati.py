"""Who a person is, as the services that record people take it in (intake's requests,
casework's cases opened directly), and what of it is written in clear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from codicefiscale import codicefiscale

from shared.events import Erased
from shared.events.intake import DatiPersona, Residenza
from shared.events.profile import ProfiloStatistico, classe_cittadinanza, fascia_eta
from shared.events.types import AreaUtenza

ROME = ZoneInfo("Europe/Rome")


@dataclass(frozen=True)
class Persona:
    nome: str
    cognome: str
    codice_fiscale: str | None = None
    data_nascita: date | None = None
    sesso: str | None = None
    luogo_nascita: str | None = None
    cittadinanza: int | None = None
    residenza_paese: int | None = None
    residenza_comune_istat: str | None = None
    residenza_indirizzo: str | None = None
    codice_fiscale_da_verificare: bool = False
    """To be recorded apart from the known holder of its codice fiscale (decision 0032)."""


def dati_persona(persona: Persona) -> DatiPersona:
    return DatiPersona.model_validate(
        {
            "nome": persona.nome,
            "cognome": persona.cognome,
            "codice_fiscale": persona.codice_fiscale,
            "data_nascita": persona.data_nascita,
            "sesso": _sesso(persona),
            "luogo_nascita": persona.luogo_nascita,
            "cittadinanza": persona.cittadinanza,
            "residenza": _residenza(persona),
            "codice_fiscale_da_verificare": persona.codice_fiscale_da_verificare,
        }
    )


def persona_da_dati(dati: DatiPersona) -> Persona | None:
    """The person as recorded, to record again (a reopened case); None once erased."""
    if isinstance(dati.nome, Erased) or isinstance(dati.cognome, Erased):
        return None
    residenza = dati.residenza

    def known(value: object) -> Any:
        return None if isinstance(value, Erased) else value

    return Persona(
        nome=dati.nome,
        cognome=dati.cognome,
        codice_fiscale=known(dati.codice_fiscale),
        data_nascita=known(dati.data_nascita),
        sesso=dati.sesso,
        luogo_nascita=known(dati.luogo_nascita),
        cittadinanza=known(dati.cittadinanza),
        residenza_paese=known(residenza.paese) if residenza else None,
        residenza_comune_istat=known(residenza.comune_istat) if residenza else None,
        residenza_indirizzo=known(residenza.indirizzo) if residenza else None,
        codice_fiscale_da_verificare=dati.codice_fiscale_da_verificare,
    )


def _residenza(persona: Persona) -> Residenza | None:
    if (
        persona.residenza_paese is None
        and persona.residenza_comune_istat is None
        and persona.residenza_indirizzo is None
    ):
        return None
    return Residenza(
        paese=persona.residenza_paese,
        comune_istat=persona.residenza_comune_istat,
        indirizzo=persona.residenza_indirizzo,
    )


def _sesso(persona: Persona) -> str | None:
    if persona.sesso:
        return persona.sesso
    if persona.codice_fiscale:
        return str(codicefiscale.decode(persona.codice_fiscale)["gender"])
    return None


def profilo_statistico(
    persona: Persona, comune: str, area: AreaUtenza, when: datetime
) -> ProfiloStatistico:
    """The coarse attributes written in clear (design section 3), at the date of ``when``."""
    return ProfiloStatistico.model_validate(
        {
            "fascia_eta": fascia_eta(persona.data_nascita, when.astimezone(ROME).date()),
            "sesso": _sesso(persona),
            "cittadinanza": classe_cittadinanza(persona.cittadinanza),
            "comune": comune,
            "area": area,
        }
    )


def identita_di(persona: Persona) -> dict[str, Any]:
    """The identifiers the key store recognises a person by (``KeyStore.claim``), as given:
    what the codice fiscale implies adds nothing to compare between two holders of it."""
    return {
        "codice_fiscale": persona.codice_fiscale,
        "nome": persona.nome,
        "cognome": persona.cognome,
        "data_nascita": persona.data_nascita,
        "sesso": persona.sesso,
        "luogo_nascita": persona.luogo_nascita,
    }
