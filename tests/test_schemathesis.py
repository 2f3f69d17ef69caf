"""Fuzzing the whole OpenAPI schema with Schemathesis against a real uvicorn server: no
request, valid or not, may make the service answer with a 5xx, and every answer is JSON
(a resource or a problem document) or empty."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import GenerationMode
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Err, Ok
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AbsenceStatus, Role
from shiftplanner.runtime import Runtime
from tests.conftest import TEST_SECRET
from tests.databases import ROOT
from tests.factories import Tenant, bearer, make_absence, make_assignment, make_user

# Per operation and backend. With about 140 operations, 20 took two minutes of the
# suite's fifteen; 8 keeps every operation fuzzed with valid and invalid cases.
EXAMPLES_PER_OPERATION = 8
REQUEST_TIMEOUT_SECONDS = 10.0
STARTUP_TIMEOUT_SECONDS = 30.0
CREDENTIALS = frozenset({"authorization", "x-api-key"})
SHIFT_TIMES = {"start_time": "08:00:00", "end_time": "16:30:00"}
JSON_TYPES = frozenset({"application/json", "application/problem+json"})
# An event stream never ends by itself: a fuzzed request would only wait (tests/live).
UNENDING = frozenset({"/api/events"})


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Finding:
    """One response that broke the contract, with what it takes to reproduce it."""

    operation: str
    method: str
    url: str
    body: str
    status: int
    content_type: str
    response: str
    request_id: str

    def describe(self, server_output: str) -> str:
        lines = [
            f"{self.operation}: {self.status} ({self.content_type or 'no content type'})",
            f"  request: {self.method} {self.url}",
            f"  body: {self.body[:1000]}",
            f"  response: {self.response[:500]}",
        ]
        trace = traceback_of(server_output, self.request_id)
        if trace:
            lines.append("  server log:\n" + trace)
        return "\n".join(lines)


def traceback_of(output: str, request_id: str, limit: int = 12) -> str:
    """From the traceback the server logged for this request (JSON log lines): the
    service's own frames and the exception."""
    for line in output.splitlines():
        if not (request_id and request_id in line and line.startswith("{")):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("request_id") != request_id or not event.get("exception"):
            continue
        lines = str(event["exception"]).splitlines()
        frames = [i for i, text in enumerate(lines) if text.lstrip().startswith("File ")]
        ours = [
            f"{lines[i].strip()}: {lines[i + 1].strip() if i + 1 < len(lines) else ''}"
            for i in frames
            if "/shiftplanner/" in lines[i]
        ]
        after = lines[(frames[-1] + 1 if frames else 0) :]
        error = [text for text in after if not text.startswith(" ")][:limit]
        return "\n".join("    " + text for text in [*ours, *error])
    return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(
        f"the server did not answer /health in {STARTUP_TIMEOUT_SECONDS} s:\n{server.output()}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """The app under uvicorn in a process of its own, on the test's database."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")},
        "SHIFTPLANNER_DATABASE_URL": database_url,
        "SHIFTPLANNER_JWT_SECRET": TEST_SECRET,
        "SHIFTPLANNER_RATE_LIMIT_API": "1000000/15minutes",
        "SHIFTPLANNER_RATE_LIMIT_AUTH": "1000000/15minutes",
        "SHIFTPLANNER_DISPATCHER_ENABLED": "false",
        "SHIFTPLANNER_PASSWORD_HASH_TIME_COST": "1",
        "SHIFTPLANNER_PASSWORD_HASH_MEMORY_KIB": "8",
        "SHIFTPLANNER_PASSWORD_HASH_PARALLELISM": "1",
        "SHIFTPLANNER_LOG_LEVEL": "warning",
        "SHIFTPLANNER_LOG_JSON": "true",  # tracebacks as plain text, one event a line
        "SHIFTPLANNER_DATA_DIR": str(tmp_path / "data"),
        # The fuzzer starts CPU profiles: a second at most, not the rest of the run.
        "SHIFTPLANNER_PROFILER_MAX_SECONDS": "1",
    }
    log = tmp_path / "server.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "shiftplanner.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        running = Server(f"http://127.0.0.1:{port}", process, log)
        try:
            wait_until_healthy(running)
            yield running
        finally:
            stop(process)


@pytest.fixture
def hypothesis_home(tmp_path: Path) -> Iterator[None]:
    """Hypothesis keeps its caches in the test's directory, not in the project."""
    set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    set_hypothesis_home_dir(None)


