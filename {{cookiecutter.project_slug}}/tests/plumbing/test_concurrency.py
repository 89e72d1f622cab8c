"""Connection isolation: many simultaneous requests, slow ones among them, each run their SQL on
a connection of their own, never on one another request holds.

The proof that the per-request plumbing (`deps.py`, `main.py`) keeps requests apart. Touch it when
a route needs a new kind of request mixed in.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import routes

from ..factories import PASSWORD, create_item, create_user
from .tracking import RequestTracker

SHARED = "requests ran SQL on a connection that another request held"


def test_concurrent_requests_never_share_a_connection(
    client: TestClient, tracker: RequestTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "SLOW_USERS_SECONDS", 0.5)
    owners = [create_user(client, f"owner{n}@example.com") for n in range(3)]
    for owner in owners:
        create_item(client, owner["id"])

    def send(n: int) -> int:
        if n % 5 == 0:
            return client.get("/slowusers/").status_code
        if n % 5 == 1:
            body = {"email": f"user{n}@example.com", "password": PASSWORD}
            return client.post("/users/", json=body).status_code
        if n % 5 == 2:
            owner = owners[n % len(owners)]["id"]
            return client.post(f"/users/{owner}/items/", json={"title": f"Item {n}"}).status_code
        if n % 5 == 3:
            return client.get(f"/users/{owners[n % len(owners)]['id']}").status_code
        return client.get("/items/").status_code

    with ThreadPoolExecutor(max_workers=70) as pool:
        answers = [pool.submit(send, n) for n in range(70)]

    # Checked first: sharing is the claim, and a request that failed most likely
    # failed because of it.
    assert tracker.shared_connections() == [], SHARED
    assert [answer.result() for answer in answers] == [200] * 70
    users = client.get("/users/").json()
    assert len(users) == 3 + 14
    assert sum(len(user["items"]) for user in users) == 3 + 14
