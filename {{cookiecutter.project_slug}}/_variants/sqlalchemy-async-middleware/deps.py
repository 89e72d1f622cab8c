"""One AsyncSession per request, opened by a pure ASGI middleware."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from .database import SessionLocal


class SessionMiddleware:
    """Gives each HTTP request a session, closed once the whole response is sent.

    A pure ASGI middleware, unlike `@app.middleware("http")`: it wraps the whole
    response, streaming body and background tasks included. The session connects
    on its first query, so requests that never query (/docs) take no connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # `async with`: AsyncSession.__aexit__ closes the session to completion
        # even when the request is cancelled or the endpoint raised; closing
        # rolls back whatever was left uncommitted.
        async with SessionLocal() as session:
            scope.setdefault("state", {})["session"] = session
            await self.app(scope, receive, send)


async def get_session(request: Request) -> AsyncSession:
    # async def: a plain def dependency would cost a worker-thread round trip.
    session: AsyncSession = request.state.session
    return session


# No cap on how many requests hold a session at once, unlike in the sync projects: there
# a request waiting for the pool holds a worker thread, and once every thread waits, none
# is left for the requests that hold connections to finish. Here it waits in the event
# loop, queued by the pool itself (pool_size connections at most; pool_timeout, 30 s).
SessionDep = Annotated[AsyncSession, Depends(get_session)]
