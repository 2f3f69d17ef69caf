"""The yardstick for page loads: the same built pages (web/dist, BENCH_WEB_DIST) served
by a bare Starlette static-files app, with nothing of ours around it."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

app = Starlette(routes=[Mount("/", StaticFiles(directory=os.environ["BENCH_WEB_DIST"], html=True))])
