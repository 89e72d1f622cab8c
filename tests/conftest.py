"""Baking helpers shared by the template's tests."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

from .cells import REQUIRE_SERVERS, Cell, server_problem, throwaway_database

TEMPLATE = Path(__file__).resolve().parent.parent
# Variables that would point a generated project's tests somewhere else.
LEAKY_VARIABLES = ("DATABASE_URL", "TEST_DATABASE_URL", "PYTEST_ADDOPTS", "PYTHONPATH")

Bake = Callable[..., Path]


@pytest.fixture
def bake(tmp_path: Path) -> Bake:
    """Bake the template with the given answers into a fresh directory."""

    def bake(**answers: Any) -> Path:
        output = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        output.mkdir()
        return Path(cookiecutter(str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output)))

    return bake


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES and not k.startswith("PYTEST_XDIST")}
    return env | extra


def run(args: list[str], cwd: Path, timeout: int = 600, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout)


def require_server(backend: str) -> None:
    """Skip (or, where servers are required, fail) when the backend has no server."""
    if backend == "sqlite":
        return
    problem = server_problem(backend)
    if problem is None:
        return
    if REQUIRE_SERVERS:
        pytest.fail(f"{problem}; TEMPLATE_TEST_REQUIRE_SERVERS=1 makes this a failure")
    pytest.skip(problem)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A throwaway database for the test's cell (parametrized as `cell`)."""
    cell: Cell = request.getfixturevalue("cell")
    require_server(cell.backend)
    with throwaway_database(cell.backend, str(tmp_path)) as url:
        yield url


def run_generated_suite(
    project: Path, *pytest_args: str, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    return run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", *pytest_args], cwd=project)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many cells' generated suites ran, and how many were skipped."""
    outcomes: dict[str, str] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            when = getattr(report, "when", None)
            if "test_generated_suite_passes[" in nodeid and when and (when == "call" or not report.passed):
                outcomes.setdefault(nodeid, report.outcome)
    if outcomes:
        tally = {o: list(outcomes.values()).count(o) for o in ("passed", "failed", "skipped")}
        ran = tally["passed"] + tally["failed"]
        terminalreporter.write_sep(
            "=", f"generated suites: {ran} cells ran ({tally['passed']} passed), {tally['skipped']} skipped"
        )
