"""The SINA and SINBA assessment items match the SIUSS XSDs and are always encrypted.

The XSDs (``tests/fixtures/siuss``, MIT, INPS-it/WaaS.Comuni) are read here with
ElementTree, for their code lists (the flows themselves are validated with lxml, in
``test_siuss_flussi.py``): a code added, removed or relabelled there, or an item made
required, fails these tests until the models follow.
"""

from __future__ import annotations

import typing
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

from shared.events.assessment import (
    DATA_MESE_ANNO_XSD,
    SINA_CODICI,
    SINA_XSD,
    SINBA_CODICI,
    SINBA_RICHIESTI_DAL_FLUSSO,
    SINBA_XSD,
    ValutazioneSina,
    ValutazioneSinba,
    xsd_items,
)
from shared.events.catalogue import NestedModel, PersonalLeaf, personal_plan
from shared.events.envelope import LedgerEvent
from shared.events.personal import Erased, PersonaId, new_person_id
from shared.keys import DistrictKeys
from shared.ledger.codec import PersonalDataCodec, is_encrypted
from shared.persons.keystore import KeyStore

FIXTURES = Path(__file__).parents[1] / "fixtures" / "siuss"
XS = "{http://www.w3.org/2001/XMLSchema}"

PS_XSD = "PS_PSA_SINA201812.xsd"
SINBA_FILE = "SINBA.xsd"

SINBA_REQUIRED_ELSEWHERE = frozenset(
    {
        "@IDBeneficiario",
        "@SegnalazioneAutoritaGiudiziaria",
        "@ProvvedimentoGiudiziario",
        "@FasciaEtaBeneficiario",
        "@AnnoNascita",
        "@CodiceNazioneResidenza",
        "Prestazioni/CodicePrestazione",
        "Famiglia/ComposizioneFamiglia",
    }
)
"""Required items of SinbaType that are not assessment items (see siuss_sina_sinba.md): the
flow builder takes them from other events. A new required item must be placed on purpose."""


@dataclass(frozen=True)
class XsdItem:
    required: bool
    many: bool
    codes: dict[str, str] | None
    """Enumeration value -> label (xs:documentation, spaces normalised), if enumerated."""
    pattern: str | None
    min_length: int | None
    max_length: int | None


def _simple_type(root: ET.Element, node: ET.Element) -> ET.Element:
    named = node.get("type")
    found = root.find(f"{XS}simpleType[@name='{named}']") if named else node.find(f"{XS}simpleType")
    assert found is not None, ET.tostring(node)
    return found


def _facets(root: ET.Element, node: ET.Element) -> dict[str, Any]:
    restriction = _simple_type(root, node).find(f"{XS}restriction")
    assert restriction is not None
    enumerations = restriction.findall(f"{XS}enumeration")
    codes = {
        str(e.get("value")): " ".join(
            (e.findtext(f"{XS}annotation/{XS}documentation") or "").split()
        )
        for e in enumerations
    }
    pattern = restriction.find(f"{XS}pattern")
    shortest = restriction.find(f"{XS}minLength")
    longest = restriction.find(f"{XS}maxLength")
    return {
        "codes": codes or None,
        "pattern": pattern.get("value") if pattern is not None else None,
        "min_length": int(str(shortest.get("value"))) if shortest is not None else None,
        "max_length": int(str(longest.get("value"))) if longest is not None else None,
    }


def xsd_block(filename: str, complex_type: str) -> dict[str, XsdItem]:
    """Every leaf item of a complex type: ``@Attribute`` or ``Element/Child``."""
    root = ET.parse(FIXTURES / filename).getroot()
    block = root.find(f"{XS}complexType[@name='{complex_type}']")
    assert block is not None, complex_type
    items: dict[str, XsdItem] = {}
    for attribute in block.findall(f"{XS}attribute"):
        items[f"@{attribute.get('name')}"] = XsdItem(
            required=attribute.get("use") == "required", many=False, **_facets(root, attribute)
        )
    for element in block.findall(f"{XS}sequence/{XS}element"):
        children = element.findall(f"{XS}complexType/{XS}sequence/{XS}element")
        assert children, "SINA and SINBA only nest lists of simple values"
        for child in children:
            items[f"{element.get('name')}/{child.get('name')}"] = XsdItem(
                required=element.get("minOccurs", "1") != "0"
                and child.get("minOccurs", "1") != "0",
                many=child.get("maxOccurs", "1") != "1",
                **_facets(root, child),
            )
    return items


