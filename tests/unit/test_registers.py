"""The national registers of comuni, read offline and cross-checked (no network)."""

from __future__ import annotations

import pytest

from shared.identity.models import IdentityError
from shared.identity.registers import RegisterEntry, comune_from_registers


def test_gorgonzola_comes_with_its_istat_code_and_region() -> None:
    assert comune_from_registers("E094") == RegisterEntry("Gorgonzola", "015108", "Lombardia")
    nome, istat, regione = comune_from_registers(" e094 ")
    assert (nome, istat, regione) == ("Gorgonzola", "015108", "Lombardia")


def test_the_other_demo_comuni() -> None:
    assert comune_from_registers("B292") == RegisterEntry("Bussero", "015040", "Lombardia")
    assert comune_from_registers("G965") == RegisterEntry(
        "Pozzuolo Martesana", "015178", "Lombardia"
    )


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("E000", "codice catastale sconosciuto"),
        ("Z404", "codice catastale sconosciuto"),  # a foreign state (USA), not a comune
        ("A002", "codice catastale di un comune cessato"),
        # Castegnero, merged into Castegnero Nanto in 2026: still in ISTAT's list as bundled,
        # ceased in python-codicefiscale's register. The cross-check refuses it.
        ("C056", "codice catastale di un comune cessato"),
        ("E94", "codice catastale non valido"),
        ("1094", "codice catastale non valido"),
        ("E094\n1", "codice catastale non valido"),
    ],
)
def test_unknown_ceased_or_malformed_codes_are_refused(code: str, reason: str) -> None:
    with pytest.raises(IdentityError) as refused:
        comune_from_registers(code)
    assert refused.value.field == "belfiore"
    assert str(refused.value).startswith(f"belfiore: {reason}")


def test_the_refusal_names_the_field_it_is_given() -> None:
    with pytest.raises(IdentityError, match=r"^comuni\[2\]: codice catastale sconosciuto$"):
        comune_from_registers("E000", field="comuni[2]")
