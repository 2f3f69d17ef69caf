"""The operations dashboard: its figures move while a load runs (from the stored per-minute
rollups, refreshed on its own), an alert that fires is acknowledged on the page, the
panels stack on a phone, and an admin who is not the platform operator is told which
panels need the operator while the organization's own ones still load."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.web.conftest import ADMIN_EMAIL, ANALYST_EMAIL, LEAD_EMAIL, Screenshots, Site, sign_in

# Rollups are per minute, written a few seconds after each minute ends, and the page
# refreshes every 12 s: a load shows within about 80 s.
ROLLUP_WAIT_MS = 120_000
# The alert evaluator runs every 15 s (SHIFTPLANNER_ALERT_EVALUATION_INTERVAL_SECONDS).
ALERT_WAIT_S = 60
LOAD_REQUESTS = 200


def _count(locator: Locator) -> int:
    return int(re.sub(r"\D", "", locator.inner_text()) or "0")


def _open(page: Page) -> None:
    sign_in(page, ADMIN_EMAIL, path="/operations")
    expect(page.get_by_role("heading", name="Operations", level=1)).to_be_visible()


@contextmanager
def _firing_alert(site: Site) -> Iterator[dict[str, Any]]:
    """A rule over a team of its own whose condition already holds (no absence request
    is pending, and 0 >= 0), fired by the server's evaluator; deleted after."""
    team = site.new_team("Ops")
    suffix = team["tag"]
    with site.api() as api:
        rule = api.post(
            "/monitoring/alert-rules",
            json={
                "name": f"Ops check {suffix}",
                "condition": {
                    "metric": "pendingAbsenceRequests",
                    "operator": "gte",
                    "threshold": 0,
                    "params": {"team_id": team["id"]},
                },
                "severity": "HIGH",
            },
        )
        rule.raise_for_status()
        rule_id = rule.json()["id"]
        try:
            deadline = time.monotonic() + ALERT_WAIT_S
            while True:
                alerts = api.get(
                    "/monitoring/alerts", params={"status": "firing", "limit": 500}
                ).json()["items"]
                mine = [a for a in alerts if a["ruleId"] == rule_id]
                if mine:
                    break
                assert time.monotonic() < deadline, f"the rule did not fire in {ALERT_WAIT_S} s"
                time.sleep(0.5)
            yield mine[0]
        finally:
            api.delete(f"/monitoring/alert-rules/{rule_id}").raise_for_status()


