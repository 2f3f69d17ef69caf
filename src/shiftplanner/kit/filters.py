"""Query-parameter filters that name a resource: naming one that does not exist (or is
another organization's) is an error, never an empty "all clear"."""

from __future__ import annotations

from shiftplanner.errors import InvalidInput


def unknown(parameter: str, resource: str, resource_id: int) -> InvalidInput:
    return InvalidInput(
        f"{resource} {resource_id} does not exist in your organization.",
        errors=[
            {
                "parameter": parameter,
                "in": "query",
                "detail": f"no {resource.lower()} {resource_id} in your organization",
            }
        ],
    )
