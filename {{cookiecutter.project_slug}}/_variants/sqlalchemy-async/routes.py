"""The routes: every one is `async def` and awaits its database work on the request's session."""

from collections.abc import Sequence

import anyio
from fastapi import APIRouter, HTTPException

from . import crud, schemas
from .deps import SessionDep
from .models import Item, User
from .schemas import ALREADY_REGISTERED, BAD_BODY, NOT_FOUND, Limit, Skip, UserId

# How long /slowusers/ holds its connection before answering.
SLOW_USERS_SECONDS = 1.0

router = APIRouter()


@router.post("/users/", response_model=schemas.User, responses=ALREADY_REGISTERED)
async def create_user(user: schemas.UserCreate, session: SessionDep) -> User:
    try:
        return await crud.create_user(session, user)
    except crud.EmailAlreadyRegistered:
        raise HTTPException(status_code=400, detail="Email already registered") from None


@router.get("/users/", response_model=list[schemas.User])
async def read_users(session: SessionDep, skip: Skip = 0, limit: Limit = 100) -> Sequence[User]:
    return await crud.get_users(session, skip=skip, limit=limit)


@router.get("/users/{user_id}", response_model=schemas.User, responses=NOT_FOUND)
async def read_user(user_id: UserId, session: SessionDep) -> User:
    db_user = await crud.get_user(session, user_id)
    if db_user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return db_user


@router.post("/users/{user_id}/items/", response_model=schemas.Item, responses=NOT_FOUND | BAD_BODY)
async def create_item_for_user(
    user_id: UserId, item: schemas.ItemCreate, session: SessionDep
) -> Item:
    try:
        return await crud.create_user_item(session, item, user_id)
    except crud.UserNotFound:
        raise HTTPException(status_code=404, detail="User not found") from None


@router.get("/items/", response_model=list[schemas.Item])
async def read_items(session: SessionDep, skip: Skip = 0, limit: Limit = 100) -> Sequence[Item]:
    return await crud.get_items(session, skip=skip, limit=limit)


@router.get("/slowusers/", response_model=list[schemas.User])
async def read_slow_users(
    session: SessionDep, skip: Skip = 0, limit: Limit = 100
) -> Sequence[User]:
    """The users list, held up on purpose while it keeps its connection.

    Send many at once to see that concurrent requests stay isolated.
    """
    users = await crud.get_users(session, skip=skip, limit=limit)
    await anyio.sleep(SLOW_USERS_SECONDS)
    return users
