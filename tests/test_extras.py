"""The files around the code: each is parsed, and what it says is checked against the project."""

import filecmp
import fnmatch
import http.server
import json
import os
import posixpath
import re
import shlex
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar
from unittest import mock
from urllib.parse import quote, unquote, urlsplit

import pytest
import uvicorn
import yaml
from dotenv import dotenv_values
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from .cells import BACKENDS, CELLS, ORMS, Cell
from .conftest import (
    PACKAGE,
    PLACEHOLDER_URLS,
    TEMPLATE,
    Bake,
    bake_placeholder,
    clean_env,
    dockerfile,
    dockerfile_cmd,
    dockerfile_env,
    dockerfile_uv_syncs,
    ok,
    project_files,
    pyproject,
    run,
    run_command,
    uvicorn_options,
)
from .server import serve

# The files around the code do not depend on the strategy or on sync/async.
EXTRAS_CELLS = [Cell(orm, "dependency", backend) for orm in ORMS for backend in BACKENDS]
PYTHON = "3.11"


def group_requirements(project: Path, group: str) -> dict[str, Requirement]:
    """A PEP 735 dependency group's requirements by package name, included groups resolved."""
    groups = pyproject(project)["dependency-groups"]
    found: dict[str, Requirement] = {}
    for entry in groups[group]:
        if isinstance(entry, dict):
            found |= group_requirements(project, entry["include-group"])
        else:
            requirement = Requirement(entry)
            found[requirement.name] = requirement
    return found


@pytest.mark.parametrize("cell", EXTRAS_CELLS, ids=lambda c: c.id)
def test_env_example_names_every_setting_with_its_default(bake: Bake, cell: Cell) -> None:
    project = bake_placeholder(bake, cell, package_name=PACKAGE)
    lines = (project / ".env.example").read_text().splitlines()
    example = dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))

    (project / ".env").unlink(missing_ok=True)  # the generated password, read below: the defaults alone
    defaults = settings_read(project)
    assert {variable.lower() for variable in example} == defaults.keys()
    # A placeholder for the password, and the URL without it.
    assert example["DATABASE_URL"] == without_password(PLACEHOLDER_URLS[cell.backend])
    assert example["DATABASE_PASSWORD"] == "" and defaults["database_password"] is None
    assert settings_read(project, **example) == defaults  # each value is the default, as the package reads it
    # The package reads these names: other values in them come through.
    other = {"DATABASE_URL": "sqlite:///./other.db", "DATABASE_POOL_SIZE": "3"}
    other |= {"DATABASE_POOLER": "pgbouncer", "MIGRATE_ON_STARTUP": "false", "DATABASE_PASSWORD": "x"}
    assert settings_read(project, **other) == {
        "database_url": "sqlite:///./other.db",  # no password goes into a SQLite URL
        "database_password": "**********",
        "database_pool_size": 3,
        "database_pooler": "pgbouncer",
        "migrate_on_startup": False,
    }
    # A server URL without a password gets DATABASE_PASSWORD's, percent-encoded; one with a password keeps it.
    server = {"DATABASE_URL": "postgresql://shop@db.internal:5432/shop", "DATABASE_PASSWORD": "p@ss/$HOME"}
    assert (
        settings_read(project, **server)["database_url"] == "postgresql://shop:p%40ss%2F%24HOME@db.internal:5432/shop"
    )
    server["DATABASE_URL"] = "postgresql://shop:own@db.internal:5432/shop"
    assert settings_read(project, **server)["database_url"] == server["DATABASE_URL"]


def without_password(url: str) -> str:
    """The URL with the password of its user info taken out."""
    return re.sub(r"(://[^:@/]*):[^@/]*@", r"\1@", url)


@pytest.mark.parametrize("orm", ORMS)
def test_test_tools_are_a_dependency_group_that_uv_sync_installs(bake: Bake, orm: str) -> None:
    project = bake(orm=orm, package_name=PACKAGE)
    declared = pyproject(project)
    assert "optional-dependencies" not in declared["project"]  # a group, not an extra
    test = group_requirements(project, "test")
    assert test.keys() == {"pytest", "httpx2", "ruff", "mypy"}
    # `uv sync` installs the `dev` group and nothing else by default; `--no-dev` (the image)
    # leaves out `dev`, and `test` with it, as long as no other group is made a default.
    assert group_requirements(project, "dev") == test
    assert "default-groups" not in declared.get("tool", {}).get("uv", {})
    # The versions the template's tests run the generated suites with are allowed.
    for name, requirement in test.items():
        assert requirement.specifier.contains(version(name)), (requirement, version(name))
    # config.py's settings class.
    assert "pydantic-settings" in {Requirement(r).name for r in declared["project"]["dependencies"]}


def python_version_allowed(project: Path, python: str) -> bool:
    return Version(python) in SpecifierSet(pyproject(project)["project"]["requires-python"])


