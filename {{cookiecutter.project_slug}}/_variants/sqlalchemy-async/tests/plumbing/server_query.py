"""Queries of the plumbing proofs' own, on a connection outside the app's pool: what the
database server says of its sessions."""

from typing import Any

from sqlalchemy import text

from ..database_helpers import run_sync


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql`, run on a connection of its own, outside the app's pool."""
    return run_sync(lambda connection: [tuple(row) for row in connection.execute(text(sql))])
