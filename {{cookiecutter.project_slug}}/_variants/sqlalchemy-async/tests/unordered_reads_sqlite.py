"""Rows read back in an order no query asked for, on SQLite: highest id first.

A query that forgets its ORDER BY then gets a wrong order, not the id order by luck.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from {{ cookiecutter.package_name }}.database import engine


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards."""
    # SQLite reads a table in id order; this pragma runs unordered reads backwards, on
    # each connection the app takes from its pool until it gives it back.
    event.listen(engine.sync_engine, "checkout", reverse_unordered_selects)
    event.listen(engine.sync_engine, "checkin", plain_unordered_selects)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "checkout", reverse_unordered_selects)
        event.remove(engine.sync_engine, "checkin", plain_unordered_selects)


def reverse_unordered_selects(dbapi_connection: Any, *_: object) -> None:
    pragma(dbapi_connection, "PRAGMA reverse_unordered_selects = 1")


def plain_unordered_selects(dbapi_connection: Any, *_: object) -> None:
    if dbapi_connection is not None:  # None: invalidated, and closed instead
        pragma(dbapi_connection, "PRAGMA reverse_unordered_selects = 0")


def pragma(dbapi_connection: Any, sql: str) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(sql)
    cursor.close()
