"""The routes. The models are bound to the database; each request has its own connection."""

import time

from fastapi import APIRouter, HTTPException

from . import crud, schemas
from .models import Item, User
from .schemas import ALREADY_REGISTERED, BAD_BODY, NOT_FOUND, Limit, Skip, UserId

# How long /slowusers/ holds its connection before answering.
SLOW_USERS_SECONDS = 1.0

router = APIRouter()


@router.post("/users/", response_model=schemas.User, responses=ALREADY_REGISTERED)
def create_user(user: schemas.UserCreate) -> User:
    try:
        return crud.create_user(user)
    except crud.EmailAlreadyRegistered:
        raise HTTPException(status_code=400, detail="Email already registered") from None


@router.get("/users/", response_model=list[schemas.User])
def read_users(skip: Skip = 0, limit: Limit = 100) -> list[User]:
    return crud.get_users(skip=skip, limit=limit)


@router.get("/users/{user_id}", response_model=schemas.User, responses=NOT_FOUND)
def read_user(user_id: UserId) -> User:
    db_user = crud.get_user(user_id)
    if db_user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return db_user


@router.post("/users/{user_id}/items/", response_model=schemas.Item, responses=NOT_FOUND | BAD_BODY)
def create_item_for_user(user_id: UserId, item: schemas.ItemCreate) -> Item:
    try:
        return crud.create_user_item(item, user_id)
    except crud.UserNotFound:
        raise HTTPException(status_code=404, detail="User not found") from None


@router.get("/items/", response_model=list[schemas.Item])
def read_items(skip: Skip = 0, limit: Limit = 100) -> list[Item]:
    return crud.get_items(skip=skip, limit=limit)


@router.get("/slowusers/", response_model=list[schemas.User])
def read_slow_users(skip: Skip = 0, limit: Limit = 100) -> list[User]:
    """The users list, held up on purpose while it keeps its connection.

    Send many at once to see that concurrent requests stay isolated.
    """
    users = crud.get_users(skip=skip, limit=limit)
    time.sleep(SLOW_USERS_SECONDS)
    return users
