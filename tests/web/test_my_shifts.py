"""My shifts: an analyst on a phone sees the coming weeks' shifts, asks for time off (the
API's refusal shows next to the field it is about), asks for a shift off and withdraws
it, and sees a manager's decision on their absence."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import LEAD_EMAIL, Screenshots, Site, sign_in
from tests.web.crews import day, new_crew, request_absence

PHONE = {"width": 360, "height": 780}


def test_an_analyst_on_a_phone_sees_their_shifts_and_asks_for_time_off(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    booked = [day(8), day(9), day(10), day(16)]
    crew = new_crew(site, shift_days=booked)
    page = new_page(**PHONE)
    sign_in(page, crew.email)

    expect(page).to_have_url(re.compile(r"/my$"))
    upcoming = page.get_by_role("region", name="Upcoming shifts")
    shifts = upcoming.locator(".shift-item")
    expect(shifts).to_have_count(len(booked))
    expect(upcoming.locator("time").first).to_have_attribute("datetime", booked[0].isoformat())
    expect(shifts.first).to_contain_text("EARLY")
    expect(shifts.first).to_contain_text("06:00–14:00")
    expect(shifts.first).to_contain_text("Screener")
    expect(shifts.last).to_contain_text("Locked")
    expect(page.get_by_text(f"{crew.team['name']} · times in Europe/Berlin")).to_be_visible()
    # Grouped by week: the shifts 8 days apart fall in different weeks.
    assert upcoming.get_by_role("heading", name=re.compile("^Week of")).count() >= 2
    # A phone-wide page: nothing runs off the side.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone")

    form = page.get_by_role("region", name="Request an absence")
    last_day = form.get_by_label("Last day away")
    form.get_by_label("First day away").fill(booked[1].isoformat())
    last_day.fill(booked[0].isoformat())
    form.get_by_label("Kind").select_option("vacation")
    form.get_by_role("button", name="Request absence").click()
    # The API refuses the inverted range; its message sits with the last day.
    expect(last_day).to_have_accessible_description("end_date is before start_date")
    screenshot(page, "inverted-range")
    with site.api(crew.email) as api:
        assert (
            api.get("/api/absences", params={"analyst_id": crew.analyst["id"]}).json()["items"]
            == []
        )

    last_day.fill(booked[2].isoformat())
    form.get_by_label("Note (optional)").fill("Family visit")
    form.get_by_role("button", name="Request absence").click()
    expect(form.get_by_role("status")).to_contain_text("A manager will decide")
    mine = page.get_by_role("region", name="My absences").locator(".request-item")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Vacation")
    expect(mine).to_contain_text("Requested")
    expect(mine).to_contain_text("Family visit")
    # The shifts on those days are marked.
    marked = shifts.filter(has_text="Absence requested")
    expect(marked).to_have_count(2)
    assert [marked.nth(i).locator("time").get_attribute("datetime") for i in range(2)] == [
        booked[1].isoformat(),
        booked[2].isoformat(),
    ]
    with site.api(crew.email) as api:
        [absence] = api.get("/api/absences", params={"analyst_id": crew.analyst["id"]}).json()[
            "items"
        ]
    assert (absence["start_date"], absence["end_date"], absence["status"]) == (
        booked[1].isoformat(),
        booked[2].isoformat(),
        "requested",
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "requested")

    # Changed their mind: the request is withdrawn.
    page.get_by_role("button", name=re.compile("^Cancel request: Vacation")).click()
    expect(mine).to_contain_text("Cancelled")
    expect(shifts.filter(has_text="Absence requested")).to_have_count(0)
    with site.api(crew.email) as api:
        assert api.get(f"/api/absences/{absence['id']}").json()["status"] == "cancelled"


def test_an_analyst_asks_for_a_shift_off_and_withdraws_it(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    crew = new_crew(site, shift_days=[day(12)])
    page = new_page(**PHONE)
    sign_in(page, crew.email, path="/my")

    form = page.get_by_role("region", name="Ask for a shift on or off")
    form.get_by_label("have it off").check()
    form.get_by_label("Day").fill(day(12).isoformat())
    form.get_by_label("Shift").select_option(label="EARLY (06:00–14:00)")
    form.get_by_role("button", name="Send request").click()
    requests = page.get_by_role("region", name="My shift requests").locator(".request-item")
    expect(requests).to_have_count(1)
    expect(requests).to_contain_text("Off: EARLY")
    expect(requests).to_contain_text("Requested")

    # The opposite wish for the same shift is refused while this one is open.
    form.get_by_label("work it").check()
    form.get_by_label("Day").fill(day(12).isoformat())
    form.get_by_label("Shift").select_option(label="EARLY (06:00–14:00)")
    form.get_by_role("button", name="Send request").click()
    expect(form.get_by_role("alert")).to_contain_text("withdraw it before asking the opposite")
    screenshot(page, "contradicted")
    with site.api(crew.email) as api:
        [request] = api.get(
            "/api/shift-requests", params={"analyst_id": crew.analyst["id"]}
        ).json()["items"]
    assert (request["kind"], request["date"], request["shift_type_id"]) == (
        "off",
        day(12).isoformat(),
        crew.shift_type["id"],
    )

    page.get_by_role("button", name=re.compile("^Withdraw: Off: EARLY")).click()
    expect(requests).to_have_count(0)
    with site.api(crew.email) as api:
        assert api.get(f"/api/shift-requests/{request['id']}").status_code == 404


def test_a_decision_on_the_absence_shows_on_my_shifts(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    crew = new_crew(site, shift_days=[day(20), day(21)])
    absence = request_absence(site, crew, day(20), day(21))
    page = new_page()
    with page.expect_response(lambda response: "/api/events" in response.url) as stream:
        sign_in(page, crew.email, path="/my")
    assert stream.value.ok
    mine = page.get_by_role("region", name="My absences").locator(".request-item")
    expect(mine).to_contain_text("Requested")

    with site.api(LEAD_EMAIL) as api:
        api.post(
            f"/api/absences/{absence['id']}/approve", json={"note": "Covered by Sam"}
        ).raise_for_status()
    # Live: the page hears of the decision on its event stream.
    expect(mine).to_contain_text("Approved")
    expect(mine).to_contain_text("Manager’s note: Covered by Sam")
    expect(page.locator(".shift-item").filter(has_text="Absent: needs cover")).to_have_count(2)
    expect(page.get_by_role("button", name=re.compile("^Cancel request"))).to_have_count(0)
    screenshot(page, "approved")
    page.reload()
    expect(mine).to_contain_text("Approved")


def test_a_user_without_an_analyst_is_sent_to_the_schedule(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    page = new_page(**PHONE)
    sign_in(page, site.new_user("manager"), path="/my")
    expect(page.get_by_text("Your account is not linked to an analyst")).to_be_visible()
    page.get_by_role("link", name="See the team schedule").click()
    expect(page).to_have_url(re.compile(r"/calendar$"))
