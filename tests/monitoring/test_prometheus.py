"""Two worker processes (`serve --workers 2`) in prometheus-client's multiprocess mode:
every request counted once whichever worker answered it and whichever worker answers the
scrape; and a real Prometheus server scraping `/metrics` and answering PromQL over it."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import service_unavailable
from tests.subprocesses import command_env, free_port, run, serving, stop

REQUESTS = 60
ROUTE = "/api/auth/me"


# The one lint finding allowed: `shiftplanner_alert_count` is the name the product
# documents and the architecture give the gauge of alerts by severity and status, which
# promtool's naming lint takes for part of a histogram.
ALERT_COUNT_LINT = {
    'shiftplanner_alert_count non-histogram and non-summary metrics should not have "_count" suffix'
}


def me_requests_counted(exposition: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "shiftplanner_http_requests_total" and sample.labels["route"] == ROUTE
    )


async def unauthenticated_reads(url: str) -> None:
    """REQUESTS requests on 20 connections at once, so both workers take some."""
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
        answers = await asyncio.gather(*(client.get(ROUTE) for _ in range(REQUESTS)))
    assert {answer.status_code for answer in answers} == {401}


def prometheus_query(url: str, query: str) -> float | None:
    response = httpx.get(f"{url}/api/v1/query", params={"query": query}, timeout=5)
    if response.status_code == 503:  # still starting: not ready to answer queries
        return None
    answer = response.json()
    assert answer["status"] == "success", answer
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def test_two_workers_count_every_request_once_and_prometheus_reads_them(
    empty_database: str, tmp_path: Path
) -> None:
    if shutil.which("prometheus") is None or shutil.which("promtool") is None:
        service_unavailable("Prometheus", FileNotFoundError("apt-get install prometheus"))
    data_dir = tmp_path / "data"
    assert run(empty_database, data_dir, "db", "upgrade").returncode == 0
    env = command_env(empty_database, data_dir, SHIFTPLANNER_LOG_JSON="true")
    with serving(env, "--workers", "2") as server:
        asyncio.run(unauthenticated_reads(server.url))
        # Each scrape is answered by either worker, over a new connection: every one
        # adds up both workers' files.
        scrapes = [httpx.get(f"{server.url}/metrics", timeout=5) for _ in range(10)]
        assert [me_requests_counted(s.text) for s in scrapes] == [REQUESTS] * 10
        assert {s.headers["content-type"] for s in scrapes} == {
            "text/plain; version=0.0.4; charset=utf-8"
        }
        checked = subprocess.run(
            ["promtool", "check", "metrics"],  # noqa: S607
            input=scrapes[-1].text,
            capture_output=True,
            text=True,
            check=False,
        )
        problems = set((checked.stdout + checked.stderr).splitlines()) - ALERT_COUNT_LINT
        assert problems == set(), checked.stdout + checked.stderr

        prometheus_port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: shiftplanner\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{server.port}']}}]\n"
        )
        prometheus = subprocess.Popen(  # noqa: S603
            [  # noqa: S607
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prometheus_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{prometheus_port}"
            query = f'sum(shiftplanner_http_requests_total{{route="{ROUTE}",status="401"}})'
            found, up = None, None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    up = prometheus_query(url, 'up{job="shiftplanner"}')
                    found = prometheus_query(url, query)
                except (httpx.TransportError, ValueError):  # starting: no answer, or not JSON yet
                    pass
                # Both from one scrape's view: `up` may lag the first samples.
                if found is not None and up is not None:
                    break
                time.sleep(0.5)
            assert (up, found) == (1.0, REQUESTS)
            # A histogram quantile over the scraped buckets works as in any dashboard.
            p95 = prometheus_query(
                url,
                "histogram_quantile(0.95, sum by (le) "
                f'(shiftplanner_http_request_duration_seconds_bucket{{route="{ROUTE}"}}))',
            )
            assert p95 is not None
            assert 0 < p95 <= 10
        finally:
            stop(prometheus)
    # Both workers served: each logged its own start.
    # (Only the JSON lines: a worker killed at shutdown may leave a plain line behind.)
    starts = {
        match.group(1)
        for line in server.stderr.splitlines()
        if line.startswith("{")
        and (match := re.search(r"Started server process \[(\d+)\]", json.loads(line)["event"]))
    }
    assert len(starts) == 2, server.stderr


@pytest.mark.parametrize("backend", ["sqlite"])
def test_serve_clears_the_previous_runs_metrics(empty_database: str, tmp_path: Path) -> None:
    """A restart starts counting from zero: old files in the directory would add up."""
    data_dir = tmp_path / "data"
    assert run(empty_database, data_dir, "db", "upgrade").returncode == 0
    env = command_env(empty_database, data_dir)
    for _ in range(2):
        with serving(env, "--workers", "2") as server:
            asyncio.run(unauthenticated_reads(server.url))
            scraped = httpx.get(f"{server.url}/metrics", timeout=5).text
            assert me_requests_counted(scraped) == REQUESTS
