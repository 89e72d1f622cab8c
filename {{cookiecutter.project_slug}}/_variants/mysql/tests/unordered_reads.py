"""Rows read back in an order no query asked for: not on MySQL.

InnoDB keeps a table's rows in primary key order and reads them so; nothing makes an unordered
read come back another way, so the ordering tests pass here even without an ORDER BY. SQLite and
PostgreSQL projects catch a missing one.
"""

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def unordered_reads_reversed() -> Iterator[None]:
    yield
