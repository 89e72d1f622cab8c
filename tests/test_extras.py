"""The files around the code: each is parsed, and what it says is checked against the project."""

import filecmp
import json
import re
import shlex
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from .cells import BACKENDS, CELLS, ORMS, Cell
from .conftest import TEMPLATE, Bake, run

# Placeholder URLs (nothing connects); the PostgreSQL one has a percent-encoded password.
URLS = {
    "sqlite": "sqlite:///./shop.db",
    "postgresql": "postgresql://shop:pa%40ss@db.internal:5432/shop",
    "mysql": "mysql+pymysql://shop:secret@db.internal:3306/shop",
}
# The files around the code do not depend on the strategy or on sync/async.
EXTRAS_CELLS = [Cell(orm, "dependency", backend) for orm in ORMS for backend in BACKENDS]
PACKAGE = "shop"  # not the default, so a hard-coded `sql_app` shows
PYTHON = "3.11"


def bake_cell(bake: Bake, cell: Cell) -> Path:
    return bake(**cell.answers(URLS[cell.backend]), package_name=PACKAGE)


def pyproject(project: Path) -> dict[str, Any]:
    return tomllib.loads((project / "pyproject.toml").read_text())


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


def settings_of(project: Path, **env: str) -> list[Any]:
    """The database URL and pool size as the package reads them from this environment."""
    code = (
        f"import json; from {PACKAGE}.config import settings as s; "
        "print(json.dumps([s.database_url, s.database_pool_size]))"
    )
    result = run([sys.executable, "-c", code], cwd=project, **env)
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


@pytest.mark.parametrize("cell", EXTRAS_CELLS, ids=lambda c: c.id)
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
    return [command for command in runs if command.startswith("uv sync")]


def python_version_allowed(project: Path, python: str) -> bool:
    return Version(python) in SpecifierSet(pyproject(project)["project"]["requires-python"])


UV_IMAGE = re.compile(r"--from=ghcr\.io/astral-sh/uv:(\d+\.\d+\.\d+) /uv /uvx /bin/")
# Installed exactly when committed, and the build then fails if it is stale; else resolved anew.
LOCKED_IF_COMMITTED = "$([ -f uv.lock ] && echo --locked)"


def pinned_uv(project: Path) -> str:
    [pinned] = [m[1] for i, a in dockerfile(project) if i == "COPY" and (m := UV_IMAGE.fullmatch(a))]
    return pinned


@pytest.mark.parametrize("cell", EXTRAS_CELLS, ids=lambda c: c.id)
def test_dockerfile_installs_the_project_with_uv_and_serves_its_app(bake: Bake, cell: Cell) -> None:
    project = bake_cell(bake, cell)
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
    assert dockerfile_uv_syncs(project) == [
        f"uv sync --no-dev --no-install-project {LOCKED_IF_COMMITTED}",
        f"uv sync --no-dev {LOCKED_IF_COMMITTED}",
    ]
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
    environment = [shlex.split(a) for i, a in instructions if i == "ENV"]
    assert [f"PATH={workdir}/.venv/bin:$PATH"] in environment
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


@pytest.mark.parametrize("cell", EXTRAS_CELLS, ids=lambda c: c.id)
def test_workflow_runs_lint_types_and_tests_with_uv_on_the_right_python(bake: Bake, cell: Cell) -> None:
    project = bake_cell(bake, cell)
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

    commands = steps_run(job)
    assert commands[0] == f"uv sync {LOCKED_IF_COMMITTED}"
    # The very commands test_cells.py and test_migrations.py run in every cell.
    expected = ["uv run ruff check .", "uv run ruff format --check .", "uv run mypy", "uv run pytest"]
    if cell.orm == "sqlalchemy":
        expected.insert(3, "uv run alembic upgrade head && uv run alembic check")
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


def interpolated(value: Any) -> Any:
    """The file's values as compose uses them: `$$` is a `$`, and no other `$` may stand (a variable)."""
    if isinstance(value, str):
        assert re.fullmatch(r"(?:[^$]|\$\$)*", value), f"compose would interpolate a variable in {value!r}"
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {key: interpolated(item) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolated(item) for item in value]
    return value


