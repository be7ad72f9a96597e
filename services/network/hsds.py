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

from services.network.application import DatiRisorsa
from shared import codes
from shared.directory.lookup import RisorsaInElenco
from shared.errors import FieldError
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

BELFIORE = re.compile(r"^[A-Z]\d{3}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNT = re.compile(r"^\d+$")
STATUSES = ("active", "inactive", "defunct", "temporarily closed")
AREA_DESCRIPTION = "Comune indicato con il codice catastale (Belfiore)"


@dataclass(frozen=True)
class RisorsaImportata:
    """A resource read from an HSDS document, ready for ``NetworkApplication.censisci``."""

    id: UUID
    dati: DatiRisorsa
    ultima_conferma: date | None
    motivo_dismissione: str | None
    """Not None when the source lists the resource as dismissed (``defunct``)."""


# -- export ------------------------------------------------------------------------------


def export_directory(risorse: Sequence[RisorsaInElenco]) -> dict[str, Any]:
    """The directory as an HSDS document: ``{"organizations": [...]}``."""
    return {"organizations": [export_organization(risorsa) for risorsa in risorse]}


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
    organization without a type attribute is ``altro``. Raises ``FieldError`` naming the
    offending field; messages never repeat its value.
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
    service_at: Location = (*at, "services", 0)
    service = _object(services[0], service_at) if services else {}

    attributes = _Attributes()
    for n, attribute in enumerate(_array(org, "attributes", at)):
        attributes.read(attribute, (*at, "attributes", n))
    for n, attribute in enumerate(_array(service, "attributes", service_at)):
        attributes.read(attribute, (*service_at, "attributes", n))

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

    dati = DatiRisorsa(
        nome=nome,
        tipo=attributes.tipo or TIPO_DEFAULT,
        comuni=_comuni(service, service_at),
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
        ultima_conferma=_date(service.get("assured_date"), (*service_at, "assured_date")),
        motivo_dismissione=motivo,
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
        self.contatti: dict[str, str] = {}

    def read(self, raw: Any, at: Location) -> None:
        attribute = _object(raw, at)
        term = attribute.get("taxonomy_term")
        if not isinstance(term, dict):
            return
        taxonomy = term.get("taxonomy")
        if taxonomy not in TAXONOMIES:
            return
        term_at: Location = (*at, "taxonomy_term")
        if taxonomy == TAXONOMY_TIPO:
            code = _code(attribute, term, at)
            if code not in _TIPI:
                raise FieldError((*term_at, "code"), "tipo di risorsa sconosciuto")
            if self.tipo is not None:
                raise FieldError(at, "il tipo di risorsa è indicato più di una volta")
            self.tipo = _TIPI[code]
        elif taxonomy == TAXONOMY_AREA:
            code = _code(attribute, term, at)
            if code not in codes.user_areas():
                raise FieldError((*term_at, "code"), "area di utenza ISTAT sconosciuta")
            self.aree.append(code)
        elif taxonomy == TAXONOMY_PRESTAZIONE:
            code = _code(attribute, term, at)
            if code not in codes.siuss_benefits():
                raise FieldError((*term_at, "code"), "codice di prestazione SIUSS sconosciuto")
            self.prestazioni.append(code)
        elif taxonomy == TAXONOMY_SERVIZIO:
            self.servizi.append(_value(attribute, at, SHORT_TEXT))
        elif taxonomy in (TAXONOMY_CAPACITA, TAXONOMY_LISTA_ATTESA):
            if taxonomy in self.counts:
                raise FieldError(at, "il dato è indicato più di una volta")
            self.counts[taxonomy] = _count(attribute.get("value"), (*at, "value"))
        elif taxonomy == TAXONOMY_MOTIVO:
            if self.motivo is not None:
                raise FieldError(at, "il motivo di dismissione è indicato più di una volta")
            self.motivo = _value(attribute, at, LONG_TEXT)
            self.motivo_at = at
        else:  # TAXONOMY_CONTATTO
            code = _code(attribute, term, at)
            if code not in ("email", "sito"):
                raise FieldError((*term_at, "code"), "tipo di contatto sconosciuto")
            self.contatti.setdefault(code, _value(attribute, at, SHORT_TEXT))


def _code(attribute: dict[str, Any], term: dict[str, Any], at: Location) -> str:
    """A coded term's code; producers that leave ``code`` empty may put it in ``value``."""
    code = term.get("code")
    if isinstance(code, str) and code:
        return code
    value = attribute.get("value")
    if isinstance(value, str) and value:
        return value
    raise FieldError((*at, "taxonomy_term", "code"), "manca il codice del termine")


def _value(attribute: dict[str, Any], at: Location, max_length: int) -> str:
    return _required_text(attribute, "value", at, max_length)


def _count(value: Any, at: Location) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and COUNT.match(value):
        return int(value)
    raise FieldError(at, "deve essere un numero intero non negativo")


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


def _comuni(service: dict[str, Any], at: Location) -> list[str]:
    comuni: list[str] = []
    for n, raw in enumerate(_array(service, "service_areas", at)):
        area_at: Location = (*at, "service_areas", n)
        name = _object(raw, area_at).get("name")
        if not isinstance(name, str) or not BELFIORE.match(name):
            raise FieldError(
                (*area_at, "name"),
                "l'area servita deve essere il codice catastale (Belfiore) di un comune",
            )
        comuni.append(name)
    return comuni


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
    if value is None or not value.strip():
        return None
    if len(value) > max_length:
        raise FieldError((*at, key), f"il testo supera i {max_length} caratteri")
    return value


def _uuid(value: Any, at: Location) -> UUID:
    if not isinstance(value, str):
        raise FieldError(at, "manca l'identificativo (UUID)")
    try:
        return UUID(value)
    except ValueError:
        raise FieldError(at, "l'identificativo deve essere un UUID") from None


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
