"""Every endpoint of every service, and the policy's actions that admit a caller to it.

The gate (``shared.web.gate``) checks the caller's role against these before anything else,
parameters and body included, so a role that may never call an endpoint gets 403 whatever it
sends; the service layer then checks the record's comune, area or project as before. An
endpoint missing here is refused to everyone (deny by default), and a test compares this
table with the routes the runtime serves.
"""

from __future__ import annotations

from typing import Final

EndpointKey = tuple[str, str]

PUBLIC: Final[frozenset[EndpointKey]] = frozenset({("POST", "/api/auth/token")})
"""Reachable without a token."""

_CASO = "/api/casework/casi/{caso_id}"
_DOMANDA = "/api/intake/domande/{domanda_id}"
_SCRIVE = ("casework.caso.scrive",)

ENDPOINT_ACTIONS: Final[dict[EndpointKey, tuple[str, ...]]] = {
    # -- intake ------------------------------------------------------------------------
    ("POST", "/api/intake/domande"): ("intake.domanda.registra",),
    ("GET", _DOMANDA): ("intake.domanda.legge",),
    ("GET", f"{_DOMANDA}/precedenti"): ("intake.domanda.legge",),
    ("GET", f"{_DOMANDA}/storia"): ("intake.domanda.storia",),
    **{
        ("POST", f"{_DOMANDA}/{azione}"): ("intake.domanda.agisce",)
        for azione in (
            "appuntamenti",
            "appuntamenti/{appuntamento_id}/annullamento",
            "appuntamenti/{appuntamento_id}/esito",
            "chiusura",
            "informazioni",
            "inoltro",
            "istanze",
            "istanze/{istanza_id}/completamento",
            "orientamenti",
        )
    },
    # whom a request is about (decision 0032): correcting it is acting on the request
    ("POST", f"{_DOMANDA}/rettifica-persona"): ("intake.domanda.agisce",),
    ("POST", f"{_DOMANDA}/attribuzione-persona"): ("intake.persona.attribuisce",),
    ("GET", "/api/intake/persone-da-verificare"): ("intake.persona.attribuisce",),
    ("GET", "/api/intake/istanze"): ("intake.domanda.legge",),
    ("GET", "/api/intake/coda"): ("intake.agenda.legge",),
    ("GET", "/api/intake/appuntamenti"): ("intake.agenda.legge",),
    ("GET", "/api/intake/sportelli"): ("intake.sportello.legge",),
    ("POST", "/api/intake/sportelli"): ("intake.sportello.gestisce",),
    ("PUT", "/api/intake/sportelli/{sportello_id}/orari"): ("intake.sportello.gestisce",),
    ("GET", "/api/intake/stato"): ("servizio.stato",),
    # -- casework ----------------------------------------------------------------------
    ("GET", "/api/casework/casi"): ("casework.caso.legge",),
    ("POST", "/api/casework/casi"): ("casework.caso.apre",),
    ("GET", "/api/casework/casi/in-attesa"): ("casework.caso.assegna",),
    ("GET", _CASO): ("casework.caso.legge",),
    ("GET", f"{_CASO}/storia"): ("casework.caso.legge",),
    ("POST", f"{_CASO}/assegnazione"): ("casework.caso.assegna",),
    # a court order: the coordinator records it before assignment, the worker after
    ("POST", f"{_CASO}/provvedimenti"): ("casework.caso.scrive", "casework.caso.assegna"),
    ("POST", f"{_CASO}/interventi/{{intervento_id}}/monitoraggi"): ("casework.caso.contribuisce",),
    **{
        ("POST", f"{_CASO}/{atto}"): _SCRIVE
        for atto in (
            "chiusura",
            "contratto",
            "interventi",
            "interventi/{intervento_id}/annullamento",
            "interventi/{intervento_id}/conclusione",
            "interventi/{intervento_id}/verifiche",
            "nucleo",
            "presa-in-carico",
            "progetto",
            "progetto/revisioni",
            "questionari",
            "rappresentante-legale",
            "relazioni",
            "segnalazioni",
            "valutazioni",
            "valutazioni/{valutazione_id}/rettifiche",
        )
    },
    # whom a case is about (decision 0032): correcting it is writing the case
    ("POST", f"{_CASO}/rettifica-persona"): _SCRIVE,
    ("POST", f"{_CASO}/attribuzione-persona"): ("casework.persona.attribuisce",),
    ("GET", "/api/casework/persone-da-verificare"): ("casework.persona.attribuisce",),
    ("GET", "/api/casework/stato"): ("servizio.stato",),
    # -- network -----------------------------------------------------------------------
    ("GET", "/api/network/risorse"): ("network.elenco.legge",),
    ("GET", "/api/network/risorse/{risorsa_id}"): ("network.elenco.legge",),
    ("POST", "/api/network/risorse"): ("network.risorsa.gestisce",),
    ("PATCH", "/api/network/risorse/{risorsa_id}"): ("network.risorsa.gestisce",),
    ("POST", "/api/network/risorse/{risorsa_id}/conferma"): ("network.risorsa.gestisce",),
    ("POST", "/api/network/risorse/{risorsa_id}/dismissione"): ("network.risorsa.gestisce",),
    ("POST", "/api/network/import/hsds"): ("network.risorsa.gestisce",),
    ("GET", "/api/network/export/hsds"): ("network.elenco.legge",),
    ("GET", "/api/network/collaborazioni"): ("network.elenco.legge",),
    ("GET", "/api/network/collaborazioni/{collaborazione_id}"): ("network.elenco.legge",),
    ("POST", "/api/network/collaborazioni"): ("network.collaborazione.gestisce",),
    ("POST", "/api/network/collaborazioni/{collaborazione_id}/conclusione"): (
        "network.collaborazione.gestisce",
    ),
    ("GET", "/api/network/incontri"): ("network.elenco.legge",),
    ("GET", "/api/network/incontri/{incontro_id}"): ("network.elenco.legge",),
    ("POST", "/api/network/incontri"): ("network.incontro.registra",),
    ("GET", "/api/network/controlli"): ("network.elenco.legge",),
    ("GET", "/api/network/controlli/{controllo_id}"): ("network.elenco.legge",),
    ("POST", "/api/network/controlli"): ("network.controllo.registra",),
    ("GET", "/api/network/mappa"): ("network.mappa.legge",),
    ("GET", "/api/network/mappa.graphml"): ("network.mappa.legge",),
    ("GET", "/api/network/mappa/analisi"): ("network.mappa.legge",),
    ("GET", "/api/network/stato"): ("servizio.stato",),
    # -- reporting ---------------------------------------------------------------------
    ("GET", "/api/reporting/domande/conteggi"): ("reporting.conteggi.legge",),
    ("GET", "/api/reporting/casi/{caso_id}"): ("reporting.cartella.legge",),
    ("GET", "/api/reporting/casi/{caso_id}/audit"): ("reporting.cartella.legge",),
    ("GET", "/api/reporting/casi/{caso_id}/accessi"): ("reporting.accessi.legge",),
    ("POST", "/api/reporting/casi/{caso_id}/accesso-emergenza"): ("reporting.cartella.emergenza",),
    ("GET", "/api/reporting/accessi"): ("reporting.accessi.legge",),
    ("GET", "/api/reporting/accessi-emergenza"): ("reporting.emergenze.legge",),
    ("POST", "/api/reporting/accessi-emergenza/{lettura_id}/conferma"): (
        "reporting.emergenze.decide",
    ),
    ("POST", "/api/reporting/accessi-emergenza/{lettura_id}/contestazione"): (
        "reporting.emergenze.decide",
    ),
    ("GET", "/api/reporting/cancellazioni"): ("reporting.cancellazioni.legge",),
    ("GET", "/api/reporting/carichi/miei"): ("reporting.carichi.legge",),
    ("GET", "/api/reporting/carichi"): ("reporting.scadenze.distretto",),
    ("GET", "/api/reporting/scadenze/settimana"): ("reporting.carichi.legge",),
    ("GET", "/api/reporting/scadenze/scadute"): (
        "reporting.carichi.legge",
        "reporting.scadenze.distretto",
    ),
    ("GET", "/api/reporting/soglie"): ("reporting.carichi.legge",),
    ("PUT", "/api/reporting/soglie"): ("reporting.soglia.imposta",),
    ("GET", "/api/reporting/osservatorio"): ("reporting.osservatorio.filtra",),
    ("GET", "/api/reporting/osservatorio/tabelle"): ("reporting.osservatorio.pubblicato",),
    ("GET", "/api/reporting/osservatorio/tabelle/{tabella}"): (
        "reporting.osservatorio.pubblicato",
    ),
    ("GET", "/api/reporting/osservatorio/esportazioni/{tabella}.csv"): (
        "reporting.osservatorio.pubblicato",
    ),
    ("GET", "/api/reporting/osservatorio/esportazioni/{tabella}.xlsx"): (
        "reporting.osservatorio.pubblicato",
    ),
    ("GET", "/api/reporting/osservatorio/rapporto.pdf"): ("reporting.osservatorio.pubblicato",),
    ("GET", "/api/reporting/siuss/bloccati"): ("reporting.siuss.anomalie",),
    ("GET", "/api/reporting/siuss/respinti"): ("reporting.siuss.anomalie",),
    ("GET", "/api/reporting/siuss/esiti-scartati"): ("reporting.siuss.anomalie",),
    ("GET", "/api/reporting/stato"): ("servizio.stato",),
    # -- INPS (SIUSS) ------------------------------------------------------------------
    ("GET", "/waas/v1/flussi"): ("reporting.siuss.flussi",),
    ("POST", "/waas/v1/esiti"): ("reporting.siuss.esiti",),
    ("GET", "/waas/v1/status"): ("reporting.siuss.flussi",),
}
