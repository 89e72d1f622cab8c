"""The Peewee database, with connection state kept per request instead of per thread.

Peewee keeps its connection state in a `threading.local`. FastAPI runs one request's
dependencies, endpoint and teardown on different worker threads, and reuses each
thread for other requests, so thread-local state mixes requests up. Here the state
lives in a `ContextVar`, and each request starts with a fresh one.
"""

import os
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Annotated, Any

import peewee
from fastapi import Depends
from playhouse import db_url
from starlette.middleware import Middleware

from .models import MODELS

DEFAULT_DATABASE_URL = "{{ cookiecutter.database_url }}"
DATABASE_URL = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
# Connections kept per process. At most this many requests use the database at
# once; the rest queue, so worker threads never all block waiting for the pool.
POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "10"))

# Peewee's pooled classes for the URL schemes this project accepts.
SCHEMES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql+pool",
    "postgresql+psycopg": "postgresql+pool",
    "mysql": "mysql+pool",
    "mysql+pymysql": "mysql+pool",
}


def connect_database(url: str) -> peewee.Database:
    scheme, rest = url.split("://", 1)
    options: dict[str, Any]
    if scheme == "sqlite":
        # Each request's connection is used from several threads, one at a time.
        options = {"check_same_thread": False, "pragmas": {"foreign_keys": 1}}
    else:
        options = {"max_connections": POOL_SIZE, "stale_timeout": 300, "timeout": 30}
    database: peewee.Database = db_url.connect(
        f"{SCHEMES[scheme]}://{rest}", unquote_user=True, unquote_password=True, **options
    )
    return database


request_state: ContextVar[dict[str, Any] | None] = ContextVar("request_state", default=None)


def fresh_state() -> dict[str, Any]:
    return vars(peewee._ConnectionState())


class RequestConnectionState(peewee._ConnectionState):
    """Peewee's connection state, read from the current request's ContextVar.

    Outside a request (startup, scripts, tests) each thread keeps its own state,
    as in plain Peewee, so threads never share a connection there either.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "per_thread", threading.local())
        super().__init__()

    def values(self) -> dict[str, Any]:
        state = request_state.get()
        if state is None:
            state = vars(self.per_thread)
        if not state:
            state.update(fresh_state())
        return state

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values()[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self.values()[name] = value


db = connect_database(DATABASE_URL)
db._state = RequestConnectionState()  # type: ignore[attr-defined]  # private, not in the stubs
db.bind(MODELS)


async def reset_db_state() -> None:
    # Must be async: a sync dependency runs in a worker thread on a copy of the
    # context that is thrown away afterwards, and the fresh state with it.
    request_state.set(fresh_state())


def get_db(_: Annotated[None, Depends(reset_db_state)]) -> Iterator[peewee.Database]:
    db.connect()
    try:
        yield db
    finally:
        if not db.is_closed():
            db.close()


DbSession = Annotated[peewee.Database, Depends(get_db, max_concurrency=POOL_SIZE)]

# Connections come from the dependency above; no middleware is needed.
middleware: list[Middleware] = []


# Held while creating tables, so that workers starting together do not both try.
STARTUP_LOCKS = {
    "postgresql": ("SELECT pg_advisory_lock(7262017)", "SELECT pg_advisory_unlock(7262017)"),
    "mysql": ("SELECT GET_LOCK('create_tables', 60)", "SELECT RELEASE_LOCK('create_tables')"),
}


def create_tables() -> None:
    backend = DATABASE_URL.split(":", 1)[0].split("+", 1)[0]
    # SQLite serialises writers by itself.
    lock, unlock = STARTUP_LOCKS.get(backend, ("SELECT 1", "SELECT 1"))
    with db.connection_context():
        db.execute_sql(lock)  # type: ignore[no-untyped-call]  # untyped in Peewee's stubs
        try:
            db.create_tables(MODELS)
        finally:
            db.execute_sql(unlock)  # type: ignore[no-untyped-call]


def drop_tables() -> None:
    with db.connection_context():
        db.drop_tables(MODELS)


def listen_statements(listener: Callable[[object, str], None]) -> Callable[[], None]:
    """Call `listener(dbapi_connection, sql)` after each statement; returns a remover.

    Lets tests count statements per request and see which connection ran them.
    """

    def on_query(event: peewee.QueryEvent) -> None:
        listener(db.connection(), event.sql)  # type: ignore[no-untyped-call]

    db.query_hooks.append(on_query)
    return lambda: db.query_hooks.remove(on_query)
