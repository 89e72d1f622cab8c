"""The schema as a deployment step: `python -m sql_app.migrate`, MIGRATE_ON_STARTUP=false, and
MySQL's schema lock, whose result is checked: no lock, no schema change, and a clear error.
"""

import sys
from pathlib import Path

import pytest

from .cells import MODES, ORMS, Cell, admin_connection, expected_tables, tables_of
from .conftest import Bake, ok, run

STEP_CELLS = [Cell(orm, "dependency", "postgresql", use_async) for orm in ORMS for use_async in MODES]
LOCK_CELLS = [Cell(orm, "middleware", "mysql", use_async) for orm in ORMS for use_async in MODES]
# The app's startup with the schema step switched off, and a probe saying the database answers.
START_WITHOUT_MIGRATING = """
from fastapi.testclient import TestClient
from sql_app.main import app

with TestClient(app) as client:
    assert client.get("/health/ready").status_code == 200
"""
# `python -m sql_app.migrate`, from code that can change a setting first; main() is async in async cells.
MIGRATE = "import asyncio, inspect; from sql_app import migrate; step = migrate.main()\n" + (
    "if inspect.isawaitable(step): asyncio.run(step)"
)


def python(project: Path, code: str, **env: str) -> tuple[int, str]:
    result = run([sys.executable, "-c", code], cwd=project, timeout=120, **env)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("cell", STEP_CELLS, ids=lambda c: c.id)
def test_migrate_command_is_the_schema_step_when_startup_leaves_it_alone(
    bake: Bake, cell: Cell, database_url: str
) -> None:
    project = bake(**cell.answers(database_url))

    code, output = python(project, START_WITHOUT_MIGRATING, MIGRATE_ON_STARTUP="false")
    assert code == 0, output
    assert tables_of(cell, database_url) == set(), "the app changed the schema with MIGRATE_ON_STARTUP=false"

    for _ in range(2):  # and again: nothing left to do
        result = run([sys.executable, "-m", "sql_app.migrate"], cwd=project, timeout=120)
        ok(result)
        assert tables_of(cell, database_url) == expected_tables(cell)


@pytest.mark.parametrize("cell", LOCK_CELLS, ids=lambda c: c.id)
def test_mysql_schema_lock_held_elsewhere_stops_the_step_with_one_clear_line(
    bake: Bake, cell: Cell, database_url: str
) -> None:
    project = bake(**cell.answers(database_url))
    name = database_url.rsplit("/", 1)[1]
    with admin_connection("mysql") as holder, holder.cursor() as cursor:
        # Another process's schema change, holding the lock the app takes for this database.
        cursor.execute(f"USE `{name}`")
        cursor.execute("SELECT GET_LOCK(LEFT(CONCAT('schema of ', DATABASE()), 64), 5)")
        assert cursor.fetchone() == (1,)

        waiting = "from sql_app import database; database.LOCK_WAIT_SECONDS = 1\n" + MIGRATE
        code, output = python(project, waiting)

    assert code != 0, output
    assert output.rstrip().splitlines()[-1] == (
        "RuntimeError: schema left as it is: another process held its lock for 1 s"
    ), output
    assert tables_of(cell, database_url) == set()
