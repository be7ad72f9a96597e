"""Open Referral HSDS 3.x export and import of the network directory.

Other districts, regional portals and referral platforms speak HSDS, so the directory leaves
and enters Ambito in that shape: one organization per resource, with one nested service that
describes its offer. What HSDS has no field for travels as ``attributes`` whose taxonomy terms
carry an Ambito namespace (``TAXONOMIES``), so an export read back gives the same resource.

Pure functions: no I/O. Every id is a UUID (HSDS declares ``format: uuid``); the ids Ambito
makes up are uuid5 of the resource id, so exporting the same directory twice gives the same
document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, get_args
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from services.network.domain import DatiRisorsa
from shared import codes
from shared.directory.lookup import RisorsaInElenco, local_date
from shared.errors import FieldError
from shared.events import testo
from shared.events.network import Contatti, TipoRisorsa

Location = tuple[str | int, ...]

TERMS_NAMESPACE = UUID("533dcd90-55b9-4b07-848d-b33848cf3a9f")
"""Namespace of taxonomy term ids: a term has the same id in every export."""

TAXONOMY_TIPO = "ambito:tipo_risorsa"
TAXONOMY_AREA = "istat:area_utenza"
TAXONOMY_PRESTAZIONE = "siuss:prestazione"
TAXONOMY_SERVIZIO = "ambito:servizio"
TAXONOMY_CAPACITA = "ambito:capacita"
TAXONOMY_LISTA_ATTESA = "ambito:lista_attesa"
TAXONOMY_MOTIVO = "ambito:motivo_dismissione"
TAXONOMY_CENSITA = "ambito:censita_il"
"""The Europe/Rome date the resource entered the directory (ISO date in the value)."""
TAXONOMY_DISMESSA = "ambito:dismessa_il"
"""The Europe/Rome date a dismissed resource left the directory (ISO date in the value)."""
TAXONOMY_CONTATTO = "ambito:contatto"
"""An e-mail or website that does not fit HSDS's ``email``/``uri`` formats (kept verbatim)."""

TAXONOMIES: dict[str, str] = {
    TAXONOMY_TIPO: "Tipo di risorsa nell'elenco della rete territoriale (Ambito)",
    TAXONOMY_AREA: "Area di utenza ISTAT (indagine sugli interventi e servizi sociali dei comuni)",
    TAXONOMY_PRESTAZIONE: "Prestazione sociale SIUSS (INPS, codice prestazione)",
    TAXONOMY_SERVIZIO: "Servizio offerto dalla risorsa: il nome è nel valore dell'attributo",
    TAXONOMY_CAPACITA: "Capacità della risorsa (posti o prese in carico): numero nel valore",
    TAXONOMY_LISTA_ATTESA: "Persone in lista d'attesa presso la risorsa: numero nel valore",
    TAXONOMY_MOTIVO: "Motivo della dismissione della risorsa: testo nel valore",
    TAXONOMY_CENSITA: "Data del censimento della risorsa (ora di Roma): data ISO nel valore",
    TAXONOMY_DISMESSA: "Data della dismissione della risorsa (ora di Roma): data ISO nel valore",
    TAXONOMY_CONTATTO: "Contatto non conforme al formato HSDS: testo nel valore",
}

TIPI_RISORSA: dict[str, str] = {
    "servizio_comunale": "Servizio comunale",
    "servizio_asl": "Servizio dell'ASL/ASST",
    "scuola": "Scuola",
    "cooperativa_sociale": "Cooperativa sociale",
    "associazione": "Associazione",
    "gruppo_auto_mutuo_aiuto": "Gruppo di auto mutuo aiuto",
    "ente_pubblico": "Ente pubblico",
    "autorita_giudiziaria": "Autorità giudiziaria",
    "forze_ordine": "Forze dell'ordine",
    "altro": "Altro",
}
"""Labels of the taxonomy terms of ``TipoRisorsa`` (a test checks none is missing)."""
TIPO_DEFAULT: TipoRisorsa = "altro"
"""The type of an organization that another producer did not classify."""

MOTIVO_IGNOTO = "dismessa nella fonte HSDS"
"""Why a defunct service is dismissed when the source does not say."""

