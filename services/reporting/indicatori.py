"""The Piano di Zona's indicators (design section 8), as pure functions of facts.

No I/O and no clock: "today" is an argument, and every date is taken in Europe/Rome from a
UTC instant, so that the read model stores facts only and a rebuild equals the incremental
state (design section 4).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")

OBIETTIVI_ASSISTENTI: tuple[tuple[str, int], ...] = (
    ("LEPS 1:5.000", 5000),
    ("1:4.000", 4000),
    ("obiettivo distrettuale 1:12.000", 12000),
)
"""Targets of inhabitants per social worker: the LEPS (L. 178/2020), the stronger 1:4,000, and
the older district target."""

FASCE_CARICO: tuple[int, ...] = (0, 10, 20, 30, 40, 50, 60)
"""Lower bounds of the caseload histogram's buckets (0-9, 10-19, ..., 60 and more)."""

MOMENTI = ("ex_ante", "in_itinere", "ex_post")


def giorno(instant: datetime) -> date:
    """The calendar day of a UTC instant in Europe/Rome (a naive value is taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ROME).date()


def periodo(anno: int, mese: int | None = None) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a year, or of one of its months, in Europe/Rome."""
    if mese is None:
        inizio, fine = date(anno, 1, 1), date(anno + 1, 1, 1)
    else:
        inizio = date(anno, mese, 1)
        fine = date(anno + 1, 1, 1) if mese == 12 else date(anno, mese + 1, 1)
    return (
        datetime.combine(inizio, time(), ROME).astimezone(UTC),
        datetime.combine(fine, time(), ROME).astimezone(UTC),
    )


def quota(numeratore: int, denominatore: int) -> float | None:
    """A share in [0, 1], rounded to 4 decimals; None when there is nothing to divide."""
    if denominatore <= 0:
        return None
    return round(numeratore / denominatore, 4)


@dataclass(frozen=True)
class Obiettivo:
    nome: str
    abitanti_per_assistente: int
    assistenti_necessari: int
    raggiunto: bool


@dataclass(frozen=True)
class RapportoAssistenti:
    abitanti: int
    assistenti_sociali: float
    abitanti_per_assistente: float | None
    """None with no social worker at all."""
    obiettivi: tuple[Obiettivo, ...]


def rapporto_assistenti(abitanti: int, assistenti: float) -> RapportoAssistenti:
    """Social workers against inhabitants: a target 1:N is met when there is at least one
    social worker for every N inhabitants (assistenti * N >= abitanti)."""
    per_assistente = round(abitanti / assistenti, 1) if assistenti > 0 else None
    obiettivi = tuple(
        Obiettivo(
            nome,
            n,
            math.ceil(abitanti / n),
            assistenti > 0 and assistenti * n >= abitanti,
        )
        for nome, n in OBIETTIVI_ASSISTENTI
    )
    return RapportoAssistenti(abitanti, round(assistenti, 2), per_assistente, obiettivi)


def quota_assistente(comuni_assistente: Iterable[str], ambito: Iterable[str]) -> float:
    """The share of a social worker that counts for a set of comuni: the part of their
    comuni inside it (one who serves three comuni counts 1/3 for each); over the whole
    district every social worker counts 1."""
    suoi = set(comuni_assistente)
    if not suoi:
        return 0.0
    return len(suoi & set(ambito)) / len(suoi)


@dataclass(frozen=True)
class Variazione:
    anno: int
    anno_precedente: int
    differenza: int
    percentuale: float | None
    """(this − previous) / previous, None without users the previous year."""


def variazione(anno: int, anno_precedente: int) -> Variazione:
    percentuale = (
        round((anno - anno_precedente) / anno_precedente, 4) if anno_precedente > 0 else None
    )
    return Variazione(anno, anno_precedente, anno - anno_precedente, percentuale)


def stesso_giorno(ricevuta: datetime, risposta: datetime | None) -> bool:
    """Answered at the front office on the day it was received (Europe/Rome)."""
    return risposta is not None and giorno(risposta) == giorno(ricevuta)


EsitoIstanza = Literal["nei_termini", "fuori_termini", "scaduta", "in_corso"]


def esito_istanza(scadenza: date, completata_il: datetime | None, oggi: date) -> EsitoIstanza:
    """A back-office application against its deadline: completed on or before the due day,
    completed late, still open after it, or still open and not yet due."""
    if completata_il is not None:
        return "nei_termini" if giorno(completata_il) <= scadenza else "fuori_termini"
    return "scaduta" if scadenza < oggi else "in_corso"


@dataclass(frozen=True)
class TerminiIstanze:
    nei_termini: int
    fuori_termini: int
    scadute: int
    in_corso: int
    quota_nei_termini: float | None
    """Met / due (completed, or past their deadline); open and not yet due ones wait."""


def termini_istanze(esiti: Iterable[EsitoIstanza]) -> TerminiIstanze:
    conta = {"nei_termini": 0, "fuori_termini": 0, "scaduta": 0, "in_corso": 0}
    for esito in esiti:
        conta[esito] += 1
    dovute = conta["nei_termini"] + conta["fuori_termini"] + conta["scaduta"]
    return TerminiIstanze(
        conta["nei_termini"],
        conta["fuori_termini"],
        conta["scaduta"],
        conta["in_corso"],
        quota(conta["nei_termini"], dovute),
    )


@dataclass(frozen=True)
class Fascia:
    da: int
    a: int | None
    """Inclusive upper bound; None for the last, open bucket."""
    assistenti: int


@dataclass(frozen=True)
class DistribuzioneCarichi:
    assistenti: int
    minimo: int | None
    mediana: float | None
    massimo: int | None
    fasce: tuple[Fascia, ...]


def distribuzione_carichi(carichi: Sequence[int]) -> DistribuzioneCarichi:
    """Active cases per social worker: min, median, max and a histogram (social workers
    with no case count, in the first bucket)."""
    fasce = []
    for k, da in enumerate(FASCE_CARICO):
        a = FASCE_CARICO[k + 1] - 1 if k + 1 < len(FASCE_CARICO) else None
        n = sum(1 for c in carichi if c >= da and (a is None or c <= a))
        fasce.append(Fascia(da, a, n))
    if not carichi:
        return DistribuzioneCarichi(0, None, None, None, tuple(fasce))
    return DistribuzioneCarichi(
        len(carichi),
        min(carichi),
        float(statistics.median(carichi)),
        max(carichi),
        tuple(fasce),
    )


@dataclass(frozen=True)
class Soddisfazione:
    momento: str
    questionari: int
    medie: tuple[float | None, ...]
    """Mean of each answer, in the questionnaire's order (None where nobody answered it)."""
    media: float | None
    """Mean of every answer given."""


def soddisfazione(questionari: Iterable[tuple[str, Sequence[int]]]) -> tuple[Soddisfazione, ...]:
    """Per moment (ex ante, in itinere, ex post): how many questionnaires, and the means."""
    per_momento: dict[str, list[Sequence[int]]] = {m: [] for m in MOMENTI}
    for momento, risposte in questionari:
        per_momento.setdefault(momento, []).append(risposte)
    risultato = []
    for momento, elenco in per_momento.items():
        lunghezza = max((len(r) for r in elenco), default=0)
        medie: list[float | None] = []
        for k in range(lunghezza):
            valori = [r[k] for r in elenco if len(r) > k]
            medie.append(round(statistics.fmean(valori), 2) if valori else None)
        tutte = [v for r in elenco for v in r]
        media = round(statistics.fmean(tutte), 2) if tutte else None
        risultato.append(Soddisfazione(momento, len(elenco), tuple(medie), media))
    return tuple(risultato)
