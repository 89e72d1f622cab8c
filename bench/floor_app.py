"""Baseline (c): the floor under any ORM: plain psycopg, the same two statements.

No ORM and no session: a connection from a small pool, in autocommit mode (no
BEGIN/ROLLBACK round trips), the users, then all their items in one statement,
as dict rows, through the classic tutorial's response schemas (tutorial_schemas.py).
What the generated app could reach if the ORM cost nothing. PostgreSQL only;
served by bench/run.py with DATABASE_URL set.
"""

import os
import queue
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any

import psycopg
from fastapi import FastAPI, HTTPException, Path, Query
from psycopg.rows import DictRow, dict_row

from bench.tutorial_schemas import User

POOL_SIZE = 10  # as the generated apps' default
# The generated app's tables, so that bench/run.py can seed them the same way.
TABLES = """
CREATE TABLE IF NOT EXISTS users (
    id serial PRIMARY KEY, email varchar(255) NOT NULL UNIQUE,
    hashed_password varchar(255) NOT NULL, is_active boolean NOT NULL DEFAULT true);
CREATE TABLE IF NOT EXISTS items (
    id serial PRIMARY KEY, title varchar(255) NOT NULL, description varchar(1000),
    owner_id integer NOT NULL REFERENCES users (id));
CREATE INDEX IF NOT EXISTS items_owner_id ON items (owner_id);
"""

pool: "queue.SimpleQueue[psycopg.Connection[DictRow]]" = queue.SimpleQueue()


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    connections = [
        psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, row_factory=dict_row) for _ in range(POOL_SIZE)
    ]
    connections[0].execute(TABLES)
    for conn in connections:
        pool.put(conn)
    yield
    for conn in connections:
        conn.close()


@contextmanager
def connection() -> Iterator[psycopg.Connection[DictRow]]:
    conn = pool.get()  # blocks while all are in use, like the generated apps' pools
    try:
        yield conn
    finally:
        pool.put(conn)


def with_items(conn: psycopg.Connection[DictRow], users: list[DictRow]) -> list[DictRow]:
    items_of: dict[int, list[DictRow]] = {user["id"]: [] for user in users}
    query = "SELECT id, title, description, owner_id FROM items WHERE owner_id = ANY(%s) ORDER BY id"
    for item in conn.execute(query, (list(items_of),)):
        items_of[item["owner_id"]].append(item)
    return [{**user, "items": items_of[user["id"]]} for user in users]


app = FastAPI(lifespan=lifespan)


@app.get("/users/", response_model=list[User])
def read_users(
    skip: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> list[dict[str, Any]]:
    with connection() as conn:
        query = "SELECT id, email, is_active FROM users ORDER BY id OFFSET %s LIMIT %s"
        return with_items(conn, conn.execute(query, (skip, limit)).fetchall())


@app.get("/users/{user_id}", response_model=User)
def read_user(user_id: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
    with connection() as conn:
        users = conn.execute("SELECT id, email, is_active FROM users WHERE id = %s", (user_id,)).fetchall()
        if not users:
            raise HTTPException(status_code=404, detail="User not found")
        return with_items(conn, users)[0]
