"""Why a flow cannot be built or does not validate; messages never carry a value.

A flow holds personal data in clear, so neither the message nor ``campo`` may echo what was
refused: both end up in the list of blocked flows that coordinators read, and in logs.
"""

from __future__ import annotations


class FlussoNonCostruibile(ValueError):
    """An input the flow cannot carry: ``campo`` names the SIUSS item, ``motivo`` says why
    (in Italian, for the list of blocked flows)."""

    def __init__(self, campo: str, motivo: str) -> None:
        super().__init__(f"{campo}: {motivo}")
        self.campo = campo
        self.motivo = motivo


class FlussoNonValido(ValueError):
    """A built flow that the official XSD refuses: a bug of the builder or of its inputs.
    ``errori`` lists element, attribute and rule, never the value."""

    def __init__(self, tipo: str, errori: list[str]) -> None:
        super().__init__(f"flusso {tipo} non conforme allo schema: " + "; ".join(errori))
        self.tipo = tipo
        self.errori = errori


class FlussoNonDovuto(FlussoNonCostruibile):
    """Not a defect of the data: the flow is no longer due (a SINBA flow for someone who
    has come of age). Recorded as superseded, never listed as blocked."""
