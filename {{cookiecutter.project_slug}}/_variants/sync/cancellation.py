"""A cancelled request's cleanup waits for its worker thread."""

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send


class WaitForThreadsOnCancel:
    """Runs each request in a task group, so that any cancellation waits for its thread.

    Sync routes and dependencies run in worker threads, which nothing can stop. AnyIO's
    cancellation waits for the running thread before cleanup starts; asyncio's
    `task.cancel()` (a server's shutdown timeout, `asyncio.timeout`) does not, and the
    request's connection would be closed while its thread still uses it. Measured
    without this class: connections never given back, and SQLite crashing the process.
    A task group turns either kind of cancellation into AnyIO's.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def request() -> None:
            await self.app(scope, receive, send)

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(request)
        except BaseExceptionGroup as errors:
            error = errors.exceptions[0]  # one task, one error
        else:
            return
        raise error  # as the app raised it, not wrapped in a group