UV_IMAGE = re.compile(r"--from=ghcr\.io/astral-sh/uv:(\d+\.\d+\.\d+) /uv /uvx /bin/")
# uv's own name for what `uv sync` installs by default: the `dev` group (which includes `test`).
DEFAULT_GROUPS = frozenset({"dev"})


def uv_calls(command: str, lock_committed: bool, folder: Path) -> list[list[str]]:
    """The arguments each `uv` of a shell command gets, the command run by sh as written in a folder
    with (or without) a committed uv.lock, and a stand-in for uv that only notes its arguments."""
    folder.mkdir(exist_ok=True)
    (folder / "uv.lock").unlink(missing_ok=True)
    if lock_committed:
        (folder / "uv.lock").touch()
    note = f"uv() {{ {shlex.quote(sys.executable)} -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \"$@\"; }}"
    result = ok(run(["sh", "-c", f"{note}\n{command}"], cwd=folder))
    return [json.loads(line) for line in result.stdout.splitlines()]


@dataclass(frozen=True)
class Sync:
    """What a `uv sync` installs, and whether it holds to uv.lock."""

    groups: frozenset[str]  # the dependency groups
    project: bool  # the project itself, besides its dependencies
    locked: bool  # exactly the lock's versions, failing if the lock is stale


def uv_sync(arguments: list[str]) -> Sync:
    """What uv makes of `uv sync`'s arguments, for the options the project's files use."""
    assert arguments[0] == "sync", arguments
    options = arguments[1:]
    meaning = {"--no-dev", "--no-install-project", "--locked"}
    assert set(options) <= meaning, f"say here what {set(options) - meaning} means"
    return Sync(
        groups=frozenset() if "--no-dev" in options else DEFAULT_GROUPS,
        project="--no-install-project" not in options,
        locked="--locked" in options,
    )


def uv_syncs(commands: list[str], folder: Path) -> dict[bool, list[Sync]]:
    """What the commands' `uv sync` calls install, with uv.lock committed (True) and without."""
    return {
        committed: [uv_sync(call) for command in commands for call in uv_calls(command, committed, folder)]
        for committed in (True, False)
    }


def pinned_uv(project: Path) -> str:
    [pinned] = [m[1] for i, a in dockerfile(project) if i == "COPY" and (m := UV_IMAGE.fullmatch(a))]
    return pinned


