"""Real receivers on 127.0.0.1 for the notification tests: an HTTP/1.1 server (or HTTPS,
given a TLS context) that records each request and answers with the statuses it was told
to, one in threads of its own for receiving from other processes, and an SMTP server
(aiosmtpd) that keeps every message."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass(frozen=True)
class Reply:
    """An answer with more than a status: extra headers (such as `Retry-After`) and a
    wait before answering (to outlast a sender's timeout)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class HttpReceiver:
    """Answers each request with the next of `statuses` (a status or a `Reply`; then 200)."""

    statuses: list[int | Reply] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    tls: ssl.SSLContext | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                method, path, _ = request_line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, value = line.decode().split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append(
                    Received(method, path, headers, body, asyncio.get_running_loop().time())
                )
                self.arrived.set()
                reply = self.statuses.pop(0) if self.statuses else 200
                if isinstance(reply, int):
                    reply = Reply(reply)
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                answer = b"ok" if reply.status < 400 else b"receiver is down"
                head = [f"HTTP/1.1 {reply.status} X", f"content-length: {len(answer)}"]
                head += [f"{name}: {value}" for name, value in reply.headers.items()]
                writer.write("".join(line + "\r\n" for line in head).encode() + b"\r\n" + answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def wait(self, count: int = 1, seconds: float = 5.0) -> list[Received]:
        async with asyncio.timeout(seconds):
            while len(self.requests) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.requests


@dataclass
class Arrival:
    """A request as `ThreadedHttpReceiver` saw it: from which client port, when it began
    (its headers were read) and when its answer was about to be written (None before),
    on the `time.monotonic()` clock. The sender had it in flight at least from `started`
    to `answered`: it sent it before the one and cannot have had the answer before the
    other."""

    path: str
    headers: dict[str, str]
    body: bytes
    peer_port: int
    started: float
    answered: float | None = None
    # Why `verify` refused it (None: it did not).
    refusal: str | None = None

    @property
    def verified(self) -> bool:
        return self.refusal is None


class ThreadedHttpReceiver:
    """An HTTP/1.1 receiver on 127.0.0.1 in threads of its own (one per connection): it
    answers whatever the test's event loop is doing, and outlives the processes that
    send to it. Each request is checked with `verify(path, body, headers)` (if set;
    answered 401 when it raises), held `delay` seconds, then answered 200. `on_connect` hears the client port
    of each new connection."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.verify: Callable[[str, bytes, dict[str, str]], object] | None = None
        self.on_connect: Callable[[int], None] | None = None
        self._arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        self._server = _ReceivingServer(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def port(self) -> int:
        port: int = self._server.server_address[1]
        return port

    @property
    def arrivals(self) -> list[Arrival]:
        """What arrived so far, in order of arrival (a copy)."""
        with self._lock:
            return list(self._arrivals)

    def keep(self, arrival: Arrival) -> None:
        with self._lock:
            self._arrivals.append(arrival)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _ReceivingServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections a sender opens at once: its requests
    # then fail with a reset, which is not what these tests are about.
    request_queue_size = 128

    def __init__(self, receiver: ThreadedHttpReceiver) -> None:
        super().__init__(("127.0.0.1", 0), _ReceivingHandler)
        self.receiver = receiver

    def handle_error(self, request: object, client_address: object) -> None:
        """A sender that died mid-request resets its connection: nothing to report."""


class _ReceivingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ReceivingServer

    def setup(self) -> None:
        super().setup()
        hook = self.server.receiver.on_connect
        if hook is not None:
            hook(self.client_address[1])

    def do_POST(self) -> None:
        receiver = self.server.receiver
        started = time.monotonic()
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        if len(body) < length:
            # The sender went away (was killed) mid-request: no request arrived.
            self.close_connection = True
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        arrival = Arrival(self.path, headers, body, self.client_address[1], started)
        if receiver.verify is not None:
            try:
                receiver.verify(self.path, body, headers)
            except Exception as error:
                arrival.refusal = f"{type(error).__name__}: {error}"
        receiver.keep(arrival)
        time.sleep(receiver.delay)
        status, answer = (200, b"ok") if arrival.verified else (401, b"bad signature")
        arrival.answered = time.monotonic()
        self.send_response(status)
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        """Quiet: the test reads `arrivals`."""


class _Keeper:
    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        content = envelope.content
        assert isinstance(content, bytes)
        self.messages.append((envelope, message_from_bytes(content)))
        return "250 OK"


class SmtpServer:
    """aiosmtpd in its own thread, on a free port."""

    def __init__(self) -> None:
        with socket.create_server(("127.0.0.1", 0)) as probe:
            self.port: int = probe.getsockname()[1]
        self._keeper = _Keeper()
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[tuple[Envelope, EmailMessage]]:
        return self._keeper.messages

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def wait(self, count: int = 1, seconds: float = 5.0) -> list[tuple[Envelope, Any]]:
        """Messages arrive on the server's thread: look until there are `count`."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} emails came"
            await asyncio.sleep(0.01)
        return self.messages
