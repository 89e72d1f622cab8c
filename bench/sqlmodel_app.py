"""The peer: the app a FastAPI user writes today, following FastAPI's and SQLModel's docs.

SQLModel models for the two tables (a base model, the table model, a public model
per table and one with the relationship, as SQLModel's "Models with Relationships in
FastAPI" chapter builds them), a `SessionDep`, and the routes as the tutorials write
them: a page of users with `select().offset().limit()`, one user with `session.get`,
each user's items loaded through the `Relationship` as the response is validated
(lazy loading: one statement per user listed). The engine as the docs create it, with
SQLAlchemy's default pool. Same tables and data as the other targets, same JSON.
Served by bench/run.py with DATABASE_URL set.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query
from sqlmodel import Field, Relationship, Session, SQLModel, create_engine, select


class UserBase(SQLModel):
    email: str = Field(max_length=255, unique=True, index=True)


class User(UserBase, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    hashed_password: str = Field(max_length=255)
    is_active: bool = True
    items: list["Item"] = Relationship(back_populates="owner")


class UserPublic(UserBase):
    id: int
    is_active: bool


class ItemBase(SQLModel):
    title: str = Field(max_length=255, index=True)
    description: str | None = Field(default=None, max_length=1000)


class Item(ItemBase, table=True):
    __tablename__ = "items"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    owner: User = Relationship(back_populates="items")


class ItemPublic(ItemBase):
    id: int
    owner_id: int


class UserPublicWithItems(UserPublic):
    items: list[ItemPublic] = []


engine = create_engine(os.environ["DATABASE_URL"])


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    SQLModel.metadata.create_all(engine)
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/users/", response_model=list[UserPublicWithItems])
def read_users(session: SessionDep, skip: int = 0, limit: Annotated[int, Query(le=100)] = 100) -> list[User]:
    return list(session.exec(select(User).offset(skip).limit(limit)).all())


@app.get("/users/{user_id}", response_model=UserPublicWithItems)
def read_user(user_id: int, session: SessionDep) -> User:
    user = session.get(User, user_id)
    if not user:
        raise HTTPException(status_code=404, detail="User not found")
    return user
