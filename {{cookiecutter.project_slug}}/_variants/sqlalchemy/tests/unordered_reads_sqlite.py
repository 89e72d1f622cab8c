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
    # SQLite reads a table in id order; this pragma runs unordered reads backwards.
    event.listen(engine, "checkout", reverse_unordered_selects)
    try:
        yield
    finally:
        event.remove(engine, "checkout", reverse_unordered_selects)
        engine.dispose()  # the pooled connections still have the pragma on


def reverse_unordered_selects(dbapi_connection: Any, *_: object) -> None:
    dbapi_connection.execute("PRAGMA reverse_unordered_selects = ON")
