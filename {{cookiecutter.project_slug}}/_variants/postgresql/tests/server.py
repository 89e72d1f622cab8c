"""What the tests ask of the PostgreSQL server itself, on connections of their own."""

from .database_helpers import query


def drop_every_connection() -> int:
    """Ends every other connection to the test database, as a server restart does."""
    ended = query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return len(ended)
