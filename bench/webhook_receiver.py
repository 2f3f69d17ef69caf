"""The local receiver of the webhooks benchmark: a bare ASGI app (`app`) that a uvicorn
process of its own serves with uvloop and httptools, so that it is not what limits the
sender. It answers 200 "ok" at once and keeps each POST's arrival (its clock, path and
`webhook-id`) for the benchmark to read back. `ceilings` measures how many POSTs a second
it takes from wrk, and how many the sender's HTTP client makes without a database."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from rich.console import Console

from bench.load import wrk
from bench.load.servers import ROOT
from shiftplanner.config import Settings
from shiftplanner.kit.signing import headers, new_secret
from shiftplanner.notifications.senders import outbound_http
from shiftplanner.notifications.senders.addresses import AddressPolicy
from shiftplanner.webhooks.sender import USER_AGENT
from tests.subprocesses import free_port, stop

CEILING_SECONDS = 5
CEILING_PATH = "/ceiling"  # POSTs there are answered but not kept

ARRIVALS: list[tuple[float, str, str]] = []  # (time.time(), path, webhook-id)
Scope = dict[str, Any]
Message = dict[str, Any]


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """200 "ok" to every POST; GET /arrivals?from=N lists the arrivals from the Nth on."""
    if scope["type"] != "http":
        return
    at = time.time()
    while (await receive()).get("more_body"):
        pass
    body = b"ok"
    if scope["method"] == "GET" and scope["path"] == "/arrivals":
        start = int(parse_qs(scope["query_string"].decode()).get("from", ["0"])[0])
        body = json.dumps(ARRIVALS[start:]).encode()
    elif scope["method"] == "POST" and scope["path"] != CEILING_PATH:
        webhook_id = next((v.decode() for k, v in scope["headers"] if k == b"webhook-id"), "")
        ARRIVALS.append((at, scope["path"], webhook_id))
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def serve(log: Path) -> Iterator[str]:
    """The receiver in its own process; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", f"{__name__}:app", "--port", str(port)]
    command += ["--loop", "uvloop", "--http", "httptools", "--lifespan", "off"]
    command += ["--no-access-log", "--log-level", "warning"]
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            command, cwd=ROOT, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{url}/arrivals?from=0", timeout=1).raise_for_status()
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"the receiver did not start:\n{log.read_text()}"
                        ) from None
                    time.sleep(0.1)
            yield url
        finally:
            stop(process, timeout=5)


# wrk's report (bench/load/report.lua), with POSTs of the body instead of GETs; a new
# connection for each when BENCH_CLOSE=1.
POST_SCRIPT = """
dofile("{report}")
local body = '{body}'
function request()
  local headers = {{["Content-Type"] = "application/json"}}
  if os.getenv("BENCH_CLOSE") == "1" then headers["Connection"] = "close" end
  return wrk.format("POST", "{path}", headers, body)
end
"""


def ceiling(url: str, body: str, *, close: bool, folder: Path) -> wrk.Load:
    """The receiver's own limit: wrk (one thread, 16 connections) POSTing `body`."""
    script = folder / "post.lua"
    text = POST_SCRIPT.format(report=wrk.SCRIPT, body=body.replace("'", ""), path=CEILING_PATH)
    script.write_text(text)
    command = [shutil.which("wrk") or "wrk", "-t1", "-c16", f"-d{CEILING_SECONDS}s"]
    command += ["--timeout", "5s", "-s", str(script), url]
    result = subprocess.run(  # noqa: S603 (our own command)
        command,
        env={**os.environ, "BENCH_CLOSE": "1" if close else "0"},
        capture_output=True,
        text=True,
        timeout=CEILING_SECONDS + 30,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    return wrk.Load(**json.loads(line))


async def client_ceiling(url: str, body: str, count: int = 2000) -> float:
    """The sender's HTTP client alone, in this process, without a database: `count`
    POSTs signed as `WebhookSender.attempt` signs them, `webhook_concurrency` at once,
    through the client the sender builds (a new connection each). Per second."""
    http = outbound_http(AddressPolicy(loopback=True), 15.0, USER_AGENT)
    secret = new_secret()
    slots = asyncio.Semaphore(Settings.model_fields["webhook_concurrency"].default)

    async def one(index: int) -> bool:
        async with slots:
            signed = headers(f"msg_{index}", datetime.now(UTC), body, [secret])
            return (await http.post(url, content=body.encode(), headers=signed)).ok

    started = time.perf_counter()
    try:
        sent = sum(await asyncio.gather(*(one(index) for index in range(count))))
    finally:
        await http.client.aclose()
    return sent / (time.perf_counter() - started)


def ceilings(url: str, folder: Path, console: Console) -> dict[str, list[str]]:
    """Each ceiling's table cells: req/s, p50 and p99 ms, errors (wrk's only)."""
    body = json.dumps({"type": "analyst.updated", "data": {"name": "x" * 400}})
    found: dict[str, list[str]] = {}
    for label, close in (("kept alive", False), ("new connection each", True)):
        load = ceiling(url, body, close=close, folder=folder)
        found[f"receiver, wrk, {label}"] = [
            *(f"{load.per_second:,.0f}", f"{load.p50_ms:.1f}", f"{load.p99_ms:.1f}"),
            str(load.errors),
        ]
    per_second = asyncio.run(client_ceiling(f"{url}{CEILING_PATH}", body))
    found["sender's HTTP client, no database"] = [f"{per_second:,.0f}", "", "", ""]
    for label, cells in found.items():
        console.print(f"ceiling, {label}: {cells[0]} req/s")
    return found
