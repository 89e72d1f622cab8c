"""Each request's connection, handed back by a dependency with `yield` that every route runs."""

from collections.abc import AsyncIterator

from .database import connection_released


# No cap on how many requests hold a connection at once, unlike in the sync projects:
# there a request waiting for the pool holds a worker thread, and once every thread waits,
# none is left for the requests that hold connections to finish. Here it waits in the
# event loop, queued by the pool itself (pool_size connections; acquire_timeout, 30 s).
async def request_connection() -> AsyncIterator[None]:
    """Releases the connection the request's task took on its first query.

    pwasyncio keys connections by asyncio task, and FastAPI runs this teardown in
    the request's task. Writes are committed or rolled back by `db.atomic()` in crud.
    """
    async with connection_released():
        yield
