"""Rows read back in an order no query asked for, on SQLite: highest id first.

A query that forgets its ORDER BY then gets a wrong order, not the id order by luck.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from {{ cookiecutter.package_name }}.database import db


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards."""
    # SQLite reads a table in id order; this pragma runs unordered reads backwards, on
    # each connection the app takes from its pool until it gives it back.
    acquire, release = db._acquire_conn_async, db._release_conn

    async def acquire_reversed() -> Any:
        connection = await acquire()
        await connection.execute("PRAGMA reverse_unordered_selects = 1")
        return connection

    async def release_plain(connection: Any) -> None:
        await connection.execute("PRAGMA reverse_unordered_selects = 0")
        await release(connection)

    vars(db).update(_acquire_conn_async=acquire_reversed, _release_conn=release_plain)
    try:
        yield
    finally:
        vars(db).update(_acquire_conn_async=acquire, _release_conn=release)
