"""What the tests need from the database beyond the app: Peewee's table resets, and rows read
back as stored.

The application's pool holds connections of the event loop that uses them (the
TestClient's). These helpers are called from plain test code, outside that loop, so
they run in a loop of their own on a throwaway database object.
"""

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from {{ cookiecutter.package_name }}.config import settings
from {{ cookiecutter.package_name }}.database import connect_database
from {{ cookiecutter.package_name }}.models import MODELS, User

T = TypeVar("T")


def run(work: Callable[[], T]) -> T:
    """Run sync Peewee code on a connection of its own, the models bound to it."""

    async def go() -> T:
        scratch = connect_database(settings.database_url, pool_size=1)
        try:
            with scratch.bind_ctx(MODELS):
                async with scratch:
                    return await scratch.run(work)  # type: ignore[no-any-return]
        finally:
            await scratch.close_pool()

    return asyncio.run(go())


def stored_password_hash(email: str) -> str:
    return run(lambda: User.get(User.email == email).hashed_password)


def run_sql_on_tables(sql: str) -> None:
    """Run `sql` ("DELETE FROM {}") on each existing table of the app, children first.

    (IF EXISTS would make MySQL add a note, which aiomysql raises as a warning.)
    """

    def each_table() -> None:
        existing = set(peewee_database().get_tables())
        for model in reversed(MODELS):
            if model._meta.table_name in existing:
                peewee_database().execute_sql(sql.format(model._meta.table_name))

    run(each_table)


def peewee_database() -> Any:
    return MODELS[0]._meta.database  # the scratch database, inside run()


def empty_tables() -> None:
    run_sql_on_tables("DELETE FROM {}")


def drop_tables() -> None:
    run_sql_on_tables("DROP TABLE {}")
