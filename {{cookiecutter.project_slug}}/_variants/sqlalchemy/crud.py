"""Queries. Writes commit here, so a failed commit fails the request."""

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from . import schemas
from .models import Item, User

password_hasher = PasswordHasher()


class EmailAlreadyRegistered(Exception):
    pass


class UserNotFound(Exception):
    pass


def get_user(db: Session, user_id: int) -> User | None:
    return db.get(User, user_id, options=[selectinload(User.items)])


def get_users(db: Session, skip: int = 0, limit: int = 100) -> list[User]:
    # Two statements whatever the page size: the users, then all their items.
    query = (
        select(User).options(selectinload(User.items)).order_by(User.id).offset(skip).limit(limit)
    )
    return list(db.scalars(query))


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
