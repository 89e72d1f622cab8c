"""Queries of the plumbing proofs' own, on a connection outside the app's pool: what the
database server says of its sessions, and what it is asked to do to them."""

from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from {{ cookiecutter.package_name }}.database import engine


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` (none for a statement that returns none), on a connection of its own."""
    scratch = create_engine(engine.url, poolclass=NullPool)
    try:
        with scratch.connect() as connection:
            result = connection.execute(text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        scratch.dispose()
