"""What SQLite says of the sessions on the test database. It has no server that lists them (the
open handles on the file, `open_connections`, are their count), but it tells whether one holds a
write transaction, which would lock every other writer out: after a request is cancelled, none
may."""

import sqlite3

from .open_connections import database_file


def database_sessions() -> list[tuple[str, bool]]:
    """(state, inside a transaction) of the session holding the write lock, if one does."""
    # A connection of its own, which takes the write lock at once or not at all.
    probe = sqlite3.connect(database_file(), timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError:  # database is locked
        return [("holding the write lock", True)]
    finally:
        probe.close()
    return []
