"""The application and its routes."""

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool

from . import crud, models, schemas
from .database import DbSession, create_tables, middleware

# Bounds every database accepts; anything outside them is a 422, not a 500.
MAX_ID = 2**31 - 1
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
Skip = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=100)]

# How long /slowusers/ holds its connection before answering.
SLOW_USERS_SECONDS = 1.0

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": schemas.Message, "description": "User not found"}
}
BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.Message, "description": "The body is not valid JSON"}
}
ALREADY_REGISTERED: dict[int | str, dict[str, Any]] = {
    400: {
        "model": schemas.Message,
        "description": "Email already registered, or a body that is not JSON",
    }
}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(create_tables)
    # What is loaded by now lives as long as the process. Frozen, the collector stops
    # scanning it on every full collection, which each large response would trigger.
    gc.freeze()
    yield


app = FastAPI(lifespan=lifespan, middleware=middleware)


@app.post("/users/", response_model=schemas.User, responses=ALREADY_REGISTERED)
def create_user(user: schemas.UserCreate, db: DbSession) -> models.User:
    try:
        return crud.create_user(db, user)
    except crud.EmailAlreadyRegistered:
        raise HTTPException(status_code=400, detail="Email already registered") from None


@app.get("/users/", response_model=list[schemas.User])
def read_users(db: DbSession, skip: Skip = 0, limit: Limit = 100) -> list[schemas.UserRow]:
    return crud.get_users(db, skip=skip, limit=limit)


@app.get("/users/{user_id}", response_model=schemas.User, responses=NOT_FOUND)
def read_user(user_id: UserId, db: DbSession) -> schemas.UserRow:
    db_user = crud.get_user(db, user_id)
    if db_user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return db_user


@app.post("/users/{user_id}/items/", response_model=schemas.Item, responses=NOT_FOUND | BAD_BODY)
def create_item_for_user(user_id: UserId, item: schemas.ItemCreate, db: DbSession) -> models.Item:
    try:
        return crud.create_user_item(db, item, user_id)
    except crud.UserNotFound:
        raise HTTPException(status_code=404, detail="User not found") from None


@app.get("/items/", response_model=list[schemas.Item])
def read_items(db: DbSession, skip: Skip = 0, limit: Limit = 100) -> list[models.Item]:
    return crud.get_items(db, skip=skip, limit=limit)


@app.get("/slowusers/", response_model=list[schemas.User])
def read_slow_users(db: DbSession, skip: Skip = 0, limit: Limit = 100) -> list[schemas.UserRow]:
    """The users list, held up on purpose while it keeps its connection.

    Send many at once to see that concurrent requests stay isolated.
    """
    users = crud.get_users(db, skip=skip, limit=limit)
    time.sleep(SLOW_USERS_SECONDS)
    return users
