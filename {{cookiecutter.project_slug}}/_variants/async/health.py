"""Probes for an orchestrator: is the process alive, and can it serve requests now."""

import anyio
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
            await database.ping()
    except Exception:
        raise HTTPException(status_code=503, detail="Database unavailable") from None
    return Health(status="ready")
