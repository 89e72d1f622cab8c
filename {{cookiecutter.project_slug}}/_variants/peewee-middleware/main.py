"""The application: missing tables created at startup, then the routes.

Every HTTP request gets its connection from `deps.ConnectionMiddleware`; every API route
waits for its turn at one (`deps.RequestConnection`).
"""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi_offline import FastAPIOffline
from starlette.middleware import Middleware

from . import TITLE, __version__, database, health, models, routes
from .cancellation import WaitForThreadsOnCancel
from .config import settings
from .deps import ConnectionMiddleware, RequestConnection


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    if settings.migrate_on_startup:
        await run_in_threadpool(database.create_tables, models.MODELS)
    # What is loaded by now lives as long as the process. Frozen, the collector stops
    # rescanning it in every full collection, which large responses trigger: listing
    # 100 users with their items took about 25% less CPU.
    gc.freeze()
    yield
    # After the last in-flight request: a graceful stop closes its connections.
    await run_in_threadpool(database.close_pool)


app = FastAPIOffline(
    title=TITLE,
    version=__version__,
    lifespan=lifespan,
    middleware=[Middleware(WaitForThreadsOnCancel), Middleware(ConnectionMiddleware)],
)
app.include_router(routes.router, dependencies=[RequestConnection])
app.include_router(health.router)
