"""What every request adds to the Prometheus metrics and to this process's minute
rollups, called once per request by the request-context middleware (the outermost one,
so the time includes every layer and compression, and the size is what was sent)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from shiftplanner.monitoring.metrics import (
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS,
    HTTP_REQUESTS_IN_FLIGHT,
    HTTP_RESPONSE_SIZE,
)
from shiftplanner.monitoring.recorder import Recorder, RequestQueries


class HttpMeasurements:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        # Each label set's children, looked up once: `labels()` takes a lock and builds a
        # tuple on every call.
        self._counted: dict[tuple[str, str, int], Counter] = {}
        self._timed: dict[tuple[str, str], tuple[Histogram, Histogram]] = {}

    def started(self) -> RequestQueries:
        HTTP_REQUESTS_IN_FLIGHT.inc()
        return RequestQueries()

    def finished(
        self,
        method: str,
        route: str,
        status: int,
        duration_seconds: float,
        size: int,
        queries: RequestQueries,
    ) -> None:
        HTTP_REQUESTS_IN_FLIGHT.dec()
        counter = self._counted.get((method, route, status))
        if counter is None:
            counter = self._counted[(method, route, status)] = HTTP_REQUESTS.labels(
                method, route, str(status)
            )
        counter.inc()
        timed = self._timed.get((method, route))
        if timed is None:
            timed = self._timed[(method, route)] = (
                HTTP_REQUEST_DURATION.labels(method, route),
                HTTP_RESPONSE_SIZE.labels(method, route),
            )
        timed[0].observe(duration_seconds)
        timed[1].observe(size)
        self.recorder.request(method, route, status, duration_seconds, size, queries)
