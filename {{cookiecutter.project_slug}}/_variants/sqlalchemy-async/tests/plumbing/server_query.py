"""Queries of the plumbing proofs' own, on a connection outside the app's pool: what the
database server says of its sessions, and what it is asked to do to them."""

from typing import Any

from sqlalchemy import Connection, text

from ..database_helpers import run_sync


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` (none for a statement that returns none), on a connection of its own."""

    def rows(connection: Connection) -> list[tuple[Any, ...]]:
        result = connection.execute(text(sql))
        return [tuple(row) for row in result] if result.returns_rows else []

    return run_sync(rows)
