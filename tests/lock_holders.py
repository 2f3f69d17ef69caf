"""Who holds the database: the connections the test process has checked out, by the test
that took them, with its tasks, threads and child processes. Told when emptying the
database after a test finds SQLite's write lock taken for all of its wait
(`database_url`), so that a lock an earlier test on the worker left behind names that
test, not the one it breaks."""

from __future__ import annotations

import asyncio
import threading
import traceback
from dataclasses import dataclass
from typing import Any

import greenlet
import psutil
from sqlalchemy import event
from sqlalchemy.pool import Pool


@dataclass(frozen=True, slots=True)
class _Checkout:
    test: str
    driver: str
    stack: str


_current_test = "(between tests)"
_checked_out: dict[int, _Checkout] = {}


def starting(test: str) -> None:
    global _current_test
    _current_test = test


def _our_frames(limit: int = 12) -> str:
    """Where the connection was taken: under SQLAlchemy's asyncio adapter the pool runs in
    a greenlet, whose parent's frames are the caller's."""
    frames = list(traceback.extract_stack())
    parent = greenlet.getcurrent().parent
    if parent is not None and parent.gr_frame is not None:
        frames = list(traceback.extract_stack(parent.gr_frame)) + frames
    ours = [
        frame
        for frame in frames
        if ("/shiftplanner/" in frame.filename or "/tests/" in frame.filename)
        and frame.filename != __file__
    ]
    try:
        task = asyncio.current_task()
    except RuntimeError:
        task = None
    where = f"  (task {task.get_name()})\n" if task is not None else "  (no task)\n"
    return where + "".join(traceback.format_list(ours[-limit:]))


@event.listens_for(Pool, "checkout")
def _on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    _checked_out[id(dbapi_connection)] = _Checkout(
        _current_test, type(dbapi_connection).__name__, _our_frames()
    )


@event.listens_for(Pool, "checkin")
def _on_checkin(dbapi_connection: Any, record: Any) -> None:
    _checked_out.pop(id(dbapi_connection), None)


def describe(database: str) -> str:
    """The checked-out connections, the event loop's tasks, the threads, and the processes
    that have the file `database` open (a solver process whose server was killed lives
    on, no longer our child)."""
    lines = [f"Connections checked out now ({len(_checked_out)}):"]
    for checkout in _checked_out.values():
        lines.append(f"- {checkout.driver} by {checkout.test}:\n{checkout.stack}")
    try:
        tasks = asyncio.all_tasks()
    except RuntimeError:
        tasks = set()
    lines.append(f"Tasks on the event loop ({len(tasks)}):")
    lines.extend(f"- {task.get_name()}: {task.get_coro()!r}" for task in tasks)
    threads = threading.enumerate()
    lines.append(f"Threads ({len(threads)}): {', '.join(thread.name for thread in threads)}")
    lines.append("Processes with the database open:")
    for process in psutil.process_iter(["pid", "cmdline", "open_files"]):
        files = process.info["open_files"] or []
        if any(file.path == database for file in files):
            lines.append(
                f"- {process.info['pid']}: {' '.join(process.info['cmdline'] or [])[:200]}"
            )
    return "\n".join(lines)
