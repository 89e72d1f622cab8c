"""The matrix of supported answers, and where each cell's database lives."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import psycopg
import pymysql

from local_extensions import DEFAULT_PORTS

ORMS = ("sqlalchemy", "peewee")
STRATEGIES = ("dependency", "middleware")
MODES = (False, True)  # use_async
BACKENDS = ("sqlite", "postgresql", "mysql")

# Admin URLs of the servers the real-database cells run on.
POSTGRES_URL = os.environ.get("TEMPLATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_URL = os.environ.get("TEMPLATE_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql")
# Set (as CI does) to make an unreachable server a failure instead of a skip.
REQUIRE_SERVERS = os.environ.get("TEMPLATE_TEST_REQUIRE_SERVERS") == "1"


@dataclass(frozen=True)
class Cell:
    orm: str
    strategy: str
    backend: str
    use_async: bool = False

    @property
    def id(self) -> str:
        return f"{self.orm}-{self.strategy}-{'async' if self.use_async else 'sync'}-{self.backend}"

    def answers(self, database_url: str) -> dict[str, str | bool]:
        return {
            "orm": self.orm,
            "session_strategy": self.strategy,
            "use_async": self.use_async,
            "database_url": database_url,
            "project_slug": self.id,
        }


# Every supported combination of answers: 2 ORMs x 2 strategies x sync/async x 3 databases.
CELLS = [Cell(o, s, b, a) for b in BACKENDS for a in MODES for o in ORMS for s in STRATEGIES]


def server_address(backend: str) -> tuple[str, int, str, str]:
    parts = urlsplit(POSTGRES_URL if backend == "postgresql" else MYSQL_URL)
    host = parts.hostname or "127.0.0.1"
    return host, parts.port or DEFAULT_PORTS[backend], parts.username or "", parts.password or ""


def server_problem(backend: str) -> str | None:
    """Why the backend's server cannot be used, or None when it can."""
    try:
        with admin_connection(backend):
            return None
    except Exception as error:  # any failure to connect means: no server here
        return f"no {backend} server reachable ({type(error).__name__}: {error})"


@contextmanager
def admin_connection(backend: str) -> Iterator[psycopg.Connection | pymysql.Connection]:
    if backend == "postgresql":
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
            yield conn
    else:
        host, port, user, password = server_address(backend)
        conn = pymysql.connect(host=host, port=port, user=user, password=password, connect_timeout=3)
        try:
            yield conn
        finally:
            conn.close()


@contextmanager
def throwaway_database(backend: str, directory: str) -> Iterator[str]:
    """A database URL that exists for the duration of the block, then is dropped."""
    if backend == "sqlite":
        yield f"sqlite:///{directory}/app.db"
        return
    name = f"tpl_{uuid.uuid4().hex[:12]}"
    with admin_connection(backend) as conn, conn.cursor() as cursor:
        if backend == "postgresql":
            cursor.execute(f'CREATE DATABASE "{name}"')
        else:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    host, port, user, password = server_address(backend)
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    try:
        yield f"{backend}://{credentials}@{host}:{port}/{name}"
    finally:
        with admin_connection(backend) as conn, conn.cursor() as cursor:
            if backend == "postgresql":
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def tables_of(cell: Cell, database_url: str) -> set[str]:
    name = database_url.rsplit("/", 1)[1]
    if cell.backend == "postgresql":
        with psycopg.connect(database_url, autocommit=True) as conn:
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    else:
        with admin_connection(cell.backend) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (name,))
            rows = list(cursor.fetchall())
    return {row[0] for row in rows}


def expected_tables(cell: Cell) -> set[str]:
    return {"users", "items"} | ({"alembic_version"} if cell.orm == "sqlalchemy" else set())
