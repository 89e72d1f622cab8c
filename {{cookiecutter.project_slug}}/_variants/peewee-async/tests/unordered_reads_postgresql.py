"""Rows read back in an order no query asked for, on PostgreSQL: highest id first.

A query that forgets its ORDER BY then gets a wrong order, not the id order by luck.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from {{ cookiecutter.package_name }}.models import MODELS, Item, User

from .database_helpers import peewee_database, run


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    """Within the block, a SELECT without ORDER BY returns the rows stored so far backwards."""

    # PostgreSQL reads a table, and equal keys of an index, in the order the rows were
    # written: write them again, highest id first.
    def rewrite() -> None:
        with peewee_database().atomic():
            rows = [list(m.select().order_by(m.id.desc()).dicts()) for m in (User, Item)]
            for model in reversed(MODELS):
                model.delete().execute()
            for model, written in zip(MODELS, rows, strict=True):
                if written:
                    model.insert_many(written).execute()

    run(rewrite)
    yield
