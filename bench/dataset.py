"""The benchmark's data: N users with M items each, the same rows everywhere.

The seeding code inserts these rows in order into a fresh database, so the ids the
database hands out match the ones here, and the in-memory baseline serves them as is.
"""

import os
from dataclasses import dataclass, field

USERS = int(os.environ.get("BENCH_USERS", "100"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "5"))


# Plain attribute objects, like ORM rows without the ORM: the response models
# read them with `from_attributes`, the same validation path as for real rows.
@dataclass(slots=True)
class Item:
    id: int
    title: str
    description: str
    owner_id: int


@dataclass(slots=True)
class User:
    id: int
    email: str
    hashed_password: str
    is_active: bool = True
    items: list[Item] = field(default_factory=list)


def build(users: int = USERS, items: int = ITEMS) -> list[User]:
    rows = [User(i, f"user{i}@example.com", "not-a-real-hash") for i in range(1, users + 1)]
    for user in rows:
        for j in range(1, items + 1):
            item_id = (user.id - 1) * items + j
            description = f"Item {j} of user {user.id}, a description of typical length."
            user.items.append(Item(item_id, f"Item {item_id}", description, user.id))
    return rows
