"""The files around the code: each is parsed, and what it says is checked against the project."""

import filecmp
import json
import re
import shlex
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from .cells import BACKENDS, ORMS, Cell
from .conftest import TEMPLATE, Bake, run

# Placeholder URLs (nothing connects); the PostgreSQL one has a percent-encoded password.
URLS = {
    "sqlite": "sqlite:///./shop.db",
    "postgresql": "postgresql://shop:pa%40ss@db.internal:5432/shop",
    "mysql": "mysql+pymysql://shop:secret@db.internal:3306/shop",
}
CELLS = [Cell(orm, "dependency", backend) for orm in ORMS for backend in BACKENDS]
PACKAGE = "shop"  # not the default, so a hard-coded `sql_app` shows
PYTHON = "3.11"


def bake_cell(bake: Bake, cell: Cell) -> Path:
    return bake(**cell.answers(URLS[cell.backend]), package_name=PACKAGE)


def pyproject(project: Path) -> dict[str, Any]:
    return tomllib.loads((project / "pyproject.toml").read_text())


def extra_requirement(project: Path, name: str) -> Requirement:
    """The project's `test` extra's requirement on this package (KeyError if none)."""
    requirements = [Requirement(r) for r in pyproject(project)["project"]["optional-dependencies"]["test"]]
    return {r.name: r for r in requirements}[name]


def settings_of(project: Path, **env: str) -> list[Any]:
    """DATABASE_URL and POOL_SIZE as the package reads them from this environment."""
    code = f"import json; from {PACKAGE} import database as d; print(json.dumps([d.DATABASE_URL, d.POOL_SIZE]))"
    result = run([sys.executable, "-c", code], cwd=project, **env)
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_env_example_names_the_settings_read_with_their_defaults(bake: Bake, cell: Cell) -> None:
    project = bake_cell(bake, cell)
    lines = (project / ".env.example").read_text().splitlines()
    settings = dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))

    assert settings == {"DATABASE_URL": URLS[cell.backend], "DATABASE_POOL_SIZE": "10"}
    assert settings_of(project) == [settings["DATABASE_URL"], int(settings["DATABASE_POOL_SIZE"])]
    # The package reads these names: other values in them come through.
    assert settings_of(project, DATABASE_URL="sqlite:///./other.db", DATABASE_POOL_SIZE="3") == [
        "sqlite:///./other.db",
        3,
    ]


