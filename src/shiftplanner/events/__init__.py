"""Domain events: the single path from a change to its side effects.

Services `emit()` an event in the change's own transaction (it lands in the outbox
table); after commit the `EventDispatcher` hands it to every registered consumer."""

from shiftplanner.events.dispatcher import Consumer, EventDispatcher
from shiftplanner.events.outbox import add_transactional_hook, emit
from shiftplanner.events.types import DispatchedEvent, DomainEvent, EventType, changes_between

__all__ = [
    "Consumer",
    "DispatchedEvent",
    "DomainEvent",
    "EventDispatcher",
    "EventType",
    "add_transactional_hook",
    "changes_between",
    "emit",
]
