"""Queries of the plumbing proofs' own, on a connection outside the app's pool: what the
database server says of its sessions."""

from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from {{ cookiecutter.package_name }}.database import engine


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql`, run on a connection of its own, outside the app's pool."""
    scratch = create_engine(engine.url, poolclass=NullPool)
    try:
        with scratch.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        scratch.dispose()
