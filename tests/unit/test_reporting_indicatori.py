"""Every indicator formula of the observatory (design section 8), on fixed dates and
instants: Europe/Rome days, periods, shares, targets, yearly change, deadlines, caseloads,
satisfaction."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.reporting import indicatori as ind


def test_a_utc_instant_belongs_to_its_day_in_rome() -> None:
    # 23:30 UTC on 31 March 2026 is already 1 April in Rome (summer time, UTC+2).
    assert ind.giorno(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == date(2026, 4, 1)
    assert ind.giorno(datetime(2026, 1, 10, 22, 59)) == date(2026, 1, 10)


def test_periods_start_and_end_at_midnight_in_rome() -> None:
    start, end = ind.periodo(2026)
    assert start == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    start, end = ind.periodo(2026, 7)
    assert start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 7, 31, 22, 0, tzinfo=UTC)
    assert ind.periodo(2026, 12)[1] == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_share() -> None:
    assert ind.quota(1, 3) == 0.3333
    assert ind.quota(0, 0) is None


def test_social_workers_against_the_targets() -> None:
    r = ind.rapporto_assistenti(38_000, 8)
    assert r.abitanti_per_assistente == 4750.0
    assert [o.raggiunto for o in r.obiettivi] == [True, False, True]
    assert [o.assistenti_necessari for o in r.obiettivi] == [8, 10, 4]
    nessuno = ind.rapporto_assistenti(10_000, 0)
    assert nessuno.abitanti_per_assistente is None
    assert not any(o.raggiunto for o in nessuno.obiettivi)


def test_a_social_worker_of_several_comuni_counts_in_part_for_each() -> None:
    assert ind.quota_assistente(["E094", "B292", "G965"], ["E094"]) == 1 / 3
    assert ind.quota_assistente(["E094", "B292"], ["E094", "B292", "G965"]) == 1
    assert ind.quota_assistente([], ["E094"]) == 0


def test_yearly_change() -> None:
    v = ind.variazione(120, 100)
    assert (v.differenza, v.percentuale) == (20, 0.2)
    assert ind.variazione(5, 0).percentuale is None


def test_same_day_answer_is_judged_in_rome() -> None:
    ricevuta = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)  # 23:30 in Rome, 10 March
    assert ind.stesso_giorno(ricevuta, datetime(2026, 3, 10, 22, 50, tzinfo=UTC))
    assert not ind.stesso_giorno(ricevuta, datetime(2026, 3, 10, 23, 5, tzinfo=UTC))
    assert not ind.stesso_giorno(ricevuta, None)


def test_back_office_deadlines() -> None:
    oggi = date(2026, 5, 20)
    scadenza = date(2026, 5, 15)
    # Completed at 23:30 Rome time on the due day: on time.
    assert (
        ind.esito_istanza(scadenza, datetime(2026, 5, 15, 21, 30, tzinfo=UTC), oggi)
        == "nei_termini"
    )
    assert (
        ind.esito_istanza(scadenza, datetime(2026, 5, 15, 22, 30, tzinfo=UTC), oggi)
        == "fuori_termini"
    )
    assert ind.esito_istanza(scadenza, None, oggi) == "scaduta"
    assert ind.esito_istanza(date(2026, 5, 20), None, oggi) == "in_corso"
    t = ind.termini_istanze(["nei_termini", "nei_termini", "fuori_termini", "scaduta", "in_corso"])
    assert (t.nei_termini, t.fuori_termini, t.scadute, t.in_corso) == (2, 1, 1, 1)
    assert t.quota_nei_termini == 0.5


def test_caseload_distribution() -> None:
    d = ind.distribuzione_carichi([0, 12, 35, 61, 18])
    assert (d.assistenti, d.minimo, d.mediana, d.massimo) == (5, 0, 18.0, 61)
    fasce = {(f.da, f.a): f.assistenti for f in d.fasce}
    assert fasce[(0, 9)] == 1
    assert fasce[(10, 19)] == 2
    assert fasce[(30, 39)] == 1
    assert fasce[(60, None)] == 1
    assert sum(fasce.values()) == 5
    vuota = ind.distribuzione_carichi([])
    assert vuota.mediana is None
    assert vuota.assistenti == 0


def test_satisfaction_per_moment() -> None:
    s = {
        x.momento: x
        for x in ind.soddisfazione(
            [("ex_ante", [4, 5, 3]), ("ex_ante", [2, 5]), ("ex_post", [5, 5, 5])]
        )
    }
    assert s["ex_ante"].questionari == 2
    assert s["ex_ante"].medie == (3.0, 5.0, 3.0)
    assert s["ex_ante"].media == 3.8
    assert s["in_itinere"].questionari == 0
    assert s["in_itinere"].media is None
    assert s["ex_post"].media == 5.0
