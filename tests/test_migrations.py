"""Schema changes: SQLAlchemy cells' Alembic migrations, and the Peewee README's recipe.

The generated suite is shared by both ORMs, so these checks live here.
"""

import configparser
import re
import sys
from pathlib import Path
from subprocess import CompletedProcess
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy

from .cells import BACKENDS, Cell
from .conftest import Bake, run

CELLS = [Cell("sqlalchemy", "dependency", backend) for backend in BACKENDS]
REVISION = "migrations/versions/0001_create_users_and_items.py"


def alembic(project: Path, *args: str) -> CompletedProcess[str]:
    return run([sys.executable, "-m", "alembic", *args], cwd=project)


def ok(result: CompletedProcess[str]) -> CompletedProcess[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def with_a_percent(url: str, tmp_path: Path) -> str:
    """The same database, through a URL with a `%` in it (where the server lets us)."""
    if url.startswith("sqlite"):
        directory = tmp_path / "50%done"
        directory.mkdir()
        return f"sqlite:///{directory}/app.db"
    parts = urlsplit(url)
    if parts.scheme == "postgresql" and parts.password is None:
        # The local server trusts its clients, so any password gets in: a percent-encoded one.
        return urlunsplit(parts._replace(netloc=parts.netloc.replace("@", ":pa%25ss@", 1)))
    return url


def engine_for(url: str) -> sqlalchemy.Engine:
    drivers = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}
    parsed = sqlalchemy.make_url(url)
    return sqlalchemy.create_engine(parsed.set(drivername=drivers.get(parsed.drivername, parsed.drivername)))


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(
    bake: Bake, cell: Cell, database_url: str, tmp_path: Path
) -> None:
    url = with_a_percent(database_url, tmp_path)
    if "%" in url:  # what alembic.ini's parser would make of it
        with pytest.raises(configparser.InterpolationSyntaxError):
            configparser.ConfigParser({"url": url}).get("DEFAULT", "url")
    project = bake(**cell.answers(url))

    ok(alembic(project, "upgrade", "head"))
    assert "No new upgrade operations detected" in ok(alembic(project, "check")).stdout

    engine = engine_for(url)
    try:
        schema = sqlalchemy.inspect(engine)
        assert set(schema.get_table_names()) == {"alembic_version", "users", "items"}
        indexes = {i["name"]: (i["column_names"], bool(i["unique"])) for i in schema.get_indexes("users")}
        assert indexes["ix_users_email"] == (["email"], True)
        indexes = {i["name"]: (i["column_names"], bool(i["unique"])) for i in schema.get_indexes("items")}
        assert indexes["ix_items_title"] == (["title"], False)
        assert indexes["ix_items_owner_id"] == (["owner_id"], False)
        [foreign_key] = schema.get_foreign_keys("items")
        assert (foreign_key["referred_table"], foreign_key["constrained_columns"]) == ("users", ["owner_id"])

        ok(alembic(project, "downgrade", "base"))
        schema = sqlalchemy.inspect(engine)
        assert set(schema.get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()


def bake_sqlite(bake: Bake, tmp_path: Path) -> Path:
    return bake(**CELLS[0].answers(f"sqlite:///{tmp_path}/app.db"))


def test_check_reports_a_revision_that_misses_part_of_the_models(bake: Bake, tmp_path: Path) -> None:
    project = bake_sqlite(bake, tmp_path)
    revision = project / REVISION
    line = '    op.create_index("ix_items_title", "items", ["title"])\n'
    assert revision.read_text().count(line) == 1
    revision.write_text(revision.read_text().replace(line, ""))

    ok(alembic(project, "upgrade", "head"))
    check = alembic(project, "check")

    assert check.returncode != 0
    assert "ix_items_title" in check.stdout + check.stderr


def test_tables_the_app_created_are_adopted_with_stamp(bake: Bake, tmp_path: Path) -> None:
    """What the README says to do when the app started before any migration ran."""
    project = bake_sqlite(bake, tmp_path)
    ok(run([sys.executable, "-c", "from sql_app import database; database.create_tables()"], cwd=project))

    upgrade = alembic(project, "upgrade", "head")
    assert upgrade.returncode != 0 and "already exists" in upgrade.stderr

    ok(alembic(project, "stamp", "head"))
    ok(alembic(project, "check"))


def test_new_revisions_come_out_lint_clean(bake: Bake, tmp_path: Path) -> None:
    project = bake_sqlite(bake, tmp_path)
    ok(alembic(project, "upgrade", "head"))
    ok(alembic(project, "revision", "--autogenerate", "-m", "nothing changed"))

    [new] = [p for p in (project / "migrations" / "versions").glob("*.py") if p.name != Path(REVISION).name]
    assert "def upgrade() -> None:" in new.read_text()
    for command in (["ruff", "check"], ["ruff", "format", "--check"]):
        ok(run([sys.executable, "-m", *command, str(new)], cwd=project))
    ok(alembic(project, "upgrade", "head"))


def test_peewee_readme_schema_change_runs(bake: Bake, tmp_path: Path) -> None:
    project = bake(orm="peewee", database_url=f"sqlite:///{tmp_path}/app.db")
    [recipe] = re.findall(r"```python\n(.*?)```", (project / "README.md").read_text(), re.DOTALL)
    script = "from sql_app import database\ndatabase.create_tables()\n" + recipe
    script += "with database.db.connection_context():\n    print([c.name for c in database.db.get_columns('items')])\n"

    result = ok(run([sys.executable, "-c", script], cwd=project))

    assert "'priority'" in result.stdout
