"""Cancellation: requests cancelled mid-flight (a client hanging up, a timeout, a server's
shutdown) leave no connection or transaction behind, and the pool still serves.

The proof that the per-request plumbing cleans up when cut short, checked by the tracker, the
pool's own books, the database's sessions and this process's open connections. Touch it when
the app's engine, pool or per-request plumbing changes.
"""

import asyncio
import gc
import json
import sys
import time
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from {{ cookiecutter.package_name }} import routes
from {{ cookiecutter.package_name }}.config import settings

from ..factories import PASSWORD, create_item, create_user
from .database_sessions import database_sessions
from .open_connections import open_connections
from .orm_hooks import connections_in_use, listen_statement_starts
from .tracking import RequestTracker

CANCEL_STEP = 0.005  # seconds between two requests' cancellations
# Rounds of those: a race that strands a connection in about one round of five
# (a cancellation landing just as a new connection is made) shows within them. A
# round takes 0.3 to 0.6 s, but one in which SQLite makes writers wait for a lock
# takes its busy timeout (5 s): no round starts after STAGGERED_SECONDS.
STAGGERED_ROUNDS = 20
STAGGERED_SECONDS = 6
REQUESTS = [
    ("GET", "/slowusers/", None),  # holds its connection while it waits
    ("GET", "/users/", None),
    ("POST", "/users/", "a new user"),  # cancelled in or around its transaction
    ("POST", "/users/{owner}/items/", {"title": "Pen"}),
    ("GET", "/users/{owner}", None),
]


async def call(client: TestClient, method: str, path: str, body: Any = None) -> None:
    """One request straight into the ASGI app, whose client never hangs up by itself."""
    payload = json.dumps(body).encode() if body is not None else b""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }  # fmt: skip
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await anyio.sleep_forever()  # until cancelled
        raise AssertionError("unreachable")

    async def send(_: Message) -> None:
        pass

    await client.app(scope, receive, send)


@pytest.mark.parametrize("how", ["cancel scope", "task.cancel()"])
def test_cancelled_requests_leak_nothing(
    client: TestClient, tracker: RequestTracker, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setattr(routes, "SLOW_USERS_SECONDS", 0.4)  # past the last cancellation
    owner = create_user(client)["id"]
    create_item(client, owner)

    def requests(attempt: int) -> list[tuple[TestClient, str, str, Any]]:
        calls = []
        for n in range(4 * settings.database_pool_size):  # most are waiting for a connection
            method, path, body = REQUESTS[n % len(REQUESTS)]
            if body == "a new user":
                body = {"email": f"cancelled{attempt}-{n}@example.com", "password": PASSWORD}
            calls.append((client, method, path.format(owner=owner), body))
        return calls

    async def cancel_requests_in_flight(calls: list[tuple[TestClient, str, str, Any]]) -> None:
        if how == "cancel scope":  # anyio's: every later await in the scope is cancelled too
            # All at one moment, the way a cancel scope ends every request in it.
            async with anyio.create_task_group() as group:
                for args in calls:
                    group.start_soon(call, *args)
                await anyio.sleep(0.3)
                group.cancel_scope.cancel()
        else:  # asyncio's, as a server's shutdown timeout sends: one CancelledError
            # Each request is cancelled at its own moment, 0 to 0.2 s in: waiting for a
            # connection, connecting, in a query or a transaction, in a worker thread...
            loop = asyncio.get_running_loop()
            tasks = [asyncio.create_task(call(*args)) for args in calls]
            running = {}  # whether each request was still running when cancelled

            def cancel(n: int) -> None:
                running[n] = tasks[n].cancel()

            for n in range(len(tasks)):
                loop.call_later(n * CANCEL_STEP, cancel, n)
            ended = await asyncio.gather(*tasks, return_exceptions=True)
            # ...and ends as cancelled, not with an error its cleanup raised instead,
            errors = [e for e in ended if isinstance(e, Exception)]  # CancelledError is not one
            assert [repr(e) for e in errors] == []
            # nor answered as if nothing happened (its cancellation swallowed on the way).
            answered = [n for n, t in enumerate(tasks) if running.get(n) and not t.cancelled()]
            assert answered == [], [calls[n][2] for n in answered]

    assert client.portal is not None
    deadline = time.monotonic() + STAGGERED_SECONDS
    for attempt in range(1 if how == "cancel scope" else STAGGERED_ROUNDS):
        if attempt and time.monotonic() > deadline:
            break
        client.portal.call(cancel_requests_in_flight, requests(attempt))
        assert_nothing_left_behind(tracker)
    # And the pool still serves.
    monkeypatch.setattr(routes, "SLOW_USERS_SECONDS", 0)
    assert client.get("/slowusers/").status_code == 200
    assert client.get(f"/users/{owner}").json()["items"][0]["title"] == "Pen"


def test_a_write_cancelled_during_its_insert_leaves_nothing(
    client: TestClient, tracker: RequestTracker
) -> None:
    """The cancellation lands while the database runs the request's INSERT, in its transaction."""
    owner = create_user(client)["id"]
    assert client.portal is not None
    loop = client.portal.call(asyncio.get_running_loop)
    request: list[asyncio.Task[None]] = []

    def cancel_the_request(sql: str) -> None:
        if sql.lstrip().upper().startswith("INSERT"):
            # From the loop's next turn, once the statement has been sent.
            loop.call_soon_threadsafe(request[0].cancel)

    async def write_and_cancel() -> BaseException | None:
        request.append(
            asyncio.create_task(call(client, "POST", f"/users/{owner}/items/", {"title": "Pen"}))
        )
        [ended] = await asyncio.gather(*request, return_exceptions=True)
        return ended

    remove = listen_statement_starts(cancel_the_request)
    try:
        ended = client.portal.call(write_and_cancel)
    finally:
        remove()

    # Cancelled, not failed with an error its cleanup raised instead.
    assert isinstance(ended, asyncio.CancelledError), repr(ended)
    assert_nothing_left_behind(tracker)
    assert client.post(f"/users/{owner}/items/", json={"title": "Cup"}).status_code == 200


def assert_nothing_left_behind(tracker: RequestTracker) -> None:
    gc.collect()  # a session or connection dropped unclosed would warn here

    def left_behind() -> tuple[list[int | None], int, list[str], int, int]:
        """Connections not given back, and how many the pool still counts as handed out
        (it may count one that never reached the app), the database's sessions in a
        transaction, how many sessions, and how many connections this process has open."""
        sessions = database_sessions()
        in_transaction = [state for state, busy in sessions if busy]
        in_use = connections_in_use() or 0  # None: no pool to count
        found = tracker.connections_not_given_back(), in_use, in_transaction, len(sessions)
        # Counted from /proc, which only Linux has (elsewhere open_connections() skips).
        return *found, open_connections() if sys.platform == "linux" else 0

    def settled(found: tuple[list[int | None], int, list[str], int, int]) -> bool:
        return found[:3] == ([], 0, []) and found[4] <= settings.database_pool_size

    # What a cancelled request gives back may take a moment: the work it started ends,
    # a connection discarded mid-query closes.
    deadline = time.monotonic() + 15
    while not settled(found := left_behind()) and time.monotonic() < deadline:
        time.sleep(0.1)
    not_given_back, in_use, in_transaction, sessions, opened = found
    assert not_given_back == []
    assert in_use == 0, "the pool counts connections as handed out that no request holds"
    assert in_transaction == []
    assert sessions <= settings.database_pool_size
    assert opened <= settings.database_pool_size  # the pool's idle ones at most
