"""The routes: every one is `async def` and awaits its database work; the models are bound."""

import anyio
from fastapi import APIRouter, HTTPException

from . import crud, schemas
from .models import Item, User
from .schemas import ALREADY_REGISTERED, BAD_BODY, NOT_FOUND, Limit, Skip, UserId

# How long /slowusers/ holds its connection before answering.
SLOW_USERS_SECONDS = 1.0

router = APIRouter()


@router.post("/users/", response_model=schemas.User, responses=ALREADY_REGISTERED)
async def create_user(user: schemas.UserCreate) -> User:
    try:
        return await crud.create_user(user)
    except crud.EmailAlreadyRegistered:
        raise HTTPException(status_code=400, detail="Email already registered") from None


@router.get("/users/", response_model=list[schemas.User])
async def read_users(skip: Skip = 0, limit: Limit = 100) -> list[User]:
    return await crud.get_users(skip=skip, limit=limit)


@router.get("/users/{user_id}", response_model=schemas.User, responses=NOT_FOUND)
async def read_user(user_id: UserId) -> User:
    db_user = await crud.get_user(user_id)
    if db_user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return db_user


@router.post("/users/{user_id}/items/", response_model=schemas.Item, responses=NOT_FOUND | BAD_BODY)
async def create_item_for_user(user_id: UserId, item: schemas.ItemCreate) -> Item:
    try:
        return await crud.create_user_item(item, user_id)
    except crud.UserNotFound:
        raise HTTPException(status_code=404, detail="User not found") from None


@router.get("/items/", response_model=list[schemas.Item])
async def read_items(skip: Skip = 0, limit: Limit = 100) -> list[Item]:
    return await crud.get_items(skip=skip, limit=limit)


@router.get("/slowusers/", response_model=list[schemas.User])
async def read_slow_users(skip: Skip = 0, limit: Limit = 100) -> list[User]:
    """The users list, held up on purpose while it keeps its connection.

    Send many at once to see that concurrent requests stay isolated.
    """
    users = await crud.get_users(skip=skip, limit=limit)
    await anyio.sleep(SLOW_USERS_SECONDS)
    return users
