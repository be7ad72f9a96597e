"""HTTP entry points of the Servizio sociale professionale: they only translate."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from services.casework.application import (
    LEGAL_BASIS_AUTORITA,
    LEGAL_BASIS_CASO,
    ApriCaso,
    Atto,
    CaseworkApplication,
    Esito,
    Provvedimento,
)
from services.casework.domain import Caso, area_di_riferimento
from services.casework.queries import CaseworkQueries, StatoCaso
from services.casework.schemas import (
    AnnullamentoInterventoIn,
    AssegnazioneIn,
    CasiOut,
    CasoIn,
    CasoOut,
    CasoRigaOut,
    ChiusuraIn,
    ConclusioneInterventoIn,
    ContrattoIn,
    InterventoIn,
    InterventoOut,
    MonitoraggioIn,
    NucleoIn,
    OrdineIn,
    PresaInCaricoIn,
    ProgettoIn,
    ProvvedimentoIn,
    ProvvedimentoOut,
    QuestionarioIn,
    RappresentanteIn,
    RelazioneIn,
    RettificaIn,
    RevisioneProgettoIn,
    ScadenzaOut,
    SegnalazioneIn,
    ValutazioneIn,
    VerificaIn,
)
from shared.auth.richiesta import Richiesta
from shared.events.casework import Membro
from shared.events.types import AreaUtenza, FinalitaDichiarata
from shared.scadenze import oggi, scaduta
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.contract import AttoIn
from shared.web.etag import IfMatch, etag, version_from_if_match
from shared.web.paging import Attendi, Limit, Offset, next_link
from shared.web.persona import clear, persona_from, persona_out
from shared.web.storia import AzioneOut, StoriaOut, evento_out

PREFIX = "/api/casework"
ROME = ZoneInfo("Europe/Rome")
Finalita = Annotated[
    FinalitaDichiarata | None,
    Query(
        description="Finalità della lettura (predefinita: PRESA_IN_CARICO per l'assistente "
        "sociale, COORDINAMENTO per il coordinatore)"
    ),
]
ACT_FIELDS = frozenset(AttoIn.model_fields)


def _atto(body: AttoIn, default_basis: str = LEGAL_BASIS_CASO) -> Atto:
    """An empty basis is not the default: it is refused like any unknown code."""
    basis = default_basis if body.base_giuridica is None else body.base_giuridica
    return Atto(body.occurred_at, basis)


def _fields(body: AttoIn, *exclude: str) -> dict[str, Any]:
    """The act's own fields (not its time and basis); nested inputs as plain data, which the
    event's own models validate again."""
    return {
        name: value.model_dump() if isinstance(value, BaseModel) else value
        for name in type(body).model_fields
        if name not in ACT_FIELDS and name not in exclude
        for value in (getattr(body, name),)
    }


def _azione(done: Esito, response: Response, location: str | None = None) -> AzioneOut:
    response.headers["ETag"] = etag(done.versione)
    if location is not None:
        response.headers["Location"] = location
    return AzioneOut(
        id=done.id, posizione=done.posizione, versione=done.versione, creato=done.creato
    )


def _order(body: OrdineIn | ProvvedimentoIn) -> Provvedimento:
    return Provvedimento(
        autorita=body.autorita,
        tipo=body.tipo,
        estremi=body.estremi,
        numero=body.numero,
        data_provvedimento=body.data_provvedimento,
        relazione_entro=body.relazione_entro,
    )


