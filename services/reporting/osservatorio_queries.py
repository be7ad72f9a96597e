"""The observatory's read side: free filtering for coordinators on their own comuni, and the
fixed published tables (suppressed) for the Ufficio di Piano and the exports.

Who may see what (``shared.auth.policy``): ``reporting.osservatorio.filtra`` (coordinatore,
their comuni: exact figures, they are entitled to them) and
``reporting.osservatorio.pubblicato`` (ufficio_di_piano and amministratore: the whole
district; coordinatore: the rows of their comuni). A filter on a comune outside the
coordinator's is refused with 403: the comuni of the district are public, so a refusal
reveals nothing, and a 404 would wrongly say the comune does not exist.

Rows are read from the read model (``services.reporting.osservatorio``) and every year,
month, "today" and "same day" is worked out here, in Europe/Rome, at query time.
Inhabitants and social workers come from the identity store, read at query time too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, get_args

from sqlalchemy import select

from services.reporting import indicatori as ind
from services.reporting.osservatorio import casi, domande, istanze, questionari, risposte
from services.reporting.rilascio_lp import COLONNE_AREA, Chiave, N, Rilascio, Voce, proteggi
from services.reporting.soppressione import (
    SOGLIA,
    CellaPubblicata,
    Motivo,
    Posizione,
    TabellaSoppressa,
    sopprimi,
)
from shared.auth.policy import authorize, require_role, visible_comuni
from shared.auth.principal import Principal
from shared.db import Engines
from shared.errors import FieldError, NotFound
from shared.events.types import AreaUtenza, Canale
from shared.identity.models import DistrictSettings, User
from shared.projections.base import NotYetProjected, ProjectionFeed, read_positions

MAX_WAIT_SECONDS = 5.0
FILTRA = "reporting.osservatorio.filtra"
PUBBLICATO = "reporting.osservatorio.pubblicato"
AREE: tuple[str, ...] = get_args(AreaUtenza)
CANALI: tuple[str, ...] = get_args(Canale)
LEDGERS = ("intake", "casework")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Filtri:
    anno: int
    mese: int | None = None
    comune: str | None = None
    area_utenza: str | None = None
    canale: str | None = None


@dataclass
class Dati:
    """The read model's rows for a set of comuni, instants as aware UTC datetimes."""

    domande: list[dict[str, Any]] = field(default_factory=list)
    istanze: list[dict[str, Any]] = field(default_factory=list)
    casi: list[dict[str, Any]] = field(default_factory=list)
    questionari: list[dict[str, Any]] = field(default_factory=list)


def _nel(instant: datetime, limiti: tuple[datetime, datetime]) -> bool:
    return limiti[0] <= instant < limiti[1]


def _attivo(caso: dict[str, Any], limiti: tuple[datetime, datetime]) -> bool:
    """A case counts in a period when it was open at some time within it."""
    return bool(
        caso["aperto_il"] < limiti[1]
        and (caso["chiuso_il"] is None or caso["chiuso_il"] >= limiti[0])
    )


def _con_progetto(caso: dict[str, Any], limiti: tuple[datetime, datetime]) -> bool:
    """A case counts "with a project" in a period if its project was defined before the
    period ended (a project defined later does not count for an earlier year)."""
    return caso["progetto_il"] is not None and bool(caso["progetto_il"] < limiti[1])


def _mese(instant: datetime) -> str:
    giorno = ind.giorno(instant)
    return f"{giorno.year:04d}-{giorno.month:02d}"


@dataclass(frozen=True)
class TabellaPubblicata:
    """A fixed published table, suppressed as a whole."""

    nome: str
    titolo: str
    anno: int
    dimensione_righe: str
    dimensione_colonne: str
    righe: tuple[str, ...]
    colonne: tuple[str, ...]
    celle: tuple[tuple[CellaPubblicata | CellaValore, ...], ...]
    totali_riga: tuple[CellaPubblicata, ...] | None
    totali_colonna: tuple[CellaPubblicata | CellaValore, ...] | None
    totale: CellaPubblicata | None
    nota: str


@dataclass(frozen=True)
class CellaValore:
    """A published value that is not a count: a rate, a mean, a ratio (None: suppressed
    with its count, or not defined)."""

    valore: float | None
    motivo: str | None = None

    @property
    def soppressa(self) -> bool:
        return self.motivo is not None


QUOTA_STESSO_GIORNO = "quota_domande_risposta_stesso_giorno"


@dataclass(frozen=True)
class _Conteggi:
    """The true counts a release publishes (before suppression)."""

    utenti: list[list[int]]
    """Distinct people with a request or an active case, by comune and area."""
    domande: list[list[int]]
    """Requests by comune and channel, and the distinct people behind them."""
    persone_domande: list[list[int]]
    area: dict[str, tuple[list[int], list[int]]]
    """indicatori_area's count columns: values and distinct people by area."""
    utenti_distretto: int
    """Distinct people with a request or an active case in the district."""