Operation = schemathesis.APIOperation[Any, Any, Any, Any]


def loaded(result: Ok[Operation] | Err[InvalidSchema]) -> Operation:
    if isinstance(result, Err):
        pytest.fail(f"the schema has an invalid operation: {result.err()}")
    return result.ok()


def documented_types(operation: Operation) -> frozenset[str]:
    """The media types the operation's own responses declare besides JSON (Prometheus's
    text format, health+json, a profile's download)."""
    responses = operation.definition.raw.get("responses", {})
    return frozenset(
        media_type.lower()
        for response in responses.values()
        for media_type in response.get("content", {})
    )


def check(
    operation: str, response: schemathesis.Response, documented: frozenset[str] = frozenset()
) -> Finding | None:
    """A finding if the response is a 5xx, or neither JSON, a media type the operation
    documents nor an empty 204."""
    content_type = (response.headers.get("content-type") or [""])[0]
    media_type = content_type.split(";")[0].strip().lower()
    acceptable = (
        not response.content
        if response.status_code == 204
        else media_type in JSON_TYPES | documented
    )
    if response.status_code < 500 and acceptable:
        return None
    request = response.request
    body = request.body or b""
    return Finding(
        operation=operation,
        method=str(request.method),
        url=str(request.url),
        body=body.decode(errors="replace") if isinstance(body, bytes) else str(body),
        status=response.status_code,
        content_type=content_type,
        response=response.text,
        request_id=(response.headers.get("x-request-id") or [""])[0],
    )


