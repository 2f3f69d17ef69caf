"""The yardstick: a bare FastAPI app whose one endpoint returns the body our endpoint
returned (read from BENCH_BARE_BODY), with nothing of ours around it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

BODY: Any = json.loads(Path(os.environ.get("BENCH_BARE_BODY", "/dev/null")).read_text() or "{}")

app = FastAPI()


@app.get("/bare")
async def bare() -> Any:
    return BODY
