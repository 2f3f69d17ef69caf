"""The README's first walk through the API, run as a newcomer runs it: its shell block,
taken from the README itself, pasted into bash against a freshly seeded demo served by
`shiftplanner serve`, on whatever day the suite runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from shiftplanner.kit.signing import new_secret
from shiftplanner.runtime import Runtime
from tests.databases import ROOT
from tests.factories import Tenant
from tests.subprocesses import FAST_HASHING, command_env, free_port, run, serving
from tests.webhooks.support import flush, subscribe

PASSWORD = "the demo admin's password"
WALK_HEADING = "## A first walk through the API"


def walk_script() -> str:
    """The first ```sh block after the walk's heading."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(WALK_HEADING) :]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the walk has no ```sh block"
    return match.group(1)


def json_documents(text: str) -> list[Any]:
    """The JSON documents the walk printed, one after the other."""
    decoder = json.JSONDecoder()
    documents, position = [], 0
    while (position := _skip_space(text, position)) < len(text):
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
    return documents


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def test_the_readme_walk_shows_this_weeks_demo_and_applies_a_generated_roster(
    tmp_path: Path, empty_database: str
) -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the README walk needs {', '.join(missing)} (apt-get install jq curl)")
    database = empty_database
    data_dir = tmp_path / "data"
    admin = {"SHIFTPLANNER_ADMIN_PASSWORD": PASSWORD}
    assert run(database, data_dir, "db", "upgrade").returncode == 0
    seeded = run(database, data_dir, "demo", env=admin)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr

    env = command_env(database, data_dir, **admin, **FAST_HASHING)
    with serving(env) as server:
        # The walk says localhost:4000; curl's own configuration sends it to this server,
        # so the README's lines run exactly as written.
        (tmp_path / ".curlrc").write_text(f"connect-to = localhost:4000:127.0.0.1:{server.port}\n")
        walked = subprocess.run(  # noqa: S603 (the README's own lines)
            ["bash", "-euo", "pipefail", "-c", walk_script()],  # noqa: S607 (bash from PATH)
            input=PASSWORD + "\n",
            env={**env, "CURL_HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert walked.returncode == 0, walked.stdout + walked.stderr
    week, conflicts, requested, approval, proposal, applied = json_documents(walked.stdout)
    assert week["items"], f"this week's schedule is empty: {week}"
    assert "conflicts" in conflicts, conflicts
    assert requested["items"], requested
    assert all(item["status"] == "requested" for item in requested["items"])
    assert approval["absence"]["id"] == requested["items"][0]["id"]
    assert approval["absence"]["status"] == "approved"
    # Next week, planned by the solver and applied: the newcomer's first generated roster.
    assert proposal["status"] == "succeeded", proposal
    assert proposal["solution"]["status"] in ("optimal", "feasible"), proposal
    assert applied["job"] == "applied", applied
    assert applied["created"] + applied["updated"] + applied["deleted"] > 0, applied
    assert approval["stranded_assignments"], approval


WEBHOOKS_HEADING = "## Webhooks"


def receiver_script() -> str:
    """The first ```python block after the Webhooks heading: the receiver example."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(WEBHOOKS_HEADING) :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the Webhooks section has no ```python block"
    return match.group(1)


@dataclass
class ReadmeReceiver:
    """The README's receiver, running as a process of its own."""

    process: subprocess.Popen[str]
    port: int
    secret: str

    def stop(self) -> str:
        """End it; what it printed."""
        self.process.terminate()
        printed, _ = self.process.communicate(timeout=10)
        return printed


@pytest.fixture
def readme_receiver(tmp_path: Path) -> Iterator[ReadmeReceiver]:
    script = tmp_path / "receiver.py"
    script.write_text(receiver_script())
    secret, port = new_secret(), free_port()
    process = subprocess.Popen(  # noqa: S603 (the README's own receiver)
        [sys.executable, str(script)],
        env={**os.environ, "WEBHOOK_SECRET": secret, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    receiver = ReadmeReceiver(process, port, secret)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, process.communicate()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert time.monotonic() < deadline, "the receiver did not listen within 10 s"
            time.sleep(0.05)
        yield receiver
    finally:
        if process.poll() is None:
            receiver.stop()


async def test_the_readme_receiver_verifies_each_message_and_handles_it_once(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    readme_receiver: ReadmeReceiver,
) -> None:
    url = f"http://127.0.0.1:{readme_receiver.port}/"
    hook = await subscribe(client, tenant, url, ["team.*"], secret=readme_receiver.secret)
    for name in ("Renamed once", "Renamed twice"):
        response = await client.patch(
            f"/api/teams/{tenant.team.id}", json={"name": name}, headers=tenant.admin
        )
        assert response.status_code == 200, response.text
    await flush(runtime)
    # A retry brings the first message again: handled once all the same.
    first = (
        await client.get(f"/monitoring/webhooks/{hook['id']}/deliveries", headers=tenant.admin)
    ).json()["items"][-1]
    retried = await client.post(
        f"/monitoring/webhooks/{hook['id']}/deliveries/{first['id']}/retry",
        headers=tenant.admin,
    )
    assert retried.status_code == 202, retried.text
    await flush(runtime)
    async with httpx.AsyncClient() as outsider:
        forged = await outsider.post(
            url,
            content=b'{"type": "team.deleted"}',
            headers={"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,x"},
        )
    assert forged.status_code == 401
    printed = readme_receiver.stop()
    stats = (await client.get("/monitoring/webhooks/stats", headers=tenant.admin)).json()
    [endpoint] = stats["endpoints"]
    assert (endpoint["succeeded"], endpoint["attempts"]) == (2, 3)
    lines = printed.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["team.updated", "team.updated"]
    assert [json.loads(line.split(" ", 1)[1])["name"] for line in lines] == [
        "Renamed once",
        "Renamed twice",
    ]
