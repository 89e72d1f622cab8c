"""How Alembic reaches the database: the application's engine and models, over asyncio.

`alembic upgrade head` from the command line connects with the application's
settings; at startup, `database.upgrade_schema()` hands over its own connection.
"""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from {{ cookiecutter.package_name }}.database import engine
from {{ cookiecutter.package_name }}.models import Base

config = context.config
# Only the command line (alembic.ini) configures logging; the application keeps its own.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters a table by copying it; let autogenerate write that.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    # `alembic upgrade head --sql`: print the SQL instead of running it.
    context.configure(url=engine.url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif isinstance(connection := config.attributes.get("connection"), Connection):
    # database.upgrade_schema(): already inside the application's event loop.
    run_migrations(connection)
else:
    asyncio.run(run_async_migrations())
