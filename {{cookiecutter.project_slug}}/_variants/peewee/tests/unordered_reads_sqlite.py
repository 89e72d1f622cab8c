"""Rows read back in an order no query asked for, on SQLite: highest id first.

A query that forgets its ORDER BY then gets a wrong order, not the id order by luck.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import peewee

from {{ cookiecutter.package_name }}.database import db


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards."""
    # SQLite reads a table in id order; this pragma, set on every new connection, runs
    # unordered reads backwards.
    assert isinstance(db, peewee.SqliteDatabase), "a SQLite project's tests on another database"
    with db.connection_context():
        db.pragma("reverse_unordered_selects", 1, permanent=True)
    try:
        yield
    finally:
        with db.connection_context():
            db.pragma("reverse_unordered_selects", 0, permanent=True)
