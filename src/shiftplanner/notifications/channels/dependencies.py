from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shiftplanner.config import Environment
from shiftplanner.dependencies import RuntimeDep
from shiftplanner.notifications.senders import Senders


async def get_senders(runtime: RuntimeDep) -> Senders:
    return runtime.delivery_worker.senders


async def get_loopback_http_allowed(runtime: RuntimeDep) -> bool:
    """Plain http URLs to this machine: a developer's local receiver, never production."""
    return runtime.settings.env is Environment.DEVELOPMENT


SendersDep = Annotated[Senders, Depends(get_senders)]
LoopbackHttpAllowed = Annotated[bool, Depends(get_loopback_http_allowed)]
