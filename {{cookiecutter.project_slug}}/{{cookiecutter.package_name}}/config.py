"""Settings, read from the environment and from a `.env` file in the working directory."""

from typing import Literal, Self
from urllib.parse import quote, unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


class Settings(BaseSettings):
    # The environment wins over `.env`; names are matched case-insensitively.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "{{ (cookiecutter.database_url | database_url_parts).public_url }}"
    # The password of DATABASE_URL's user, when the URL names none: the URL can then be
    # committed and shown, and the password stay in the environment or in `.env` (which git
    # ignores). A password in DATABASE_URL itself wins; an empty one is none.
    database_password: SecretStr | None = None
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

    @field_validator("database_password", mode="before")
    @classmethod
    def empty_password_is_none(cls, value: object) -> object:
        return value or None

    @model_validator(mode="after")
    def password_into_url(self) -> Self:
        """DATABASE_PASSWORD into a server URL that names no password, percent-encoded:
        whatever reads `database_url` connects with it."""
        url = urlsplit(self.database_url)
        server = not url.scheme.startswith("sqlite")
        if self.database_password is not None and server and url.password is None:
            user, _, address = url.netloc.rpartition("@")
            password = quote(self.database_password.get_secret_value(), safe="")
            self.database_url = url._replace(netloc=f"{user}:{password}@{address}").geturl()
        return self

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
