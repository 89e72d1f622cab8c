"""What the tests need from the database beyond the app: Peewee's table resets, and rows read
back as stored.

The application's pool holds connections of the event loop that uses them (the
TestClient's). These helpers are called from plain test code, outside that loop, so
they run in a loop of their own on a throwaway database object.
"""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from {{ cookiecutter.package_name }}.config import settings
from {{ cookiecutter.package_name }}.database import BACKEND, connect_database, db
from {{ cookiecutter.package_name }}.models import MODELS, Item, User

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


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards.

    So a query that forgets its ORDER BY gets a wrong order, not the id order by luck.
    MySQL cannot be made to: InnoDB keeps rows in primary key order and reads them so.
    """
    if BACKEND == "postgresql":
        # PostgreSQL reads a table, and equal keys of an index, in the order the rows
        # were written: write them again, highest id first.
        def rewrite() -> None:
            with peewee_database().atomic():
                rows = [list(m.select().order_by(m.id.desc()).dicts()) for m in (User, Item)]
                for model in reversed(MODELS):
                    model.delete().execute()
                for model, written in zip(MODELS, rows, strict=True):
                    if written:
                        model.insert_many(written).execute()

        run(rewrite)
    if BACKEND != "sqlite":
        yield
        return
    # SQLite reads a table in id order; this pragma runs unordered reads backwards,
    # on each connection the app takes from its pool until it gives it back.
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
