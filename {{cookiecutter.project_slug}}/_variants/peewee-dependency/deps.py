"""How a request gets its connection: a dependency with `yield` that every route runs."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends

from .config import settings
from .database import db, fresh_state, request_state


async def fresh_connection_state() -> None:
    # Must be async: a sync dependency runs in a worker thread on a copy of the
    # context that is thrown away afterwards, and the fresh state with it.
    request_state.set(fresh_state())


def request_connection(_: Annotated[None, Depends(fresh_connection_state)]) -> Iterator[None]:
    db.connect()
    try:
        yield
    finally:
        if not db.is_closed():
            db.close()  # back to the pool


# Added to every API route in main.py. At most one request per pooled connection runs at
# once; the others wait here, without holding a worker thread, instead of blocking
# threads on the pool.
RequestConnection = Depends(request_connection, max_concurrency=settings.database_pool_size)
