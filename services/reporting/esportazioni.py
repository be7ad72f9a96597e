"""Exports of the published (suppressed) tables: CSV, XLSX and a PDF report with charts.

Only ``TabellaPubblicata`` values come in, so an export can hold nothing but suppressed
published cells. Tables go out in long form, one cell per line (``riga``, ``colonna``,
``valore``, ``soppressa``), the totals with ``Totale``: a suppressed cell has an empty value
and ``soppressa`` = ``si``, never its number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.reporting.indicatori import ROME
from services.reporting.osservatorio_queries import CellaValore, TabellaPubblicata
from services.reporting.soppressione import CellaPubblicata

TOTALE = "Totale"
INTESTAZIONE = ("tabella", "anno", "riga", "colonna", "valore", "soppressa")
Riga = tuple[str, int, str, str, int | float | None, bool]


def celle(tabella: TabellaPubblicata) -> Iterator[Riga]:
    """Every published cell of a table, totals included, in a fixed order."""

    def riga(r: str, c: str, cella: CellaPubblicata | CellaValore) -> Riga:
        return (tabella.nome, tabella.anno, r, c, cella.valore, cella.soppressa)

    for i, nome in enumerate(tabella.righe):
        for j, colonna in enumerate(tabella.colonne):
            yield riga(nome, colonna, tabella.celle[i][j])
        if tabella.totali_riga is not None:
            yield riga(nome, TOTALE, tabella.totali_riga[i])
    if tabella.totali_colonna is not None:
        for j, colonna in enumerate(tabella.colonne):
            yield riga(TOTALE, colonna, tabella.totali_colonna[j])
    if tabella.totale is not None:
        yield riga(TOTALE, TOTALE, tabella.totale)


def nome_file(tabella: str, anno: int, estensione: str) -> str:
    return f"osservatorio_{tabella}_{anno}.{estensione}"


def csv_tabella(tabella: TabellaPubblicata) -> bytes:
    """UTF-8 CSV (RFC 4180, comma-separated, decimal point)."""
    testo = io.StringIO()
    scrittore = csv.writer(testo, lineterminator="\r\n")
    scrittore.writerow(INTESTAZIONE)
    for t, anno, r, c, valore, soppressa in celle(tabella):
        scrittore.writerow((t, anno, r, c, "" if valore is None else valore, _si(soppressa)))
    return testo.getvalue().encode("utf-8")


def xlsx_tabella(tabella: TabellaPubblicata) -> bytes:
    libro = Workbook()
    foglio = libro.active
    foglio.title = tabella.nome[:31]
    foglio.append(INTESTAZIONE)
    for cella in foglio[1]:
        cella.font = Font(bold=True)
    for t, anno, r, c, valore, soppressa in celle(tabella):
        foglio.append((t, anno, r, c, valore, _si(soppressa)))
    note = libro.create_sheet("Note")
    note.append(("Titolo", tabella.titolo))
    note.append(("Anno", tabella.anno))
    note.append(("Metodo", tabella.nota))
    note.append(("Celle soppresse", "valore vuoto e soppressa = si"))
    uscita = io.BytesIO()
    libro.save(uscita)
    return uscita.getvalue()


def _si(soppressa: bool) -> str:
    return "si" if soppressa else "no"


def _testo(cella: CellaPubblicata | CellaValore) -> str:
    if cella.soppressa:
        return "x"
    if cella.valore is None:
        return "–"
    if isinstance(cella.valore, float) and not cella.valore.is_integer():
        return f"{cella.valore:.2f}".replace(".", ",")
    return f"{int(cella.valore):d}"


def _grafico(titolo: str, etichette: Sequence[str], valori: Sequence[float]) -> Drawing:
    """A bar chart; suppressed values are drawn as 0 and the note says so."""
    disegno = Drawing(16 * cm, 7 * cm)
    grafico = VerticalBarChart()
    grafico.x, grafico.y = 1.5 * cm, 1.2 * cm
    grafico.width, grafico.height = 13 * cm, 4.8 * cm
    grafico.data = [list(valori) or [0]]
    grafico.categoryAxis.categoryNames = list(etichette) or [""]
    grafico.categoryAxis.labels.fontSize = 7
    grafico.valueAxis.valueMin = 0
    grafico.bars[0].fillColor = colors.HexColor("#0066CC")
    disegno.add(grafico)
    disegno.add(String(1.5 * cm, 6.5 * cm, titolo, fontSize=10))
    return disegno


def pdf_rapporto(nome_ambito: str, anno: int, tabelle: Sequence[TabellaPubblicata]) -> bytes:
    """The Piano di Zona report: every published table, and charts of users per area,
    requests per channel and satisfaction per moment (from the suppressed tables only)."""
    stili = getSampleStyleSheet()
    uscita = io.BytesIO()
    documento = SimpleDocTemplate(
        uscita, pagesize=A4, title=f"Osservatorio {nome_ambito} {anno}", author="Ambito"
    )
    storia: list[object] = [
        Paragraph(f"Osservatorio dell'ambito: {nome_ambito}", stili["Title"]),
        Paragraph(
            f"Indicatori del Piano di Zona, anno {anno}. Prodotto il "
            f"{datetime.now(ROME):%d/%m/%Y}. Le celle con meno di 5 persone sono soppresse "
            "(x), con soppressione secondaria sui totali.",
            stili["Normal"],
        ),
        Spacer(1, 0.4 * cm),
    ]
    per_nome = {t.nome: t for t in tabelle}
    if "indicatori_area" in per_nome:
        t = per_nome["indicatori_area"]
        storia.append(
            _grafico(
                "Utenti con un caso per area di utenza",
                t.righe,
                [float(r[0].valore or 0) for r in t.celle],
            )
        )
    if "domande_comune_canale" in per_nome and per_nome["domande_comune_canale"].totali_colonna:
        t = per_nome["domande_comune_canale"]
        totali = t.totali_colonna or ()
        storia.append(
            _grafico(
                "Domande per canale di accesso", t.colonne, [float(c.valore or 0) for c in totali]
            )
        )
    if "indicatori_distretto" in per_nome:
        t = per_nome["indicatori_distretto"]
        medie = {r: t.celle[k][0] for k, r in enumerate(t.righe)}
        momenti = ("ex_ante", "in_itinere", "ex_post")
        storia.append(
            _grafico(
                "Soddisfazione media (1-5) per momento del questionario",
                ["ex ante", "in itinere", "ex post"],
                [float(medie[f"soddisfazione_media_{m}"].valore or 0) for m in momenti],
            )
        )
    storia.append(
        Paragraph("Nei grafici un valore soppresso è disegnato come zero.", stili["Italic"])
    )
    for tabella in tabelle:
        storia += [Spacer(1, 0.5 * cm), Paragraph(tabella.titolo, stili["Heading2"])]
        intestazione = [tabella.dimensione_righe, *tabella.colonne]
        if tabella.totali_riga is not None:
            intestazione.append(TOTALE)
        dati: list[list[str]] = [intestazione]
        for i, nome in enumerate(tabella.righe):
            riga = [nome, *(_testo(c) for c in tabella.celle[i])]
            if tabella.totali_riga is not None:
                riga.append(_testo(tabella.totali_riga[i]))
            dati.append(riga)
        if tabella.totali_colonna is not None:
            riga = [TOTALE, *(_testo(c) for c in tabella.totali_colonna)]
            if tabella.totale is not None:
                riga.append(_testo(tabella.totale))
            dati.append(riga)
        griglia = Table(dati, repeatRows=1)
        griglia.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 7),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6F0FA")),
                ]
            )
        )
        storia += [griglia, Paragraph(tabella.nota, stili["Italic"])]
    documento.build(storia)
    return uscita.getvalue()
