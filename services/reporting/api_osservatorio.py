"""HTTP entry points of the observatory: they only translate (``osservatorio_queries``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from services.reporting import esportazioni
from services.reporting.indicatori import ROME
from services.reporting.osservatorio_queries import (
    CellaValore,
    Filtri,
    OsservatorioQueries,
    TabellaPubblicata,
)
from services.reporting.schemas_osservatorio import (
    CellaOut,
    OsservatorioOut,
    TabellaOut,
    TabelleOut,
)
from services.reporting.soppressione import CellaPubblicata
from shared.events.types import AreaUtenza, Canale
from shared.web.authentication import CurrentPrincipal
from shared.web.paging import Attendi

PREFIX = "/api/reporting/osservatorio"
Anno = Annotated[
    int | None,
    Query(ge=2000, le=2100, description="Anno, dal 2000 al 2100 (predefinito: quello in corso)"),
]
Registro = Annotated[
    Literal["intake", "casework"] | None,
    Query(description="Il registro di cui attendere la posizione (con attendi_posizione)"),
]
NomeTabella = Annotated[str, Path(pattern=r"^[a-z_]{1,40}$", description="Nome della tabella")]


def _anno(anno: int | None) -> int:
    return anno if anno is not None else datetime.now(ROME).year


def _cella(cella: CellaPubblicata | CellaValore) -> CellaOut:
    # why a cell is hidden is not published: "primaria" would tell that it holds 1 to 4
    # people, a bound the protection interval does not allow for (decision 0023)
    return CellaOut(valore=cella.valore, soppressa=cella.soppressa)


def tabella_out(tabella: TabellaPubblicata) -> TabellaOut:
    return TabellaOut(
        nome=tabella.nome,
        titolo=tabella.titolo,
        anno=tabella.anno,
        dimensione_righe=tabella.dimensione_righe,
        dimensione_colonne=tabella.dimensione_colonne,
        righe=list(tabella.righe),
        colonne=list(tabella.colonne),
        celle=[[_cella(c) for c in riga] for riga in tabella.celle],
        totali_riga=None
        if tabella.totali_riga is None
        else [_cella(c) for c in tabella.totali_riga],
        totali_colonna=None
        if tabella.totali_colonna is None
        else [_cella(c) for c in tabella.totali_colonna],
        totale=None if tabella.totale is None else _cella(tabella.totale),
        nota=tabella.nota,
    )


def _allegato(contenuto: bytes, tipo: str, nome: str) -> Response:
    return Response(
        contenuto,
        media_type=tipo,
        headers={"Content-Disposition": f'attachment; filename="{nome}"'},
    )


def router(queries: OsservatorioQueries) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["osservatorio"])

    @api.get("", response_model=OsservatorioOut)
    def osservatorio(
        principal: CurrentPrincipal,
        anno: Anno = None,
        mese: Annotated[
            int | None, Query(ge=1, le=12, description="Mese, da 1 a 12 (predefinito: l'anno)")
        ] = None,
        comune: Annotated[str | None, Query(pattern=r"^[A-Z]\d{3}$")] = None,
        area_utenza: AreaUtenza | None = None,
        canale: Canale | None = None,
        registro: Registro = None,
        attendi_posizione: Attendi = None,
    ) -> OsservatorioOut:
        filtri = Filtri(_anno(anno), mese, comune, area_utenza, canale)
        risposta = queries.filtra(
            principal, filtri, registro=registro, attendi_posizione=attendi_posizione
        )
        return OsservatorioOut.model_validate(risposta)

    @api.get("/tabelle", response_model=TabelleOut)
    def tabelle(
        principal: CurrentPrincipal,
        anno: Anno = None,
        registro: Registro = None,
        attendi_posizione: Attendi = None,
    ) -> TabelleOut:
        pubblicate = queries.tabelle(
            principal, _anno(anno), registro=registro, attendi_posizione=attendi_posizione
        )
        return TabelleOut(items=[tabella_out(t) for t in pubblicate])

    @api.get("/tabelle/{tabella}", response_model=TabellaOut)
    def tabella(principal: CurrentPrincipal, tabella: NomeTabella, anno: Anno = None) -> TabellaOut:
        return tabella_out(queries.tabella(principal, tabella, _anno(anno)))

    @api.get("/esportazioni/{tabella}.csv", response_class=Response)
    def esporta_csv(
        principal: CurrentPrincipal, tabella: NomeTabella, anno: Anno = None
    ) -> Response:
        pubblicata = queries.tabella(principal, tabella, _anno(anno))
        return _allegato(
            esportazioni.csv_tabella(pubblicata),
            "text/csv; charset=utf-8",
            esportazioni.nome_file(pubblicata.nome, pubblicata.anno, "csv"),
        )

    @api.get("/esportazioni/{tabella}.xlsx", response_class=Response)
    def esporta_xlsx(
        principal: CurrentPrincipal, tabella: NomeTabella, anno: Anno = None
    ) -> Response:
        pubblicata = queries.tabella(principal, tabella, _anno(anno))
        return _allegato(
            esportazioni.xlsx_tabella(pubblicata),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            esportazioni.nome_file(pubblicata.nome, pubblicata.anno, "xlsx"),
        )

    @api.get("/rapporto.pdf", response_class=Response)
    def rapporto(principal: CurrentPrincipal, anno: Anno = None) -> Response:
        scelto = _anno(anno)
        tabelle = queries.tabelle(principal, scelto)
        return _allegato(
            esportazioni.pdf_rapporto(queries.nome_ambito(), scelto, tabelle),
            "application/pdf",
            f"osservatorio_rapporto_piano_di_zona_{scelto}.pdf",
        )

    return api
