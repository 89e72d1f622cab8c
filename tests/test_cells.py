"""Every supported cell: the exact files, nothing left of the template, lint, its own tests."""

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .cells import CELLS, STRATEGIES, Cell
from .conftest import TEMPLATE, Bake, assert_suite_passed, bake_placeholder, ok, project_files, run, run_generated_suite

COMMON_FILES = {
    ".cookiecutter.json",
    ".dockerignore",
    ".env.example",
    "compose.yaml",
    ".github/workflows/tests.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "Dockerfile",
    "README.md",
    "pyproject.toml",
    "sql_app/__init__.py",
    "sql_app/config.py",
    "sql_app/crud.py",
    "sql_app/database.py",
    "sql_app/deps.py",
    "sql_app/health.py",
    "sql_app/main.py",
    "sql_app/migrate.py",
    "sql_app/models.py",
    "sql_app/routes.py",
    "sql_app/schemas.py",
    # The resource tests, and what they share.
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/database_helpers.py",
    "tests/factories.py",
    "tests/unordered_reads.py",
    "tests/test_docs.py",
    "tests/test_items.py",
    "tests/test_users.py",
    # The plumbing proofs, and their machinery.
    "tests/plumbing/__init__.py",
    "tests/plumbing/conftest.py",
    "tests/plumbing/database_sessions.py",
    "tests/plumbing/open_connections.py",
    "tests/plumbing/orm_hooks.py",
    "tests/plumbing/test_cancellation.py",
    "tests/plumbing/test_concurrency.py",
    "tests/plumbing/test_connections.py",
    "tests/plumbing/test_health.py",
    "tests/plumbing/test_statements.py",
    "tests/plumbing/tracking.py",
}
FILES_OF_ORM: dict[str, set[str]] = {
    "sqlalchemy": {
        "alembic.ini",
        "sql_app/migrations/env.py",
        "sql_app/migrations/script.py.mako",
        "sql_app/migrations/versions/0001_create_users_and_items.py",
    },
    "peewee": set(),
}
FILES_OF_MODE: dict[bool, set[str]] = {False: {"sql_app/cancellation.py"}, True: set()}
# The password of a server URL goes to `.env` (git-ignored), written by the post-gen hook; what the
# plumbing proofs ask a server runs on a connection of its own, and a server's cells test what
# follows its restart.
SERVER_FILES = {".env", "tests/plumbing/server_query.py", "tests/plumbing/test_database_restart.py"}
FILES_OF_BACKEND: dict[str, set[str]] = {"sqlite": set(), "postgresql": SERVER_FILES, "mysql": SERVER_FILES}

# Words that only the other variants' files contain. (Every cell knows every URL
# scheme: DATABASE_URL may point elsewhere at run time; its drivers are checked below.)
FOREIGN_WORDS = {
    "orm": {"sqlalchemy": ["peewee", "playhouse"], "peewee": ["sqlalchemy", "alembic"]},
    "strategy": {
        "dependency": ["ConnectionMiddleware", "SessionMiddleware"],
        "middleware": ["max_concurrency", "fresh_connection_state", "yield session"],
    },
    "use_async": {
        False: ["AsyncSession", "pwasyncio", "aiosqlite", "asyncpg", "aiomysql", "greenlet"],
        True: ["run_in_threadpool", "RequestConnectionState", "max_concurrency", "WaitForThreadsOnCancel"],
    },
    # What the tests ask the database's server, or SQLite's file.
    "backend": {
        "sqlite": ["pg_stat_activity", "information_schema", "/proc/self/net/tcp", "server_query", "PostgreSQL reads"],
        "postgresql": ["innodb_trx", "rollback journal", "reverse_unordered_selects"],
        "mysql": ["pg_stat_activity", "rollback journal", "reverse_unordered_selects", "PostgreSQL reads"],
    },
}
# (`.cookiecutter.json`, the recorded answers, is a file name the README may cite.)
LEFTOVER = re.compile(r"\{\{|\{%|cookiecutter\.(?!json\b)")


# The driver each cell declares, sync (False) and async (True); SQLite's sync driver is built in.
DRIVERS = {
    False: {"sqlite": set(), "postgresql": {"psycopg"}, "mysql": {"pymysql"}},
    True: {"sqlite": {"aiosqlite"}, "postgresql": {"asyncpg"}, "mysql": {"aiomysql"}},
}


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_exact_file_set(bake: Bake, cell: Cell) -> None:
    expected = COMMON_FILES | FILES_OF_ORM[cell.orm] | FILES_OF_MODE[cell.use_async] | FILES_OF_BACKEND[cell.backend]
    assert project_files(bake_placeholder(bake, cell)) == expected


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_nothing_from_other_variants_or_the_template(bake: Bake, cell: Cell) -> None:
    project = bake_placeholder(bake, cell)
    foreign = [
        *FOREIGN_WORDS["orm"][cell.orm],
        *FOREIGN_WORDS["strategy"][cell.strategy],
        *FOREIGN_WORDS["use_async"][cell.use_async],
        *FOREIGN_WORDS["backend"][cell.backend],
    ]
    for name in project_files(project):
        text = (project / name).read_text(encoding="utf-8")
        assert not LEFTOVER.search(text), f"template text left in {name}"
        for word in foreign:
            assert word.lower() not in text.lower(), f"{word!r} from another variant in {name}"


