"""Probes for an orchestrator: is the process alive, and can it serve requests now."""

import anyio.to_thread
from fastapi import APIRouter, HTTPException

from . import database
from .schemas import UNAVAILABLE, Health

# A database slower than this to answer counts as unavailable: the probe answers
# well within the 5 s that orchestrators commonly allow one.
READY_TIMEOUT_SECONDS = 2.0

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> Health:
    """The process answers. Touches no database: restarting it would not bring one back."""
    return Health(status="alive")


@router.get("/ready", responses=UNAVAILABLE)
async def ready() -> Health:
    """The database answers a trivial query: send this replica requests."""
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            # A worker thread, as for every sync query; the timeout abandons it, and
            # it hands its connection back once the query returns.
            await anyio.to_thread.run_sync(database.ping, abandon_on_cancel=True)
    except Exception:
        raise HTTPException(status_code=503, detail="Database unavailable") from None
    return Health(status="ready")
