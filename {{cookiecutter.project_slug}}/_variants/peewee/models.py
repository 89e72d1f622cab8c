"""The tables, as Peewee models bound to the project's database."""

import peewee

from .database import db


class BaseModel(peewee.Model):
    class Meta:
        database = db


class User(BaseModel):
    id = peewee.AutoField()
    email = peewee.CharField(max_length=255, unique=True)
    hashed_password = peewee.CharField(max_length=255)
    is_active = peewee.BooleanField(default=True)
    # Added by Item.owner's backref: a query, or a list once crud.py prefetched it.
    items: list["Item"]

    class Meta:
        table_name = "users"


class Item(BaseModel):
    id = peewee.AutoField()
    title = peewee.CharField(max_length=255, index=True)
    description = peewee.CharField(max_length=1000, null=True)
    owner = peewee.ForeignKeyField(User, backref="items", index=True)

    class Meta:
        table_name = "items"


MODELS = [User, Item]
