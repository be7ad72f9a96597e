"""The PDF report of the published indicators, with charts (reportlab). Imported only when a
report is asked for: reportlab takes a second or more to import, which every start of every
service and command would otherwise pay."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.reporting.esportazioni import TOTALE, pulito, testo_cella
from services.reporting.indicatori import ROME
from services.reporting.osservatorio_queries import TabellaPubblicata


def _grafico(titolo: str, etichette: Sequence[str], valori: Sequence[float]) -> Drawing:
    """A bar chart; suppressed values are drawn as 0 and the note says so."""
    disegno = Drawing(16 * cm, 7 * cm)
    grafico = VerticalBarChart()
    grafico.x, grafico.y = 1.5 * cm, 1.2 * cm
    grafico.width, grafico.height = 13 * cm, 4.8 * cm
    grafico.data = [list(valori) or [0]]
    grafico.categoryAxis.categoryNames = [pulito(e) for e in etichette] or [""]
    grafico.categoryAxis.labels.fontSize = 7
    grafico.valueAxis.valueMin = 0
    grafico.bars[0].fillColor = colors.HexColor("#0066CC")
    disegno.add(grafico)
    disegno.add(String(1.5 * cm, 6.5 * cm, titolo, fontSize=10))
    return disegno


def _paragrafo(valore: str) -> str:
    """A text for ``Paragraph``, which reads its text as markup: a district named
    ``Comuni <Martesana>`` must print as written, not break the report (decision 0033)."""
    return escape(pulito(valore))


def pdf_rapporto(nome_ambito: str, anno: int, tabelle: Sequence[TabellaPubblicata]) -> bytes:
    """The Piano di Zona report: every published table, and charts of users per area,
    requests per channel and satisfaction per moment (from the suppressed tables only)."""
    stili = getSampleStyleSheet()
    nome_ambito = pulito(nome_ambito)
    uscita = io.BytesIO()
    documento = SimpleDocTemplate(
        uscita, pagesize=A4, title=f"Osservatorio {nome_ambito} {anno}", author="Ambito"
    )
    storia: list[object] = [
        Paragraph(f"Osservatorio dell'ambito: {escape(nome_ambito)}", stili["Title"]),
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
        storia += [Spacer(1, 0.5 * cm), Paragraph(_paragrafo(tabella.titolo), stili["Heading2"])]
        intestazione = [pulito(tabella.dimensione_righe), *map(pulito, tabella.colonne)]
        if tabella.totali_riga is not None:
            intestazione.append(TOTALE)
        dati: list[list[str]] = [intestazione]
        for i, nome in enumerate(tabella.righe):
            riga = [pulito(nome), *(testo_cella(c) for c in tabella.celle[i])]
            if tabella.totali_riga is not None:
                riga.append(testo_cella(tabella.totali_riga[i]))
            dati.append(riga)
        if tabella.totali_colonna is not None:
            riga = [TOTALE, *(testo_cella(c) for c in tabella.totali_colonna)]
            if tabella.totale is not None:
                riga.append(testo_cella(tabella.totale))
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
        storia += [griglia, Paragraph(_paragrafo(tabella.nota), stili["Italic"])]
    documento.build(storia)
    return uscita.getvalue()
