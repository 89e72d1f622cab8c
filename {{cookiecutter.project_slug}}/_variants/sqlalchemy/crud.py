"""Queries. Writes commit here, so a failed commit fails the request."""

from argon2 import PasswordHasher
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import schemas
from .models import Item, User

password_hasher = PasswordHasher()


class EmailAlreadyRegistered(Exception):
    pass


class UserNotFound(Exception):
    pass


# Reads return plain rows, not ORM objects. A page of 100 users with 5 items each
# would be 600 tracked instances (identity map, state, collections) built to be
# read once by the response model: most of the request's time, with the garbage.
USER_COLUMNS = select(User.id, User.email, User.is_active)
ITEM_COLUMNS = select(Item.id, Item.title, Item.description, Item.owner_id)


def with_items(db: Session, users: Select[int, str, bool]) -> list[schemas.UserRow]:
    # Two statements whatever the page size: the users, then all their items.
    found = [
        schemas.UserRow(id=user_id, email=email, is_active=is_active, items=[])
        for user_id, email, is_active in db.execute(users)
    ]
    items_of = {user["id"]: user["items"] for user in found}
    if items_of:
        query = ITEM_COLUMNS.where(Item.owner_id.in_(list(items_of))).order_by(Item.id)
        for item_id, title, description, owner_id in db.execute(query):
            item = schemas.ItemRow(
                id=item_id, title=title, description=description, owner_id=owner_id
            )
            items_of[owner_id].append(item)
    return found


def get_user(db: Session, user_id: int) -> schemas.UserRow | None:
    users = with_items(db, USER_COLUMNS.where(User.id == user_id))
    return users[0] if users else None


def get_users(db: Session, skip: int = 0, limit: int = 100) -> list[schemas.UserRow]:
    return with_items(db, USER_COLUMNS.order_by(User.id).offset(skip).limit(limit))


def create_user(db: Session, user: schemas.UserCreate) -> User:
    hashed_password = password_hasher.hash(user.password)
    db_user = User(email=user.email, hashed_password=hashed_password, items=[])
    db.add(db_user)
    try:
        db.commit()
    except IntegrityError as error:
        # The unique index decides, so two simultaneous sign-ups cannot both win.
        db.rollback()
        raise EmailAlreadyRegistered(user.email) from error
    return db_user


def get_items(db: Session, skip: int = 0, limit: int = 100) -> list[Item]:
    return list(db.scalars(select(Item).order_by(Item.id).offset(skip).limit(limit)))


def create_user_item(db: Session, item: schemas.ItemCreate, user_id: int) -> Item:
    db_item = Item(**item.model_dump(), owner_id=user_id)
    db.add(db_item)
    try:
        db.commit()
    except IntegrityError as error:
        # The foreign key decides: one statement, no window between check and write.
        db.rollback()
        raise UserNotFound(user_id) from error
    return db_item
