"""Finding keys given twice in one JSON object. The JSON standard leaves such a document's
meaning open and Python keeps the last value, so `{"role": "viewer", "role": "admin"}`
would read as an admin: a request body that does it is refused instead."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


class _Object(dict[str, Any]):
    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = []
        for key, _ in pairs:
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
        found.duplicates = tuple(twice)
    return found


def _pointer(path: tuple[str | int, ...]) -> str:
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in path)
    return "#/" + "/".join(escaped)


def _walk(document: Any, path: tuple[str | int, ...]) -> Iterator[str]:
    if isinstance(document, _Object):
        for key in document.duplicates:
            yield _pointer((*path, key))
        for key, value in document.items():
            yield from _walk(value, (*path, key))
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from _walk(item, (*path, index))


def duplicate_keys(body: bytes) -> list[str]:
    """JSON pointers to every key given more than once in one object of the document;
    empty for a document without them, or one that is not JSON at all (its parser will
    say so)."""
    try:
        document = json.loads(body, object_pairs_hook=_object)
    except (ValueError, RecursionError):
        return []
    return list(_walk(document, ()))
