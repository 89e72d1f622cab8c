"""The engine, its sessions, and the schema: Alembic's migrations, applied at startup."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from .config import settings

# Plain postgresql:// and mysql:// URLs mean psycopg 3 and PyMySQL here.
DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}


def engine_url(url: str) -> URL:
    parsed = make_url(url)
    return parsed.set(drivername=DRIVERS.get(parsed.drivername, parsed.drivername))


def driver_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "postgresql" and settings.database_pooler == "pgbouncer":
        # psycopg prepares a statement it has run 5 times; through PgBouncer the next
        # transaction may run on a server connection that never saw it.
        return {"prepare_threshold": None}
    return {}


# No pool_pre_ping: it costs a round trip on every request (psycopg's empty query: 0.07 ms
# on a local PostgreSQL, one round trip of a user read's four). Without it, after the server
# drops its connections (a restart) the first request to use a dead one fails, and
# SQLAlchemy then replaces every connection the pool holds, so none fails after it
# (tests/plumbing/test_database_restart.py).
engine = create_engine(
    engine_url(settings.database_url),
    pool_size=settings.database_pool_size,
    max_overflow=0,
    connect_args=driver_options(engine_url(settings.database_url)),
)

# Objects stay readable after a commit: the response is built from them without
# another round trip to the database.
SessionLocal = sessionmaker(engine, expire_on_commit=False)

if engine.dialect.name == "sqlite":

    @event.listens_for(engine, "connect")
    def enforce_foreign_keys(dbapi_connection: Any, _: object) -> None:
        cursor = dbapi_connection.cursor()  # SQLAlchemy's recipe, for any DB-API driver
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


def ping() -> None:
    """One trivial query, on a pooled connection that goes straight back."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


MIGRATIONS = Path(__file__).with_name("migrations")
LOCK_WAIT_SECONDS = 60  # how long a process waits for another one's schema change
# MySQL's named locks are the server's: one per database, as PostgreSQL's advisory locks are.
MYSQL_LOCK = "LEFT(CONCAT('schema of ', DATABASE()), 64)"


@contextmanager
def schema_lock(connection: Connection) -> Iterator[None]:
    """Held while migrating, so that workers and replicas starting together take turns."""
    if engine.dialect.name == "postgresql":
        # Scoped to the transaction the migration runs in: its commit, or the rollback
        # of a failed one, releases it on the server connection that took it, which
        # holds also through PgBouncer in transaction mode.
        connection.execute(text("SELECT pg_advisory_xact_lock(7262017)"))
        yield
    elif engine.dialect.name == "mysql":
        # MySQL commits DDL as it runs, so no transaction can hold the lock: a named
        # lock of the session, on a connection to the server itself.
        taken = connection.execute(
            text(f"SELECT GET_LOCK({MYSQL_LOCK}, :wait)"), {"wait": LOCK_WAIT_SECONDS}
        ).scalar()
        if taken != 1:
            raise RuntimeError(
                f"schema left as it is: another process held its lock for {LOCK_WAIT_SECONDS} s"
            )
        try:
            yield
        finally:
            connection.execute(text(f"SELECT RELEASE_LOCK({MYSQL_LOCK})"))
    else:
        # SQLite: the file's write lock, taken up front (the driver begins no transaction
        # for DDL, so two workers could both create the tables): a second process waits
        # for it (the 5 s busy timeout), then finds the schema up to date.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield


def upgrade_schema() -> None:
    """Bring the database to the newest migration: `alembic upgrade head`, under a lock."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    try:
        connection = engine.connect()
    except (DBAPIError, OSError) as error:
        # The driver's error, wrapped by SQLAlchemy (DBAPIError), or a socket's error
        # that a driver leaves unwrapped (OSError).
        # One line that says which database, instead of a driver's traceback alone.
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        where = settings.database_location()
        raise RuntimeError(f"cannot connect to the {where}: {reason}") from None
    with connection, schema_lock(connection):
        # migrations/env.py runs on this connection, inside the lock.
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()  # before MySQL's lock is released; releases PostgreSQL's
