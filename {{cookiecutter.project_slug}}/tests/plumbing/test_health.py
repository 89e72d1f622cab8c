"""The probes an orchestrator asks: liveness never touches the database, readiness asks it.

Readiness holds a connection only for its one query, and answers 503 with a body that
names no secret when the database fails. Touch it when `health.py` checks more than the database.
"""

import pytest
from fastapi.testclient import TestClient

from .orm_hooks import listen_statements
from .tracking import RequestTracker


def test_live_answers_without_touching_the_database(
    client: TestClient, tracker: RequestTracker
) -> None:
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert [e for e in tracker.events if e.request == tracker.last_request] == []


def test_ready_gives_its_connection_back_right_after_its_query(
    client: TestClient, tracker: RequestTracker
) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    events = [e for e in tracker.events if e.request == tracker.last_request]
    assert [e.sql.strip() for e in events if e.kind == "run"] == ["SELECT 1"]
    assert events[-1].kind == "give back", events  # before the response went out
    assert tracker.connections_not_given_back() == []


def test_ready_is_503_while_the_database_fails_and_200_once_it_answers(client: TestClient) -> None:
    def fail(_: object, sql: str) -> None:
        raise RuntimeError(f"the database failed to answer {sql!r}")

    remove = listen_statements(fail)
    try:
        response = client.get("/health/ready")
    finally:
        remove()

    assert response.status_code == 503
    assert response.json() == {"detail": "Database unavailable"}
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code == 200


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_probes_are_documented_under_their_own_tag(client: TestClient, path: str) -> None:
    operation = client.get("/openapi.json").json()["paths"][path]["get"]

    assert operation["tags"] == ["health"]
    assert "200" in operation["responses"]
    assert ("503" in operation["responses"]) == (path == "/health/ready")
