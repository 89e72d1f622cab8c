"""The engine, its sessions, and the schema: Alembic's migrations, applied at startup."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from .config import settings

# Plain postgresql:// and mysql:// URLs mean psycopg 3 and PyMySQL here.
DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}


def engine_url(url: str) -> URL:
    parsed = make_url(url)
    return parsed.set(drivername=DRIVERS.get(parsed.drivername, parsed.drivername))


# pool_pre_ping: a connection the server dropped (a restart) is replaced before use,
# instead of failing the request that drew it from the pool.
engine = create_engine(
    engine_url(settings.database_url),
    pool_size=settings.database_pool_size,
    max_overflow=0,
    pool_pre_ping=True,
)

# Objects stay readable after a commit: the response is built from them without
# another round trip to the database.
SessionLocal = sessionmaker(engine, expire_on_commit=False)

if engine.dialect.name == "sqlite":

    @event.listens_for(engine, "connect")
    def enforce_foreign_keys(dbapi_connection: Any, _: object) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = ON")


MIGRATIONS = Path(__file__).with_name("migrations")
# Held while migrating, so that workers starting together take turns.
STARTUP_LOCKS = {
    "postgresql": ("SELECT pg_advisory_lock(7262017)", "SELECT pg_advisory_unlock(7262017)"),
    "mysql": ("SELECT GET_LOCK('upgrade_schema', 60)", "SELECT RELEASE_LOCK('upgrade_schema')"),
}


def upgrade_schema() -> None:
    """Bring the database to the newest migration: `alembic upgrade head`, under a lock."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    # SQLite serialises writers by itself.
    lock, unlock = STARTUP_LOCKS.get(engine.dialect.name, ("SELECT 1", "SELECT 1"))
    try:
        connection = engine.connect()
    except OperationalError as error:
        # One line that says which database, instead of a driver's traceback alone.
        reason = str(error.orig).strip().splitlines()[0]
        where = settings.database_location()
        raise RuntimeError(f"cannot connect to the {where}: {reason}") from None
    with connection:
        connection.execute(text(lock))
        try:
            # migrations/env.py runs on this connection, inside the lock.
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        finally:
            connection.rollback()  # nothing left after a commit; a failed migration's remains
            connection.execute(text(unlock))
            connection.commit()
