"""pwasyncio's hooks, for the plumbing proofs: each statement run, each connection taken from
the pool and given back, the pool's own count.

pwasyncio has no events for connections: these wrap the database's own methods. Touch it
when the app's database changes (another pool, another driver)."""

from collections.abc import Callable
from typing import Any

import peewee

from {{ cookiecutter.package_name }}.database import BACKEND, db


def listen_statements(listener: Callable[[object, str], None]) -> Callable[[], None]:
    """Call `listener(connection, sql)` after each statement; returns a remover.

    The connection is the one pwasyncio holds for the running task (the hook runs
    in that task, outside the greenlet, so `db.connection()` is not available).
    """

    def on_query(event: peewee.QueryEvent) -> None:
        listener(db._state.conn, event.sql)

    db.query_hooks.append(on_query)
    return lambda: db.query_hooks.remove(on_query)


def listen_statement_starts(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call `listener(sql)` as each statement goes to the database, in the code that
    sends it; returns a remover."""
    # Peewee's query hooks run after a statement: wrap this database's own execute_sql.
    execute_sql = db.execute_sql

    def starting(sql: str, *args: Any, **kwargs: Any) -> Any:
        listener(sql)
        return execute_sql(sql, *args, **kwargs)

    vars(db)["execute_sql"] = starting
    return lambda: vars(db).pop("execute_sql")


def listen_checkouts(
    on_take: Callable[[object], None], on_give_back: Callable[[object], None]
) -> Callable[[], None]:
    """Call `on_take(connection)` when it leaves the pool, `on_give_back` before it
    returns; returns a remover."""
    # pwasyncio has no such events: wrap this database's own acquire and release.
    acquire, release = db._acquire_conn_async, db._release_conn

    async def taking() -> Any:
        connection = await acquire()
        on_take(connection)
        return connection

    async def giving_back(connection: Any) -> None:
        on_give_back(connection)
        await release(connection)

    vars(db).update(_acquire_conn_async=taking, _release_conn=giving_back)

    def remove() -> None:
        vars(db).update(_acquire_conn_async=acquire, _release_conn=release)

    return remove


def connections_in_use() -> int:
    """How many connections the app's pool counts as handed out, by the pool's own books.

    A connection lost on its way from the pool to pwasyncio never passes
    `listen_checkouts`, but stays counted here.
    """
    pool = db._pool
    if pool is None:  # not created yet, or closed
        return 0
    if BACKEND == "mysql":  # aiomysql's pool; its size counts connections being opened
        return int(pool.size - pool.freesize)
    if BACKEND == "postgresql":  # asyncpg's
        return int(pool.get_size() - pool.get_idle_size())
    return int(pool._pool_size - pool._queue.qsize())  # pwasyncio's own, of aiosqlite connections
