"""One AsyncSession per request, handed out by a dependency with `yield`."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from .database import SessionLocal


async def get_session() -> AsyncIterator[AsyncSession]:
    # `async with`, not `finally: await session.close()`: AsyncSession.__aexit__
    # runs close() to completion even when the request is cancelled, so the
    # connection always goes back to the pool, rolled back.
    async with SessionLocal() as session:
        try:
            yield session
        except Exception:
            # Raised by the endpoint: undo what it left uncommitted, then let
            # FastAPI turn the exception into its response.
            await session.rollback()
            raise


# No cap on how many requests hold a session at once, unlike in the sync projects: there
# a request waiting for the pool holds a worker thread, and once every thread waits, none
# is left for the requests that hold connections to finish. Here it waits in the event
# loop, queued by the pool itself (pool_size connections at most; pool_timeout, 30 s).
SessionDep = Annotated[AsyncSession, Depends(get_session)]