def test_the_figures_move_while_a_load_runs(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    page = new_page()
    _open(page)
    total = page.get_by_test_id("requests-in-window")
    expect(total).to_be_visible()
    expect(page.locator(".ops-chart__plot canvas")).to_have_count(3)
    expect(page.get_by_test_id("chart-rate-caption")).to_contain_text("1-minute steps")
    updated = page.get_by_test_id("updated")
    expect(updated).to_contain_text(re.compile(r"Updated \d\d:\d\d:\d\d"))
    first_update = updated.inner_text()
    before = _count(total)

    with site.api() as api:
        for _ in range(LOAD_REQUESTS):
            api.get("/api/teams").raise_for_status()

    # No reload: the page refreshes on its own once the load's minute is stored.
    deadline = time.monotonic() + ROLLUP_WAIT_MS / 1000
    while _count(total) < before + LOAD_REQUESTS:
        assert time.monotonic() < deadline, (
            f"the requests shown stayed at {_count(total)} (before the load: {before})"
        )
        page.wait_for_timeout(1000)
    assert updated.inner_text() != first_update
    after = _count(total)
    caption = page.get_by_test_id("chart-rate-caption")
    expect(caption).to_contain_text(f"{after:,} requests in all")
    # The peak minute holds (most of) the load.
    peak = re.search(r"peak ([\d,.]+)/min", caption.inner_text())
    assert peak is not None
    assert float(peak.group(1).replace(",", "")) >= LOAD_REQUESTS / 2
    with site.api() as api:
        series = api.get("/monitoring/metrics/series", params={"window": "1h"}).json()
    assert sum(p["requests"] for p in series["points"]) >= after
    screenshot(page, "after-load")

    # Another window: its series at once, in coarser steps.
    page.get_by_label("Chart window").select_option("7d")
    expect(page.get_by_test_id("chart-rate-caption")).to_contain_text("last 7 days in hourly")
    assert _count(total) >= after

    # Paused, the page says so and stops asking; resumed, it asks at once.
    pause = page.get_by_role("button", name="Pause refresh")
    pause.focus()
    page.keyboard.press("Enter")
    resume = page.get_by_role("button", name="Resume refresh")
    expect(resume).to_have_attribute("aria-pressed", "true")
    expect(updated).to_contain_text("paused")
    with page.expect_request(re.compile(r"/monitoring/dashboard$")):
        resume.click()


def test_acknowledge_an_alert(new_page: Any, site: Site, screenshot: Screenshots) -> None:
    with _firing_alert(site) as alert:
        page = new_page()
        _open(page)
        card = page.get_by_role("article", name=re.compile(re.escape(alert["ruleName"])))
        expect(card).to_be_visible(timeout=30_000)
        expect(card).to_contain_text("firing")
        expect(card).to_contain_text(alert["summary"])
        screenshot(page, "firing")

        card.get_by_role("button", name="Acknowledge").click()
        outcome = page.get_by_role("status").filter(has_text=alert["ruleName"])
        expect(outcome).to_contain_text("Acknowledged at")
        expect(card.get_by_role("button", name="Acknowledge")).to_have_count(0)
        expect(card).to_contain_text("acknowledged")
        with site.api() as api:
            stored = api.get(f"/monitoring/alerts/{alert['id']}").json()
            me = api.get("/api/auth/me").json()["user"]["id"]
        assert stored["status"] == "firing"
        assert stored["acknowledgedAt"] is not None
        assert stored["acknowledgedByUserId"] == me
        screenshot(page, "acknowledged")

        # Silence it for an hour through the duration choice.
        card.get_by_label("Silence for").select_option(label="1 hour")
        card.get_by_role("button", name="Silence").click()
        expect(page.get_by_role("status").filter(has_text=alert["ruleName"])).to_contain_text(
            "Silenced until"
        )
        with site.api() as api:
            assert api.get(f"/monitoring/alerts/{alert['id']}").json()["silencedUntil"]


def test_at_360_px_the_panels_stack(new_page: Any, screenshot: Screenshots) -> None:
    page = new_page(width=360, height=800)
    _open(page)
    expect(page.get_by_test_id("requests-in-window")).to_be_visible()
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    expect(page.locator(".ops-chart__plot canvas")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    boxes = [
        page.locator(f"#{panel}").bounding_box()
        for panel in ("ops-traffic", "ops-alerts", "ops-readiness", "ops-sla")
    ]
    assert all(box is not None for box in boxes)
    assert len({round(box["x"]) for box in boxes if box}) == 1
    tops = [box["y"] for box in boxes if box]
    assert tops == sorted(tops)
    screenshot(page, "narrow")


def test_an_admin_who_is_not_the_operator_sees_what_is_theirs(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    email = site.new_user("admin")
    page = new_page()
    sign_in(page, email, path="/operations")
    operator_only = "Service-wide measurements are for the platform operator"
    for panel in ("ops-traffic", "ops-readiness", "ops-sla", "ops-errors"):
        expect(page.locator(f"#{panel}")).to_contain_text(operator_only)
    # The organization's own panels load all the same.
    expect(page.locator("#ops-alerts").get_by_role("heading", name="Recent")).to_be_visible()
    expect(page.locator("#ops-webhooks")).not_to_contain_text(operator_only)
    expect(page.locator("#ops-queue")).not_to_contain_text(operator_only)
    expect(page.locator("#ops-queue")).not_to_contain_text("Loading")
    screenshot(page, "not-operator")


def test_an_analyst_acknowledges_an_alert_and_sees_only_the_alerts(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    """An alert escalates to whoever is on shift: an analyst opens the page its notice
    links to and acknowledges it there. The panels of other roles are not shown."""
    with _firing_alert(site) as alert:
        page = new_page()
        sign_in(page, ANALYST_EMAIL, path="/operations#ops-alerts")
        card = page.get_by_role("article", name=re.compile(re.escape(alert["ruleName"])))
        expect(card).to_be_visible(timeout=30_000)
        card.get_by_role("button", name="Acknowledge").click()
        outcome = page.get_by_role("status").filter(has_text=alert["ruleName"])
        expect(outcome).to_contain_text("Acknowledged at")
        # Resolving and silencing are for managers and admins.
        expect(card.get_by_role("button", name="Resolve")).to_have_count(0)
        expect(card.get_by_role("button", name="Silence")).to_have_count(0)
        for panel in ("ops-traffic", "ops-readiness", "ops-sla", "ops-webhooks", "ops-queue"):
            expect(page.locator(f"#{panel}")).to_have_count(0)
        expect(page.get_by_label("Chart window")).to_have_count(0)
        with site.api(ANALYST_EMAIL) as api:
            me = api.get("/api/auth/me").json()["user"]["id"]
        with site.api() as api:
            stored = api.get(f"/monitoring/alerts/{alert['id']}").json()
        assert stored["acknowledgedByUserId"] == me
        screenshot(page, "analyst")

        # A manager also sees the generation queue, and no service-wide panel.
        lead = new_page()
        sign_in(lead, LEAD_EMAIL, path="/operations")
        expect(lead.locator("#ops-queue")).not_to_contain_text("Loading")
        expect(
            lead.locator("#ops-queue").get_by_role("heading", name="Generation queue")
        ).to_be_visible()
        expect(lead.locator("#ops-traffic")).to_have_count(0)
        expect(lead.locator("#ops-alerts").get_by_role("heading", name="Recent")).to_be_visible()
