"""The plumbing proofs' own fixtures: every request these tests send goes through a tracker, which
says which request took, used and gave back which database connection."""

from collections.abc import Iterator

import pytest
from starlette.types import ASGIApp

from {{ cookiecutter.package_name }}.main import app as the_app

from .orm_hooks import listen_checkouts, listen_statements
from .tracking import RequestTracker


@pytest.fixture
def tracker() -> Iterator[RequestTracker]:
    tracker = RequestTracker(the_app)
    removers = [
        listen_statements(lambda connection, sql: tracker.record("run", connection, sql)),
        listen_checkouts(
            lambda connection: tracker.record("take", connection),
            lambda connection: tracker.record("give back", connection),
        ),
    ]
    yield tracker
    for remove in removers:
        remove()


@pytest.fixture
def app(tracker: RequestTracker) -> ASGIApp:
    """The client's requests go through the tracker."""
    return tracker
