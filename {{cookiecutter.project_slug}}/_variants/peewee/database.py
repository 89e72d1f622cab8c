"""The Peewee database, with connection state kept per request instead of per thread.

Peewee keeps its connection state in a `threading.local`. FastAPI runs one request's
dependencies, endpoint and teardown on different worker threads, and reuses each
thread for other requests, so thread-local state mixes requests up. Here the state
lives in a `ContextVar`, and each request starts with a fresh one (`deps.py`).
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import peewee
from playhouse import db_url
from playhouse.pool import PooledDatabase, PooledMySQLDatabase, PooledPostgresqlDatabase

from .config import settings


class PostgresqlDatabase(PooledPostgresqlDatabase):  # type: ignore[misc]  # untyped in the stubs
    """Peewee's pooled PostgreSQL database, without a round trip on every request.

    Peewee's pool runs `SELECT 1` on each connection it hands out, to find one the
    server dropped: 0.075 ms on a local server, one of a read's three round trips.
    Here it trusts psycopg's own flag, which costs nothing. After the server drops
    every connection (a restart), the first request on a dead one fails; that one is
    not put back, and neither are the pool's idle ones, so no request after it fails
    (tests/plumbing/test_database_restart.py).
    """

    def _is_closed(self, conn: Any) -> bool:
        return bool(conn.closed)

    def _can_reuse(self, conn: Any) -> bool:
        if super()._can_reuse(conn):
            return True
        self.close_idle()  # it broke: the server may have dropped the others too
        return False


# Peewee's classes for the backends this project accepts, pooled where there is a server.
DATABASES: dict[str, Any] = {
    "sqlite": peewee.SqliteDatabase,
    "postgresql": PostgresqlDatabase,
    "mysql": PooledMySQLDatabase,
}


def connect_database(url: str) -> peewee.Database:
    scheme, rest = url.split("://", 1)
    backend = scheme.split("+", 1)[0]  # postgresql+psycopg:// and mysql+pymysql:// alike
    options = db_url.parse(f"{backend}://{rest}", unquote_user=True, unquote_password=True)
    if "passwd" in options:  # db_url's name for a MySQL password; PyMySQL 1.2 takes `password`
        options["password"] = options.pop("passwd")
    if backend == "sqlite":
        # Each request's connection is used from several threads, one at a time.
        options |= {"check_same_thread": False, "pragmas": {"foreign_keys": 1}}
    else:
        pool = {"max_connections": settings.database_pool_size, "stale_timeout": 300, "timeout": 30}
        options |= pool
    if backend == "postgresql" and settings.database_pooler == "pgbouncer":
        # psycopg prepares a statement it has run 5 times; through PgBouncer the
        # next transaction may run on a server connection that never saw it.
        options["prepare_threshold"] = None
    database: peewee.Database = DATABASES[backend](**options)
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


db = connect_database(settings.database_url)
db._state = RequestConnectionState()  # type: ignore[attr-defined]  # private, not in the stubs


def ping() -> None:
    """One trivial query, on a connection of its own that goes straight back."""
    with db.connection_context():
        db.execute_sql("SELECT 1")  # type: ignore[no-untyped-call]  # untyped in Peewee's stubs


def close_pool() -> None:
    """Closes the pooled connections, at shutdown. SQLite has no pool to close."""
    if isinstance(db, PooledDatabase):
        db.close_all()


BACKEND = settings.database_url.split(":", 1)[0].split("+", 1)[0]
LOCK_WAIT_SECONDS = 60  # how long a process waits for another one's schema change
# MySQL's named locks are the server's: one per database, as PostgreSQL's advisory locks are.
MYSQL_LOCK = "LEFT(CONCAT('schema of ', DATABASE()), 64)"


@contextmanager
def schema_lock() -> Iterator[None]:
    """Held while creating tables, so that workers and replicas starting together take turns."""
    if BACKEND == "postgresql":
        # Scoped to the transaction the tables are created in: its commit, or the
        # rollback of a failure, releases it on the server connection that took it,
        # which holds also through PgBouncer in transaction mode.
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(7262017)")  # type: ignore[no-untyped-call]
            yield
    elif BACKEND == "mysql":
        # MySQL commits DDL as it runs, so no transaction can hold the lock: a named
        # lock of the session, on a connection to the server itself.
        sql = f"SELECT GET_LOCK({MYSQL_LOCK}, %s)"
        [taken] = db.execute_sql(sql, (LOCK_WAIT_SECONDS,)).fetchone()  # type: ignore[no-untyped-call]
        if taken != 1:
            raise RuntimeError(
                f"schema left as it is: another process held its lock for {LOCK_WAIT_SECONDS} s"
            )
        try:
            yield
        finally:
            db.execute_sql(f"SELECT RELEASE_LOCK({MYSQL_LOCK})")  # type: ignore[no-untyped-call]
    else:
        yield  # SQLite serialises writers by itself


def create_tables(models: Sequence[type[peewee.Model]]) -> None:
    """Create the tables that are missing; existing tables are left as they are."""
    try:
        db.connect()
    except peewee.OperationalError as error:  # every driver's error, as Peewee wraps it
        # One line that says which database, instead of a driver's traceback alone.
        reason = str(error).strip().splitlines()[0]
        where = settings.database_location()
        raise RuntimeError(f"cannot connect to the {where}: {reason}") from None
    try:
        with schema_lock():
            db.create_tables(models)
    finally:
        db.close()
