"""What the tests need from the database beyond the app: SQLAlchemy's table resets, and rows
read back as stored.

The application's pool holds connections of the event loop that uses them (the
TestClient's). These helpers are called from plain test code, outside that loop, so
they run in a loop of their own on a throwaway engine without a pool.
"""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, event, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from {{ cookiecutter.package_name }}.database import engine
from {{ cookiecutter.package_name }}.models import Base, User

T = TypeVar("T")


def run_sync(work: Callable[[Connection], T]) -> T:
    """Run `work(connection)` in a transaction of its own, on its own connection."""

    async def go() -> T:
        scratch = create_async_engine(engine.url, poolclass=NullPool)
        try:
            async with scratch.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await scratch.dispose()

    return asyncio.run(go())


def stored_password_hash(email: str) -> str:
    query = select(User.hashed_password).where(User.email == email)
    return run_sync(lambda connection: connection.execute(query).scalar_one())


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards.

    So a query that forgets its ORDER BY gets a wrong order, not the id order by luck.
    MySQL cannot be made to: InnoDB keeps rows in primary key order and reads them so.
    """
    if engine.dialect.name == "postgresql":
        # PostgreSQL reads a table, and equal keys of an index, in the order the rows
        # were written: write them again, highest id first.
        def rewrite(connection: Connection) -> None:
            tables = Base.metadata.sorted_tables
            rows = [connection.execute(t.select().order_by(t.c.id.desc())).all() for t in tables]
            for table in reversed(tables):
                connection.execute(table.delete())
            for table, written in zip(tables, rows, strict=True):
                if written:
                    connection.execute(table.insert(), [row._asdict() for row in written])

        run_sync(rewrite)
    if engine.dialect.name != "sqlite":
        yield
        return
    # SQLite reads a table in id order; this pragma runs unordered reads backwards,
    # on each connection the app takes from its pool until it gives it back.
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


def empty_tables() -> None:
    def delete_rows(connection: Connection) -> None:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())

    run_sync(delete_rows)


def drop_tables() -> None:
    """Drop the tables and the migrations' record, so the next startup migrates afresh."""

    def drop(connection: Connection) -> None:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))

    run_sync(drop)
