"""An embedded runtime on a fresh demo district, in process (TestClient) or as a server."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from services.demo import load_demo_identities
from services.runtime import Runtime, open_runtime
from shared.keys import init_key_directory
from shared.policies.runner import PolicyRunner
from shared.projections.runner import ProjectionRunner
from shared.settings import Settings
from tests.support.postgres import free_port

TIMEOUT = 30.0
"""Seconds a test's HTTP call to a served process waits for its answer (httpx's default is
5): a loaded machine answers slowly, and these tests are not about latency."""


def demo_settings(base: Path) -> Settings:
    """District keys and the demo identities (users, clients, comuni), no history yet.

    A copy of this process's first: hashing the demo users' passwords with the production
    argon2id parameters takes seconds, and most integration tests start from here."""
    template = _demo_identities()
    settings = Settings(data_dir=base / "data", key_dir=base / "keys")
    shutil.copytree(template.data_dir, settings.data_dir, dirs_exist_ok=True)
    shutil.copytree(template.key_dir, settings.key_dir, dirs_exist_ok=True)
    return settings


@functools.cache
def _demo_identities() -> Settings:
    base = Path(tempfile.mkdtemp(prefix="ambito-identita-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    settings = Settings(data_dir=base / "data", key_dir=base / "keys")
    init_key_directory(settings.key_dir)
    load_demo_identities(settings)
    return settings


def open_demo_runtime(base: Path) -> Runtime:
    return open_runtime(demo_settings(base))


def settle(runtime: Runtime, timeout: float = 60) -> None:
    """Read your writes in process, by position: returns once every policy of the runtime,
    then every projection, has handled each of its ledgers up to the head it has now (what
    the policies record on the way included). Tests wait with this, never by sleeping."""
    for policy in runtime.policies:
        if isinstance(policy, PolicyRunner):
            head = policy.source.max_notification_id() or 0
            assert policy.wait_for(policy.source.name, head, timeout), policy.name
    for feed in runtime.feeds:
        if isinstance(feed, ProjectionRunner):
            for source, recorder in feed.sources.items():
                head = recorder.max_notification_id() or 0
                assert feed.wait_for(source, head, timeout), (feed.name, source, head)


def token(client: httpx.Client, username: str, password: str = "demo") -> str:
    response = client.post(
        "/api/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


CONTRACT_BODY = {
    "comune": "E094",
    "canale": "sportello",
    "persona": {
        "nome": "Maria",
        "cognome": "Rossi",
        "codice_fiscale": "RSSMRA40A41E094R",
        "data_nascita": "1940-01-01",
    },
    "bisogno": "Vive sola e non riesce più a fare la spesa",
    "area_utenza": "ELD",
    "urgente": False,
}


@dataclass
class ServerProcess:
    """``ambito serve`` in a process of its own, as an operator starts it."""

    base: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    environment: dict[str, str] | None = None
    log_name: str = "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *arguments: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "services.cli",
            "--data-dir",
            str(self.base / "data"),
            "--key-dir",
            str(self.base / "keys"),
            *arguments,
        ]

    def start(
        self, *services: str, demo: bool = True, extra_env: dict[str, str] | None = None
    ) -> None:
        arguments = ["serve", *services, "--port", str(self.port)] + (["--demo"] if demo else [])
        log = open(self.base / self.log_name, "ab")  # noqa: SIM115 - closed with the process
        environment = {**os.environ, **(self.environment or {}), **(extra_env or {})}
        self.process = subprocess.Popen(
            self.command(*arguments), stdout=log, stderr=log, env=environment
        )
        self.wait_ready()

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.base / self.log_name).read_text())
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)  # not listening yet
                continue
            time.sleep(0.2)
        raise TimeoutError((self.base / self.log_name).read_text())

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextmanager
def server(base: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(base, free_port())
    try:
        yield process
    finally:
        process.stop()


def run_cli(process: ServerProcess, *arguments: str) -> subprocess.CompletedProcess[str]:
    """An ``ambito`` command with the same settings as ``process``."""
    return subprocess.run(
        process.command(*arguments),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(process.environment or {})},
    )
