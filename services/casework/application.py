"""The casework service layer: opens, assigns and writes case files, each command authorised
by role, comune and area, and by the case's own rule that only its assigned social worker
writes. Reads of a case are recorded before anything leaves the service."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.casework.domain import Caso, area_di_riferimento, id_riapertura
from shared import codes
from shared.auth.policy import Forbidden, OutOfScope, authorize, require_role
from shared.auth.richiesta import Richiesta
from shared.directory.lookup import ResourceDirectory
from shared.errors import Conflict, FieldError, NotFound, require_version
from shared.events import Erased, acting, new_person_id
from shared.events.casework import AutoritaGiudiziaria, Membro
from shared.events.envelope import CLOCK_SKEW, LedgerEvent
from shared.events.identita import EsitoAttribuzione
from shared.events.intake import DomandaInoltrata
from shared.events.types import AreaUtenza
from shared.identity.models import User
from shared.ledger.application import LedgerApplication
from shared.ledger.ledger import Ledger
from shared.persons.attribuzione import attribuzione
from shared.persons.dati import (
    Persona,
    dati_persona,
    identita_di,
    persona_da_dati,
    profilo_statistico,
)
from shared.persons.keystore import IdentitaDiscordante, KeyStore, PersonErasedError
from shared.policies import Cause, derived_id

ROME = ZoneInfo("Europe/Rome")
LEGAL_BASIS_CASO = "L328_ART22"
LEGAL_BASIS_AUTORITA = "PROVV_AG"
LEGAL_BASIS_RETTIFICA = "GDPR_16"
LEGAL_BASIS_ATTRIBUZIONE = "GDPR_5_1_D"
"""The default basis of what a court order asks for (its details are in the event)."""
PURPOSE_LETTURA = "PRESA_IN_CARICO"
PURPOSE_BY_ROLE = {
    "coordinatore": "COORDINAMENTO",
    "assistente_sociale": PURPOSE_LETTURA,
    "educatore": "EQUIPE",
    "psicologo": "EQUIPE",
    "pedagogista": "EQUIPE",
}
"""The purpose a read cites when the reader names none (``finalita_accesso.csv``)."""
SOCIAL_WORKER = "assistente_sociale"
PROFESSIONALS = frozenset({"assistente_sociale", "educatore", "psicologo", "pedagogista"})
"""Who a project may name among the professionals involved."""


@dataclass(frozen=True)
class Atto:
    """When an act happened (default now; never in the future, never before the case's last
    act) and on which legal basis."""

    occurred_at: datetime | None = None
    legal_basis: str = LEGAL_BASIS_CASO


@dataclass(frozen=True)
class Esito:
    id: UUID
    posizione: int
    versione: int
    creato: UUID | None = None
    """The id of what the act created (an intervention, a court order's record)."""
    evento: UUID | None = None
    """The id of the last event recorded (an assessment's, which a correction names)."""


@dataclass(frozen=True)
class Provvedimento:
    """A court order as received: its details are judicial data (encrypted)."""

    autorita: AutoritaGiudiziaria
    tipo: str
    estremi: str
    numero: str | None = None
    data_provvedimento: Any = None
    relazione_entro: Any = None


@dataclass(frozen=True)
class ApriCaso:
    """A case opened directly: an emergency, or a court order (which it records with it).
    Reopening names the closed case; the person is then the same one."""

    comune: str
    area_utenza: AreaUtenza
    origine: Literal["emergenza", "provvedimento"]
    motivo: str
    persona: Persona | None = None
    urgente: bool = False
    caso_precedente_id: UUID | None = None
    provvedimento: Provvedimento | None = None
    caso_id: UUID | None = None
    """An id chosen by the caller (the demo, an import): a second case with it is a 409.
    A reopening's id is always derived from the closed case (``id_riapertura``)."""


class CaseworkApplication(LedgerApplication):
    name = "casework"
    aggregate_classes = (Caso,)

    def __init__(
        self,
        ledger: Ledger,
        keystore: KeyStore,
        district_comuni: Callable[[], frozenset[str]],
        directory: ResourceDirectory | None = None,
        staff: Callable[[str], User | None] = lambda _: None,
    ) -> None:
        super().__init__(ledger)
        self.keystore = keystore
        self.district_comuni = district_comuni
        self.directory = directory
        """The network directory's projection: interventions only with available providers."""
        self.staff = staff
        """Who works in the district (the identity store): assignees and professionals."""

    # -- opening -------------------------------------------------------------------------

    def apri(self, command: ApriCaso, richiesta: Richiesta, atto: Atto = Atto()) -> Esito:
        """Every check comes before the first write: a refused opening leaves nothing."""
        authorize(
            richiesta.principal,
            "casework.caso.apre",
            comune=command.comune,
            area=command.area_utenza,
        )
        self._check_act(atto)
        if command.comune not in self.district_comuni():
            raise FieldError(("body", "comune"), "comune non appartenente al distretto")
        caso_id = command.caso_id
        if command.caso_precedente_id is not None:
            caso_id = id_riapertura(command.caso_precedente_id)
            if command.caso_id not in (None, caso_id):
                raise FieldError(("body", "caso_id"), "una riapertura ha l'identificativo derivato")
        elif caso_id is not None and self.recorded(caso_id) is not None:
            raise Conflict("esiste già un caso con questo identificativo")
        if command.origine == "provvedimento" and command.provvedimento is None:
            raise FieldError(
                ("body", "provvedimento"), "obbligatorio per un caso aperto da un provvedimento"
            )
        when = atto.occurred_at or datetime.now(ROME)
        persona = command.persona
        if command.caso_precedente_id is not None:
            previous = self._readable(
                command.caso_precedente_id, richiesta, ("body", "caso_precedente_id")
            )
            if not previous.chiuso:
                raise Conflict("si riapre solo un caso chiuso: questo è ancora aperto")
            if self.recorded(id_riapertura(previous.id)) is not None:
                raise Conflict("il caso chiuso è già stato riaperto: si lavora su quello")
            self._check_order_of_acts(previous, atto)
            persona_id = previous.persona_id
            if self.keystore.is_erased(persona_id):
                raise PersonErasedError("la persona è stata cancellata: il caso non si riapre")
            known = persona_da_dati(previous.persona) if previous.persona is not None else None
            if persona is not None:
                self._require_same_person(persona, persona_id, known)
            persona = persona or known
            if persona is None:
                raise FieldError(
                    ("body", "persona"), "dati della persona non più disponibili: indicali"
                )
        elif persona is None:
            raise FieldError(("body", "persona"), "obbligatoria per aprire un caso")
        else:
            persona_id = self.keystore.claim(
                new_person_id(),
                **identita_di(persona),
                separata=persona.codice_fiscale_da_verificare,
            )
        fields: dict[str, Any] = {
            "persona_id": persona_id,
            "origine": command.origine,
            "area_utenza": command.area_utenza,
            "profilo": profilo_statistico(persona, command.comune, command.area_utenza, when),
            "motivo": command.motivo,
            "domanda_id": None,
            "caso_precedente_id": command.caso_precedente_id,
            "persona": dati_persona(persona),
            "urgente": command.urgente,
        }
        order = command.provvedimento
        context = richiesta.context(command.comune, atto.legal_basis, atto.occurred_at)
        with acting(context):
            if caso_id is None:
                caso = Caso(**fields)
            else:
                caso = Caso._create(Caso.CasoAperto, id=caso_id, **fields)
        created = None
        if order is not None:
            created = uuid4()
            # the order itself rests on the court's authority, like one received later
            with acting(context.model_copy(update={"legal_basis": LEGAL_BASIS_AUTORITA})):
                caso.recepisci_provvedimento(
                    richiesta.principal.subject,
                    created,
                    autorita=order.autorita,
                    tipo=order.tipo,
                    estremi=order.estremi,
                    numero=order.numero,
                    data_provvedimento=order.data_provvedimento,
                    relazione_entro=order.relazione_entro,
                )
        recordings = self.save(caso)
        return Esito(caso.id, recordings[-1].notification.id, caso.version, created)

    def apri_da_inoltro(self, cause: Cause) -> list[Caso]:
        """The hand-over policy's act: the request handed over becomes a case waiting for
        assignment, with the id derived from the hand-over (a redelivery opens nothing
        new). A person erased before the hand-over was delivered opens nothing."""
        inoltro = cause.opened(self.ledger.mapper)
        assert isinstance(inoltro, DomandaInoltrata)
        if isinstance(inoltro.motivo, Erased):
            return []
        caso = Caso._create(
            Caso.CasoAperto,
            id=derived_id(cause, "caso"),
            persona_id=inoltro.persona_id,
            origine="inoltro",
            area_utenza=inoltro.area_utenza,
            profilo=inoltro.profilo,
            motivo=inoltro.motivo,
            domanda_id=UUID(cause.aggregate_id),
            caso_precedente_id=None,
            persona=inoltro.persona,
            urgente=inoltro.urgente,
        )
        return [caso]

    # -- assignment (the coordinator) ----------------------------------------------------

    def assegna(
        self,
        caso_id: UUID,
        assistente_sociale: str,
        area_utenza: AreaUtenza | None,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        """Assigns (or reassigns) a social worker of the case's comune and of the area:
        by default the area of the referent the case goes to (``area_di_riferimento``)."""
        self._check_act(atto)
        require_role(richiesta.principal, "casework.caso.assegna")
        worker = self.staff(assistente_sociale)

        def attempt() -> list[Caso]:
            caso = self._caso(caso_id, richiesta, "casework.caso.assegna")
            self._authorised(caso, richiesta, "casework.caso.assegna")
            require_version(caso.version, versione_letta)
            area = area_utenza or area_di_riferimento(caso.area_utenza, caso.profilo)
            if (
                worker is None
                or not worker.active
                or worker.role != SOCIAL_WORKER
                or caso.comune not in worker.comuni
                or area not in worker.aree
            ):
                raise FieldError(
                    ("body", "assistente_sociale"),
                    "nessuna assistente sociale attiva con questo identificativo per il comune "
                    "e l'area del caso",
                )
            self._check_order_of_acts(caso, atto)
            with acting(richiesta.context(caso.comune, atto.legal_basis, atto.occurred_at)):
                caso.assegna(assistente_sociale, area)
            return [caso]

        return self._esito(caso_id, self.save_retrying(attempt))

    # -- the professional record (the assigned social worker) ----------------------------

    def prendi_in_carico(
        self,
        caso_id: UUID,
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        return self.scrive(
            caso_id,
            richiesta,
            lambda caso, autore: caso.prendi_in_carico(autore),
            atto,
            versione_letta,
        )

    def valuta(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        def change(caso: Caso, autore: str) -> None:
            self._check_assessment(caso, fields)
            caso.valuta(autore, **fields)

        done = self.scrive(caso_id, richiesta, change, atto, versione_letta)
        return Esito(done.id, done.posizione, done.versione, done.evento)

    def rettifica_valutazione(
        self,
        caso_id: UUID,
        valutazione_event_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        def change(caso: Caso, autore: str) -> None:
            self._check_assessment(caso, fields)
            caso.rettifica_valutazione(autore, valutazione_event_id, **fields)

        return self.scrive(caso_id, richiesta, change, atto, versione_letta)

    def registra_nucleo(
        self,
        caso_id: UUID,
        membri: list[Membro],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        return self._writes(
            caso_id, richiesta, atto, versione_letta, "registra_nucleo", membri=membri
        )

    def registra_rappresentante(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        def change(caso: Caso, autore: str) -> None:
            with _order_named_in("provvedimento_id"):
                caso.registra_rappresentante(autore, **fields)

        return self.scrive(caso_id, richiesta, change, atto, versione_letta)

    def raccogli_questionario(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        return self._writes(
            caso_id, richiesta, atto, versione_letta, "raccogli_questionario", **fields
        )

    def firma_contratto(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        return self._writes(caso_id, richiesta, atto, versione_letta, "firma_contratto", **fields)

    def rivedi_progetto(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        def change(caso: Caso, autore: str) -> None:
            if fields.get("professionisti") is not None:
                self._check_professionals(fields["professionisti"])
            caso.rivedi_progetto(autore, **fields)

        return self.scrive(caso_id, richiesta, change, atto, versione_letta)

    def monitora(
        self,
        caso_id: UUID,
        intervento_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        """The case's social worker, or a professional its project names: a monitoring is
        a contribution of whoever did it."""
        self._check_act(atto)
        require_role(richiesta.principal, "casework.caso.contribuisce")

        def attempt() -> list[Caso]:
            caso = self._caso(caso_id, richiesta, "casework.caso.legge")
            self._authorised(caso, richiesta, "casework.caso.contribuisce")
            if richiesta.principal.role == SOCIAL_WORKER:
                self._require_assignee(caso, richiesta)
            require_version(caso.version, versione_letta)
            self._check_order_of_acts(caso, atto)
            with acting(richiesta.context(caso.comune, atto.legal_basis, atto.occurred_at)):
                caso.monitora(richiesta.principal.subject, intervento_id, **fields)
            return [caso]

        return self._esito(caso_id, self.save_retrying(attempt))

    def verifica(
        self,
        caso_id: UUID,
        intervento_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        return self._writes(
            caso_id,
            richiesta,
            atto,
            versione_letta,
            "verifica",
            intervento_id=intervento_id,
            **fields,
        )

    def concludi_intervento(
        self,
        caso_id: UUID,
        intervento_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        return self._writes(
            caso_id,
            richiesta,
            atto,
            versione_letta,
            "concludi_intervento",
            intervento_id=intervento_id,
            **fields,
        )

    def annulla_intervento(
        self,
        caso_id: UUID,
        intervento_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        """Withdraws an intervention recorded by mistake (``Caso.annulla_intervento``)."""
        return self._writes(
            caso_id,
            richiesta,
            atto,
            versione_letta,
            "annulla_intervento",
            intervento_id=intervento_id,
            **fields,
        )

    def invia_relazione(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(legal_basis=LEGAL_BASIS_AUTORITA),
        versione_letta: int | None = None,
    ) -> Esito:
        def change(caso: Caso, autore: str) -> None:
            with _order_named_in("provvedimento_id"):
                caso.invia_relazione(autore, **fields)

        return self.scrive(caso_id, richiesta, change, atto, versione_letta)

    def chiudi(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        return self._writes(caso_id, richiesta, atto, versione_letta, "chiudi", **fields)

    def _writes(
        self,
        caso_id: UUID,
        richiesta: Richiesta,
        atto: Atto,
        versione_letta: int | None,
        command: str,
        **fields: Any,
    ) -> Esito:
        """An act that the case's own method decides entirely (``Caso.<command>``)."""
        return self.scrive(
            caso_id,
            richiesta,
            lambda caso, autore: getattr(caso, command)(autore, **fields),
            atto,
            versione_letta,
        )

    def definisci_progetto(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        def change(caso: Caso, autore: str) -> None:
            self._check_professionals(fields.get("professionisti", []))
            with _order_named_in("imposto_da_provvedimento_id"):
                caso.definisci_progetto(autore, **fields)

        return self.scrive(caso_id, richiesta, change, atto, versione_letta)

    def attiva_intervento(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        """The provider must be an available resource of the network directory."""
        intervento_id = uuid4()

        def change(caso: Caso, autore: str) -> None:
            if fields.get("risorsa_id") is not None:
                if self.directory is None:
                    raise Conflict(
                        "l'elenco della rete territoriale non è disponibile in questo servizio"
                    )
                self.directory.require_available(fields["risorsa_id"], ("body", "risorsa_id"))
            caso.attiva_intervento(autore, intervento_id, **fields)

        done = self.scrive(caso_id, richiesta, change, atto, versione_letta)
        return Esito(done.id, done.posizione, done.versione, intervento_id)

    def segnala(
        self,
        caso_id: UUID,
        fields: dict[str, Any],
        richiesta: Richiesta,
        atto: Atto,
        versione_letta: int | None = None,
    ) -> Esito:
        """A court report states its own legal basis (design section 2): no default."""
        return self.scrive(
            caso_id,
            richiesta,
            lambda caso, autore: caso.segnala(autore, base_giuridica=atto.legal_basis, **fields),
            atto,
            versione_letta,
        )

    def recepisci_provvedimento(
        self,
        caso_id: UUID,
        order: Provvedimento,
        richiesta: Richiesta,
        atto: Atto = Atto(legal_basis=LEGAL_BASIS_AUTORITA),
        versione_letta: int | None = None,
    ) -> Esito:
        """A court order may arrive before anyone takes charge: the coordinator records it
        on a case waiting for assignment, the assigned social worker afterwards."""
        self._check_act(atto)
        try:  # 403 before any lookup for a role that may record no order at all
            require_role(richiesta.principal, "casework.caso.scrive")
        except Forbidden:
            require_role(richiesta.principal, "casework.caso.assegna")
        provvedimento_id = uuid4()

        def attempt() -> list[Caso]:
            caso = self._caso(caso_id, richiesta, "casework.caso.legge")
            action = (
                "casework.caso.assegna"
                if caso.assistente_sociale is None
                else "casework.caso.scrive"
            )
            self._authorised(caso, richiesta, action)
            if caso.assistente_sociale is not None:
                self._require_assignee(caso, richiesta)
            require_version(caso.version, versione_letta)
            self._check_order_of_acts(caso, atto)
            with acting(richiesta.context(caso.comune, atto.legal_basis, atto.occurred_at)):
                caso.recepisci_provvedimento(
                    richiesta.principal.subject,
                    provvedimento_id,
                    autorita=order.autorita,
                    tipo=order.tipo,
                    estremi=order.estremi,
                    numero=order.numero,
                    data_provvedimento=order.data_provvedimento,
                    relazione_entro=order.relazione_entro,
                )
            return [caso]

        done = self._esito(caso_id, self.save_retrying(attempt))
        return Esito(done.id, done.posizione, done.versione, provvedimento_id)

    def scrive(
        self,
        caso_id: UUID,
        richiesta: Richiesta,
        change: Callable[[Caso, str], None],
        atto: Atto = Atto(),
        versione_letta: int | None = None,
    ) -> Esito:
        """Any act of the professional record: only the case's assigned social worker (any
        other caller is refused, 403), within their comuni and areas; the case's own rules
        decide the rest (409)."""
        self._check_act(atto)
        require_role(richiesta.principal, "casework.caso.scrive")

        def attempt() -> list[Caso]:
            caso = self._caso(caso_id, richiesta, "casework.caso.legge")
            self._authorised(caso, richiesta, "casework.caso.scrive")
            self._require_assignee(caso, richiesta)
            require_version(caso.version, versione_letta)
            self._check_order_of_acts(caso, atto)
            with acting(richiesta.context(caso.comune, atto.legal_basis, atto.occurred_at)):
                change(caso, richiesta.principal.subject)
            return [caso]

        return self._esito(caso_id, self.save_retrying(attempt))

    # -- who the case is about (decision 0032) ------------------------------------------

    def rettifica_persona(
        self,
        caso_id: UUID,
        persona: Persona,
        motivo: str,
        richiesta: Richiesta,
        atto: Atto = Atto(legal_basis=LEGAL_BASIS_RETTIFICA),
        versione_letta: int | None = None,
    ) -> Esito:
        """The case's social worker corrects the person's data (GDPR art. 16); the key
        store recognises the person by the corrected data from then on."""
        corretta: list[str] = []

        def change(caso: Caso, autore: str) -> None:
            if self.keystore.is_erased(caso.persona_id):
                raise PersonErasedError(caso.persona_id)
            self.keystore.verifica_rettifica(caso.persona_id, persona.codice_fiscale)
            profilo = profilo_statistico(persona, caso.comune, caso.profilo.area, caso.created_on)
            caso.rettifica_persona(autore, dati_persona(persona), profilo, motivo)
            corretta[:] = [caso.persona_id]

        done = self.scrive(caso_id, richiesta, change, atto, versione_letta)
        self.keystore.rettifica(corretta[0], **identita_di(persona))
        return done

    def attribuisci_persona(
        self,
        caso_id: UUID,
        esito: EsitoAttribuzione,
        motivo: str,
        richiesta: Richiesta,
        persona: Persona | None = None,
        persona_id: str | None = None,
        atto: Atto = Atto(legal_basis=LEGAL_BASIS_ATTRIBUZIONE),
        versione_letta: int | None = None,
    ) -> Esito:
        """A coordinatore of the case's comune decides whom it is about: ``collegata``,
        ``distinta`` or ``separata`` (``shared.persons.attribuzione``)."""
        self._check_act(atto)
        action = "casework.persona.attribuisce"
        caso = self._caso(caso_id, richiesta, action)
        self._authorised(caso, richiesta, action)
        scelta = attribuzione(
            self.keystore, esito, caso.persona_id, caso.persona, persona, persona_id
        )

        def attempt() -> list[Caso]:
            caso = self._caso(caso_id, richiesta, action)
            self._authorised(caso, richiesta, action)
            require_version(caso.version, versione_letta)
            self._check_order_of_acts(caso, atto)
            profilo = profilo_statistico(
                scelta.persona, caso.comune, caso.profilo.area, caso.created_on
            )
            with acting(richiesta.context(caso.comune, atto.legal_basis, atto.occurred_at)):
                caso.attribuisci_persona(
                    esito, scelta.persona_id, dati_persona(scelta.persona), profilo, motivo
                )
            return [caso]

        done = self._esito(caso_id, self.save_retrying(attempt))
        scelta.dopo(self.keystore)
        return done

    # -- reads ---------------------------------------------------------------------------

    def leggi(self, caso_id: UUID, richiesta: Richiesta, finalita: str | None = None) -> Caso:
        """The case's current state, for a reader entitled to it (else 404); the read is
        recorded first."""
        caso = self._caso(caso_id, richiesta, "casework.caso.legge")
        self.registra_lettura(
            richiesta,
            caso.persona_id,
            "caso",
            caso_id,
            finalita or _purpose(richiesta),
            "GET /api/casework/casi/{id}",
            caso.comune,
        )
        return caso

    def storia(
        self, caso_id: UUID, richiesta: Richiesta, finalita: str | None = None
    ) -> tuple[list[LedgerEvent], int]:
        """Every event of the case as recorded, in order (personal fields decrypted, or
        Erased), and its version; the read is recorded first."""
        caso = self._caso(caso_id, richiesta, "casework.caso.legge")
        self.registra_lettura(
            richiesta,
            caso.persona_id,
            "caso",
            caso_id,
            finalita or _purpose(richiesta),
            "GET /api/casework/casi/{id}/storia",
            caso.comune,
        )
        events = [
            e for e in self.events.get(caso_id, lte=caso.version) if isinstance(e, LedgerEvent)
        ]
        return events, caso.version

    # -- guards --------------------------------------------------------------------------

    def _caso(self, caso_id: UUID, richiesta: Richiesta, action: str) -> Caso:
        """The case, if the caller's role may do ``action`` (else 403, before any lookup)
        and may read the case (else 404: a caller does not learn that a case out of their
        scope exists); the scope of ``action`` itself is the caller's to check."""
        require_role(richiesta.principal, action)
        found = self.find(caso_id, Caso)
        if found is None:
            raise NotFound("caso non trovato")
        try:
            authorize(
                richiesta.principal,
                "casework.caso.legge",
                comune=found.comune,
                area=found.area_utenza,
                nominati=found.nominati,
            )
        except OutOfScope:
            raise NotFound("caso non trovato") from None
        return found

    def _readable(
        self, caso_id: UUID, richiesta: Richiesta, location: tuple[str | int, ...]
    ) -> Caso:
        try:
            return self._caso(caso_id, richiesta, "casework.caso.legge")
        except NotFound:
            raise FieldError(location, "caso non trovato") from None

    def _authorised(self, caso: Caso, richiesta: Richiesta, action: str) -> None:
        """Scope for acting on a case the caller may read: refused (403) rather than hidden."""
        try:
            authorize(
                richiesta.principal,
                action,
                comune=caso.comune,
                area=caso.area_utenza,
                nominati=caso.nominati,
            )
        except OutOfScope as refusal:
            raise Forbidden(str(refusal)) from None

    def _require_same_person(
        self, persona: Persona, persona_id: str, known: Persona | None
    ) -> None:
        """A reopening is about the closed case's person: the person sent must be them (by
        codice fiscale, or by name and birth date), never someone else's record."""
        if known is not None and not _same_person(persona, known):
            raise FieldError(("body", "persona"), "non è la persona del caso chiuso")
        try:
            claimed = self.keystore.claim(persona_id, **identita_di(persona))
        except IdentitaDiscordante:
            claimed = None
        if claimed != persona_id:
            raise FieldError(("body", "persona"), "non è la persona del caso chiuso")

    @staticmethod
    def _require_assignee(caso: Caso, richiesta: Richiesta) -> None:
        if caso.assistente_sociale != richiesta.principal.subject:
            raise Forbidden("solo l'assistente sociale assegnata al caso scrive nel fascicolo")

    def _check_act(self, atto: Atto) -> None:
        if atto.legal_basis not in codes.legal_bases():
            raise FieldError(("body", "base_giuridica"), "base giuridica sconosciuta")
        if atto.occurred_at is not None and atto.occurred_at > datetime.now(ROME) + CLOCK_SKEW:
            raise FieldError(("body", "occurred_at"), "non può essere nel futuro")

    @staticmethod
    def _check_order_of_acts(caso: Caso, atto: Atto) -> None:
        if atto.occurred_at is not None and atto.occurred_at < caso.modified_on:
            raise FieldError(("body", "occurred_at"), "non può precedere l'ultimo atto del caso")

    @staticmethod
    def _check_assessment(caso: Caso, fields: dict[str, Any]) -> None:
        if fields.get("sinba") is not None and not caso.minore:
            raise FieldError(
                ("body", "sinba"), "la valutazione SINBA riguarda solo una persona minorenne"
            )

    def _check_professionals(self, professionisti: Sequence[str]) -> None:
        for index, user_id in enumerate(professionisti):
            found = self.staff(user_id)
            if found is None or not found.active or found.role not in PROFESSIONALS:
                raise FieldError(
                    ("body", "professionisti", index),
                    "nessun professionista attivo del distretto con questo identificativo",
                )

    def _esito(self, caso_id: UUID, recordings: list[Any]) -> Esito:
        last = recordings[-1]
        event = last.domain_event
        return Esito(caso_id, last.notification.id, event.originator_version, evento=event.event_id)


@contextmanager
def _order_named_in(field: str) -> Iterator[None]:
    """The case refuses an order it does not hold (after its own state checks): for a
    client, that is a wrong value in the body's field (422), not a missing resource."""
    try:
        yield
    except NotFound as missing:
        raise FieldError(("body", field), str(missing)) from None


def _same_person(sent: Persona, known: Persona) -> bool:
    """Identifiers both sides hold must agree: the codice fiscale when both have it, else
    name, surname and (when both have it) birth date, ignoring case."""
    if sent.codice_fiscale and known.codice_fiscale:
        return sent.codice_fiscale.upper() == known.codice_fiscale.upper()
    if sent.data_nascita and known.data_nascita and sent.data_nascita != known.data_nascita:
        return False
    return (sent.nome.casefold().strip(), sent.cognome.casefold().strip()) == (
        known.nome.casefold().strip(),
        known.cognome.casefold().strip(),
    )


def _purpose(richiesta: Richiesta) -> str:
    return PURPOSE_BY_ROLE.get(richiesta.principal.role, PURPOSE_LETTURA)
