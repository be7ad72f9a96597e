"""The run's one PostgreSQL server and one Kafka broker, shared by every pytest-xdist worker.

Servers start lazily: the first worker whose tests need one starts it under a file lock and
writes where it listens in the run's directory; the others read that. They stop when the run
ends (``stop_all``, from the controlling process), not when the worker that started them
finishes, since the other workers may still be using them. ``make unit`` starts neither.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from tests.support.kafka import KAFKA_SCRIPT
from tests.support.postgres import PG_SCRIPT, free_port


@dataclass(frozen=True)
class Started:
    """A server as the run's directory records it: its address and how to stop it."""

    address: str
    stop: list[str]
    directory: str


def shared_server(run_directory: Path, name: str, start: Callable[[], Started]) -> str:
    """The address of the run's server ``name``, started by the first caller of the run."""
    run_directory.mkdir(parents=True, exist_ok=True)
    state = run_directory / f"server-{name}.json"
    with FileLock(str(run_directory / f"server-{name}.lock")):
        if state.exists():
            return str(json.loads(state.read_text("utf-8"))["address"])
        started = start()
        state.write_text(json.dumps(asdict(started)), "utf-8")
        return started.address


def stop_all(run_directory: Path) -> None:
    """Stops every server the run started (called once, when the whole run ends)."""
    for state in sorted(run_directory.glob("server-*.json")):
        stop(Started(**json.loads(state.read_text("utf-8"))))
        state.unlink()


def stop(started: Started) -> None:
    subprocess.run(started.stop, check=False, capture_output=True)
    if started.directory:
        shutil.rmtree(started.directory, ignore_errors=True)


def start_postgres(*, fast: bool = True) -> Started:
    """A throwaway PostgreSQL cluster (fsync off when ``fast``); AMBITO_TEST_POSTGRES_URL
    reuses one."""
    given = os.environ.get("AMBITO_TEST_POSTGRES_URL")
    if given:
        return Started(given, ["true"], "")
    directory = Path(tempfile.mkdtemp(prefix="ambito-pg-", dir="/tmp"))
    directory.chmod(0o755)
    cluster = directory / "cluster"
    arguments = [str(PG_SCRIPT), "start", str(cluster), str(free_port())]
    if fast:
        arguments.append("--fast")
    url = subprocess.run(arguments, check=True, capture_output=True, text=True).stdout.strip()
    return Started(url, [str(PG_SCRIPT), "stop", str(cluster)], str(directory))


def start_kafka() -> Started:
    """A throwaway Kafka broker (KRaft); AMBITO_TEST_KAFKA_BOOTSTRAP reuses one."""
    given = os.environ.get("AMBITO_TEST_KAFKA_BOOTSTRAP")
    if given:
        return Started(given, ["true"], "")
    directory = Path(tempfile.mkdtemp(prefix="ambito-kafka-", dir="/tmp"))
    broker = directory / "broker"
    port = free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()
    # The script's readiness check is a real metadata request when its Python can import
    # kafka-python: this interpreter can.
    environment = {**os.environ, "AMBITO_KAFKA_PYTHON": sys.executable}
    started = subprocess.run(
        [str(KAFKA_SCRIPT), "start", str(broker), str(port), str(controller_port)],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
    )
    stop = [str(KAFKA_SCRIPT), "stop", str(broker)]
    if started.returncode != 0:
        subprocess.run(stop, check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(
            f"deploy/kafka/kafka start failed (exit {started.returncode}):\n{started.stderr}"
        )
    return Started(started.stdout.strip(), stop, str(directory))
