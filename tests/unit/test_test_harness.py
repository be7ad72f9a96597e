"""The test harness itself (issue 18): one server per run whichever worker asks first, the
demo district copied rather than rebuilt, and the coverage floor held line by line and
branch by branch."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from tests.support import coverage_floor
from tests.support.demo_district import BUILT, TEMPLATE, build_demo_template, copy_demo_district
from tests.support.servers import Started, shared_server, stop_all


def _start_once(marker: str) -> Started:
    """A 'server' whose start leaves a file: started twice, the second start fails."""
    Path(marker).touch(exist_ok=False)
    return Started(address="127.0.0.1:1", stop=["rm", marker], directory="")


def _ask(run_directory: str, marker: str, answers: multiprocessing.Queue[str]) -> None:
    answers.put(shared_server(Path(run_directory), "finto", lambda: _start_once(marker)))


def test_workers_share_the_run_s_one_server_and_the_run_stops_it(tmp_path: Path) -> None:
    marker = str(tmp_path / "avviato")
    answers: multiprocessing.Queue[str] = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_ask, args=(str(tmp_path / "run"), marker, answers))
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sorted(answers.get(timeout=5) for _ in workers) == ["127.0.0.1:1"] * 3
    assert Path(marker).exists()
    stop_all(tmp_path / "run")
    assert not Path(marker).exists()  # the recorded stop command ran
    assert not list((tmp_path / "run").glob("server-*.json"))


def test_a_built_demo_template_is_copied_not_rebuilt(tmp_path: Path) -> None:
    template = tmp_path / TEMPLATE
    for part in ("data", "keys"):
        (template / part).mkdir(parents=True)
        (template / part / "file").write_text(part, "utf-8")
    (template / BUILT).write_text("ok\n", "utf-8")
    assert build_demo_template(tmp_path) == template  # built already: not built again
    settings = copy_demo_district(template, tmp_path / "copy")
    assert (settings.data_dir / "file").read_text("utf-8") == "data"
    assert (settings.key_dir / "file").read_text("utf-8") == "keys"
    (settings.data_dir / "file").write_text("changed", "utf-8")
    assert (template / "data" / "file").read_text("utf-8") == "data"  # the copy is its own


def _report(lines: tuple[int, int], branches: tuple[int, int]) -> dict[str, dict[str, float]]:
    return {
        "totals": {
            "covered_lines": lines[0],
            "num_statements": lines[1],
            "covered_branches": branches[0],
            "num_branches": branches[1],
        }
    }


def test_the_coverage_floor_holds_lines_and_branches_each_on_its_own(tmp_path: Path) -> None:
    floor = {"lines": 90.0, "branches": 80.0}
    measured = coverage_floor.figures(_report((95, 100), (79, 100)))
    assert measured == {"lines": 95.0, "branches": 79.0}
    assert coverage_floor.shortfalls(measured, floor) == ["branches: 79.00% < 80.00%"]
    assert coverage_floor.shortfalls(coverage_floor.figures(_report((9, 10), (4, 5))), floor) == []
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.ambito.coverage-floor]\nlines = 90.0\nbranches = 80.0\n", "utf-8")
    report = tmp_path / "coverage.json"
    report.write_text(json.dumps(_report((95, 100), (79, 100))), "utf-8")
    assert coverage_floor.main(str(report), pyproject) == 1
    report.write_text(json.dumps(_report((90, 100), (80, 100))), "utf-8")
    assert coverage_floor.main(str(report), pyproject) == 0
    report.write_text(json.dumps(_report((100, 100), (100, 100))), "utf-8")
    assert coverage_floor.main(str(report)) == 0  # the project's own floor reads too
