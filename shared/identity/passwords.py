"""Password and client-secret hashing: argon2id with argon2-cffi's default parameters.

The parameters live in each stored hash, so raising them later costs nothing but a rehash at
the next successful login (``needs_rehash``). Tests pass ``hasher_for_tests()`` to the store:
the production parameters spend about 0.1 s and 64 MiB per hash by design.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

DEFAULT_HASHER = PasswordHasher()
"""argon2id, RFC 9106's low-memory profile as argon2-cffi ships it (t=3, m=64 MiB, p=4)."""

MAX_LENGTH = 1024
"""Longer passwords are refused: hashing megabytes on request would be a cheap denial of service."""


def hasher_for_tests() -> PasswordHasher:
    """argon2id at its cheapest: for tests only, never for a district's store."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def check_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Refuses anything but argon2id (argon2i and argon2d are weaker against one attack or
    the other)."""
    if hasher.type is not Type.ID:
        raise ValueError("the identity store hashes with argon2id only")
    return hasher


def hash(password: str, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    """The encoded argon2id hash (salt and parameters included) of a password or secret."""
    return hasher.hash(password)


def verify(stored_hash: str, password: str, hasher: PasswordHasher = DEFAULT_HASHER) -> bool:
    """True when ``password`` matches; False on a mismatch or an unreadable stored hash."""
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, hasher: PasswordHasher = DEFAULT_HASHER) -> bool:
    """True when the stored hash was made with other parameters than ``hasher``'s."""
    try:
        return hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