def served_config(options: dict[str, Any], environment: dict[str, str]) -> uvicorn.Config:
    """The configuration uvicorn serves with, from its command-line options in this environment."""
    names = ("host", "port", "workers", "proxy_headers", "forwarded_allow_ips", "timeout_graceful_shutdown")
    with mock.patch.dict(os.environ):
        for name in ("WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
            os.environ.pop(name, None)
        os.environ.update(environment)
        return uvicorn.Config(options["app"], **{name: options[name] for name in names})


@pytest.mark.parametrize("cell", EXTRAS_CELLS, ids=lambda c: c.id)
def test_dockerfile_installs_the_project_with_uv_and_serves_its_app(bake: Bake, cell: Cell, tmp_path: Path) -> None:
    project = bake_placeholder(bake, cell, package_name=PACKAGE)
    instructions = dockerfile(project)
    [image] = [arguments for instruction, arguments in instructions if instruction == "FROM"]
    assert image == f"python:{PYTHON}-slim" and python_version_allowed(project, PYTHON)
    assert pinned_uv(project)  # uv itself, at one pinned version
    [workdir] = [arguments for instruction, arguments in instructions if instruction == "WORKDIR"]
    assert workdir == "/app"

    copied = []
    for instruction, arguments in instructions:
        if instruction == "COPY" and not UV_IMAGE.fullmatch(arguments):
            *sources, _ = arguments.split()
            # uv.lock* copies the lock file when one is committed, and nothing otherwise.
            assert all((project / source).exists() for source in sources if source != "uv.lock*"), arguments
            copied.append(sources)
    dependencies = ["pyproject.toml", pyproject(project)["project"]["readme"], "uv.lock*"]
    assert copied == [dependencies, [PACKAGE]]  # the dependencies' layer first; no migration files (in the package)

    # Dependencies, then the project, each `--locked` once uv.lock is committed; no test tools.
    # Installed exactly when committed, and the build then fails if it is stale; else resolved anew.
    assert uv_syncs(dockerfile_uv_syncs(project), tmp_path / "sh") == {
        committed: [Sync(frozenset(), False, committed), Sync(frozenset(), True, committed)]
        for committed in (True, False)
    }
    assert not [a for i, a in instructions if i == "RUN" and "pip " in a]
    order = [i if i != "COPY" else a.split()[0] for i, a in instructions if i in {"COPY", "RUN"}]
    assert order.index(PACKAGE) == order.index("RUN") + 1  # the project's code after the dependencies' layer

    # The user that runs the app owns what it writes: the directory, and the SQLite volume's mount point.
    runs = [shlex.split(run_command(a)) for i, a in instructions if i == "RUN"]
    [user] = [r for r in runs if r[:3] == ["useradd", "--system", "app"]]
    owned = user[user.index("chown") + 2 :]
    assert owned == ([".", "data"] if cell.backend == "sqlite" else ["."])
    if cell.backend == "sqlite":
        assert user[user.index("mkdir") + 1] == "data"
    assert ("USER", "app") in instructions

    # uvicorn is the project environment's.
    environment = dockerfile_env(project)
    assert environment["PATH"] == f"{workdir}/.venv/bin:$PATH"
    [cmd, *arguments] = dockerfile_cmd(project)
    assert cmd == "uvicorn"
    options = uvicorn_options(arguments)
    assert options["app"] == f"{PACKAGE}.main:app"
    assert (options["host"], options["port"]) == ("0.0.0.0", 8000) and ("EXPOSE", "8000") in instructions
    assert not options["reload"] and options["uds"] is None and options["fd"] is None
    # The module path names the application.
    module, _, attribute = options["app"].partition(":")
    found = run([sys.executable, "-c", f"from {module} import {attribute}; print(type(app).__name__)"], cwd=project)
    assert found.stdout.strip() == "FastAPI", found.stderr


@pytest.mark.parametrize("cell", EXTRAS_CELLS, ids=lambda c: c.id)
def test_dockerfile_serves_like_production(bake: Bake, cell: Cell) -> None:
    """Workers and trusted proxies come from the environment, and SIGTERM stops it within a bound."""
    project = bake_placeholder(bake, cell, package_name=PACKAGE)
    image_env = {name: value for name, value in dockerfile_env(project).items() if name != "PATH"}
    options = uvicorn_options(dockerfile_cmd(project)[1:])
    # No option overrides what the environment says.
    assert options["workers"] is None and options["forwarded_allow_ips"] is None

    # In the image: one process, forwarded headers read, from the loopback only.
    served = served_config(options, image_env)
    assert served.workers == 1
    assert served.proxy_headers and set(served.forwarded_allow_ips.split(",")) == {"127.0.0.1", "::1"}
    # `docker run -e` / compose's `environment` change both.
    served = served_config(options, image_env | {"WEB_CONCURRENCY": "4", "FORWARDED_ALLOW_IPS": "10.0.0.0/8"})
    assert (served.workers, served.forwarded_allow_ips) == (4, "10.0.0.0/8")

    # A graceful stop, bounded: requests in flight get this long, then compose's SIGKILL waits longer.
    graceful = options["timeout_graceful_shutdown"]
    assert graceful is not None and 0 < graceful < seconds(compose(project)["services"]["app"]["stop_grace_period"])


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


@pytest.mark.parametrize("cell", EXTRAS_CELLS, ids=lambda c: c.id)
def test_workflow_runs_lint_types_and_tests_with_uv_on_the_right_python(bake: Bake, cell: Cell, tmp_path: Path) -> None:
    project = bake_placeholder(bake, cell, package_name=PACKAGE)
    loaded = workflow(project)
    # YAML 1.1 reads the key `on` as True.
    assert set(loaded[True]) == {"push", "pull_request"}
    [job] = loaded["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    uses = {step["uses"].split("@")[0]: step for step in job["steps"] if "uses" in step}
    assert uses.keys() == {"actions/checkout", "astral-sh/setup-uv"}
    setup_uv = uses["astral-sh/setup-uv"]
    # setup-uv publishes no moving major tag from v8 on: a release tag is the pin.
    assert re.fullmatch(r"v\d+\.\d+\.\d+", setup_uv["uses"].split("@")[1])
    assert setup_uv["with"] == {"version": pinned_uv(project), "python-version": PYTHON}

    [install, *checks] = steps_run(job)
    # The project with its default groups (the test tools among them), to the lock when committed.
    assert uv_syncs([install], tmp_path / "sh") == {
        True: [Sync(DEFAULT_GROUPS, True, True)],
        False: [Sync(DEFAULT_GROUPS, True, False)],
    }
    # The very commands test_cells.py and test_migrations.py run in every cell, each in the project's environment.
    expected = [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"], ["pytest"]]
    if cell.orm == "sqlalchemy":
        expected[3:3] = [["alembic", "upgrade", "head"], ["alembic", "check"]]
    assert [call for check in checks for call in uv_calls(check, False, tmp_path / "sh")] == [
        ["run", *command] for command in expected
    ]

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
    test_group = group_requirements(project, "test")

    ruff = repos["https://github.com/astral-sh/ruff-pre-commit"]
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
    assert re.fullmatch(r"v\d+\.\d+\.\d+", ruff["rev"])
    assert test_group["ruff"].specifier.contains(ruff["rev"][1:])

    [mypy] = repos["local"]["hooks"]
    assert (mypy["id"], mypy["entry"], mypy["pass_filenames"]) == ("mypy", "uv run mypy", False)
    # `unsupported` (formerly `system`): uv runs the project environment's mypy, which sees the
    # dependencies, at the version of the `test` group (the one the template's own tests run).
    assert mypy["language"] == "unsupported"
    assert Version(config["minimum_pre_commit_version"]) >= Version("4.4.0")
    assert test_group["mypy"].specifier.contains(version("mypy"))


class MissingVariable(Exception):
    """compose stops before it starts anything: `${NAME:?message}` with NAME unset or empty."""


# What compose reads in a value: `$$`, or `${NAME:?message}` (the only form the file may use).
COMPOSE_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Z_][A-Z0-9_]*):\?(?P<message>[^}]*)\}")


