from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shiftplanner.dependencies import RuntimeDep
from shiftplanner.notifications.senders import Senders
from shiftplanner.notifications.senders.addresses import AddressPolicy


async def get_senders(runtime: RuntimeDep) -> Senders:
    return runtime.delivery_worker.senders


async def get_address_policy(runtime: RuntimeDep) -> AddressPolicy:
    """Where channel URLs may point: the senders' own rule, so that a URL accepted when
    saved is one they would send to. Its `loopback` (development) also admits plain http
    URLs to this machine."""
    return runtime.delivery_worker.senders.policy


SendersDep = Annotated[Senders, Depends(get_senders)]
AddressPolicyDep = Annotated[AddressPolicy, Depends(get_address_policy)]
