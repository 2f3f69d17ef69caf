"""structlog set-up: JSON lines in production, readable console lines in development,
with the request's context variables (request_id, user) bound on every line.

Every line, ours and the libraries' (uvicorn, SQLAlchemy, Alembic), goes through the
standard library's logging into one queue; a listener thread renders and writes it. The
event loop only puts a record on the queue: rendering a traceback, which in development
took seconds while every other request waited, happens in that thread, and tracebacks
are cut to their innermost frames, without locals."""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import sys
import traceback
from typing import Any, TextIO

import structlog
from structlog.types import EventDict, ExcInfo, Processor, WrappedLogger

from shiftplanner.config import Settings

# The innermost frames of each exception in a chain: enough to see the route, the service
# and the failing call; the outer ones (ASGI middleware, a recursion) are left out.
TRACEBACK_MAX_FRAMES = 16
# Where the lines go; None is standard error as configure_logging finds it. Tests point it
# at a buffer (pytest swaps sys.stderr between a test's phases).
output_stream: TextIO | None = None
# A library's record carries the caller's structlog context (request_id) under this name.
CONTEXT_ATTRIBUTE = "structlog_context"


class _Enqueue(logging.handlers.QueueHandler):
    """Puts the record on the queue unformatted: the standard QueueHandler formats it
    here, on the caller's thread (the event loop), which is the work we move away. A
    library's record takes the caller's context (request_id) along."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if not hasattr(record, "_logger"):  # not from structlog, which merged it already
            setattr(record, CONTEXT_ATTRIBUTE, structlog.contextvars.get_contextvars())
        return record


class _Pipeline:
    """The queue, its handler on the root logger and the listener thread of this process."""

    def __init__(self) -> None:
        self.queue: queue.Queue[logging.LogRecord] = queue.Queue()
        self.handler = _Enqueue(self.queue)
        self.listener: logging.handlers.QueueListener | None = None
        atexit.register(self.stop)

    def restart(self, output: logging.Handler) -> None:
        self.stop()
        self.listener = logging.handlers.QueueListener(self.queue, output)
        self.listener.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        if self.listener is not None:
            self.listener.stop()
            self.listener = None

    def flush(self) -> None:
        if self.listener is not None:
            self.queue.join()


_pipeline = _Pipeline()


def configure_logging(settings: Settings) -> None:
    """Set up logging for this process (again: the last call wins)."""
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    output = output_stream or sys.stderr
    shared: list[Processor] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: list[Processor]
    if settings.logs_as_json:
        renderer = [
            structlog.processors.ExceptionRenderer(bounded_traceback),
            structlog.processors.JSONRenderer(),
        ]
    else:
        renderer = [
            structlog.dev.ConsoleRenderer(
                colors=output.isatty(), exception_formatter=_write_bounded_traceback
            )
        ]
    handler = logging.StreamHandler(output)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[_merge_record_context, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
        )
    )
    _pipeline.restart(handler)
    root = logging.getLogger()
    if _pipeline.handler not in root.handlers:
        root.addHandler(_pipeline.handler)
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            *shared,
            _capture_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def flush_logs() -> None:
    """Wait until every line logged so far is written."""
    _pipeline.flush()


def _capture_exc_info(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """`exc_info=True` means the exception being handled now, on this thread: take it
    now, before the line is handed to the listener thread."""
    exc_info = event_dict.get("exc_info")
    if exc_info is True:
        event_dict["exc_info"] = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        event_dict["exc_info"] = (type(exc_info), exc_info, exc_info.__traceback__)
    return event_dict


def _merge_record_context(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    record = event_dict.get("_record")
    context: dict[str, Any] = getattr(record, CONTEXT_ATTRIBUTE, None) or {}
    return {**context, **event_dict}


def bounded_traceback(exc_info: ExcInfo) -> str:
    """The exception's traceback as text: the innermost frames of each exception in
    the chain, without locals."""
    return "".join(traceback.format_exception(*exc_info, limit=-TRACEBACK_MAX_FRAMES)).rstrip()


def _write_bounded_traceback(sio: TextIO, exc_info: ExcInfo) -> None:
    # Plain text, not rich's: rendered in the listener thread, a rich traceback still
    # stalled the event loop by 0.2-0.5 s (the interpreter lock, the garbage collector).
    sio.write("\n" + bounded_traceback(exc_info))


def current_request_id() -> str | None:
    """The id the log lines of this context carry: the request's, or the one a background
    job took over from the request that caused it."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return request_id if isinstance(request_id, str) else None


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
