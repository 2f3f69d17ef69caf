"""Ending the live streams when the server is told to stop. uvicorn waits for the open
requests to finish before it shuts the app down, and a stream never finishes by itself:
so on the signal that stops the server (SIGTERM, SIGINT) the streams end first (their
pages reconnect, to another process), and the signal goes on to uvicorn's own handler."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType

from shiftplanner.live.hub import LiveHub

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], object] | int | None


def end_streams_on_stop(hub: LiveHub) -> Callable[[], None]:
    """Chain a handler before the present ones (call from the app's start-up, where
    uvicorn's are in place); returns what puts the previous ones back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals reach the main thread only
    loop = asyncio.get_running_loop()
    previous: dict[int, Handler] = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def handle(sig: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(hub.end_streams)
        handler = previous[sig]
        if callable(handler):
            handler(sig, frame)
        elif handler == signal.SIG_DFL:
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)

    for sig in STOP_SIGNALS:
        signal.signal(sig, handle)

    def restore() -> None:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is handle and handler is not None:
                signal.signal(sig, handler)

    return restore
