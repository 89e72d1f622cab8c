"""How a request gets its connection: a pure ASGI middleware gives it its own."""

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from .config import settings
from .database import db, fresh_state, request_state


class ConnectionMiddleware:
    """Gives each HTTP request its own connection state, and closes its connection.

    The state must be set here, in async code, before the endpoint's worker thread
    copies the context. Peewee connects on the first query, and a request waits for
    its turn at a connection only in the API's routes (`RequestConnection`):
    requests that never query (/docs, /health/live) neither wait nor take one. A
    pure ASGI middleware, unlike `@app.middleware("http")`, wraps the whole
    response, streaming body and background tasks included.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # At most one request per pooled connection holds one at once; the others
        # wait in `RequestConnection`, without holding a worker thread, instead of
        # blocking threads on the pool.
        self.turns = anyio.Semaphore(settings.database_pool_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state.update(turns=self.turns, has_turn=False)
        token = request_state.set(fresh_state())
        try:
            await self.app(scope, receive, send)
        finally:
            # Shielded: in a cancelled request (a client hung up) the close would
            # otherwise be cancelled too, and the connection never given back.
            with anyio.CancelScope(shield=True):
                if not db.is_closed():
                    await run_in_threadpool(db.close)  # back to the pool
            if state["has_turn"]:
                self.turns.release()
            request_state.reset(token)


async def wait_for_a_turn(request: Request) -> None:
    """Waits for the request's turn at a connection, in the event loop: before the
    endpoint's worker thread could wait for the pool."""
    if not request.state.has_turn:
        await request.state.turns.acquire()
        request.state.has_turn = True


# Added to every API route in main.py.
RequestConnection = Depends(wait_for_a_turn)
