"""The README's first walk through the API, run as a newcomer runs it: its shell block,
taken from the README itself, pasted into bash against a freshly seeded demo served by
`shiftplanner serve`, on whatever day the suite runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.databases import ROOT
from tests.subprocesses import FAST_HASHING, command_env, run, serving

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
