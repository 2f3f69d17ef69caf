"""One unhandled exception as error tracking stores it: its group's fingerprint, where it
was raised, a bounded message and a bounded traceback without locals.

The fingerprint is a hash of the exception's type and the function it escaped from
(`module:qualified_name` of the innermost frame of application code), not of the line:
a line number moves with every edit above it, and a deploy would then split one failure
into a new group. Two different raises of one type in one function share a group; the
stored location and the sample traceback carry the latest occurrence's line."""

from __future__ import annotations

import hashlib
import re
import site
import sysconfig
import traceback
from dataclasses import dataclass
from datetime import datetime
from types import FrameType, TracebackType

from shiftplanner.logging import bounded_traceback

PACKAGE = "shiftplanner"
# The columns' sizes (models/error_group.py).
MAX_TYPE = 255
MAX_LOCATION = 500
MAX_MESSAGE = 1000
MAX_ROUTE = 255
# The innermost end of a long traceback is the useful one; its head is cut.
MAX_TRACEBACK = 16_000
# SQLAlchemy puts a failed statement's bound values into its messages: they are user
# data (emails, names, hashes) and stay out of the record.
_SQL_PARAMETERS = re.compile(r"^\[parameters: .*\]$", re.MULTILINE)
_HIDDEN_PARAMETERS = "[parameters: hidden]"
# Where the interpreter's and the installed libraries' files live: a frame from there is
# not application code (unless it is this package's own, installed).
_LIBRARY_SCHEMES = ("stdlib", "platstdlib", "purelib", "platlib")


def _library_directories() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    found = {paths[name] for name in _LIBRARY_SCHEMES if paths.get(name)}
    found.update(site.getsitepackages())
    return tuple(sorted(found))


_LIBRARY_DIRECTORIES = _library_directories()


@dataclass(frozen=True, slots=True)
class Occurrence:
    """An unhandled exception and the request (or job) it broke."""

    fingerprint: str
    exception_type: str
    location: str
    message: str
    traceback: str
    occurred_at: datetime
    request_id: str | None = None
    method: str | None = None
    route: str | None = None
    user_id: int | None = None
    api_key_id: int | None = None
    org_id: int | None = None


def type_name(error: BaseException) -> str:
    """`ZeroDivisionError`, `sqlalchemy.exc.OperationalError`: the module unless builtin."""
    kind = type(error)
    module = kind.__module__
    name = kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
    return name[:MAX_TYPE]


def describe(
    error: BaseException,
    *,
    occurred_at: datetime,
    request_id: str | None = None,
    method: str | None = None,
    route: str | None = None,
    user_id: int | None = None,
    api_key_id: int | None = None,
    org_id: int | None = None,
) -> Occurrence:
    """The occurrence of `error` (with its traceback) as error tracking records it."""
    kind = type_name(error)
    function, line = _origin(error.__traceback__)
    text = bounded_traceback((type(error), error, error.__traceback__))
    if len(text) > MAX_TRACEBACK:
        text = "[… earlier frames cut]\n" + text[-MAX_TRACEBACK:]
    return Occurrence(
        fingerprint=hashlib.sha256(f"{kind}\n{function}".encode()).hexdigest(),
        exception_type=kind,
        location=(f"{function}:{line}" if line is not None else function)[:MAX_LOCATION],
        message=_scrub(str(error))[:MAX_MESSAGE],
        traceback=_scrub(text),
        occurred_at=occurred_at,
        request_id=request_id,
        method=method,
        route=route[:MAX_ROUTE] if route is not None else None,
        user_id=user_id,
        api_key_id=api_key_id,
        org_id=org_id,
    )


def _origin(tb: TracebackType | None) -> tuple[str, int | None]:
    """`module:qualified_name` of the innermost frame of application code (the
    innermost frame at all if none is), and that frame's line."""
    frames = list(traceback.walk_tb(tb))
    if not frames:
        return "<unknown>", None
    frame, line = next(
        ((frame, line) for frame, line in reversed(frames) if _is_application(frame)),
        frames[-1],
    )
    module = frame.f_globals.get("__name__") or frame.f_code.co_filename
    return f"{module}:{frame.f_code.co_qualname}", line


def _is_application(frame: FrameType) -> bool:
    """This package's code, or code outside the interpreter's and libraries' directories
    (a deployment's own scripts, the tests' routes)."""
    module = frame.f_globals.get("__name__")
    if isinstance(module, str) and (module == PACKAGE or module.startswith(PACKAGE + ".")):
        return True
    filename = frame.f_code.co_filename
    if filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>
        return False
    return not filename.startswith(_LIBRARY_DIRECTORIES)


def _scrub(text: str) -> str:
    return _SQL_PARAMETERS.sub(_HIDDEN_PARAMETERS, text)
