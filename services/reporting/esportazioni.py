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

from openpyxl import Workbook
from openpyxl.styles import Font

from services.reporting.osservatorio_queries import CellaValore, TabellaPubblicata
from services.reporting.soppressione import CellaPubblicata
from shared.events import testo

TOTALE = "Totale"
INTESTAZIONE = ("tabella", "anno", "riga", "colonna", "valore", "soppressa")
Riga = tuple[str, int, str, str, int | float | None, bool]


def celle(tabella: TabellaPubblicata) -> Iterator[Riga]:
    """Every published cell of a table, totals included, in a fixed order."""

    def riga(r: str, c: str, cella: CellaPubblicata | CellaValore) -> Riga:
        return (
            pulito(tabella.nome),
            tabella.anno,
            pulito(r),
            pulito(c),
            cella.valore,
            cella.soppressa,
        )

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
    note.append(("Titolo", pulito(tabella.titolo)))
    note.append(("Anno", tabella.anno))
    note.append(("Metodo", pulito(tabella.nota)))
    note.append(("Celle soppresse", "valore vuoto e soppressa = si"))
    uscita = io.BytesIO()
    libro.save(uscita)
    return uscita.getvalue()


def pulito(valore: str) -> str:
    """A label as an export can write it (decision 0033): labels are codes and names kept by
    the district, but a character XLSX (openpyxl), CSV or PDF cannot carry must cost one
    cell its character, never the export."""
    return testo.ripulisci(valore)


def _si(soppressa: bool) -> str:
    return "si" if soppressa else "no"


def testo_cella(cella: CellaPubblicata | CellaValore) -> str:
    if cella.soppressa:
        return "x"
    if cella.valore is None:
        return "–"
    if isinstance(cella.valore, float) and not cella.valore.is_integer():
        return f"{cella.valore:.2f}".replace(".", ",")
    return f"{int(cella.valore):d}"


def pdf_rapporto(nome_ambito: str, anno: int, tabelle: Sequence[TabellaPubblicata]) -> bytes:
    """The report, from ``rapporto_pdf`` (reportlab is imported only when one is asked for)."""
    from services.reporting.rapporto_pdf import pdf_rapporto as crea

    return crea(nome_ambito, anno, tabelle)
