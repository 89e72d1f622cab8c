"""The items routes: creating an item for a user, listing every user's items."""

from fastapi.testclient import TestClient

from .factories import create_item, create_user
from .unordered_reads import unordered_reads_reversed


def test_create_item_returns_it_with_its_owner(client: TestClient) -> None:
    user = create_user(client)
    item = create_item(client, user["id"], "Pen")
    assert item == {
        "title": "Pen",
        "description": "A pen",
        "id": item["id"],
        "owner_id": user["id"],
    }


def test_list_items_of_all_users_in_id_order(client: TestClient) -> None:
    alice = create_user(client, "alice@example.com")
    bob = create_user(client, "bob@example.com")
    items = [
        create_item(client, alice["id"], "Pen"),
        create_item(client, bob["id"], "Cup"),
        create_item(client, alice["id"], "Ink"),
    ]
    assert [item["owner_id"] for item in items] == [alice["id"], bob["id"], alice["id"]]
    with unordered_reads_reversed():
        assert client.get("/items/").json() == items
        assert client.get("/items/", params={"skip": 1, "limit": 1}).json() == items[1:2]


def test_item_for_unknown_user_is_404_and_not_stored(client: TestClient) -> None:
    response = client.post("/users/999/items/", json={"title": "Orphan"})
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}
    assert client.get("/items/").json() == []


def test_invalid_item_body_is_422(client: TestClient) -> None:
    user = create_user(client)
    body: object
    for body in (
        [],
        {},
        {"title": ""},
        {"title": "x" * 256},
        {"title": "a\x00b"},  # PostgreSQL cannot store a NUL
        {"title": 42},
        {"title": "Pen", "description": "x" * 1001},
        {"title": "Pen", "description": "a\x00b"},
        {"title": "Pen", "description": 42},
    ):
        response = client.post(f"/users/{user['id']}/items/", json=body)
        assert response.status_code == 422, body
    assert client.get("/items/").json() == []


def test_longest_title_and_description_are_stored_whole(client: TestClient) -> None:
    user = create_user(client)
    # Not ASCII: a column sized in bytes instead of characters would refuse them.
    body = {"title": "é" * 255, "description": "é" * 1000}
    response = client.post(f"/users/{user['id']}/items/", json=body)
    assert response.status_code == 200, response.text
    stored = {**body, "id": response.json()["id"], "owner_id": user["id"]}
    assert client.get("/items/").json() == [stored]


def test_out_of_range_paging_is_422(client: TestClient) -> None:
    for params in ({"skip": -1}, {"skip": 2**63}, {"limit": 0}, {"limit": 101}):
        assert client.get("/items/", params=params).status_code == 422, params
