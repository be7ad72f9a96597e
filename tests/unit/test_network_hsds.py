"""The network directory's Open Referral HSDS 3.x export and import.

The export is validated against HSDS's compiled schemas (``tests/fixtures/hsds``, CC BY-SA 4.0,
see the README there) with format checking on: HSDS ids are ``format: uuid`` and jsonschema
checks formats only with a ``FormatChecker``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any, get_args
from urllib.parse import urlsplit
from uuid import NAMESPACE_URL, UUID, uuid5

import jsonschema
import pytest

from services.network import hsds
from services.network.hsds import (
    MAX_COMUNI,
    MAX_COUNT,
    MAX_PRESTAZIONI,
    MAX_SERVIZI,
    MOTIVO_IGNOTO,
    TAXONOMY_AREA,
    TAXONOMY_CAPACITA,
    TAXONOMY_CENSITA,
    TAXONOMY_CONTATTO,
    TAXONOMY_DISMESSA,
    TAXONOMY_LISTA_ATTESA,
    TAXONOMY_MOTIVO,
    TAXONOMY_PRESTAZIONE,
    TAXONOMY_SERVIZIO,
    TAXONOMY_TIPO,
    TIPI_RISORSA,
    export_directory,
    parse_directory,
)
from services.network.schemas import RisorsaIn
from shared.directory.lookup import RisorsaInElenco, local_date
from shared.errors import FieldError
from shared.events.network import Contatti, TipoRisorsa
from tests.support.hsds import hsds_validators, schema_errors

ATTRIBUTE_KEYS = (
    "descrizione",
    "prestazioni",
    "servizi",
    "contatti",
    "orari",
    "capacita",
    "lista_attesa",
    "accreditamento",
)


def risorsa(
    nome: str,
    tipo: str,
    comuni: list[str],
    aree: list[str],
    confermata_il: datetime = datetime(2025, 3, 10, 9, 0),  # naive UTC, as SQLite gives it
    dismessa: str | None = None,
    censita_il: datetime = datetime(2024, 1, 15, 8, 0),
    dismessa_il: datetime = datetime(2025, 6, 1, 10, 0, tzinfo=UTC),
    **attributi: Any,
) -> RisorsaInElenco:
    return RisorsaInElenco(
        id=uuid5(NAMESPACE_URL, f"urn:test:{nome}"),
        nome=nome,
        tipo=tipo,
        comuni=comuni,
        aree=aree,
        attributi={key: attributi.get(key) for key in ATTRIBUTE_KEYS},
        censita_il=censita_il,
        confermata_il=confermata_il,
        dismessa_il=None if dismessa is None else dismessa_il,
        motivo_dismissione=dismessa,
        versione=3,
    )


FULL = risorsa(
    "Cooperativa Sociale Il Melograno",
    "cooperativa_sociale",
    ["E094", "B292", "G965"],
    ["FAM", "DIS", "POV"],
    # 23:30 UTC on 31 December is already 1 January in Rome
    confermata_il=datetime(2024, 12, 31, 23, 30),
    censita_il=datetime(2023, 12, 31, 23, 30),
    descrizione="Servizi educativi domiciliari e centro diurno per minori.",
    prestazioni=["A1.04", "A2.01", "Z9.99"],
    servizi=["ADM", "Centro diurno minori", "Spazio neutro"],
    contatti={
        "telefono": "+39 02 9530 1234",
        "email": "segreteria@melograno.example.it",
        "indirizzo": "Via Roma 12, 20064 Gorgonzola (MI)",
        "sito": "https://melograno.example.it/servizi",
    },
    orari="lun-ven 9:00-17:00; sabato su appuntamento",
    capacita=0,
    lista_attesa=14,
    accreditamento="Accreditamento distrettuale 2024-2026, contratto n. 12/2024",
)
MINIMAL = risorsa("Gruppo AMA", "gruppo_auto_mutuo_aiuto", ["E094"], ["ADD"], contatti={})
DISMESSA = risorsa(
    "Associazione Ponte",
    "associazione",
    ["B292", "E094"],
    ["IMMNOM", "ADD"],
    confermata_il=datetime(2025, 5, 2, 12, 0, tzinfo=UTC),
    dismessa="Associazione sciolta con delibera dell'assemblea dei soci",
    dismessa_il=datetime(2025, 5, 31, 22, 30, tzinfo=UTC),  # 1 June in Rome (summer time)
    servizi=["Sportello stranieri"],
    contatti={"email": "chiedere in comune", "sito": "www.ponte.example.org", "telefono": "02 1"},
    capacita=25,
)
RISORSE = [FULL, MINIMAL, DISMESSA]


@pytest.fixture(scope="module")
def validators() -> dict[str, Any]:
    return hsds_validators()


def errors(validator: Any, instance: Any) -> list[str]:
    return schema_errors(validator, instance)


def exported(r: RisorsaInElenco) -> dict[str, Any]:
    organization: dict[str, Any] = export_directory([r])["organizations"][0]
    return organization


def attribute_index(owner: dict[str, Any], taxonomy: str) -> int:
    for n, attribute in enumerate(owner["attributes"]):
        if attribute["taxonomy_term"]["taxonomy"] == taxonomy:
            return n
    raise AssertionError(taxonomy)


# -- the export is valid HSDS ------------------------------------------------------------


@pytest.mark.parametrize("r", RISORSE, ids=lambda r: r.nome)
def test_export_validates_against_the_hsds_schemas(validators: dict[str, Any], r: Any) -> None:
    document = json.loads(json.dumps(export_directory([r])))  # plain JSON, nothing else
    [organization] = document["organizations"]
    assert errors(validators["organization"], organization) == []
    for service in organization["services"]:
        assert errors(validators["service"], service) == []
        for link in service.get("service_at_locations", []):
            assert errors(validators["service_at_location"], link) == []
    # "uri" is not checked without the optional rfc3987 package: check it here
    for url in (organization.get("website"), organization["services"][0].get("url")):
        if url is not None:
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https")
            assert parts.netloc


def test_the_validators_check_uuid_formats(validators: dict[str, Any]) -> None:
    """Without a FormatChecker these would pass, and so would an export with bad ids."""
    organization = exported(FULL)
    broken = copy.deepcopy(organization)
    broken["id"] = "not-a-uuid"
    assert any("uuid" in e for e in errors(validators["organization"], broken))
    nested = copy.deepcopy(organization)
    nested["services"][0]["attributes"][0]["taxonomy_term"]["id"] = "12345"
    assert any("uuid" in e for e in errors(validators["organization"], nested))
    service = copy.deepcopy(organization["services"][0])
    service["service_areas"][0]["id"] = "E094"
    assert any("uuid" in e for e in errors(validators["service"], service))
    without_format_checking = jsonschema.Draft202012Validator(validators["service"].schema)
    assert errors(without_format_checking, service) == []


def test_nulls_are_left_out(validators: dict[str, Any]) -> None:
    def walk(value: Any) -> None:
        assert value is not None
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    minimal = exported(MINIMAL)
    walk(minimal)
    assert minimal["description"] == ""  # required by HSDS
    assert "locations" not in minimal
    assert "phones" not in minimal
    assert "email" not in minimal
    service = minimal["services"][0]
    for key in ("description", "accreditations", "schedules", "service_at_locations"):
        assert key not in service


def test_mapping_of_a_full_resource() -> None:
    organization = exported(FULL)
    service = organization["services"][0]
    assert organization["id"] == str(FULL.id)
    assert organization["name"] == service["name"] == FULL.nome
    assert organization["email"] == "segreteria@melograno.example.it"
    assert organization["website"] == "https://melograno.example.it/servizi"
    assert [p["number"] for p in organization["phones"]] == ["+39 02 9530 1234"]
    [location] = organization["locations"]
    assert location["location_type"] == "physical"
    assert location["description"] == "Via Roma 12, 20064 Gorgonzola (MI)"
    assert service["service_at_locations"][0]["location_id"] == location["id"]
    assert service["status"] == "active"
    assert service["assured_date"] == "2025-01-01"  # Rome's date
    assert service["accreditations"].startswith("Accreditamento distrettuale")
    assert service["schedules"][0]["description"] == FULL.attributi["orari"]
    assert [a["name"] for a in service["service_areas"]] == ["E094", "B292", "G965"]
    assert "Belfiore" in service["service_areas"][0]["description"]
    tipo = organization["attributes"][attribute_index(organization, TAXONOMY_TIPO)]
    assert tipo["taxonomy_term"]["code"] == "cooperativa_sociale"
    assert tipo["taxonomy_term"]["name"] == "Cooperativa sociale"
    by_taxonomy: dict[str, list[str]] = {}
    for attribute in service["attributes"]:
        term = attribute["taxonomy_term"]
        by_taxonomy.setdefault(term["taxonomy"], []).append(attribute.get("value", term["code"]))
    assert by_taxonomy == {
        "istat:area_utenza": ["FAM", "DIS", "POV"],
        "siuss:prestazione": ["A1.04", "A2.01", "Z9.99"],
        "ambito:servizio": ["ADM", "Centro diurno minori", "Spazio neutro"],
        "ambito:capacita": ["0"],
        "ambito:lista_attesa": ["14"],
        "ambito:censita_il": ["2024-01-01"],  # Rome's date
    }


def test_dismissed_resource_and_contacts_outside_hsds_formats() -> None:
    organization = exported(DISMESSA)
    service = organization["services"][0]
    assert service["status"] == "defunct"
    motivo = service["attributes"][attribute_index(service, TAXONOMY_MOTIVO)]
    assert motivo["value"] == DISMESSA.motivo_dismissione
    dismessa = service["attributes"][attribute_index(service, TAXONOMY_DISMESSA)]
    assert dismessa["value"] == "2025-06-01"  # Rome's date
    censita = service["attributes"][attribute_index(service, TAXONOMY_CENSITA)]
    assert censita["value"] == "2024-01-15"
    # neither is an e-mail address or an absolute URI: kept verbatim as attributes
    assert "email" not in organization
    assert "website" not in organization
    contatti = {
        a["taxonomy_term"]["code"]: a["value"]
        for a in organization["attributes"]
        if a["taxonomy_term"]["taxonomy"] == TAXONOMY_CONTATTO
    }
    assert contatti == {"email": "chiedere in comune", "sito": "www.ponte.example.org"}


def test_export_is_stable_and_ids_are_unique() -> None:
    first = export_directory(RISORSE)
    assert export_directory(RISORSE) == first
    ids: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str) and "taxonomy" not in value:
                ids.append(value["id"])
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(first)
    assert len(ids) == len(set(ids))
    terms: dict[tuple[str, str], set[str]] = {}
    for organization in first["organizations"]:
        for owner in (organization, organization["services"][0]):
            for attribute in owner.get("attributes", []):
                term = attribute["taxonomy_term"]
                assert attribute["taxonomy_term_id"] == term["id"]
                terms.setdefault((term["taxonomy"], term["code"]), set()).add(term["id"])
    assert len(terms[("ambito:servizio", "servizio")]) == 1  # FULL's and DISMESSA's
    assert all(len(found) == 1 for found in terms.values())  # a term is one term everywhere


def test_every_resource_type_has_a_label() -> None:
    assert set(TIPI_RISORSA) == set(get_args(TipoRisorsa))


# -- round trip --------------------------------------------------------------------------


@pytest.mark.parametrize("r", RISORSE, ids=lambda r: r.nome)
def test_round_trip(r: RisorsaInElenco) -> None:
    [back] = parse_directory(json.loads(json.dumps(export_directory([r]))))
    attributi = r.attributi
    assert back.id == r.id
    assert back.ultima_conferma == r.ultima_conferma
    assert back.motivo_dismissione == r.motivo_dismissione
    assert back.censita == local_date(r.censita_il)
    assert back.dismessa == (None if r.dismessa_il is None else local_date(r.dismessa_il))
    dati = back.dati
    assert (dati.nome, dati.tipo, dati.comuni, dati.aree) == (r.nome, r.tipo, r.comuni, r.aree)
    assert dati.contatti == Contatti(**(attributi["contatti"] or {}))
    assert dati.prestazioni == (attributi["prestazioni"] or [])
    assert dati.servizi == (attributi["servizi"] or [])
    for key in ("descrizione", "orari", "capacita", "lista_attesa", "accreditamento"):
        assert getattr(dati, key) == attributi[key], key


def test_round_trip_of_a_whole_directory_keeps_its_order() -> None:
    back = parse_directory(export_directory(RISORSE))
    assert [b.id for b in back] == [r.id for r in RISORSE]
    assert [asdict(b.dati)["nome"] for b in back] == [r.nome for r in RISORSE]
    assert parse_directory(export_directory([])) == []


def test_full_resource_reads_back_exactly() -> None:
    [back] = parse_directory(export_directory([FULL]))
    assert back.ultima_conferma == date(2025, 1, 1)
    assert back.censita == date(2024, 1, 1)
    assert back.dismessa is None
    assert back.dati.capacita == 0
    assert back.dati.contatti == Contatti(
        telefono="+39 02 9530 1234",
        email="segreteria@melograno.example.it",
        indirizzo="Via Roma 12, 20064 Gorgonzola (MI)",
        sito="https://melograno.example.it/servizi",
    )


def test_a_dismissed_resource_reads_back_its_dates() -> None:
    [back] = parse_directory(export_directory([DISMESSA]))
    assert (back.censita, back.ultima_conferma, back.dismessa) == (
        date(2024, 1, 15),
        date(2025, 5, 2),
        date(2025, 6, 1),
    )


def test_where_the_comuni_are() -> None:
    """``luoghi_comuni`` names each comune's field, so the application can refuse one on it."""
    document = export_directory(RISORSE)
    back = parse_directory(document)
    for n, (r, imported) in enumerate(zip(RISORSE, back, strict=True)):
        assert imported.luoghi_comuni == tuple(
            ("body", "organizations", n, "services", 0, "service_areas", k, "name")
            for k in range(len(r.comuni))
        )
        for comune, luogo in zip(imported.dati.comuni, imported.luoghi_comuni, strict=True):
            target: Any = document
            for step in luogo[1:]:
                target = target[step]
            assert target == comune


