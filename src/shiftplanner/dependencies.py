"""Request-scoped dependencies every router uses: the runtime, the database session, and
the check that refuses query parameters a route does not know."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import InvalidInput, ShiftPlannerError
from shiftplanner.runtime import Runtime

# By id of a route's dependant (kept alive here, so its id is never reused): the query
# parameters the route and its dependencies declare (their aliases).
_known_query_parameters: dict[int, tuple[Dependant, frozenset[str]]] = {}
# Where unknown query parameters are refused (not `/health`, which probes call as they like).
API_PATHS = ("/api/", "/monitoring/")


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


READS = frozenset({"GET", "HEAD"})


async def get_session(request: Request, runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's unit of work and the only place a request commits. It runs with
    scope "function": the commit happens after the route returns but before the response
    is sent, so a failed commit becomes an error response, never a lost write. A read
    runs outside a transaction (no BEGIN and COMMIT round trips; each statement sees
    what is committed, as it would in PostgreSQL's default isolation anyway)."""
    factory = runtime.read_session_factory if request.method in READS else runtime.session_factory
    async with factory() as session:
        try:
            yield session
        except ShiftPlannerError as error:
            await (session.commit() if error.keep_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def _query_parameters(dependant: Dependant) -> frozenset[str]:
    names: set[str] = set()
    pending, seen = [dependant], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        names.update(field.alias for field in current.query_params)
        pending.extend(current.dependencies)
    return frozenset(names)


async def refuse_unknown_query_parameters(request: Request) -> None:
    """A query parameter the route does not declare is refused (422), never ignored: a
    misspelt filter (`?active=false` for `is_active`) must not quietly answer with
    everything."""
    if not request.query_params or not request.url.path.startswith(API_PATHS):
        return
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if not isinstance(dependant, Dependant):
        return
    cached = _known_query_parameters.get(id(dependant))
    if cached is None:
        cached = _known_query_parameters[id(dependant)] = (
            dependant,
            _query_parameters(dependant),
        )
    known = cached[1]
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        accepted = ", ".join(sorted(known)) or "none"
        raise InvalidInput(
            f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(this route accepts: {accepted}).",
            errors=[
                {"parameter": name, "in": "query", "detail": "not a parameter of this route"}
                for name in unknown
            ],
        )
