"""Response shapes of the observatory's API (``/api/reporting/osservatorio``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.reporting.indicatori import (
    DistribuzioneCarichi,
    RapportoAssistenti,
    Soddisfazione,
    TerminiIstanze,
    Variazione,
)


class FiltriOut(BaseModel):
    anno: int
    mese: int | None
    comuni: list[str]
    area_utenza: str | None
    canale: str | None = Field(description="Il canale filtra le domande (i casi non ne hanno)")


class PerComuneOut(BaseModel):
    comune: str
    nome: str
    abitanti: int
    domande: int
    casi_aperti: int
    utenti: int
    utenti_per_1000_abitanti: float | None


class PerAreaOut(BaseModel):
    area_utenza: str
    domande: int
    casi_aperti: int
    utenti: int


class PerCanaleOut(BaseModel):
    canale: str
    domande: int
    risposte_stesso_giorno: int
    quota_stesso_giorno: float | None


class PerMeseOut(BaseModel):
    mese: str
    domande: int
    casi_aperti: int
    questionari: int


class ConteggioOut(BaseModel):
    comune: str
    area_utenza: str
    canale: str
    mese: str
    domande: int
    persone: int


class ProgettoOut(BaseModel):
    utenti_con_caso: int
    con_progetto: int
    quota: float | None


class FrontOfficeOut(BaseModel):
    domande: int
    risposte_stesso_giorno: int
    quota_stesso_giorno: float | None


class IndicatoriOut(BaseModel):
    assistenti_sociali: RapportoAssistenti
    progetto_personalizzato: ProgettoOut
    variazione_utenti: Variazione
    front_office: FrontOfficeOut
    back_office: TerminiIstanze
    carichi: DistribuzioneCarichi
    soddisfazione: list[Soddisfazione]


class OsservatorioOut(BaseModel):
    """Exact figures on the coordinator's own comuni (no suppression: they are entitled)."""

    filtri: FiltriOut
    per_comune: list[PerComuneOut]
    per_area: list[PerAreaOut]
    per_canale: list[PerCanaleOut]
    per_mese: list[PerMeseOut]
    conteggi: list[ConteggioOut]
    indicatori: IndicatoriOut


class CellaOut(BaseModel):
    valore: int | float | None = Field(description="null quando la cella è soppressa")
    soppressa: bool


class TabellaOut(BaseModel):
    nome: str
    titolo: str
    anno: int
    dimensione_righe: str
    dimensione_colonne: str
    righe: list[str]
    colonne: list[str]
    celle: list[list[CellaOut]]
    totali_riga: list[CellaOut] | None
    totali_colonna: list[CellaOut] | None
    totale: CellaOut | None
    nota: str


class TabelleOut(BaseModel):
    items: list[TabellaOut]
    next: str | None = None
