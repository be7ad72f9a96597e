"""District secrets in a key directory kept outside the data directory (design section 3).

``ambito init`` creates them once; nothing in a database can forge a seal, read personal
data or sign a checkpoint without them.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SEAL_KEY = "seal.key"
BLIND_INDEX_KEY = "blind-index.key"
KEY_ENCRYPTION_KEY = "kek.key"
CHECKPOINT_KEY = "checkpoint.key"
CHECKPOINT_PUBLIC_KEY = "checkpoint.pub"
TOKEN_KEY = "token.key"  # noqa: S105 - a file name, not a secret
TOKEN_PUBLIC_KEY = "token.pub"  # noqa: S105
CHECKPOINTS_DIR = "checkpoints"

SYMMETRIC = (SEAL_KEY, BLIND_INDEX_KEY, KEY_ENCRYPTION_KEY)
ASYMMETRIC = ((CHECKPOINT_KEY, CHECKPOINT_PUBLIC_KEY), (TOKEN_KEY, TOKEN_PUBLIC_KEY))


class KeyDirectoryError(Exception):
    pass


@dataclass(frozen=True)
class DistrictKeys:
    directory: Path
    seal_key: bytes
    blind_index_key: bytes
    key_encryption_key: bytes
    checkpoint_key: Ed25519PrivateKey

    @property
    def checkpoint_public_key(self) -> Ed25519PublicKey:
        return self.checkpoint_key.public_key()

    @property
    def checkpoints_dir(self) -> Path:
        return self.directory / CHECKPOINTS_DIR


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    os.chmod(path, 0o600)


def init_key_directory(directory: Path) -> list[str]:
    """Creates the district secrets that are missing; never overwrites one. Returns new names."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    (directory / CHECKPOINTS_DIR).mkdir(mode=0o700, exist_ok=True)
    created: list[str] = []
    for name in SYMMETRIC:
        if not (directory / name).exists():
            _write_private(directory / name, base64.b64encode(secrets.token_bytes(32)) + b"\n")
            created.append(name)
    for private_name, public_name in ASYMMETRIC:
        if (directory / private_name).exists():
            continue
        key = Ed25519PrivateKey.generate()
        _write_private(
            directory / private_name,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (directory / public_name).unlink(missing_ok=True)
        _write_private(directory / public_name, public)
        created += [private_name, public_name]
    return created


def _read(directory: Path, name: str) -> bytes:
    path = directory / name
    if not path.exists():
        raise KeyDirectoryError(f"{path} is missing: run 'ambito init' first")
    return path.read_bytes()


def _symmetric(directory: Path, name: str) -> bytes:
    key = base64.b64decode(_read(directory, name).strip())
    if len(key) != 32:
        raise KeyDirectoryError(f"{directory / name} does not hold a 256-bit key")
    return key


def load_district_keys(directory: Path) -> DistrictKeys:
    checkpoint_key = serialization.load_pem_private_key(_read(directory, CHECKPOINT_KEY), None)
    if not isinstance(checkpoint_key, Ed25519PrivateKey):
        raise KeyDirectoryError(f"{directory / CHECKPOINT_KEY} is not an Ed25519 key")
    return DistrictKeys(
        directory=directory,
        seal_key=_symmetric(directory, SEAL_KEY),
        blind_index_key=_symmetric(directory, BLIND_INDEX_KEY),
        key_encryption_key=_symmetric(directory, KEY_ENCRYPTION_KEY),
        checkpoint_key=checkpoint_key,
    )


def load_seal_key(directory: Path) -> bytes:
    return _symmetric(directory, SEAL_KEY)


def load_checkpoint_public_key(path: Path) -> Ed25519PublicKey:
    """The checkpoint verification key: a key directory, or the ``.pub`` file itself."""
    data = _read(path, CHECKPOINT_PUBLIC_KEY) if path.is_dir() else path.read_bytes()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise KeyDirectoryError(f"{path} is not an Ed25519 public key")
    return key


def load_token_key(directory: Path) -> Ed25519PrivateKey:
    """The key the runtime signs access tokens with (EdDSA), distinct from every other."""
    key = serialization.load_pem_private_key(_read(directory, TOKEN_KEY), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyDirectoryError(f"{directory / TOKEN_KEY} is not an Ed25519 key")
    return key
