"""Queries of the plumbing proofs' own, on a connection of the test's thread: what the database
server says of its sessions."""

from typing import Any

from {{ cookiecutter.package_name }}.database import db


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql`, run on a connection of the test's own thread."""
    with db.connection_context():
        return [tuple(row) for row in db.execute_sql(sql)]  # type: ignore[no-untyped-call]
