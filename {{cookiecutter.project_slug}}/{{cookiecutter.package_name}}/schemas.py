"""What requests and responses carry: bodies, parameters and error answers."""

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, EmailStr, Field

# Bounded to the column sizes, and without NUL, which PostgreSQL cannot store.
NO_NUL = r"^[^\x00]*$"
Title = Annotated[str, Field(min_length=1, max_length=255, pattern=NO_NUL)]
Description = Annotated[str, Field(max_length=1000, pattern=NO_NUL)]
Password = Annotated[str, Field(min_length=8, max_length=128)]

# Bounds every database accepts; anything outside them is a 422, not a 500.
MAX_ID = 2**31 - 1
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
Skip = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=100)]


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

    # Checked when it came in; read back from the database it is returned as stored.
    email: str
    id: int
    is_active: bool
    items: list[Item] = []


class Message(BaseModel):
    """The body of an error response."""

    detail: str


class Health(BaseModel):
    """The body of a probe's answer."""

    status: Literal["alive", "ready"]


# The error answers a route gives besides 422, "Validation Error", which FastAPI documents
# itself: a parameter or field out of bounds, or a body that is not JSON at all. Its 400,
# "There was an error parsing the body", answers JSON whose bytes do not decode as text.
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Message, "description": "User not found"}
}
BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": Message, "description": "A body that is not UTF-8 text"}
}
ALREADY_REGISTERED: dict[int | str, dict[str, Any]] = {
    400: {
        "model": Message,
        "description": "Email already registered, or a body that is not UTF-8 text",
    }
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": Message, "description": "Database unavailable"}
}
