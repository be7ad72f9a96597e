"""The observatory's figures computed again, independently, from the raw events of the intake
and casework ledgers: plain Python over the decoded domain events, importing nothing of
``services.reporting``, so that a test can hold the endpoint to them.

The definitions are the observatory's documented ones (``services.reporting.osservatorio``,
``osservatorio_queries``, decision 0023), restated here from the events:

- a request counts in the period it was received (Europe/Rome); its first front-office answer
  is the earliest information given, orientation, hand-over or closure;
- a case is *active* in a period when it was open at some instant of it (opened before its
  end, not closed before its start); its comune is the profile's, its area the latest
  assignment's, and it "has a project" in a period when one was defined before the period
  ended;
- *users* are the distinct people (``persona_id``) with a request received, or a case active,
  in the period, within the filters;
- a channel filter keeps the requests of that channel and what follows from them (their
  back-office applications); cases have no channel, so with one there are no active or
  opened cases and no questionnaires, only caseloads (a picture of now) stay;
- back-office applications count in the period they were opened, against their deadline,
  with "today" for the ones still open, with the comune, area and channel of their request;
- caseloads are now: open cases per assigned social worker, active social workers of the
  comuni (and area) with none counting 0;
- questionnaires count in the period they were collected, with the comune and area the case
  had then.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from shared.events import LedgerEvent
from shared.identity.models import DistrictSettings, User
from shared.ledger.ledger import Ledger

ROME = ZoneInfo("Europe/Rome")
ANSWERS = frozenset(
    {"InformazioniFornite", "DomandaOrientata", "DomandaInoltrata", "DomandaChiusa"}
)
MOMENTS = ("ex_ante", "in_itinere", "ex_post")
BUCKETS = (0, 10, 20, 30, 40, 50, 60)
TARGETS = (5000, 4000, 12000)


def events(ledger: Ledger, batch: int = 1000) -> Iterator[LedgerEvent]:
    """Every event of a ledger in position order, decoded by its mapper."""
    position = 0
    while True:
        notifications = ledger.recorder.select_notifications(
            position, batch, inclusive_of_start=False
        )
        for notification in notifications:
            event = ledger.mapper.to_domain_event(notification)
            assert isinstance(event, LedgerEvent)
            yield event
        if len(notifications) < batch:
            return
        position = notifications[-1].id


def rome_day(instant: datetime) -> date:
    return instant.astimezone(ROME).date()


def month(instant: datetime) -> str:
    return rome_day(instant).strftime("%Y-%m")


def bounds(year: int, month_: int | None) -> tuple[datetime, datetime]:
    """[start, end) of a Rome year or month, as UTC instants."""
    if month_ is None:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        start = date(year, month_, 1)
        end = date(year + month_ // 12, month_ % 12 + 1, 1)
    return (
        datetime.combine(start, time(), ROME).astimezone(UTC),
        datetime.combine(end, time(), ROME).astimezone(UTC),
    )


@dataclass
class Request:
    persona: str
    comune: str
    area: str
    canale: str
    received: datetime
    answered: datetime | None = None


@dataclass
class Application:
    persona: str
    request: str
    opened: datetime
    deadline: date
    completed: datetime | None = None


@dataclass
class Case:
    persona: str
    comune: str
    area: str
    opened: datetime
    social_worker: str | None = None
    closed: datetime | None = None
    project: datetime | None = None
    """When its project was first defined."""


@dataclass
class Questionnaire:
    comune: str
    area: str
    moment: str
    collected: datetime
    answers: list[int]


@dataclass
class Facts:
    requests: dict[str, Request] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    questionnaires: list[Questionnaire] = field(default_factory=list)


def facts(intake: Ledger, casework: Ledger) -> Facts:
    """The facts the figures need, read from the raw events (clear coarse attributes only)."""
    found = Facts()
    for event in events(intake):
        kind, key, e = type(event).__name__, str(event.aggregate_id), vars(event)
        if kind == "DomandaRicevuta":
            found.requests[key] = Request(
                e["persona_id"], e["comune"], e["area_utenza"], e["canale"], event.occurred_at
            )
        elif kind in ANSWERS:
            request = found.requests[key]
            if request.answered is None or event.occurred_at < request.answered:
                request.answered = event.occurred_at
        elif kind == "IstanzaIstruita":
            found.applications[str(e["istanza_id"])] = Application(
                e["persona_id"], key, event.occurred_at, e["scadenza"]
            )
        elif kind == "IstanzaCompletata":
            found.applications[str(e["istanza_id"])].completed = e["completata_il"]
    for event in events(casework):
        kind, key, e = type(event).__name__, str(event.aggregate_id), vars(event)
        if kind == "CasoAperto":
            found.cases[key] = Case(
                e["persona_id"], e["profilo"].comune, e["area_utenza"], event.occurred_at
            )
        elif kind == "AssistenteSocialeAssegnato":
            found.cases[key].social_worker = e["assistente_sociale"]
            found.cases[key].area = e["area_utenza"]
        elif kind == "ProgettoDefinito":
            found.cases[key].project = found.cases[key].project or event.occurred_at
        elif kind == "CasoChiuso":
            found.cases[key].closed = event.occurred_at
        elif kind == "QuestionarioRaccolto":
            case = found.cases[key]
            found.questionnaires.append(
                Questionnaire(
                    case.comune, case.area, e["momento"], event.occurred_at, list(e["risposte"])
                )
            )
    return found


@dataclass(frozen=True)
class Filters:
    year: int
    month: int | None = None
    comune: str | None = None
    area: str | None = None
    canale: str | None = None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def expected(
    found: Facts,
    district: DistrictSettings,
    users: list[User],
    filters: Filters,
    today: date,
) -> dict[str, Any]:
    """The figures ``GET /api/reporting/osservatorio`` must answer a coordinator of every
    comune, keyed for comparison (lists become dicts by their dimension)."""
    comuni = [c.belfiore for c in district.comuni]
    scope = [filters.comune] if filters.comune else comuni
    inhabitants = {c.belfiore: c.abitanti for c in district.comuni}

    def area_ok(area: str) -> bool:
        return filters.area is None or area == filters.area

    def requests_in(period: tuple[datetime, datetime]) -> list[Request]:
        return [
            r
            for r in found.requests.values()
            if r.comune in scope
            and area_ok(r.area)
            and (filters.canale is None or r.canale == filters.canale)
            and period[0] <= r.received < period[1]
        ]

    def active_in(period: tuple[datetime, datetime]) -> list[Case]:
        if filters.canale is not None:
            return []
        return [
            c
            for c in found.cases.values()
            if c.comune in scope
            and area_ok(c.area)
            and c.opened < period[1]
            and (c.closed is None or c.closed >= period[0])
        ]

    def users_in(period: tuple[datetime, datetime]) -> set[str]:
        return {r.persona for r in requests_in(period)} | {c.persona for c in active_in(period)}

    period = bounds(filters.year, filters.month)
    before = bounds(filters.year - 1, filters.month)
    requests = requests_in(period)
    active = active_in(period)
    opened = [c for c in active if period[0] <= c.opened < period[1]]

    def same_day(r: Request) -> bool:
        return r.answered is not None and rome_day(r.answered) == rome_day(r.received)

    per_comune = {}
    for comune in scope:
        people = {r.persona for r in requests if r.comune == comune} | {
            c.persona for c in active if c.comune == comune
        }
        per_comune[comune] = {
            "domande": sum(1 for r in requests if r.comune == comune),
            "casi_aperti": sum(1 for c in opened if c.comune == comune),
            "utenti": len(people),
            "utenti_per_1000_abitanti": 1000 * len(people) / inhabitants[comune],
        }
    per_area = {}
    for area in {r.area for r in requests} | {c.area for c in active}:
        per_area[area] = {
            "domande": sum(1 for r in requests if r.area == area),
            "casi_aperti": sum(1 for c in opened if c.area == area),
            "utenti": len(
                {r.persona for r in requests if r.area == area}
                | {c.persona for c in active if c.area == area}
            ),
        }
    per_canale = {}
    for canale in {r.canale for r in requests}:
        asked = [r for r in requests if r.canale == canale]
        quick = sum(1 for r in asked if same_day(r))
        per_canale[canale] = {
            "domande": len(asked),
            "risposte_stesso_giorno": quick,
            "quota_stesso_giorno": quick / len(asked),
        }
    per_mese: dict[str, dict[str, int]] = defaultdict(
        lambda: {"domande": 0, "casi_aperti": 0, "questionari": 0}
    )
    for r in requests:
        per_mese[month(r.received)]["domande"] += 1
    for c in opened:
        per_mese[month(c.opened)]["casi_aperti"] += 1
    collected = [
        q
        for q in found.questionnaires
        if filters.canale is None
        and q.comune in scope
        and area_ok(q.area)
        and period[0] <= q.collected < period[1]
    ]
    for q in collected:
        per_mese[month(q.collected)]["questionari"] += 1
    cells: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for r in requests:
        cells[(r.comune, r.area, r.canale, month(r.received))].append(r.persona)
    conteggi = {k: {"domande": len(v), "persone": len(set(v))} for k, v in cells.items()}

    # indicators
    workers = [u for u in users if u.active and u.role == "assistente_sociale"]
    staff = sum(len(set(u.comuni) & set(scope)) / len(u.comuni) for u in workers if u.comuni)
    people_total = sum(inhabitants[c] for c in scope)
    with_case = {c.persona for c in active}
    with_project = {c.persona for c in active if c.project and c.project < period[1]}
    this_year, last_year = len(users_in(period)), len(users_in(before))
    quick_all = sum(1 for r in requests if same_day(r))
    outcomes: dict[str, int] = defaultdict(int)
    for a in found.applications.values():
        request = found.requests[a.request]
        if (
            request.comune in scope
            and area_ok(request.area)
            and (filters.canale is None or request.canale == filters.canale)
            and period[0] <= a.opened < period[1]
        ):
            if a.completed is not None:
                done_in_time = rome_day(a.completed) <= a.deadline
                outcomes["nei_termini" if done_in_time else "fuori_termini"] += 1
            else:
                outcomes["scadute" if a.deadline < today else "in_corso"] += 1
    due = outcomes["nei_termini"] + outcomes["fuori_termini"] + outcomes["scadute"]
    loads: dict[str, int] = {
        u.username: 0
        for u in workers
        if set(u.comuni) & set(scope) and (filters.area is None or filters.area in u.aree)
    }
    for c in found.cases.values():
        if c.comune in scope and c.closed is None and c.social_worker and area_ok(c.area):
            loads[c.social_worker] = loads.get(c.social_worker, 0) + 1
    caseloads = sorted(loads.values())
    satisfaction = {}
    for moment in MOMENTS:
        given = [q.answers for q in collected if q.moment == moment]
        length = max((len(a) for a in given), default=0)
        satisfaction[moment] = {
            "questionari": len(given),
            "medie": [_mean([a[k] for a in given if len(a) > k]) for k in range(length)],
            "media": _mean([v for a in given for v in a]),
        }
    return {
        "comuni": scope,
        "per_comune": per_comune,
        "per_area": per_area,
        "per_canale": per_canale,
        "per_mese": dict(per_mese),
        "conteggi": conteggi,
        "assistenti_sociali": {
            "abitanti": people_total,
            "assistenti_sociali": staff,
            "abitanti_per_assistente": people_total / staff if staff else None,
            "obiettivi": {
                n: (math.ceil(people_total / n), staff > 0 and staff * n >= people_total)
                for n in TARGETS
            },
        },
        "progetto_personalizzato": {
            "utenti_con_caso": len(with_case),
            "con_progetto": len(with_project),
            "quota": _share(len(with_project), len(with_case)),
        },
        "variazione_utenti": {
            "anno": this_year,
            "anno_precedente": last_year,
            "differenza": this_year - last_year,
            "percentuale": (this_year - last_year) / last_year if last_year else None,
        },
        "front_office": {
            "domande": len(requests),
            "risposte_stesso_giorno": quick_all,
            "quota_stesso_giorno": _share(quick_all, len(requests)),
        },
        "back_office": {
            "nei_termini": outcomes["nei_termini"],
            "fuori_termini": outcomes["fuori_termini"],
            "scadute": outcomes["scadute"],
            "in_corso": outcomes["in_corso"],
            "quota_nei_termini": _share(outcomes["nei_termini"], due),
        },
        "carichi": {
            "assistenti": len(caseloads),
            "minimo": min(caseloads, default=None),
            "mediana": statistics.median(caseloads) if caseloads else None,
            "massimo": max(caseloads, default=None),
            "fasce": [
                sum(
                    1
                    for n in caseloads
                    if n >= low and (k + 1 == len(BUCKETS) or n < BUCKETS[k + 1])
                )
                for k, low in enumerate(BUCKETS)
            ],
        },
        "soddisfazione": satisfaction,
    }
