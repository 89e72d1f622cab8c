"""Leaks: connections go back where they came from, whatever the request's outcome; no more are
ever open than the pool allows; requests that need none never wait for one.

The proof that the per-request plumbing (`deps.py`, `main.py`) gives every connection back.
Touch it when a new way for a request to end (a streaming answer, a background task) appears.
"""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import routes
from {{ cookiecutter.package_name }}.config import settings

from ..factories import PASSWORD, create_user
from .open_connections import open_connections
from .orm_hooks import listen_statements
from .tracking import RequestTracker

# Paths whose answers query nothing.
NO_DATABASE = ["/health/live", "/docs", "/redoc", "/openapi.json"]
# GET /items/'s query, in either ORM's spelling (quoted or not, the table aliased or not).
ITEMS_LISTING = re.compile(r"""(?s)^SELECT\s.*\sFROM\s+[`"]?items[`"]?(\s+AS\s+\S+)?\s+ORDER BY""")


def test_requests_leak_no_connections_even_when_they_fail(
    client: TestClient, tracker: RequestTracker, request: pytest.FixtureRequest
) -> None:
    user = create_user(client)
    taken = {"email": user["email"], "password": PASSWORD}

    def fail_after_listing_items(_: object, sql: str) -> None:
        if ITEMS_LISTING.search(sql):
            raise RuntimeError("raised inside the endpoint, after a query")

    remove = listen_statements(fail_after_listing_items)
    request.addfinalizer(remove)

    def send(n: int) -> int:
        if n % 6 == 0:
            return client.get("/users/99999").status_code
        if n % 6 == 1:
            return client.post("/users/", json=taken).status_code
        if n % 6 == 2:
            return client.post("/users/", json={"email": "nope"}).status_code
        if n % 6 == 3:
            return client.post("/users/99999/items/", json={"title": "x"}).status_code
        if n % 6 == 4:
            with pytest.raises(RuntimeError, match="inside the endpoint"):
                client.get("/items/")
            return 500
        return client.get(f"/users/{user['id']}").status_code

    # All at once, so that they run on many worker threads: a connection left behind
    # per thread then adds up, instead of being found again by the next request. Fewer
    # failing requests than the pool has connections: a leak fails below, not in a timeout.
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(send, range(12)))

    assert statuses == [404, 400, 422, 404, 500, 200] * 2
    assert tracker.connections_not_given_back() == [], "requests kept their connection"
    assert open_connections() <= settings.database_pool_size  # the pool's idle ones at most


def test_a_burst_never_opens_more_connections_than_the_pool(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "SLOW_USERS_SECONDS", 0.2)
    create_user(client)
    counts: list[int] = []

    def slow_request(_: int) -> int:
        status = client.get("/slowusers/").status_code
        counts.append(open_connections())
        return status

    with ThreadPoolExecutor(max_workers=3 * settings.database_pool_size) as pool:
        statuses = list(pool.map(slow_request, range(3 * settings.database_pool_size)))

    assert statuses == [200] * len(statuses)
    assert max(counts) <= settings.database_pool_size


def test_requests_that_need_no_connection_never_wait_for_one(
    client: TestClient, tracker: RequestTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages, their assets and probes that touch no database answer while every connection
    is taken."""
    # Held long enough for every holder to start, also on a loaded machine.
    monkeypatch.setattr(routes, "SLOW_USERS_SECONDS", 3)
    create_user(client)
    holders = settings.database_pool_size

    def held() -> int:
        return len(tracker.connections_not_given_back())

    with ThreadPoolExecutor(max_workers=holders) as pool:
        holding = [pool.submit(client.get, "/slowusers/") for _ in range(holders)]
        deadline = time.monotonic() + 10
        while (taken := held()) < holders and time.monotonic() < deadline:
            time.sleep(0.01)
        assert taken == holders  # every connection taken

        pages = [client.get(path) for path in NO_DATABASE]
        # What the documentation pages load from the app.
        assets = [p for page in pages for p in re.findall(r'(?:src|href)="(/[^"]*)"', page.text)]
        statuses = [client.get(path).status_code for path in NO_DATABASE + assets]
        # Answered while the slow requests still hold their connections: none waited for one.
        still_held = held()
        assert [request.result().status_code for request in holding] == [200] * holders

    assert assets and statuses == [200] * len(statuses)
    assert still_held == holders
