"""Probes for an orchestrator: is the process alive, and can it serve requests now."""

import asyncio

from fastapi import APIRouter, HTTPException

from . import database
from .schemas import UNAVAILABLE, Health

# A database slower than this to answer counts as unavailable: the probe answers
# well within the 5 s that orchestrators commonly allow one.
READY_TIMEOUT_SECONDS = 2.0

router = APIRouter(prefix="/health", tags=["health"])
# Checks still running, referenced so that they finish: the event loop holds only
# weak references to tasks.
checks: set[asyncio.Task[None]] = set()


@router.get("/live")
async def live() -> Health:
    """The process answers. Touches no database: restarting it would not bring one back."""
    return Health(status="alive")


@router.get("/ready", responses=UNAVAILABLE)
async def ready() -> Health:
    """The database answers a trivial query: send this replica requests."""
    # A task of its own, which the timeout abandons instead of waiting for: the
    # connection of a query cut short goes back to the pool only once the database
    # answers again, which a server that stopped responding may never do (measured
    # behind a frozen PgBouncer: no answer at all, rather than a 503 after 2 s).
    check = asyncio.create_task(database.ping())
    checks.add(check)
    check.add_done_callback(checks.discard)
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await asyncio.shield(check)
    except Exception:
        check.cancel()  # its own cleanup gives the connection back when it can
        raise HTTPException(status_code=503, detail="Database unavailable") from None
    return Health(status="ready")
