"""Queries. Writes run in a transaction, so a failed write leaves nothing behind."""

from collections.abc import Iterable
from typing import Any

import peewee
from argon2 import PasswordHasher

from . import schemas
from .models import Item, User

password_hasher = PasswordHasher()


class EmailAlreadyRegistered(Exception):
    pass


class UserNotFound(Exception):
    pass


# Every function takes the request's database first; the models are bound to it.


# Reads return plain rows (dicts), not model instances: a page of 100 users with 5
# items each would be 600 instances built to be read once by the response model.
USER_COLUMNS = (User.id, User.email, User.is_active)
ITEM_COLUMNS = (Item.id, Item.title, Item.description, Item.owner.alias("owner_id"))


def with_items(users: "peewee.ModelSelect[User]") -> list[schemas.UserRow]:
    # Two statements whatever the page size: the users, then all their items.
    # `.dicts()` makes the rows dicts; the stubs still type them as models.
    rows: Iterable[Any] = users.dicts()
    found: list[schemas.UserRow] = list(rows)
    items_of = {user["id"]: user.setdefault("items", []) for user in found}
    if items_of:
        items: Iterable[Any] = (
            Item.select(*ITEM_COLUMNS)
            .where(Item.owner.in_(list(items_of)))
            .order_by(Item.id)
            .dicts()
        )
        for item in items:
            items_of[item["owner_id"]].append(item)
    return found


def get_user(db: peewee.Database, user_id: int) -> schemas.UserRow | None:
    users = with_items(User.select(*USER_COLUMNS).where(User.id == user_id))
    return users[0] if users else None


def get_users(db: peewee.Database, skip: int = 0, limit: int = 100) -> list[schemas.UserRow]:
    return with_items(User.select(*USER_COLUMNS).order_by(User.id).offset(skip).limit(limit))


def create_user(db: peewee.Database, user: schemas.UserCreate) -> User:
    hashed_password = password_hasher.hash(user.password)
    try:
        with db.atomic():
            db_user: User = User.create(email=user.email, hashed_password=hashed_password)
    except peewee.IntegrityError as error:
        # The unique index decides, so two simultaneous sign-ups cannot both win.
        raise EmailAlreadyRegistered(user.email) from error
    db_user.items = []
    return db_user


def get_items(db: peewee.Database, skip: int = 0, limit: int = 100) -> list[Item]:
    return list(Item.select().order_by(Item.id).offset(skip).limit(limit))


def create_user_item(db: peewee.Database, item: schemas.ItemCreate, user_id: int) -> Item:
    try:
        with db.atomic():
            db_item: Item = Item.create(**item.model_dump(), owner=user_id)
    except peewee.IntegrityError as error:
        # The foreign key decides: one statement, no window between check and write.
        raise UserNotFound(user_id) from error
    return db_item
