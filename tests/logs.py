"""What the app logged, as a reader of its log sees it: the lines written to standard
error by the logging set-up itself (queue, listener thread, renderer)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from shiftplanner import logging
from shiftplanner.logging import flush_logs


class WrittenLogs:
    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    def text(self) -> str:
        """Everything written so far (after waiting for the listener thread)."""
        flush_logs()
        return self.buffer.getvalue()

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """The JSON lines (settings with `log_json`), or those of one event."""
        lines = [json.loads(line) for line in self.text().splitlines() if line.startswith("{")]
        return [line for line in lines if name is None or line.get("event") == name]


@pytest.fixture
def written_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[WrittenLogs]:
    """The lines of the apps this test starts (configure_logging writes here)."""
    buffer = io.StringIO()
    monkeypatch.setattr(logging, "output_stream", buffer)
    yield WrittenLogs(buffer)
    flush_logs()
