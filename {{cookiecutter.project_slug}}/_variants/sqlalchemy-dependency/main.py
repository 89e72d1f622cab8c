"""The application: the schema brought up to date at startup, then the routes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from . import database, routes


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(database.upgrade_schema)
    yield


app = FastAPI(lifespan=lifespan)
app.include_router(routes.router)
