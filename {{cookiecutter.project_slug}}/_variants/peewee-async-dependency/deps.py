"""Each request's connection, handed back by a dependency with `yield` that every route runs."""

from collections.abc import AsyncIterator

from .database import connection_released


async def request_connection() -> AsyncIterator[None]:
    """Releases the connection the request's task took on its first query.

    pwasyncio keys connections by asyncio task, and FastAPI runs this teardown in
    the request's task. Writes are committed or rolled back by `db.atomic()` in crud.
    """
    async with connection_released():
        yield
