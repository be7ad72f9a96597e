"""Weak ETags carrying a record's version, and ``If-Match`` read back (design section 4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from shared.errors import FieldError

IfMatch = Annotated[
    str | None, Header(description='ETag della lettura (W/"versione"): 412 se superata')
]


def etag(version: int) -> str:
    return f'W/"{version}"'


def version_from_if_match(if_match: str | None) -> int | None:
    """The version the caller read; None when it sent none or ``*`` (any current one)."""
    if if_match is None or if_match.strip() == "*":
        return None
    digits = if_match.removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise FieldError(("header", "If-Match"), 'atteso un ETag della forma W/"versione"')
    return int(digits)
