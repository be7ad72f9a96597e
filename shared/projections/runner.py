"""Feeds projections straight from the ledgers (embedded mode).

Each batch is applied in one transaction of the read-model database, together with the new
position of each source: a crash leaves either both or neither, so an event is applied
exactly once however often the runner restarts. Projections see events as stored and as
Kafka will carry them (personal fields encrypted): read models keep ciphertext and decrypt
per response, for entitled users only (design section 3).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from functools import partial

from shared.db import Engines, retry_when_busy
from shared.ledger.recorder import LedgerRecorder
from shared.observability import PROJECTION_LAG
from shared.projections.base import (
    Projection,
    create_tables,
    lock_position,
    read_positions,
    save_position,
    wire_event,
)
from shared.worker import Worker

logger = logging.getLogger("ambito.projections")


class ProjectionRunner(Worker):
    BATCH = 500

    def __init__(
        self, projection: Projection, views: Engines, sources: Mapping[str, LedgerRecorder]
    ) -> None:
        missing = set(projection.sources) - set(sources)
        if missing:
            raise ValueError(f"{projection.name}: no ledger for {sorted(missing)}")
        super().__init__(f"projection-{projection.name}")
        self.projection = projection
        self.views = views
        self.sources = {name: sources[name] for name in projection.sources}
        create_tables(projection, views)
        self._applied = threading.Condition()
        for recorder in self.sources.values():
            recorder.commit_listeners.append(self.wake)

    def step(self) -> None:
        self.catch_up()

    def position(self, source: str) -> int:
        found = read_positions(self.views, self.projection.name).get((source, 0))
        return found.position if found else 0

    def catch_up(self) -> int:
        """Applies everything pending in every source; returns how many events it applied."""
        applied = 0
        for source, recorder in self.sources.items():
            while True:
                done = retry_when_busy(partial(self._apply_batch, source, recorder))
                applied += done
                if done < self.BATCH:
                    break
            head = recorder.max_notification_id() or 0
            PROJECTION_LAG.labels(projection=self.projection.name, source=source).set(
                max(0, head - self.position(source))
            )
        with self._applied:
            self._applied.notify_all()
        return applied

    def _apply_batch(self, source: str, recorder: LedgerRecorder) -> int:
        name = self.projection.name
        with self.views.writer.begin() as connection:
            start = lock_position(connection, name, source, 0).position
            notifications = recorder.select_notifications(
                start, self.BATCH, inclusive_of_start=False
            )
            for notification in notifications:
                if notification.topic in self.projection.event_types:
                    event = wire_event(
                        source,
                        notification.id,
                        notification.state,
                        getattr(notification, "recorded_at", None),  # a LedgerNotification
                    )
                    self.projection.apply(connection, event)
            if notifications:
                save_position(connection, name, source, 0, notifications[-1].id)
            return len(notifications)

    def wait_for(self, source: str, position: int, timeout: float) -> bool:
        """Read your writes: True once ``position`` of ``source`` is applied (bounded wait)."""
        deadline = time.monotonic() + timeout
        self.wake()
        while self.position(source) < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._applied:
                self._applied.wait(min(remaining, 0.2))
        return True

    def stop(self) -> None:
        super().stop()
        for recorder in self.sources.values():
            if self.wake in recorder.commit_listeners:
                recorder.commit_listeners.remove(self.wake)
