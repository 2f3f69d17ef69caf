"""The Prometheus export: a rule file `promtool check rules` accepts, the rules without a
Prometheus counterpart listed in a comment, and nothing of another organization."""

from __future__ import annotations

import asyncio
import shutil
from asyncio.subprocess import PIPE, STDOUT
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import Tenant

URL = "/monitoring/alert-rules"
PROMTOOL = shutil.which("promtool")


def rule(name: str, metric: str, operator: str, threshold: float, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "condition": {"metric": metric, "operator": operator, "threshold": threshold},
        "severity": "HIGH",
        **extra,
    }


async def test_the_export_passes_promtool(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    if PROMTOOL is None:
        pytest.skip("promtool is missing: install the Debian package `prometheus` (CI has it)")
    bodies = [
        rule("Slow responses", "averageResponseTime", "gt", 500, labels={"team": "ops"}),
        rule('p95 "quoted" name', "p95ResponseTime", "gte", 800.5, keepFiringMinutes=10),
        rule("Errors: 5xx", "errorRate", "gt", 5, description="Line one\nline two: yes"),
        rule("Availability", "availability", "lt", 99.9),
        rule("Requests", "requestRate", "eq", 0),
        rule("CPU", "cpuUsage", "gt", 80),
        rule("Memory", "memoryUsage", "gt", 800),
        rule("Lag", "eventLoopLag", "lte", 1000),
        rule("Slow queries", "slowQueryPercentage", "gt", 10),
        rule("Cache", "cacheMissRate", "gt", 30),
        rule("Pool", "dbPoolUtilization", "gt", 90),
        rule("Gaps", "coverageGaps", "gt", 0),
        rule("Off", "cpuUsage", "gt", 99, enabled=False),
    ]
    for body in bodies:
        body["condition"]["durationMinutes"] = 5
        response = await client.post(URL, json=body, headers=tenant.admin)
        assert response.status_code == 201, response.text
    await client.post(URL, json=rule("Theirs", "coverageGaps", "gt", 3), headers=other_tenant.admin)

    response = await client.get(
        f"{URL}/export", params={"format": "prometheus"}, headers=tenant.manager
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/yaml")
    text = response.text
    path = tmp_path / "rules.yml"
    path.write_text(text)
    process = await asyncio.create_subprocess_exec(
        PROMTOOL, "check", "rules", str(path), stdout=PIPE, stderr=STDOUT
    )
    output = (await asyncio.wait_for(process.communicate(), timeout=30))[0].decode()
    assert process.returncode == 0, output + text
    assert "SUCCESS: 10 rules found" in output
    assert "alert: SlowResponses" in text
    assert "keep_firing_for: 10m" in text
    assert '"Pool": dbPoolUtilization has no Prometheus counterpart' in text
    assert '"Gaps": coverageGaps has no Prometheus counterpart' in text
    assert '"Off": disabled' in text
    assert "Theirs" not in text

    unknown = await client.get(f"{URL}/export", params={"format": "nagios"}, headers=tenant.admin)
    assert unknown.status_code == 422
