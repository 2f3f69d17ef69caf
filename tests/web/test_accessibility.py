"""Every page checked by axe-core (the WCAG 2 A and AA rules: contrast, labels, names,
landmarks, ARIA) in Chromium, as each role sees it, at desktop and phone widths."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.databases import ROOT
from tests.web.conftest import ADMIN_EMAIL, ANALYST_EMAIL, LEAD_EMAIL, sign_in

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    LEAD_EMAIL: ["/calendar", "/calendar?view=month", "/approvals", "/generate", "/rules", "/rules/coverage", "/rules/contracts", "/rules/settings", "/rules/succession", "/rules/holidays", "/rules/blackouts", "/feeds", "/notifications"],
    ANALYST_EMAIL: ["/my", "/calendar", "/feeds"],
    ADMIN_EMAIL: ["/operations"],
}  # fmt: skip


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's findings on the page as it is, once it has settled. Evaluated through the
    DevTools protocol, which the page's CSP does not govern (no script is added to it)."""
    # Settled: nothing loading (the live stream keeps the network busy for good).
    expect(page.locator(".spinner, [aria-busy=true]")).to_have_count(0)
    page.wait_for_timeout(300)
    found: list[dict[str, Any]] = page.evaluate(
        AXE.read_text()
        + """;
        axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
          .then((result) => result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary),
          })))"""
    )
    return found


# On one database: the markup does not depend on it, and each run visits every page.
@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [1280, 360])
def test_every_page_passes_the_wcag_aa_rules(new_page: Any, width: int) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs web/'s packages")
    page = new_page()
    page.goto("/")
    report: dict[str, list[dict[str, Any]]] = {}
    sign_in_form = violations(page)
    if sign_in_form:
        report["/ (sign in)"] = sign_in_form
    for email, paths in PAGES.items():
        page = new_page(width=width)
        sign_in(page, email)
        for path in paths:
            page.goto(path)
            page.get_by_role("heading", level=1).first.wait_for()
            found = violations(page)
            if found:
                report[f"{path} ({email.split('@')[0]})"] = found
    assert report == {}, json.dumps(report, indent=2)