SHORT_TEXT = 200
LONG_TEXT = 4000
"""The limits of ``ShortText`` and ``LongText`` (``shared.events.types``)."""
MAX_COUNT = 1_000_000
MAX_COMUNI = 200
MAX_PRESTAZIONI = 100
MAX_SERVIZI = 100
"""The limits of the API's ``RisorsaIn`` (``services.network.schemas``; a test compares)."""

BELFIORE = re.compile(r"[A-Z][0-9]{3}")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNT = re.compile(r"[0-9]+")
"""A count as text (``fullmatch``): ASCII digits only."""
STATUSES = ("active", "inactive", "defunct", "temporarily closed")
AREA_DESCRIPTION = "Comune indicato con il codice catastale (Belfiore)"


@dataclass(frozen=True)
class RisorsaImportata:
    """A resource read from an HSDS document, ready for ``NetworkApplication.importa``.

    Dates are Europe/Rome calendar dates, as the export writes them.
    """

    id: UUID
    dati: DatiRisorsa
    ultima_conferma: date | None
    """The service's ``assured_date``."""
    motivo_dismissione: str | None
    """Not None when the source lists the resource as dismissed (``defunct``)."""
    censita: date | None
    """When the resource entered the directory (``ambito:censita_il``); never after
    ``ultima_conferma`` or ``dismessa``."""
    dismessa: date | None
    """When the resource was dismissed (``ambito:dismessa_il``); only for a ``defunct``
    service, which may also lack it."""
    luoghi_comuni: tuple[Location, ...]
    """Where each of ``dati.comuni`` is in the document, in the same order: the ``FieldError``
    location of its service area's name, e.g. ``("body", "organizations", 3, "services", 0,
    "service_areas", 1, "name")``."""


# -- export ------------------------------------------------------------------------------


def export_directory(risorse: Sequence[RisorsaInElenco]) -> dict[str, Any]:
    """The directory as an HSDS document: ``{"organizations": [...]}``. A text stored before
    the API refused control characters goes out cleaned (decision 0033): the document stays
    writable for everyone and importable again here."""
    return {"organizations": [_pulito(export_organization(risorsa)) for risorsa in risorse]}


def _pulito(valore: Any) -> Any:
    if isinstance(valore, str):
        return testo.ripulisci(valore, multilinea=True)
    if isinstance(valore, dict):
        return {chiave: _pulito(v) for chiave, v in valore.items()}
    if isinstance(valore, list):
        return [_pulito(v) for v in valore]
    return valore


def export_organization(risorsa: RisorsaInElenco) -> dict[str, Any]:
    """One resource as an HSDS organization with its service (and location) nested."""
    org_id = risorsa.id
    attributi = risorsa.attributi
    contatti = attributi.get("contatti") or {}
    descrizione = _str_or_none(attributi.get("descrizione"))

    organization: dict[str, Any] = {
        "id": str(org_id),
        "name": risorsa.nome,
        "description": descrizione or "",  # required by HSDS: empty reads back as None
    }
    org_attributes = [_attribute(org_id, "organization", _tipo_term(risorsa.tipo))]

    email = _str_or_none(contatti.get("email"))
    if email is not None:
        if EMAIL.match(email):
            organization["email"] = email
        else:
            org_attributes.append(
                _attribute(
                    org_id, "organization", _term(TAXONOMY_CONTATTO, "email", "E-mail"), email
                )
            )
    sito = _str_or_none(contatti.get("sito"))
    if sito is not None:
        if _is_web_uri(sito):
            organization["website"] = sito
        else:
            org_attributes.append(
                _attribute(
                    org_id, "organization", _term(TAXONOMY_CONTATTO, "sito", "Sito web"), sito
                )
            )
    telefono = _str_or_none(contatti.get("telefono"))
    if telefono is not None:
        organization["phones"] = [
            {
                "id": str(uuid5(org_id, "phone/0")),
                "organization_id": str(org_id),
                "number": telefono,
            }
        ]
    indirizzo = _str_or_none(contatti.get("indirizzo"))
    location_id = uuid5(org_id, "location/0")
    if indirizzo is not None:
        # Free text: HSDS's structured address (city, postal code, ...) cannot be filled
        # reliably, so the text is the physical location's description.
        organization["locations"] = [
            {
                "id": str(location_id),
                "location_type": "physical",
                "organization_id": str(org_id),
                "name": risorsa.nome,
                "description": indirizzo,
            }
        ]
    organization["attributes"] = _numbered(org_attributes, org_id)
    organization["services"] = [
        _export_service(risorsa, descrizione, location_id if indirizzo is not None else None)
    ]
    return organization


