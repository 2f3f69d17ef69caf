"""`create_app(settings)`: the ASGI application with its routers, middleware and a lifespan
that opens the database and starts the background workers. Nothing connects at import."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shiftplanner import __version__
from shiftplanner.absences.routes import router as absences_router
from shiftplanner.analysts.routes import router as analysts_router
from shiftplanner.auth.routes import router as auth_router
from shiftplanner.blackouts.routes import router as blackouts_router
from shiftplanner.config import Settings, get_settings
from shiftplanner.conflicts.routes import router as conflicts_router
from shiftplanner.errors import install_error_handlers
from shiftplanner.health import router as health_router
from shiftplanner.holidays.routes import router as holidays_router
from shiftplanner.kit.openapi import install_problem_schema
from shiftplanner.logging import configure_logging
from shiftplanner.middleware import RequestContextMiddleware
from shiftplanner.orgs.routes import router as organizations_router
from shiftplanner.runtime import Runtime
from shiftplanner.schedules.routes import router as schedules_router
from shiftplanner.shifts.routes import router as shift_types_router
from shiftplanner.teams.routes import router as teams_router
from shiftplanner.users.routes import router as users_router

API_ROUTERS = (
    auth_router,
    organizations_router,
    teams_router,
    users_router,
    analysts_router,
    shift_types_router,
    schedules_router,
    absences_router,
    conflicts_router,
    holidays_router,
    blackouts_router,
)

DESCRIPTION = """
Shift scheduling for analyst teams: organizations, teams, analysts with skills, shift
types with coverage needs, schedule assignments, absences and conflict detection.

Sign in with `POST /api/auth/login`, then send the access token as
`Authorization: Bearer <token>` (the **Authorize** button here). Every error is an
RFC 9457 `application/problem+json` document.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.build(settings)
        app.state.runtime = runtime
        app.state.started_at = time.monotonic()
        if settings.dispatcher_enabled:
            runtime.dispatcher.start()
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(
        title="ShiftPlanner",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_problem_schema(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health_router)
    for router in API_ROUTERS:
        app.include_router(router)
    return app
