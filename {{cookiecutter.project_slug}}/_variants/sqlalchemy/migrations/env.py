"""How Alembic reaches the database: the application's engine and models.

From the command line (`alembic upgrade head`), the migrations run on that engine;
at startup, `database.upgrade_schema()` hands over its own connection instead.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from {{ cookiecutter.package_name }}.database import engine
from {{ cookiecutter.package_name }}.models import Base

target_metadata = Base.metadata
# Only the command line (alembic.ini) configures logging; the application keeps its own.
if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name)


def run_migrations(connection: Connection) -> None:
    """Run the migrations on a connection."""
    # SQLite alters a table by copying it; let autogenerate write that.
    batch = connection.dialect.name == "sqlite"
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=batch)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_from_the_command_line() -> None:
    with engine.connect() as connection:
        run_migrations(connection)


if context.is_offline_mode():
    # `alembic upgrade head --sql`: print the SQL instead of running it.
    context.configure(url=engine.url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif isinstance(connection := context.config.attributes.get("connection"), Connection):
    run_migrations(connection)  # database.upgrade_schema()
else:
    run_migrations_from_the_command_line()
