"""The engine, and one Session per request handed out by a dependency with `yield`."""

import os
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware import Middleware

from .models import Base

DEFAULT_DATABASE_URL = "{{ cookiecutter.database_url }}"
DATABASE_URL = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
# Connections kept per process. At most this many requests use the database at
# once; the rest queue, so worker threads never all block waiting for the pool.
POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "10"))

# Plain postgresql:// and mysql:// URLs mean psycopg 3 and PyMySQL here.
DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}


def engine_url(url: str) -> URL:
    parsed = make_url(url)
    return parsed.set(drivername=DRIVERS.get(parsed.drivername, parsed.drivername))


engine = create_engine(
    engine_url(DATABASE_URL), pool_size=POOL_SIZE, max_overflow=0, pool_pre_ping=True
)
SessionLocal = sessionmaker(engine, expire_on_commit=False)

if engine.dialect.name == "sqlite":

    @event.listens_for(engine, "connect")
    def enforce_foreign_keys(dbapi_connection: Any, _: object) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = ON")


def get_db() -> Iterator[Session]:
    with SessionLocal() as session:
        try:
            yield session
        except Exception:
            # Raised by the endpoint: undo what it left uncommitted, then let
            # FastAPI turn the exception into its response.
            session.rollback()
            raise


DbSession = Annotated[Session, Depends(get_db, max_concurrency=POOL_SIZE)]

# Sessions come from the dependency above; no middleware is needed.
middleware: list[Middleware] = []


# Held while creating tables, so that workers starting together do not both try.
STARTUP_LOCKS = {
    "postgresql": ("SELECT pg_advisory_lock(7262017)", "SELECT pg_advisory_unlock(7262017)"),
    "mysql": ("SELECT GET_LOCK('create_tables', 60)", "SELECT RELEASE_LOCK('create_tables')"),
}


def create_tables() -> None:
    # SQLite serialises writers by itself.
    lock, unlock = STARTUP_LOCKS.get(engine.dialect.name, ("SELECT 1", "SELECT 1"))
    with engine.connect() as conn:
        conn.execute(text(lock))
        try:
            Base.metadata.create_all(conn)
            conn.commit()
        finally:
            conn.rollback()  # nothing left after a commit; a failed creation's remains
            conn.execute(text(unlock))
            conn.commit()


def drop_tables() -> None:
    Base.metadata.drop_all(engine)


def listen_statements(listener: Callable[[object, str], None]) -> Callable[[], None]:
    """Call `listener(dbapi_connection, sql)` after each statement; returns a remover.

    Lets tests count statements per request and see which connection ran them.
    """

    def after_cursor_execute(conn: Connection, _: object, sql: str, *__: object) -> None:
        listener(conn.connection.dbapi_connection, sql)

    event.listen(engine, "after_cursor_execute", after_cursor_execute)
    return lambda: event.remove(engine, "after_cursor_execute", after_cursor_execute)