SINA_BLOCK = xsd_block(PS_XSD, "SINAType")
SINBA_BLOCK = xsd_block(SINBA_FILE, "SinbaType")

CASES = [
    pytest.param(ValutazioneSina, SINA_XSD, SINA_BLOCK, SINA_CODICI, id="SINA"),
    pytest.param(ValutazioneSinba, SINBA_XSD, SINBA_BLOCK, SINBA_CODICI, id="SINBA"),
]
FIELDS = [
    pytest.param(
        model, field, mapping[field], block[mapping[field]], id=f"{model.__name__}.{field}"
    )
    for model, mapping, block in (
        (ValutazioneSina, SINA_XSD, SINA_BLOCK),
        (ValutazioneSinba, SINBA_XSD, SINBA_BLOCK),
    )
    for field in mapping
]


def literal_codes(annotation: Any) -> tuple[str, ...] | None:
    """The values of the Literal somewhere inside an annotation (through unions, lists)."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    for argument in typing.get_args(annotation):
        found = literal_codes(argument)
        if found is not None:
            return found
    return None


def holds_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(holds_list(argument) for argument in typing.get_args(annotation))


def sina(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "mobilita": "2",
        "attivita_vita_quotidiana": "3",
        "disturbi_area_cognitiva": "2",
        "disturbi_comportamentali": "1",
        "necessita_cure_sanitarie": "3",
        "area_reddituale": "2",
        "area_supporto": "3",
        "fonte_derivazione_valutazione": "1",
        "strumento_valutazione": "1",
        "fonte_derivazione_invalidita": "1",
        "necessita_interventi_sociali": ["A2.07", "A1.04"],
        "invalidita_civile": ["2", "6"],
    }
    return values | changes


def sinba(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "condizione_minore": "1",
        "luogo_vita": "3",
        "scuola_frequentata": "5",
        "valutazione_minore": "4",
        "valutazione_famiglia_minore": "2",
        "fonte_segnalazione": "13",
        "data_prima_segnalazione": "03/2026",
        "minore_straniero_non_accompagnato": "2",
        "condizione_lavoro": "1",
        "disabilita": "1",
        "tipo_disabilita": "3",
        "inv_civ_certificazioni": "4",
    }
    return values | changes


SAMPLES: dict[type[BaseModel], Any] = {ValutazioneSina: sina, ValutazioneSinba: sinba}


# Drift from the XSDs


def test_the_sina_model_is_the_whole_sina_block() -> None:
    assert set(SINA_XSD) == set(ValutazioneSina.model_fields)
    assert set(SINA_XSD.values()) == set(SINA_BLOCK)


def test_the_sinba_model_holds_the_minors_assessment_items() -> None:
    assert set(SINBA_XSD) == set(ValutazioneSinba.model_fields)
    assert set(SINBA_XSD.values()) <= set(SINBA_BLOCK)
    required = {name for name, item in SINBA_BLOCK.items() if item.required}
    assert required - set(SINBA_XSD.values()) == SINBA_REQUIRED_ELSEWHERE


@pytest.mark.parametrize(("model", "field", "path", "item"), FIELDS)
def test_each_field_is_required_exactly_when_the_xsd_requires_it(
    model: type[BaseModel], field: str, path: str, item: XsdItem
) -> None:
    info = model.model_fields[field]
    added_later = model is ValutazioneSinba and field in SINBA_RICHIESTI_DAL_FLUSSO
    assert info.is_required() == (item.required and not added_later), path
    if not info.is_required():
        assert info.default is None


def test_the_items_added_later_are_exactly_the_xsd_required_ones_left_optional() -> None:
    """Optional in the event (stored assessments lack them), required by the flow: the
    flow's builder must block on each of these and on nothing else the model calls optional."""
    optional = {
        field for field, info in ValutazioneSinba.model_fields.items() if not info.is_required()
    }
    required_by_xsd = {field for field in optional if SINBA_BLOCK[SINBA_XSD[field]].required}
    assert required_by_xsd == SINBA_RICHIESTI_DAL_FLUSSO
    assert ValutazioneSinba(**{**sinba(), **dict.fromkeys(SINBA_RICHIESTI_DAL_FLUSSO)})


