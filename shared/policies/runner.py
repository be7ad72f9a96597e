"""Feeds a policy straight from its source ledger (embedded mode).

The runner reads the source ledger's notifications after its tracked position and hands
each cause of the policy's types to the policy; the policy's effects and the cause's
position are recorded in the TARGET ledger in one transaction (tracking name
``{policy}/{stream}/0``). A position not above the tracked one is never handled again, and
a cause whose effects exist without their tracking (not possible through this runner, but
defended) is tracked and passed. Events of other types advance the position in memory, and
in the ledger every ``track_every`` of them (see ``shared.policies.base.TRACK_EVERY``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial

from shared.db import retry_when_busy
from shared.ledger.application import LedgerApplication
from shared.ledger.recorder import LedgerRecorder
from shared.policies.base import (
    POLICY_LAG,
    TRACK_EVERY,
    Policy,
    PolicyEffects,
    Progress,
    cause_event,
    tracking_name,
)
from shared.worker import Worker

logger = logging.getLogger("ambito.policies")


class PolicyRunner(Worker):
    BATCH = 500

    def __init__(
        self,
        policy: Policy,
        target: LedgerApplication,
        source: LedgerRecorder,
        *,
        track_every: int = TRACK_EVERY,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        if source.name != policy.source:
            raise ValueError(f"{policy.name} follows {policy.source}, not {source.name}")
        super().__init__(f"policy-{policy.name}")
        self.policy = policy
        self.target = target
        self.source = source
        self.effects = PolicyEffects(
            policy, target, track_every=track_every, before_commit=before_commit
        )
        self.tracking = tracking_name(policy.name, policy.source, 0)
        self._progress: Progress | None = None
        self._lock = threading.Lock()
        """One pass at a time: ``catch_up`` may be called beside the worker thread."""
        self._advanced = threading.Condition()
        source.commit_listeners.append(self.wake)

    def step(self) -> None:
        self.catch_up()

    def catch_up(self) -> int:
        """Handles everything pending in the source; returns how many causes had effects."""
        handled = 0
        with self._lock:
            progress = self._current()
            while True:
                read, done = self._next_batch(progress)
                handled += done
                with self._advanced:
                    self._advanced.notify_all()
                if read < self.BATCH:
                    break
            head = self.source.max_notification_id() or 0
            POLICY_LAG.labels(policy=self.policy.name, source=self.policy.source).set(
                max(0, head - progress.seen)
            )
        return handled

    def _current(self) -> Progress:
        """The position in memory, brought up to the ledger's (another process, or a
        restart, may have moved it)."""
        stored = self.effects.stored(self.tracking)
        if self._progress is None:
            self._progress = Progress(self.tracking, stored, stored)
        elif stored > self._progress.stored:
            self._progress.stored = stored
            self._progress.seen = max(self._progress.seen, stored)
        return self._progress

    def _next_batch(self, progress: Progress) -> tuple[int, int]:
        notifications = self.source.select_notifications(
            progress.seen, self.BATCH, inclusive_of_start=False
        )
        done = 0
        for notification in notifications:
            load = partial(cause_event, self.policy.source, notification.id, notification.state)
            if self.effects.offer(progress, notification.id, notification.topic, load):
                done += 1
        return len(notifications), done

    def position(self, stream: str | None = None) -> int:
        """Everything of the source up to here is handled (or needed nothing)."""
        self._check_stream(stream)
        progress = self._progress
        stored = self.effects.stored(self.tracking)
        return max(stored, progress.seen if progress is not None else 0)

    def wait_for(self, stream: str, position: int, timeout: float) -> bool:
        """Read your writes: True once ``position`` of ``stream`` is handled (bounded)."""
        self._check_stream(stream)
        deadline = time.monotonic() + timeout
        self.wake()
        while self.position(stream) < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._advanced:
                self._advanced.wait(min(remaining, 0.2))
        return True

    def _check_stream(self, stream: str | None) -> None:
        if stream is not None and stream != self.policy.source:
            raise ValueError(f"{self.policy.name} follows {self.policy.source}, not {stream}")

    def stop(self) -> None:
        super().stop()
        if self.wake in self.source.commit_listeners:
            self.source.commit_listeners.remove(self.wake)
        with self._lock:
            if self._progress is not None:
                try:
                    retry_when_busy(partial(self.effects.flush, self._progress))
                except Exception:  # stopping must not fail; the events are read again
                    logger.exception("%s: position not kept on stop", self.name)
        self.effects.close()