def service_id_of(risorsa_id: UUID) -> UUID:
    """The id of the HSDS service that describes a resource's offer."""
    return uuid5(risorsa_id, "service/0")


def _export_service(
    risorsa: RisorsaInElenco, descrizione: str | None, location_id: UUID | None
) -> dict[str, Any]:
    attributi = risorsa.attributi
    service_id = service_id_of(risorsa.id)
    sid = str(service_id)
    service: dict[str, Any] = {
        "id": sid,
        "organization_id": str(risorsa.id),
        "name": risorsa.nome,
        "status": "active" if risorsa.attiva else "defunct",
        "assured_date": risorsa.ultima_conferma.isoformat(),
    }
    if descrizione is not None:
        service["description"] = descrizione
    accreditamento = _str_or_none(attributi.get("accreditamento"))
    if accreditamento is not None:
        service["accreditations"] = accreditamento
    orari = _str_or_none(attributi.get("orari"))
    if orari is not None:
        service["schedules"] = [
            {"id": str(uuid5(service_id, "schedule/0")), "service_id": sid, "description": orari}
        ]
    if risorsa.comuni:
        service["service_areas"] = [
            {
                "id": str(uuid5(service_id, f"service_area/{n}")),
                "service_id": sid,
                "name": comune,
                "description": AREA_DESCRIPTION,
            }
            for n, comune in enumerate(risorsa.comuni)
        ]
    if location_id is not None:
        service["service_at_locations"] = [
            {
                "id": str(uuid5(service_id, "service_at_location/0")),
                "service_id": sid,
                "location_id": str(location_id),
            }
        ]

    aree = codes.user_areas()
    prestazioni = codes.siuss_benefits()
    attributes = [
        _attribute(service_id, "service", _term(TAXONOMY_AREA, area, aree.get(area)))
        for area in risorsa.aree
    ]
    attributes += [
        _attribute(service_id, "service", _term(TAXONOMY_PRESTAZIONE, code, prestazioni.get(code)))
        for code in attributi.get("prestazioni") or []
    ]
    attributes += [
        _attribute(
            service_id, "service", _term(TAXONOMY_SERVIZIO, "servizio", "Servizio offerto"), nome
        )
        for nome in attributi.get("servizi") or []
    ]
    counts = (
        (TAXONOMY_CAPACITA, "capacita", "Capacità"),
        (TAXONOMY_LISTA_ATTESA, "lista_attesa", "Lista d'attesa"),
    )
    for taxonomy, key, label in counts:
        count = attributi.get(key)
        if isinstance(count, int):
            term = _term(taxonomy, key, label)
            attributes.append(_attribute(service_id, "service", term, str(count)))
    dates = (
        (TAXONOMY_CENSITA, "censita_il", "Data del censimento", risorsa.censita_il),
        (TAXONOMY_DISMESSA, "dismessa_il", "Data della dismissione", risorsa.dismessa_il),
    )
    for taxonomy, key, label, moment in dates:
        if moment is not None:
            term = _term(taxonomy, key, label)
            value = local_date(moment).isoformat()
            attributes.append(_attribute(service_id, "service", term, value))
    if risorsa.motivo_dismissione is not None:
        attributes.append(
            _attribute(
                service_id,
                "service",
                _term(TAXONOMY_MOTIVO, "motivo", "Motivo della dismissione"),
                risorsa.motivo_dismissione,
            )
        )
    if attributes:
        service["attributes"] = _numbered(attributes, service_id)
    return service


def _tipo_term(tipo: str) -> dict[str, Any]:
    return _term(TAXONOMY_TIPO, tipo, TIPI_RISORSA.get(tipo))


def _term(taxonomy: str, code: str, label: str | None = None) -> dict[str, Any]:
    """A taxonomy term: its id depends only on taxonomy and code, so it is shared."""
    return {
        "id": str(uuid5(TERMS_NAMESPACE, f"{taxonomy}/{code}")),
        "code": code,
        "name": label or code,
        "description": TAXONOMIES[taxonomy],
        "taxonomy": taxonomy,
    }


def _attribute(
    link_id: UUID, link_entity: str, term: dict[str, Any], value: str | None = None
) -> dict[str, Any]:
    """An attribute without its id (``_numbered`` gives it one by position)."""
    attribute: dict[str, Any] = {
        "link_id": str(link_id),
        "link_entity": link_entity,
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }
    if value is not None:
        attribute["value"] = value
    return attribute


