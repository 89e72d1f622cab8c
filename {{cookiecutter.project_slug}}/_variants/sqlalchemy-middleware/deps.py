"""How a request gets its Session: a pure ASGI middleware opens and closes it."""

from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from .config import settings
from .database import SessionLocal


class SessionMiddleware:
    """Opens a Session for each HTTP request and closes it once the response is sent.

    A pure ASGI middleware, unlike `@app.middleware("http")`: it wraps the whole
    response, streaming body and background tasks included. The Session connects
    lazily, and a request waits for its turn at a connection only when it asks for
    its Session (`get_session`): requests that never query (/docs, /health/live)
    neither wait nor take one. Closing rolls back whatever the request left
    uncommitted, even when the endpoint raised.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # At most one request per pooled connection holds its Session at once; the
        # others wait in `get_session`, without holding a worker thread, instead of
        # blocking threads on the pool.
        self.turns = anyio.Semaphore(settings.database_pool_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state.update(session=SessionLocal(), turns=self.turns, has_turn=False)
        try:
            await self.app(scope, receive, send)
        finally:
            # Shielded: in a cancelled request (a client hung up) the close would
            # otherwise be cancelled too, and the connection never given back.
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(state["session"].close)
            if state["has_turn"]:
                self.turns.release()  # its connection is back in the pool


async def get_session(request: Request) -> Session:
    """The request's Session, once it is the request's turn at a connection.

    async def: the wait is in the event loop, before the endpoint's worker thread
    could wait for the pool.
    """
    if not request.state.has_turn:
        await request.state.turns.acquire()
        request.state.has_turn = True
    session: Session = request.state.session
    return session


SessionDep = Annotated[Session, Depends(get_session)]
