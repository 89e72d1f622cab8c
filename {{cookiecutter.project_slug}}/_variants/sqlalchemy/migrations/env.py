"""How Alembic reaches the database: the application's URL and models."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from {{ cookiecutter.package_name }}.database import DATABASE_URL, engine_url
from {{ cookiecutter.package_name }}.models import Base

if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name)

# DATABASE_URL as the application reads it, passed as a URL object: it never goes
# through alembic.ini's parser, for which a `%` in a password would be syntax.
url = engine_url(DATABASE_URL)
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with create_engine(url, poolclass=pool.NullPool).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite alters a table by copying it; let autogenerate write that.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
