"""What the resource tests make through the API: users and their items.

A new resource gets its `create_...` here, next to these, for its own tests and those of the
resources that point to it.
"""

from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


def create_user(client: TestClient, email: str = "alice@example.com") -> dict[str, Any]:
    response = client.post("/users/", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


def create_item(client: TestClient, user_id: int, title: str = "Pen") -> dict[str, Any]:
    body = {"title": title, "description": f"A {title.lower()}"}
    response = client.post(f"/users/{user_id}/items/", json=body)
    assert response.status_code == 200, response.text
    item: dict[str, Any] = response.json()
    return item
