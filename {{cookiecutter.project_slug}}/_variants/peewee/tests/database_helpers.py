"""What the tests need from the database beyond the app: Peewee's query hooks and resets."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import peewee
from playhouse.pool import PooledDatabase

from {{ cookiecutter.package_name }}.config import settings
from {{ cookiecutter.package_name }}.database import connect_database, db
from {{ cookiecutter.package_name }}.models import MODELS, Item, User


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


def stored_password_hash(email: str) -> str:
    with db.connection_context():
        hashed: str = User.get(User.email == email).hashed_password
    return hashed


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards.

    So a query that forgets its ORDER BY gets a wrong order, not the id order by luck.
    MySQL cannot be made to: InnoDB keeps rows in primary key order and reads them so.
    """
    if isinstance(db, peewee.PostgresqlDatabase):
        # PostgreSQL reads a table, and equal keys of an index, in the order the rows
        # were written: write them again, highest id first.
        with db.connection_context(), db.atomic():
            rows = [list(m.select().order_by(m.id.desc()).dicts()) for m in (User, Item)]
            for model in reversed(MODELS):
                model.delete().execute()
            for model, written in zip(MODELS, rows, strict=True):
                if written:
                    model.insert_many(written).execute()
    elif isinstance(db, peewee.SqliteDatabase):
        # SQLite reads a table in id order; this pragma, set on every new connection,
        # runs unordered reads backwards.
        with db.connection_context():
            db.pragma("reverse_unordered_selects", 1, permanent=True)
    try:
        yield
    finally:
        if isinstance(db, peewee.SqliteDatabase):
            with db.connection_context():
                db.pragma("reverse_unordered_selects", 0, permanent=True)


def empty_tables() -> None:
    with db.connection_context():
        for model in reversed(MODELS):
            model.delete().execute()


def drop_tables() -> None:
    with db.connection_context():
        db.drop_tables(MODELS)


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql`, run on a connection of its own, outside the app's pool."""
    own = connect_database(settings.database_url)
    try:
        with own.connection_context():
            return [tuple(row) for row in own.execute_sql(sql)]  # type: ignore[no-untyped-call]
    finally:
        if isinstance(own, PooledDatabase):
            own.close_all()
