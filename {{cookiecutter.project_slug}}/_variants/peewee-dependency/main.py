"""The application: missing tables created at startup, then the routes.

Every route runs `deps.RequestConnection`, which gives the request its connection.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from . import database, models, routes
from .deps import RequestConnection


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(database.create_tables, models.MODELS)
    yield


app = FastAPI(lifespan=lifespan, dependencies=[RequestConnection])
app.include_router(routes.router)
