"""What SQLite shows of the sessions on the test database. It has no server that lists them (the
open handles on the file, `open_connections`, are their count), but a write transaction keeps
its rollback journal next to the file until it ends: after a request is cancelled, none may."""

from .open_connections import database_file


def database_sessions() -> list[tuple[str, bool]]:
    """(state, inside a transaction) of the session writing, if one is."""
    journal = database_file().with_name(f"{database_file().name}-journal")
    return [("writing", True)] if journal.exists() else []