@pytest.mark.parametrize("field", ["tipo_disabilita", "inv_civ_certificazioni"])
def test_the_kind_of_disability_is_refused_for_a_minor_without_one(field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ValutazioneSinba(
            **sinba(disabilita="2", tipo_disabilita=None, inv_civ_certificazioni=None)
            | {field: "1"}
        )
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]
    assert ValutazioneSinba(
        **sinba(disabilita="2", tipo_disabilita=None, inv_civ_certificazioni=None)
    )
    assert ValutazioneSinba(**sinba(disabilita=None)).tipo_disabilita == "3"


@pytest.mark.parametrize(("model", "field", "path", "item"), FIELDS)
def test_each_code_list_is_the_xsd_enumeration(
    model: type[BaseModel], field: str, path: str, item: XsdItem
) -> None:
    codes = literal_codes(model.model_fields[field].annotation)
    if item.codes is None:
        assert codes is None, path
    else:
        assert codes is not None, path
        assert list(codes) == list(item.codes), path


@pytest.mark.parametrize(("model", "field", "path", "item"), FIELDS)
def test_repeated_xsd_items_are_lists(
    model: type[BaseModel], field: str, path: str, item: XsdItem
) -> None:
    assert holds_list(model.model_fields[field].annotation) == item.many, path


@pytest.mark.parametrize(("model", "mapping", "block", "labels"), CASES)
def test_the_labels_are_the_xsd_documentation(
    model: type[BaseModel],
    mapping: dict[str, str],
    block: dict[str, XsdItem],
    labels: dict[str, dict[str, str]],
) -> None:
    enumerated = {field: block[path].codes for field, path in mapping.items() if block[path].codes}
    assert {field: dict(codes) for field, codes in labels.items()} == enumerated


def test_the_month_of_the_first_report_follows_the_xsd_pattern() -> None:
    assert SINBA_BLOCK["@DataPrimaSegnalazione"].pattern == DATA_MESE_ANNO_XSD
    for good in ("01/1999", "12/2026"):
        assert ValutazioneSinba(**sinba(data_prima_segnalazione=good))
    for bad in ("13/2026", "3/2026", "03/1899", "2026-03", "03/2026x", "x03/2026"):
        with pytest.raises(ValidationError):
            ValutazioneSinba(**sinba(data_prima_segnalazione=bad))


def test_needed_interventions_have_the_xsd_length_of_a_benefit_code() -> None:
    item = SINA_BLOCK["NecessitaInterventiSociali/CodicePrestazione"]
    schema = ValutazioneSina.model_json_schema()["properties"]["necessita_interventi_sociali"]
    array = next(option for option in schema["anyOf"] if option.get("type") == "array")
    assert (array["items"]["minLength"], array["items"]["maxLength"]) == (
        item.min_length,
        item.max_length,
    )
    assert array["minItems"] == 1


def test_the_mapping_helper() -> None:
    assert xsd_items(ValutazioneSina)["strumento_valutazione"] == "@StrumentoValutazione"
    assert xsd_items(ValutazioneSinba)["data_prima_segnalazione"] == "@DataPrimaSegnalazione"
    with pytest.raises(LookupError):
        xsd_items(Erased)


# Personal data


@pytest.mark.parametrize("model", [ValutazioneSina, ValutazioneSinba])
def test_every_item_is_personal(model: type[BaseModel]) -> None:
    plan = personal_plan(model)
    assert all(isinstance(item, PersonalLeaf) for item in plan)
    assert {item.key for item in plan if isinstance(item, PersonalLeaf)} == set(model.model_fields)
    assert {item.subject for item in plan if isinstance(item, PersonalLeaf)} == {"persona_id"}


class _ConValutazioni(LedgerEvent):
    """Not catalogued: the smallest event holding the blocks as ValutazioneEffettuata does
    (``tests/unit/test_assessment_event.py`` tests that event itself)."""

    persona_id: PersonaId
    sina: ValutazioneSina | None = None
    sinba: ValutazioneSinba | None = None


