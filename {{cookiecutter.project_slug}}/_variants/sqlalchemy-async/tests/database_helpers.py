"""What the tests need from the database beyond the app: SQLAlchemy's table resets, and rows
read back as stored.

The application's pool holds connections of the event loop that uses them (the
TestClient's). These helpers are called from plain test code, outside that loop, so
they run in a loop of their own on a throwaway engine without a pool.
"""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, select, text
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
