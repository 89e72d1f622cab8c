"""Fixtures every test gets: its own database, empty tables, a client of the app.

Tests use TEST_DATABASE_URL when set, else the project's database URL, and like the app
take the password of a URL that names none from DATABASE_PASSWORD (the environment or
`.env`). A SQLite URL is swapped for a throwaway file. On PostgreSQL or MySQL the tests drop the
app's tables in that database, let the app's startup create them, empty them
before each test and drop them at the end: point TEST_DATABASE_URL at a database
kept for tests.
"""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_DATABASE_URL = "{{ (cookiecutter.database_url | database_url_parts).public_url }}"
_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or PROJECT_DATABASE_URL
if _url.startswith("sqlite") and not os.environ.get("TEST_DATABASE_URL"):
    _url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'test.db'}"
os.environ["DATABASE_URL"] = _url

from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from starlette.types import ASGIApp  # noqa: E402

from {{ cookiecutter.package_name }} import crud  # noqa: E402
from {{ cookiecutter.package_name }}.main import app as the_app  # noqa: E402

from .database_helpers import drop_tables, empty_tables  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def tables() -> Iterator[None]:
    drop_tables()  # the first startup builds the schema from nothing
    yield
    drop_tables()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real Argon2, with parameters cheap enough for hundreds of sign-ups.
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(crud, "password_hasher", cheap)


@pytest.fixture
def app() -> ASGIApp:
    """What the client sends its requests to: the app itself (tests/plumbing/ wraps it)."""
    return the_app


@pytest.fixture
def client(app: ASGIApp) -> Iterator[TestClient]:
    # Entering the client runs the app's startup, which creates the tables.
    with TestClient(app) as client:
        empty_tables()
        yield client
