"""The tables, as Peewee models. `database.py` binds them to the database."""

from collections.abc import Iterable

import peewee


class BaseModel(peewee.Model):
    pass


class User(BaseModel):
    id = peewee.AutoField()
    email = peewee.CharField(max_length=255, unique=True)
    hashed_password = peewee.CharField(max_length=255)
    is_active = peewee.BooleanField(default=True)
    # Added by Item.owner's backref: a query, or a list once loaded by with_related().
    items: Iterable["Item"]

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
