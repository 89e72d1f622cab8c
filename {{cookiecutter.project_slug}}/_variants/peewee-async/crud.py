"""Queries, run through pwasyncio. Writes run in a transaction: a failed write leaves nothing."""

import anyio.to_thread
import peewee
from argon2 import PasswordHasher

from . import schemas
from .database import db
from .models import Item, User

password_hasher = PasswordHasher()


class EmailAlreadyRegistered(Exception):
    pass


class UserNotFound(Exception):
    pass


async def with_items(users: "peewee.ModelSelect[User]") -> list[User]:
    # Two statements whatever the page size: the users, then the items of all of them.
    found: list[User] = await db.aprefetch(users, Item.select().order_by(Item.id))
    return found


async def get_user(user_id: int) -> User | None:
    found = await with_items(User.select().where(User.id == user_id))
    return found[0] if found else None


async def get_users(skip: int = 0, limit: int = 100) -> list[User]:
    return await with_items(User.select().order_by(User.id).offset(skip).limit(limit))


async def create_user(user: schemas.UserCreate) -> User:
    # Argon2 takes tens of milliseconds of CPU: hash off the event loop.
    hashed_password = await anyio.to_thread.run_sync(password_hasher.hash, user.password)
    fields = user.model_dump(exclude={"password"})
    try:
        async with db.atomic():
            db_user: User = await db.run(User.create, **fields, hashed_password=hashed_password)
    except peewee.IntegrityError as error:
        # The unique index decides, so two simultaneous sign-ups cannot both win.
        raise EmailAlreadyRegistered(user.email) from error
    db_user.items = []  # a new user has none; the response reads them without a query
    return db_user


async def get_items(skip: int = 0, limit: int = 100) -> list[Item]:
    items: list[Item] = await db.list(Item.select().order_by(Item.id).offset(skip).limit(limit))
    return items


async def create_user_item(item: schemas.ItemCreate, user_id: int) -> Item:
    try:
        async with db.atomic():
            db_item: Item = await db.run(Item.create, **item.model_dump(), owner=user_id)
    except peewee.IntegrityError as error:
        # The foreign key decides: one statement, no window between check and write.
        raise UserNotFound(user_id) from error
    return db_item
