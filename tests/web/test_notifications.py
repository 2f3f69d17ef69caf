"""The bell and the feed: a decision on an analyst's absence reaches them as an in-app
notification; the bell counts it, the feed shows it and marks it read (one, then all),
and the preferences form stores what they want by email."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import LEAD_EMAIL, Screenshots, Site, sign_in
from tests.web.crews import Crew, day, new_crew, request_absence


def _approved(site: Site, crew: Crew, first: int, last: int) -> None:
    absence = request_absence(site, crew, day(first), day(last))
    with site.api(LEAD_EMAIL) as api:
        api.post(f"/api/absences/{absence['id']}/approve").raise_for_status()


def _unread(site: Site, email: str) -> int:
    with site.api(email) as api:
        count: int = api.get("/api/notifications/unread-count").json()["unread"]
        return count


def _wait_for_unread(site: Site, email: str, wanted: int, timeout: float = 15) -> None:
    """The notices are written by a background worker after the change commits."""
    deadline = time.monotonic() + timeout
    while _unread(site, email) != wanted:
        assert time.monotonic() < deadline, f"no {wanted} unread notifications in {timeout} s"
        time.sleep(0.2)


def test_the_bell_counts_unread_notifications_and_the_feed_marks_them_read(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    crew = new_crew(site)
    page = new_page()
    with page.expect_response(lambda response: "/api/events" in response.url) as stream:
        sign_in(page, crew.email, path="/my")
    assert stream.value.ok
    bell = page.get_by_role("link", name=re.compile("^Notifications"))
    expect(bell).to_have_accessible_name("Notifications, none unread")

    _approved(site, crew, 40, 41)
    _wait_for_unread(site, crew.email, 1)
    # The bell looks again after the decision's live event, without a reload.
    expect(bell).to_have_accessible_name("Notifications, 1 unread", timeout=10_000)
    expect(bell).to_have_text("1")
    screenshot(page, "bell")

    _approved(site, crew, 45, 45)
    _wait_for_unread(site, crew.email, 2)
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    expect(bell).to_have_accessible_name("Notifications, 2 unread")
    feed = page.get_by_role("list", name="Notifications")
    items = feed.get_by_role("listitem")
    expect(items).to_have_count(2)
    first = feed.get_by_role(
        "article", name=re.compile(r"^Your absence \(vacation\) .* was approved")
    )
    expect(first.first).to_contain_text("Unread")
    expect(page.get_by_text("2 unread.")).to_be_visible()
    expect(items.first.get_by_role("link", name="Open my shifts")).to_have_attribute("href", "/my")
    screenshot(page, "feed")

    items.first.get_by_role("button", name=re.compile("^Mark read")).click()
    expect(bell).to_have_accessible_name("Notifications, 1 unread")
    expect(items.first).not_to_contain_text("Unread")
    expect(items.last).to_contain_text("Unread")
    assert _unread(site, crew.email) == 1

    page.get_by_role("button", name="Mark all read").click()
    expect(bell).to_have_accessible_name("Notifications, none unread")
    expect(page.get_by_text("Nothing unread.")).to_be_visible()
    expect(feed.get_by_text("Unread", exact=True)).to_have_count(0)
    assert _unread(site, crew.email) == 0

    page.get_by_label("Unread only").check()
    expect(page.get_by_text("No unread notifications.")).to_be_visible()
    screenshot(page, "all-read")


def test_the_feed_keeps_the_email_preference(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    email = site.new_user("viewer")
    page = new_page(width=360, height=780)
    sign_in(page, email, path="/notifications")
    expect(page.get_by_text("No notifications yet.")).to_be_visible()
    choice = page.get_by_role("checkbox", name=re.compile("^Email me too"))
    expect(choice).not_to_be_checked()
    choice.check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Preferences saved.")).to_be_visible()
    with site.api(email) as api:
        assert api.get("/api/notifications/preferences").json() == {"email_schedule_changes": True}
    page.reload()
    expect(page.get_by_role("checkbox", name=re.compile("^Email me too"))).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "preferences-phone")


def test_a_schedule_notice_opens_the_calendar_on_its_day(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    """The link the notice (and its email) carries is a page: the calendar on the day the
    shift was booked, the analyst picked out."""
    shift_day = day(9)
    crew = new_crew(site, shift_days=[shift_day])
    _wait_for_unread(site, crew.email, 1)
    page = new_page()
    sign_in(page, crew.email, path="/notifications")
    notice = page.get_by_role("article", name=re.compile("^Your schedule changed"))
    notice.get_by_role("link", name="Open the schedule").click()
    expect(page).to_have_url(
        f"{site.url}/calendar?date={shift_day.isoformat()}&analyst={crew.analyst['id']}"
    )
    grid = page.get_by_role("grid")
    expect(grid.get_by_role("rowheader", name=crew.analyst["name"])).to_be_visible()
    expect(grid.get_by_role("rowheader", name=crew.colleague["name"])).to_have_count(0)
    booked = grid.locator(
        f'td[data-analyst="{crew.analyst["id"]}"][data-date="{shift_day.isoformat()}"]'
    )
    expect(booked).to_contain_text("EARLY")
    screenshot(page, "schedule-notice-opened")
