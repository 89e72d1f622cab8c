"""What the template's tests share: baking, running commands, and reading a baked project's files.

Every helper used by more than one test module is here, once; test modules import from here and
from cells.py, never from one another.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter
from uvicorn.main import main as uvicorn_command

from .cells import REQUIRE_SERVERS, Cell, server_problem, throwaway_database
from .pgbouncer import PgBouncer, pgbouncer_problem, running_pgbouncer

TEMPLATE = Path(__file__).resolve().parent.parent
# Variables that would point a generated project's tests somewhere else.
LEAKY_VARIABLES = ("DATABASE_URL", "TEST_DATABASE_URL", "PYTEST_ADDOPTS", "PYTHONPATH")

Bake = Callable[..., Path]

# Placeholder URLs, for bakes that never connect; the PostgreSQL one has a percent-encoded password.
PLACEHOLDER_URLS = {
    "sqlite": "sqlite:///./shop.db",
    "postgresql": "postgresql://shop:pa%40ss@db.internal:5432/shop",
    "mysql": "mysql+pymysql://shop:secret@db.internal:3306/shop",
}
PACKAGE = "shop"  # not the default, so a hard-coded `sql_app` shows


@pytest.fixture
def bake(tmp_path: Path) -> Bake:
    """Bake the template with the given answers into a fresh directory."""

    def bake(**answers: Any) -> Path:
        output = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        output.mkdir()
        return Path(cookiecutter(str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output)))

    return bake


def bake_placeholder(bake: Bake, cell: Cell, **answers: Any) -> Path:
    """The cell baked with its backend's placeholder URL (for checks that never connect)."""
    return bake(**cell.answers(PLACEHOLDER_URLS[cell.backend]) | answers)


def project_files(project: Path) -> set[str]:
    """Every file below the project, as paths relative to it."""
    return {str(path.relative_to(project)) for path in project.rglob("*") if path.is_file()}


def answers_id(answers: object) -> str:
    """A test id for a parameter that is a dict of answers (other parameters: none)."""
    return json.dumps(answers, ensure_ascii=True)[:60] if isinstance(answers, dict) else ""


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES and not k.startswith("PYTEST_XDIST")}
    return env | extra


def run(args: list[str], cwd: Path, timeout: int = 600, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """The result of a command that must have succeeded; its output shows when it did not."""
    assert result.returncode == 0, result.stdout + result.stderr
    return result


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
    ok(result)
    assert re.search(r"\d+ passed", result.stdout)
    assert not re.search(r"skipped|xfail|warning", result.stdout.splitlines()[-1]), result.stdout


def pyproject(project: Path) -> dict[str, Any]:
    return tomllib.loads((project / "pyproject.toml").read_text())


def dockerfile(project: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (project / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(instruction.upper(), arguments.strip()) for instruction, _, arguments in (s.partition(" ") for s in lines)]


def run_command(arguments: str) -> str:
    """A RUN instruction's shell command, without its `--mount=...` options."""
    return re.sub(r"^(?:--mount=\S+\s+)*", "", arguments)


def dockerfile_uv_syncs(project: Path) -> list[str]:
    """The shell commands with which the Dockerfile installs the project."""
    runs = [run_command(arguments) for instruction, arguments in dockerfile(project) if instruction == "RUN"]
    return [command for command in runs if shlex.split(command)[:2] == ["uv", "sync"]]


def dockerfile_env(project: Path) -> dict[str, str]:
    """The variables the Dockerfile's ENV instructions set, as written (`$PATH` unexpanded)."""
    pairs = [item.split("=", 1) for i, a in dockerfile(project) if i == "ENV" for item in shlex.split(a)]
    return dict(pairs)


def dockerfile_cmd(project: Path) -> list[str]:
    """The CMD, which must be in exec form (a JSON array): no shell stands between it and the signals."""
    [cmd] = [json.loads(arguments) for instruction, arguments in dockerfile(project) if instruction == "CMD"]
    assert isinstance(cmd, list) and all(isinstance(word, str) for word in cmd), cmd
    return cmd


def uvicorn_options(arguments: list[str]) -> dict[str, Any]:
    """What uvicorn's own command line makes of these arguments (nothing is started)."""
    # It also reads UVICORN_* variables: none may leak in from here.
    assert not [name for name in os.environ if name.startswith("UVICORN_")]
    with uvicorn_command.make_context("uvicorn", list(arguments)) as context:
        return dict(context.params)


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
