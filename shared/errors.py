"""Errors the service layer raises; each entry point translates them (HTTP: 422, 409, 404).

Messages are for users, in Italian, and never carry a submitted value.
"""

from __future__ import annotations

from collections.abc import Sequence


class FieldError(Exception):
    """A value the service refuses (e.g. a comune outside the district).

    ``location`` is the path of the field (``("body", "persona", "nome")``); a bare string is
    one field, not a sequence of characters (``"registro"`` was once reported as
    ``r.e.g.i.s.t.r.o``: issue 17)."""

    def __init__(self, location: str | Sequence[str | int], message: str) -> None:
        super().__init__(message)
        self.location: tuple[str | int, ...] = (
            (location,) if isinstance(location, str) else tuple(location)
        )
        self.message = message


class Conflict(Exception):
    """The record's state forbids the action; the message says why."""


class NotFound(Exception):
    """No such record, or none the caller may know of."""


class StaleVersion(Exception):
    """The caller read an older version than the current one (``If-Match``): 412."""


def require_version(current: int, read: int | None) -> None:
    """The caller's ``If-Match`` (the version they read), when given, must still be current."""
    if read is not None and read != current:
        raise StaleVersion("il dato è cambiato dopo la tua lettura: rileggilo e riprova")
