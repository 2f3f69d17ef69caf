"""Serving the built pages: index.html at each page path (never cached), hashed assets
cached for good, the page policy on both, and a page that says how to build when web/ was
never built. A build of our own in a temporary directory: no browser needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from shiftplanner.config import Settings
from tests.conftest import running

INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head></html>'


@pytest.fixture
def built(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/calendar", "/rules/holidays", "/operations", "/feeds"])
async def test_every_page_path_answers_with_the_app(
    settings: Settings, built: Path, path: str
) -> None:
    async with running(settings.model_copy(update={"web_dist_dir": built})) as (_, http):
        answer = await http.get(path)
    assert answer.status_code == 200
    assert answer.text == INDEX
    assert answer.headers["cache-control"] == "no-cache"
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy


async def test_assets_are_cached_for_good_and_unknown_ones_are_404(
    settings: Settings, built: Path
) -> None:
    async with running(settings.model_copy(update={"web_dist_dir": built})) as (_, http):
        asset = await http.get("/assets/index-abc123.js")
        missing = await http.get("/assets/index-gone.js")
        icon = await http.get("/favicon.svg")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in asset.headers["content-type"]
    assert missing.status_code == 404
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")


async def test_an_unbuilt_checkout_says_how_to_build(settings: Settings, tmp_path: Path) -> None:
    async with running(settings.model_copy(update={"web_dist_dir": tmp_path / "nothing"})) as (
        _,
        http,
    ):
        page = await http.get("/calendar")
        api = await http.get("/health")
    assert page.status_code == 503
    assert "make run" in page.text
    assert api.status_code == 200


async def test_the_api_keeps_its_own_policy(settings: Settings, built: Path) -> None:
    async with running(settings.model_copy(update={"web_dist_dir": built})) as (_, http):
        answer = await http.get("/api/auth/me")
    assert answer.status_code == 401
    assert answer.headers["content-security-policy"].startswith(
        "default-src 'none'; frame-ancestors"
    )


async def test_a_head_request_answers_like_a_get(settings: Settings, built: Path) -> None:
    """Uptime monitors ask with HEAD."""
    async with running(settings.model_copy(update={"web_dist_dir": built})) as (_, http):
        answer = await http.head("/calendar")
    assert answer.status_code == 200
    assert answer.content == b""
    assert answer.headers["content-length"] == str(len(INDEX))
