"""The users routes: sign-up, reading one user with their items, listing users."""

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import routes

from .database_helpers import stored_password_hash
from .factories import PASSWORD, create_item, create_user
from .unordered_reads import unordered_reads_reversed


def test_create_user_returns_it_without_password(client: TestClient) -> None:
    user = create_user(client)
    assert user == {
        "email": "alice@example.com",
        "id": user["id"],
        "is_active": True,
        "items": [],
    }


def test_password_is_stored_as_an_argon2_hash(client: TestClient) -> None:
    create_user(client)
    stored = stored_password_hash("alice@example.com")
    assert stored != PASSWORD
    assert PasswordHasher().verify(stored, PASSWORD)  # raises unless an Argon2 hash of it


def test_registered_email_is_refused(client: TestClient) -> None:
    create_user(client)
    response = client.post("/users/", json={"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert response.json() == {"detail": "Email already registered"}
    assert len(client.get("/users/").json()) == 1


def test_invalid_user_body_is_422(client: TestClient) -> None:
    body: object
    for body in (
        [],
        {},
        {"email": "bob@example.com"},
        {"password": PASSWORD},
        {"email": "not-an-email", "password": PASSWORD},
        {"email": 42, "password": PASSWORD},
        {"email": "bob@example.com", "password": "x" * 7},
        {"email": "bob@example.com", "password": "x" * 129},
        {"email": "bob@example.com", "password": 12345678},
    ):
        assert client.post("/users/", json=body).status_code == 422, body
    assert client.get("/users/").json() == []


def test_read_user_with_items(client: TestClient) -> None:
    user = create_user(client)
    pen = create_item(client, user["id"], "Pen")
    ink = create_item(client, user["id"], "Ink")
    with unordered_reads_reversed():
        response = client.get(f"/users/{user['id']}")
    assert response.status_code == 200
    assert response.json() == {**user, "items": [pen, ink]}


def test_unknown_user_is_404(client: TestClient) -> None:
    response = client.get("/users/12345")
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}


def test_list_users_pages_in_id_order(client: TestClient) -> None:
    users = [create_user(client, f"user{n}@example.com") for n in range(5)]
    with unordered_reads_reversed():
        assert client.get("/users/").json() == users
        assert client.get("/users/", params={"skip": 1, "limit": 2}).json() == users[1:3]
    assert client.get("/users/", params={"skip": 10}).json() == []


def test_out_of_range_paging_and_ids_are_422(client: TestClient) -> None:
    for params in ({"skip": -1}, {"skip": 2**63}, {"limit": 0}, {"limit": 101}):
        assert client.get("/users/", params=params).status_code == 422, params
    assert client.get(f"/users/{2**63}").status_code == 422
    assert client.get("/users/0").status_code == 422


def test_slow_users_lists_users(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "SLOW_USERS_SECONDS", 0)
    user = create_user(client)
    assert client.get("/slowusers/").json() == [user]
