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
    lazily, so requests that never query (/docs) take no connection. Closing rolls
    back whatever the request left uncommitted, even when the endpoint raised.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # At most one request per pooled connection runs at once; the others wait
        # here, without holding a worker thread, instead of blocking threads on the pool.
        self.slots = anyio.Semaphore(settings.database_pool_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self.slots:
            session = SessionLocal()
            scope.setdefault("state", {})["session"] = session
            try:
                await self.app(scope, receive, send)
            finally:
                # Shielded: in a cancelled request (a client hung up) the close would
                # otherwise be cancelled too, and the connection never given back.
                with anyio.CancelScope(shield=True):
                    await run_in_threadpool(session.close)


def get_session(request: Request) -> Session:
    session: Session = request.state.session
    return session


SessionDep = Annotated[Session, Depends(get_session)]
