"""The classic FastAPI SQL tutorial's response schemas, which every baseline answers through.

As in the tutorial, `email` is a plain `str`: the addresses come out of our own
database, so validating them again on the way out is work no baseline is charged
for. The fields and their order are the generated app's, so the JSON is the same
byte for byte. Kept here, not imported from a baked project, so that the baselines
stay the same whatever the template's own `schemas.py` becomes.
"""

from pydantic import BaseModel, ConfigDict


class ItemBase(BaseModel):
    title: str
    description: str | None = None


class Item(ItemBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_id: int


class UserBase(BaseModel):
    email: str


class User(UserBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    is_active: bool
    items: list[Item] = []
