"""OpenAPI for errors: every error is an RFC 9457 problem document, and the schema says so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from shiftplanner.errors import PROBLEM_CONTENT_TYPE

Responses = dict[int | str, dict[str, Any]]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="A URN naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request path.")
    request_id: str | None = Field(default=None, description="Quote it when reporting a problem.")
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="One entry per invalid field: `pointer` (JSON pointer) or `parameter`, and `detail`.",
    )
    conflicts: list[dict[str, Any]] | None = Field(
        default=None, description="Scheduling conflicts that refused a write."
    )


PROBLEM_SCHEMA = Problem.model_json_schema()


def problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_SCHEMA}},
    }


def problems(codes: Mapping[int, str]) -> Responses:
    """Route `responses=` for the errors a route documents."""
    return {code: problem(description) for code, description in codes.items()}


def install_problem_schema(app: FastAPI) -> None:
    """Describe the errors every route can answer as problem documents: 422 replaces
    FastAPI's default validation body, 401 and 403 go on authenticated routes."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = problem(
                        responses["422"].get("description", "Invalid request")
                        if responses["422"].get("description") != "Validation Error"
                        else "Invalid request: one entry per invalid field in `errors`"
                    )
                if operation.get("security"):
                    responses.setdefault("401", problem("No valid access token"))
                    responses.setdefault("403", problem("Your role does not allow this"))
        schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
        schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
