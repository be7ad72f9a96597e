"""The XML both flows share: namespace, root, ``IdentificazioneFlusso`` and serialisation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from lxml import etree

from services.reporting.siuss import formato
from services.reporting.siuss.errori import FlussoNonCostruibile
from services.reporting.siuss.modello import Ente

NS: Final = "http://inps.it/Casellario"
"""Target namespace of both XSDs (which also share the root element ``Flusso``)."""


def q(nome: str) -> str:
    """A qualified name in the flows' namespace (``elementFormDefault="qualified"``)."""
    return f"{{{NS}}}{nome}"


def attributi(elemento: etree._Element, valori: Mapping[str, str | None]) -> None:
    """Set the attributes that have a value, in the given order (an absent optional item is
    omitted, never written empty)."""
    for nome, valore in valori.items():
        if valore is not None:
            elemento.set(nome, valore)


def radice(id_flusso: str, ente: Ente) -> etree._Element:
    """``Flusso`` with its ``IdentificazioneFlusso`` (the flow's id as ``Nome``) and ``Ente``."""
    flusso = etree.Element(q("Flusso"), nsmap={None: NS})
    identificazione = etree.SubElement(flusso, q("IdentificazioneFlusso"))
    identificazione.set(
        "Nome",
        formato.stringa("IdentificazioneFlusso/@Nome", id_flusso, massimo=formato.MAX_NOME_FLUSSO),
    )
    elemento = etree.SubElement(identificazione, q("Ente"))
    codice = formato.belfiore("Ente/@Codice", ente.belfiore)
    attributi(
        elemento,
        {
            "Codice": codice,
            "Denominazione": None
            if ente.denominazione is None
            else formato.stringa("Ente/@Denominazione", ente.denominazione, massimo=100),
            "Indirizzo": codice,
            "CFOperatore": formato.codice_fiscale("Ente/@CFOperatore", ente.cf_operatore),
        },
    )
    return flusso


def serializza(flusso: etree._Element) -> bytes:
    """UTF-8 bytes with the XML declaration (accented names and labels stay as written)."""
    return etree.tostring(flusso, xml_declaration=True, encoding="UTF-8")


def cancellato(campo: str) -> FlussoNonCostruibile:
    """An item whose person's key was destroyed: the flow can no longer be built."""
    return FlussoNonCostruibile(campo, "dato cancellato (chiave della persona distrutta)")
