"""Queries of the plumbing proofs' own, on a connection outside the app's pool: what the
database server says of its sessions, and what it is asked to do to them."""

from typing import Any

from ..database_helpers import peewee_database, run


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql`, run on a connection of its own, outside the app's pool."""
    return run(lambda: [tuple(row) for row in peewee_database().execute_sql(sql)])
