"""What the tests ask of the MySQL server itself, on connections of their own."""

from .database_helpers import query


def drop_every_connection() -> int:
    """Ends every other connection to the test database, as a server restart does."""
    others = query(
        "SELECT id FROM information_schema.processlist"
        " WHERE db = DATABASE() AND id <> CONNECTION_ID()"
    )
    for (connection_id,) in others:
        query(f"KILL {int(connection_id)}")
    return len(others)
