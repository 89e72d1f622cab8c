"""Queries on the bound models. Writes run in a transaction, so a failed write leaves nothing."""

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


def with_items(users: "peewee.ModelSelect[User]") -> list[User]:
    # Two statements whatever the page size: the users, then the items of all of them.
    found: list[User] = peewee.prefetch(users, Item.select().order_by(Item.id))
    return found


def get_user(user_id: int) -> User | None:
    found = with_items(User.select().where(User.id == user_id))
    return found[0] if found else None


def get_users(skip: int = 0, limit: int = 100) -> list[User]:
    return with_items(User.select().order_by(User.id).offset(skip).limit(limit))


def create_user(user: schemas.UserCreate) -> User:
    # Argon2 takes tens of milliseconds of CPU: here in the request's worker thread.
    hashed_password = password_hasher.hash(user.password)
    fields = user.model_dump(exclude={"password"})
    try:
        with db.atomic():
            db_user: User = User.create(**fields, hashed_password=hashed_password)
    except peewee.IntegrityError as error:
        # The unique index decides, so two simultaneous sign-ups cannot both win.
        raise EmailAlreadyRegistered(user.email) from error
    db_user.items = []  # a new user has none; the response reads them without a query
    return db_user


def get_items(skip: int = 0, limit: int = 100) -> list[Item]:
    return list(Item.select().order_by(Item.id).offset(skip).limit(limit))


def create_user_item(item: schemas.ItemCreate, user_id: int) -> Item:
    try:
        with db.atomic():
            db_item: Item = Item.create(**item.model_dump(), owner=user_id)
    except peewee.IntegrityError as error:
        # The foreign key decides: one statement, no window between check and write.
        raise UserNotFound(user_id) from error
    return db_item
