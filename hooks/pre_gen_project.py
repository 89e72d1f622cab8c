"""Refuse answers that would generate a broken project, before anything is written.

Reads the answers as data. Standard library only. A refusal exits non-zero with one
line naming the answer, the value given and an example of a good one; cookiecutter
then removes the project folder it created. Cookiecutter renders the answers into the
`__main__` block alone, so the checks import and test as they are.
"""

import json
import keyword
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import unquote, urlsplit

# Names a package must not take: it would shadow a module that the project, its
# dependencies or its test tools import. tests/test_package_names.py fails when a module
# that any cell's dependencies install, directly or not, is missing here.
TAKEN_NAMES = set(sys.stdlib_module_names) | {
    # The project's own top-level names.
    "migrations", "test", "tests",
    # What a virtual environment holds itself: pip, and setuptools on Python 3.11.
    "_distutils_hack", "pip", "pkg_resources", "setuptools",
    # Installed on Windows only: colorama (for click and pytest), tzdata (for psycopg).
    "colorama", "tzdata",
    # Every cell's dependencies and test tools, and theirs: each top-level module they install
    # (aiomysql also installs `docs` and `examples`; pytest `py`).
    "_argon2_cffi_bindings", "_cffi_backend", "_pytest", "aiomysql", "aiosqlite", "alembic",
    "annotated_doc", "annotated_types", "anyio", "argon2", "ast_serialize", "asyncpg", "cffi",
    "click", "dns", "docs", "dotenv", "email_validator", "examples", "fastapi", "fastapi_offline",
    "greenlet", "h11", "httpcore2", "httpx", "httpx2", "idna", "iniconfig", "librt", "mako",
    "markupsafe", "mypy", "mypy_extensions", "mypyc", "opentelemetry", "packaging", "pathspec",
    "peewee", "playhouse", "pluggy", "psycopg", "psycopg_binary", "pwiz", "py", "pycparser",
    "pydantic", "pydantic_core", "pydantic_settings", "pygments", "pymysql", "pytest", "ruff",
    "sqlalchemy", "starlette", "truststore", "typing_extensions", "typing_inspection", "uvicorn",
}  # fmt: skip
# pyproject.toml's [project].name is the slug: a distribution name (PEP 508) as it is.
DISTRIBUTION_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
SERVER_SCHEMES = {"postgresql", "postgresql+psycopg", "mysql", "mysql+pymysql"}
URL_EXAMPLES = (
    "sqlite:///./app.db, postgresql://user:password@localhost:5432/app or mysql://user:password@localhost:3306/app"
)
# Characters a URL never needs unescaped; refused so the value stays plain data.
UNSAFE_URL_CHARS = re.compile(r"[\s\"'\\`{}<>]")


class Refused(Exception):
    def __init__(self, answer: str, value: str, problem: str, example: str) -> None:
        super().__init__(f"{answer}={value!r} is refused: {problem}. Example: {example}")


def check_project_slug(slug: str) -> None:
    example = "my-sql-app"
    if not slug.strip():
        raise Refused("project_slug", slug, "it is empty", example)
    if "/" in slug or "\\" in slug or slug == "." or ".." in slug:
        raise Refused("project_slug", slug, "it must be one directory name, not a path", example)
    if slug != slug.strip() or any(not char.isprintable() for char in slug):
        raise Refused("project_slug", slug, "no control characters or edge spaces", example)
    if not DISTRIBUTION_NAME.fullmatch(slug):
        raise Refused(
            "project_slug",
            slug,
            "it names the distribution too: ASCII letters and digits, with . _ - between them",
            example,
        )


def check_package_name(name: str) -> None:
    example = "sql_app"
    if not name.isidentifier() or not name.isascii():
        raise Refused("package_name", name, "it must be a Python identifier (ASCII)", example)
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise Refused("package_name", name, "it is a Python keyword", example)
    if name.lower() in TAKEN_NAMES:
        raise Refused("package_name", name, "it would shadow a module the project imports", example)


def check_database_url(url: str) -> None:
    def refuse(problem: str) -> Refused:
        return Refused("database_url", url, problem, URL_EXAMPLES)

    if UNSAFE_URL_CHARS.search(url) or not url.isprintable():
        raise refuse("it contains spaces, quotes, braces or backslashes (percent-encode them)")
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise refuse("it is not a URL")
    if scheme == "sqlite":
        # sqlite://name.db (two slashes) reads as a host name and gives an
        # in-memory database in both ORMs; a file path needs three slashes.
        if not rest.startswith("/") or rest in {"/", "/:memory:"} or "?" in rest:
            raise refuse("SQLite needs a file path after three slashes")
        return
    if scheme not in SERVER_SCHEMES:
        raise refuse(f"the scheme {scheme!r} is not supported")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise refuse("the port is not a number") from None
    if not parts.hostname:
        raise refuse("it names no host")
    if not parts.path.strip("/") or "/" in parts.path.strip("/"):
        raise refuse("it names no database (one path segment after the host)")
    # The password goes to `.env` in single quotes (post_gen_project.py), which compose reads
    # literally and python-dotenv (the app's reader) reads with \\, \' and ${VAR} decoded.
    password = unquote(parts.password or "")
    if any(text in password for text in ("'", "\\", "${")) or not password.isprintable():
        raise refuse(
            "its password holds a ', \\, ${ or a control character, which .env cannot give compose and the app alike"
        )
    if '"' in password and scheme.startswith("postgresql"):
        raise refuse("its password holds a \", which PgBouncer's list of users cannot take from compose's environment")


def check_cookiecutter_version() -> None:
    # Before 2.7, booleans given on the command line arrive as strings that read as true.
    try:
        found = version("cookiecutter")
    except PackageNotFoundError:  # run some other way: nothing to check
        return
    if tuple(int(part) for part in re.findall(r"\d+", found)[:2]) < (2, 7):
        sys.exit(f"ERROR: cookiecutter {found} is too old for this template: pip install 'cookiecutter>=2.7'")


def main(answers: dict[str, Any]) -> None:
    check_cookiecutter_version()
    try:
        check_project_slug(answers["project_slug"])
        check_package_name(answers["package_name"])
        check_database_url(answers["database_url"])
    except Refused as refusal:
        sys.exit(f"ERROR: {refusal}")


if __name__ == "__main__":
    main(json.loads(r"""{{ cookiecutter | tojson }}"""))
