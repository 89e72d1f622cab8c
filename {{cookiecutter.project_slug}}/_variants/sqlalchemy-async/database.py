"""The async engine, its sessions, and the schema: Alembic's migrations, applied at startup."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker, create_async_engine

from .config import settings

# The asyncio driver for each database, whatever driver the URL names, so one
# DATABASE_URL serves sync and async projects alike. asyncpg measured faster than
# psycopg 3's async mode; aiomysql and asyncmy measured alike.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "mysql": "aiomysql"}


def engine_url(url: str) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    return parsed.set(drivername=f"{backend}+{ASYNC_DRIVERS[backend]}")


def driver_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "postgresql" and settings.database_pooler == "pgbouncer":
        # asyncpg and SQLAlchemy each keep prepared statements per connection; through
        # PgBouncer the next transaction may run on a server connection that never saw
        # them. Off, every statement is prepared unnamed, in the transaction using it.
        return {"statement_cache_size": 0, "prepared_statement_cache_size": 0}
    return {}


async def connect_sqlite(path: str) -> Any:
    """aiosqlite's connect, run to its end even when the request waiting on it is cancelled.

    aiosqlite opens the file in a thread of its own; when the waiting request is
    cancelled just as the file opens, aiosqlite drops that connection unclosed, and the
    file stays open for as long as the cancelled request's traceback lives. Shielded,
    the connect ends, and a connection nobody waits for any more is closed.
    """
    import aiosqlite  # here: only SQLite needs it installed

    connection = aiosqlite.connect(path)
    # As SQLAlchemy's own aiosqlite connect does: a connection still pooled at exit does not
    # keep the process alive (aiosqlite runs each in a thread of its own).
    connection._thread.daemon = True
    connecting = asyncio.ensure_future(connection)
    try:
        return await asyncio.shield(connecting)
    except asyncio.CancelledError:
        connecting.add_done_callback(close_unwanted)
        raise


closing: set[asyncio.Task[None]] = set()  # the event loop keeps tasks only weakly


def close_unwanted(connecting: asyncio.Future[Any]) -> None:
    if not connecting.cancelled() and connecting.exception() is None:
        task = asyncio.ensure_future(connecting.result().close())
        closing.add(task)
        task.add_done_callback(closing.discard)


def connect_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        path = url.database or ":memory:"
        return {"async_creator": lambda: connect_sqlite(path)}
    return {"connect_args": driver_options(url)}


# No pool_pre_ping: it costs three round trips on every request (asyncpg's BEGIN, empty
# query and ROLLBACK: 0.36 ms on a local PostgreSQL). Without it, after the server
# drops its connections (a restart) the first request to use a dead one fails, and
# SQLAlchemy then replaces every connection the pool holds, so none fails after it
# (tests/plumbing/test_database_restart.py).
# max_overflow=0: at most pool_size connections; further requests wait for one
# without holding a thread.
engine = create_async_engine(
    engine_url(settings.database_url),
    pool_size=settings.database_pool_size,
    max_overflow=0,
    **connect_options(engine_url(settings.database_url)),
)
# Objects stay readable after a commit: reloading an expired attribute would need an
# await that the response model cannot make.
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)

if engine.dialect.name == "sqlite":

    @event.listens_for(engine.sync_engine, "connect")
    def enforce_foreign_keys(dbapi_connection: Any, _: object) -> None:
        cursor = dbapi_connection.cursor()  # SQLAlchemy's recipe, for any DB-API driver
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


async def ping() -> None:
    """One trivial query, on a pooled connection that goes straight back."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


MIGRATIONS = Path(__file__).with_name("migrations")
LOCK_WAIT_SECONDS = 60  # how long a process waits for another one's schema change
# MySQL's named locks are the server's: one per database, as PostgreSQL's advisory locks are.
MYSQL_LOCK = "LEFT(CONCAT('schema of ', DATABASE()), 64)"


@asynccontextmanager
async def schema_lock(connection: AsyncConnection) -> AsyncIterator[None]:
    """Held while migrating, so that workers and replicas starting together take turns."""
    if engine.dialect.name == "postgresql":
        # Scoped to the transaction the migration runs in: its commit, or the rollback
        # of a failed one, releases it on the server connection that took it, which
        # holds also through PgBouncer in transaction mode.
        await connection.execute(text("SELECT pg_advisory_xact_lock(7262017)"))
        yield
    elif engine.dialect.name == "mysql":
        # MySQL commits DDL as it runs, so no transaction can hold the lock: a named
        # lock of the session, on a connection to the server itself.
        taken = await connection.scalar(
            text(f"SELECT GET_LOCK({MYSQL_LOCK}, :wait)"), {"wait": LOCK_WAIT_SECONDS}
        )
        if taken != 1:
            raise RuntimeError(
                f"schema left as it is: another process held its lock for {LOCK_WAIT_SECONDS} s"
            )
        try:
            yield
        finally:
            await connection.execute(text(f"SELECT RELEASE_LOCK({MYSQL_LOCK})"))
    else:
        # SQLite: the file's write lock, taken up front (the driver begins no transaction
        # for DDL, so two workers could both create the tables): a second process waits
        # for it (the 5 s busy timeout), then finds the schema up to date.
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield


def run_upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    # migrations/env.py runs on this connection, inside the lock.
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade_schema() -> None:
    """Bring the database to the newest migration: `alembic upgrade head`, under a lock."""
    try:
        connection = await engine.connect()
    except (DBAPIError, OSError) as error:
        # The driver's error, wrapped by SQLAlchemy (DBAPIError), or a socket's error
        # that a driver leaves unwrapped (OSError: asyncpg's refused connection).
        # One line that says which database, instead of a driver's traceback alone.
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        where = settings.database_location()
        raise RuntimeError(f"cannot connect to the {where}: {reason}") from None
    try:
        async with schema_lock(connection):
            await connection.run_sync(run_upgrade)
            await connection.commit()  # before MySQL's lock is released; releases PostgreSQL's
    finally:
        await connection.close()
