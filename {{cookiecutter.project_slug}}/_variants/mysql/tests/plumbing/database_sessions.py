"""The server's other sessions on the test database, as MySQL lists them: after a request is
cancelled, none may be left inside a transaction, and no more may stay open than the pool keeps."""

from .server_query import query

SESSIONS = (
    "SELECT p.command, t.trx_id IS NOT NULL FROM information_schema.processlist p"
    " LEFT JOIN information_schema.innodb_trx t ON t.trx_mysql_thread_id = p.id"
    " WHERE p.db = DATABASE() AND p.id <> CONNECTION_ID()"
)


def database_sessions() -> list[tuple[str, bool]]:
    """(state, inside a transaction) of each."""
    return [(str(state), bool(busy)) for state, busy in query(SESSIONS)]
