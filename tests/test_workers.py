"""A PostgreSQL project serves correctly from `uvicorn --workers 2`: no state is kept in a process.

The workers share one listening socket and the kernel picks which one accepts a
connection, often the same one many times over. So the test pauses one worker
(SIGSTOP) while it opens keep-alive connections, which the other must then accept,
and the server logs each request with the pid that served it to confirm. It then
writes through every connection at once and reads through each worker what the
other one wrote.

Each cell runs twice: straight to PostgreSQL, and through a transaction-mode PgBouncer,
where the two workers' startups must still take turns at the schema (a session lock
would be released on another server session, or never) and no request may rely on a
statement prepared in an earlier transaction.
"""

import http.client
import json
import os
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .cells import Cell, expected_tables, tables_of
from .conftest import Bake, clean_env
from .pgbouncer import POOLER_ENV
from .server import Server, serve

# One cell per ORM, with different strategies, and an async one.
WORKER_CELLS = [
    Cell("sqlalchemy", "middleware", "postgresql"),
    Cell("peewee", "dependency", "postgresql"),
    Cell("peewee", "middleware", "postgresql", use_async=True),
]
CONNECTIONS = 8  # keep-alive connections, each served by one worker
USERS_PER_CONNECTION = 3
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"pid": {"format": "%(process)d %(levelname)s %(message)s"}},
    "handlers": {"log": {"class": "logging.StreamHandler", "formatter": "pid", "stream": "ext://sys.stderr"}},
    "loggers": {
        name: {"handlers": ["log"], "level": "INFO", "propagate": False} for name in ["uvicorn", "uvicorn.access"]
    },
}


def worker_of(server: Server, client_port: int) -> int:
    """The pid of the worker that logged a request from this client port."""
    pattern = re.compile(rf"^(\d+) INFO 127\.0\.0\.1:{client_port} - ")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in server.lines():
            if match := pattern.match(line):
                return int(match.group(1))
        time.sleep(0.05)
    raise AssertionError(f"no request from port {client_port} in the server log:\n{server.log.read_text()}")


def workers(server: Server) -> list[int]:
    """The pids of the workers whose startup has completed."""
    return sorted({int(line.split()[0]) for line in server.lines() if "Application startup complete" in line})


@contextmanager
def serving(project: Path, tmp_path: Path, env: dict[str, str]) -> Iterator[Server]:
    """Run `uvicorn sql_app.main:app --workers 2` until both workers are up."""
    config = tmp_path / "log.json"
    config.write_text(json.dumps(LOG_CONFIG))
    args = ("--workers", "2", "--log-config", str(config))
    with serve(project, *args, env=env, log=tmp_path / "server.log", ready=lambda s: len(workers(s)) == 2) as s:
        yield s


def call(connection: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = connection.getresponse()
    payload = response.read()
    assert response.status == 200, f"{method} {path}: {response.status} {payload!r}"
    return json.loads(payload)


@pytest.mark.parametrize("through_pgbouncer", [False, True], ids=["direct", "pgbouncer"])
@pytest.mark.parametrize("cell", WORKER_CELLS, ids=lambda c: c.id)
def test_two_workers_serve_one_database(
    bake: Bake, cell: Cell, database_url: str, tmp_path: Path, through_pgbouncer: bool, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pgbouncer").through(database_url) if through_pgbouncer else database_url
    project = bake(**cell.answers(url))
    env = clean_env(**POOLER_ENV) if through_pgbouncer else clean_env()
    # The database is empty: both workers' startups bring the schema up to date, one at a time.
    with serving(project, tmp_path, env) as server:
        assert tables_of(cell, database_url) == expected_tables(cell)
        if cell.orm == "sqlalchemy":  # one startup migrated, the other found nothing to do
            with psycopg.connect(database_url) as conn:
                assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        connections: list[http.client.HTTPConnection] = []
        worker: dict[int, int] = {}  # id of a connection -> pid of the worker holding it
        try:
            first, second = workers(server)
            for pid, paused in ((first, second), (second, first)):
                os.kill(paused, signal.SIGSTOP)
                try:
                    for _ in range(CONNECTIONS // 2):
                        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                        connections.append(connection)
                        call(connection, "GET", "/users/")
                        worker[id(connection)] = worker_of(server, connection.sock.getsockname()[1])
                        assert worker[id(connection)] == pid
                finally:
                    os.kill(paused, signal.SIGCONT)

            def write(n: int) -> list[tuple[dict[str, Any], int]]:
                written = []
                for i in range(USERS_PER_CONNECTION):
                    new_user = {"email": f"u{n}-{i}@example.com", "password": "s3cret-pass"}
                    user = call(connections[n], "POST", "/users/", new_user)
                    call(connections[n], "POST", f"/users/{user['id']}/items/", {"title": f"item of {user['email']}"})
                    written.append((user, worker[id(connections[n])]))
                return written

            with ThreadPoolExecutor(CONNECTIONS) as pool:
                users = [entry for entries in pool.map(write, range(CONNECTIONS)) for entry in entries]
            emails = {user["email"] for user, _ in users}
            assert len(emails) == CONNECTIONS * USERS_PER_CONNECTION

            def read(n: int) -> int:
                """Check every user through connection n; count those another worker wrote."""
                reader = worker[id(connections[n])]
                listed = call(connections[n], "GET", "/users/?limit=100")
                assert {u["email"] for u in listed} == emails
                assert all([item["title"] for item in u["items"]] == [f"item of {u['email']}"] for u in listed)
                for user, writer in users:
                    if writer != reader:
                        assert call(connections[n], "GET", f"/users/{user['id']}")["email"] == user["email"]
                return sum(writer != reader for _, writer in users)

            with ThreadPoolExecutor(CONNECTIONS) as pool:
                assert all(pool.map(read, range(CONNECTIONS))), "a worker never read what the other one wrote"
        finally:
            for connection in connections:
                connection.close()
        problems = [line for line in server.lines() if re.search(r"Traceback|ERROR|WARNING| 500\b", line)]
        assert not problems, server.log.read_text()