def dockerfile(project: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (project / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(instruction.upper(), arguments.strip()) for instruction, _, arguments in (s.partition(" ") for s in lines)]


def python_version_allowed(project: Path, version: str) -> bool:
    return Version(version) in SpecifierSet(pyproject(project)["project"]["requires-python"])


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_dockerfile_installs_the_project_and_serves_its_app(bake: Bake, cell: Cell) -> None:
    project = bake_cell(bake, cell)
    instructions = dockerfile(project)
    [image] = [arguments for instruction, arguments in instructions if instruction == "FROM"]
    assert image == f"python:{PYTHON}-slim" and python_version_allowed(project, PYTHON)

    copied = set()
    for instruction, arguments in instructions:
        if instruction == "COPY":
            *sources, _ = arguments.split()
            assert all((project / source).exists() for source in sources), arguments
            copied |= set(sources)
    needed = {"pyproject.toml", pyproject(project)["project"]["readme"], PACKAGE}
    if cell.orm == "sqlalchemy":
        needed |= {"alembic.ini", "migrations"}  # so the image can run `alembic upgrade head`
    assert copied == needed

    installs = [shlex.split(a) for i, a in instructions if i == "RUN" and "pip install" in a]
    assert len(installs) == 1
    command = installs[0][: installs[0].index("&&")] if "&&" in installs[0] else installs[0]
    assert command[:2] == ["pip", "install"] and command[-1] == "." and "-e" not in command

    [cmd] = [json.loads(arguments) for instruction, arguments in instructions if instruction == "CMD"]
    assert cmd == ["uvicorn", f"{PACKAGE}.main:app", "--host", "0.0.0.0", "--port", "8000"]
    assert ("EXPOSE", "8000") in instructions
    # The module path names the application.
    found = run([sys.executable, "-c", f"from {PACKAGE}.main import app; print(type(app).__name__)"], cwd=project)
    assert found.stdout.strip() == "FastAPI", found.stderr


def workflow(project: Path) -> dict[Any, Any]:
    text = (project / ".github" / "workflows" / "tests.yml").read_text()
    assert "${{" not in text  # nothing for the template engine to trip over
    loaded: dict[Any, Any] = yaml.safe_load(text)
    return loaded


def steps_run(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


SERVICES = {
    # backend: image prefix, port, the image's user, its variables for the password and the database
    "postgresql": ("postgres:", 5432, "postgres", "POSTGRES_PASSWORD", "POSTGRES_DB"),
    "mysql": ("mariadb:", 3306, "root", "MARIADB_ROOT_PASSWORD", "MARIADB_DATABASE"),
}


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_workflow_runs_lint_types_and_tests_on_the_right_python(bake: Bake, cell: Cell) -> None:
    project = bake_cell(bake, cell)
    loaded = workflow(project)
    # YAML 1.1 reads the key `on` as True.
    assert set(loaded[True]) == {"push", "pull_request"}
    [job] = loaded["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    uses = {step["uses"].split("@")[0]: step for step in job["steps"] if "uses" in step}
    assert uses.keys() == {"actions/checkout", "actions/setup-python"}
    assert str(uses["actions/setup-python"]["with"]["python-version"]) == PYTHON

    commands = steps_run(job)
    assert shlex.split(commands[0]) == ["python", "-m", "pip", "install", "-e", ".[test]"]
    # The very commands test_cells.py and test_migrations.py run in every cell.
    expected = ["ruff check .", "ruff format --check .", "mypy", "pytest"]
    if cell.orm == "sqlalchemy":
        expected.insert(3, "alembic upgrade head && alembic check")
    assert commands[1:] == expected

    if cell.backend == "sqlite":
        assert "services" not in job and "env" not in job
        return
    image, port, user, password_key, database_key = SERVICES[cell.backend]
    [service] = job["services"].values()
    assert service["image"].startswith(image) and "--health-cmd" in service["options"]
    assert service["ports"] == [f"{port}:{port}"]
    test_url = urlsplit(job["env"]["TEST_DATABASE_URL"])
    assert test_url.scheme == cell.backend and (test_url.hostname, test_url.port) == ("127.0.0.1", port)
    assert test_url.username == user
    assert test_url.password == service["env"][password_key]
    assert test_url.path == "/" + service["env"][database_key]
    if cell.orm == "sqlalchemy":
        [migrate] = [step for step in job["steps"] if "alembic" in step.get("run", "")]
        assert migrate["env"]["DATABASE_URL"] == job["env"]["TEST_DATABASE_URL"]


def test_pre_commit_runs_ruff_and_mypy(bake: Bake) -> None:
    project = bake(package_name=PACKAGE)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    repos = {repo["repo"]: repo for repo in config["repos"]}
    assert repos.keys() == {"https://github.com/astral-sh/ruff-pre-commit", "local"}

    ruff = repos["https://github.com/astral-sh/ruff-pre-commit"]
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
    assert re.fullmatch(r"v\d+\.\d+\.\d+", ruff["rev"])
    assert extra_requirement(project, "ruff").specifier.contains(ruff["rev"][1:])

    [mypy] = repos["local"]["hooks"]
    assert (mypy["id"], mypy["entry"], mypy["pass_filenames"]) == ("mypy", "mypy", False)
    # `unsupported` (formerly `system`): run the virtualenv's mypy, which sees the dependencies.
    assert mypy["language"] == "unsupported"
    assert Version(config["minimum_pre_commit_version"]) >= Version("4.4.0")
    assert extra_requirement(project, "mypy")


ANSWERS = {
    "project_name": "My Shop",
    "package_name": PACKAGE,
    "session_strategy": "middleware",
    "database_url": URLS["postgresql"],
}


def tree(project: Path) -> set[str]:
    return {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}


@pytest.mark.parametrize("orm", ORMS)
def test_recorded_answers_replay_to_the_same_project(bake: Bake, tmp_path: Path, orm: str) -> None:
    project = bake(**ANSWERS, orm=orm)
    text = (project / ".cookiecutter.json").read_text()
    recorded = json.loads(text)

    assert recorded == ANSWERS | {"orm": orm, "project_slug": "my-shop"}
    template_keys = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert list(recorded) == [key for key in template_keys if not key.startswith("_")]
    assert str(tmp_path) not in text and str(TEMPLATE) not in text

    replayed = bake(**recorded)
    assert tree(replayed) == tree(project)
    _, mismatch, errors = filecmp.cmpfiles(project, replayed, sorted(tree(project)), shallow=False)
    assert mismatch == errors == []
