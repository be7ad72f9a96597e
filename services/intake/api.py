"""HTTP entry points of the Segretariato sociale: they only translate."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from services.intake.application import (
    LEGAL_BASIS_REGISTRA,
    IntakeApplication,
    Persona,
    RegistraDomanda,
)
from services.intake.schemas import (
    AttoreOut,
    DomandaIn,
    DomandaOut,
    DomandaRegistrata,
    PersonaOut,
    ResidenzaOut,
    RichiedenteOut,
)
from shared import codes
from shared.auth.richiesta import Richiesta
from shared.events import Erased
from shared.events.intake import Residenza, Richiedente
from shared.events.types import CodiceFinalita
from shared.identity.registers import comune_by_istat
from shared.web.authentication import CurrentPrincipal
from shared.web.context import correlation_id
from shared.web.etag import etag

PURPOSE_HELP = "Finalità della lettura (codici di finalita_accesso.csv)"


def _clear(value: Any) -> Any:
    return None if isinstance(value, Erased) else value


def _residenza(residenza: Residenza | None) -> ResidenzaOut | None:
    if residenza is None:
        return None
    istat = _clear(residenza.comune_istat)
    comune = comune_by_istat(istat) if istat else None
    return ResidenzaOut(
        paese=_clear(residenza.paese),
        comune_istat=istat,
        comune=comune.nome if comune else None,
        regione=comune.regione if comune else None,
        indirizzo=_clear(residenza.indirizzo),
    )


def _richiedente(richiedente: Richiedente | None) -> RichiedenteOut | None:
    if richiedente is None:
        return None
    return RichiedenteOut(
        tipo=_clear(richiedente.tipo),
        nome=_clear(richiedente.nome),
        contatto=_clear(richiedente.contatto),
        risorsa_id=richiedente.risorsa_id,
    )


def router(intake: IntakeApplication) -> APIRouter:
    api = APIRouter(prefix="/api/intake", tags=["segretariato sociale"])

    @api.post("/domande", status_code=status.HTTP_201_CREATED, response_model=DomandaRegistrata)
    def registra_domanda(
        body: DomandaIn, principal: CurrentPrincipal, request: Request, response: Response
    ) -> DomandaRegistrata:
        residenza = body.persona.residenza
        richiedente = body.richiedente
        command = RegistraDomanda(
            comune=body.comune,
            canale=body.canale,
            persona=Persona(
                **body.persona.model_dump(exclude={"residenza"}),
                residenza_paese=residenza.paese if residenza else None,
                residenza_comune_istat=residenza.comune_istat if residenza else None,
                residenza_indirizzo=residenza.indirizzo if residenza else None,
            ),
            bisogno=body.bisogno,
            area_utenza=body.area_utenza,
            urgente=body.urgente,
            occurred_at=body.occurred_at,
            legal_basis=body.base_giuridica or LEGAL_BASIS_REGISTRA,
            richiedente=None if richiedente is None else Richiedente(**richiedente.model_dump()),
            sportello_id=body.sportello_id,
        )
        registrata = intake.registra_domanda(
            command, Richiesta(principal, "api", correlation_id(request))
        )
        response.headers["Location"] = f"/api/intake/domande/{registrata.id}"
        return DomandaRegistrata(id=registrata.id, posizione=registrata.posizione)

    @api.get("/domande/{domanda_id}", response_model=DomandaOut)
    def leggi_domanda(
        domanda_id: UUID,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        finalita: Annotated[
            CodiceFinalita, Query(description="Finalità della lettura")
        ] = "SPORTELLO",
    ) -> DomandaOut:
        event, version = intake.leggi_domanda(
            domanda_id, Richiesta(principal, "api", correlation_id(request)), finalita
        )
        response.headers["ETag"] = etag(version)
        persona = event.persona
        return DomandaOut(
            id=event.originator_id,
            versione=version,
            comune=event.comune,
            canale=event.canale,
            area_utenza=event.area_utenza,
            urgente=event.urgente,
            bisogno=_clear(event.bisogno),
            persona=PersonaOut(
                persona_id=event.persona_id,
                nome=_clear(persona.nome),
                cognome=_clear(persona.cognome),
                codice_fiscale=_clear(persona.codice_fiscale),
                data_nascita=_clear(persona.data_nascita),
                sesso=persona.sesso,
                luogo_nascita=_clear(persona.luogo_nascita),
                cittadinanza=_clear(persona.cittadinanza),
                residenza=_residenza(persona.residenza),
                cancellata=isinstance(persona.nome, Erased),
            ),
            richiedente=_richiedente(event.richiedente),
            sportello_id=event.sportello_id,
            attore=AttoreOut(
                utente=event.actor.user, ruolo=event.actor.role, comune=event.actor.comune
            ),
            base_giuridica=event.legal_basis,
            base_giuridica_descrizione=codes.legal_bases().get(event.legal_basis, ""),
            fonte=event.source,
            occurred_at=event.occurred_at,
            recorded_at=event.recorded_at,
        )

    return api
