"""Seals: an HMAC-SHA256 over each stored event, chained through the log and the stream.

A seal covers the event's log position, aggregate id and version, topic, commit time and
the SHA-256 of its exact stored bytes, plus the seals of its predecessor in the service's
log and in its own aggregate stream. Without the district's seal key nobody can produce a
seal that verifies, however well they know the format.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

GENESIS = bytes(32)
"""The 'previous seal' of the first event of a log or of a stream."""

SEAL_FORMAT = "ambito.seal.v1"


@dataclass(frozen=True)
class SealedRecord:
    """An event row as stored: what a seal covers, and the seals themselves."""

    position: int
    originator_id: str
    originator_version: int
    topic: str
    recorded_at: str
    state: bytes
    prev_log_seal: bytes
    prev_stream_seal: bytes
    seal: bytes


def compute_seal(
    key: bytes,
    *,
    position: int,
    originator_id: str,
    originator_version: int,
    topic: str,
    recorded_at: str,
    state: bytes,
    prev_log_seal: bytes,
    prev_stream_seal: bytes,
) -> bytes:
    message = json.dumps(
        [
            SEAL_FORMAT,
            position,
            originator_id,
            originator_version,
            topic,
            recorded_at,
            hashlib.sha256(state).hexdigest(),
            prev_log_seal.hex(),
            prev_stream_seal.hex(),
        ],
        separators=(",", ":"),
    ).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def reseal(key: bytes, record: SealedRecord) -> bytes:
    """The seal ``record`` should carry, recomputed from its stored fields."""
    return compute_seal(
        key,
        position=record.position,
        originator_id=record.originator_id,
        originator_version=record.originator_version,
        topic=record.topic,
        recorded_at=record.recorded_at,
        state=record.state,
        prev_log_seal=record.prev_log_seal,
        prev_stream_seal=record.prev_stream_seal,
    )


def streams_digest(heads: dict[str, tuple[int, bytes]]) -> str:
    """One digest of every stream's head (aggregate id -> (version, seal)), order-free."""
    digest = hashlib.sha256()
    for originator_id in sorted(heads):
        version, seal = heads[originator_id]
        digest.update(f"{originator_id}:{version}:{seal.hex()}\n".encode())
    return digest.hexdigest()
