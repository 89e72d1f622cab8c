"""Schema changes: SQLAlchemy cells' Alembic migrations, the Peewee README's recipe, and a
new column added the way a user would, in every cell.

The generated suite is shared by both ORMs, so these checks live here.
"""

import configparser
import json
import re
import sys
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from .cells import BACKENDS, CELLS, MODES, Cell
from .conftest import Bake, ok, run

SQLALCHEMY_CELLS = [Cell("sqlalchemy", "dependency", backend, use_async) for use_async in MODES for backend in BACKENDS]
VERSIONS = "sql_app/migrations/versions"
REVISION = f"{VERSIONS}/0001_create_users_and_items.py"


def alembic(project: Path, *args: str, **env: str) -> CompletedProcess[str]:
    return run([sys.executable, "-m", "alembic", *args], cwd=project, **env)


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


# The schema as the project's own engine sees it: tables, (columns, unique) per index, foreign keys.
INSPECT = """
import asyncio
import json
from sqlalchemy import Connection, inspect
from sql_app.database import engine

def describe(connection: Connection) -> dict:
    schema = inspect(connection)
    tables = sorted(schema.get_table_names())
    return {
        "tables": tables,
        "indexes": {
            t: {i["name"]: [i["column_names"], bool(i["unique"])] for i in schema.get_indexes(t)} for t in tables
        },
        "foreign_keys": {
            t: [[k["constrained_columns"], k["referred_table"]] for k in schema.get_foreign_keys(t)] for t in tables
        },
    }

async def describe_async() -> dict:
    async with engine.connect() as connection:
        return await connection.run_sync(describe)

if hasattr(engine, "sync_engine"):  # an async project
    print(json.dumps(asyncio.run(describe_async())))
else:
    with engine.connect() as connection:
        print(json.dumps(describe(connection)))
"""


def schema_of(project: Path, url: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ok(run([sys.executable, "-c", INSPECT], cwd=project, DATABASE_URL=url)).stdout)
    return loaded


@pytest.mark.parametrize("cell", SQLALCHEMY_CELLS, ids=lambda c: c.id)
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

    schema = schema_of(project, url)
    assert schema["tables"] == ["alembic_version", "items", "users"]
    assert schema["indexes"]["users"] == {"ix_users_email": [["email"], True]}
    assert schema["indexes"]["items"] == {
        "ix_items_owner_id": [["owner_id"], False],
        "ix_items_title": [["title"], False],
    }
    assert schema["foreign_keys"]["items"] == [[["owner_id"], "users"]]

    ok(alembic(project, "downgrade", "base"))
    assert schema_of(project, url)["tables"] == ["alembic_version"]


def bake_sqlite(bake: Bake, tmp_path: Path) -> Path:
    return bake(**SQLALCHEMY_CELLS[0].answers(f"sqlite:///{tmp_path}/app.db"))


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


def test_startup_brings_the_database_to_the_newest_migration(bake: Bake, tmp_path: Path) -> None:
    """The migrations own the schema: the app applies them at startup, nothing else creates tables."""
    project = bake_sqlite(bake, tmp_path)
    start = "from fastapi.testclient import TestClient\nfrom sql_app.main import app\nwith TestClient(app): pass"
    for _ in range(2):  # the second startup finds nothing to do
        ok(run([sys.executable, "-c", start], cwd=project))
        assert "(head)" in ok(alembic(project, "current")).stdout
        ok(alembic(project, "check"))


def test_new_revisions_come_out_lint_clean(bake: Bake, tmp_path: Path) -> None:
    project = bake_sqlite(bake, tmp_path)
    ok(alembic(project, "upgrade", "head"))
    ok(alembic(project, "revision", "--autogenerate", "-m", "nothing changed"))

    [new] = [p for p in (project / VERSIONS).glob("*.py") if p.name != Path(REVISION).name]
    assert "def upgrade() -> None:" in new.read_text()
    for command in (["ruff", "check"], ["ruff", "format", "--check"]):
        ok(run([sys.executable, "-m", *command, str(new)], cwd=project))
    ok(alembic(project, "upgrade", "head"))


def test_peewee_readme_schema_change_runs(bake: Bake, tmp_path: Path) -> None:
    project = bake(orm="peewee", database_url=f"sqlite:///{tmp_path}/app.db")
    [recipe] = re.findall(r"```python\n(.*?)```", (project / "README.md").read_text(), re.DOTALL)
    script = "from sql_app import database, models\ndatabase.create_tables(models.MODELS)\n" + recipe
    script += "with database.db.connection_context():\n    print([c.name for c in database.db.get_columns('items')])\n"

    result = ok(run([sys.executable, "-c", script], cwd=project))

    assert "'priority'" in result.stdout


# A column added the way the README says: the model, the schema, and (SQLAlchemy) a revision.
NEW_COLUMN = {
    "sqlalchemy": ("    is_active: Mapped[bool]", "    full_name: Mapped[str | None] = mapped_column(String(255))\n"),
    "peewee": ("    is_active = ", "    full_name = peewee.CharField(max_length=255, null=True)\n"),
}
NEW_FIELD = ("    email: EmailStr\n", "    full_name: str | None = None\n")
TRY_FULL_NAME = """
import json
from fastapi.testclient import TestClient
from sql_app.main import app
with TestClient(app) as client:
    body = {"email": "ada@example.com", "password": "correct horse", "full_name": "Ada Lovelace"}
    created = client.post("/users/", json=body).json()
    one = client.get(f"/users/{created['id']}").json()
    listed = client.get("/users/").json()
print(json.dumps([created.get("full_name"), one.get("full_name"), [u.get("full_name") for u in listed]]))
"""


def insert_before(path: Path, anchor: str, line: str) -> None:
    text = path.read_text()
    assert text.count(anchor) == 1, f"{anchor!r} in {path}"
    path.write_text(text.replace(anchor, line + anchor))


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_a_new_column_needs_the_model_the_schema_and_a_migration(
    bake: Bake, cell: Cell, database_url: str, tmp_path: Path
) -> None:
    project = bake(**cell.answers(database_url))
    insert_before(project / "sql_app" / "models.py", *NEW_COLUMN[cell.orm])
    insert_before(project / "sql_app" / "schemas.py", *NEW_FIELD)
    if cell.orm == "sqlalchemy":
        # Autogenerate against a scratch database at the previous head.
        scratch = f"sqlite:///{tmp_path}/scratch.db"
        ok(run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=project, DATABASE_URL=scratch))
        ok(
            run(
                [sys.executable, "-m", "alembic", "revision", "--autogenerate", "-m", "full name"],
                cwd=project,
                DATABASE_URL=scratch,
            )
        )

    # The cell's own, still empty database: the app's startup builds it.
    result = ok(run([sys.executable, "-c", TRY_FULL_NAME], cwd=project))

    assert json.loads(result.stdout) == ["Ada Lovelace", "Ada Lovelace", ["Ada Lovelace"]]
