"""Text of the solver's messages (the package imports nothing from the app, so it keeps
its own copy of the app's `kit.text.counted`)."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`1 day`, `2 days`: the count and the noun that agrees with it."""
    noun = singular if count == 1 else plural or singular + "s"
    return f"{count} {noun}"
