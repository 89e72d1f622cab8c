"""Statements and round trips per read in every PostgreSQL cell, on a warm pool: none may grow.

Each cell is served once, with its DATABASE_URL pointing at a counting proxy in front
of the real server (pg_proxy.py), given a few users with items, and warmed up (its
pool holds its connection, the drivers have prepared what they prepare). Then each
read runs a few times and everything the app sent to PostgreSQL in the meantime is
counted, cleanups after the response included: statements (each of a simple query's, an
empty one too, and one per Execute) and round trips (messages the app then waits on:
Sync, Query, Flush). `pytest tests/test_round_trips.py -rP` prints what each request ran.

LIMITS holds today's counts as upper bounds: a count that grows fails; one that
drops passes, and its row is lowered to match.
"""

import http.client
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from .cells import CELLS, POSTGRES_URL, Cell
from .conftest import Bake, clean_env
from .pg_proxy import Proxy, Traffic, counting_proxy
from .server import serve

USERS, ITEMS = 3, 2
WARMUP = 6  # requests per read before counting: psycopg prepares a query on its 6th run
REQUESTS = 3  # requests per read counted
READS = {"one": "GET /users/{id}", "list": "GET /users/?limit=100"}


@dataclass(frozen=True)
class Limit:
    statements: int
    round_trips: int


# Per request on a warm pool, (statements, round trips) of each read. Today:
# - SQLAlchemy (psycopg 3 sync, asyncpg async): BEGIN, the user joined to its items (a
#   page: the users, then their items), ROLLBACK; one round trip each. No pre-ping.
# - Peewee sync (psycopg 3): the user(s), then their items; no liveness check, no
#   transaction around a read.
# - Peewee async (asyncpg, no statement cache): the user(s) and their items, each prepared
#   unnamed (Parse, Describe, Flush) then bound and run (Bind, Execute, Sync): two round
#   trips each. The pool's reset on release runs no statement.
# Issue 18's aim: at most 3 statements per GET /users/{id}, 4 per GET /users/.
#                                              GET /users/{id}  GET /users/?limit=100
LIMITS = {
    "sqlalchemy-dependency-sync-postgresql": (Limit(3, 3), Limit(4, 4)),
    "sqlalchemy-middleware-sync-postgresql": (Limit(3, 3), Limit(4, 4)),
    "peewee-dependency-sync-postgresql": (Limit(2, 2), Limit(2, 2)),
    "peewee-middleware-sync-postgresql": (Limit(2, 2), Limit(2, 2)),
    "sqlalchemy-dependency-async-postgresql": (Limit(3, 3), Limit(4, 4)),
    "sqlalchemy-middleware-async-postgresql": (Limit(3, 3), Limit(4, 4)),
    "peewee-dependency-async-postgresql": (Limit(2, 4), Limit(2, 4)),
    "peewee-middleware-async-postgresql": (Limit(2, 4), Limit(2, 4)),
}
POSTGRES_CELLS = [cell for cell in CELLS if cell.backend == "postgresql"]


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: object = None) -> object:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = self.conn.getresponse()
        data = response.read()
        assert response.status == 200, f"{method} {path}: {response.status} {data[:300]!r}"
        return json.loads(data)


def seed(client: Client) -> list[int]:
    """Users with items, through the API; returns the users' ids."""
    ids = []
    for n in range(USERS):
        user = client.call("POST", "/users/", {"email": f"user{n}@example.com", "password": "a password"})
        assert isinstance(user, dict)
        ids.append(user["id"])
        for m in range(ITEMS):
            client.call("POST", f"/users/{user['id']}/items/", {"title": f"item {m}", "description": "text"})
    return ids


def counted(proxy: Proxy, client: Client, path: str) -> Traffic:
    """What the app sent to the database while serving one request, its cleanup included."""
    mark = proxy.mark()
    client.call("GET", path)
    proxy.settle()
    return proxy.since(mark)


def reads_counted(project: Path, database_url: str, log: Path) -> dict[str, list[Traffic]]:
    """Serve the project through a counting proxy; each read's traffic per request, warm."""
    with counting_proxy(POSTGRES_URL) as proxy:
        env = clean_env(DATABASE_URL=proxy.url(database_url))
        with serve(project, "--log-level", "warning", env=env, log=log) as server:
            client = Client(server.port)
            try:
                ids = seed(client)
                paths = {"one": [f"/users/{ids[n % USERS]}" for n in range(REQUESTS)]}
                paths["list"] = ["/users/?limit=100"] * REQUESTS
                for name in READS:
                    for _ in range(WARMUP):
                        client.call("GET", paths[name][0])
                proxy.settle()  # nothing left of the warm-up
                return {name: [counted(proxy, client, path) for path in paths[name]] for name in READS}
            finally:
                client.conn.close()


@pytest.mark.parametrize("cell", POSTGRES_CELLS, ids=lambda c: c.id)
def test_reads_keep_their_round_trips(bake: Bake, cell: Cell, database_url: str, tmp_path: Path) -> None:
    project = bake(**cell.answers(database_url))
    traffic = reads_counted(project, database_url, tmp_path / "server.log")
    for (name, read), limit in zip(READS.items(), LIMITS[cell.id], strict=True):
        requests = traffic[name]
        print(f"{cell.id}, {read}, the first of {REQUESTS} requests: {requests[0].describe()}")
        # Summed over the requests: a late cleanup counted with the next request still adds up.
        together = Traffic([record for request in requests for record in request.records])
        assert together.connections == 0, f"{read}: a warm pool opened a connection\n{together.describe()}"
        statements, round_trips = len(together.statements) / REQUESTS, together.round_trips / REQUESTS
        why = f"{read}: {statements:g} statements and {round_trips:g} round trips per request, over {limit}"
        assert statements <= limit.statements and round_trips <= limit.round_trips, f"{why}\n{together.describe()}"
