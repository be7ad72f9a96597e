"""The background loop that relays, projection feeds and checkpoint timers all run.

A step runs whenever the worker is woken (a commit, say) or every ``interval`` seconds. A
failing step is logged, flagged for readiness, and tried again a second later: a worker
never dies of an error, and never hides one.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

logger = logging.getLogger("ambito.worker")


class Worker(ABC):
    interval: float = 1.0

    def __init__(self, name: str) -> None:
        self.name = name
        self.failing = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def step(self) -> None:
        """One round of the worker's work."""

    def after_failure(self) -> None:  # noqa: B027 - optional hook, nothing to drop by default
        """Drops whatever the failed step may have left half open (a client, a producer)."""

    def wake(self, *_: object) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.step()
                self.failing = False
            except Exception:
                self.failing = True
                logger.exception("%s failed; retrying", self.name)
                self.after_failure()
                self._stop.wait(1.0)
            if self.interval:
                self._wake.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
