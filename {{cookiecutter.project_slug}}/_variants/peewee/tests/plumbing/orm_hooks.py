"""Peewee's hooks, for the plumbing proofs: each statement run, each connection opened or taken
from the pool and given back, the pool's own count.

Peewee has no events for connections: these wrap the database's own methods. Touch it when
the app's database changes (another pool, another driver)."""

from collections.abc import Callable
from typing import Any

import peewee
from playhouse.pool import PooledDatabase

from {{ cookiecutter.package_name }}.database import db


def listen_statements(listener: Callable[[object, str], None]) -> Callable[[], None]:
    """Call `listener(dbapi_connection, sql)` after each statement; returns a remover."""

    def on_query(event: peewee.QueryEvent) -> None:
        listener(db.connection(), event.sql)  # type: ignore[no-untyped-call]

    db.query_hooks.append(on_query)
    return lambda: db.query_hooks.remove(on_query)


def listen_statement_starts(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call `listener(sql)` as each statement goes to the database, in the code that
    sends it; returns a remover."""
    # Peewee's query hooks run after a statement: wrap this database's own execute_sql.
    execute_sql = db.execute_sql

    def starting(sql: str, *args: Any, **kwargs: Any) -> Any:
        listener(sql)
        return execute_sql(sql, *args, **kwargs)  # type: ignore[no-untyped-call]

    vars(db)["execute_sql"] = starting
    return lambda: vars(db).pop("execute_sql")


def listen_checkouts(
    on_take: Callable[[object], None], on_give_back: Callable[[object], None]
) -> Callable[[], None]:
    """Call `on_take(dbapi_connection)` when it is opened or leaves the pool, `on_give_back`
    before it is closed or returns; returns a remover."""
    # Peewee has no such events: wrap this database's own open and close.
    connect, close = db._connect, db._close  # type: ignore[attr-defined]

    def taking() -> Any:
        connection = connect()
        on_take(connection)
        return connection

    def giving_back(connection: Any, *args: Any, **kwargs: Any) -> Any:
        on_give_back(connection)
        return close(connection, *args, **kwargs)

    vars(db).update(_connect=taking, _close=giving_back)

    def remove() -> None:
        del vars(db)["_connect"], vars(db)["_close"]

    return remove


def connections_in_use() -> int | None:
    """How many connections the app's pool counts as handed out, by the pool's own books.

    None on SQLite, where each request opens and closes a connection of its own.
    """
    return len(db._in_use) if isinstance(db, PooledDatabase) else None
