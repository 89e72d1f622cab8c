"""The Peewee database over asyncio drivers, and its tables created at startup.

`playhouse.pwasyncio` keeps connection state per asyncio task, and a request runs
in one task from its first byte to its last, so concurrent requests never share a
connection: the threads that make the sync Peewee patch necessary are not involved.
"""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import peewee
from playhouse import db_url
from playhouse.pwasyncio import (
    AsyncMySQLConnection,
    AsyncMySQLDatabase,
    AsyncPostgresqlConnection,
    AsyncPostgresqlDatabase,
    AsyncSqliteDatabase,
)

from .config import settings

# Peewee's context manager that turns the drivers' errors into Peewee's (pwasyncio's too).
driver_errors_as_peewee_errors: Any = vars(peewee)["__exception_wrapper__"]


class AcquiresInTheRequestTask:
    """Takes a connection from the pool in the request's own task.

    pwasyncio waits for its pool with asyncio.wait_for, which on Python 3.11 runs the
    wait in a task of its own (python/cpython#86296, fixed in 3.12). A request cancelled
    just as that task ends has its cancellation swallowed and runs on; one cancelled
    just before has that task cancelled, and whatever it still returns is dropped.
    aiomysql's connect, itself under wait_for, swallows a cancellation that lands as its
    socket opens and then does return a connection: one the pool counts as handed out
    for good. Here asyncio.timeout bounds the waits in the task itself, as wait_for does
    from 3.12 on and asyncpg's own pool does on 3.11 (MagicStack/asyncpg#548); each
    database's `_pool_acquire` below waits without a timeout of its own.
    """

    async def _acquire_conn_async(self: Any) -> Any:
        task = asyncio.current_task()
        cancels = task.cancelling() if task else 0
        timeout = self._acquire_timeout
        try:
            async with asyncio.timeout(timeout):
                pool = await self._ensure_pool()
        except TimeoutError:
            message = f"Timed out connecting to the database ({timeout} s)"
            raise peewee.OperationalError(message) from None
        try:
            async with asyncio.timeout(timeout):
                with driver_errors_as_peewee_errors:
                    connection = await self._pool_acquire(pool)
        except TimeoutError:
            message = f"No free connection in the pool for {timeout} s"
            raise peewee.OperationalError(message) from None
        connection._pool = pool  # as in pwasyncio: once the pool is replaced, a release closes it
        if task and task.cancelling() > cancels:
            # Cancelled on the way, and a driver swallowed it (that connect): the
            # connection goes back, and the request ends cancelled as it was asked to.
            await self._release_conn(connection)
            raise asyncio.CancelledError
        return connection


# pwasyncio is untyped: its classes are Any to mypy.
class SqliteDatabase(AcquiresInTheRequestTask, AsyncSqliteDatabase):  # type: ignore[misc]
    async def _pool_acquire(self, pool: Any) -> Any:
        return await pool.acquire(timeout=None)  # None: a plain wait on its queue, no wait_for


class PostgresqlDatabase(AcquiresInTheRequestTask, AsyncPostgresqlDatabase):  # type: ignore[misc]
    async def _pool_acquire(self, pool: Any) -> Any:
        return AsyncPostgresqlConnection(await pool.acquire())


class MySQLDatabase(AcquiresInTheRequestTask, AsyncMySQLDatabase):  # type: ignore[misc]
    server_version: Any

    async def _pool_acquire(self, pool: Any) -> Any:
        try:
            connection = await pool.acquire()
        except RuntimeError as error:  # aiomysql's word for a pool that is closing
            raise peewee.InterfaceError(str(error)) from None
        if self.server_version is None:  # as in pwasyncio: for version-dependent SQL
            info = connection.get_server_info()
            self.server_version = self._extract_server_version(info)
        return AsyncMySQLConnection(connection)

    def rollback(self) -> None:
        # aiomysql closes a connection whose statement is cancelled, and the server
        # ends its transaction with it. Rolling back there would fail, and the
        # driver's error would replace the request's cancellation.
        if not self.connection().stale():
            super().rollback()


# pwasyncio speaks aiosqlite, asyncpg and aiomysql; a driver the URL names
# (postgresql+psycopg://, mysql+pymysql://) is replaced by these.
DATABASES: dict[str, Any] = {
    "sqlite": SqliteDatabase,
    "postgresql": PostgresqlDatabase,
    "mysql": MySQLDatabase,
}


