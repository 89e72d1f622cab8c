"""What the tests need from the database beyond the app: SQLAlchemy's events and resets."""

from collections.abc import Callable

from sqlalchemy import Connection, event, text

from {{ cookiecutter.package_name }}.database import engine
from {{ cookiecutter.package_name }}.models import Base


def listen_statements(listener: Callable[[object, str], None]) -> Callable[[], None]:
    """Call `listener(dbapi_connection, sql)` after each statement; returns a remover."""

    def after_cursor_execute(conn: Connection, _: object, sql: str, *__: object) -> None:
        listener(conn.connection.dbapi_connection, sql)

    event.listen(engine, "after_cursor_execute", after_cursor_execute)
    return lambda: event.remove(engine, "after_cursor_execute", after_cursor_execute)


def empty_tables() -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def drop_tables() -> None:
    """Drop the tables and the migrations' record, so the next startup migrates afresh."""
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