def test_the_items_are_encrypted_inside_an_event() -> None:
    plan = {item.key: item for item in personal_plan(_ConValutazioni)}
    assert plan == {
        "sina": NestedModel("sina", False, ValutazioneSina),
        "sinba": NestedModel("sinba", False, ValutazioneSinba),
    }


@pytest.mark.parametrize("model", [ValutazioneSina, ValutazioneSinba])
def test_each_item_is_sealed_under_the_persons_key_and_erasable(
    model: type[BaseModel], tmp_path: Path, keys: DistrictKeys
) -> None:
    keystore = KeyStore(
        f"sqlite:///{tmp_path / 'keys.sqlite'}", keys.key_encryption_key, keys.blind_index_key
    )
    try:
        codec = PersonalDataCodec(keystore)
        person = new_person_id()
        field = "sina" if model is ValutazioneSina else "sinba"
        clear = model(**SAMPLES[model]()).model_dump(mode="json")
        event_id = uuid4()
        sealed = codec.encrypt(_ConValutazioni, {"persona_id": person, field: clear}, event_id)
        assert all(is_encrypted(value) for value in sealed[field].values())
        assert set(sealed[field]) == set(model.model_fields)
        assert codec.decrypt(sealed, event_id)[field] == clear

        keystore.erase(person)
        opened = model.model_validate(codec.decrypt(sealed, event_id)[field])
        assert all(isinstance(getattr(opened, name), Erased) for name in model.model_fields)
    finally:
        keystore.close()


# Validation


def _coded_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if literal_codes(info.annotation)]


UNKNOWN = "zz-riservato"
CODED = [
    pytest.param(model, field, id=f"{model.__name__}.{field}")
    for model in (ValutazioneSina, ValutazioneSinba)
    for field in _coded_fields(model)
]


@pytest.mark.parametrize(("model", "field"), CODED)
def test_an_unknown_code_is_refused_without_echoing_it(model: type[BaseModel], field: str) -> None:
    values = SAMPLES[model]()
    values[field] = [UNKNOWN] if isinstance(values[field], list) else UNKNOWN
    with pytest.raises(ValidationError) as refused:
        model(**values)
    assert UNKNOWN not in str(refused.value)
    errors = refused.value.errors(include_input=False)
    assert {error["loc"][0] for error in errors} == {field}
    assert "literal_error" in {error["type"] for error in errors}


@pytest.mark.parametrize(("model", "field"), CODED)
def test_a_code_is_a_string_as_in_the_xsd(model: type[BaseModel], field: str) -> None:
    values = SAMPLES[model]()
    values[field] = [1] if isinstance(values[field], list) else 1
    with pytest.raises(ValidationError):
        model(**values)


def test_an_unknown_benefit_code_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as refused:
        ValutazioneSina(**sina(necessita_interventi_sociali=["ZZ.99"]))
    assert "ZZ.99" not in str(refused.value)
    assert {e["loc"][0] for e in refused.value.errors()} == {"necessita_interventi_sociali"}


def test_a_list_item_when_given_is_not_empty() -> None:
    for field in ("necessita_interventi_sociali", "invalidita_civile"):
        with pytest.raises(ValidationError):
            ValutazioneSina(**sina(**{field: []}))


@pytest.mark.parametrize("model", [ValutazioneSina, ValutazioneSinba])
def test_a_missing_required_item_is_refused(model: type[BaseModel]) -> None:
    for name, info in model.model_fields.items():
        values = SAMPLES[model]()
        del values[name]
        if info.is_required():
            with pytest.raises(ValidationError):
                model(**values)
        else:
            assert getattr(model(**values), name) is None


@pytest.mark.parametrize("model", [ValutazioneSina, ValutazioneSinba])
def test_the_items_are_immutable_and_closed(model: type[BaseModel]) -> None:
    instance = model(**SAMPLES[model]())
    with pytest.raises(ValidationError):
        setattr(instance, next(iter(model.model_fields)), "1")
    with pytest.raises(ValidationError):
        model(**SAMPLES[model](), extra="1")
