"""Encrypts personal fields per person before storage, and opens them on read.

Each personal value (as JSON) is sealed with AES-GCM under the key of the person it is
about, with the event id, the field's path and the person id as associated data, so a
ciphertext moved to another field or event no longer opens. Opening is schema-free (it
finds the ``$enc`` objects wherever they are), so it runs before any upcasting.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from shared.events.catalogue import NestedModel, PersonalLeaf, personal_plan
from shared.persons.keystore import KeyStore

ENCRYPTED = "$enc"
PERSON = "persona"
ERASED_VALUE: dict[str, Any] = {"erased": True}


class PersonalDataError(Exception):
    pass


def _associated_data(event_id: UUID | str, path: str, person_id: str) -> bytes:
    return f"{event_id}\x00{path}\x00{person_id}".encode()


def is_encrypted(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {ENCRYPTED, PERSON}


class PersonalDataCodec:
    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore

    def encrypt(
        self, model: type[BaseModel], data: dict[str, Any], event_id: UUID
    ) -> dict[str, Any]:
        return self._encrypt(model, data, event_id, "", ())

    def _encrypt(
        self,
        model: type[BaseModel],
        data: dict[str, Any],
        event_id: UUID,
        prefix: str,
        outer: tuple[Mapping[str, Any], ...],
    ) -> dict[str, Any]:
        result = dict(data)
        scopes = (data, *outer)
        for item in personal_plan(model):
            value = result.get(item.key)
            if value is None:
                continue
            path = f"{prefix}{item.key}"
            if isinstance(item, PersonalLeaf):
                result[item.key] = self._encrypt_value(
                    _subject(item.subject, scopes, path), event_id, path, value
                )
            elif isinstance(item, NestedModel) and item.many:
                result[item.key] = [
                    self._encrypt(item.model, element, event_id, f"{path}.{index}.", scopes)
                    for index, element in enumerate(value)
                ]
            else:
                result[item.key] = self._encrypt(item.model, value, event_id, f"{path}.", scopes)
        return result

    def _encrypt_value(
        self, person_id: str, event_id: UUID, path: str, value: Any
    ) -> dict[str, str]:
        if value == ERASED_VALUE:
            raise PersonalDataError(f"{path}: an erased value cannot be stored again")
        key = self.keystore.key_for_writing(person_id)
        nonce = os.urandom(12)
        plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        ciphertext = AESGCM(key).encrypt(
            nonce, plaintext, _associated_data(event_id, path, person_id)
        )
        return {ENCRYPTED: base64.b64encode(nonce + ciphertext).decode(), PERSON: person_id}

    def decrypt(self, data: dict[str, Any], event_id: UUID | str) -> dict[str, Any]:
        """Clear values, or ``{"erased": true}`` where the person's key was destroyed."""
        opened = self._decrypt(data, event_id, "")
        assert isinstance(opened, dict)
        return opened

    def _decrypt(self, value: Any, event_id: UUID | str, path: str) -> Any:
        if is_encrypted(value):
            return self._decrypt_value(value, event_id, path)
        if isinstance(value, dict):
            return {k: self._decrypt(v, event_id, f"{path}{k}.") for k, v in value.items()}
        if isinstance(value, list):
            return [self._decrypt(v, event_id, f"{path}{i}.") for i, v in enumerate(value)]
        return value

    def _decrypt_value(self, value: dict[str, str], event_id: UUID | str, path: str) -> Any:
        field_path = path.rstrip(".")
        person_id = value[PERSON]
        key = self.keystore.lookup(person_id).key
        if key is None:
            return dict(ERASED_VALUE)
        raw = base64.b64decode(value[ENCRYPTED])
        try:
            plaintext = AESGCM(key).decrypt(
                raw[:12], raw[12:], _associated_data(event_id, field_path, person_id)
            )
        except InvalidTag:
            raise PersonalDataError(
                f"{field_path}: ciphertext does not open (moved or altered)"
            ) from None
        return json.loads(plaintext)


def _subject(name: str, scopes: Sequence[Mapping[str, Any]], path: str) -> str:
    for scope in scopes:
        person_id = scope.get(name)
        if isinstance(person_id, str):
            return person_id
    raise PersonalDataError(f"{path}: personal data needs the person it is about ({name})")
