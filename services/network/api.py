"""HTTP entry points of the reti territoriali: they only translate."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

import networkx as nx
from fastapi import APIRouter, Body, Query, Request, Response, status

from services.network import hsds
from services.network.application import Atto, NetworkApplication, Registrazione
from services.network.domain import DatiRisorsa, Risorsa
from services.network.mappa import Periodo
from services.network.queries import (
    FiltroRisorse,
    NetworkQueries,
    graphml,
    today,
)
from services.network.schemas import (
    AnalisiOut,
    CollaborazioneIn,
    CollaborazioneOut,
    CollaborazioniOut,
    ConclusioneIn,
    ConfermaIn,
    ContattiOut,
    ControlliOut,
    ControlloIn,
    ControlloOut,
    DismissioneIn,
    ImportazioneOut,
    IncontriOut,
    IncontroIn,
    IncontroOut,
    LacunaOut,
    MappaOut,
    PeriodoOut,
    PosizioneOut,
    Registrata,
    RisorsaIn,
    RisorsaModifica,
    RisorsaOut,
    RisorseOut,
)
from shared.auth.richiesta import Richiesta
from shared.directory.lookup import RisorsaInElenco, local_date, review_threshold
from shared.errors import FieldError
from shared.events.network import Contatti, TipoRisorsa
from shared.events.types import AreaUtenza, CodiceBelfiore
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.contract import AttoIn
from shared.web.etag import IfMatch, etag, version_from_if_match
from shared.web.paging import Attendi, Limit, Offset, next_link

PREFIX = "/api/network"
IMPORT_PATH = f"{PREFIX}/import/hsds"
REQUIRED_ON_PATCH = ("nome", "tipo", "comuni", "aree", "prestazioni", "servizi", "contatti")


def _atto(body: AttoIn) -> Atto:
    return Atto(body.occurred_at, body.base_giuridica or Atto.legal_basis)


def _registrata(registrazione: Registrazione, response: Response, location: str) -> Registrata:
    response.headers["Location"] = location
    response.headers["ETag"] = etag(registrazione.versione)
    return Registrata(
        id=registrazione.id, posizione=registrazione.posizione, versione=registrazione.versione
    )


def _risorsa_out(risorsa: Risorsa) -> RisorsaOut:
    oggi = today()
    confermata = local_date(risorsa.confermata_il)
    return RisorsaOut(
        id=risorsa.id,
        versione=risorsa.version,
        **{k: v for k, v in risorsa.attributi.items() if k != "contatti"},
        contatti=ContattiOut(**risorsa.contatti.model_dump()),
        stato="dismessa" if risorsa.dismessa else "attiva",
        censita_il=risorsa.censita_il,
        ultima_conferma=confermata,
        da_rivedere=not risorsa.dismessa and confermata <= review_threshold(oggi),
        dismessa_il=risorsa.dismessa_il,
        motivo_dismissione=risorsa.motivo_dismissione,
    )


def _elenco_out(risorsa: RisorsaInElenco) -> RisorsaOut:
    attributi = risorsa.attributi
    return RisorsaOut(
        id=risorsa.id,
        versione=risorsa.versione,
        nome=risorsa.nome,
        tipo=risorsa.tipo,
        comuni=risorsa.comuni,
        aree=risorsa.aree,
        descrizione=attributi["descrizione"],
        prestazioni=attributi["prestazioni"],
        servizi=attributi["servizi"],
        contatti=ContattiOut(**attributi["contatti"]),
        orari=attributi["orari"],
        capacita=attributi["capacita"],
        lista_attesa=attributi["lista_attesa"],
        accreditamento=attributi["accreditamento"],
        stato="attiva" if risorsa.attiva else "dismessa",
        censita_il=risorsa.censita_il,
        ultima_conferma=risorsa.ultima_conferma,
        da_rivedere=risorsa.da_rivedere(today()),
        dismessa_il=risorsa.dismessa_il,
        motivo_dismissione=risorsa.motivo_dismissione,
    )


def _periodo(dal: date | None, al: date | None) -> Periodo:
    end = al or today()
    start = dal or end - timedelta(days=365)
    if start > end:
        raise FieldError(("query", "dal"), "l'inizio del periodo segue la sua fine")
    return Periodo(start, end)


def _graph_json(graph: nx.Graph[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    nodes = [{"id": node, **attributes} for node, attributes in graph.nodes(data=True)]
    edges = [
        {"source": a, "target": b, **attributes} for a, b, attributes in graph.edges(data=True)
    ]
    return nodes, edges


def router(network: NetworkApplication, queries: NetworkQueries) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["reti territoriali"])

    def richiesta(principal: CurrentPrincipal, request: Request) -> Richiesta:
        return Richiesta(principal, "api", correlation_id(request))

    # -- resources ---------------------------------------------------------------------

    @api.post("/risorse", status_code=status.HTTP_201_CREATED, response_model=Registrata)
    def censisci(
        body: RisorsaIn, principal: CurrentPrincipal, request: Request, response: Response
    ) -> Registrata:
        dati = DatiRisorsa(
            nome=body.nome,
            tipo=body.tipo,
            comuni=body.comuni,
            aree=list(body.aree),
            descrizione=body.descrizione,
            prestazioni=body.prestazioni,
            servizi=body.servizi,
            contatti=Contatti(**body.contatti.model_dump()),
            orari=body.orari,
            capacita=body.capacita,
            lista_attesa=body.lista_attesa,
            accreditamento=body.accreditamento,
        )
        done = network.censisci(dati, richiesta(principal, request), _atto(body))
        return _registrata(done, response, f"{PREFIX}/risorse/{done.id}")

    @api.get("/risorse", response_model=RisorseOut)
    def elenco_risorse(
        principal: CurrentPrincipal,
        request: Request,
        tipo: TipoRisorsa | None = None,
        comune: CodiceBelfiore | None = None,
        area: AreaUtenza | None = None,
        stato: Annotated[
            str, Query(pattern="^(attive|dismesse|tutte)$", description="attive, dismesse, tutte")
        ] = "attive",
        da_rivedere: Annotated[
            bool | None, Query(description="Solo (o escluse) quelle non confermate da 12 mesi")
        ] = None,
        testo: Annotated[str | None, Query(max_length=100, description="Parte del nome")] = None,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> RisorseOut:
        filtro = FiltroRisorse(tipo, comune, area, stato, da_rivedere, testo)
        page = queries.risorse(principal, filtro, offset, limit, attendi_posizione)
        return RisorseOut(items=[_elenco_out(r) for r in page.items], next=next_link(request, page))

    @api.get("/risorse/{risorsa_id}", response_model=RisorsaOut)
    def leggi_risorsa(
        risorsa_id: UUID, principal: CurrentPrincipal, request: Request, response: Response
    ) -> RisorsaOut:
        risorsa = network.leggi_risorsa(risorsa_id, richiesta(principal, request))
        response.headers["ETag"] = etag(risorsa.version)
        return _risorsa_out(risorsa)

    @api.patch("/risorse/{risorsa_id}", response_model=Registrata)
    def aggiorna(
        risorsa_id: UUID,
        body: RisorsaModifica,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> Registrata:
        sent = body.model_fields_set - set(AttoIn.model_fields)
        for name in REQUIRED_ON_PATCH:
            if name in sent and getattr(body, name) is None:
                raise FieldError(("body", name), "non può essere azzerato")
        changes: dict[str, Any] = {name: getattr(body, name) for name in sent}
        if "aree" in changes and changes["aree"] is not None:
            changes["aree"] = list(changes["aree"])
        if changes.get("contatti") is not None:
            changes["contatti"] = Contatti(**body.contatti.model_dump())  # type: ignore[union-attr]
        if not changes:
            raise FieldError(("body",), "nessun attributo da modificare")
        done = network.aggiorna(
            risorsa_id,
            changes,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _registrata(done, response, f"{PREFIX}/risorse/{done.id}")

    @api.post("/risorse/{risorsa_id}/conferma", response_model=Registrata)
    def conferma(
        risorsa_id: UUID,
        body: ConfermaIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> Registrata:
        done = network.conferma(
            risorsa_id,
            body.nota,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _registrata(done, response, f"{PREFIX}/risorse/{done.id}")

    @api.post("/risorse/{risorsa_id}/dismissione", response_model=Registrata)
    def dismetti(
        risorsa_id: UUID,
        body: DismissioneIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> Registrata:
        done = network.dismetti(
            risorsa_id,
            body.motivo,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _registrata(done, response, f"{PREFIX}/risorse/{done.id}")

    # -- links -------------------------------------------------------------------------

    @api.post("/collaborazioni", status_code=status.HTTP_201_CREATED, response_model=Registrata)
    def avvia_collaborazione(
        body: CollaborazioneIn, principal: CurrentPrincipal, request: Request, response: Response
    ) -> Registrata:
        done = network.avvia_collaborazione(
            body.risorse,
            body.servizi_distretto,
            body.tipo,
            body.oggetto,
            body.inizio,
            richiesta(principal, request),
            _atto(body),
        )
        return _registrata(done, response, f"{PREFIX}/collaborazioni/{done.id}")

    @api.post("/collaborazioni/{collaborazione_id}/conclusione", response_model=Registrata)
    def concludi_collaborazione(
        collaborazione_id: UUID,
        body: ConclusioneIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> Registrata:
        done = network.concludi_collaborazione(
            collaborazione_id,
            body.fine,
            body.motivo,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _registrata(done, response, f"{PREFIX}/collaborazioni/{done.id}")

    @api.get("/collaborazioni", response_model=CollaborazioniOut)
    def elenco_collaborazioni(
        principal: CurrentPrincipal,
        request: Request,
        attive: bool | None = None,
        risorsa: UUID | None = None,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> CollaborazioniOut:
        page = queries.collaborazioni(
            principal,
            attive,
            None if risorsa is None else str(risorsa),
            offset,
            limit,
            attendi_posizione,
        )
        return CollaborazioniOut(
            items=[CollaborazioneOut.model_validate(dict(r)) for r in page.items],
            next=next_link(request, page),
        )

    @api.get("/collaborazioni/{collaborazione_id}", response_model=CollaborazioneOut)
    def leggi_collaborazione(
        collaborazione_id: UUID, principal: CurrentPrincipal, attendi_posizione: Attendi = None
    ) -> CollaborazioneOut:
        row = queries.registro(principal, "collaborazione", collaborazione_id, attendi_posizione)
        return CollaborazioneOut.model_validate(dict(row))

    @api.post("/incontri", status_code=status.HTTP_201_CREATED, response_model=Registrata)
    def registra_incontro(
        body: IncontroIn, principal: CurrentPrincipal, request: Request, response: Response
    ) -> Registrata:
        done = network.registra_incontro(
            body.data,
            body.partecipanti,
            body.servizi_distretto,
            body.temi,
            body.decisioni,
            richiesta(principal, request),
            _atto(body),
        )
        return _registrata(done, response, f"{PREFIX}/incontri/{done.id}")

    @api.get("/incontri", response_model=IncontriOut)
    def elenco_incontri(
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> IncontriOut:
        page = queries.incontri(principal, offset, limit, attendi_posizione)
        return IncontriOut(
            items=[IncontroOut.model_validate(dict(r)) for r in page.items],
            next=next_link(request, page),
        )

    @api.get("/incontri/{incontro_id}", response_model=IncontroOut)
    def leggi_incontro(
        incontro_id: UUID, principal: CurrentPrincipal, attendi_posizione: Attendi = None
    ) -> IncontroOut:
        row = queries.registro(principal, "incontro", incontro_id, attendi_posizione)
        return IncontroOut.model_validate(dict(row))

    @api.post("/controlli", status_code=status.HTTP_201_CREATED, response_model=Registrata)
    def registra_controllo(
        body: ControlloIn, principal: CurrentPrincipal, request: Request, response: Response
    ) -> Registrata:
        done = network.registra_controllo(
            body.risorsa_id,
            body.data,
            body.rilievi,
            body.esito,
            richiesta(principal, request),
            _atto(body),
        )
        return _registrata(done, response, f"{PREFIX}/controlli/{done.id}")

    @api.get("/controlli", response_model=ControlliOut)
    def elenco_controlli(
        principal: CurrentPrincipal,
        request: Request,
        risorsa: UUID | None = None,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> ControlliOut:
        page = queries.controlli(
            principal, None if risorsa is None else str(risorsa), offset, limit, attendi_posizione
        )
        return ControlliOut(
            items=[ControlloOut.model_validate(dict(r)) for r in page.items],
            next=next_link(request, page),
        )

    @api.get("/controlli/{controllo_id}", response_model=ControlloOut)
    def leggi_controllo(
        controllo_id: UUID, principal: CurrentPrincipal, attendi_posizione: Attendi = None
    ) -> ControlloOut:
        row = queries.registro(principal, "controllo", controllo_id, attendi_posizione)
        return ControlloOut.model_validate(dict(row))

    # -- the map -----------------------------------------------------------------------

    @api.get("/mappa", response_model=MappaOut)
    def mappa(
        principal: CurrentPrincipal,
        dal: Annotated[date | None, Query(description="Inizio (predefinito: un anno fa)")] = None,
        al: Annotated[date | None, Query(description="Fine (predefinito: oggi)")] = None,
        attendi_posizione: Attendi = None,
    ) -> MappaOut:
        periodo = _periodo(dal, al)
        analisi = queries.analisi(principal, periodo, attendi_posizione)
        nodes, edges = _graph_json(analisi.graph)
        return MappaOut(
            periodo=PeriodoOut(dal=periodo.dal, al=periodo.al), nodes=nodes, edges=edges
        )

    @api.get("/mappa.graphml", response_class=Response)
    def mappa_graphml(
        principal: CurrentPrincipal,
        dal: date | None = None,
        al: date | None = None,
        attendi_posizione: Attendi = None,
    ) -> Response:
        analisi = queries.analisi(principal, _periodo(dal, al), attendi_posizione)
        return Response(graphml(analisi.graph), media_type="application/graphml+xml")

    @api.get("/mappa/analisi", response_model=AnalisiOut)
    def analisi(
        principal: CurrentPrincipal,
        dal: date | None = None,
        al: date | None = None,
        attendi_posizione: Attendi = None,
    ) -> AnalisiOut:
        periodo = _periodo(dal, al)
        found = queries.analisi(principal, periodo, attendi_posizione)
        return AnalisiOut(
            periodo=PeriodoOut(dal=periodo.dal, al=periodo.al),
            classifica=[PosizioneOut(**vars(p)) for p in found.classifica],
            isolate=found.isolate,
            lacune=[LacunaOut(**vars(lacuna)) for lacuna in found.lacune],
        )

    # -- HSDS --------------------------------------------------------------------------

    @api.get("/export/hsds")
    def export_hsds(
        principal: CurrentPrincipal, attendi_posizione: Attendi = None
    ) -> dict[str, Any]:
        page = queries.risorse(
            principal, FiltroRisorse(stato="tutte"), 0, 1_000_000, attendi_posizione
        )
        return hsds.export_directory(page.items)

    @api.post(IMPORT_PATH.removeprefix(PREFIX), response_model=ImportazioneOut)
    def import_hsds(
        document: Annotated[dict[str, Any], Body()],
        principal: CurrentPrincipal,
        request: Request,
    ) -> ImportazioneOut:
        done = network.importa_hsds(document, richiesta(principal, request))
        return ImportazioneOut(
            censite=done.censite,
            gia_presenti=done.gia_presenti,
            dismesse=done.dismesse,
            posizione=done.posizione,
            diverse=done.diverse,
        )

    return api
