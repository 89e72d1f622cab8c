"""Rows read back in an order no query asked for, on PostgreSQL: highest id first.

A query that forgets its ORDER BY then gets a wrong order, not the id order by luck.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from {{ cookiecutter.package_name }}.models import Base

from .database_helpers import run_sync


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards."""

    # PostgreSQL reads a table, and equal keys of an index, in the order the rows were
    # written: write them again, highest id first.
    def rewrite(connection: Connection) -> None:
        tables = Base.metadata.sorted_tables
        rows = [connection.execute(t.select().order_by(t.c.id.desc())).all() for t in tables]
        for table in reversed(tables):
            connection.execute(table.delete())
        for table, written in zip(tables, rows, strict=True):
            if written:
                connection.execute(table.insert(), [row._asdict() for row in written])

    run_sync(rewrite)
    yield
