"""What the database sees: a constant number of statements per read, whatever the number of rows,
and no partial writes.

Touch it when a read loads more (a new relationship: one more statement, not one per row).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from ..factories import PASSWORD, create_item, create_user
from .orm_hooks import listen_statements
from .tracking import RequestTracker


def selects_of_last_request(tracker: RequestTracker) -> list[str]:
    statements = tracker.statements_of_last_request()
    return [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("users", [1, 12])
def test_listing_users_with_items_takes_two_statements(
    client: TestClient, tracker: RequestTracker, users: int
) -> None:
    for n in range(users):
        user = create_user(client, f"user{n}@example.com")
        create_item(client, user["id"], "Pen")
        create_item(client, user["id"], "Cup")

    listed = client.get("/users/", params={"limit": 100}).json()
    assert len(listed) == users
    assert all(len(user["items"]) == 2 for user in listed)
    assert len(tracker.statements_of_last_request()) == 2
    assert len(selects_of_last_request(tracker)) == 2

    response = client.get(f"/users/{listed[-1]['id']}")
    assert response.status_code == 200
    assert response.json() == listed[-1]
    # One statement, the user joined to its items, or two: the user, then its items.
    assert len(tracker.statements_of_last_request()) <= 2


def test_a_request_failing_after_its_insert_writes_nothing(client: TestClient) -> None:
    def fail_after_insert(_: object, sql: str) -> None:
        if sql.lstrip().upper().startswith("INSERT"):
            raise RuntimeError("the request fails after its INSERT ran")

    remove = listen_statements(fail_after_insert)
    try:
        with pytest.raises(RuntimeError, match="after its INSERT"):
            client.post("/users/", json={"email": "half@example.com", "password": PASSWORD})
    finally:
        remove()

    assert client.get("/users/").json() == []
    user = create_user(client, "half@example.com")  # the email was never taken
    assert user["email"] == "half@example.com"


def test_same_email_at_the_same_moment_creates_one_user(client: TestClient) -> None:
    body = {"email": "race@example.com", "password": PASSWORD}
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: client.post("/users/", json=body).status_code, range(8)))

    assert sorted(statuses) == [200] + [400] * 7
    assert [user["email"] for user in client.get("/users/").json()] == ["race@example.com"]