def _conteggi(dati: Dati, comuni: list[str], anno: int) -> _Conteggi:
    limiti = ind.periodo(anno)
    richieste = [d for d in dati.domande if _nel(d["ricevuta_il"], limiti)]
    attivi = [c for c in dati.casi if _attivo(c, limiti)]
    persone: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in [*richieste, *attivi]:
        persone[(r["comune"], r["area_utenza"])].add(r["persona_id"])
    numero: dict[tuple[str, str], int] = defaultdict(int)
    chi: dict[tuple[str, str], set[str]] = defaultdict(set)
    for d in richieste:
        numero[(d["comune"], d["canale"])] += 1
        chi[(d["comune"], d["canale"])].add(d["persona_id"])
    utenti: dict[str, set[str]] = defaultdict(set)
    progetto: dict[str, set[str]] = defaultdict(set)
    for c in attivi:
        utenti[c["area_utenza"]].add(c["persona_id"])
        if _con_progetto(c, limiti):
            progetto[c["area_utenza"]].add(c["persona_id"])
    per_area: dict[str, int] = defaultdict(int)
    chi_area: dict[str, set[str]] = defaultdict(set)
    svelte: dict[str, int] = defaultdict(int)
    chi_svelte: dict[str, set[str]] = defaultdict(set)
    for d in richieste:
        area = d["area_utenza"]
        per_area[area] += 1
        chi_area[area].add(d["persona_id"])
        if ind.stesso_giorno(d["ricevuta_il"], d["prima_risposta_il"]):
            svelte[area] += 1
            chi_svelte[area].add(d["persona_id"])
    return _Conteggi(
        utenti=[[len(persone[(c, a)]) for a in AREE] for c in comuni],
        domande=[[numero[(c, k)] for k in CANALI] for c in comuni],
        persone_domande=[[len(chi[(c, k)]) for k in CANALI] for c in comuni],
        area={
            "utenti_con_caso": ([len(utenti[a]) for a in AREE], [len(utenti[a]) for a in AREE]),
            "utenti_con_progetto": (
                [len(progetto[a]) for a in AREE],
                [len(progetto[a]) for a in AREE],
            ),
            "domande": ([per_area[a] for a in AREE], [len(chi_area[a]) for a in AREE]),
            "risposte_stesso_giorno": (
                [svelte[a] for a in AREE],
                [len(chi_svelte[a]) for a in AREE],
            ),
        },
        utenti_distretto=len({r["persona_id"] for r in [*richieste, *attivi]}),
    )


def _aumentata(valori: list[list[int]]) -> dict[Posizione, int]:
    """A grid with its row totals, column totals and grand total."""
    righe, colonne = len(valori), len(valori[0]) if valori else 0
    griglia = {(i, j): valori[i][j] for i in range(righe) for j in range(colonne)}
    for i in range(righe):
        griglia[(i, colonne)] = sum(valori[i])
    for j in range(colonne + 1):
        griglia[(righe, j)] = sum(griglia[(i, j)] for i in range(righe))
    return griglia


def _pubblicata(tabella: TabellaPubblicata, i: int, j: int) -> CellaPubblicata | CellaValore:
    """The published entry at a position of the table's augmented grid."""
    righe, colonne = len(tabella.righe), len(tabella.colonne)
    if i < righe and j < colonne:
        return tabella.celle[i][j]
    if i < righe:
        assert tabella.totali_riga is not None
        return tabella.totali_riga[i]
    if j < colonne:
        assert tabella.totali_colonna is not None
        return tabella.totali_colonna[j]
    assert tabella.totale is not None
    return tabella.totale


def _voci(
    conteggi: _Conteggi,
    utenti: TabellaPubblicata,
    domande_canale: TabellaPubblicata,
    area: TabellaPubblicata,
    forzate: Mapping[Chiave, Motivo],
) -> dict[Chiave, Voce]:
    """The counts of the three count tables, true value and how each is published."""
    voci: dict[Chiave, Voce] = {}
    for sigla, tabella, valori in (
        ("U", utenti, conteggi.utenti),
        ("D", domande_canale, conteggi.domande),
    ):
        righe, colonne = len(valori), len(tabella.colonne)
        for (i, j), valore in _aumentata(valori).items():
            cella = _pubblicata(tabella, i, j)
            voci[(sigla, i, j)] = Voce(
                valore,
                not cella.soppressa,
                cella.motivo == "primaria" or forzate.get((sigla, i, j)) == "primaria",
                totale=i == righe or j == colonne,
            )
    for colonna in COLONNE_AREA:
        j = area.colonne.index(colonna)
        valori_area = conteggi.area[colonna][0]
        for i, valore in enumerate([*valori_area, sum(valori_area)]):
            cella = _pubblicata(area, i, j)
            voci[("A", colonna, i)] = Voce(
                valore,
                not cella.soppressa,
                cella.motivo == "primaria" or forzate.get(("A", colonna, i)) == "primaria",
                totale=i == len(valori_area),
            )
    return voci


