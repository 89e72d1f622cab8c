"""Baking helpers shared by the template's tests."""

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

from .cells import REQUIRE_SERVERS, Cell, server_problem, throwaway_database
from .pgbouncer import PgBouncer, pgbouncer_problem, running_pgbouncer

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


def require(problem: str | None) -> None:
    """Skip (or, where servers are required, fail) for the problem, if there is one."""
    if problem is None:
        return
    if REQUIRE_SERVERS:
        pytest.fail(f"{problem}; TEMPLATE_TEST_REQUIRE_SERVERS=1 makes this a failure")
    pytest.skip(problem)


def require_server(backend: str) -> None:
    """Skip (or, where servers are required, fail) when the backend has no server."""
    if backend != "sqlite":
        require(server_problem(backend))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A throwaway database for the test's cell (parametrized as `cell`)."""
    cell: Cell = request.getfixturevalue("cell")
    require_server(cell.backend)
    with throwaway_database(cell.backend, str(tmp_path)) as url:
        yield url


@pytest.fixture
def pgbouncer() -> Iterator[PgBouncer]:
    """A PgBouncer of the test's own, in transaction mode, in front of the test PostgreSQL server."""
    require_server("postgresql")
    require(pgbouncer_problem())
    with running_pgbouncer() as bouncer:
        yield bouncer


def run_generated_suite(
    project: Path, *pytest_args: str, python: str = sys.executable, **env: str
) -> subprocess.CompletedProcess[str]:
    pytest_command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", *pytest_args]
    return run(pytest_command, cwd=project, **env)


def assert_suite_passed(result: subprocess.CompletedProcess[str]) -> None:
    """Every test passed: none failed, skipped or expected to fail, and no warning."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d+ passed", result.stdout)
    assert not re.search(r"skipped|xfail|warning", result.stdout.splitlines()[-1]), result.stdout


# The tests that run a cell's generated suite, and which of them go through PgBouncer.
SUITE_TESTS = ("test_generated_suite_passes[", "test_generated_suite_passes_through_pgbouncer[")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many cells' generated suites ran, how many were skipped, and how many of the
    runs went through PgBouncer."""
    outcomes: dict[str, str] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            when = getattr(report, "when", None)
            if any(test in nodeid for test in SUITE_TESTS) and when and (when == "call" or not report.passed):
                outcomes.setdefault(nodeid, report.outcome)
    if outcomes:
        tally = {o: list(outcomes.values()).count(o) for o in ("passed", "failed", "skipped")}
        ran = tally["passed"] + tally["failed"]
        pooled = sum(SUITE_TESTS[1] in nodeid and outcome != "skipped" for nodeid, outcome in outcomes.items())
        terminalreporter.write_sep(
            "=",
            f"generated suites: {ran} cells ran ({tally['passed']} passed), {tally['skipped']} skipped;"
            f" {pooled} of the runs through PgBouncer",
        )
