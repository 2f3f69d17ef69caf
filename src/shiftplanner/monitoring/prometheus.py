"""The Prometheus text exposition of this process, or of every worker process when
prometheus-client runs in multiprocess mode (`serve --workers N`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder


def exposition(multiprocess_dir: Path | None, accept: str | None) -> tuple[bytes, str]:
    """The metrics in the format the `Accept` header asks for (Prometheus asks for
    OpenMetrics, curl gets the classic text format), and its content type."""
    encode, content_type = choose_encoder(accept or "")
    if multiprocess_dir is None:
        return encode(REGISTRY), content_type
    # A registry of its own for each scrape, as the library asks: the collector reads
    # every process's files as they are now.
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
    return encode(registry), content_type


def prepare_multiprocess_dir(directory: Path) -> None:
    """Before the worker processes start: an empty directory (a previous run's files
    would add its counts to ours), announced to the library under its own variable,
    which the workers inherit and read when they first import it."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def process_exited(multiprocess_dir: Path | None) -> None:
    """This worker is going away: its live gauges (in flight, memory) stop counting."""
    if multiprocess_dir is not None:
        multiprocess.mark_process_dead(os.getpid(), path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
