"""The SIUSS flows issued on one day (Europe/Rome): one aggregate per day, so that the
day's progressive numbers and the strictly increasing ``ts_flusso`` have one writer. Two
processes issuing at once conflict on the same stream, and the loser retries with the
winner's numbers (design section 12: ``ts_flusso`` strictly ordered)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.utils import get_topic

from shared.events import reporting
from shared.ledger.aggregate import LedgerAggregate

GIORNATE = UUID("0b9a7f3e-3d55-4a8e-bb8a-6c1f7f0e2d41")
"""Namespace of the day aggregates' ids."""
MILLISECONDO = timedelta(milliseconds=1)


def id_giornata(giorno: date) -> UUID:
    return uuid5(GIORNATE, giorno.isoformat())


class _PrimoOSeguente:
    """An event that creates the day's stream when it is the first, else extends it (the
    catalogue has one event type whichever comes first)."""

    def mutate(self, aggregate: Any) -> Any:
        if aggregate is None:
            return super().mutate(None)  # type: ignore[misc]
        return LedgerAggregate.Event.mutate(self, aggregate)  # type: ignore[arg-type]


class GiornataSiuss(LedgerAggregate):
    class FlussoSiussEmesso(_PrimoOSeguente, LedgerAggregate.Created, reporting.FlussoSiussEmesso):
        def apply(self, aggregate: Any) -> None:
            chiave = (self.flusso.comune, self.flusso.tipo)
            aggregate.progressivi[chiave] = aggregate.progressivi.get(chiave, 0) + 1
            aggregate.ultimo_ts = max(aggregate.ultimo_ts or self.ts_flusso, self.ts_flusso)
            aggregate.chiavi.add(self.flusso.chiave)

    class FlussoSiussBloccato(
        _PrimoOSeguente, LedgerAggregate.Created, reporting.FlussoSiussBloccato
    ):
        def apply(self, aggregate: Any) -> None:
            aggregate.chiavi.add(self.flusso.chiave)

    def __init__(self) -> None:
        self.progressivi: dict[tuple[str, str], int] = {}
        self.ultimo_ts: datetime | None = None
        self.chiavi: set[str] = set()

    def prossimo(self, comune: str, tipo: str) -> int:
        return self.progressivi.get((comune, tipo), 0) + 1

    def ts_dopo(self, adesso: datetime, precedente: datetime | None) -> datetime:
        """Now, in whole milliseconds, and after every flow issued before."""
        return ts_dopo(adesso, self.ultimo_ts, precedente)

    def emetti(self, flusso: reporting.FlussoDovuto, flusso_id: str, ts: datetime) -> None:
        self.trigger_event(
            self.FlussoSiussEmesso,
            originator_topic=get_topic(GiornataSiuss),
            flusso=flusso,
            flusso_id=flusso_id,
            ts_flusso=ts,
        )

    def blocca(
        self, flusso: reporting.FlussoDovuto, campo: str, motivo: str, superato: bool = False
    ) -> None:
        self.trigger_event(
            self.FlussoSiussBloccato,
            originator_topic=get_topic(GiornataSiuss),
            flusso=flusso,
            campo=campo[:200],
            motivo=motivo[:200],
            superato=superato,
        )


def ts_dopo(adesso: datetime, *precedenti: datetime | None) -> datetime:
    """Now, in whole milliseconds, and after each of ``precedenti``."""
    ts = adesso.replace(microsecond=adesso.microsecond // 1000 * 1000)
    for prima in precedenti:
        if prima is not None and ts <= prima:
            ts = prima + MILLISECONDO
    return ts


def prima_emissione(
    giorno: date, flusso: reporting.FlussoDovuto, flusso_id: str, ts: datetime
) -> GiornataSiuss:
    """The day's first flow, issued: it creates the day's stream."""
    return GiornataSiuss._create(
        GiornataSiuss.FlussoSiussEmesso,
        id=id_giornata(giorno),
        flusso=flusso,
        flusso_id=flusso_id,
        ts_flusso=ts,
    )


def primo_blocco(
    giorno: date, flusso: reporting.FlussoDovuto, campo: str, motivo: str, superato: bool = False
) -> GiornataSiuss:
    """The day's first flow, blocked: it creates the day's stream."""
    return GiornataSiuss._create(
        GiornataSiuss.FlussoSiussBloccato,
        id=id_giornata(giorno),
        flusso=flusso,
        campo=campo[:200],
        motivo=motivo[:200],
        superato=superato,
    )
