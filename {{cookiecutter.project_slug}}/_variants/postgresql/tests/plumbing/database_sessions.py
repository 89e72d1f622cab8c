"""The server's other sessions on the test database, as PostgreSQL lists them: after a request is
cancelled, none may be left inside a transaction, and no more may stay open than the pool keeps;
and how the tests end them all, as a restart does."""

from .server_query import query

SESSIONS = (
    "SELECT state, left(state, 19) = 'idle in transaction' FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def database_sessions() -> list[tuple[str, bool]]:
    """(state, inside a transaction) of each."""
    return [(str(state), bool(busy)) for state, busy in query(SESSIONS)]


def drop_every_connection() -> int:
    """Ends every other connection to the test database, as a server restart does."""
    ended = query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return len(ended)
