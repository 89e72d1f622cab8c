"""After the database server drops every connection (a restart, a failover), the app recovers.

The pool then holds connections the server no longer knows. Where nothing checks a connection
before use (a check costs a round trip on every request), the first request to draw a dead one
fails, and that failure clears the pool's other connections with it: at most that request
fails, none after it. Touch this when changing the pool's settings or how connections are checked.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import routes
from {{ cookiecutter.package_name }}.config import settings

from ..factories import PASSWORD, create_user
from .database_sessions import drop_every_connection
from .open_connections import open_connections


def test_after_the_server_drops_every_connection_at_most_one_request_fails(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = create_user(client)["id"]
    # Requests that overlap take a connection each: the pool then holds several.
    monkeypatch.setattr(routes, "SLOW_USERS_SECONDS", 0.3)
    size = settings.database_pool_size
    with ThreadPoolExecutor(max_workers=size) as pool:
        pooled = list(pool.map(lambda _: client.get("/slowusers/"), range(size)))
    assert [response.status_code for response in pooled] == [200] * size
    assert open_connections() > 1

    assert drop_every_connection() > 0

    outcomes = []
    for n in range(2 * size):  # more than the pool holds, reads and writes
        try:
            if n % 2:
                response = client.post(f"/users/{owner}/items/", json={"title": f"item {n}"})
            else:
                response = client.get("/users/")
            outcomes.append(str(response.status_code))
        except Exception as error:  # the app's error, raised through the test client
            outcomes.append(type(error).__name__)
    assert outcomes[1:] == ["200"] * (len(outcomes) - 1), outcomes
    # And a write after the failure is whole.
    signup = client.post("/users/", json={"email": "after@example.com", "password": PASSWORD})
    assert signup.status_code == 200
