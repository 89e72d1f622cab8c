"""Each cell's own pyproject.toml is enough: install it alone into a fresh venv, run its tests.

Strategies share their dependencies, so one cell per ORM and database covers them all.
"""

import sys
from pathlib import Path

import pytest

from .cells import BACKENDS, ORMS, Cell
from .conftest import Bake, run, run_generated_suite

CELLS = [
    Cell(orm, "middleware" if backend == "mysql" else "dependency", backend) for orm in ORMS for backend in BACKENDS
]


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_suite_passes_in_a_fresh_venv(bake: Bake, cell: Cell, database_url: str, tmp_path: Path) -> None:
    project = bake(**cell.answers(database_url))
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path).returncode == 0
    python = str(venv / "bin" / "python")
    # The shared pip installs into the new venv: nothing but the project's own declarations.
    install = run([sys.executable, "-m", "pip", "--python", python, "install", "-q", ".[test]"], cwd=project)
    assert install.returncode == 0, install.stdout + install.stderr

    result = run_generated_suite(project, python=python)

    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
