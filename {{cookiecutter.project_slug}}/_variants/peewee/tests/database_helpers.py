"""What the tests need from the database beyond the app: Peewee's table resets, and rows read
back as stored."""

from collections.abc import Iterator
from contextlib import contextmanager

import peewee

from {{ cookiecutter.package_name }}.database import db
from {{ cookiecutter.package_name }}.models import MODELS, Item, User


def stored_password_hash(email: str) -> str:
    with db.connection_context():
        hashed: str = User.get(User.email == email).hashed_password
    return hashed


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards.

    So a query that forgets its ORDER BY gets a wrong order, not the id order by luck.
    MySQL cannot be made to: InnoDB keeps rows in primary key order and reads them so.
    """
    if isinstance(db, peewee.PostgresqlDatabase):
        # PostgreSQL reads a table, and equal keys of an index, in the order the rows
        # were written: write them again, highest id first.
        with db.connection_context(), db.atomic():
            rows = [list(m.select().order_by(m.id.desc()).dicts()) for m in (User, Item)]
            for model in reversed(MODELS):
                model.delete().execute()
            for model, written in zip(MODELS, rows, strict=True):
                if written:
                    model.insert_many(written).execute()
    elif isinstance(db, peewee.SqliteDatabase):
        # SQLite reads a table in id order; this pragma, set on every new connection,
        # runs unordered reads backwards.
        with db.connection_context():
            db.pragma("reverse_unordered_selects", 1, permanent=True)
    try:
        yield
    finally:
        if isinstance(db, peewee.SqliteDatabase):
            with db.connection_context():
                db.pragma("reverse_unordered_selects", 0, permanent=True)


def empty_tables() -> None:
    with db.connection_context():
        for model in reversed(MODELS):
            model.delete().execute()


def drop_tables() -> None:
    with db.connection_context():
        db.drop_tables(MODELS)
