"""What `shiftplanner serve` does: create the first admin on an empty database, then
serve the API under uvicorn."""

from __future__ import annotations

import asyncio

import uvicorn

from shiftplanner.bootstrap import AdminLogin, ensure_admin
from shiftplanner.cli.output import console, show_admin
from shiftplanner.config import Settings, get_settings
from shiftplanner.db import session_scope
from shiftplanner.kit.urls import redact_url
from shiftplanner.logging import configure_logging
from shiftplanner.monitoring import prometheus
from shiftplanner.runtime import Runtime
from shiftplanner.web.pages import dist_dir

GRACEFUL_SHUTDOWN_SECONDS = 10


def run(*, host: str | None, port: int | None, workers: int) -> None:
    settings = get_settings()
    configure_logging(settings)
    if workers > 1 or settings.prometheus_multiproc_dir is not None:
        # Each worker counts in files there, and /metrics adds them up.
        prometheus.prepare_multiprocess_dir(
            settings.prometheus_multiproc_dir or settings.data_dir / "prometheus"
        )
    show_admin(asyncio.run(_bootstrap(settings)))
    docs = "  (API docs at /docs)" if settings.docs_visible else ""
    pages = "" if (dist_dir(settings) / "index.html").is_file() else " (pages not built: make run)"
    console.print(
        f"Serving on http://{host or settings.host}:{port or settings.port}{pages} with the "
        f"database {redact_url(settings.database_url)}{docs}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    uvicorn.run(
        "shiftplanner.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        # Not uvicorn's own log format: its lines go through ours (JSON in production).
        log_config=None,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
        # Requests still open this long after a stop are cancelled (live event streams
        # end at the stop itself: live.signals).
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


async def _bootstrap(settings: Settings) -> AdminLogin | None:
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.session_factory) as session:
            return await ensure_admin(session, settings, runtime.passwords)
    finally:
        await runtime.close()
