"""A service's ledger: the sealed recorder, the personal-data mapper and its checkpoints."""

from __future__ import annotations

import logging
from pathlib import Path

from shared.db import create_engines
from shared.keys import DistrictKeys
from shared.ledger.checkpoints import Checkpoint, Checkpointer, CheckpointLog
from shared.ledger.codec import PersonalDataCodec
from shared.ledger.mapper import EventClasses, LedgerMapper
from shared.ledger.recorder import LedgerRecorder
from shared.ledger.verify import VerificationReport, verify_ledger
from shared.persons.keystore import KeyStore

logger = logging.getLogger("ambito.ledger")


class Ledger:
    def __init__(
        self,
        name: str,
        url: str,
        keys: DistrictKeys,
        keystore: KeyStore,
        *,
        checkpoint_every: int = 500,
        checkpoint_seconds: float = 60.0,
        checkpoint_timer: bool = True,
        checkpoint_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.keys = keys
        self.engines = create_engines(url)
        self.recorder = LedgerRecorder(name, self.engines, keys.seal_key)
        self.mapper = LedgerMapper(PersonalDataCodec(keystore), EventClasses())
        self.checkpoints = CheckpointLog(checkpoint_dir or keys.checkpoints_dir, name)
        self.checkpointer = Checkpointer(
            self.recorder,
            self.checkpoints,
            keys.checkpoint_key,
            every=checkpoint_every,
            seconds=checkpoint_seconds,
        )
        if checkpoint_timer:
            self.checkpointer.start()

    def checkpoint(self) -> Checkpoint:
        return self.checkpointer.checkpoint()

    def verify(self) -> VerificationReport:
        return verify_ledger(
            self.recorder, self.keys.seal_key, self.checkpoints, self.keys.checkpoint_public_key
        )

    def close(self) -> None:
        """Stops the checkpoint timer and signs what is still pending, so that a clean
        shutdown leaves no event outside a checkpoint."""
        self.checkpointer.stop()
        try:
            if self.checkpointer.pending():
                self.checkpointer.checkpoint()
        except Exception:  # a closing process must still release its connections
            logger.exception("ledger %s: final checkpoint failed", self.name)
        finally:
            self.engines.dispose()