def interpolated(value: Any, variables: dict[str, str]) -> Any:
    """The file's values as compose uses them: `$$` is a `$`, `${NAME:?message}` NAME's value or a
    stop, and no other `$` may stand."""
    if isinstance(value, str):
        rest = COMPOSE_VARIABLE.sub("", value)
        assert "$" not in rest, f"compose would interpolate a variable in {value!r}"

        def substitute(match: re.Match[str]) -> str:
            if match[0] == "$$":
                return "$"
            if not variables.get(match["name"]):
                raise MissingVariable(f"required variable {match['name']} is missing a value: {match['message']}")
            return variables[match["name"]]

        return COMPOSE_VARIABLE.sub(substitute, value)
    if isinstance(value, dict):
        return {key: interpolated(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolated(item, variables) for item in value]
    return value


def compose_dotenv(project: Path) -> dict[str, str]:
    """`.env` next to compose.yaml as compose reads it for interpolation: `NAME=value`, a single-quoted
    value taken literally, comments and blank lines skipped. Any other form fails here."""
    path = project / ".env"
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Z_][A-Z0-9_]*)='([^']*)'", line)
        assert match, f"a line of .env that compose and python-dotenv might read differently: {line!r}"
        found[match[1]] = match[2]
    return found


def compose(project: Path, **shell: str) -> dict[str, Any]:
    """compose.yaml as compose uses it, with `.env` and these variables of the shell (which win)."""
    raw = yaml.safe_load((project / "compose.yaml").read_text())
    loaded: dict[str, Any] = interpolated(raw, compose_dotenv(project) | shell)
    return loaded


# backend: the image (pinned to a release line), its port, where it keeps its data, its health check.
DATABASE_SERVICES = {
    "postgresql": (r"postgres:\d+", 5432, "/var/lib/postgresql/data", ["pg_isready", "-h", "127.0.0.1"]),
    "mysql": (r"mariadb:\d+(\.\d+)?", 3306, "/var/lib/mysql", ["healthcheck.sh", "--connect"]),
}


def credentials(service: dict[str, Any]) -> tuple[str, str, str]:
    """User, password and database that the database image creates from its environment."""
    env = service["environment"]
    if service["image"].startswith("postgres:"):
        user = env.get("POSTGRES_USER", "postgres")
        # Without a password the image refuses to start, unless told to trust every connection.
        assert env.get("POSTGRES_PASSWORD") or env.get("POSTGRES_HOST_AUTH_METHOD") == "trust"
        return user, env.get("POSTGRES_PASSWORD", ""), env.get("POSTGRES_DB", user)
    if "MARIADB_USER" in env:
        # The image creates a user other than root only with a password.
        assert env["MARIADB_USER"] != "root" and env["MARIADB_PASSWORD"]
        assert {"MARIADB_ROOT_PASSWORD", "MARIADB_RANDOM_ROOT_PASSWORD"} & env.keys()
        return env["MARIADB_USER"], env["MARIADB_PASSWORD"], env["MARIADB_DATABASE"]
    assert env.get("MARIADB_ROOT_PASSWORD") or env.get("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD") == "1"
    return "root", env.get("MARIADB_ROOT_PASSWORD", ""), env["MARIADB_DATABASE"]


def seconds(duration: str) -> float:
    """A compose duration (`30s`, `1m30s`, `500ms`) in seconds."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def published(binding: str) -> tuple[str, range, int]:
    """A short-syntax port binding: the host address (empty: all), the host ports, the container's port."""
    *address, host_ports, container_port = binding.split(":")
    first, _, last = host_ports.partition("-")
    return "".join(address), range(int(first), int(last or first) + 1), int(container_port)


def probed_url(service: dict[str, Any]) -> str:
    """The URL a service's health check asks, with the image's Python (the image has no curl)."""
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    [url] = re.findall(r"https?://[^'\"\s]+", test[3])
    return url


def url_parts(url: str) -> tuple[str, int | None, str, str, str, str]:
    """Host, port, and the percent-decoded user, password and database of a database URL; its query."""
    parts = urlsplit(url)
    decoded = (unquote(parts.username or ""), unquote(parts.password or ""), unquote(parts.path.removeprefix("/")))
    return (parts.hostname or "", parts.port, *decoded, parts.query)


