"""Calendar feeds in the browser: an analyst makes a feed of their shifts, reads its
address off the page (shown once, with a Copy button and how to subscribe), and a
calendar client (httpx here) fetches it and parses it with icalendar; regenerating
stops the old address, revoking the new one. A manager subscribes to a team and
downloads the schedule as CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.web.conftest import LEAD_EMAIL, Screenshots, Site, sign_in
from tests.web.crews import day, new_crew

FEED_URL = re.compile(r"^http://127\.0\.0\.1:\d+/ical/[A-Za-z0-9_-]{43}\.ics$")


def _shown_url(page: Page) -> str:
    field = page.get_by_label("Feed URL")
    expect(field).to_have_value(FEED_URL)
    return field.input_value()


def _uids(url: str) -> set[str]:
    """What a calendar app subscribed to `url` gets."""
    answer = httpx.get(url, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(answer.content)
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def test_an_analyst_subscribes_to_their_shifts_by_the_address_on_the_page(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    crew = new_crew(site, shift_days=[day(3), day(4)])
    page = new_page()
    sign_in(page, crew.email, path="/feeds")
    expect(page.get_by_role("heading", name="Calendar feeds", level=1)).to_be_visible()
    expect(page.get_by_text("No feeds yet.")).to_be_visible()
    # An analyst subscribes to their own shifts only: no choice to make.
    expect(page.get_by_text(f"Your shifts ({crew.analyst['name']}).")).to_be_visible()
    expect(page.get_by_label("Team", exact=True)).to_have_count(1)  # the export's filter only
    screenshot(page, "empty")

    page.get_by_role("button", name="Create feed").click()
    url = _shown_url(page)
    expect(
        page.get_by_role("heading", name=f"Feed address: {crew.analyst['name']}")
    ).to_be_focused()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    for app in ("Google Calendar", "Outlook", "Apple Calendar"):
        expect(page.get_by_text(app, exact=True)).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(
        page.get_by_text(re.compile(r"^(Copied to the clipboard|Selected: press)"))
    ).to_be_visible()
    host = "127.0.0.1"
    assert _uids(url) == {f"assignment-{a['id']}@{host}" for a in crew.assignments}
    row = page.get_by_role("row", name=re.compile(re.escape(crew.analyst["name"])))
    expect(row).to_contain_text("Active")
    screenshot(page, "created")

    # Once dismissed, the address is gone from the page: the list shows its start only.
    page.get_by_role("button", name="Done, I have copied it").click()
    expect(page.get_by_label("Feed URL")).to_have_count(0)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    expect(row.get_by_text(f"…/ical/{token[:6]}…")).to_be_visible()
    assert token not in page.content()
    expect(row).to_contain_text("Never")  # the page lists fetches as of its loading

    row.get_by_role("button", name=re.compile("^Regenerate")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("The current address stops working at once")
    screenshot(page, "regenerate-confirm", full_page=False)
    dialog.get_by_role("button", name="Regenerate", exact=True).click()
    expect(dialog).to_be_hidden()
    renewed = _shown_url(page)
    assert renewed != url
    expect(page.get_by_text("The old address no longer works")).to_be_visible()
    assert httpx.get(url, timeout=30).status_code == 404
    # Same events, same UIDs, at the new address.
    assert _uids(renewed) == {f"assignment-{a['id']}@{host}" for a in crew.assignments}

    page.get_by_role("button", name="Done, I have copied it").click()
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke", exact=True).click()
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button")).to_have_count(0)
    assert httpx.get(renewed, timeout=30).status_code == 404
    screenshot(page, "revoked")


def test_a_manager_subscribes_to_a_team_and_exports_its_schedule(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    crew = new_crew(site, shift_days=[day(5), day(6), day(40)])
    page = new_page()
    sign_in(page, LEAD_EMAIL, path="/feeds")
    page.get_by_role("radio", name="A team's").check()
    page.locator("form.feeds__form").get_by_label("Team", exact=True).select_option(
        label=f"{crew.team['name']} ({crew.team['code']})"
    )
    page.get_by_role("button", name="Create feed").click()
    url = _shown_url(page)
    assert _uids(url) == {f"assignment-{a['id']}@127.0.0.1" for a in crew.assignments}
    expect(page.get_by_role("heading", name=f"Feed address: {crew.team['name']}")).to_be_visible()

    export = page.locator("form.feeds__export")
    export.get_by_label("From").fill(day(0).isoformat())
    export.get_by_label("To").fill(day(30).isoformat())
    export.get_by_label("Team", exact=True).select_option(label=crew.team["name"])
    export.get_by_label("Analyst").select_option(label=crew.analyst["name"])
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    name = f"schedule_{day(0).isoformat()}_{day(30).isoformat()}.csv"
    assert download.value.suggested_filename == name
    path = download.value.path()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["date", "team", "analyst"]
    assert [(r[0], r[2], r[4]) for r in rows[1:]] == [
        (day(5).isoformat(), crew.analyst["name"], "EARLY"),
        (day(6).isoformat(), crew.analyst["name"], "EARLY"),
    ]
    expect(page.get_by_text(f"Downloaded {name}.")).to_be_visible()
    screenshot(page, "exported")

    # A range the API refuses: its reason on the page, no file.
    export.get_by_label("To").fill(day(400).isoformat())
    page.get_by_role("button", name="Download CSV").click()
    expect(page.get_by_role("alert").filter(has_text="at most 366")).to_be_visible()
    screenshot(page, "export-refused", full_page=False)


def test_the_page_fits_a_phone(new_page: Any, site: Site, screenshot: Screenshots) -> None:
    crew = new_crew(site, shift_days=[day(2)])
    page = new_page(width=360, height=780)
    sign_in(page, crew.email, path="/feeds")
    page.get_by_role("button", name="Create feed").click()
    _shown_url(page)
    screenshot(page, "phone")
    # Nothing wider than the screen: the table scrolls in its own box.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
