"""Queries. Writes commit here, so a failed commit fails the request."""

from collections.abc import Sequence

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from . import schemas
from .models import Item, User

password_hasher = PasswordHasher()


class EmailAlreadyRegistered(Exception):
    pass


class UserNotFound(Exception):
    pass


# Items are loaded with their users, never lazily (lazy="raise" on the model). One
# user: one statement, joined to its items. A page: two whatever its size, the users
# then all their items, which a join would repeat each user's columns for.
USER_WITH_ITEMS = joinedload(User.items)
USERS_WITH_ITEMS = selectinload(User.items)


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id, options=[USER_WITH_ITEMS])


def get_users(session: Session, skip: int = 0, limit: int = 100) -> Sequence[User]:
    query = select(User).options(USERS_WITH_ITEMS).order_by(User.id).offset(skip).limit(limit)
    return session.scalars(query).all()


def create_user(session: Session, user: schemas.UserCreate) -> User:
    # Argon2 takes tens of milliseconds of CPU: here in the request's worker thread.
    hashed_password = password_hasher.hash(user.password)
    db_user = User(**user.model_dump(exclude={"password"}), hashed_password=hashed_password)
    db_user.items = []  # a new user has none; the response reads them without a query
    session.add(db_user)
    try:
        session.commit()
    except IntegrityError as error:
        # The unique index decides, so two simultaneous sign-ups cannot both win.
        session.rollback()
        raise EmailAlreadyRegistered(user.email) from error
    return db_user


def get_items(session: Session, skip: int = 0, limit: int = 100) -> Sequence[Item]:
    query = select(Item).order_by(Item.id).offset(skip).limit(limit)
    return session.scalars(query).all()


def create_user_item(session: Session, item: schemas.ItemCreate, user_id: int) -> Item:
    db_item = Item(**item.model_dump(), owner_id=user_id)
    session.add(db_item)
    try:
        session.commit()
    except IntegrityError as error:
        # The foreign key decides: one statement, no window between check and write.
        session.rollback()
        raise UserNotFound(user_id) from error
    return db_item
