"""How a request gets its Session: a dependency with `yield`."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from .config import settings
from .database import SessionLocal


def get_session() -> Iterator[Session]:
    with SessionLocal() as session:
        try:
            yield session
        except Exception:
            # Raised by the endpoint: undo what it left uncommitted, then let
            # FastAPI turn the exception into its response.
            session.rollback()
            raise


# At most one request per pooled connection runs at once; the others wait here,
# without holding a worker thread, instead of blocking threads on the pool.
SessionDep = Annotated[Session, Depends(get_session, max_concurrency=settings.database_pool_size)]