def with_real_values(value: Any, real: dict[str, Any], depth: int = 0) -> Any:
    """The generated body with the tenant's ids (and a valid time zone, times and dates)
    wherever a field of that name appears, so that bodies get past validation and the
    lookups to the handlers' logic."""
    if depth > 3:
        return value
    if isinstance(value, dict):
        return {
            key: real[key] if key in real else with_real_values(item, real, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [with_real_values(item, real, depth + 1) for item in value]
    return value


def fuzz(
    operation: Operation,
    base_url: str,
    headers: dict[str, str],
    real: dict[str, Any],
    statuses: Counter[int],
) -> list[Finding]:
    """Valid and invalid cases of one operation, sent as the admin, about half of them
    with the tenant's real ids; the contract's breaches are collected (not raised, so no
    time goes into shrinking)."""
    findings: list[Finding] = []
    label = operation.label
    documented = documented_types(operation)
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @hypothesis.given(case=strategy, use_real=st.booleans())
    def run(case: schemathesis.Case[Operation], use_real: bool) -> None:
        # The schema declares both credentials; generated ones would only earn 401s.
        for name in [name for name in case.headers if name.lower() in CREDENTIALS]:
            del case.headers[name]
        case.headers.update(headers)
        if use_real:
            if case.path_parameters:
                case.path_parameters = with_real_values(case.path_parameters, real)
            if isinstance(case.body, dict | list):
                case.body = with_real_values(case.body, real)
        response = case.call(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS)
        statuses[response.status_code] += 1
        finding = check(label, response, documented)
        if finding is not None:
            findings.append(finding)

    run()
    return findings


async def admin_headers(session: AsyncSession, runtime: Runtime, tenant: Tenant) -> dict[str, str]:
    """A new admin of the tenant with a new sign-in, so that what the fuzzing did to the
    previous one (logged out, demoted, deleted) does not turn the rest into 401s."""
    user = await make_user(session, runtime, tenant.org, Role.ADMIN, superuser=True)
    await session.commit()
    return await bearer(session, runtime, user)


async def real_values(
    server: Server, session: AsyncSession, tenant: Tenant, headers: dict[str, str]
) -> dict[str, Any]:
    """Ids of one row of each kind in the tenant, by the names paths and bodies use."""
    analyst, other, _ = tenant.analysts
    assignment = await make_assignment(session, analyst, tenant.shift_types[0], date(2030, 1, 7))
    absence = await make_absence(
        session, other, date(2030, 2, 4), date(2030, 2, 8), status=AbsenceStatus.REQUESTED
    )
    await session.commit()
    created: dict[str, int] = {}
    team = tenant.team.id
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as http:
        for name, path, body in (
            ("holiday_id", "/api/holidays", {"team_id": team, "name": "Day", "date": "2030-01-01"}),
            ("blackout_id", "/api/blackout-dates", {"team_id": team, "start_date": "2030-03-01"}),
            ("api_key_id", "/api/api-keys", {"name": "fuzz", "role": "viewer"}),
        ):
            response = await http.post(path, json=body)
            assert response.status_code == 201, response.text
            document = response.json()
            created[name] = document.get("api_key", document)["id"]
    return {
        "org_id": tenant.org.id,
        "team_id": tenant.team.id,
        "user_id": tenant.users[Role.VIEWER].id,
        "analyst_id": analyst.id,
        "shift_type_id": tenant.shift_types[0].id,
        "assignment_id": assignment.id,
        "absence_id": absence.id,
        "identifier": f"user:{tenant.users[Role.VIEWER].id}",
        "timezone": "Europe/Berlin",
        **SHIFT_TIMES,
        "date": "2030-01-08",
        "start_date": "2030-01-14",
        "end_date": "2030-01-18",
        **created,
    }


@pytest.mark.usefixtures("hypothesis_home")
async def test_fuzzing_the_api_finds_no_server_errors(
    server: Server, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    """Every operation, valid and invalid input, as an admin of a tenant with data: no
    5xx, and only JSON (or an empty 204). A failure lists each distinct breach with its
    request and the server's traceback."""
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=10)
    operations = [
        operation
        for operation in map(loaded, schema.get_all_operations())
        if operation.path not in UNENDING
    ]
    assert len(operations) > 50, "the schema lists every operation"
    # Deletions last, so that the rows the other operations use are still there.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    real = await real_values(server, session, tenant, await admin_headers(session, runtime, tenant))
    findings: list[Finding] = []
    reached: dict[str, Counter[int]] = {}
    for operation in operations:
        headers = await admin_headers(session, runtime, tenant)
        reached[operation.label] = Counter()
        findings += await asyncio.to_thread(
            fuzz, operation, server.url, headers, real, reached[operation.label]
        )
        assert server.process.poll() is None, f"the server died:\n{server.output()}"
    elapsed = time.monotonic() - started
    total = sum(reached.values(), Counter())
    print(f"fuzzed {len(operations)} operations in {elapsed:.1f} s: {dict(total)}")
    for label, counts in reached.items():
        print(f"  {label}: {dict(counts)}")

    output = server.output()
    distinct: dict[tuple[str, int], Finding] = {}
    for finding in findings:
        distinct.setdefault((finding.operation, finding.status), finding)
    report = "\n\n".join(finding.describe(output) for finding in list(distinct.values())[:10])
    assert not findings, f"{len(findings)} responses broke the contract:\n\n{report}"
    # The cases reached the handlers as the admin, not just the authentication.
    successful = [label for label, counts in reached.items() if any(200 <= s < 300 for s in counts)]
    assert len(successful) >= len(operations) // 2, sorted(set(reached) - set(successful))


# A fuzzing run is random; what it found once stays checked here, on both backends.
NUL = "nul\u0000byte"


async def test_a_nul_character_in_text_is_refused_not_crashed(
    server: Server, tenant: Tenant
) -> None:
    """PostgreSQL cannot store U+0000 in text; a name or an email containing it must be
    an answer (accepted or refused), never a 500."""
    team = tenant.team.id
    requests: list[tuple[str, str, dict[str, Any] | None, dict[str, str] | None]] = [
        ("POST", "/api/auth/login", {"email": f"{NUL}@example.com", "password": "x"}, None),
        ("POST", "/api/organizations", {"name": NUL, "slug": "nul-byte"}, None),
        ("POST", "/api/teams", {"name": NUL, "code": "NUL", "timezone": "UTC"}, None),
        ("POST", "/api/shift-types", {"team_id": team, "name": NUL, **SHIFT_TIMES}, None),
        ("GET", "/api/analysts", None, {"skill": NUL}),
        ("GET", "/monitoring/security/audit-logs", None, {"action": NUL}),
    ]
    failures = []
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        for method, path, body, params in requests:
            anonymous = path == "/api/auth/login"  # anyone can send this one
            headers = None if anonymous else tenant.admin
            response = await client.request(method, path, json=body, params=params, headers=headers)
            media_type = response.headers.get("content-type", "").split(";")[0]
            if response.status_code >= 500 or media_type not in JSON_TYPES:
                trace = traceback_of(server.output(), response.headers.get("x-request-id", ""))
                failures.append(f"{method} {path} {body or params} -> {response.status_code}")
                failures.append(trace)
    assert not failures, "\n".join(failures)
