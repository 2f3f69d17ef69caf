"""The OpenAPI pages work without the internet: every script, style and icon they load
comes from the app itself."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

EXPECTED_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
}


class AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("src", "href") and value]


def asset_links(html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return parser.links


async def test_the_docs_pages_load_only_same_origin_assets(client: httpx.AsyncClient) -> None:
    for page, needed in (
        ("/docs", {".js", ".css", ".png"}),
        ("/redoc", {".js", ".png"}),
    ):
        response = await client.get(page)
        assert response.status_code == 200
        # No absolute URL anywhere: not in a tag, not in the inline start-up script.
        assert "://" not in response.text, response.text
        links = asset_links(response.text)
        assert {link[link.rindex(".") :] for link in links} == needed, links
        for link in links:
            assert link.startswith("/docs/static/"), link
            asset = await client.get(link)
            assert asset.status_code == 200, link
            kind = EXPECTED_TYPES[link[link.rindex(".") :]]
            assert asset.headers["content-type"].startswith(kind), (link, asset.headers)
            assert len(asset.content) > 1000, link
