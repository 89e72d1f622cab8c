"""Each request's connection, handed back by a pure ASGI middleware."""

from starlette.types import ASGIApp, Receive, Scope, Send

from .database import connection_released


# No cap on how many requests hold a connection at once, unlike in the sync projects:
# there a request waiting for the pool holds a worker thread, and once every thread waits,
# none is left for the requests that hold connections to finish. Here it waits in the
# event loop, queued by the pool itself (pool_size connections; acquire_timeout, 30 s).
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
        async with connection_released():
            await self.app(scope, receive, send)
