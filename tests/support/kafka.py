"""One real Kafka broker per test run, started by deploy/kafka/kafka."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.postgres import REPOSITORY, free_port

KAFKA_SCRIPT = REPOSITORY / "deploy" / "kafka" / "kafka"


def _script(*arguments: str) -> list[str]:
    return [str(KAFKA_SCRIPT), *arguments]


@contextmanager
def kafka_broker() -> Iterator[str]:
    """Yields the bootstrap servers of a throwaway broker; AMBITO_TEST_KAFKA_BOOTSTRAP reuses it."""
    given = os.environ.get("AMBITO_TEST_KAFKA_BOOTSTRAP")
    if given:
        yield given
        return
    directory = Path(tempfile.mkdtemp(prefix="ambito-kafka-", dir="/tmp"))
    broker = directory / "broker"
    port = free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()
    # The script's readiness check is a real metadata request when its Python
    # can import kafka-python: this interpreter can.
    environment = {**os.environ, "AMBITO_KAFKA_PYTHON": sys.executable}
    try:
        started = subprocess.run(
            _script("start", str(broker), str(port), str(controller_port)),
            check=False,
            capture_output=True,
            text=True,
            env=environment,
        )
        if started.returncode != 0:
            raise RuntimeError(
                f"deploy/kafka/kafka start failed (exit {started.returncode}):\n{started.stderr}"
            )
        bootstrap = started.stdout.strip()
        yield bootstrap
    finally:
        subprocess.run(_script("stop", str(broker)), check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)
