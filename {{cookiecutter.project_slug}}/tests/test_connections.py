"""Connections go back where they came from, whatever the request's outcome."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import crud, routes
from {{ cookiecutter.package_name }}.config import settings

from .conftest import open_connections
from .test_api import PASSWORD, create_item, create_user


def test_requests_leak_no_connections_even_when_they_fail(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = create_user(client)
    create_item(client, user["id"])
    idle = open_connections()  # what the pool keeps after one request at a time

    def get_items_then_fail(*args: Any, **kwargs: Any) -> Any:
        get_items(*args, **kwargs)
        raise RuntimeError("raised inside the endpoint, after a query")

    get_items = crud.get_items
    monkeypatch.setattr(crud, "get_items", get_items_then_fail)
    for _ in range(10):
        assert client.get("/users/99999").status_code == 404
        taken = {"email": user["email"], "password": PASSWORD}
        assert client.post("/users/", json=taken).status_code == 400
        assert client.post("/users/", json={"email": "nope"}).status_code == 422
        assert client.post("/users/99999/items/", json={"title": "x"}).status_code == 404
        with pytest.raises(RuntimeError, match="inside the endpoint"):
            client.get("/items/")
        assert client.get(f"/users/{user['id']}").status_code == 200

    assert open_connections() == idle


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
