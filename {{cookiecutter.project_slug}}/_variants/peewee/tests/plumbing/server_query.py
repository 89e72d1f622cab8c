"""Queries of the plumbing proofs' own, on a connection outside the app's pool: what the
database server says of its sessions, and what it is asked to do to them."""

from typing import Any

from playhouse.pool import PooledDatabase

from {{ cookiecutter.package_name }}.config import settings
from {{ cookiecutter.package_name }}.database import connect_database


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` (none for a statement that returns none), on a connection of its own."""
    own = connect_database(settings.database_url)
    try:
        with own.connection_context():
            return [tuple(row) for row in own.execute_sql(sql)]  # type: ignore[no-untyped-call]
    finally:
        if isinstance(own, PooledDatabase):
            own.close_all()
