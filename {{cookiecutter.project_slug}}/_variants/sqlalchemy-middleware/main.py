"""The application: the schema brought up to date at startup, then the routes.

Every HTTP request gets its Session from `deps.SessionMiddleware`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.middleware import Middleware

from . import database, routes
from .deps import SessionMiddleware


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(database.upgrade_schema)
    yield


app = FastAPI(lifespan=lifespan, middleware=[Middleware(SessionMiddleware)])
app.include_router(routes.router)
