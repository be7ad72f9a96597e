"""Validation of a built flow against its official XSD.

The two XSDs share a namespace and the root element ``Flusso``, so each is loaded as a
schema of its own: a single schema set would hold two ``Flusso`` declarations. The caller
reads the XSD bytes (tests from ``tests/fixtures/siuss``); nothing here touches a file or the
network. Error messages keep element, attribute and rule, and drop the refused value, which
may be personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Final

from lxml import etree

from services.reporting.siuss.errori import FlussoNonValido
from services.reporting.siuss.formato import TipoFlusso

_ATTRIBUTO: Final = re.compile(r"attribute '(\w+)'")
_FACET: Final = re.compile(r"\[facet '(\w+)'\]")
_ELEMENTO: Final = re.compile(r"Element '(?:\{[^}]*\})?(\w+)'")


def _parser() -> etree.XMLParser:
    """No DTD, no entities, no network: a flow is data, never instructions to the parser."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )


def _percorso(documento: etree._Element, xpath: str | None) -> str | None:
    """``/Flusso/Beneficiario/...`` for libxml2's positional path (``/*/*[2]/*[3]``)."""
    if not xpath:
        return None
    try:
        trovati = documento.xpath(xpath)
    except etree.XPathError:
        return None
    if not isinstance(trovati, list) or not trovati:
        return None
    nodo = trovati[0]
    if not isinstance(nodo, etree._Element):
        return None
    nomi = [etree.QName(nodo).localname]
    nomi += [etree.QName(antenato).localname for antenato in nodo.iterancestors()]
    return "/" + "/".join(reversed(nomi))


def _messaggio(documento: etree._Element, errore: etree._LogEntry) -> str:
    """``/Flusso/...[/@Attributo]: regola`` without the value that broke the rule."""
    testo = errore.message or ""
    percorso = _percorso(documento, errore.path)
    if percorso is None:
        elemento = _ELEMENTO.search(testo)
        percorso = elemento.group(1) if elemento else "/"
    attributo = _ATTRIBUTO.search(testo)
    if attributo:
        percorso += f"/@{attributo.group(1)}"
    facet = _FACET.search(testo)
    return f"{percorso}: {facet.group(1) if facet else errore.type_name}"


@dataclass(frozen=True)
class SchemaSiuss:
    """One official XSD, compiled once."""

    tipo: TipoFlusso
    schema: etree.XMLSchema

    @classmethod
    def da_xsd(cls, tipo: TipoFlusso, xsd: bytes) -> SchemaSiuss:
        return cls(tipo, etree.XMLSchema(etree.fromstring(xsd, _parser())))

    def errori(self, flusso: bytes) -> list[str]:
        """What the XSD refuses in a flow (empty when it validates)."""
        try:
            documento = etree.fromstring(flusso, _parser())
        except etree.XMLSyntaxError:
            return ["/: XML non ben formato"]
        if self.schema.validate(documento):
            return []
        return [_messaggio(documento, errore) for errore in self.schema.error_log]

    def valida(self, flusso: bytes) -> None:
        """``FlussoNonValido`` when the XSD refuses the flow."""
        errori = self.errori(flusso)
        if errori:
            raise FlussoNonValido(self.tipo, errori)


XSD: Final[dict[TipoFlusso, str]] = {"PS_PSA_SINA": "PS_PSA_SINA201812.xsd", "SINBA": "SINBA.xsd"}


def schemi_ufficiali() -> dict[TipoFlusso, SchemaSiuss]:
    """Both official XSDs, from the package data (``siuss/xsd``), compiled once per call."""
    cartella = resources.files("services.reporting.siuss") / "xsd"
    return {
        tipo: SchemaSiuss.da_xsd(tipo, (cartella / nome).read_bytes()) for tipo, nome in XSD.items()
    }