def _caso_out(caso: Caso) -> CasoOut:
    today = oggi()
    return CasoOut(
        id=caso.id,
        versione=caso.version,
        stato=caso.stato,
        origine=caso.origine,
        area_utenza=caso.area_utenza,
        area_di_riferimento=area_di_riferimento(caso.area_utenza, caso.profilo),
        comune=caso.comune,
        urgente=caso.urgente,
        assistente_sociale=caso.assistente_sociale,
        in_carico=caso.in_carico,
        persona=None if caso.persona is None else persona_out(caso.persona_id, caso.persona),
        motivo=clear(caso.motivo),
        domanda_id=caso.domanda_id,
        caso_precedente_id=caso.caso_precedente_id,
        valutazioni=caso.valutazioni,
        rappresentante_legale=caso.rappresentante_legale,
        contratto=caso.contratto,
        progetto=caso.progetto,
        revisione_entro=caso.revisione_entro,
        interventi=[
            InterventoOut(
                id=intervento_id,
                prestazione=found.prestazione,
                inizio=found.inizio,
                fine_prevista=found.fine_prevista,
                risorsa_id=found.risorsa_id,
                verificato=found.verificato,
                concluso=found.concluso,
                annullato=found.annullato,
            )
            for intervento_id, found in caso.interventi.items()
        ],
        segnalazioni=caso.segnalazioni,
        provvedimenti=[
            ProvvedimentoOut(
                id=provvedimento_id,
                relazione_entro=due,
                relazione_inviata=provvedimento_id in caso.relazioni_inviate,
            )
            for provvedimento_id, due in caso.provvedimenti.items()
        ],
        scadenze=[
            ScadenzaOut(
                tipo=due.tipo,
                entro=due.entro,
                riferimento_id=due.riferimento_id,
                scaduta=scaduta(due.entro, today),
            )
            for due in caso.scadenze
        ],
    )


