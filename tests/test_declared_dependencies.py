"""Each cell's own pyproject.toml is enough: install it alone into a fresh environment, run its tests.

Both ways the generated README gives: pip (25.1 or later, for `--group test`), and uv. Strategies
share their dependencies, so one cell per ORM, database and sync/async covers them all: the sync
ones are installed with pip, the async ones with uv.
"""

import os
import sys
from pathlib import Path

import pytest
from uv import find_uv_bin

from .cells import BACKENDS, ORMS, Cell
from .conftest import Bake, dockerfile_uv_syncs, ok, run, run_generated_suite

PIP_CELLS = [
    Cell(orm, "middleware" if backend == "mysql" else "dependency", backend) for orm in ORMS for backend in BACKENDS
]
UV_CELLS = [
    Cell(orm, "dependency" if backend == "mysql" else "middleware", backend, use_async=True)
    for orm in ORMS
    for backend in BACKENDS
]
UV = find_uv_bin()


@pytest.mark.parametrize("cell", PIP_CELLS, ids=lambda c: c.id)
def test_suite_passes_in_a_fresh_venv_installed_with_pip(
    bake: Bake, cell: Cell, database_url: str, tmp_path: Path
) -> None:
    project = bake(**cell.answers(database_url))
    venv = tmp_path / "venv"
    ok(run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path))
    python = str(venv / "bin" / "python")
    # The README's commands: a pip that knows dependency groups, then the project with its `test` group.
    upgrade = run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "pip>=25.1"], cwd=project)
    ok(upgrade)
    install = run([python, "-m", "pip", "install", "-q", "-e", ".", "--group", "test"], cwd=project)
    ok(install)
    # The distribution is named after the project and has the package's version, as hatchling read it.
    metadata = run([python, "-c", f"import importlib.metadata as m; print(m.version({project.name!r}))"], cwd=project)
    assert metadata.stdout.strip() == "0.1.0", metadata.stdout + metadata.stderr

    result = run_generated_suite(project, python=python)

    ok(result)
    assert " passed" in result.stdout


def has_module(project: Path, module: str) -> bool:
    """Whether the project's environment (.venv, as uv made it) can import the module."""
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return run([str(project / ".venv" / "bin" / "python"), "-c", code], cwd=project).returncode == 0


@pytest.mark.parametrize("cell", UV_CELLS, ids=lambda c: c.id)
def test_suite_passes_after_uv_sync(bake: Bake, cell: Cell, database_url: str) -> None:
    project = bake(**cell.answers(database_url))
    # `uv` on the PATH is the template environment's; the machine's Python, nothing downloaded.
    env = {"PATH": f"{Path(UV).parent}{os.pathsep}{os.environ['PATH']}", "UV_PYTHON_DOWNLOADS": "never"}

    # The Dockerfile's install commands, into the project's fresh .venv: first as in a project
    # without uv.lock (they resolve and write one), then again `--locked` to the lock they wrote.
    for _ in range(2):
        for command in dockerfile_uv_syncs(project):
            result = run(["sh", "-c", command], cwd=project, **env)
            ok(result)
        assert (project / "uv.lock").exists()
        # The app's dependencies, and none of the test tools.
        assert has_module(project, "uvicorn") and has_module(project, cell.orm)
        assert not has_module(project, "pytest")

    # The README's: `uv sync`, then `uv run pytest`.
    sync = run([UV, "sync"], cwd=project, **env)
    ok(sync)
    assert has_module(project, "pytest") and has_module(project, "mypy")
    result = run([UV, "run", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"], cwd=project, **env)

    ok(result)
    assert " passed" in result.stdout