def _numbered(attributes: list[dict[str, Any]], owner: UUID) -> list[dict[str, Any]]:
    return [{"id": str(uuid5(owner, f"attribute/{n}")), **a} for n, a in enumerate(attributes)]


def _is_web_uri(value: str) -> bool:
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- import ------------------------------------------------------------------------------


def parse_directory(document: Any) -> list[RisorsaImportata]:
    """The resources of an HSDS document (``export_directory``'s or another producer's).

    A ``defunct`` service is a dismissed resource; ``inactive`` and ``temporarily closed``
    have no counterpart (a resource is available or dismissed) and read as available. An
    organization without a type attribute is ``altro``. The limits are the API's
    (``RisorsaIn``): texts are stripped of surrounding whitespace, then must fit; at least
    one comune and one user area; no comune, area, benefit or named service twice.

    Raises ``FieldError`` naming the offending field (for a repetition, the second
    occurrence; for a list over its limit, the service areas or the first attribute past
    it); messages never repeat its value.
    """
    if not isinstance(document, dict) or not isinstance(document.get("organizations"), list):
        raise FieldError(
            ("body", "organizations"), "il documento HSDS deve contenere l'elenco «organizations»"
        )
    found: list[RisorsaImportata] = []
    seen: set[UUID] = set()
    for n, organization in enumerate(document["organizations"]):
        location: Location = ("body", "organizations", n)
        risorsa = _parse_organization(_object(organization, location), location)
        if risorsa.id in seen:
            raise FieldError((*location, "id"), "identificativo ripetuto nel documento")
        seen.add(risorsa.id)
        found.append(risorsa)
    return found


def _parse_organization(org: dict[str, Any], at: Location) -> RisorsaImportata:
    risorsa_id = _uuid(org.get("id"), (*at, "id"))
    nome = _required_text(org, "name", at, SHORT_TEXT)

    services = _array(org, "services", at)
    if len(services) > 1:
        raise FieldError(
            (*at, "services"),
            "l'organizzazione descrive più di un servizio: Ambito ne importa uno per risorsa",
        )
    if not services:
        raise FieldError(
            (*at, "services"),
            "manca il servizio: servono almeno un comune servito (codice Belfiore in "
            "service_areas) e un'area di utenza",
        )
    service_at: Location = (*at, "services", 0)
    service = _object(services[0], service_at)

    attributes = _Attributes()
    for n, attribute in enumerate(_array(org, "attributes", at)):
        attributes.read(attribute, (*at, "attributes", n))
    for n, attribute in enumerate(_array(service, "attributes", service_at)):
        attributes.read(attribute, (*service_at, "attributes", n))

    comuni, luoghi_comuni = _comuni(service, service_at)
    if not attributes.aree:
        raise FieldError(
            (*service_at, "attributes"),
            f"serve almeno un'area di utenza (attributo della tassonomia {TAXONOMY_AREA})",
        )

    descrizione = _text(org, "description", at, LONG_TEXT) or _text(
        service, "description", service_at, LONG_TEXT
    )
    contatti = Contatti(
        telefono=_telefono(org, service, at, service_at),
        email=_text(org, "email", at, SHORT_TEXT)
        or _text(service, "email", service_at, SHORT_TEXT)
        or attributes.contatti.get("email"),
        indirizzo=_indirizzo(org, at),
        sito=_text(org, "website", at, SHORT_TEXT)
        or _text(service, "url", service_at, SHORT_TEXT)
        or attributes.contatti.get("sito"),
    )

    status = _text(service, "status", service_at, SHORT_TEXT) or "active"
    if status not in STATUSES:
        raise FieldError((*service_at, "status"), "stato del servizio non previsto da HSDS")
    motivo: str | None = None
    if status == "defunct":
        motivo = attributes.motivo or MOTIVO_IGNOTO
    elif attributes.motivo_at is not None:
        raise FieldError(attributes.motivo_at, "motivo di dismissione per un servizio non dismesso")
    elif attributes.dismessa_at is not None:
        raise FieldError(attributes.dismessa_at, "data di dismissione per un servizio non dismesso")

    ultima_conferma = _date(service.get("assured_date"), (*service_at, "assured_date"))
    censita = attributes.censita
    if censita is not None and attributes.censita_at is not None:
        censita_at: Location = (*attributes.censita_at, "value")
        if ultima_conferma is not None and censita > ultima_conferma:
            raise FieldError(censita_at, "la data del censimento non può seguire l'ultima conferma")
        if attributes.dismessa is not None and censita > attributes.dismessa:
            raise FieldError(censita_at, "la data del censimento non può seguire la dismissione")

    dati = DatiRisorsa(
        nome=nome,
        tipo=attributes.tipo or TIPO_DEFAULT,
        comuni=comuni,
        aree=attributes.aree,
        descrizione=descrizione,
        prestazioni=attributes.prestazioni,
        servizi=attributes.servizi,
        contatti=contatti,
        orari=_orari(service, service_at),
        capacita=attributes.counts.get(TAXONOMY_CAPACITA),
        lista_attesa=attributes.counts.get(TAXONOMY_LISTA_ATTESA),
        accreditamento=_text(service, "accreditations", service_at, SHORT_TEXT),
    )
    return RisorsaImportata(
        id=risorsa_id,
        dati=dati,
        ultima_conferma=ultima_conferma,
        motivo_dismissione=motivo,
        censita=censita,
        dismessa=attributes.dismessa,
        luoghi_comuni=luoghi_comuni,
    )


