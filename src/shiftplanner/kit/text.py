"""Text for people: a count with the noun that agrees with it."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`1 blackout date`, `2 blackout dates`, `0 audit entries`: the plural is the singular
    with an `s` unless given (`audit entry`, `audit entries`)."""
    noun = singular if count == 1 else plural or singular + "s"
    return f"{count} {noun}"
