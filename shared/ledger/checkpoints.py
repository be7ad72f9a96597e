"""Signed checkpoints of a ledger's chain heads, kept outside the ledger database.

Each checkpoint is one JSON line in ``<key dir>/checkpoints/<ledger>.jsonl``, signed with
the district's Ed25519 checkpoint key and chained to the line before it, so neither the
database nor the file can be rolled back unnoticed. Anyone with the public key can check
the signatures; events newer than the last checkpoint are protected by the next one.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.ledger.recorder import LedgerRecorder
from shared.ledger.seals import streams_digest
from shared.worker import Worker

FORMAT = "ambito.checkpoint.v1"
logger = logging.getLogger("ambito.ledger")


@dataclass(frozen=True)
class Checkpoint:
    ledger: str
    sequence: int
    position: int
    head_seal: str
    streams: int
    streams_digest: str
    created_at: str
    previous: str | None
    """SHA-256 of the previous line of the file, or None for the first checkpoint."""
    format: str = FORMAT

    def signed_bytes(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    signature: bytes
    line_hash: str

    def signature_valid(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(self.signature, self.checkpoint.signed_bytes())
        except InvalidSignature:
            return False
        return True


class CheckpointFileError(Exception):
    pass


class CheckpointLog:
    def __init__(self, directory: Path, ledger: str) -> None:
        self.path = directory / f"{ledger}.jsonl"
        self.ledger = ledger

    def append(self, recorder: LedgerRecorder, private_key: Ed25519PrivateKey) -> Checkpoint:
        """Signs the ledger's current heads and appends them, under an exclusive file lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                file.seek(0)
                content = file.read()
                if content and not content.endswith(b"\n"):  # a write torn by a crash
                    content = content[: content.rfind(b"\n") + 1]
                    file.truncate(len(content))
                lines = [line for line in content.splitlines() if line.strip()]
                previous = hashlib.sha256(lines[-1]).hexdigest() if lines else None
                position, head_seal, streams = recorder.heads()
                checkpoint = Checkpoint(
                    ledger=self.ledger,
                    sequence=len(lines) + 1,
                    position=position,
                    head_seal=head_seal.hex(),
                    streams=len(streams),
                    streams_digest=streams_digest(streams),
                    created_at=datetime.now(UTC).isoformat(),
                    previous=previous,
                )
                signature = private_key.sign(checkpoint.signed_bytes())
                record = {**asdict(checkpoint), "signature": base64.b64encode(signature).decode()}
                file.seek(0, 2)
                file.write(json.dumps(record, sort_keys=True).encode() + b"\n")
                file.flush()
                os.fsync(file.fileno())
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)
        return checkpoint

    def read(self) -> Iterator[SignedCheckpoint]:
        if not self.path.exists():
            return
        content = self.path.read_bytes()
        if not content.endswith(b"\n"):  # a line torn by a crash was never a checkpoint
            content = content[: content.rfind(b"\n") + 1]
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record: dict[str, Any] = json.loads(line)
                signature = base64.b64decode(record.pop("signature"))
                checkpoint = Checkpoint(**record)
            except (ValueError, TypeError, KeyError) as error:
                raise CheckpointFileError(
                    f"{self.path}, line {number}: unreadable ({error})"
                ) from None
            yield SignedCheckpoint(checkpoint, signature, hashlib.sha256(line).hexdigest())

    def latest_position(self) -> int:
        latest = 0
        for signed in self.read():
            latest = signed.checkpoint.position
        return latest


class Checkpointer(Worker):
    """Writes a checkpoint every ``every`` events, or after ``seconds`` with events pending."""

    def __init__(
        self,
        recorder: LedgerRecorder,
        log: CheckpointLog,
        private_key: Ed25519PrivateKey,
        *,
        every: int,
        seconds: float,
    ) -> None:
        super().__init__(f"checkpoints-{log.ledger}")
        self.interval = min(seconds, 5.0)
        self.recorder = recorder
        self.log = log
        self._private_key = private_key
        self.every = every
        self.seconds = seconds
        self._lock = threading.Lock()
        self._checkpointed = log.latest_position() if log.path.exists() else 0
        self._last_time = time.monotonic()
        recorder.commit_listeners.append(self._after_commit)

    def checkpoint(self) -> Checkpoint:
        with self._lock:
            return self._write()

    def _write(self) -> Checkpoint:
        written = self.log.append(self.recorder, self._private_key)
        self._checkpointed = written.position
        self._last_time = time.monotonic()
        return written

    def _after_commit(self, position: int) -> None:
        if position - self._checkpointed < self.every:
            return
        with self._lock:
            if position - self._checkpointed >= self.every:  # not done meanwhile by another thread
                self._write()

    def pending(self) -> bool:
        return (self.recorder.max_notification_id() or 0) > self._checkpointed

    def tick(self) -> Checkpoint | None:
        """A checkpoint if events are pending and ``seconds`` have passed since the last one."""
        if self.pending() and time.monotonic() - self._last_time >= self.seconds:
            return self.checkpoint()
        return None

    def step(self) -> None:
        self.tick()

    def stop(self) -> None:
        super().stop()
        if self.recorder.commit_listeners.count(self._after_commit):
            self.recorder.commit_listeners.remove(self._after_commit)
