"""One error base for the whole service, rendered as RFC 9457 `application/problem+json`.

Services raise these errors; they know nothing of HTTP beyond the status a class carries.
The handlers below are the only place that turns any failure into a response, so a client
never sees a stack trace and bad input never becomes a 500."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from shiftplanner.logging import get_logger

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:shiftplanner:problem:"

log = get_logger(__name__)


class ShiftPlannerError(Exception):
    status_code: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        keep_changes: bool = False,
    ) -> None:
        self.detail = detail or self.title
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        # A refusal whose own records must outlive it (the audit entry of a failed login,
        # the revocation of a stolen token's family): the request's transaction commits
        # what was written before the error instead of rolling it back.
        self.keep_changes = keep_changes
        super().__init__(self.detail)


class BadRequest(ShiftPlannerError):
    status_code = 400
    slug = "bad-request"
    title = "Bad request"


class Unauthorized(ShiftPlannerError):
    status_code = 401
    slug = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, *, keep_changes: bool = False) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, keep_changes=keep_changes)


class Forbidden(ShiftPlannerError):
    status_code = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(ShiftPlannerError):
    status_code = 404
    slug = "not-found"
    title = "Not found"

    @classmethod
    def resource(cls, resource: str, resource_id: object) -> NotFound:
        return cls(f"{resource} {resource_id} does not exist")


class Conflict(ShiftPlannerError):
    status_code = 409
    slug = "conflict"
    title = "Conflict with the current state"


class ScheduleConflict(Conflict):
    """A write that would create hard scheduling conflicts; `conflicts` lists them."""

    slug = "schedule-conflict"
    title = "The change would create scheduling conflicts"

    def __init__(self, detail: str, *, conflicts: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(detail, extra={"conflicts": list(conflicts)})


class StaleVersion(Conflict):
    """The client's version of a resource is not the current one."""

    slug = "stale-version"
    title = "The resource changed since you read it"


class PreconditionFailed(ShiftPlannerError):
    status_code = 412
    slug = "precondition-failed"
    title = "The resource changed since you read it"


class PreconditionRequired(ShiftPlannerError):
    status_code = 428
    slug = "precondition-required"
    title = "A version is required"


class InvalidInput(ShiftPlannerError):
    """Input that is well-formed but cannot be accepted (an end before its start, an
    id that names nothing usable). `errors` carries one entry per offending field."""

    status_code = 422
    slug = "invalid-input"
    title = "The request cannot be accepted"

    def __init__(
        self, detail: str, *, pointer: str | None = None, errors: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        entries = list(errors) or ([{"pointer": pointer, "detail": detail}] if pointer else [])
        super().__init__(detail, extra={"errors": entries} if entries else None)


class RequestTimeout(ShiftPlannerError):
    status_code = 408
    slug = "request-timeout"
    title = "The request took too long to arrive"


class DuplicateKeys(ShiftPlannerError):
    """A JSON body giving a key twice in one object; `errors` points at each."""

    status_code = 422
    slug = "validation-error"
    title = "The request is not valid"

    def __init__(self, pointers: Sequence[str]) -> None:
        count = len(pointers)
        super().__init__(
            f"{count} key{'s' if count != 1 else ''} given more than once",
            extra={
                "errors": [
                    {"pointer": pointer, "detail": "given more than once in the same object"}
                    for pointer in pointers
                ]
            },
        )


class PayloadTooLarge(ShiftPlannerError):
    status_code = 413
    slug = "payload-too-large"
    title = "The request body is too large"


class TooManyRequests(ShiftPlannerError):
    status_code = 429
    slug = "too-many-requests"
    title = "Too many requests"


class ServiceUnavailable(ShiftPlannerError):
    status_code = 503
    slug = "service-unavailable"
    title = "Busy; retry in a moment"


def problem_response(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    return JSONResponse(
        jsonable_encoder(body),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_CONTENT_TYPE,
    )


async def send_problem(
    scope: Scope, send: Send, error: ShiftPlannerError, headers: Mapping[str, str] | None = None
) -> None:
    """A problem document sent by middleware, before the app's error handlers exist."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + error.slug,
        "title": error.title,
        "status": error.status_code,
        "detail": error.detail,
        "instance": scope.get("path", ""),
    }
    request_id = scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    body.update(error.extra)
    payload = json.dumps(jsonable_encoder(body)).encode()
    response_headers = [
        (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
        (b"content-length", str(len(payload)).encode()),
        *(
            (name.lower().encode(), value.encode())
            for name, value in {**error.headers, **(headers or {})}.items()
        ),
    ]
    await send(
        {"type": "http.response.start", "status": error.status_code, "headers": response_headers}
    )
    await send({"type": "http.response.body", "body": payload})


def _json_pointer(location: Sequence[str | int]) -> str:
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "#/" + "/".join(escaped)


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """One entry per invalid field: a JSON pointer into the body, or the name of the
    query parameter, path parameter or header."""
    entries: list[dict[str, Any]] = []
    for error in exc.errors():
        where, *path = error.get("loc", ()) or ("body",)
        entry: dict[str, Any] = {"detail": error.get("msg", "invalid")}
        if where == "body":
            entry["pointer"] = _json_pointer(path)
        elif where in ("query", "path", "header", "cookie"):
            entry["parameter" if where != "header" else "header"] = ".".join(map(str, path))
            entry["in"] = where
        else:
            entry["pointer"] = _json_pointer([where, *path])
        entries.append(entry)
    return entries


async def _handle_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ShiftPlannerError)
    return problem_response(
        request,
        status=exc.status_code,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        extra=exc.extra,
        headers=exc.headers,
    )


async def _handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    count = len(errors)
    return problem_response(
        request,
        status=422,
        slug="validation-error",
        title="The request is not valid",
        detail=f"{count} invalid field{'s' if count != 1 else ''}",
        extra={"errors": errors},
    )


async def _handle_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slugs = {404: "not-found", 405: "method-not-allowed", 400: "bad-request"}
    return problem_response(
        request,
        status=exc.status_code,
        slug=slugs.get(exc.status_code, "http-error"),
        title=str(exc.detail) if exc.status_code != 404 else "Not found",
        detail=str(exc.detail),
        headers=exc.headers,
    )


async def _handle_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # The services check what they can before writing; a constraint that still fails is a
    # concurrent change that got there first, so the client may retry.
    log.warning(
        "integrity_error", path=request.url.path, error=str(getattr(exc, "orig", exc))[:500]
    )
    return problem_response(
        request,
        status=409,
        slug=Conflict.slug,
        title=Conflict.title,
        detail="The change conflicts with data saved meanwhile; read it again and retry.",
    )


async def _handle_stale_data(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request,
        status=409,
        slug=StaleVersion.slug,
        title=StaleVersion.title,
        detail="The resource changed while you were changing it; read it again and retry.",
    )


async def _handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return problem_response(
        request,
        status=500,
        slug=ShiftPlannerError.slug,
        title=ShiftPlannerError.title,
        detail="The server failed to handle the request; quote the request id when reporting it.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ShiftPlannerError, _handle_domain_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_error)
    app.add_exception_handler(IntegrityError, _handle_integrity_error)
    app.add_exception_handler(StaleDataError, _handle_stale_data)
    app.add_exception_handler(Exception, _handle_unexpected_error)
