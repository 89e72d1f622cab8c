"""Request and response bodies."""

from typing import Annotated

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


class Message(BaseModel):
    """The body of an error response."""

    detail: str
