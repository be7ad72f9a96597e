"""Issue 17: a field named by a bare string is one field, not its characters (the
observatory's ``registro`` was reported as ``r.e.g.i.s.t.r.o``)."""

from __future__ import annotations

from shared.errors import FieldError


def test_a_bare_string_is_one_field() -> None:
    assert FieldError("registro", "indicare il registro").location == ("registro",)


def test_a_path_stays_a_path() -> None:
    error = FieldError(("body", "persone", 2, "nome"), "campo obbligatorio")
    assert error.location == ("body", "persone", 2, "nome")
    assert error.message == "campo obbligatorio"
