"""Serving the app on a loopback port in this process, and reading its event stream
message by message, every wait bounded."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.app import create_app
from shiftplanner.config import Settings
from shiftplanner.live.hub import LiveHub
from shiftplanner.models import OutboxEvent

WITHIN = 15.0
POLL_SECONDS = 0.02


@dataclass
class Served:
    url: str
    app: FastAPI

    @property
    def hub(self) -> LiveHub:
        hub: LiveHub = self.app.state.runtime.live
        return hub

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=httpx.Timeout(10, read=60))

    async def caught_up(self, session: AsyncSession, within: float = WITHIN) -> int:
        """Wait until the hub has handed over every event committed so far (a stream
        opened now replays them rather than receiving them live); the newest id."""
        newest = int(await session.scalar(select(func.max(OutboxEvent.id))) or 0)
        await holds(lambda: (self.hub.cursor or 0) >= newest, within)
        return newest


async def holds(check: Callable[[], bool], within: float = WITHIN) -> None:
    """Wait until `check()` holds: polled, bounded in count and time."""
    for _ in range(int(within / POLL_SECONDS)):
        if check():
            return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"still not so after {within} s")


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[Served]:
    """The app behind a real uvicorn server on a free loopback port."""
    application = create_app(settings)
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    # log_config=None as `serve` does: uvicorn's own would stop its loggers propagating.
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="on",
        # A stream a failed test left open ends the server's wait soon (as `serve` does).
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(250):
            if server.started:
                break
            await asyncio.sleep(0.02)
        assert server.started, "uvicorn did not start"
        yield Served(f"http://127.0.0.1:{port}", application)
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)


@dataclass
class Message:
    id: str | None
    event: str | None
    data: Any

    @property
    def type(self) -> str:
        kind: str = self.data["type"]
        return kind


@dataclass
class EventStream:
    """An open `GET /api/events`: its messages one by one, read by a task of its own
    (so that a wait that runs out leaves the stream readable)."""

    response: httpx.Response
    received: list[Message] = field(default_factory=list)
    # What came before the opening ping: what the stream replayed.
    replayed: list[Message] = field(default_factory=list)
    ended: bool = False

    def __post_init__(self) -> None:
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self._reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        fields: dict[str, str] = {}
        data: list[str] = []
        try:
            async for line in self.response.aiter_lines():
                if not line:
                    if data:
                        self._queue.put_nowait(
                            Message(
                                id=fields.get("id"),
                                event=fields.get("event"),
                                data=json.loads("\n".join(data)),
                            )
                        )
                    fields, data = {}, []
                elif not line.startswith(":"):  # not a comment (FastAPI's own keep-alive)
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data":
                        data.append(value)
                    else:
                        fields[name] = value
        except httpx.HTTPError:
            pass  # the connection went: the stream ended
        finally:
            self._queue.put_nowait(None)

    async def close(self) -> None:
        self._reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reading

    @property
    def last_id(self) -> str | None:
        return next((m.id for m in reversed(self.received) if m.id is not None), None)

    async def next(self, within: float = WITHIN) -> Message | None:
        """The next message; None once the server ended the stream."""
        if self.ended:
            return None
        message = await asyncio.wait_for(self._queue.get(), within)
        if message is None:
            self.ended = True
        else:
            self.received.append(message)
        return message

    async def until(
        self, wanted: Callable[[Message], bool], within: float = WITHIN
    ) -> list[Message]:
        """Every message up to the first `wanted` one (included), pings left out."""
        seen: list[Message] = []
        async with asyncio.timeout(within):
            while True:
                message = await self.next(within)
                assert message is not None, f"the stream ended; it sent {seen}"
                if message.event != "ping":
                    seen.append(message)
                if wanted(message):
                    return seen

    async def end(self, within: float = WITHIN) -> list[Message]:
        """Every message until the server ends the stream, pings left out."""
        seen: list[Message] = []
        async with asyncio.timeout(within):
            while (message := await self.next(within)) is not None:
                if message.event != "ping":
                    seen.append(message)
        return seen


def of_type(kind: str, **data: Any) -> Callable[[Message], bool]:
    """A message of that event type whose data has these values."""

    def wanted(message: Message) -> bool:
        if message.event != kind:
            return False
        body = message.data.get("data", {})
        return all(body.get(name) == value for name, value in data.items())

    return wanted


@asynccontextmanager
async def listening(
    http: httpx.AsyncClient,
    headers: Mapping[str, str],
    *,
    last_event_id: str | None = None,
    params: Mapping[str, str] | None = None,
) -> AsyncIterator[EventStream]:
    """The stream, once it sent what it replayed and its opening ping (it is then among
    the hub's streams: every change after this reaches it)."""
    sent = {**headers, "Accept": "text/event-stream"}
    if last_event_id is not None:
        sent["Last-Event-ID"] = last_event_id
    async with http.stream("GET", "/api/events", headers=sent, params=params) as response:
        if response.status_code != 200:
            await response.aread()
            raise AssertionError(f"{response.status_code}: {response.text}")
        stream = EventStream(response)
        try:
            while (message := await stream.next()) is not None and message.event != "ping":
                stream.replayed.append(message)
            assert message is not None, "the stream ended before its opening ping"
            yield stream
        finally:
            await stream.close()