_TIPI: dict[str, TipoRisorsa] = {tipo: tipo for tipo in get_args(TipoRisorsa)}


class _Attributes:
    """What the Ambito-namespaced attributes say; attributes of other taxonomies are skipped."""

    def __init__(self) -> None:
        self.tipo: TipoRisorsa | None = None
        self.aree: list[str] = []
        self.prestazioni: list[str] = []
        self.servizi: list[str] = []
        self.counts: dict[str, int] = {}
        self.motivo: str | None = None
        self.motivo_at: Location | None = None
        self.censita: date | None = None
        self.censita_at: Location | None = None
        self.dismessa: date | None = None
        self.dismessa_at: Location | None = None
        self.contatti: dict[str, str] = {}

    def read(self, raw: Any, at: Location) -> None:
        attribute = _object(raw, at)
        term = attribute.get("taxonomy_term")
        if not isinstance(term, dict):
            return
        taxonomy = term.get("taxonomy")
        if taxonomy not in TAXONOMIES:
            return
        if taxonomy == TAXONOMY_TIPO:
            code, code_at = _code(attribute, term, at)
            if code not in _TIPI:
                raise FieldError(code_at, "tipo di risorsa sconosciuto")
            if self.tipo is not None:
                raise FieldError(at, "il tipo di risorsa è indicato più di una volta")
            self.tipo = _TIPI[code]
        elif taxonomy == TAXONOMY_AREA:
            code, code_at = _code(attribute, term, at)
            if code not in codes.user_areas():
                raise FieldError(code_at, "area di utenza ISTAT sconosciuta")
            _add_once(self.aree, code, code_at, "area di utenza indicata più di una volta")
        elif taxonomy == TAXONOMY_PRESTAZIONE:
            code, code_at = _code(attribute, term, at)
            if code not in codes.siuss_benefits():
                raise FieldError(code_at, "codice di prestazione SIUSS sconosciuto")
            _add_once(
                self.prestazioni,
                code,
                code_at,
                "prestazione indicata più di una volta",
                (MAX_PRESTAZIONI, "prestazioni"),
            )
        elif taxonomy == TAXONOMY_SERVIZIO:
            nome = _value(attribute, at, SHORT_TEXT)
            _add_once(
                self.servizi,
                nome,
                (*at, "value"),
                "servizio indicato più di una volta",
                (MAX_SERVIZI, "servizi"),
            )
        elif taxonomy in (TAXONOMY_CAPACITA, TAXONOMY_LISTA_ATTESA):
            if taxonomy in self.counts:
                raise FieldError(at, "il dato è indicato più di una volta")
            self.counts[taxonomy] = _count(attribute.get("value"), (*at, "value"))
        elif taxonomy == TAXONOMY_MOTIVO:
            if self.motivo is not None:
                raise FieldError(at, "il motivo di dismissione è indicato più di una volta")
            self.motivo = _value(attribute, at, LONG_TEXT)
            self.motivo_at = at
        elif taxonomy == TAXONOMY_CENSITA:
            if self.censita_at is not None:
                raise FieldError(at, "la data del censimento è indicata più di una volta")
            self.censita = _required_date(attribute.get("value"), (*at, "value"))
            self.censita_at = at
        elif taxonomy == TAXONOMY_DISMESSA:
            if self.dismessa_at is not None:
                raise FieldError(at, "la data della dismissione è indicata più di una volta")
            self.dismessa = _required_date(attribute.get("value"), (*at, "value"))
            self.dismessa_at = at
        else:  # TAXONOMY_CONTATTO
            code, code_at = _code(attribute, term, at)
            if code not in ("email", "sito"):
                raise FieldError(code_at, "tipo di contatto sconosciuto")
            self.contatti.setdefault(code, _value(attribute, at, SHORT_TEXT))


