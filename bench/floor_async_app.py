"""Baseline (c), async: the floor under any async ORM: plain asyncpg, the same two statements.

The asyncio twin of floor_app.py, what the async cells are compared with: `async def`
routes, a connection from an asyncpg pool, no ORM, no session and no transaction
(asyncpg runs each statement on its own), the users, then all their items in one
statement, through the classic tutorial's response schemas (tutorial_schemas.py).
The app changes no session state, so the pool's reset on release (four statements:
`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;`) is left out,
and asyncpg's statement cache is on, as by default: each statement is one round
trip. PostgreSQL only; served by bench/run.py with DATABASE_URL set.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, HTTPException, Path, Query

from bench.floor_app import POOL_SIZE, TABLES
from bench.tutorial_schemas import User

ITEMS = "SELECT id, title, description, owner_id FROM items WHERE owner_id = ANY($1::int[]) ORDER BY id"
pool: asyncpg.Pool


async def keep_session(_: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing to reset."""


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global pool
    url = os.environ["DATABASE_URL"]
    async with asyncpg.create_pool(url, min_size=POOL_SIZE, max_size=POOL_SIZE, reset=keep_session) as pool:
        await pool.execute(TABLES)
        yield


async def with_items(conn: asyncpg.Connection, users: list[asyncpg.Record]) -> list[dict[str, Any]]:
    items_of: dict[int, list[dict[str, Any]]] = {user["id"]: [] for user in users}
    for item in await conn.fetch(ITEMS, list(items_of)):
        items_of[item["owner_id"]].append(dict(item))
    return [{**user, "items": items_of[user["id"]]} for user in users]


app = FastAPI(lifespan=lifespan)


@app.get("/users/", response_model=list[User])
async def read_users(
    skip: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        query = "SELECT id, email, is_active FROM users ORDER BY id OFFSET $1 LIMIT $2"
        return await with_items(conn, await conn.fetch(query, skip, limit))


@app.get("/users/{user_id}", response_model=User)
async def read_user(user_id: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
    async with pool.acquire() as conn:
        users = await conn.fetch("SELECT id, email, is_active FROM users WHERE id = $1", user_id)
        if not users:
            raise HTTPException(status_code=404, detail="User not found")
        return (await with_items(conn, users))[0]