def backend_of(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


async def keep_session_state(connection: Any) -> None:
    """What asyncpg's pool runs as it takes a connection back, after rolling back a
    transaction left open: nothing more.

    Its default resets the session besides (`SELECT pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL`), a round trip on every request (0.09 ms on a local server),
    for state this project never leaves in a session: no SET, LISTEN, session advisory
    lock or cursor outlives a transaction here (the schema lock is the transaction's).
    """


def connect_database(url: str, pool_size: int) -> Any:
    options = db_url.parse(url, unquote_user=True, unquote_password=True)
    if "passwd" in options:  # db_url's name for a MySQL password; aiomysql takes `password`
        options["password"] = options.pop("passwd")
    if backend_of(url) == "sqlite":
        options["pragmas"] = {"foreign_keys": 1}
    if backend_of(url) == "postgresql":
        # pwasyncio prepares every statement anew, so asyncpg's cache would only give
        # each one a name, never reused: off, statements go unnamed, which PgBouncer in
        # transaction mode needs, and reads measured faster (0.38 against 0.62 ms for
        # a user and their items, on asyncpg alone).
        options["statement_cache_size"] = 0
        options["reset"] = keep_session_state
    # A request waits up to acquire_timeout seconds for a free connection.
    name = options.pop("database")
    return DATABASES[backend_of(url)](name, pool_size=pool_size, acquire_timeout=30, **options)


BACKEND = backend_of(settings.database_url)


db = connect_database(settings.database_url, settings.database_pool_size)


async def release_connection(cancelled: bool) -> None:
    """Hands the current task's connection back to the pool.

    A cancelled request may leave statements still queued on its connection (SQLite
    runs them in a thread, in order) and a transaction open that Peewee has or has
    not unwound. Then wait for those statements, forget the transaction, and the
    pool rolls it back as it takes the connection.
    """
    if cancelled and not db.is_closed():
        while db.in_transaction():
            db.pop_transaction()
        await db.aexecute_sql("SELECT 1")  # runs after the statements still queued
    await db.aclose()


@asynccontextmanager
async def connection_released() -> AsyncIterator[None]:
    """Hands the task's connection back when the block ends, cancelled or not."""
    cancelled = False
    try:
        yield
    except anyio.get_cancelled_exc_class():
        cancelled = True
        raise
    finally:
        # Shielded: in a cancelled block the release would otherwise be cancelled at
        # its first await, after the connection was already forgotten.
        with anyio.CancelScope(shield=True):
            await release_connection(cancelled)


async def ping() -> None:
    """One trivial query, on a connection that goes straight back to the pool."""
    async with connection_released():
        await db.aexecute_sql("SELECT 1")


LOCK_WAIT_SECONDS = 60  # how long a process waits for another one's schema change
# MySQL's named locks are the server's: one per database, as PostgreSQL's advisory locks are.
MYSQL_LOCK = "LEFT(CONCAT('schema of ', DATABASE()), 64)"


@asynccontextmanager
async def schema_lock() -> AsyncIterator[None]:
    """Held while creating tables, so that workers and replicas starting together take turns."""
    if BACKEND == "postgresql":
        # Scoped to the transaction the tables are created in: its commit, or the
        # rollback of a failure, releases it on the server connection that took it,
        # which holds also through PgBouncer in transaction mode.
        async with db.atomic():
            await db.aexecute_sql("SELECT pg_advisory_xact_lock(7262017)")
            yield
    elif BACKEND == "mysql":
        # MySQL commits DDL as it runs, so no transaction can hold the lock: a named
        # lock of the session, on a connection to the server itself.
        sql = f"SELECT GET_LOCK({MYSQL_LOCK}, %s)"
        [taken] = (await db.aexecute_sql(sql, (LOCK_WAIT_SECONDS,))).fetchone()
        if taken != 1:
            raise RuntimeError(
                f"schema left as it is: another process held its lock for {LOCK_WAIT_SECONDS} s"
            )
        try:
            yield
        finally:
            await db.aexecute_sql(f"SELECT RELEASE_LOCK({MYSQL_LOCK})")
    else:
        yield  # SQLite serialises writers by itself


async def create_tables(models: Sequence[type[peewee.Model]]) -> None:
    """Create the tables that are missing; existing tables are left as they are."""
    try:
        await db.aconnect()
    except Exception as error:
        # Peewee wraps the DB-API drivers' errors (OperationalError), not asyncpg's own
        # (a missing database) or a socket's (OSError: a refused connection); asyncpg's
        # cannot be named here, in a module that SQLite and MySQL projects share.
        # One line that says which database, instead of a driver's traceback alone.
        reason = str(error).strip().splitlines()[0]
        where = settings.database_location()
        raise RuntimeError(f"cannot connect to the {where}: {reason}") from None
    try:
        async with schema_lock():
            # The missing tables only, without IF NOT EXISTS: MySQL answers that with
            # a note, which aiomysql raises as a Python warning.
            existing = set(await db.run(db.get_tables))
            missing = [model for model in models if model._meta.table_name not in existing]
            await db.acreate_tables(missing, safe=False)
    finally:
        # Handed back: the lifespan's task lives as long as the app.
        await db.aclose()