def _add_once(
    items: list[str], item: str, at: Location, repeated: str, limit: tuple[int, str] | None = None
) -> None:
    """Appends ``item``, refusing (at ``at``) a repeated one or, given ``limit`` (how many,
    of what), one too many."""
    if limit is not None and len(items) >= limit[0]:
        raise FieldError(at, f"si possono indicare al massimo {limit[0]} {limit[1]}")
    if item in items:
        raise FieldError(at, repeated)
    items.append(item)


def _code(attribute: dict[str, Any], term: dict[str, Any], at: Location) -> tuple[str, Location]:
    """A coded term's code and where it was found; producers that leave ``code`` empty may
    put it in ``value``."""
    code = term.get("code")
    if isinstance(code, str) and code:
        return code, (*at, "taxonomy_term", "code")
    value = attribute.get("value")
    if isinstance(value, str) and value:
        return value, (*at, "value")
    raise FieldError((*at, "taxonomy_term", "code"), "manca il codice del termine")


def _value(attribute: dict[str, Any], at: Location, max_length: int) -> str:
    return _required_text(attribute, "value", at, max_length)


def _count(value: Any, at: Location) -> int:
    """A count within the API's bounds, as a JSON integer or (HSDS's ``value`` is a string)
    as decimal digits."""
    count: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        count = value
    elif isinstance(value, str) and COUNT.fullmatch(value):
        digits = value.lstrip("0") or "0"
        # compared before converting: Python refuses to convert more than 4300 digits
        count = int(digits) if len(digits) <= len(str(MAX_COUNT)) else MAX_COUNT + 1
    if count is None or not 0 <= count <= MAX_COUNT:
        limit = f"{MAX_COUNT:,}".replace(",", ".")  # Italian thousands separator
        raise FieldError(at, f"deve essere un numero intero da 0 a {limit}")
    return count


def _telefono(
    org: dict[str, Any], service: dict[str, Any], at: Location, service_at: Location
) -> str | None:
    """The first phone number: the organization's, else the service's, else a location's."""
    sources: list[tuple[dict[str, Any], Location]] = [(org, at), (service, service_at)]
    for n, location in enumerate(_array(org, "locations", at)):
        sources.append((_object(location, (*at, "locations", n)), (*at, "locations", n)))
    for owner, owner_at in sources:
        phones = _array(owner, "phones", owner_at)
        if phones:
            phone_at: Location = (*owner_at, "phones", 0)
            return _text(_object(phones[0], phone_at), "number", phone_at, SHORT_TEXT)
    return None


def _indirizzo(org: dict[str, Any], at: Location) -> str | None:
    """The first non-virtual location's structured address, else its description (which is
    where ``export_directory`` writes Ambito's free-text address)."""
    for n, raw in enumerate(_array(org, "locations", at)):
        location_at: Location = (*at, "locations", n)
        location = _object(raw, location_at)
        if location.get("location_type") == "virtual":
            continue
        addresses = _array(location, "addresses", location_at)
        if addresses:
            address_at: Location = (*location_at, "addresses", 0)
            address = _object(addresses[0], address_at)
            parts = [
                _text(address, key, address_at, SHORT_TEXT)
                for key in ("address_1", "address_2", "postal_code", "city", "state_province")
            ]
            street = ", ".join(p for p in parts[:2] if p)
            town = " ".join(p for p in parts[2:4] if p)
            text = ", ".join(p for p in (street, town) if p)
            if parts[4]:
                text = f"{text} ({parts[4]})" if text else parts[4]
            if len(text) > SHORT_TEXT:
                raise FieldError(address_at, f"l'indirizzo supera i {SHORT_TEXT} caratteri")
            return text or None
        return _text(location, "description", location_at, SHORT_TEXT)
    return None