# -- other producers -----------------------------------------------------------------------

OTHER_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"


OTHER_SERVICE_ID = "4c5d6e7f-8a9b-4c1d-8e0f-2a3b4c5d6e7f"


def other_organization() -> dict[str, Any]:
    """The least another producer must say: a service, a comune it serves, a user area."""
    return {
        "id": OTHER_ID,
        "name": "  Caritas  ",
        "description": "",
        "services": [
            {
                "id": OTHER_SERVICE_ID,
                "name": "Centro di ascolto",
                "status": "active",
                "service_areas": [{"id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "name": "E094"}],
                "attributes": [
                    {
                        "id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
                        "taxonomy_term": {
                            "id": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f",
                            "name": "Povertà",
                            "description": "Area di utenza",
                            "taxonomy": TAXONOMY_AREA,
                            "code": "POV",
                        },
                    }
                ],
            }
        ],
    }


def test_a_minimal_organization_from_another_producer(validators: dict[str, Any]) -> None:
    organization = other_organization()
    assert errors(validators["organization"], organization) == []
    [back] = parse_directory({"organizations": [organization]})
    assert back.id == UUID(OTHER_ID)
    assert back.dati.nome == "Caritas"  # stripped, as the API strips
    assert back.dati.tipo == "altro"
    assert back.dati.comuni == ["E094"]
    assert back.dati.aree == ["POV"]
    assert back.dati.descrizione is None
    assert back.ultima_conferma is None
    assert back.censita is None
    assert back.dismessa is None
    assert back.motivo_dismissione is None


@pytest.mark.parametrize("services", [None, []])
def test_an_organization_without_a_service_is_refused(services: Any) -> None:
    """Without a service it has no comune served and no user area."""
    organization: dict[str, Any] = {"id": OTHER_ID, "name": "Caritas", "description": ""}
    if services is not None:
        organization["services"] = services
    with pytest.raises(FieldError) as refused:
        parse_directory({"organizations": [organization]})
    assert refused.value.location == ("body", "organizations", 0, "services")
    assert "comune" in refused.value.message


def test_structured_parts_from_another_producer(validators: dict[str, Any]) -> None:
    organization: dict[str, Any] = {
        "id": OTHER_ID,
        "name": "Centro per le famiglie",
        "description": "Consulenza e mediazione familiare.",
        "locations": [
            {"id": "0c1bd0a1-8d4c-4b39-9d0a-5b7c0b1c2d3e", "location_type": "virtual"},
            {
                "id": "7f1e9d3a-2b4c-4d5e-8f6a-1b2c3d4e5f60",
                "location_type": "physical",
                "addresses": [
                    {
                        "id": "2a3b4c5d-6e7f-4a1b-8c9d-0e1f2a3b4c5d",
                        "address_1": "Piazza Europa 1",
                        "city": "Bussero",
                        "state_province": "MI",
                        "postal_code": "20060",
                        "country": "IT",
                        "address_type": "physical",
                    }
                ],
                "phones": [{"id": "3b4c5d6e-7f8a-4b1c-9d0e-1f2a3b4c5d6e", "number": "02 123"}],
            },
        ],
        "services": [
            {
                "id": OTHER_SERVICE_ID,
                "name": "Mediazione familiare",
                "status": "temporarily closed",
                "email": "centro@example.org",
                "assured_date": "2025-02-03T10:00:00Z",
                "service_areas": [
                    {"id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "name": "B292"},
                    {"id": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "name": "E094"},
                ],
                "schedules": [
                    {
                        "id": "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f80",
                        "byday": "MO,WE",
                        "opens_at": "09:00",
                        "closes_at": "12:00",
                    }
                ],
                "attributes": [
                    {
                        "id": "6e7f8a9b-0c1d-4e2f-9a3b-4c5d6e7f8a91",
                        "taxonomy_term": {
                            "id": "7f8a9b0c-1d2e-4f3a-8b4c-5d6e7f8a9b02",
                            "name": "Family support",
                            "description": "Open Eligibility",
                            "taxonomy": "openeligibility",
                            "code": "family",
                        },
                    },
                    {
                        "id": "8a9b0c1d-2e3f-4a4b-9c5d-6e7f8a9b0c13",
                        "value": "FAM",
                        "taxonomy_term": {
                            "id": "9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d24",
                            "name": "famiglia e minori",
                            "description": "area",
                            "taxonomy": TAXONOMY_AREA,
                        },
                    },
                ],
            }
        ],
    }
    assert errors(validators["organization"], organization) == []
    [back] = parse_directory({"organizations": [organization]})
    assert back.dati.contatti == Contatti(
        telefono="02 123",
        email="centro@example.org",
        indirizzo="Piazza Europa 1, 20060 Bussero (MI)",
    )
    assert back.dati.orari == "MO,WE 09:00-12:00"
    assert back.dati.aree == ["FAM"]  # code in the value; the foreign taxonomy is skipped
    assert back.dati.comuni == ["B292", "E094"]
    assert back.ultima_conferma == date(2025, 2, 3)
    assert back.motivo_dismissione is None  # temporarily closed is not dismissed
    assert back.dati.descrizione == "Consulenza e mediazione familiare."


def test_a_defunct_service_without_a_reason() -> None:
    organization = exported(DISMESSA)
    service = organization["services"][0]
    del service["attributes"][attribute_index(service, TAXONOMY_MOTIVO)]
    [back] = parse_directory({"organizations": [organization]})
    assert back.motivo_dismissione == MOTIVO_IGNOTO


# -- refused documents -------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]
ORG = ("body", "organizations", 0)
SERVICE = (*ORG, "services", 0)


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def _service_attribute(
    taxonomy: str, key: str, value: Any, r: RisorsaInElenco = FULL, nth: int = 0
) -> tuple[Mutation, tuple[Any, ...]]:
    """Sets the ``nth`` attribute of ``taxonomy`` of ``r``'s service: its term's code or
    its own ``key``; gives the mutation and the location of what it set."""
    service = exported(r)["services"][0]
    n = [
        k
        for k, attribute in enumerate(service["attributes"])
        if attribute["taxonomy_term"]["taxonomy"] == taxonomy
    ][nth]
    path = ("organizations", 0, "services", 0, "attributes", n)
    if key == "code":
        target: tuple[Any, ...] = (*path, "taxonomy_term", "code")
    else:
        target = (*path, key)
    return _set(target, value), ("body", *target)


def _combined(*mutations: Mutation) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(document)

    return mutate


def _delete(path: tuple[Any, ...]) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return mutate


def _duplicate(document: dict[str, Any]) -> None:
    document["organizations"].append(copy.deepcopy(document["organizations"][0]))


def _second_service(document: dict[str, Any]) -> None:
    services = document["organizations"][0]["services"]
    services.append(copy.deepcopy(services[0]))


def _append_attribute_of(r: RisorsaInElenco, taxonomy: str) -> Mutation:
    """Appends to the document's service a copy of ``r``'s attribute of ``taxonomy``."""
    service = exported(r)["services"][0]
    attribute = service["attributes"][attribute_index(service, taxonomy)]

    def mutate(document: dict[str, Any]) -> None:
        document["organizations"][0]["services"][0]["attributes"].append(copy.deepcopy(attribute))

    return mutate


def _many_service_areas(count: int) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        service = document["organizations"][0]["services"][0]
        service["service_areas"] = [
            {"id": str(uuid5(NAMESPACE_URL, f"urn:area:{n}")), "name": f"A{n:03d}"}
            for n in range(count)
        ]

    return mutate


def _many_servizi(count: int) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        service = document["organizations"][0]["services"][0]
        template = service["attributes"][attribute_index(service, TAXONOMY_SERVIZIO)]
        others = [
            a for a in service["attributes"] if a["taxonomy_term"]["taxonomy"] != TAXONOMY_SERVIZIO
        ]
        service["attributes"] = others + [
            {**copy.deepcopy(template), "value": f"Servizio {n}"} for n in range(count)
        ]

    return mutate


def _without(taxonomy: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        service = document["organizations"][0]["services"][0]
        service["attributes"] = [
            a for a in service["attributes"] if a["taxonomy_term"]["taxonomy"] != taxonomy
        ]

    return mutate


FULL_ATTRIBUTES = exported(FULL)["services"][0]["attributes"]
N_FULL = len(FULL_ATTRIBUTES)
N_OTHERS = sum(a["taxonomy_term"]["taxonomy"] != TAXONOMY_SERVIZIO for a in FULL_ATTRIBUTES)
AREAS = ("organizations", 0, "services", 0, "service_areas")
BIG = "9223372036854775808"  # one past the largest BIGINT
TIPO_AT = attribute_index(exported(FULL), TAXONOMY_TIPO)
CASES: list[tuple[str, Mutation, tuple[Any, ...], str]] = [
    ("org id", _set(("organizations", 0, "id"), "E094-1"), (*ORG, "id"), "E094-1"),
    ("org id missing", _set(("organizations", 0, "id"), None), (*ORG, "id"), ""),
    ("name blank", _set(("organizations", 0, "name"), "  "), (*ORG, "name"), ""),
    ("name type", _set(("organizations", 0, "name"), 42), (*ORG, "name"), "42"),
    ("name long", _set(("organizations", 0, "name"), "N" * 201), (*ORG, "name"), "N" * 201),
    ("org not object", _set(("organizations", 0), "Melograno"), ORG, "Melograno"),
    ("duplicate", _duplicate, ("body", "organizations", 1, "id"), ""),
    ("two services", _second_service, (*ORG, "services"), ""),
    ("services type", _set(("organizations", 0, "services"), {}), (*ORG, "services"), ""),
    ("no service", _set(("organizations", 0, "services"), []), (*ORG, "services"), ""),
    (
        "tipo",
        _set(("organizations", 0, "attributes", TIPO_AT, "taxonomy_term", "code"), "ospedale"),
        (*ORG, "attributes", TIPO_AT, "taxonomy_term", "code"),
        "ospedale",
    ),
    ("area", *_service_attribute(TAXONOMY_AREA, "code", "XYZ"), "XYZ"),
    ("prestazione", *_service_attribute(TAXONOMY_PRESTAZIONE, "code", "B9.99"), "B9.99"),
    # -- counts: the API's bounds, 0..1_000_000
    ("capacita", *_service_attribute(TAXONOMY_CAPACITA, "value", "-3"), "-3"),
    ("capacita bool", *_service_attribute(TAXONOMY_CAPACITA, "value", True), "True"),
    ("capacita over", *_service_attribute(TAXONOMY_CAPACITA, "value", "1000001"), "1000001"),
    ("capacita bigint", *_service_attribute(TAXONOMY_CAPACITA, "value", BIG), BIG),
    ("capacita json bigint", *_service_attribute(TAXONOMY_CAPACITA, "value", int(BIG)), BIG),
    ("capacita json over", *_service_attribute(TAXONOMY_CAPACITA, "value", 1_000_001), ""),
    ("capacita 5000 digits", *_service_attribute(TAXONOMY_CAPACITA, "value", "9" * 5000), ""),
    ("capacita newline", *_service_attribute(TAXONOMY_CAPACITA, "value", "12\n"), ""),
    ("capacita arabic digits", *_service_attribute(TAXONOMY_CAPACITA, "value", "١٢"), "١٢"),
    ("capacita float", *_service_attribute(TAXONOMY_CAPACITA, "value", "1.5"), "1.5"),
    ("lista_attesa bigint", *_service_attribute(TAXONOMY_LISTA_ATTESA, "value", BIG), BIG),
    ("lista_attesa negative", *_service_attribute(TAXONOMY_LISTA_ATTESA, "value", -1), ""),
    # -- comuni: 1..200, Belfiore codes, none twice
    (
        "comune",
        _set((*AREAS, 1, "name"), "Bussero"),
        (*SERVICE, "service_areas", 1, "name"),
        "Bussero",
    ),
    (
        "comune newline",
        _set((*AREAS, 1, "name"), "B292\n"),
        (*SERVICE, "service_areas", 1, "name"),
        "",
    ),
    (
        "comune arabic digits",
        _set((*AREAS, 1, "name"), "B٢٩٢"),
        (*SERVICE, "service_areas", 1, "name"),
        "B٢٩٢",
    ),
    (
        "comune twice",
        _set((*AREAS, 2, "name"), "E094"),
        (*SERVICE, "service_areas", 2, "name"),
        "E094",
    ),
    ("no comune", _set(AREAS, []), (*SERVICE, "service_areas"), ""),
    ("comuni missing", _delete(AREAS), (*SERVICE, "service_areas"), ""),
    ("comuni over", _many_service_areas(MAX_COMUNI + 1), (*SERVICE, "service_areas"), ""),
    # -- areas: at least one, none twice (code in the term or, without one, in the value)
    ("no area", _without(TAXONOMY_AREA), (*SERVICE, "attributes"), ""),
    ("area twice", *_service_attribute(TAXONOMY_AREA, "code", "FAM", nth=2), "FAM"),
    (
        "area twice in the value",
        _combined(
            _service_attribute(TAXONOMY_AREA, "code", "", nth=1)[0],
            _service_attribute(TAXONOMY_AREA, "value", "FAM", nth=1)[0],
        ),
        _service_attribute(TAXONOMY_AREA, "value", "FAM", nth=1)[1],
        "FAM",
    ),
    (
        "prestazione twice",
        *_service_attribute(TAXONOMY_PRESTAZIONE, "code", "A1.04", nth=1),
        "A1.04",
    ),
    # -- named services: 1..200 characters once stripped, none twice, at most 100
    ("servizio blank", *_service_attribute(TAXONOMY_SERVIZIO, "value", "   "), ""),
    ("servizio long", *_service_attribute(TAXONOMY_SERVIZIO, "value", "S" * 201), "S" * 201),
    ("servizio twice", *_service_attribute(TAXONOMY_SERVIZIO, "value", " ADM ", nth=1), "ADM"),
    (
        "servizi over",
        _many_servizi(MAX_SERVIZI + 1),
        (*SERVICE, "attributes", N_OTHERS + MAX_SERVIZI, "value"),
        "",
    ),
    # -- texts: the API's limits
    (
        "descrizione long",
        _set(("organizations", 0, "description"), "D" * 4001),
        (*ORG, "description"),
        "D" * 4001,
    ),
    (
        "orari long",
        _set(("organizations", 0, "services", 0, "schedules", 0, "description"), "O" * 4001),
        (*SERVICE, "schedules", 0, "description"),
        "O" * 4001,
    ),
    (
        "accreditamento long",
        _set(("organizations", 0, "services", 0, "accreditations"), "A" * 201),
        (*SERVICE, "accreditations"),
        "A" * 201,
    ),
    ("email long", _set(("organizations", 0, "email"), "e" * 201), (*ORG, "email"), "e" * 201),
    (
        "telefono long",
        _set(("organizations", 0, "phones", 0, "number"), "1" * 201),
        (*ORG, "phones", 0, "number"),
        "1" * 201,
    ),
    (
        "indirizzo long",
        _set(("organizations", 0, "locations", 0, "description"), "V" * 201),
        (*ORG, "locations", 0, "description"),
        "V" * 201,
    ),
    # -- status and dates
    (
        "status",
        _set(("organizations", 0, "services", 0, "status"), "chiuso"),
        (*SERVICE, "status"),
        "chiuso",
    ),
    (
        "assured_date",
        _set(("organizations", 0, "services", 0, "assured_date"), "31/12/2024"),
        (*SERVICE, "assured_date"),
        "31/12/2024",
    ),
    ("censita", *_service_attribute(TAXONOMY_CENSITA, "value", "01/01/2024"), "01/01/2024"),
    ("censita empty", *_service_attribute(TAXONOMY_CENSITA, "value", ""), ""),
    ("censita number", *_service_attribute(TAXONOMY_CENSITA, "value", 20240101), "20240101"),
    # FULL was last confirmed on 2025-01-01
    ("censita after", *_service_attribute(TAXONOMY_CENSITA, "value", "2025-01-02"), "2025-01-02"),
    (
        "censita twice",
        _append_attribute_of(FULL, TAXONOMY_CENSITA),
        (*SERVICE, "attributes", N_FULL),
        "",
    ),
    (
        "reason while active",
        _append_attribute_of(DISMESSA, TAXONOMY_MOTIVO),
        (*SERVICE, "attributes", N_FULL),
        "",
    ),
    (
        "dismissal date while active",
        _append_attribute_of(DISMESSA, TAXONOMY_DISMESSA),
        (*SERVICE, "attributes", N_FULL),
        "",
    ),
    (
        "schedule not object",
        _set(("organizations", 0, "services", 0, "schedules", 0), "lun 9-12"),
        (*SERVICE, "schedules", 0),
        "lun 9-12",
    ),
]
DISMESSA_CASES: list[tuple[str, Mutation, tuple[Any, ...], str]] = [
    (
        "dismessa",
        *_service_attribute(TAXONOMY_DISMESSA, "value", "2025-13-01", DISMESSA),
        "2025-13-01",
    ),
    (
        # DISMESSA was dismissed on 2025-06-01; without a confirmation date to compare
        "censita after dismessa",
        _combined(
            _delete(("organizations", 0, "services", 0, "assured_date")),
            _service_attribute(TAXONOMY_CENSITA, "value", "2025-06-02", DISMESSA)[0],
        ),
        _service_attribute(TAXONOMY_CENSITA, "value", "2025-06-02", DISMESSA)[1],
        "2025-06-02",
    ),
    (
        "dismissal date while inactive",
        _combined(
            _without(TAXONOMY_MOTIVO),
            _set(("organizations", 0, "services", 0, "status"), "inactive"),
        ),
        (
            *SERVICE,
            "attributes",
            attribute_index(exported(DISMESSA)["services"][0], TAXONOMY_DISMESSA),
        ),
        "",
    ),
    (
        "dismessa twice",
        _append_attribute_of(DISMESSA, TAXONOMY_DISMESSA),
        (*SERVICE, "attributes", len(exported(DISMESSA)["services"][0]["attributes"])),
        "",
    ),
]


@pytest.mark.parametrize(
    ("base", "mutate", "location", "submitted"),
    [(FULL, *case[1:]) for case in CASES] + [(DISMESSA, *case[1:]) for case in DISMESSA_CASES],
    ids=[case[0] for case in CASES + DISMESSA_CASES],
)
def test_bad_documents_are_refused_on_the_field(
    base: RisorsaInElenco, mutate: Mutation, location: tuple[Any, ...], submitted: str
) -> None:
    document = export_directory([base])
    mutate(document)
    with pytest.raises(FieldError) as refused:
        parse_directory(document)
    assert refused.value.location == location
    assert refused.value.message
    if submitted:
        assert submitted not in refused.value.message


def test_the_censita_check_names_the_census_date() -> None:
    """Refused on the census date's value, against the confirmation or the dismissal."""
    for base, value, path, word in (
        (FULL, "2025-01-02", (), "conferma"),
        (DISMESSA, "2025-06-02", ("assured_date",), "dismissione"),
    ):
        document = export_directory([base])
        service = document["organizations"][0]["services"][0]
        for key in path:
            del service[key]
        n = attribute_index(service, TAXONOMY_CENSITA)
        service["attributes"][n]["value"] = value
        with pytest.raises(FieldError) as refused:
            parse_directory(document)
        assert refused.value.location == (*SERVICE, "attributes", n, "value")
        assert word in refused.value.message


@pytest.mark.parametrize(
    "document", [None, [], {}, {"organizations": None}, {"organizations": {"id": OTHER_ID}}]
)
def test_a_document_without_organizations_is_refused(document: Any) -> None:
    with pytest.raises(FieldError) as refused:
        parse_directory(document)
    assert refused.value.location == ("body", "organizations")


# -- the API's limits ------------------------------------------------------------------


def test_the_limits_are_the_apis() -> None:
    properties = RisorsaIn.model_json_schema()["properties"]

    def bound(name: str, key: str) -> Any:
        found = properties[name]
        for option in found.get("anyOf", [found]):
            if key in option:
                return option[key]
        raise AssertionError((name, key))

    assert bound("comuni", "maxItems") == MAX_COMUNI
    assert bound("comuni", "minItems") == 1
    assert bound("aree", "minItems") == 1
    assert bound("prestazioni", "maxItems") == MAX_PRESTAZIONI
    assert bound("servizi", "maxItems") == MAX_SERVIZI
    assert properties["servizi"]["items"]["maxLength"] == hsds.SHORT_TEXT
    assert bound("nome", "maxLength") == hsds.SHORT_TEXT
    assert bound("accreditamento", "maxLength") == hsds.SHORT_TEXT
    assert bound("descrizione", "maxLength") == hsds.LONG_TEXT
    assert bound("orari", "maxLength") == hsds.LONG_TEXT
    for count in ("capacita", "lista_attesa"):
        assert bound(count, "maximum") == MAX_COUNT
        assert bound(count, "minimum") == 0


def test_values_at_the_limits_are_accepted() -> None:
    document = export_directory([FULL])
    organization = document["organizations"][0]
    service = organization["services"][0]
    organization["name"] = "  " + "N" * 200 + "\n"
    service["attributes"][attribute_index(service, TAXONOMY_CAPACITA)]["value"] = "1000000"
    service["attributes"][attribute_index(service, TAXONOMY_LISTA_ATTESA)]["value"] = "0000012"
    service["attributes"][attribute_index(service, TAXONOMY_SERVIZIO)]["value"] = " ADM\t"
    service["accreditations"] = " " + "A" * 200 + " "
    [back] = parse_directory(document)
    assert back.dati.nome == "N" * 200
    assert (back.dati.capacita, back.dati.lista_attesa) == (MAX_COUNT, 12)
    assert back.dati.servizi[0] == "ADM"
    assert back.dati.accreditamento == "A" * 200

    _many_service_areas(MAX_COMUNI)(document)
    _many_servizi(MAX_SERVIZI)(document)
    service["attributes"][attribute_index(service, TAXONOMY_CAPACITA)]["value"] = MAX_COUNT
    [back] = parse_directory(document)
    assert len(back.dati.comuni) == MAX_COMUNI
    assert len(back.luoghi_comuni) == MAX_COMUNI
    assert len(back.dati.servizi) == MAX_SERVIZI
    assert back.dati.capacita == MAX_COUNT


def test_benefits_over_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalogue has fewer distinct benefits than the limit: lower it to reach it."""
    assert len(FULL.attributi["prestazioni"]) == 3
    monkeypatch.setattr(hsds, "MAX_PRESTAZIONI", 2)
    service = exported(FULL)["services"][0]
    third = [
        n
        for n, a in enumerate(service["attributes"])
        if a["taxonomy_term"]["taxonomy"] == TAXONOMY_PRESTAZIONE
    ][2]
    with pytest.raises(FieldError) as refused:
        parse_directory(export_directory([FULL]))
    assert refused.value.location == (*SERVICE, "attributes", third, "taxonomy_term", "code")