TABELLE: dict[str, str] = {
    "utenti_comune_area": "Utenti per comune e area di utenza",
    "domande_comune_canale": "Domande per comune e canale di accesso",
    "indicatori_area": "Indicatori per area di utenza",
    "indicatori_distretto": "Indicatori del Piano di Zona per l'ambito",
}


RILASCI_IN_MEMORIA = 8
"""Releases kept (a few years, the latest states): older ones are computed again."""


class OsservatorioQueries:
    def __init__(
        self,
        views: Engines,
        feed: ProjectionFeed,
        district: Callable[[], DistrictSettings],
        users: Callable[[], Sequence[User]],
    ) -> None:
        self.views = views
        self.feed = feed
        self.district = district
        self.users = users
        self._rilasci: dict[Hashable, dict[str, TabellaPubblicata]] = {}
        """Releases already suppressed, by what they depend on (``_chiave_rilascio``): the
        LP-checked suppression is too costly to redo for every table and export served."""

    # -- read your writes --------------------------------------------------------------

    def wait(self, registro: str | None, posizione: int | None) -> None:
        """Wait (at most 5 s) until the read model holds ``posizione`` of ``registro``."""
        if posizione is None:
            return
        if registro not in LEDGERS:
            raise FieldError(("query", "registro"), "indicare il registro: intake o casework")
        if not self.feed.wait_for(registro, posizione, MAX_WAIT_SECONDS):
            raise NotYetProjected

    # -- rows --------------------------------------------------------------------------

    def _dati(self, comuni: Iterable[str]) -> Dati:
        scelti = sorted(comuni)
        dati = Dati()
        with self.views.reader.connect() as connection:
            for table, target in (
                (domande, dati.domande),
                (istanze, dati.istanze),
                (casi, dati.casi),
                (questionari, dati.questionari),
            ):
                for row in connection.execute(select(table).where(table.c.comune.in_(scelti))):
                    record = dict(row._mapping)
                    for key, value in record.items():
                        if isinstance(value, datetime):
                            record[key] = _utc(value)
                    target.append(record)
        return dati

    def _assistenti(self) -> list[User]:
        return [u for u in self.users() if u.active and u.role == "assistente_sociale"]

    # -- coordinators: free filtering --------------------------------------------------

    def filtra(
        self,
        principal: Principal,
        filtri: Filtri,
        oggi: date | None = None,
        *,
        registro: str | None = None,
        attendi_posizione: int | None = None,
    ) -> dict[str, Any]:
        """Counts, rates and indicators on the caller's comuni (or the one they filter).

        A channel filter keeps the requests of that channel and what follows from them (their
        back-office applications); cases have no channel, so with one there are no cases and
        no questionnaires, and only the caseloads (a picture of now, per social worker) stay.
        """
        require_role(principal, FILTRA)  # 403 before any wait
        self.wait(registro, attendi_posizione)
        distretto = self.district()
        tutti = [c.belfiore for c in distretto.comuni]
        visibili = visible_comuni(principal, FILTRA)
        if filtri.comune is not None:
            if distretto.comune(filtri.comune) is None:
                raise NotFound("comune non presente nell'ambito")
            authorize(principal, FILTRA, comune=filtri.comune)
            ambito = [filtri.comune]
        else:
            ambito = [c for c in tutti if visibili is None or c in visibili]
        oggi = oggi or datetime.now(ind.ROME).date()
        dati = self._dati(ambito)
        limiti = ind.periodo(filtri.anno, filtri.mese)
        precedente = ind.periodo(filtri.anno - 1, filtri.mese)

        def area_ok(row: dict[str, Any]) -> bool:
            return filtri.area_utenza is None or row["area_utenza"] == filtri.area_utenza

        def canale_ok(row: dict[str, Any]) -> bool:
            return filtri.canale is None or row["canale"] == filtri.canale

        def domande_in(lim: tuple[datetime, datetime]) -> list[dict[str, Any]]:
            return [
                d
                for d in dati.domande
                if _nel(d["ricevuta_il"], lim) and area_ok(d) and canale_ok(d)
            ]

        def casi_in(lim: tuple[datetime, datetime]) -> list[dict[str, Any]]:
            if filtri.canale is not None:
                return []  # cases have no channel: with one, users are those who asked
            return [c for c in dati.casi if _attivo(c, lim) and area_ok(c)]

        def utenti(lim: tuple[datetime, datetime]) -> set[str]:
            return {d["persona_id"] for d in domande_in(lim)} | {
                c["persona_id"] for c in casi_in(lim)
            }

        richieste = domande_in(limiti)
        attivi = casi_in(limiti)
        aperti = [c for c in attivi if _nel(c["aperto_il"], limiti)]
        raccolti = [
            q
            for q in dati.questionari
            if filtri.canale is None and _nel(q["raccolto_il"], limiti) and area_ok(q)
        ]  # questionnaires are of cases, which have no channel
        abitanti = {c.belfiore: c.abitanti for c in distretto.comuni}

        per_comune = []
        for comune in ambito:
            d = [r for r in richieste if r["comune"] == comune]
            c = [r for r in attivi if r["comune"] == comune]
            persone = {r["persona_id"] for r in d} | {r["persona_id"] for r in c}
            per_comune.append(
                {
                    "comune": comune,
                    "nome": distretto.comune(comune).nome,  # type: ignore[union-attr]
                    "abitanti": abitanti[comune],
                    "domande": len(d),
                    "casi_aperti": sum(1 for r in aperti if r["comune"] == comune),
                    "utenti": len(persone),
                    "utenti_per_1000_abitanti": round(1000 * len(persone) / abitanti[comune], 2)
                    if abitanti[comune]
                    else None,
                }
            )
        per_area = []
        for area in AREE:
            d = [r for r in richieste if r["area_utenza"] == area]
            c = [r for r in attivi if r["area_utenza"] == area]
            if not d and not c:
                continue
            per_area.append(
                {
                    "area_utenza": area,
                    "domande": len(d),
                    "casi_aperti": sum(1 for r in aperti if r["area_utenza"] == area),
                    "utenti": len({r["persona_id"] for r in d} | {r["persona_id"] for r in c}),
                }
            )
        per_canale = []
        for canale in CANALI:
            d = [r for r in richieste if r["canale"] == canale]
            if not d:
                continue
            svelte = sum(
                1 for r in d if ind.stesso_giorno(r["ricevuta_il"], r["prima_risposta_il"])
            )
            per_canale.append(
                {
                    "canale": canale,
                    "domande": len(d),
                    "risposte_stesso_giorno": svelte,
                    "quota_stesso_giorno": ind.quota(svelte, len(d)),
                }
            )
        mesi: dict[str, dict[str, int]] = defaultdict(
            lambda: {"domande": 0, "casi_aperti": 0, "questionari": 0}
        )
        for r in richieste:
            mesi[_mese(r["ricevuta_il"])]["domande"] += 1
        for r in aperti:
            mesi[_mese(r["aperto_il"])]["casi_aperti"] += 1
        for r in raccolti:
            mesi[_mese(r["raccolto_il"])]["questionari"] += 1
        per_mese = [{"mese": m, **v} for m, v in sorted(mesi.items())]
        numero: dict[tuple[str, str, str, str], int] = defaultdict(int)
        chi: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        for r in richieste:
            chiave = (r["comune"], r["area_utenza"], r["canale"], _mese(r["ricevuta_il"]))
            numero[chiave] += 1
            chi[chiave].add(r["persona_id"])
        conteggi = [
            {
                "comune": k[0],
                "area_utenza": k[1],
                "canale": k[2],
                "mese": k[3],
                "domande": v,
                "persone": len(chi[k]),
            }
            for k, v in sorted(numero.items())
        ]

        # indicators
        assistenti = sum(ind.quota_assistente(u.comuni, ambito) for u in self._assistenti())
        rapporto = ind.rapporto_assistenti(sum(abitanti[c] for c in ambito), assistenti)
        con_caso = {c["persona_id"] for c in attivi}
        con_progetto = {c["persona_id"] for c in attivi if _con_progetto(c, limiti)}
        svelte_tutte = sum(
            1 for r in richieste if ind.stesso_giorno(r["ricevuta_il"], r["prima_risposta_il"])
        )
        canale_domanda = {d["domanda_id"]: d["canale"] for d in dati.domande}
        termini = ind.termini_istanze(
            ind.esito_istanza(i["scadenza"], i["completata_il"], oggi)
            for i in dati.istanze
            if _nel(i["istruita_il"], limiti)
            and area_ok(i)
            and (filtri.canale is None or canale_domanda.get(i["domanda_id"]) == filtri.canale)
        )
        carichi = self._carichi(dati.casi, ambito, filtri.area_utenza)
        return {
            "filtri": {
                "anno": filtri.anno,
                "mese": filtri.mese,
                "comuni": ambito,
                "area_utenza": filtri.area_utenza,
                "canale": filtri.canale,
            },
            "per_comune": per_comune,
            "per_area": per_area,
            "per_canale": per_canale,
            "per_mese": per_mese,
            "conteggi": conteggi,
            "indicatori": {
                "assistenti_sociali": rapporto,
                "progetto_personalizzato": {
                    "utenti_con_caso": len(con_caso),
                    "con_progetto": len(con_progetto),
                    "quota": ind.quota(len(con_progetto), len(con_caso)),
                },
                "variazione_utenti": ind.variazione(len(utenti(limiti)), len(utenti(precedente))),
                "front_office": {
                    "domande": len(richieste),
                    "risposte_stesso_giorno": svelte_tutte,
                    "quota_stesso_giorno": ind.quota(svelte_tutte, len(richieste)),
                },
                "back_office": termini,
                "carichi": carichi,
                "soddisfazione": ind.soddisfazione(
                    (q["momento"], risposte(q["risposte"])) for q in raccolti
                ),
            },
        }

    def _carichi(
        self, righe: list[dict[str, Any]], ambito: Sequence[str], area: str | None
    ) -> ind.DistribuzioneCarichi:
        """Caseloads now: open cases per assigned social worker, on these comuni; social
        workers of these comuni (and area) with no case count as 0."""
        conta: dict[str, int] = defaultdict(int)
        for u in self._assistenti():
            if set(u.comuni) & set(ambito) and (area is None or area in u.aree):
                conta[u.username] = 0
        for c in righe:
            if (
                c["chiuso_il"] is None
                and c["assistente_sociale"]
                and (area is None or c["area_utenza"] == area)
            ):
                conta[c["assistente_sociale"]] += 1
        return ind.distribuzione_carichi(sorted(conta.values()))

    # -- published tables --------------------------------------------------------------

    def nome_ambito(self) -> str:
        return self.district().nome

    def tabelle(
        self,
        principal: Principal,
        anno: int,
        *,
        registro: str | None = None,
        attendi_posizione: int | None = None,
    ) -> list[TabellaPubblicata]:
        require_role(principal, PUBBLICATO)
        self.wait(registro, attendi_posizione)
        rilascio = self._rilascio_di(anno)
        return [self._tabella(principal, nome, anno, rilascio) for nome in TABELLE]

    def tabella(self, principal: Principal, nome: str, anno: int) -> TabellaPubblicata:
        require_role(principal, PUBBLICATO)
        if nome not in TABELLE:
            raise NotFound("tabella non pubblicata")
        return self._tabella(principal, nome, anno)

    def _rilascio_di(self, anno: int) -> dict[str, TabellaPubblicata]:
        """The year's release, computed once for a given state of what it depends on."""
        distretto = self.district()
        chiave = (
            anno,
            datetime.now(ind.ROME).date(),  # back-office outcomes are as of today
            tuple(sorted(read_positions(self.views, self.feed.projection.name).items())),
            distretto,
            tuple(self.users()),
        )
        found = self._rilasci.get(chiave)
        if found is None:
            comuni = [c.belfiore for c in distretto.comuni]
            found = self._rilascio(self._dati(comuni), comuni, anno)
            if len(self._rilasci) >= RILASCI_IN_MEMORIA:
                self._rilasci.pop(next(iter(self._rilasci)))
            self._rilasci[chiave] = found
        return found

    def _tabella(
        self,
        principal: Principal,
        nome: str,
        anno: int,
        rilascio: dict[str, TabellaPubblicata] | None = None,
    ) -> TabellaPubblicata:
        """Computed and suppressed over the whole district (the same cells for everyone);
        a coordinator then sees the rows of their own comuni."""
        tabella = (rilascio or self._rilascio_di(anno))[nome]
        visibili = visible_comuni(principal, PUBBLICATO)
        if visibili is None or tabella.dimensione_righe != "comune":
            return tabella
        tenute = [k for k, r in enumerate(tabella.righe) if r in visibili]
        return TabellaPubblicata(
            tabella.nome,
            tabella.titolo,
            tabella.anno,
            tabella.dimensione_righe,
            tabella.dimensione_colonne,
            tuple(tabella.righe[k] for k in tenute),
            tabella.colonne,
            tuple(tabella.celle[k] for k in tenute),
            tuple(tabella.totali_riga[k] for k in tenute) if tabella.totali_riga else None,
            tabella.totali_colonna,
            tabella.totale,
            tabella.nota,
        )

    def _rilascio(self, dati: Dati, comuni: list[str], anno: int) -> dict[str, TabellaPubblicata]:
        """The four tables of one release, protected as a whole (decision 0023): each table
        is suppressed on its own, then the release is ONE linear program with every link
        between the tables (``services.reporting.rilascio_lp``), and while some hidden count's
        range misses its protection interval one more count is hidden and its table
        suppressed again. The year's requests are the grand total of
        ``domande_comune_canale`` and the ``domande`` total of ``indicatori_area``: hidden in
        one, hidden in both (with the reason it has where it was hidden); the district's
        same-day share times that total is the ``risposte_stesso_giorno`` total, so the share
        is hidden with either."""
        conteggi = _conteggi(dati, comuni, anno)
        tabelle: dict[Hashable, TabellaPubblicata] = {}  # tables already suppressed
        colonne: dict[Hashable, TabellaSoppressa] = {}  # indicatori_area's, likewise

        def una(chiave: Hashable, calcola: Callable[[], TabellaPubblicata]) -> TabellaPubblicata:
            if chiave not in tabelle:
                tabelle[chiave] = calcola()
            return tabelle[chiave]

        def di(sigla: str, forzate: Mapping[Chiave, Motivo]) -> dict[Posizione, Motivo]:
            return {(int(k[1]), int(k[2])): m for k, m in forzate.items() if k[0] == sigla}

        def costruisci(
            richieste: Mapping[Chiave, Motivo],
        ) -> Rilascio[dict[str, TabellaPubblicata]]:
            forzate = dict(richieste)
            totale_d: Chiave = ("D", len(comuni), len(CANALI))
            totale_a: Chiave = ("A", "domande", len(AREE))
            while True:
                u, d = di("U", forzate), di("D", forzate)
                a = {
                    colonna: {
                        (int(k[2]), 0): m for k, m in forzate.items() if k[:2] == ("A", colonna)
                    }
                    for colonna in COLONNE_AREA
                }
                utenti = una(
                    ("U", frozenset(u.items())),
                    partial(self._utenti_comune_area, conteggi, comuni, anno, u),
                )
                domande_canale = una(
                    ("D", frozenset(d.items())),
                    partial(self._domande_comune_canale, conteggi, comuni, anno, d),
                )
                area = una(
                    ("A", frozenset((c, frozenset(v.items())) for c, v in a.items())),
                    partial(self._indicatori_area, conteggi, anno, a, colonne),
                )
                voci = _voci(conteggi, utenti, domande_canale, area, forzate)
                nascosti = {k: voci[k] for k in (totale_d, totale_a) if not voci[k].pubblicata}
                if not nascosti or {totale_d, totale_a} <= set(forzate):
                    break
                # both tables suppressed again with the total hidden from the start: their
                # complements then go where the total alone does not protect
                motivo: Motivo = (
                    "primaria" if any(v.primaria for v in nascosti.values()) else "secondaria"
                )
                forzate[totale_d] = forzate[totale_a] = motivo
            assert area.totali_colonna is not None
            svelte_a = area.totali_colonna[area.colonne.index("risposte_stesso_giorno")]
            distretto = self._indicatori_distretto(
                dati,
                comuni,
                anno,
                quota_stesso_giorno_nascosta=bool(nascosti) or svelte_a.soppressa,
                utenti_nascosti=N in forzate,
            )
            quota = distretto.celle[distretto.righe.index(QUOTA_STESSO_GIORNO)][0].valore
            utenti_distretto = distretto.celle[distretto.righe.index("utenti")][0]
            voci[N] = Voce(
                conteggi.utenti_distretto,
                not utenti_distretto.soppressa,
                utenti_distretto.motivo == "primaria",
                totale=True,
            )
            return Rilascio(
                len(comuni),
                len(AREE),
                len(CANALI),
                voci,
                quota,
                {
                    "utenti_comune_area": utenti,
                    "domande_comune_canale": domande_canale,
                    "indicatori_area": area,
                    "indicatori_distretto": distretto,
                },
            )

        return proteggi(costruisci).tabelle

    def _utenti_comune_area(
        self,
        conteggi: _Conteggi,
        comuni: list[str],
        anno: int,
        sensibili: Mapping[Posizione, Motivo] | None = None,
    ) -> TabellaPubblicata:
        s = sopprimi(conteggi.utenti, conteggi.utenti, sensibili=sensibili)
        return TabellaPubblicata(
            "utenti_comune_area",
            TABELLE["utenti_comune_area"],
            anno,
            "comune",
            "area_utenza",
            tuple(comuni),
            AREE,
            s.celle,
            s.totali_riga,
            s.totali_colonna,
            s.totale,
            "Persone distinte con una domanda o un caso nell'anno. I totali sommano le celle "
            "(chi ha casi in due aree conta in entrambe). Celle con meno di 5 persone "
            "soppresse (primaria) e soppressione secondaria sui totali.",
        )

    def _domande_comune_canale(
        self,
        conteggi: _Conteggi,
        comuni: list[str],
        anno: int,
        sensibili: Mapping[Posizione, Motivo] | None = None,
    ) -> TabellaPubblicata:
        s = sopprimi(conteggi.domande, conteggi.persone_domande, sensibili=sensibili)
        return TabellaPubblicata(
            "domande_comune_canale",
            TABELLE["domande_comune_canale"],
            anno,
            "comune",
            "canale",
            tuple(comuni),
            CANALI,
            s.celle,
            s.totali_riga,
            s.totali_colonna,
            s.totale,
            "Domande ricevute nell'anno; una cella è soppressa quando le domande vengono da "
            "meno di 5 persone distinte.",
        )

    def _indicatori_area(
        self,
        conteggi: _Conteggi,
        anno: int,
        sensibili: Mapping[str, Mapping[Posizione, Motivo]] | None = None,
        colonne: dict[Hashable, TabellaSoppressa] | None = None,
    ) -> TabellaPubblicata:
        """Each count column is suppressed on its own against its district total
        (``sensibili``: per column, entries hidden from the start; ``colonne``: columns
        already suppressed, by name and ``sensibili``, reused)."""
        sensibili = sensibili or {}
        colonne = {} if colonne is None else colonne

        def colonna(nome: str) -> tuple[list[CellaPubblicata], CellaPubblicata]:
            valori, persone = conteggi.area[nome]
            chiave = (nome, frozenset((sensibili.get(nome) or {}).items()))
            if chiave not in colonne:
                colonne[chiave] = sopprimi(
                    [[v] for v in valori],
                    [[p] for p in persone],
                    totali_riga=False,
                    sensibili=sensibili.get(nome),
                )
            s = colonne[chiave]
            assert s.totali_colonna is not None
            return [riga[0] for riga in s.celle], s.totali_colonna[0]

        casi_c, casi_t = colonna("utenti_con_caso")
        prog_c, prog_t = colonna("utenti_con_progetto")
        dom_c, dom_t = colonna("domande")
        sv_c, sv_t = colonna("risposte_stesso_giorno")

        def rapporto(num: CellaPubblicata, den: CellaPubblicata) -> CellaValore:
            if num.soppressa or den.soppressa:
                return CellaValore(None, "secondaria")
            return CellaValore(ind.quota(num.valore or 0, den.valore or 0))

        celle = tuple(
            (
                casi_c[k],
                prog_c[k],
                rapporto(prog_c[k], casi_c[k]),
                dom_c[k],
                sv_c[k],
                rapporto(sv_c[k], dom_c[k]),
            )
            for k in range(len(AREE))
        )
        return TabellaPubblicata(
            "indicatori_area",
            TABELLE["indicatori_area"],
            anno,
            "area_utenza",
            "indicatore",
            AREE,
            (
                "utenti_con_caso",
                "utenti_con_progetto",
                "quota_progetto",
                "domande",
                "risposte_stesso_giorno",
                "quota_stesso_giorno",
            ),
            celle,
            None,
            (casi_t, prog_t, rapporto(prog_t, casi_t), dom_t, sv_t, rapporto(sv_t, dom_t)),
            None,
            "Conteggi soppressi sotto 5 persone, con soppressione secondaria sul totale "
            "d'ambito; una quota è soppressa quando lo è uno dei suoi conteggi.",
        )

    def _indicatori_distretto(
        self,
        dati: Dati,
        comuni: list[str],
        anno: int,
        *,
        quota_stesso_giorno_nascosta: bool = False,
        utenti_nascosti: bool = False,
    ) -> TabellaPubblicata:
        """``utenti_nascosti``: the district's users hidden for the release's protection
        (``_rilascio``), and with them their yearly change."""
        distretto = self.district()
        limiti, precedente = ind.periodo(anno), ind.periodo(anno - 1)
        oggi = datetime.now(ind.ROME).date()

        def utenti(lim: tuple[datetime, datetime]) -> set[str]:
            return {d["persona_id"] for d in dati.domande if _nel(d["ricevuta_il"], lim)} | {
                c["persona_id"] for c in dati.casi if _attivo(c, lim)
            }

        rapporto = ind.rapporto_assistenti(
            distretto.abitanti,
            sum(ind.quota_assistente(u.comuni, comuni) for u in self._assistenti()),
        )
        attivi = [c for c in dati.casi if _attivo(c, limiti)]
        con_caso = {c["persona_id"] for c in attivi}
        con_progetto = {c["persona_id"] for c in attivi if _con_progetto(c, limiti)}
        richieste = [d for d in dati.domande if _nel(d["ricevuta_il"], limiti)]
        svelte = [
            d for d in richieste if ind.stesso_giorno(d["ricevuta_il"], d["prima_risposta_il"])
        ]
        esiti = [
            (i["persona_id"], ind.esito_istanza(i["scadenza"], i["completata_il"], oggi))
            for i in dati.istanze
            if _nel(i["istruita_il"], limiti)
        ]
        termini = ind.termini_istanze(e for _, e in esiti)
        dovute = {p for p, e in esiti if e != "in_corso"}
        carichi = self._carichi(dati.casi, comuni, None)
        raccolti = [q for q in dati.questionari if _nel(q["raccolto_il"], limiti)]
        gradimento = {
            s.momento: s
            for s in ind.soddisfazione((q["momento"], risposte(q["risposte"])) for q in raccolti)
        }
        chi_risponde = {
            m: {q["persona_id"] for q in raccolti if q["momento"] == m} for m in ind.MOMENTI
        }
        n_utenti, n_precedente = len(utenti(limiti)), len(utenti(precedente))
        variazione = ind.variazione(n_utenti, n_precedente)

        def protetta(valore: float | None, *persone: int) -> CellaValore:
            """A figure built on a count of fewer than 5 people is suppressed (0 people
            reveals no one). A share names the people of its numerator and of its
            complement too: with the total published elsewhere, either can be recovered."""
            if any(0 < n < SOGLIA for n in persone):
                return CellaValore(None, "primaria")
            return CellaValore(valore)

        righe: list[tuple[str, CellaValore]] = [
            ("abitanti", CellaValore(float(rapporto.abitanti))),
            ("assistenti_sociali", CellaValore(rapporto.assistenti_sociali)),
            ("abitanti_per_assistente_sociale", CellaValore(rapporto.abitanti_per_assistente)),
        ]
        for obiettivo in rapporto.obiettivi:
            righe.append(
                (
                    f"obiettivo_1_{obiettivo.abitanti_per_assistente}_raggiunto",
                    CellaValore(1.0 if obiettivo.raggiunto else 0.0),
                )
            )
        utenti_cella = protetta(float(n_utenti), n_utenti)
        variazione_cella = protetta(variazione.percentuale, n_utenti, n_precedente)
        if utenti_nascosti and not utenti_cella.soppressa:
            utenti_cella = CellaValore(None, "secondaria")
        if utenti_nascosti and not variazione_cella.soppressa:
            # with the previous year's users published, the change gives this year's back
            variazione_cella = CellaValore(None, "secondaria")
        righe += [
            ("utenti", utenti_cella),
            ("utenti_anno_precedente", protetta(float(n_precedente), n_precedente)),
            ("variazione_utenti", variazione_cella),
            (
                "quota_utenti_con_progetto",
                protetta(
                    ind.quota(len(con_progetto), len(con_caso)),
                    len(con_caso),
                    len(con_progetto),
                    len(con_caso - con_progetto),
                ),
            ),
            (
                QUOTA_STESSO_GIORNO,
                # times the published requests total, it is the same-day total of
                # indicatori_area: hidden with it (decision 0023)
                CellaValore(None, "secondaria")
                if quota_stesso_giorno_nascosta
                else protetta(
                    ind.quota(len(svelte), len(richieste)),
                    len({d["persona_id"] for d in richieste}),
                    len({d["persona_id"] for d in svelte}),
                    len({d["persona_id"] for d in richieste} - {d["persona_id"] for d in svelte}),
                ),
            ),
            (
                "quota_istanze_nei_termini",
                protetta(
                    termini.quota_nei_termini,
                    len(dovute),
                    len({p for p, e in esiti if e == "nei_termini"}),
                    len({p for p, e in esiti if e not in ("nei_termini", "in_corso")}),
                ),
            ),
            (
                "carico_minimo",
                CellaValore(None if carichi.minimo is None else float(carichi.minimo)),
            ),
            ("carico_mediano", CellaValore(carichi.mediana)),
            (
                "carico_massimo",
                CellaValore(None if carichi.massimo is None else float(carichi.massimo)),
            ),
        ]
        for momento in ind.MOMENTI:
            s = gradimento[momento]
            righe.append(
                (
                    f"questionari_{momento}",
                    protetta(float(s.questionari), len(chi_risponde[momento])),
                )
            )
            righe.append(
                (f"soddisfazione_media_{momento}", protetta(s.media, len(chi_risponde[momento])))
            )
        return TabellaPubblicata(
            "indicatori_distretto",
            TABELLE["indicatori_distretto"],
            anno,
            "indicatore",
            "valore",
            tuple(nome for nome, _ in righe),
            ("valore",),
            tuple((cella,) for _, cella in righe),
            None,
            None,
            None,
            "Gli indicatori calcolati su meno di 5 persone sono soppressi. Carichi di lavoro: "
            "casi aperti per assistente sociale, oggi. Obiettivi: 1 = raggiunto, 0 = no.",
        )
