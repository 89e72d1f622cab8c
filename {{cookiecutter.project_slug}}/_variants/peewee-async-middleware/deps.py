"""Each request's connection, handed back by a pure ASGI middleware."""

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from .database import release_connection


class ConnectionMiddleware:
    """Releases each HTTP request's connection once the whole response is sent.

    pwasyncio connects on the first query, for the current asyncio task: the
    request's, which this middleware runs in. Requests that never query (/docs)
    take no connection. A pure ASGI middleware, unlike `@app.middleware("http")`,
    wraps the whole response, streaming body and background tasks included.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cancelled = False
        try:
            await self.app(scope, receive, send)
        except anyio.get_cancelled_exc_class():
            cancelled = True
            raise
        finally:
            # Shielded: in a cancelled request the release would otherwise be
            # cancelled at its first await, after the connection was forgotten.
            with anyio.CancelScope(shield=True):
                await release_connection(cancelled)
