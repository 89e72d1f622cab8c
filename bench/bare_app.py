"""Baseline (b): the generated API's response models, answered from memory.

No database and no ORM: what is left is FastAPI, the thread-pool hop of a `def`
route (the generated routes are `def` too) and Pydantic validating the same
`schemas.User` bodies. Served from a baked project's folder, with bench/ on
PYTHONPATH, by bench/run.py.
"""

from typing import Annotated

import dataset
from fastapi import FastAPI, HTTPException, Path, Query
from sql_app import schemas

USERS = dataset.build()

app = FastAPI()


@app.get("/users/", response_model=list[schemas.User])
def read_users(
    skip: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> list[dataset.User]:
    return USERS[skip : skip + limit]


@app.get("/users/{user_id}", response_model=schemas.User)
def read_user(user_id: Annotated[int, Path(ge=1)]) -> dataset.User:
    if user_id > len(USERS):
        raise HTTPException(status_code=404, detail="User not found")
    return USERS[user_id - 1]
