"""Baseline (b): the bare route, the same JSON from memory, what the ratios are taken against.

No database and no ORM: what is left is FastAPI and Pydantic validating the
rows, as plain dicts, into the classic tutorial's response schema (`email: str`,
see tutorial_schemas.py) and writing the JSON. Two apps: `app` has `def` routes
like the generated sync apps (the endpoint and the response validation each take
a thread-pool hop), `async_app` has `async def` routes like the generated async
apps (no hop). Served from the repository root as `bench.bare_app` by bench/run.py.
"""

from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Query

from bench import dataset
from bench.tutorial_schemas import User

# The columns a read selects (not the password hash), items included.
USERS: list[dict[str, Any]] = [
    {
        "id": user.id,
        "email": user.email,
        "is_active": user.is_active,
        "items": [
            {"id": item.id, "title": item.title, "description": item.description, "owner_id": item.owner_id}
            for item in user.items
        ],
    }
    for user in dataset.build()
]

Skip = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=100)]
UserId = Annotated[int, Path(ge=1)]


def page(skip: int, limit: int) -> list[dict[str, Any]]:
    return USERS[skip : skip + limit]


def one(user_id: int) -> dict[str, Any]:
    if user_id > len(USERS):
        raise HTTPException(status_code=404, detail="User not found")
    return USERS[user_id - 1]


app = FastAPI()


@app.get("/users/", response_model=list[User])
def read_users(skip: Skip = 0, limit: Limit = 100) -> list[dict[str, Any]]:
    return page(skip, limit)


@app.get("/users/{user_id}", response_model=User)
def read_user(user_id: UserId) -> dict[str, Any]:
    return one(user_id)


async_app = FastAPI()


@async_app.get("/users/", response_model=list[User])
async def read_users_async(skip: Skip = 0, limit: Limit = 100) -> list[dict[str, Any]]:
    return page(skip, limit)


@async_app.get("/users/{user_id}", response_model=User)
async def read_user_async(user_id: UserId) -> dict[str, Any]:
    return one(user_id)
