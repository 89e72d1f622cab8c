"""Test setup: empty tables for every test, and a tracker of which request used which connection.

Tests use TEST_DATABASE_URL when set, else the project's database URL, and like the app
take the password of a URL that names none from DATABASE_PASSWORD (the environment or
`.env`). A SQLite URL is swapped for a throwaway file. On PostgreSQL or MySQL the tests drop the
app's tables in that database, let the app's startup create them, empty them
before each test and drop them at the end: point TEST_DATABASE_URL at a database
kept for tests.
"""

import contextlib
import itertools
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

PROJECT_DATABASE_URL = "{{ (cookiecutter.database_url | database_url_parts).public_url }}"
_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or PROJECT_DATABASE_URL
if _url.startswith("sqlite") and not os.environ.get("TEST_DATABASE_URL"):
    _url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'test.db'}"
os.environ["DATABASE_URL"] = _url

from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from {{ cookiecutter.package_name }} import crud  # noqa: E402
from {{ cookiecutter.package_name }}.config import settings  # noqa: E402
from {{ cookiecutter.package_name }}.main import app  # noqa: E402

from .database_helpers import drop_tables, empty_tables, listen_checkouts, listen_statements  # noqa: E402

current_request: ContextVar[int | None] = ContextVar("current_request", default=None)


Kind = Literal["take", "run", "give back"]


@dataclass
class Event:
    """A connection taken from the pool (or opened), a statement run on it, or its return."""

    kind: Kind
    request: int | None  # None: outside any request (startup, the tests' own queries)
    connection: object
    sql: str = ""


@dataclass
class RequestTracker:
    """An ASGI wrapper that numbers requests and records, in order, what each does
    with connections: take one, run SQL on it, give it back."""

    app: ASGIApp
    events: list[Event] = field(default_factory=list)
    last_request: int | None = None
    ids: "itertools.count[int]" = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = self.last_request = next(self.ids)
        token = current_request.set(request)
        try:
            await self.app(scope, receive, send)
        finally:
            current_request.reset(token)

    def record(self, kind: Kind, connection: object, sql: str = "") -> None:
        with self.lock:
            self.events.append(Event(kind, current_request.get(), connection, sql))

    def statements_of_last_request(self) -> list[str]:
        """The SQL of the request that started last, even if it ran none."""
        return [e.sql for e in self.events if e.kind == "run" and e.request == self.last_request]

    def shared_connections(self) -> list[tuple[int | None, int]]:
        """Pairs (holder, other): the other request ran SQL on a connection that the
        holder had taken and not given back yet."""
        holders: dict[int, int | None] = {}
        clashes = set()
        for event in self.events:
            key = id(event.connection)  # events keep their connections alive: ids stay unique
            if event.kind == "take":
                holders[key] = event.request
            elif event.kind == "give back":
                holders.pop(key, None)
            elif event.request is not None:
                # A connection taken before the tracker listened: its first user holds it.
                holder = holders.setdefault(key, event.request)
                if holder != event.request:
                    clashes.add((holder, event.request))
        return sorted(clashes, key=str)

    def connections_not_given_back(self) -> list[int | None]:
        """Who holds a connection now: requests, or None for the tests' own code."""
        held: dict[int, int | None] = {}
        for event in self.events:
            if event.kind == "take":
                held[id(event.connection)] = event.request
            elif event.kind == "give back":
                held.pop(id(event.connection), None)
        return sorted(held.values(), key=str)


def open_connections() -> int:
    """Database connections this process holds open, as the operating system sees them.

    SQLite connections are open handles on the database file; server connections
    are established TCP sockets to the server's port.
    """
    if sys.platform != "linux":
        pytest.skip("counting open connections reads /proc, which only Linux has")
    url = urlsplit(settings.database_url)
    handles = []
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):  # closed meanwhile by another thread
            handles.append(os.readlink(fd))
    if url.scheme == "sqlite":
        return handles.count(str(Path(url.path[1:]).resolve()))
    port = url.port or {"postgresql": 5432, "mysql": 3306}[url.scheme.split("+")[0]]
    sockets = {h[len("socket:[") : -1] for h in handles if h.startswith("socket:[")}
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            established = fields[3] == "01"
            count += established and remote_port == port and fields[9] in sockets
    return count


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
def tracker() -> Iterator[RequestTracker]:
    tracker = RequestTracker(app)
    removers = [
        listen_statements(lambda connection, sql: tracker.record("run", connection, sql)),
        listen_checkouts(
            lambda connection: tracker.record("take", connection),
            lambda connection: tracker.record("give back", connection),
        ),
    ]
    yield tracker
    for remove in removers:
        remove()


@pytest.fixture
def client(tracker: RequestTracker) -> Iterator[TestClient]:
    # Entering the client runs the app's startup, which creates the tables.
    with TestClient(tracker) as client:
        empty_tables()
        yield client