def router(casework: CaseworkApplication, queries: CaseworkQueries) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["servizio sociale professionale"])

    def richiesta(principal: CurrentPrincipal, request: Request) -> Richiesta:
        return Richiesta(principal, "api", correlation_id(request))

    def location(caso_id: UUID) -> str:
        return f"{PREFIX}/casi/{caso_id}"

    # -- reads ---------------------------------------------------------------------------

    @api.get("/casi", response_model=CasiOut)
    def casi(
        principal: CurrentPrincipal,
        request: Request,
        stato: StatoCaso | None = None,
        area_utenza: AreaUtenza | None = None,
        comune: Annotated[str | None, Query(pattern=r"^[A-Z]\d{3}$")] = None,
        assistente_sociale: Annotated[str | None, Query(max_length=200)] = None,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> CasiOut:
        """The cases in the caller's scope (no personal data: read the case for that)."""
        page = queries.casi(
            principal,
            stato=stato,
            area=area_utenza,
            comune=comune,
            assistente_sociale=assistente_sociale,
            offset=offset,
            limit=limit,
            attendi_posizione=attendi_posizione,
        )
        return CasiOut(
            items=[CasoRigaOut.model_validate(row) for row in page.items],
            next=next_link(request, page),
        )

    @api.get("/casi/in-attesa", response_model=CasiOut)
    def in_attesa(
        principal: CurrentPrincipal,
        request: Request,
        offset: Offset = 0,
        limit: Limit = 50,
        attendi_posizione: Attendi = None,
    ) -> CasiOut:
        """The coordinator's queue: cases waiting for assignment, urgent first."""
        page = queries.in_attesa(principal, offset, limit, attendi_posizione)
        return CasiOut(
            items=[CasoRigaOut.model_validate(row) for row in page.items],
            next=next_link(request, page),
        )

    @api.get("/casi/{caso_id}", response_model=CasoOut)
    def leggi(
        caso_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        finalita: Finalita = None,
    ) -> CasoOut:
        """The case's current state, from its ledger; the read is recorded."""
        caso = casework.leggi(caso_id, richiesta(principal, request), finalita)
        response.headers["ETag"] = etag(caso.version)
        return _caso_out(caso)

    @api.get("/casi/{caso_id}/storia", response_model=StoriaOut)
    def storia(
        caso_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        finalita: Finalita = None,
    ) -> StoriaOut:
        """Every event of the case in order, with actor, times, legal basis and source."""
        events, version = casework.storia(caso_id, richiesta(principal, request), finalita)
        response.headers["ETag"] = etag(version)
        return StoriaOut(id=caso_id, versione=version, items=[evento_out(e) for e in events])

    # -- opening and assignment ----------------------------------------------------------

    @api.post("/casi", status_code=status.HTTP_201_CREATED, response_model=AzioneOut)
    def apri(
        body: CasoIn, principal: CurrentPrincipal, request: Request, response: Response
    ) -> AzioneOut:
        command = ApriCaso(
            comune=body.comune,
            area_utenza=body.area_utenza,
            origine=body.origine,
            motivo=body.motivo,
            persona=None if body.persona is None else persona_from(body.persona),
            urgente=body.urgente,
            caso_precedente_id=body.caso_precedente_id,
            provvedimento=None if body.provvedimento is None else _order(body.provvedimento),
        )
        done = casework.apri(command, richiesta(principal, request), _atto(body))
        return _azione(done, response, location(done.id))

    @api.post("/casi/{caso_id}/assegnazione", response_model=AzioneOut)
    def assegna(
        caso_id: UUID,
        body: AssegnazioneIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        done = casework.assegna(
            caso_id,
            body.assistente_sociale,
            body.area_utenza,
            richiesta(principal, request),
            _atto(body),
            version_from_if_match(if_match),
        )
        return _azione(done, response)

    # -- the professional record ---------------------------------------------------------

    def act(
        caso_id: UUID,
        body: AttoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: str | None,
        method: str,
        *args: Any,
        created: str | None = None,
        default_basis: str = LEGAL_BASIS_CASO,
    ) -> AzioneOut:
        """One act of the record by name: the application method and its arguments."""
        done = getattr(casework, method)(
            caso_id,
            *args,
            richiesta(principal, request),
            _atto(body, default_basis),
            version_from_if_match(if_match),
        )
        where = (
            None
            if created is None or done.creato is None
            else f"{location(caso_id)}/{created}/{done.creato}"
        )
        return _azione(done, response, where)

    @api.post("/casi/{caso_id}/presa-in-carico", response_model=AzioneOut)
    def prendi_in_carico(
        caso_id: UUID,
        body: PresaInCaricoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(caso_id, body, principal, request, response, if_match, "prendi_in_carico")

    @api.post(
        "/casi/{caso_id}/valutazioni", status_code=status.HTTP_201_CREATED, response_model=AzioneOut
    )
    def valuta(
        caso_id: UUID,
        body: ValutazioneIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        """``creato`` is the assessment's event id: a correction points at it."""
        return act(caso_id, body, principal, request, response, if_match, "valuta", _fields(body))

    @api.post(
        "/casi/{caso_id}/valutazioni/{valutazione_id}/rettifiche",
        status_code=status.HTTP_201_CREATED,
        response_model=AzioneOut,
    )
    def rettifica(
        caso_id: UUID,
        valutazione_id: UUID,
        body: RettificaIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "rettifica_valutazione",
            valutazione_id,
            _fields(body),
        )

    @api.post("/casi/{caso_id}/nucleo", response_model=AzioneOut)
    def registra_nucleo(
        caso_id: UUID,
        body: NucleoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        membri = [
            Membro.model_validate({**member.model_dump(), "membro_id": member.membro_id or uuid4()})
            for member in body.membri
        ]
        return act(caso_id, body, principal, request, response, if_match, "registra_nucleo", membri)

    @api.post("/casi/{caso_id}/rappresentante-legale", response_model=AzioneOut)
    def registra_rappresentante(
        caso_id: UUID,
        body: RappresentanteIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "registra_rappresentante",
            _fields(body),
        )

    @api.post(
        "/casi/{caso_id}/questionari", status_code=status.HTTP_201_CREATED, response_model=AzioneOut
    )
    def raccogli_questionario(
        caso_id: UUID,
        body: QuestionarioIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "raccogli_questionario",
            _fields(body),
        )

    @api.post("/casi/{caso_id}/contratto", response_model=AzioneOut)
    def firma_contratto(
        caso_id: UUID,
        body: ContrattoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id, body, principal, request, response, if_match, "firma_contratto", _fields(body)
        )

    @api.post("/casi/{caso_id}/progetto", response_model=AzioneOut)
    def definisci_progetto(
        caso_id: UUID,
        body: ProgettoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "definisci_progetto",
            _fields(body),
        )

    @api.post("/casi/{caso_id}/progetto/revisioni", response_model=AzioneOut)
    def rivedi_progetto(
        caso_id: UUID,
        body: RevisioneProgettoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id, body, principal, request, response, if_match, "rivedi_progetto", _fields(body)
        )

    @api.post(
        "/casi/{caso_id}/interventi", status_code=status.HTTP_201_CREATED, response_model=AzioneOut
    )
    def attiva_intervento(
        caso_id: UUID,
        body: InterventoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        """``creato`` is the intervention's id."""
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "attiva_intervento",
            _fields(body),
            created="interventi",
        )

    @api.post("/casi/{caso_id}/interventi/{intervento_id}/monitoraggi", response_model=AzioneOut)
    def monitora(
        caso_id: UUID,
        intervento_id: UUID,
        body: MonitoraggioIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "monitora",
            intervento_id,
            _fields(body),
        )

    @api.post("/casi/{caso_id}/interventi/{intervento_id}/verifiche", response_model=AzioneOut)
    def verifica(
        caso_id: UUID,
        intervento_id: UUID,
        body: VerificaIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "verifica",
            intervento_id,
            _fields(body),
        )

    @api.post("/casi/{caso_id}/interventi/{intervento_id}/conclusione", response_model=AzioneOut)
    def concludi_intervento(
        caso_id: UUID,
        intervento_id: UUID,
        body: ConclusioneInterventoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "concludi_intervento",
            intervento_id,
            _fields(body),
        )

    @api.post("/casi/{caso_id}/interventi/{intervento_id}/annullamento", response_model=AzioneOut)
    def annulla_intervento(
        caso_id: UUID,
        intervento_id: UUID,
        body: AnnullamentoInterventoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        """Withdraws an intervention recorded by mistake, running or concluded."""
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "annulla_intervento",
            intervento_id,
            _fields(body),
        )

    @api.post(
        "/casi/{caso_id}/segnalazioni",
        status_code=status.HTTP_201_CREATED,
        response_model=AzioneOut,
    )
    def segnala(
        caso_id: UUID,
        body: SegnalazioneIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(caso_id, body, principal, request, response, if_match, "segnala", _fields(body))

    @api.post(
        "/casi/{caso_id}/provvedimenti",
        status_code=status.HTTP_201_CREATED,
        response_model=AzioneOut,
    )
    def recepisci_provvedimento(
        caso_id: UUID,
        body: ProvvedimentoIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        """``creato`` is the order's id (a report, a project or a representative names it)."""
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "recepisci_provvedimento",
            _order(body),
            default_basis=LEGAL_BASIS_AUTORITA,
        )

    @api.post(
        "/casi/{caso_id}/relazioni", status_code=status.HTTP_201_CREATED, response_model=AzioneOut
    )
    def invia_relazione(
        caso_id: UUID,
        body: RelazioneIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(
            caso_id,
            body,
            principal,
            request,
            response,
            if_match,
            "invia_relazione",
            _fields(body),
            default_basis=LEGAL_BASIS_AUTORITA,
        )

    @api.post("/casi/{caso_id}/chiusura", response_model=AzioneOut)
    def chiudi(
        caso_id: UUID,
        body: ChiusuraIn,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        if_match: IfMatch = None,
    ) -> AzioneOut:
        return act(caso_id, body, principal, request, response, if_match, "chiudi", _fields(body))

    return api
