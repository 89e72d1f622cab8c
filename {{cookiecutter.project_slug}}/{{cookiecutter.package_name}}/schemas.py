"""Request and response bodies."""

from typing import Annotated, TypedDict

from pydantic import BaseModel, ConfigDict, EmailStr, Field

# Bounded to the column sizes, and without NUL, which PostgreSQL cannot store.
NO_NUL = r"^[^\x00]*$"
Title = Annotated[str, Field(min_length=1, max_length=255, pattern=NO_NUL)]
Description = Annotated[str, Field(max_length=1000, pattern=NO_NUL)]
Password = Annotated[str, Field(min_length=8, max_length=128)]


class ItemBase(BaseModel):
    title: Title
    description: Description | None = None


class ItemCreate(ItemBase):
    pass


class Item(ItemBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_id: int


class UserBase(BaseModel):
    email: EmailStr


class UserCreate(UserBase):
    password: Password


class User(UserBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    is_active: bool
    items: list[Item] = []


class ItemRow(TypedDict):
    id: int
    title: str
    description: str | None
    owner_id: int


class UserRow(TypedDict):
    """A user as the read queries return it: plain data, validated into `User` on the way out."""

    id: int
    email: str
    is_active: bool
    items: list[ItemRow]


class Message(BaseModel):
    """The body of an error response."""

    detail: str