def compose(project: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = interpolated(yaml.safe_load((project / "compose.yaml").read_text()))
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


def check_compose(project: Path, baked_url: str) -> None:
    """compose.yaml starts the app (and its database) as the project's URL says."""
    loaded = compose(project)
    services = loaded["services"]
    app = services["app"]
    assert app["build"] == "." and app["ports"] == ["8000:8000"]
    # .env (DATABASE_POOL_SIZE, ...) reaches the app when there is one; `environment` wins over it.
    assert app["env_file"] == [{"path": ".env", "required": False}]
    app_url = app["environment"]["DATABASE_URL"]
    scheme = baked_url.split("://")[0]
    assert app_url.split("://")[0] == scheme  # the driver the project was made for

    if scheme == "sqlite":
        assert services.keys() == {"app"}
        [volume] = app["volumes"]
        name, mount = volume.split(":")
        assert loaded["volumes"] == {name: None}  # a named volume
        database_file = PurePosixPath(app_url.removeprefix("sqlite:///"))
        assert database_file.parent == PurePosixPath(mount) and mount.startswith("/")
        assert database_file.name == PurePosixPath(baked_url.removeprefix("sqlite:///")).name
        # The image makes the mount point, owned by the app's user: the volume starts out so.
        assert mount == "/app/data"
        return

    assert services.keys() == {"app", "db"}
    db = services["db"]
    image, port, data, health = DATABASE_SERVICES[scheme.split("+")[0]]
    assert re.fullmatch(image, db["image"]), db["image"]
    check = db["healthcheck"]["test"]
    assert check[0] == "CMD" and check[1 : 1 + len(health)] == health, check
    assert db["healthcheck"]["retries"] * int(db["healthcheck"]["interval"].removesuffix("s")) >= 30
    [volume] = db["volumes"]
    name, mount = volume.split(":")
    assert loaded["volumes"] == {name: None} and mount == data
    baked = urlsplit(baked_url)
    # Reachable from the host only, at the project URL's port.
    assert db["ports"] == [f"127.0.0.1:{baked.port or port}:{port}"]

    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    parts = urlsplit(app_url)
    assert (parts.hostname, parts.port) == ("db", port)  # the service, not localhost
    user, password, database = credentials(db)
    assert unquote(parts.username or "") == user
    assert unquote(parts.password or "") == password
    assert unquote(parts.path.removeprefix("/")) == database
    assert parts.query == baked.query
    # Those of the project's URL, where it names them.
    assert database == unquote(baked.path.removeprefix("/"))
    if baked.username:
        assert user == unquote(baked.username)
    if baked.password:
        assert password == unquote(baked.password)


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_compose_starts_the_app_next_to_its_database(bake: Bake, cell: Cell) -> None:
    project = bake_cell(bake, cell)
    check_compose(project, URLS[cell.backend])


AWKWARD = "p@ss:w/rd%?#&=+ ;$HOME"  # every character a URL escapes, and a `$` that compose would expand
ODD_URLS = [
    f"postgresql://{quote('us@er', safe='')}:{quote(AWKWARD, safe='')}@127.0.0.1:5999/app",
    "postgresql+psycopg://localhost/app",  # no user, password or port
    "postgresql://app@db.internal:5433/app?connect_timeout=5",
    "mysql://root:secret@localhost:3306/app",
    "mysql+pymysql://root@localhost/app",
    "mysql://app@localhost:3307/app",  # MariaDB makes such a user only with a password
    f"mysql://{quote('u$er', safe='')}:pa%2540%2f@127.0.0.1:3306/{quote('shop-db', safe='')}",
    "sqlite:////var/lib/shop/shop.db",
]


@pytest.mark.parametrize("url", ODD_URLS)
def test_compose_takes_any_url_s_credentials(bake: Bake, url: str) -> None:
    check_compose(bake(database_url=url), url)


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

    assert recorded == ANSWERS | {"orm": orm, "use_async": False, "project_slug": "my-shop"}
    template_keys = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert list(recorded) == [key for key in template_keys if not key.startswith("_")]
    assert str(tmp_path) not in text and str(TEMPLATE) not in text

    replayed = bake(**recorded)
    assert tree(replayed) == tree(project)
    _, mismatch, errors = filecmp.cmpfiles(project, replayed, sorted(tree(project)), shallow=False)
    assert mismatch == errors == []
