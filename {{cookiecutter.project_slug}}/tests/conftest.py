"""Test setup: empty tables for every test, and a tracker of who ran what SQL.

Tests use TEST_DATABASE_URL when set, else the project's database URL. A SQLite
URL is swapped for a throwaway file. On PostgreSQL or MySQL the tests drop the
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
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROJECT_DATABASE_URL = "{{ cookiecutter.database_url }}"
_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or PROJECT_DATABASE_URL
if _url.startswith("sqlite") and not os.environ.get("TEST_DATABASE_URL"):
    _url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'test.db'}"
os.environ["DATABASE_URL"] = _url

from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from {{ cookiecutter.package_name }} import crud  # noqa: E402
from {{ cookiecutter.package_name }}.config import settings  # noqa: E402
from {{ cookiecutter.package_name }}.main import app  # noqa: E402

from .database_helpers import drop_tables, empty_tables, listen_statements  # noqa: E402

current_request: ContextVar[int | None] = ContextVar("current_request", default=None)


@dataclass
class Statement:
    request: int
    connection: object
    sql: str
    at: float


@dataclass
class RequestTracker:
    """An ASGI wrapper that tags each request and records the SQL it runs.

    A request holds a connection at least across its own statements on it. A GET
    never commits, so it holds the connection until its response starts: the
    connection goes back to the pool only when the request's session closes.
    """

    app: ASGIApp
    statements: list[Statement] = field(default_factory=list)
    response_started: dict[int, float] = field(default_factory=dict)
    reads: set[int] = field(default_factory=set)
    ids: "itertools.count[int]" = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = next(self.ids)
        token = current_request.set(request)
        if scope["method"] == "GET":
            self.reads.add(request)

        async def tracked_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.response_started[request] = time.monotonic()
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        finally:
            current_request.reset(token)

    def record(self, connection: object, sql: str) -> None:
        request = current_request.get()
        if request is not None:
            with self.lock:
                self.statements.append(Statement(request, connection, sql, time.monotonic()))

    def statements_of_last_request(self) -> list[str]:
        last = max(s.request for s in self.statements)
        return [s.sql for s in self.statements if s.request == last]

    def shared_connections(self) -> list[tuple[int, int]]:
        """Pairs of requests where one ran SQL on a connection the other held."""
        held: dict[tuple[int, int], tuple[float, float]] = {}
        for s in self.statements:
            since, until = held.get((s.request, id(s.connection)), (s.at, s.at))
            held[(s.request, id(s.connection))] = (min(since, s.at), max(until, s.at))
        clashes = set()
        for (holder, conn_id), (since, until) in held.items():
            if holder in self.reads:
                until = self.response_started.get(holder, float("inf"))
            for s in self.statements:
                if s.request != holder and id(s.connection) == conn_id and since < s.at < until:
                    clashes.add((holder, s.request))
        return sorted(clashes)


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
    remove_listener = listen_statements(tracker.record)
    yield tracker
    remove_listener()


@pytest.fixture
def client(tracker: RequestTracker) -> Iterator[TestClient]:
    # Entering the client runs the app's startup, which creates the tables.
    with TestClient(tracker) as client:
        empty_tables()
        yield client
