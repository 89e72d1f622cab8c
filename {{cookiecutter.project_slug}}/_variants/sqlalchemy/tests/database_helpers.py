"""What the tests need from the database beyond the app: SQLAlchemy's events and resets."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, create_engine, event, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool, QueuePool

from {{ cookiecutter.package_name }}.database import engine
from {{ cookiecutter.package_name }}.models import Base, User


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


def stored_password_hash(email: str) -> str:
    with Session(engine) as session:
        return session.scalars(select(User.hashed_password).where(User.email == email)).one()


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards.

    So a query that forgets its ORDER BY gets a wrong order, not the id order by luck.
    MySQL cannot be made to: InnoDB keeps rows in primary key order and reads them so.
    """
    if engine.dialect.name == "postgresql":
        # PostgreSQL reads a table, and equal keys of an index, in the order the rows
        # were written: write them again, highest id first.
        tables = Base.metadata.sorted_tables
        with engine.begin() as connection:
            rows = [connection.execute(t.select().order_by(t.c.id.desc())).all() for t in tables]
            for table in reversed(tables):
                connection.execute(table.delete())
            for table, written in zip(tables, rows, strict=True):
                if written:
                    connection.execute(table.insert(), [row._asdict() for row in written])
    elif engine.dialect.name == "sqlite":
        # SQLite reads a table in id order; this pragma runs unordered reads backwards.
        event.listen(engine, "checkout", reverse_unordered_selects)
    try:
        yield
    finally:
        if event.contains(engine, "checkout", reverse_unordered_selects):
            event.remove(engine, "checkout", reverse_unordered_selects)
            engine.dispose()  # the pooled connections still have the pragma on


def reverse_unordered_selects(dbapi_connection: Any, *_: object) -> None:
    dbapi_connection.execute("PRAGMA reverse_unordered_selects = ON")


def empty_tables() -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def drop_tables() -> None:
    """Drop the tables and the migrations' record, so the next startup migrates afresh."""
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql`, run on a connection of its own, outside the app's pool."""
    scratch = create_engine(engine.url, poolclass=NullPool)
    try:
        with scratch.connect() as connection:
            result = connection.execute(text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        scratch.dispose()