def _comuni(service: dict[str, Any], at: Location) -> tuple[list[str], tuple[Location, ...]]:
    """The Belfiore codes of the service areas, and where each one's name is."""
    areas_at: Location = (*at, "service_areas")
    areas = _array(service, "service_areas", at)
    if not areas:
        raise FieldError(
            areas_at, "serve almeno un comune servito (codice Belfiore in service_areas)"
        )
    if len(areas) > MAX_COMUNI:
        raise FieldError(areas_at, f"si possono indicare al massimo {MAX_COMUNI} comuni serviti")
    comuni: list[str] = []
    luoghi: list[Location] = []
    for n, raw in enumerate(areas):
        name_at: Location = (*areas_at, n, "name")
        name = _object(raw, (*areas_at, n)).get("name")
        if not isinstance(name, str) or not BELFIORE.fullmatch(name):
            raise FieldError(
                name_at, "l'area servita deve essere il codice catastale (Belfiore) di un comune"
            )
        if name in comuni:
            raise FieldError(name_at, "comune indicato più di una volta")
        comuni.append(name)
        luoghi.append(name_at)
    return comuni, tuple(luoghi)


def _orari(service: dict[str, Any], at: Location) -> str | None:
    """The schedules' descriptions; a structured schedule without one becomes a short text."""
    texts: list[str] = []
    for n, raw in enumerate(_array(service, "schedules", at)):
        schedule_at: Location = (*at, "schedules", n)
        schedule = _object(raw, schedule_at)
        description = _text(schedule, "description", schedule_at, LONG_TEXT)
        if description is not None:
            texts.append(description)
            continue
        days = _text(schedule, "byday", schedule_at, SHORT_TEXT)
        opens = _text(schedule, "opens_at", schedule_at, SHORT_TEXT)
        closes = _text(schedule, "closes_at", schedule_at, SHORT_TEXT)
        hours = "-".join(h for h in (opens, closes) if h)
        text = " ".join(p for p in (days, hours) if p)
        if text:
            texts.append(text)
    joined = "; ".join(texts)
    if len(joined) > LONG_TEXT:
        raise FieldError((*at, "schedules"), f"gli orari superano i {LONG_TEXT} caratteri")
    return joined or None


# -- checked reads -----------------------------------------------------------------------


def _object(value: Any, at: Location) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FieldError(at, "deve essere un oggetto JSON")
    return value


def _array(parent: dict[str, Any], key: str, at: Location) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError((*at, key), "deve essere un elenco")
    return value


def _required_text(parent: dict[str, Any], key: str, at: Location, max_length: int) -> str:
    value = _text(parent, key, at, max_length)
    if value is None:
        raise FieldError((*at, key), "campo obbligatorio")
    return value


def _text(parent: dict[str, Any], key: str, at: Location, max_length: int) -> str | None:
    """A string field; blank counts as absent (HSDS requires some fields Ambito may lack)."""
    value = parent.get(key)
    if value is not None and not isinstance(value, str):
        raise FieldError((*at, key), "deve essere un testo")
    if value is None:
        return None
    value = value.strip()  # as the API's texts are
    if not value:
        return None
    if len(value) > max_length:
        raise FieldError((*at, key), f"il testo supera i {max_length} caratteri")
    multilinea = max_length >= LONG_TEXT  # descriptions and schedules, as the API's texts
    if not testo.ammesso(value, multilinea=multilinea):
        messaggio = testo.MESSAGGIO_RIGHE if multilinea else testo.MESSAGGIO_RIGA
        raise FieldError((*at, key), messaggio)
    return value


def _uuid(value: Any, at: Location) -> UUID:
    if not isinstance(value, str):
        raise FieldError(at, "manca l'identificativo (UUID)")
    try:
        return UUID(value)
    except ValueError:
        raise FieldError(at, "l'identificativo deve essere un UUID") from None


def _required_date(value: Any, at: Location) -> date:
    found = _date(value, at)
    if found is None:
        raise FieldError(at, "deve essere una data ISO 8601 (AAAA-MM-GG)")
    return found


def _date(value: Any, at: Location) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            try:
                return datetime.fromisoformat(value).date()
            except ValueError:
                pass
    raise FieldError(at, "deve essere una data ISO 8601 (AAAA-MM-GG)")
