"""Each request's connection, handed back by a dependency with `yield` used app-wide."""

from collections.abc import AsyncIterator

import anyio

from .database import release_connection


async def request_connection() -> AsyncIterator[None]:
    """Releases the connection the request's task took on its first query.

    pwasyncio keys connections by asyncio task, and FastAPI runs this teardown in
    the request's task. Writes are committed or rolled back by `db.atomic()` in crud.
    """
    cancelled = False
    try:
        yield
    except anyio.get_cancelled_exc_class():
        cancelled = True
        raise
    finally:
        # Shielded: in a cancelled request the release would otherwise be cancelled
        # at its first await, after the connection was already forgotten.
        with anyio.CancelScope(shield=True):
            await release_connection(cancelled)
