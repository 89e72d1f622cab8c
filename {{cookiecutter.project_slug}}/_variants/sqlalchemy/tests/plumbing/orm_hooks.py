"""SQLAlchemy's events, for the plumbing proofs: each statement run, each connection taken from
the pool and given back, the pool's own count.

Touch it when the app's engine changes (another pool, another driver)."""

from collections.abc import Callable

from sqlalchemy import Connection, event
from sqlalchemy.pool import QueuePool

from {{ cookiecutter.package_name }}.database import engine


def listen_statements(listener: Callable[[object, str], None]) -> Callable[[], None]:
    """Call `listener(dbapi_connection, sql)` after each statement; returns a remover."""

    def after_cursor_execute(conn: Connection, _: object, sql: str, *__: object) -> None:
        listener(conn.connection.dbapi_connection, sql)

    event.listen(engine, "after_cursor_execute", after_cursor_execute)
    return lambda: event.remove(engine, "after_cursor_execute", after_cursor_execute)


def listen_statement_starts(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call `listener(sql)` as each statement goes to the database, in the code that
    sends it; returns a remover."""

    def before_cursor_execute(_: Connection, __: object, sql: str, *___: object) -> None:
        listener(sql)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    return lambda: event.remove(engine, "before_cursor_execute", before_cursor_execute)


def listen_checkouts(
    on_take: Callable[[object], None], on_give_back: Callable[[object], None]
) -> Callable[[], None]:
    """Call `on_take(dbapi_connection)` when it leaves the pool, `on_give_back` before it
    returns; returns a remover."""

    def checkout(dbapi_connection: object, *_: object) -> None:
        on_take(dbapi_connection)

    def checkin(dbapi_connection: object | None, *_: object) -> None:
        if dbapi_connection is not None:  # None: invalidated, given back below
            on_give_back(dbapi_connection)

    def invalidate(dbapi_connection: object, *_: object) -> None:
        on_give_back(dbapi_connection)  # closed and discarded, its place in the pool freed

    events = {"checkout": checkout, "checkin": checkin, "invalidate": invalidate}
    for name, listener in events.items():
        event.listen(engine, name, listener)

    def remove() -> None:
        for name, listener in events.items():
            event.remove(engine, name, listener)

    return remove


def connections_in_use() -> int | None:
    """How many connections the app's pool counts as handed out, by the pool's own books."""
    pool = engine.pool
    return pool.checkedout() if isinstance(pool, QueuePool) else None  # None: no pool
