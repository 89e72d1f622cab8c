"""The server's other sessions on the test database, as MySQL lists them: after a request is
cancelled, none may be left inside a transaction, and no more may stay open than the pool keeps;
and how the tests end them all, as a restart does."""

from .server_query import query

SESSIONS = (
    "SELECT p.command, t.trx_id IS NOT NULL FROM information_schema.processlist p"
    " LEFT JOIN information_schema.innodb_trx t ON t.trx_mysql_thread_id = p.id"
    " WHERE p.db = DATABASE() AND p.id <> CONNECTION_ID()"
)


def database_sessions() -> list[tuple[str, bool]]:
    """(state, inside a transaction) of each."""
    return [(str(state), bool(busy)) for state, busy in query(SESSIONS)]


def drop_every_connection() -> int:
    """Ends every other connection to the test database, as a server restart does."""
    others = query(
        "SELECT id FROM information_schema.processlist"
        " WHERE db = DATABASE() AND id <> CONNECTION_ID()"
    )
    for (connection_id,) in others:
        query(f"KILL {int(connection_id)}")
    return len(others)
