"""SIUSS flows (INPS): the PS-PSA-SINA and SINBA XML documents, built from plain inputs.

Pure code: no I/O, no framework, no ledger. The caller (the ``/waas/v1`` API, the
``ambito siuss export`` command) gathers the inputs from the events, decrypting the personal
fields at request time, and keeps nothing of the XML it gets back: a PS flow carries the
codice fiscale and names in clear (design section 12). ``docs/decisions/0025-siuss-flows.md``
says how events become flows.
"""

from services.reporting.siuss.errori import FlussoNonCostruibile, FlussoNonValido
from services.reporting.siuss.formato import (
    decimale,
    denominazione,
    fascia_eta_sinba,
    genere,
    id_flusso,
    mese_anno,
)
from services.reporting.siuss.modello import (
    AnagraficaBeneficiario,
    Ente,
    FlussoPs,
    FlussoSinba,
    Importi,
    MinoreSinba,
    PrestazioneSociale,
    ProvvedimentoSinba,
    ResidenzaBeneficiario,
    SegnalazioneSinba,
)
from services.reporting.siuss.ps import costruisci_ps
from services.reporting.siuss.schemi import SchemaSiuss
from services.reporting.siuss.sinba import costruisci_sinba

__all__ = [
    "AnagraficaBeneficiario",
    "Ente",
    "FlussoNonCostruibile",
    "FlussoNonValido",
    "FlussoPs",
    "FlussoSinba",
    "Importi",
    "MinoreSinba",
    "PrestazioneSociale",
    "ProvvedimentoSinba",
    "ResidenzaBeneficiario",
    "SchemaSiuss",
    "SegnalazioneSinba",
    "costruisci_ps",
    "costruisci_sinba",
    "decimale",
    "denominazione",
    "fascia_eta_sinba",
    "genere",
    "id_flusso",
    "mese_anno",
]