def top_level_definitions(source: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    return [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_every_function_and_class_of_the_package_is_used_by_the_package(bake: Bake, cell: Cell) -> None:
    """Nothing in the package exists for the tests alone (Alembic calls the migrations' own)."""
    package = bake_placeholder(bake, cell) / "sql_app"
    sources = {path: path.read_text() for path in package.rglob("*.py") if "migrations" not in path.parts}
    unused = []
    for path, source in sources.items():
        for node in top_level_definitions(source):
            if node.decorator_list:  # registered by its decorator: a route, an event listener
                continue
            uses = sum(len(re.findall(rf"\b{node.name}\b", text)) for text in sources.values())
            if uses < 2:  # its definition is the only mention
                unused.append(f"{path.name}: {node.name}")
    assert unused == []


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_declares_exactly_the_driver_it_needs(bake: Bake, cell: Cell) -> None:
    project = bake_placeholder(bake, cell)
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[\[<>=]", d)[0] for d in dependencies}
    every_driver = {driver for by_backend in DRIVERS.values() for drivers in by_backend.values() for driver in drivers}
    assert names & every_driver == DRIVERS[cell.use_async][cell.backend]
    assert cell.orm in names


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_lint_format_and_types_are_clean(bake: Bake, cell: Cell) -> None:
    project = bake_placeholder(bake, cell)
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
        result = run([sys.executable, "-m", *command], cwd=project)
        ok(result)


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_generated_suite_passes(bake: Bake, cell: Cell, database_url: str) -> None:
    project = bake(**cell.answers(database_url))
    assert_suite_passed(run_generated_suite(project))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_concurrency_test_fails_without_the_peewee_patch(bake: Bake, tmp_path: Path, strategy: str) -> None:
    project = bake(orm="peewee", session_strategy=strategy, database_url=f"sqlite:///{tmp_path}/app.db")
    database = project / "sql_app" / "database.py"
    patched = database.read_text()
    patch_line = re.compile(r"^db\._state = RequestConnectionState\(\).*\n", re.MULTILINE)
    assert len(patch_line.findall(patched)) == 1
    database.write_text(patch_line.sub("", patched))

    assert_the_sharing_check_fails(project)


def assert_the_sharing_check_fails(project: Path) -> None:
    result = run_generated_suite(project, "tests/plumbing/test_concurrency.py")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
    # Its own sharing check fails first: not a server error, nor the check of the statuses.
    errors = [line.removeprefix("E").strip() for line in result.stdout.splitlines() if line.startswith("E ")]
    assert errors[0] == "AssertionError: requests ran SQL on a connection that another request held", result.stdout


# What a thread-local amounts to on the one thread of an event loop: one state for every task.
ONE_STATE_FOR_ALL_TASKS = """
from playhouse.pwasyncio import _State  # noqa: E402

shared_state = _State()
db._state._current = lambda: shared_state


async def close_at_once() -> None:
    # The shared state loses connections, which never come back: the pool's close would
    # wait for them until its timeout (30 s), after the test has failed.
    db._pool.terminate()


db._pool_close = close_at_once
"""


@pytest.mark.parametrize(
    "cell", [Cell("peewee", strategy, "postgresql", use_async=True) for strategy in STRATEGIES], ids=lambda c: c.id
)
def test_async_peewee_needs_no_patch_because_state_is_per_task(bake: Bake, cell: Cell, database_url: str) -> None:
    """The generated README says why async Peewee cells need no contextvars patch:
    pwasyncio keeps connection state per asyncio task. Share one state between all
    tasks instead, and the same concurrency test fails through its sharing check."""
    project = bake(**cell.answers(database_url))
    database = project / "sql_app" / "database.py"
    database.write_text(database.read_text() + ONE_STATE_FOR_ALL_TASKS)

    assert_the_sharing_check_fails(project)


def test_generated_project_is_a_git_ready_tree(bake: Bake) -> None:
    project = bake()
    assert project.name == "sql-app"
    assert not (project / "_variants").exists()
    assert not (project / ".env").exists()  # SQLite: no password, nothing to set up before the first run
    # The package imports on its own: no template syntax survives in Python.
    result = subprocess.run([sys.executable, "-c", "import sql_app.main"], cwd=project, capture_output=True, text=True)
    ok(result)


def test_template_code_is_lint_clean() -> None:
    for command in (["ruff", "check", "hooks", "tests"], ["ruff", "format", "--check", "hooks", "tests"]):
        result = run([sys.executable, "-m", *command], cwd=TEMPLATE)
        ok(result)
