"""Each request's connection, handed back by a pure ASGI middleware."""

from starlette.types import ASGIApp, Receive, Scope, Send

from .database import connection_released


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
