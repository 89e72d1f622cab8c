"""PostgreSQL cells behind a transaction-mode PgBouncer (the pooler many hosted databases put
in front of PostgreSQL): their own tests pass, and readiness follows the pooler going away and
coming back.

Through a transaction pooler, consecutive transactions of one client may run on different
server sessions, so nothing may outlive a transaction on the server: not a prepared
statement (psycopg 3 prepares a query it has run 5 times, asyncpg prepares every query),
not a session-level advisory lock. (Two workers starting together through PgBouncer are
in test_workers.py.)
"""

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .cells import CELLS, Cell
from .conftest import Bake, assert_suite_passed, clean_env, run_generated_suite
from .pgbouncer import POOLER_ENV, PgBouncer
from .server import Server, serve

POSTGRES_CELLS = [cell for cell in CELLS if cell.backend == "postgresql"]
# Sync and async of both ORMs, each strategy twice.
READINESS_CELLS = [
    Cell("sqlalchemy", "dependency", "postgresql"),
    Cell("sqlalchemy", "middleware", "postgresql", use_async=True),
    Cell("peewee", "middleware", "postgresql"),
    Cell("peewee", "dependency", "postgresql", use_async=True),
]
# PgBouncer trusts its clients and never asks for it: a password that must not leak.
PASSWORD = "s3cret-pw"
UNREADY_WITHIN = 5  # seconds from the database going away to a 503
READY_AGAIN_WITHIN = 10  # seconds from the database coming back to a 200


@pytest.mark.parametrize("cell", POSTGRES_CELLS, ids=lambda c: c.id)
def test_generated_suite_passes_through_pgbouncer(
    bake: Bake, cell: Cell, database_url: str, pgbouncer: PgBouncer
) -> None:
    """The cell's own suite, every request and every test query through the pooler."""
    project = bake(**cell.answers(pgbouncer.through(database_url)))
    assert_suite_passed(run_generated_suite(project, **POOLER_ENV))


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{password}@{parts.hostname}:{parts.port}"))


def get(server: Server, path: str, timeout: float) -> tuple[int, str, float]:
    """The status, body and seconds of one GET; a request unanswered by `timeout` fails the test."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{server.url}{path}", timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except TimeoutError:
        pytest.fail(f"GET {path} had no answer after {timeout} s; the server's log:\n{server.log.read_text()}")
    return status, body.decode(errors="replace"), time.monotonic() - started


def assert_live(server: Server) -> None:
    """Liveness never asks the database: a pooler gone must not get the app restarted."""
    status, body, _ = get(server, "/health/live", timeout=2)
    assert status == 200, body


def assert_unready(server: Server, pgbouncer: str) -> None:
    for _ in range(2):  # the failure that noticed it, and the next request
        status, body, seconds = get(server, "/health/ready", timeout=UNREADY_WITHIN + 1)
        assert status == 503, f"PgBouncer {pgbouncer}: {status} {body}"
        assert seconds < UNREADY_WITHIN, f"PgBouncer {pgbouncer}: the 503 took {seconds:.1f} s"
        detail = json.loads(body)["detail"]
        assert "database" in detail.lower() and "unavailable" in detail.lower(), body
        assert PASSWORD not in body
    assert_live(server)


def assert_ready_again(server: Server, pgbouncer: str) -> None:
    """Ready again by itself, without a restart, once the database is back."""
    deadline = time.monotonic() + READY_AGAIN_WITHIN
    while (answer := get(server, "/health/ready", timeout=UNREADY_WITHIN + 1))[0] != 200:
        assert time.monotonic() < deadline, f"not ready {READY_AGAIN_WITHIN} s after PgBouncer {pgbouncer}: {answer}"
        time.sleep(0.2)
    assert_live(server)


@pytest.mark.parametrize("cell", READINESS_CELLS, ids=lambda c: c.id)
def test_readiness_follows_pgbouncer(
    bake: Bake, cell: Cell, database_url: str, pgbouncer: PgBouncer, tmp_path: Path
) -> None:
    """/health/ready says 503 soon after the pooler stops or hangs, and 200 soon after it is
    back; /health/live says 200 throughout; no answer or log line shows the password."""
    project = bake(**cell.answers(with_password(pgbouncer.through(database_url), PASSWORD)))
    with serve(project, env=clean_env(**POOLER_ENV), log=tmp_path / "server.log") as server:
        status, body, _ = get(server, "/health/ready", timeout=UNREADY_WITHIN + 1)
        assert status == 200, body
        assert_live(server)

        pgbouncer.stop()  # connections refused, the pooled ones dropped
        assert_unready(server, "stopped")
        pgbouncer.start()  # on the same port
        assert_ready_again(server, "started again")

        pgbouncer.pause()  # connections hang: only the app's own timeout ends the wait
        assert_unready(server, "paused")
        pgbouncer.resume()
        assert_ready_again(server, "resumed")
    assert PASSWORD not in server.log.read_text()
