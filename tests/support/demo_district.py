"""The run's one demo district: built once, copied for each test (or module) that uses it.

Building the demo district records a month of a district's work through the service layer
(about 40 seconds); copying its data and key directories takes a fraction of a second. The
template is built by the first worker that needs it, under a file lock in the run's
directory, and never opened again: every test gets a copy of its own, so that what one test
writes (acts, reads in the access log) is never seen by another.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from filelock import FileLock

from shared.policies.runner import PolicyRunner
from shared.projections.runner import ProjectionRunner
from shared.settings import Settings

TEMPLATE = "demo-district"
BUILT = "costruito"


def build_demo_template(run_directory: Path) -> Path:
    """The run's demo district (``data`` and ``keys``), built if this is the first call."""
    from services.cli import _create_demo

    template = run_directory / TEMPLATE
    run_directory.mkdir(parents=True, exist_ok=True)
    with FileLock(str(run_directory / f"{TEMPLATE}.lock")):
        if not (template / BUILT).exists():
            shutil.rmtree(template, ignore_errors=True)
            settings = Settings(data_dir=template / "data", key_dir=template / "keys")
            assert _create_demo(settings), "the demo district was not built"
            _catch_up(settings)
            (template / BUILT).write_text("ok\n", "utf-8")
    return template


def _catch_up(settings: Settings) -> None:
    """Brings every policy and read model of the demo up to its ledgers, once: a copy then
    serves at once, instead of every server started on a copy catching up on its own."""
    from services.runtime import open_runtime

    runtime = open_runtime(settings)
    try:
        for policy in runtime.policies:
            if isinstance(policy, PolicyRunner):
                policy.catch_up()
        for feed in runtime.feeds:
            if isinstance(feed, ProjectionRunner):
                feed.catch_up()
    finally:
        runtime.close()


def copy_demo_district(template: Path, destination: Path) -> Settings:
    """A copy of the demo district at ``destination`` (``data`` and ``keys``), as settings."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in ("data", "keys"):
        shutil.copytree(template / part, destination / part)
    return Settings(data_dir=destination / "data", key_dir=destination / "keys")
