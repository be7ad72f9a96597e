"""Validators for Open Referral HSDS 3.x documents (schemas in ``tests/fixtures/hsds``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"


@cache
def hsds_validators() -> dict[str, Any]:
    """One validator per schema, formats checked (HSDS ids are ``format: uuid``); the
    schemas declare no draft, so 2020-12 applies."""
    checker = jsonschema.FormatChecker()
    missing = {"uuid", "uri", "date", "date-time", "email"} - set(checker.checkers)
    assert not missing, f"format checkers missing (install the dev extras): {sorted(missing)}"
    found: dict[str, Any] = {}
    for name in ("organization", "service", "service_at_location"):
        schema = json.loads((SCHEMAS / f"{name}.json").read_text("utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        found[name] = jsonschema.Draft202012Validator(schema, format_checker=checker)
    return found


def schema_errors(validator: Any, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
