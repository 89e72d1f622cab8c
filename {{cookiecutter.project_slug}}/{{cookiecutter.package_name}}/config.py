"""Settings, read from the environment and from a `.env` file in the working directory."""

from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


class Settings(BaseSettings):
    # The environment wins over `.env`; names are matched case-insensitively.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "{{ cookiecutter.database_url }}"
    # Connections kept per process. At most this many requests use the database at
    # once; the rest queue, so worker threads never all block waiting for the pool.
    database_pool_size: int = Field(default=10, ge=1)
    # `pgbouncer` when DATABASE_URL reaches PostgreSQL through PgBouncer in transaction
    # mode: a server-side prepared statement lives on one server connection, and the
    # next transaction may run on another, so the drivers prepare none.
    database_pooler: Literal["none", "pgbouncer"] = "none"
    # Off when deployments run the `migrate` module as a step of its own, before the
    # new version starts.
    migrate_on_startup: bool = True

    def database_location(self) -> str:
        """Which database the URL names, for messages: never its password."""
        url = urlsplit(self.database_url)
        if url.scheme == "sqlite":
            return f"SQLite database {unquote(url.path[1:])}"
        backend = url.scheme.split("+")[0]
        port = url.port or DEFAULT_PORTS[backend]
        name, user = unquote(url.path.lstrip("/")), unquote(url.username or "")
        return f"{backend} database {name!r} on {url.hostname}:{port} as {user!r}"


settings = Settings()