def connects_to(service: dict[str, Any]) -> tuple[str, int | None, str, str, str, str]:
    """What a service's DATABASE_URL connects to (`url_parts`), the password DATABASE_PASSWORD's, as
    config.py reads them; the URL itself names none."""
    environment = service["environment"]
    host, port, user, password, database, query = url_parts(environment["DATABASE_URL"])
    assert password == "", environment["DATABASE_URL"]
    return host, port, user, environment.get("DATABASE_PASSWORD", ""), database, query


# The image's tag names the PgBouncer release and the image's revision of it: no moving tag.
PGBOUNCER_IMAGE = re.compile(r"edoburu/pgbouncer:v\d+\.\d+\.\d+-p\d+")
PGBOUNCER_PORT = 5432  # the image's listen_port
POSTGRES_MAX_CONNECTIONS = 100  # the postgres image's default
DEFAULT_POOL_SIZE = 10  # DATABASE_POOL_SIZE's default, connections per process


def check_pgbouncer(pgbouncer: dict[str, Any], database: tuple[str, str, str], app_ports: range) -> None:
    """PgBouncer in transaction mode in front of `db`, for the same user and database, and healthy."""
    assert PGBOUNCER_IMAGE.fullmatch(pgbouncer["image"]), pgbouncer["image"]
    assert pgbouncer["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "ports" not in pgbouncer  # reached by the app inside compose's network only
    env = pgbouncer["environment"]
    assert env["POOL_MODE"] == "transaction"
    assert (env["DB_HOST"], int(env.get("DB_PORT", 5432))) == ("db", 5432)
    user, password, name = database
    assert (env["DB_USER"], env["DB_NAME"]) == (user, name)
    if password:
        # The image writes it into PgBouncer's list of users, where `""` stands for `"`.
        assert env["DB_PASSWORD"].replace('""', '"') == password
        # Plain-text password: PgBouncer answers PostgreSQL's SCRAM challenge itself.
        assert env["AUTH_TYPE"] == "scram-sha-256"
    else:
        assert "DB_PASSWORD" not in env and env["AUTH_TYPE"] == "trust"
    # Every replica the app's port range allows, with default pools, fits; PgBouncer fits PostgreSQL.
    assert len(app_ports) * DEFAULT_POOL_SIZE <= int(env["MAX_CLIENT_CONN"])
    assert int(env["DEFAULT_POOL_SIZE"]) < POSTGRES_MAX_CONNECTIONS
    check = pgbouncer["healthcheck"]
    test = check["test"]
    assert test[:4] == ["CMD", "pg_isready", "-h", "127.0.0.1"] and test[test.index("-p") + 1] == str(PGBOUNCER_PORT)
    assert check["retries"] * seconds(check["interval"]) >= 30


def check_compose(project: Path, baked_url: str, **shell: str) -> None:
    """compose.yaml starts the app (and its database, PgBouncer, the migrations) as the project's URL says,
    with the password from `.env` or the shell."""
    loaded = compose(project, **shell)
    services = loaded["services"]
    app = services["app"]
    assert app["build"] == "."
    # .env (DATABASE_POOL_SIZE, ...) reaches the app when there is one; `environment` wins over it.
    assert app["env_file"] == [{"path": ".env", "required": False}]
    app_url = app["environment"]["DATABASE_URL"]
    scheme = baked_url.split("://")[0]
    assert app_url.split("://")[0] == scheme  # the driver the project was made for

    # Healthy once ready: asked on the port the image's uvicorn listens on.
    options = uvicorn_options(dockerfile_cmd(project)[1:])
    package = options["app"].partition(".")[0]  # the one the image serves
    probe = urlsplit(probed_url(app))
    assert (probe.hostname, probe.port, probe.path) == ("127.0.0.1", options["port"], "/health/ready")
    # SIGKILL comes after the graceful stop the CMD allows.
    assert seconds(app["stop_grace_period"]) > options["timeout_graceful_shutdown"]
    # Published from the port uvicorn listens on, on all of the host's addresses.
    [binding] = app["ports"]
    address, host_ports, container_port = published(binding)
    assert container_port == options["port"] and address == ""
    assert "container_name" not in app  # which would forbid a second replica

    if scheme == "sqlite":
        assert services.keys() == {"app"}
        assert host_ports == range(8000, 8001)  # one container: the database is a file in its volume
        [volume] = app["volumes"]
        name, mount = volume.split(":")
        assert loaded["volumes"] == {name: None}  # a named volume
        database_file = PurePosixPath(app_url.removeprefix("sqlite:///"))
        assert database_file.parent == PurePosixPath(mount) and mount.startswith("/")
        assert database_file.name == PurePosixPath(baked_url.removeprefix("sqlite:///")).name
        # The image makes the mount point, owned by the app's user: the volume starts out so.
        assert mount == "/app/data"
        return

    backend = scheme.split("+")[0]
    assert services.keys() == {"app", "db", "migrate"} | ({"pgbouncer"} if backend == "postgresql" else set())
    # Scalable: `--scale app=3` finds a host port for each replica.
    assert host_ports[0] == 8000 and len(host_ports) >= 3

    db = services["db"]
    image, port, data, health = DATABASE_SERVICES[backend]
    assert re.fullmatch(image, db["image"]), db["image"]
    check = db["healthcheck"]["test"]
    assert check[0] == "CMD" and check[1 : 1 + len(health)] == health, check
    assert db["healthcheck"]["retries"] * seconds(db["healthcheck"]["interval"]) >= 30
    [volume] = db["volumes"]
    name, mount = volume.split(":")
    assert loaded["volumes"] == {name: None} and mount == data
    baked = urlsplit(baked_url)
    # Reachable from the host only, at the project URL's port.
    assert db["ports"] == [f"127.0.0.1:{baked.port or port}:{port}"]
    user, password, database = credentials(db)
    # Those of the project's URL, where it names them.
    assert database == unquote(baked.path.removeprefix("/"))
    if baked.username:
        assert user == unquote(baked.username)
    # The URL's password, which the generation put in `.env`, else the one the shell gives.
    assert password == (unquote(baked.password) if baked.password else shell.get("DATABASE_PASSWORD", ""))

    # The migrations: once, to the server itself, before the app; the app leaves the schema alone.
    migrate = services["migrate"]
    assert migrate["build"] == "." and migrate["env_file"] == app["env_file"]
    assert migrate["command"] == ["python", "-m", f"{package}.migrate"]
    assert "restart" not in migrate  # one-shot
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    migrate_url = migrate["environment"]["DATABASE_URL"]
    assert migrate_url.split("://")[0] == scheme
    assert connects_to(migrate) == ("db", port, user, password, database, baked.query)
    assert app["environment"]["MIGRATE_ON_STARTUP"] == "false"

    via = "pgbouncer" if backend == "postgresql" else "db"
    assert app["depends_on"] == {
        via: {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    if backend == "postgresql":
        check_pgbouncer(services["pgbouncer"], (user, password, database), host_ports)
        # The same user, password and database, through PgBouncer; no prepared statements there.
        assert connects_to(app) == ("pgbouncer", PGBOUNCER_PORT, user, password, database, baked.query)
        assert app["environment"]["DATABASE_POOLER"] == "pgbouncer"
    else:
        assert connects_to(app) == ("db", port, user, password, database, baked.query)
        assert "DATABASE_POOLER" not in app["environment"]


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_compose_starts_the_app_next_to_its_database(bake: Bake, cell: Cell) -> None:
    project = bake_placeholder(bake, cell, package_name=PACKAGE)
    check_compose(project, PLACEHOLDER_URLS[cell.backend])


# Every character a URL escapes, `$` that compose and python-dotenv could expand, and (not for
# PostgreSQL, whose PgBouncer's list of users cannot take it) a `"`.
AWKWARD = "p@ss:w/rd%?#&=+ ;$HOME$$}{"
AWKWARD_QUOTED = AWKWARD + '"'
ODD_URLS = [
    f"postgresql://{quote('us@er', safe='')}:{quote(AWKWARD, safe='')}@127.0.0.1:5999/app",
    "postgresql+psycopg://localhost/app",  # no user, password or port
    "postgresql://app@db.internal:5433/app?connect_timeout=5",
    "mysql://root:secret@localhost:3306/app",
    "mysql+pymysql://root@localhost/app",
    "mysql://app@localhost:3307/app",  # no password: compose's server is made with DATABASE_PASSWORD's
    f"mysql://{quote('u$er', safe='')}:{quote(AWKWARD_QUOTED, safe='')}@127.0.0.1:3306/{quote('shop-db', safe='')}",
    f"mysql://{quote('u$er', safe='')}:pa%2540%2f@127.0.0.1:3306/{quote('shop-db', safe='')}",
    "sqlite:////var/lib/shop/shop.db",
]


@pytest.mark.parametrize("url", ODD_URLS)
def test_compose_takes_any_url_s_credentials(bake: Bake, url: str) -> None:
    project = bake(database_url=url)
    if not url.startswith("sqlite"):
        # The server's password comes from the environment: without one compose stops, naming the variable.
        env_file = project / ".env"
        saved = env_file.read_text() if env_file.exists() else None
        env_file.unlink(missing_ok=True)
        with pytest.raises(MissingVariable, match=r"DATABASE_PASSWORD is missing a value: .*\.env"):
            compose(project)
        if saved is None:  # a URL without a password: the user gives one
            check_compose(project, url, DATABASE_PASSWORD="chosen $HOME")
            return
        env_file.write_text(saved)
    check_compose(project, url)


# A password for every form of which the tracked files are searched: percent-encoded it differs.
SECRET = "Sec$ret:%/p@w0rd"
QUOTE = '"'  # PostgreSQL's PgBouncer takes none; MariaDB does
SECRET_URLS = {
    "postgresql": f"postgresql://shop:{quote(SECRET, safe='')}@127.0.0.1:5432/shop",
    "mysql": f"mysql+pymysql://shop:{quote(SECRET + QUOTE, safe='')}@127.0.0.1:3306/shop",
}


@pytest.mark.parametrize("cell", [c for c in EXTRAS_CELLS if c.backend != "sqlite"], ids=lambda c: c.id)
def test_the_password_is_in_the_git_ignored_env_file_only(bake: Bake, cell: Cell) -> None:
    url = SECRET_URLS[cell.backend]
    encoded = urlsplit(url).password or ""
    password = unquote(encoded)
    project = bake(**cell.answers(url), package_name=PACKAGE)

    forms = {password, encoded, encoded.lower(), quote(password), json.dumps(password)[1:-1]}
    for name in project_files(project) - {".env"}:
        text = (project / name).read_text(encoding="utf-8")
        assert not [form for form in forms if form in text], f"the password in {name}"
    # .env has it, which compose (for compose.yaml's values) and python-dotenv (for the app) read alike;
    # only its owner can read it, and git leaves it out.
    assert compose_dotenv(project) == dotenv_values(project / ".env") == {"DATABASE_PASSWORD": password}
    assert (project / ".env").stat().st_mode & 0o077 == 0
    run(["git", "init", "-q"], cwd=project)
    ok(run(["git", "check-ignore", "-q", ".env"], cwd=project))
    # The package connects with it, from .env alone.
    assert url_parts(settings_read(project)["database_url"]) == url_parts(url)


@pytest.mark.parametrize("cell", EXTRAS_CELLS, ids=lambda c: c.id)
def test_compose_environment_is_what_the_package_reads(bake: Bake, cell: Cell) -> None:
    """Each variable compose sets for the app and the migrations is a setting, read as meant."""
    project = bake_placeholder(bake, cell, package_name=PACKAGE)
    services = compose(project)["services"]
    for name in services.keys() & {"app", "migrate"}:
        environment = services[name]["environment"]
        read = settings_read(project, **environment)
        assert {variable.lower() for variable in environment} <= read.keys(), name
        # The URL compose gives, with the password compose gives put in: what the app connects with.
        assert url_parts(read["database_url"]) == connects_to(services[name]), name
    app = settings_read(project, **services["app"]["environment"])
    assert app["migrate_on_startup"] is (cell.backend == "sqlite")  # compose's `migrate` does it
    assert app["database_pooler"] == ("pgbouncer" if cell.backend == "postgresql" else "none")


def settings_read(project: Path, **env: str) -> dict[str, Any]:
    """Every setting of the package, as it reads them from this environment."""
    code = f"from {PACKAGE}.config import settings; print(settings.model_dump_json())"
    result = run([sys.executable, "-c", code], cwd=project, **env)
    ok(result)
    read: dict[str, Any] = json.loads(result.stdout)
    return read


class Probed(http.server.BaseHTTPRequestHandler):
    """Answers every GET with `status`, and notes the path."""

    status: ClassVar[int] = 200
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def health_check(service: dict[str, Any], url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a service's health check command here, asking `url` in place of the container's address."""
    _, python, *arguments = service["healthcheck"]["test"]
    assert python == "python"  # the image's, on its PATH
    code = arguments[-1].replace(probed_url(service), url)
    return run([sys.executable, *arguments[:-1], code], cwd=cwd, timeout=30)


def test_app_health_check_passes_only_while_ready(bake: Bake, tmp_path: Path) -> None:
    app = compose(bake_placeholder(bake, Cell("sqlalchemy", "dependency", "postgresql"), package_name=PACKAGE))[
        "services"
    ]["app"]
    Probed.paths.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Probed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/health/ready"
    try:
        Probed.status = 200
        ok(health_check(app, url, tmp_path))
        Probed.status = 503  # the database does not answer
        assert health_check(app, url, tmp_path).returncode != 0
    finally:
        server.shutdown()
        server.server_close()
    assert Probed.paths == ["/health/ready", "/health/ready"]
    assert health_check(app, url, tmp_path).returncode != 0  # nothing listens


@pytest.mark.parametrize("orm", ORMS)
def test_compose_commands_run_on_the_project(bake: Bake, tmp_path: Path, orm: str) -> None:
    """`migrate` makes the schema, the app then serves without migrating, and its health check passes."""
    project = bake_placeholder(bake, Cell(orm, "dependency", "postgresql"), package_name=PACKAGE)
    services = compose(project)["services"]
    # On SQLite here: what the commands do does not depend on the server.
    database = tmp_path / "app.db"
    local = {"DATABASE_URL": f"sqlite:///{database}", "DATABASE_POOLER": "none"}

    python, *arguments = services["migrate"]["command"]
    assert python == "python"
    migrated = run([sys.executable, *arguments], cwd=project, **services["migrate"]["environment"] | local)
    ok(migrated)
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"users", "items"} <= tables

    env = clean_env(**services["app"]["environment"] | local)
    with serve(project, env=env, log=tmp_path / "server.log", app=f"{PACKAGE}.main:app") as server:
        checked = health_check(services["app"], f"{server.url}/health/ready", tmp_path)
        ok(checked)
        with urllib.request.urlopen(f"{server.url}/users/", timeout=10) as response:
            assert response.status == 200


def dockerignore(project: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """The rules of .dockerignore, in order: (an exception `!`, the paths it matches)."""
    rules = []
    for line in (project / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = posixpath.normpath(line.removeprefix("!").strip()).lstrip("/")
        rules.append((exception, re.compile(glob_regex(pattern))))
    return rules


def glob_regex(pattern: str) -> str:
    """Go's filepath.Match syntax, plus `**` for any number of directories, as Docker reads it."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        elif pattern[i] == "[":  # a class: `^` negates it, `\` escapes, in both syntaxes
            end = pattern.index("]", i + 2)
            regex, i = regex + pattern[i : end + 1], end + 1
        elif pattern[i] == "\\":
            regex, i = regex + re.escape(pattern[i + 1]), i + 2
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return regex


def in_build_context(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker sends this file: the last rule that matches it or a folder above it decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    left_out = False
    for exception, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            left_out = not exception
    return not left_out


# What a working copy holds besides the generated files.
LOCAL_FILES = [
    ".venv/pyvenv.cfg",
    ".venv/bin/python",
    ".git/HEAD",
    ".git/objects/ab/cdef0123",
    ".env",
    "uv.lock",
    f"{PACKAGE}.db",
    f"{PACKAGE}.db-wal",
    "data/app.db",
    ".pytest_cache/v/cache/nodeids",
    ".mypy_cache/3.11/shop/main.data.json",
    ".ruff_cache/0.15.0/123",
    "htmlcov/index.html",
    f"{PACKAGE}/__pycache__/main.cpython-311.pyc",
    "tests/__pycache__/test_users.cpython-311-pytest-9.0.pyc",
]


@pytest.mark.parametrize("orm", ORMS)
def test_dockerignore_keeps_the_build_context_to_what_the_dockerfile_copies(bake: Bake, orm: str) -> None:
    project = bake(orm=orm, package_name=PACKAGE)
    for name in LOCAL_FILES:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("")
    files = project_files(project)
    rules = dockerignore(project)
    context = {name for name in files if in_build_context(name, rules)}

    sources = [s for i, a in dockerfile(project) if i == "COPY" and not UV_IMAGE.fullmatch(a) for s in a.split()[:-1]]
    copied = {name for name in files if any(fnmatch.fnmatchcase(name, s) or name.startswith(f"{s}/") for s in sources)}
    # Exactly what the Dockerfile copies, less the bytecode of local runs.
    assert context == {name for name in copied if "__pycache__" not in name}
    package = {name for name in files if name.startswith(f"{PACKAGE}/") and "__pycache__" not in name}
    assert {"pyproject.toml", "README.md", "uv.lock"} | package <= context
    left_out = {".venv", ".git", ".env", "data", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache", "htmlcov"}
    assert not {name for name in context if name.split("/")[0] in left_out or ".db" in name}


ANSWERS = {
    "project_name": "My Shop",
    "package_name": PACKAGE,
    "session_strategy": "middleware",
    "database_url": PLACEHOLDER_URLS["postgresql"],
}


@pytest.mark.parametrize("orm", ORMS)
def test_recorded_answers_replay_to_the_same_project(bake: Bake, tmp_path: Path, orm: str) -> None:
    project = bake(**ANSWERS, orm=orm)
    text = (project / ".cookiecutter.json").read_text()
    recorded = json.loads(text)

    # Every answer, the database URL without its password (which `.env` holds).
    public = ANSWERS | {"database_url": without_password(ANSWERS["database_url"])}
    assert recorded == public | {"orm": orm, "use_async": False, "project_slug": "my-shop"}
    template_keys = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert list(recorded) == [key for key in template_keys if not key.startswith("_")]
    assert str(tmp_path) not in text and str(TEMPLATE) not in text

    # The same tracked files; the password stays the project's own, in `.env`.
    replayed = bake(**recorded)
    assert project_files(replayed) == project_files(project) - {".env"}
    _, mismatch, errors = filecmp.cmpfiles(project, replayed, sorted(project_files(replayed)), shallow=False)
    assert mismatch == errors == []
