"""The async engine, its sessions, and the schema: Alembic's migrations, applied at startup."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from .config import settings

# The asyncio driver for each database, whatever driver the URL names, so one
# DATABASE_URL serves sync and async projects alike. asyncpg measured faster than
# psycopg 3's async mode; aiomysql and asyncmy measured alike.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "mysql": "aiomysql"}


def engine_url(url: str) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    return parsed.set(drivername=f"{backend}+{ASYNC_DRIVERS[backend]}")


# pool_pre_ping: a connection the server dropped (a restart) is replaced before use,
# instead of failing the request that drew it from the pool. max_overflow=0: at most
# pool_size connections; further requests wait for one without holding a thread.
engine = create_async_engine(
    engine_url(settings.database_url),
    pool_size=settings.database_pool_size,
    max_overflow=0,
    pool_pre_ping=True,
)
# Objects stay readable after a commit: reloading an expired attribute would need an
# await that the response model cannot make.
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)

if engine.dialect.name == "sqlite":

    @event.listens_for(engine.sync_engine, "connect")
    def enforce_foreign_keys(dbapi_connection: Any, _: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


MIGRATIONS = Path(__file__).with_name("migrations")
# Held while migrating, so that workers starting together take turns.
STARTUP_LOCKS = {
    "postgresql": ("SELECT pg_advisory_lock(7262017)", "SELECT pg_advisory_unlock(7262017)"),
    "mysql": ("SELECT GET_LOCK('upgrade_schema', 60)", "SELECT RELEASE_LOCK('upgrade_schema')"),
}


def run_upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    # migrations/env.py runs on this connection, inside the lock.
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade_schema() -> None:
    """Bring the database to the newest migration: `alembic upgrade head`, under a lock."""
    # SQLite serialises writers by itself.
    lock, unlock = STARTUP_LOCKS.get(engine.dialect.name, ("SELECT 1", "SELECT 1"))
    try:
        connection = await engine.connect()
    except (DBAPIError, OSError) as error:
        # One line that says which database, instead of a driver's traceback alone.
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        where = settings.database_location()
        raise RuntimeError(f"cannot connect to the {where}: {reason}") from None
    try:
        await connection.execute(text(lock))
        try:
            await connection.run_sync(run_upgrade)
            await connection.commit()
        finally:
            await connection.rollback()  # nothing left after a commit; a failed migration's remains
            await connection.execute(text(unlock))
            await connection.commit()
    finally:
        await connection.close()
