"""`/health`: liveness only. It checks no dependency, so a database blip cannot get a
healthy process restarted."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from shiftplanner import __version__
from shiftplanner.kit.schemas import Schema

router = APIRouter(tags=["health"])


class Health(Schema):
    status: str
    version: str
    uptime_seconds: float


@router.get("/health")
async def health(request: Request) -> Health:
    """The process is up and serving."""
    started: float = request.app.state.started_at
    return Health(
        status="pass", version=__version__, uptime_seconds=round(time.monotonic() - started, 3)
    )
