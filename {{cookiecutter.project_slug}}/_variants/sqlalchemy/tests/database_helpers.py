"""What the tests need from the database beyond the app: SQLAlchemy's table resets, and rows
read back as stored."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.database import engine
from {{ cookiecutter.package_name }}.models import Base, User


def stored_password_hash(email: str) -> str:
    with Session(engine) as session:
        return session.scalars(select(User.hashed_password).where(User.email == email)).one()


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards.

    So a query that forgets its ORDER BY gets a wrong order, not the id order by luck.
    MySQL cannot be made to: InnoDB keeps rows in primary key order and reads them so.
    """
    if engine.dialect.name == "postgresql":
        # PostgreSQL reads a table, and equal keys of an index, in the order the rows
        # were written: write them again, highest id first.
        tables = Base.metadata.sorted_tables
        with engine.begin() as connection:
            rows = [connection.execute(t.select().order_by(t.c.id.desc())).all() for t in tables]
            for table in reversed(tables):
                connection.execute(table.delete())
            for table, written in zip(tables, rows, strict=True):
                if written:
                    connection.execute(table.insert(), [row._asdict() for row in written])
    elif engine.dialect.name == "sqlite":
        # SQLite reads a table in id order; this pragma runs unordered reads backwards.
        event.listen(engine, "checkout", reverse_unordered_selects)
    try:
        yield
    finally:
        if event.contains(engine, "checkout", reverse_unordered_selects):
            event.remove(engine, "checkout", reverse_unordered_selects)
            engine.dispose()  # the pooled connections still have the pragma on


def reverse_unordered_selects(dbapi_connection: Any, *_: object) -> None:
    dbapi_connection.execute("PRAGMA reverse_unordered_selects = ON")


def empty_tables() -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def drop_tables() -> None:
    """Drop the tables and the migrations' record, so the next startup migrates afresh."""
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
